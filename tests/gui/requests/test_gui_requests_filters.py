"""The filter bar: each control narrows the table; the choice round-trips through settings."""

from __future__ import annotations

from asgideck.gui.tabs.requests.filters import FilterBar, filter_from_state, filter_state
from asgideck.gui.tabs.requests.model import RequestsModel
from asgideck.runtime.recording import RequestFilter


def test_each_control_narrows_the_table(qtbot, make_record) -> None:  # type: ignore[no-untyped-def]
    bar = FilterBar()
    qtbot.addWidget(bar)
    model = RequestsModel()
    bar.changed.connect(model.set_filter)
    model.set_records([
        make_record("/fast", duration=2),
        make_record("/slow", duration=900),
        make_record("/missing", status=404),
        make_record("/moved", status=307),
        make_record("/boom", exception=True),
        make_record("/loop", repeats=5),
        make_record("/almost", repeats=4),
    ])  # fmt: skip

    def paths() -> list[str]:
        return [r.path for r in model.rows()]

    assert len(paths()) == 7
    bar.status["4xx"].click()
    assert paths() == ["/missing"]
    bar.status["3xx"].click()
    assert paths() == ["/missing", "/moved"]
    bar.set_value(RequestFilter())
    bar.slower.setValue(500)
    assert paths() == ["/slow"]
    bar.slower.setValue(0)
    bar.errors.setChecked(True)
    assert paths() == ["/boom"]
    bar.errors.setChecked(False)
    bar.n_plus_one.setChecked(True)
    assert paths() == ["/loop"]  # 5 repeats flagged, 4 not
    bar.n_plus_one.setChecked(False)
    qtbot.keyClicks(bar.path, "MOV")
    assert paths() == ["/moved"]  # case-insensitive substring


def test_set_value_emits_once_and_shows_the_filter(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = FilterBar()
    qtbot.addWidget(bar)
    seen: list[RequestFilter] = []
    bar.changed.connect(seen.append)
    wanted = RequestFilter(frozenset({"5xx", "4xx"}), "items", 250.0, True, True)
    bar.set_value(wanted)
    assert seen == [wanted] and bar.value() == wanted
    assert bar.status["5xx"].isChecked() and not bar.status["2xx"].isChecked()


def test_the_state_round_trips_and_damage_is_ignored() -> None:
    wanted = RequestFilter(frozenset({"2xx", "5xx"}), "api", 120.0, False, True)
    assert filter_from_state(filter_state(wanted)) == wanted
    assert filter_from_state(filter_state(RequestFilter())) == RequestFilter()
    damaged = {"status": "9xx,4xx", "path": 3, "slower": "soon", "errors": None}
    assert filter_from_state(damaged) == RequestFilter(status_classes=frozenset({"4xx"}))
