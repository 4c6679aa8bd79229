"""A week costs a week: ``timeline_frame(start=, end=)`` sends its window to every system's server.

Real HTTP to each system's emulator on loopback, through the real Session and its SQLite cache. One
emulator per system (rate limits raised) and one whole-history ``timeline_frame()`` serve each
system's tests; every windowed frame comes from a Session on a cold cache of its own, and must equal
the whole history's frame trimmed to the window, row for row: for a demo week, and for a window
cutting through long allocations, tasks, jobs and entries (rows across the window's edges stay).
The emulators' request logs show what was sent: the window, as each system's own parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import smexplore as sm
from smexplore import F
from smexplore.accelo.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, AcceloEmulator
from smexplore.accelo.normalise import activity_filters, span_filter
from smexplore.emulator import DEMO_API_KEY, Emulator
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator
from smexplore.ruddr.normalise import timeline_frame as ruddr_timeline
from smexplore.ruddr.normalise import window_filters
from smexplore.syncd.emulator import DEMO_PASSWORD, DEMO_USER, SyncdEmulator
from smexplore.syncd.normalise import window_filter

WEEK = (pd.Timestamp("2026-02-23"), pd.Timestamp("2026-03-02"))  # the last full week before the demos' "now"


def _trimmed(whole: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return whole[(whole["end"] > start) & (whole["start"] < end)].reset_index(drop=True)


def _same(frame: pd.DataFrame, whole: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> None:
    expected = _trimmed(whole, start, end)
    assert len(frame) > 0
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected)


def _asked(emu: Any, before: int) -> list[Any]:
    """The API requests the emulator answered since ``before`` (an OAuth token request left out)."""
    return [entry for entry in emu.log.entries()[before:] if "token" not in entry.path]


class _Cold:
    """Sessions on cold caches of their own (``open(name)``), and the requests each window sent."""

    def __init__(self, emu: Any, folder: Path, connect: Callable[[Path], Any]) -> None:
        self.emu, self.folder, self.connect = emu, folder, connect

    def timeline(self, name: str, *args: Any, **window: Any) -> tuple[pd.DataFrame, list[Any]]:
        with self.connect(self.folder / name) as session:
            before = len(self.emu.log)
            frame = session.timeline_frame(*args, **window)
            return frame, _asked(self.emu, before)


# --- Ruddr ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ruddr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Cold]:
    folder = tmp_path_factory.mktemp("ruddr-window")
    with RuddrEmulator(seed=0, scale="small", per_second=1e6, burst=1_000_000) as emu:
        yield _Cold(emu, folder, lambda cache: sm.ruddr.connect(DEMO_TOKEN, base_url=emu.base_url, cache=cache,
                                                                progress=False, per_second=1_000_000))


@pytest.fixture(scope="module")
def ruddr_whole(ruddr: _Cold) -> dict[str, Any]:
    with ruddr.connect(ruddr.folder / "whole") as session:
        before = len(ruddr.emu.log)
        timeline = session.timeline_frame()
        requests = len(_asked(ruddr.emu, before))
        return {"timeline": timeline, "requests": requests, "allocations": session.allocations()}


def test_ruddr_week_is_the_whole_history_trimmed(ruddr: _Cold, ruddr_whole: dict[str, Any]) -> None:
    frame, asked = ruddr.timeline("week", start=WEEK[0], end=WEEK[1])
    _same(frame, ruddr_whole["timeline"], *WEEK)
    assert len(asked) <= 5 < ruddr_whole["requests"] // 10
    allocations = [dict(e.query) for e in asked if e.resource == "allocations"]
    entries = [dict(e.query) for e in asked if e.resource == "time-entries"]
    assert {"startBefore": "2026-03-02", "endOnAfter": "2026-02-23"}.items() <= allocations[0].items()
    # the time off that the week's allocations reach beyond the week, on its own
    assert allocations[1]["assignmentTypeId"] == "time_off" and allocations[1]["startOnBefore"] > "2026-03-02"
    assert all({"dateBefore": "2026-03-02", "dateAfter": "2026-02-21"}.items() <= q.items() for q in entries)


def test_ruddr_hours_need_the_time_off_beyond_the_window(ruddr: _Cold, ruddr_whole: dict[str, Any]) -> None:
    """A project allocation's hours on a day of the week depend on its member's time off outside it."""
    planned, recorded = window_filters(*WEEK)
    with ruddr.connect(ruddr.folder / "no-time-off") as session:
        lacking = ruddr_timeline(session.allocations(planned), session.members(), session.time_entries(recorded),
                                 start=WEEK[0], end=WEEK[1])
    expected = _trimmed(ruddr_whole["timeline"], *WEEK)
    assert abs(lacking["hours"].sum() - expected["hours"].sum()) > 1  # scaled to totalHours without it


def test_ruddr_window_inside_long_allocations(ruddr: _Cold, ruddr_whole: dict[str, Any]) -> None:
    allocations = ruddr_whole["allocations"]
    project = allocations[(allocations["resource_type_id"] == "member") & (allocations["assignment_type_id"] == "project")]
    longest = project.loc[(project["end"] - project["start"]).idxmax()]
    middle = (longest["start"] + (longest["end"] - longest["start"]) / 2).normalize()
    wednesday = middle - pd.Timedelta(days=middle.weekday() - 2)  # working days on either side of the window
    start, end = wednesday + pd.Timedelta("9h30min"), wednesday + pd.Timedelta("1 day 15h")
    frame, asked = ruddr.timeline("long", start=start, end=end)
    _same(frame, ruddr_whole["timeline"], start, end)
    mine = frame[(frame["staff_id"] == longest["member_id"]) & (frame["job_id"] == longest["project_id"])]
    assert mine["start"].min() < start and mine["end"].max() > end  # its days across both edges are there
    days = {"startOnBefore": f"{end:%Y-%m-%d}", "endOnAfter": f"{start:%Y-%m-%d}"}
    assert days.items() <= dict(next(e for e in asked if e.resource == "allocations").query).items()


def test_ruddr_where_first_and_the_window(ruddr: _Cold, ruddr_whole: dict[str, Any]) -> None:
    member = ruddr_whole["allocations"]["member_id"].value_counts().idxmax()
    frame, asked = ruddr.timeline("member", F.member_id == member, WEEK[0], WEEK[1])
    whole = ruddr_whole["timeline"]
    _same(frame, whole[whole["staff_id"] == member], *WEEK)  # a member's days depend on their own records only
    assert len(frame) < len(_trimmed(whole, *WEEK))
    assert all(dict(e.query)["memberId"] == member for e in asked if e.resource != "members")


def test_ruddr_explain_shows_the_window(ruddr: _Cold) -> None:
    planned, recorded = window_filters(*WEEK)
    with ruddr.connect(ruddr.folder / "explain") as session:
        allocations, entries = session.explain("allocations", planned), session.explain("time-entries", recorded)
    assert allocations.params == {"startBefore": "2026-03-02", "endOnAfter": "2026-02-23"}
    assert entries.params == {"dateBefore": "2026-03-02", "dateAfter": "2026-02-21"}
    assert allocations.local is None and entries.local is None


# --- Accelo --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def accelo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Cold]:
    folder = tmp_path_factory.mktemp("accelo-window")
    with AcceloEmulator(seed=0, scale="small") as emu:
        yield _Cold(emu, folder, lambda cache: sm.accelo.connect(
            client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, base_url=emu.base_url,
            token_url=emu.token_url, cache=cache, progress=False))


@pytest.fixture(scope="module")
def accelo_whole(accelo: _Cold) -> dict[str, Any]:
    with accelo.connect(accelo.folder / "whole") as session:
        before = len(accelo.emu.log)
        timeline = session.timeline_frame()
        requests = len(_asked(accelo.emu, before))
        return {"timeline": timeline, "requests": requests, "tasks": session.tasks()}


def test_accelo_week_is_the_whole_history_trimmed(accelo: _Cold, accelo_whole: dict[str, Any]) -> None:
    frame, asked = accelo.timeline("week", start=WEEK[0], end=WEEK[1])
    _same(frame, accelo_whole["timeline"], *WEEK)
    assert set(frame["kind"]) == {"time_entry", "task", "job"}
    assert len(asked) <= 10 < accelo_whole["requests"] // 10
    sent = [dict(e.query).get("_filters", "") for e in asked]
    assert all(sent), "every list is asked for with _filters"
    assert all("date_started_after" in f or "date_logged_after" in f for f, e in zip(sent, asked)
               if e.resource == "activities")
    assert all("date_completed_after" in f for f, e in zip(sent, asked) if e.resource in ("tasks", "jobs"))


def test_accelo_window_inside_long_tasks_and_jobs(accelo: _Cold, accelo_whole: dict[str, Any]) -> None:
    tasks = accelo_whole["tasks"]
    spans = tasks["date_completed"].fillna(tasks["date_due"]) - tasks["date_started"]
    longest = tasks.loc[spans.idxmax()]
    start = longest["date_started"] + spans.max() / 2
    end = start + pd.Timedelta("1 day 7h")
    frame, _ = accelo.timeline("long", start=start, end=end)
    _same(frame, accelo_whole["timeline"], start, end)
    across = frame[(frame["start"] < start) & (frame["end"] > end)]
    assert {"task", "job"} <= set(across["kind"])  # spans across both edges are there
    assert (across["job_id"] == str(int(longest["task_job_id"]))).any()


def test_accelo_explain_shows_the_window() -> None:
    session = sm.accelo.connect(token="unused", base_url="http://127.0.0.1:9/api/v0", cache=False, progress=False)
    with session:
        started, unstarted = (session.explain("activities", where) for where in activity_filters(*WEEK))
        tasks = session.explain("tasks", span_filter(*WEEK))
    assert started.filter == "date_started_after(1771718400),date_started_before(1772409600)"
    assert unstarted.filter.startswith("empty(date_started),date_logged_after(")
    assert tasks.filter == "_OR(date_completed_after(1771804800),_AND(empty(date_completed),date_due_after(1771804800)))"
    assert tasks.local is not None and tasks.local.fields() == {"date_started", "date_commenced"}


# --- Syncd ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def syncd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Cold]:
    folder = tmp_path_factory.mktemp("syncd-window")
    with SyncdEmulator(seed=0, scale="small") as emu:
        yield _Cold(emu, folder, lambda cache: sm.syncd.connect(user=DEMO_USER, password=DEMO_PASSWORD,
                                                                base_url=emu.base_url, cache=cache, progress=False,
                                                                per_second=1_000_000))


@pytest.fixture(scope="module")
def syncd_whole(syncd: _Cold) -> dict[str, Any]:
    with syncd.connect(syncd.folder / "whole") as session:
        before = len(syncd.emu.log)
        timeline = session.timeline_frame()
        return {"timeline": timeline, "requests": len(_asked(syncd.emu, before))}


def test_syncd_week_is_the_whole_history_trimmed(syncd: _Cold, syncd_whole: dict[str, Any]) -> None:
    frame, asked = syncd.timeline("week", start=WEEK[0], end=WEEK[1])
    _same(frame, syncd_whole["timeline"], *WEEK)
    entries = [dict(e.query) for e in asked if e.resource == "time_entries"]
    assert entries and all(q["start_date"] == "2026-02-22" and q["end_date"] == "2026-03-01" for q in entries)
    assert len(asked) <= 5 < syncd_whole["requests"] // 10
    assert not any(e.resource == "job_assignments" for e in asked)


def test_syncd_window_cutting_through_entries(syncd: _Cold, syncd_whole: dict[str, Any]) -> None:
    whole = syncd_whole["timeline"]
    timed = whole[(whole["end"] - whole["start"]) >= pd.Timedelta("2h")]
    cut = timed.iloc[len(timed) // 2]
    start, end = cut["start"] + pd.Timedelta("1h"), cut["start"] + pd.Timedelta("1 day 1h")
    frame, _ = syncd.timeline("cut", start=start, end=end)
    _same(frame, whole, start, end)
    assert ((frame["start"] < start) & (frame["end"] > start)).any()  # the entry across the edge is there


def test_syncd_explain_shows_the_window(syncd: _Cold) -> None:
    with syncd.connect(syncd.folder / "explain") as session:
        planned = session.explain("time_entries", window_filter(*WEEK))
        zoned = window_filter(*WEEK, timezone="Pacific/Auckland")
    assert planned.filter == "/time_entries.xml?start_date=2026-02-22&end_date=2026-03-01"
    assert str(zoned) != str(window_filter(*WEEK))  # a zoned session's wall clock asks for days more


# --- ServiceM8 -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def servicem8(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Cold]:
    folder = tmp_path_factory.mktemp("servicem8-window")
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000) as emu:
        yield _Cold(emu, folder, lambda cache: sm.connect(api_key=DEMO_API_KEY, base_url=emu.base_url, cache=cache,
                                                          progress=False))


@pytest.fixture(scope="module")
def servicem8_whole(servicem8: _Cold) -> pd.DataFrame:
    with servicem8.connect(servicem8.folder / "whole") as session:
        return session.timeline_frame()


def test_servicem8_week_is_the_whole_history_trimmed(servicem8: _Cold, servicem8_whole: pd.DataFrame) -> None:
    frame, asked = servicem8.timeline("week", start=WEEK[0], end=WEEK[1])
    _same(frame, servicem8_whole, *WEEK)
    sent = {e.resource: dict(e.query).get("$filter") for e in asked}
    assert sent["jobactivity"] == "end_date gt '2026-02-23 00:00:00' and start_date lt '2026-03-02 00:00:00'"
    assert sent["joballocation"] == "allocation_date gt '2026-02-21 23:59:59' and allocation_date lt '2026-03-02 00:00:00'"


def test_servicem8_window_cutting_through_activities(servicem8: _Cold, servicem8_whole: pd.DataFrame) -> None:
    long = servicem8_whole[(servicem8_whole["end"] - servicem8_whole["start"]) >= pd.Timedelta("3h")]
    cut = long.iloc[len(long) // 2]
    start, end = cut["start"] + pd.Timedelta("1h"), cut["end"] - pd.Timedelta("1h")
    frame, _ = servicem8.timeline("cut", start=start, end=end)
    _same(frame, servicem8_whole, start, end)
    assert ((frame["start"] < start) & (frame["end"] > end)).any()  # the span across both edges is there
