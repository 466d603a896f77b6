"""When to restart a crashed server: exponential backoff, and when to give up."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["RestartPolicy"]

# --------------------------------------------------------------------------- restart policy


class RestartPolicy:
    """Backoff 1, 2, 4 ... 30 s between automatic restarts; 5 crashes in 60 s is a crash loop.

    A run that stayed up ``stable_after`` seconds resets the backoff.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        window: float = 60.0,
        max_crashes: int = 5,
        base: float = 1.0,
        cap: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.clock = clock
        self.window, self.max_crashes = window, max_crashes
        self.base, self.cap, self.stable_after = base, cap, stable_after
        self._crashes: deque[float] = deque()
        self._consecutive = 0

    def reset(self) -> None:
        self._crashes.clear()
        self._consecutive = 0

    def record_crash(self, ran_for: float) -> float | None:
        """Delay before the next restart, or None: crash loop, stop trying."""
        now = self.clock()
        if ran_for >= self.stable_after:
            self._consecutive = 0
        self._consecutive += 1
        self._crashes.append(now)
        while self._crashes and self._crashes[0] <= now - self.window:
            self._crashes.popleft()
        if len(self._crashes) >= self.max_crashes:
            return None
        return float(min(self.cap, self.base * 2 ** (self._consecutive - 1)))
