"""Restart backoff and crash-loop detection, on a fake clock."""

from __future__ import annotations

from asgideck.runtime.servers import RestartPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_and_the_fifth_quick_crash_is_a_loop() -> None:
    clock = FakeClock()
    policy = RestartPolicy(clock)
    delays = []
    for _ in range(5):
        delay = policy.record_crash(ran_for=0.5)
        delays.append(delay)
        clock.now += (delay or 0) + 0.5
    assert delays == [1.0, 2.0, 4.0, 8.0, None]


def test_spread_out_crashes_keep_backing_off_up_to_30_s() -> None:
    clock = FakeClock()
    policy = RestartPolicy(clock)
    delays = []
    for _ in range(8):
        delays.append(policy.record_crash(ran_for=5))
        clock.now += 20  # at most 3 crashes in any 60 s
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_a_stable_run_resets_the_backoff() -> None:
    clock = FakeClock()
    policy = RestartPolicy(clock)
    assert policy.record_crash(ran_for=1) == 1.0
    clock.now += 1
    assert policy.record_crash(ran_for=1) == 2.0
    clock.now += 300
    assert policy.record_crash(ran_for=299) == 1.0


def test_the_window_slides() -> None:
    clock = FakeClock()
    policy = RestartPolicy(clock)
    for _ in range(4):
        assert policy.record_crash(ran_for=0) is not None
    clock.now += 60.5  # the first four are now older than the window
    assert policy.record_crash(ran_for=0) is not None


def test_exactly_five_within_the_window_is_a_loop_even_when_spread() -> None:
    clock = FakeClock()
    policy = RestartPolicy(clock)
    results = []
    for _ in range(5):
        results.append(policy.record_crash(ran_for=0))
        clock.now += 14.9  # 5 crashes within 59.6 s
    assert results[-1] is None


def test_reset_forgets_history() -> None:
    clock = FakeClock()
    policy = RestartPolicy(clock, max_crashes=2)
    assert policy.record_crash(0) == 1.0
    policy.reset()
    assert policy.record_crash(0) == 1.0
    assert policy.record_crash(0) is None
