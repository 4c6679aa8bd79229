"""Load, utilisation and free capacity on every system's demo account, over HTTP (issue 24)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import smexplore as sm
from smexplore.core.load import LOAD_DTYPES, PLANNED, UTILISATION_DTYPES
from smexplore.core.schedule import CAPACITY_DTYPES

DEMOS = {"servicem8": sm.demo, "ruddr": sm.ruddr.demo, "accelo": sm.accelo.demo, "syncd": sm.syncd.demo}


@pytest.fixture(scope="module", params=list(DEMOS))
def demo(request: pytest.FixtureRequest) -> Iterator[Any]:
    with DEMOS[request.param](progress=False) as session:
        yield session


def _week(session: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    now = session.now.tz_localize(None) if session.now.tzinfo is not None else session.now
    monday = (now - pd.Timedelta(days=now.day_of_week + 7)).normalize()
    return monday, monday + pd.Timedelta(days=7)


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def test_the_load_table_holds_everyone_and_the_timelines_hours(demo: Any) -> None:
    start, end = _week(demo)
    table = demo.load(start, end)
    assert _dtypes(table) == LOAD_DTYPES
    people = demo.people()
    listed = table[~table["placeholder"]]
    assert set(people["staff_id"]) <= set(listed["staff_id"])  # busy or not
    assert set(listed["period"]) == set(pd.date_range(start, end - pd.Timedelta(days=1)))
    frame = demo.timeline_frame(start=start, end=end)
    inside = frame[(frame["start"] >= start) & (frame["end"] <= end)]
    amounts = inside[inside["kind"].isin(["allocation", "task"]) & inside["hours"].notna()]
    spanned = amounts[(amounts["end"] - amounts["start"]) <= pd.Timedelta(days=1)]  # one day each
    if len(spanned) == len(amounts) and len(amounts):  # every amount within a day: it lands on that day
        assert listed[["allocation_hours", "task_hours"]].sum().sum() == pytest.approx(float(amounts["hours"].sum()))
    over = listed[listed["over"]]
    assert (over["planned_hours"] > over["available_hours"]).all()
    assert (listed["free_hours"] == listed["available_hours"] - listed["planned_hours"]).all()


def test_utilisation_is_one_measure_on_every_system(demo: Any) -> None:
    start, end = _week(demo)
    used = demo.utilisation(start, end)
    assert _dtypes(used) == UTILISATION_DTYPES
    assert set(used["source"]) == {demo.source}
    assert used["utilisation"].dropna().between(0, 3).all()  # fractions, not percentages
    frame = demo.timeline_frame(start=start, end=end)
    if frame["kind"].isin(PLANNED).any():
        assert (used["planned_hours"] > 0).any()
    else:  # Syncd records time and plans none: its utilisation is the recorded one
        assert (used["planned_hours"] == 0).all() and (used["recorded_utilisation"] > 0).any()
    with pytest.raises(ValueError, match="unknown kind 'bookngs'"):
        sm.utilisation(frame, kinds=["bookngs"])


def test_free_capacity_answers_who_can_take_six_hours(demo: Any) -> None:
    start, end = _week(demo)
    free = demo.free_capacity(start, end, at_least=6)
    assert list(free.columns) == ["source", "staff_id", "staff", "period", "available_hours", "planned_hours",
                                  "free_hours"]
    assert (free["free_hours"] >= 6).all() and free["period"].is_monotonic_increasing
    load = demo.load(start, end).set_index(["staff_id", "period"])
    for row in free.head(10).itertuples():
        assert load.loc[(row.staff_id, row.period), "free_hours"] == row.free_hours
    capacity = demo.capacity(start, end)
    assert _dtypes(capacity) == CAPACITY_DTYPES and (capacity["capacity_hours"] >= 0).all()


def test_ruddr_capacity_comes_from_each_members_availability() -> None:
    with sm.ruddr.demo(progress=False) as session:
        start, end = _week(session)
        capacity = session.capacity(start, end)
        members = session.members().set_index("id")
        periods = members["availability_periods"].dropna()
        varied = [member for member, spans in periods.items() if spans and any(
            hours not in (0, 8) for span in spans for hours in span.get("hoursPerDay", []))]
        assert varied  # the demo workspace has members working other than 8 h a weekday …
        theirs = capacity[capacity["staff_id"] == varied[0]]
        assert not theirs["capacity_hours"].isin([0.0, 8.0]).all()  # … and their capacity says so
        assert capacity["staff_id"].nunique() == len(session.people())
