"""Ruddr allocations and time entries in the normalised timeline frame (``smexplore.ruddr.normalise``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import smexplore as sm
from smexplore.core.timeline import TIMELINE_COLUMNS, TIMELINE_DTYPES, conform
from smexplore.ruddr.allocation_hours import UNITS, capacity_from_periods
from smexplore.ruddr.emulator import Workspace, build_workspace
from smexplore.ruddr.normalise import (
    allocation_days,
    as_frame,
    normalise_allocations,
    normalise_time_entries,
    timeline_frame,
)
from smexplore.servicem8.normalise import normalise_activities

T = pd.Timestamp
DTYPES = {column: str(pd.Series(dtype=dtype).dtype) for column, dtype in TIMELINE_DTYPES.items()}
_HOURS = {"day": "hoursPerDay", "week": "hoursPerWeek", "month": "hoursPerMonth",
          "allocation": "hoursPerAllocation", "ratio_of_capacity": "hoursRatioOfCapacity"}

ANNA = {"id": "m-anna", "name": "Anna Berg"}
SHIP = {"id": "p-ship", "name": "Shipping Portal", "client": {"id": "c-acme", "name": "Acme Corp"}}
PM = {"id": "ph-pm", "name": "Project Manager"}
VACATION = {"id": "t-vac", "name": "Vacation"}
HOLIDAY = {"id": "t-hol", "name": "Holiday"}
SICK = {"id": "t-sick", "name": "Sick Leave"}


def allocation(start: str, end: str, unit: str, amount: float, total: float, *, member: dict | None = ANNA,
               placeholder: dict | None = None, project: dict | None = SHIP, time_off: dict | None = None,
               entity: str = "allocation", billable: bool = True, on_time_off: bool | None = False,
               ident: str | None = None) -> dict[str, Any]:
    """An allocation record as the API sends it."""
    hours: dict[str, Any] = dict.fromkeys(_HOURS.values())
    hours[_HOURS[unit]] = amount
    return {
        "id": ident or f"a-{start}-{unit}-{entity}-{amount}", "resourceTypeId": "member" if member else "placeholder",
        "assignmentTypeId": "project" if project else "time_off", "start": start, "end": end, "unit": unit,
        **hours, "allocateOnTimeOffDays": on_time_off if member and project else None, "totalHours": total,
        "isBillable": billable and project is not None, "notes": None, "readOnly": entity != "allocation",
        "entity": entity, "createdAt": "2026-01-05T10:00:00.000Z", "member": member, "placeholder": placeholder,
        "project": project, "role": None, "task": None, "timeOffType": time_off,
    }


def entry(day: str, minutes: int, *, project: dict | None = SHIP, time_off: dict | None = None,
          billable: bool = True, start_time: str | None = None, end_time: str | None = None,
          ident: str | None = None) -> dict[str, Any]:
    """A time entry record as the API sends it."""
    return {
        "id": ident or f"e-{day}-{minutes}", "typeId": "time_off" if time_off else "project_time",
        "statusId": "approved", "date": day, "minutes": minutes, "timerStartedAt": None, "startTime": start_time,
        "endTime": end_time, "notes": None, "isBillable": billable and project is not None, "invoiced": False,
        "member": ANNA, "project": project, "role": None, "task": None, "timeOffType": time_off,
    }


def member(ident: str, name: str, week: list[float], start: str = "2020-01-01") -> dict[str, Any]:
    return {"id": ident, "name": name, "isActive": True,
            "availabilityPeriods": [{"id": f"ap-{ident}", "start": start, "end": None, "hoursPerDay": week}],
            "utilizationTargetPeriods": [{"id": f"ut-{ident}", "start": start, "end": None, "targetPercentage": 80}]}


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {column: str(dtype) for column, dtype in frame.dtypes.items()}


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return build_workspace(0, "small")


@pytest.fixture(scope="module")
def frames(workspace: Workspace) -> dict[str, pd.DataFrame]:
    return {name: as_frame(workspace.tables[name], name) for name in ("allocations", "members", "time-entries")}


# --- the shape ----------------------------------------------------------------------------------
def test_every_frame_has_exactly_the_timeline_columns_and_dtypes(frames: dict[str, pd.DataFrame]) -> None:
    allocations, members, entries = frames["allocations"], frames["members"], frames["time-entries"]
    for result in (normalise_allocations(allocations, members), normalise_time_entries(entries),
                   timeline_frame(allocations, members, entries), sm.normalise(allocations, members=members),
                   sm.normalise(entries), normalise_allocations(allocations.iloc[:0]), timeline_frame()):
        assert tuple(result.columns) == TIMELINE_COLUMNS
        assert _dtypes(result) == DTYPES
        assert result.attrs["source"] == "ruddr" and result.attrs["resource"] == "timeline"
    both = timeline_frame(allocations, members, entries)
    assert set(both["kind"]) == {"allocation", "placeholder", "time_off", "time_entry"}
    assert (both["source"] == "ruddr").all() and both["start"].is_monotonic_increasing
    assert ((both["end"] - both["start"]) == pd.Timedelta(days=1)).all()  # whole days (no startTime recorded)
    assert (both["start"] == both["start"].dt.normalize()).all()


def test_normalise_dispatches_on_attrs_and_recognises_untagged_frames(frames: dict[str, pd.DataFrame]) -> None:
    allocations = frames["allocations"].head(40)
    tagged = allocations.copy()
    tagged.attrs = {"source": "ruddr", "resource": "allocations"}
    untagged = allocations.copy()
    untagged.attrs = {}
    pd.testing.assert_frame_equal(sm.normalise(tagged), sm.normalise(untagged))
    pd.testing.assert_frame_equal(sm.normalise(tagged), normalise_allocations(allocations))
    assert ("ruddr", "allocations") in sm.core.timeline.normalisers()
    assert ("ruddr", "time-entries") in sm.core.timeline.normalisers()
    with pytest.raises(ValueError, match="missing start"):
        normalise_allocations(allocations.drop(columns=["start"]))


# --- allocations: the expansion -------------------------------------------------------------------
def test_every_allocation_of_the_workspace_sums_to_its_total_hours(frames: dict[str, pd.DataFrame]) -> None:
    allocations, members = frames["allocations"], frames["members"]
    assert set(allocations["unit"]) == set(UNITS)
    days = allocation_days(allocations, members)
    assert not days["scaled"].any()  # the rule, with members' capacity and days off, IS totalHours
    sums = days.groupby("id")["hours"].sum()
    totals = allocations.set_index("id")["total_hours"].astype(float)
    sums = sums.reindex(totals.index, fill_value=0.0).astype(float)
    for unit in UNITS:
        ids = allocations.loc[allocations["unit"] == unit, "id"]
        assert len(ids) > 0
        assert (sums[ids] - totals[ids]).abs().max() <= 0.005, unit  # totalHours is rounded to cents
    # without members (default capacity) the days are scaled to Ruddr's totalHours
    fallback = allocation_days(allocations).groupby("id")["hours"].sum().reindex(totals.index, fill_value=0.0)
    assert (fallback.astype(float) - totals).abs().max() <= 0.005


def test_allocation_days_follow_the_members_capacity(frames: dict[str, pd.DataFrame]) -> None:
    allocations, members = frames["allocations"], frames["members"]
    rows = allocations[(allocations["unit"] == "ratio_of_capacity") & (allocations["resource_type_id"] == "member")]
    days = allocation_days(rows, members, time_off=allocations)
    capacity = {m["id"]: capacity_from_periods(m["availability_periods"]) for m in members.to_dict("records")}
    merged = days.merge(rows[["id", "member_id", "hours_ratio_of_capacity"]], on="id")
    expected = [r.hours_ratio_of_capacity * capacity[r.member_id](r.date.date()) for r in merged.itertuples()]
    assert merged["hours"].astype(float).tolist() == pytest.approx(expected)


def test_the_documents_day_example_is_65_days_of_6_5_hours() -> None:
    """Unit day, 6.5 h a day, 2025-03-01..2025-05-31, totalHours 422.5 (the Ruddr docs' example)."""
    record = allocation("2025-03-01", "2025-05-31", "day", 6.5, 422.5, member=None, placeholder=PM)
    frame = normalise_allocations([record])
    assert len(frame) == 65 and frame["hours"].sum() == 422.5
    assert (frame["hours"] == 6.5).all() and (frame["start"].dt.day_of_week < 5).all()
    assert (frame.loc[0, "start"], frame.loc[0, "end"]) == (T("2025-03-03"), T("2025-03-04"))
    assert frame["start"].iloc[-1] == T("2025-05-30")


def test_members_capacity_days_off_and_time_off_days() -> None:
    part_timer = member("m-anna", "Anna Berg", [6, 6, 6, 6, 6, 0, 0])
    records = [
        allocation("2026-03-02", "2026-03-06", "ratio_of_capacity", 0.5, 12, ident="ratio"),  # 3 h × 4 days
        allocation("2026-03-02", "2026-03-06", "day", 2, 10, on_time_off=True, ident="on-off-days"),
        allocation("2026-03-04", "2026-03-04", "day", 6, 6, project=None, time_off=VACATION, billable=False,
                   ident="vacation"),
    ]
    frame = normalise_allocations(records, [part_timer])
    ratio = frame[(frame["kind"] == "allocation") & (frame["hours"] == 3)]
    assert ratio["start"].dt.day.tolist() == [2, 3, 5, 6]  # Wednesday is time off
    assert frame.loc[frame["hours"] == 2, "start"].dt.day.tolist() == [2, 3, 4, 5, 6]  # allocates on time off
    off = frame[frame["kind"] == "time_off"]
    assert off[["start", "hours", "job", "billable"]].values.tolist() == [[T("2026-03-04"), 6.0, "Vacation", False]]
    assert off["client"].isna().all() and (frame["staff"] == "Anna Berg").all()
    # without the member, her 6 h days are unknown: 8 h defaults, scaled back to totalHours
    fallback = normalise_allocations(records)
    assert fallback.groupby("kind")["hours"].sum().to_dict() == pytest.approx(
        {"allocation": 22.0, "time_off": 6.0})


def test_placeholders_time_off_and_projects_get_their_kinds_and_names() -> None:
    records = [
        allocation("2026-03-02", "2026-03-03", "day", 4, 8, member=None, placeholder=PM, ident="demand"),
        allocation("2026-03-02", "2026-03-02", "day", 8, 8, project=None, time_off=HOLIDAY, entity="holiday",
                   billable=False, ident="holiday"),
        allocation("2026-03-03", "2026-03-03", "day", 5, 5, billable=False, ident="work"),
    ]
    frame = normalise_allocations(records).set_index(["kind", "start"])
    assert frame.loc[("placeholder", T("2026-03-02")), ["staff_id", "staff", "job", "client"]].tolist() == [
        "ph-pm", "Project Manager", "Shipping Portal", "Acme Corp"]
    assert frame.loc[("time_off", T("2026-03-02")), ["staff_id", "job_id", "job"]].tolist() == [
        "m-anna", "t-hol", "Holiday"]
    assert frame.loc[("allocation", T("2026-03-03")), ["job_id", "hours", "billable"]].tolist() == [
        "p-ship", 5.0, False]
    assert frame.loc[("placeholder", T("2026-03-03")), "billable"]


def test_record_id_is_the_allocations_id_shared_by_its_days() -> None:
    records = [allocation("2026-03-02", "2026-03-04", "day", 4, 12, ident="three-days"),
               allocation("2026-03-05", "2026-03-05", "day", 6, 6, project=None, time_off=VACATION, billable=False,
                          ident="day-off"),
               allocation("2026-03-03", "2026-03-03", "day", 2, 2, member=None, placeholder=PM, ident="demand")]
    frame = normalise_allocations(records)
    spread = frame[frame["kind"] == "allocation"]
    assert spread["start"].dt.day.tolist() == [2, 3, 4]
    assert spread["record_id"].tolist() == ["three-days"] * 3
    assert frame.set_index("kind")["record_id"].drop("allocation").to_dict() == {
        "time_off": "day-off", "placeholder": "demand"}
    no_ids = as_frame(records[:1], "allocations").drop(columns=["id"])
    assert normalise_allocations(no_ids)["record_id"].isna().all()  # a frame without ids: <NA>, not an error


def test_record_ids_are_the_source_records_ids(frames: dict[str, pd.DataFrame]) -> None:
    allocations, members, entries = frames["allocations"], frames["members"], frames["time-entries"]
    both = timeline_frame(allocations, members, entries)
    assert both["record_id"].notna().all()
    planned = both[both["kind"].isin(["allocation", "placeholder"])]
    assert planned["record_id"].isin(allocations["id"]).all()
    recorded = both[both["kind"] == "time_entry"]
    assert recorded["record_id"].isin(entries["id"]).all()
    assert set(recorded["record_id"]) == set(entries.loc[entries["type_id"] == "project_time", "id"])
    off = both[both["kind"] == "time_off"]
    assert off["record_id"].isin(pd.concat([allocations["id"], entries["id"]])).all()
    by_id = entries.set_index("id")
    for row in recorded.head(20).itertuples():  # the row is its entry's: same person, day and hours
        source = by_id.loc[row.record_id]
        assert (row.staff_id, row.start.date(), row.hours) == (
            source["member_id"], pd.Timestamp(source["date"]).date(), float(source["minutes"]) / 60)


# --- counting once --------------------------------------------------------------------------------
def _week_of_time_off() -> tuple[list[dict], list[dict]]:
    """Planned vacation Mon..Wed; sick Tuesday recorded (a time entry and Ruddr's read-only copy); a holiday Wed."""
    allocations = [
        allocation("2026-03-02", "2026-03-04", "day", 8, 24, project=None, time_off=VACATION, billable=False,
                   ident="planned"),
        allocation("2026-03-03", "2026-03-03", "day", 8, 8, project=None, time_off=SICK, entity="time_entry",
                   billable=False, ident="copy-of-entry"),
        allocation("2026-03-04", "2026-03-04", "day", 8, 8, project=None, time_off=HOLIDAY, entity="holiday",
                   billable=False, ident="holiday"),
        allocation("2026-03-05", "2026-03-05", "day", 2, 2, entity="time_entry", ident="copy-of-work"),
    ]
    entries = [entry("2026-03-03", 480, project=None, time_off=SICK), entry("2026-03-05", 120)]
    return allocations, entries


def test_time_off_is_counted_once_per_person_and_day() -> None:
    allocations, entries = _week_of_time_off()
    planned = normalise_allocations(allocations)
    off = planned[planned["kind"] == "time_off"]
    assert off[["start", "job"]].values.tolist() == [
        [T("2026-03-02"), "Vacation"], [T("2026-03-03"), "Sick Leave"], [T("2026-03-04"), "Holiday"]]
    assert off["hours"].sum() == 24
    assert planned.loc[planned["kind"] == "time_entry", "hours"].tolist() == [2.0]  # recorded work Ruddr copied
    recorded = normalise_time_entries(entries)
    assert recorded[["kind", "hours"]].values.tolist() == [["time_off", 8.0], ["time_entry", 2.0]]
    both = timeline_frame(allocations, None, entries)
    assert both.groupby("kind")["hours"].sum().to_dict() == {"time_off": 24.0, "time_entry": 2.0}
    tuesday = both[both["start"] == T("2026-03-03")]
    assert tuesday[["kind", "job", "hours"]].values.tolist() == [["time_off", "Sick Leave", 8.0]]
    assert tuesday["record_id"].tolist() == ["e-2026-03-03-480"]  # the record kept: the time entry


def test_the_workspace_counts_recorded_time_and_time_off_once(frames: dict[str, pd.DataFrame]) -> None:
    allocations, members, entries = frames["allocations"], frames["members"], frames["time-entries"]
    both = timeline_frame(allocations, members, entries)
    project_time = entries.loc[entries["type_id"] == "project_time", "minutes"].astype(float).sum() / 60
    assert both.loc[both["kind"] == "time_entry", "hours"].sum() == pytest.approx(project_time)
    capacity = {m["id"]: capacity_from_periods(m["availability_periods"]) for m in members.to_dict("records")}
    off = both[both["kind"] == "time_off"]
    per_day = off.groupby(["staff_id", "start"])["hours"].sum()
    assert len(per_day) == len(off)  # one record of time off per person and day
    assert all(hours <= capacity[who](day.date()) for (who, day), hours in per_day.items())
    recorded_off = entries[entries["type_id"] == "time_off"]
    kept = off.merge(recorded_off.assign(start=recorded_off["date"]), left_on=["staff_id", "start"],
                     right_on=["member_id", "start"])
    assert len(kept) == len(recorded_off)  # every recorded day off is there once, as recorded


# --- time entries ---------------------------------------------------------------------------------
def test_time_entries_hours_kinds_and_recorded_times() -> None:
    frame = normalise_time_entries([
        entry("2026-03-02", 90, billable=False),
        entry("2026-03-03", 150, start_time="09:00", end_time="11:30"),
        entry("2026-03-04", 480, project=None, time_off=VACATION),
    ])
    assert frame["hours"].tolist() == [1.5, 2.5, 8.0]
    assert frame["kind"].tolist() == ["time_entry", "time_entry", "time_off"]
    assert frame["billable"].tolist() == [False, True, False]
    assert frame[["job", "client"]].values.tolist()[:2] == [["Shipping Portal", "Acme Corp"]] * 2
    assert frame.loc[2, "job"] == "Vacation" and pd.isna(frame.loc[2, "client"])
    assert (frame.loc[1, "start"], frame.loc[1, "end"]) == (T("2026-03-03 09:00"), T("2026-03-03 11:30"))
    assert (frame.loc[0, "start"], frame.loc[0, "end"]) == (T("2026-03-02"), T("2026-03-03"))
    assert frame["record_id"].tolist() == ["e-2026-03-02-90", "e-2026-03-03-150", "e-2026-03-04-480"]


def test_timeline_frame_window_and_errors(frames: dict[str, pd.DataFrame]) -> None:
    allocations, members, entries = frames["allocations"], frames["members"], frames["time-entries"]
    week = timeline_frame(allocations, members, entries, start="2026-02-02", end="2026-02-07")
    assert week["start"].min() >= T("2026-02-02") and week["start"].max() < T("2026-02-07")
    assert {"allocation", "time_entry"} <= set(week["kind"])
    with pytest.raises(ValueError, match="before start"):
        timeline_frame(allocations, start="2026-03-07", end="2026-03-02")
    with pytest.raises(TypeError, match="not one record"):
        timeline_frame(allocation("2026-03-02", "2026-03-02", "day", 1, 1))


# --- with other systems and the span functions ---------------------------------------------------
def _servicem8() -> pd.DataFrame:
    activities = pd.DataFrame({
        "uuid": ["b1", "b2"], "staff_uuid": ["s-1", "s-1"], "staff_name": ["Ava Lee", "Ava Lee"],
        "job_uuid": ["j-1", "j-2"], "job_number": ["101", "102"], "client_name": ["Acme", "Acme"],
        "start_date": [T("2026-03-02 08:00"), T("2026-03-02 10:00")],
        "end_date": [T("2026-03-02 12:00"), T("2026-03-02 13:00")],
        "activity_was_scheduled": [True, True], "activity_was_recorded": [False, False], "active": [True, True],
    })
    return normalise_activities(activities)


def test_concat_with_a_servicem8_frame_keeps_every_dtype() -> None:
    allocations, entries = _week_of_time_off()
    ruddr = timeline_frame(allocations, None, entries)
    both = pd.concat([_servicem8(), ruddr], ignore_index=True)
    assert _dtypes(both) == DTYPES
    pd.testing.assert_frame_equal(conform(both), both)
    assert set(both["source"]) == {"servicem8", "ruddr"}


def test_utilisation_measures_hours_not_the_span_of_the_day() -> None:
    records = [allocation("2026-03-02", "2026-03-06", "day", 6.5, 32.5, ident="a"),
               allocation("2026-03-02", "2026-03-02", "day", 1.5, 1.5, ident="b")]
    ruddr = normalise_allocations(records)
    table = sm.utilisation(ruddr, kinds=("allocation",), freq="D", start="2026-03-02", end="2026-03-04")
    assert table["planned_hours"].tolist() == [8.0, 6.5]  # two allocations on one day add up
    assert table["utilisation"].tolist() == [1.0, 0.8125]
    both = pd.concat([_servicem8(), ruddr], ignore_index=True)
    mixed = sm.utilisation(both, kinds=("booking", "allocation"), freq="W").set_index("staff")["planned_hours"]
    assert mixed.to_dict() == {"Anna Berg": 34.0, "Ava Lee": 5.0}  # 8-12 and 10-13 merged
    # a row's hours over several days are shared among its span's working days, by its time on each
    long = conform(pd.DataFrame({"source": "x", "staff_id": "x-1", "staff": "Zed", "start": [T("2026-03-05 12:00")],
                                 "end": [T("2026-03-07 12:00")], "hours": [10.0], "kind": "allocation",
                                 "record_id": None, "job_id": None, "job": None, "client": None, "billable": None}))
    by_day = sm.utilisation(long, kinds=("allocation",), freq="D", start="2026-03-05", end="2026-03-07")
    assert by_day["planned_hours"].tolist() == pytest.approx([10 / 3, 20 / 3])  # Thursday 12 h of it, Friday 24 h; not Saturday
