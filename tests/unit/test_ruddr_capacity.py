"""Ruddr members' capacity, time off, planned and recorded hours and utilisation (``smexplore.ruddr.capacity``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from smexplore.ruddr.allocation_hours import capacity_from_periods
from smexplore.ruddr.capacity import UTILISATION_COLUMNS, target_on, utilisation_against_capacity
from smexplore.ruddr.emulator import build_workspace
from smexplore.ruddr.normalise import allocation_days, as_frame

T = pd.Timestamp
_HOURS = {"day": "hoursPerDay", "week": "hoursPerWeek", "month": "hoursPerMonth",
          "allocation": "hoursPerAllocation", "ratio_of_capacity": "hoursRatioOfCapacity"}
ANNA = {"id": "m-anna", "name": "Anna Berg"}
BEN = {"id": "m-ben", "name": "Ben Cho"}
SHIP = {"id": "p-ship", "name": "Shipping Portal", "client": {"id": "c-acme", "name": "Acme Corp"}}
INTERNAL = {"id": "p-ops", "name": "Internal Operations", "client": {"id": "c-firm", "name": "Harbour Finch"}}
VACATION = {"id": "t-vac", "name": "Vacation"}


def allocation(ident: str, start: str, end: str, unit: str, amount: float, total: float, *, who: dict = ANNA,
               project: dict | None = SHIP, time_off: dict | None = None, entity: str = "allocation",
               billable: bool = True) -> dict[str, Any]:
    hours: dict[str, Any] = dict.fromkeys(_HOURS.values())
    hours[_HOURS[unit]] = amount
    return {"id": ident, "resourceTypeId": "member", "assignmentTypeId": "project" if project else "time_off",
            "start": start, "end": end, "unit": unit, **hours,
            "allocateOnTimeOffDays": False if project else None, "totalHours": total,
            "isBillable": billable and project is not None, "readOnly": entity != "allocation", "entity": entity,
            "createdAt": "2026-01-05T10:00:00.000Z", "member": who, "placeholder": None, "project": project,
            "role": None, "task": None, "timeOffType": time_off}


def entry(ident: str, day: str, minutes: int, *, who: dict = ANNA, project: dict | None = SHIP,
          time_off: dict | None = None, billable: bool = True) -> dict[str, Any]:
    return {"id": ident, "typeId": "time_off" if time_off else "project_time", "statusId": "approved", "date": day,
            "minutes": minutes, "startTime": None, "endTime": None, "isBillable": billable and project is not None,
            "member": who, "project": project, "timeOffType": time_off}


def member(who: dict, week: list[float], targets: list[tuple[str, str | None, float]]) -> dict[str, Any]:
    return {**who, "isActive": True,
            "availabilityPeriods": [{"id": "ap", "start": "2026-03-02", "end": None, "hoursPerDay": week}],
            "utilizationTargetPeriods": [{"id": f"ut{n}", "start": s, "end": e, "targetPercentage": t}
                                         for n, (s, e, t) in enumerate(targets)]}


MEMBERS = [member(ANNA, [8, 8, 8, 8, 8, 0, 0], [("2026-03-02", "2026-03-08", 80), ("2026-03-09", None, 60)]),
           member(BEN, [6, 6, 6, 6, 6, 0, 0], [("2026-03-02", None, 50)])]
ALLOCATIONS = [
    # Anna: 6 h a day on Shipping (billable), 10 h a week internal (not billable), vacation on Wed 11 March
    allocation("a-day", "2026-03-02", "2026-03-13", "day", 6, 54),          # 9 days: the 11th is time off
    allocation("a-week", "2026-03-02", "2026-03-13", "week", 10, 18, project=INTERNAL, billable=False),  # 10 + 8
    allocation("a-off", "2026-03-11", "2026-03-11", "day", 8, 8, project=None, time_off=VACATION),
    # Ben (6 h days): half his capacity
    allocation("b-ratio", "2026-03-02", "2026-03-13", "ratio_of_capacity", 0.5, 30, who=BEN),
]
ENTRIES = [
    entry("e1", "2026-03-02", 360),                                   # 6 h billable
    entry("e2", "2026-03-03", 120, project=INTERNAL, billable=False),  # 2 h not billable
    entry("e3", "2026-03-11", 480, project=None, time_off=VACATION),  # the vacation, recorded: time off, not work
    entry("e4", "2026-03-10", 300, who=BEN),                          # 5 h billable
]


def _row(table: pd.DataFrame, who: str, period: str) -> dict[str, Any]:
    match = table[(table["member"] == who) & (table["period"] == T(period))]
    assert len(match) == 1
    return match.drop(columns=["member_id", "member", "period"]).iloc[0].to_dict()  # the numbers


def test_weeks_by_hand() -> None:
    table = utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-02", "2026-03-13", freq="W")
    assert {c: str(t) for c, t in table.dtypes.items()} == {
        c: str(pd.Series(dtype=t).dtype) for c, t in UTILISATION_COLUMNS.items()}
    assert table[["member", "period"]].values.tolist() == [
        ["Anna Berg", T("2026-03-02")], ["Anna Berg", T("2026-03-09")],
        ["Ben Cho", T("2026-03-02")], ["Ben Cho", T("2026-03-09")]]
    first = _row(table, "Anna Berg", "2026-03-02")
    assert first == pytest.approx({**first, "availability_hours": 40, "time_off_hours": 0, "capacity_hours": 40,
                                   "allocated_hours": 40, "billable_allocated_hours": 30, "entry_hours": 8,
                                   "billable_hours": 6, "target": 0.8, "billable_utilisation": 0.15,
                                   "planned_billable_utilisation": 0.75, "allocated_utilisation": 1.0})
    second = _row(table, "Anna Berg", "2026-03-09")  # Wednesday off: no work planned, capacity 32
    assert second == pytest.approx({**second, "availability_hours": 40, "time_off_hours": 8, "capacity_hours": 32,
                                    "allocated_hours": 32, "billable_allocated_hours": 24, "entry_hours": 0,
                                    "billable_hours": 0, "target": 0.6, "billable_utilisation": 0.0,
                                    "planned_billable_utilisation": 0.75, "allocated_utilisation": 1.0})
    ben = _row(table, "Ben Cho", "2026-03-09")
    assert ben == pytest.approx({**ben, "availability_hours": 30, "capacity_hours": 30, "allocated_hours": 15,
                                 "billable_hours": 5, "target": 0.5, "billable_utilisation": 1 / 6,
                                 "planned_billable_utilisation": 0.5})


def test_months_time_off_not_adjusted_and_targets_weighted_by_availability() -> None:
    table = utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-02", "2026-03-13", freq="M")
    anna = _row(table, "Anna Berg", "2026-03-01")
    assert anna == pytest.approx({**anna, "availability_hours": 80, "time_off_hours": 8, "capacity_hours": 72,
                                  "allocated_hours": 72, "billable_hours": 6, "target": 0.7,
                                  "billable_utilisation": 6 / 72})
    raw = utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-02", "2026-03-13", freq="M",
                                       adjust_for_time_off=False)
    anna = _row(raw, "Anna Berg", "2026-03-01")
    assert anna["capacity_hours"] == 80 and anna["planned_billable_utilisation"] == pytest.approx(54 / 80)
    # a window cuts the period: only its days count
    one_day = utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-02", "2026-03-02", freq="M")
    assert _row(one_day, "Anna Berg", "2026-03-01")["capacity_hours"] == 8


def test_members_of_frames_records_and_unknown_members() -> None:
    frames = utilisation_against_capacity(as_frame(ALLOCATIONS, "allocations"), as_frame(MEMBERS, "members"),
                                          as_frame(ENTRIES, "time-entries"), "2026-03-02", "2026-03-13")
    records = utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-02", "2026-03-13")
    pd.testing.assert_frame_equal(frames, records)
    only_anna = utilisation_against_capacity(ALLOCATIONS, MEMBERS[:1], ENTRIES, "2026-03-02", "2026-03-13")
    ben = _row(only_anna, "Ben Cho", "2026-03-02")  # not in members: the workspace default, no target
    assert ben["availability_hours"] == 40 and pd.isna(ben["target"])
    none = utilisation_against_capacity([], MEMBERS, [], "2026-03-02", "2026-03-06")
    assert none["allocated_hours"].sum() == 0 and none["capacity_hours"].sum() == 70  # 40 + 30


def test_errors() -> None:
    with pytest.raises(ValueError, match="before start"):
        utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-13", "2026-03-02")
    with pytest.raises(ValueError, match="freq"):
        utilisation_against_capacity(ALLOCATIONS, MEMBERS, ENTRIES, "2026-03-02", "2026-03-13", freq="fortnight")
    assert utilisation_against_capacity([], [], None).empty


def test_target_on_open_and_closed_periods() -> None:
    target = target_on([{"start": "2025-01-01", "end": "2025-12-31", "targetPercentage": 75},
                        {"start": "2026-01-01", "end": None, "target_percentage": 80}])
    assert (target(date(2024, 12, 31)), target(date(2025, 12, 31)), target(date(2030, 1, 1))) == (None, 75, 80)
    assert target_on(None)(date(2026, 1, 1)) is None


def test_the_workspace_adds_up() -> None:
    workspace = build_workspace(0, "small")
    allocations = as_frame(workspace.tables["allocations"], "allocations")
    members = as_frame(workspace.tables["members"], "members")
    entries = as_frame(workspace.tables["time-entries"], "time-entries")
    start, end = T("2025-06-01"), T("2026-02-27")
    table = utilisation_against_capacity(allocations, members, entries, start, end, freq="M")
    assert set(table["member_id"]) == set(members["id"])
    assert (table["time_off_hours"] <= table["availability_hours"]).all()
    assert ((table["availability_hours"] - table["time_off_hours"] - table["capacity_hours"]).abs() < 1e-9).all()
    fine = table["capacity_hours"] > 0
    assert (table.loc[fine, "billable_utilisation"] - table.loc[fine, "billable_hours"]
            / table.loc[fine, "capacity_hours"]).abs().max() < 1e-9
    assert table.loc[~fine, "billable_utilisation"].isna().all()
    # recorded project time in the window, all of it
    inside = entries[(entries["date"] >= start) & (entries["date"] <= end) & (entries["type_id"] == "project_time")]
    assert table["entry_hours"].sum() == pytest.approx(inside["minutes"].astype(float).sum() / 60)
    assert table["billable_hours"].sum() == pytest.approx(
        inside.loc[inside["is_billable"].fillna(False).astype(bool), "minutes"].astype(float).sum() / 60)
    # planned project work of members in the window, all of it
    days = allocation_days(allocations, members).merge(
        allocations[["id", "resource_type_id", "assignment_type_id", "entity"]], on="id")
    planned = days[(days["resource_type_id"] == "member") & (days["assignment_type_id"] == "project")
                   & (days["date"] >= start) & (days["date"] <= end)]
    assert table["allocated_hours"].sum() == pytest.approx(planned["hours"].astype(float).sum())
    # availability from the members' periods; targets from theirs
    periods = {m["id"]: capacity_from_periods(m["availability_periods"]) for m in members.to_dict("records")}
    calendar = [d.date() for d in pd.date_range(start, end)]
    for who, hours_on in periods.items():
        assert table.loc[table["member_id"] == who, "availability_hours"].sum() == pytest.approx(
            sum(hours_on(d) for d in calendar))
    steady = members[members["utilization_target_periods"].map(len) == 1]
    for who, targets in zip(steady["id"], steady["utilization_target_periods"], strict=True):
        rows = table[(table["member_id"] == who) & table["target"].notna()]
        assert (rows["target"] == targets[0]["targetPercentage"] / 100).all()  # a fraction, as Ruddr's 80 is 0.8
    assert table["billable_utilisation"].dropna().between(0, 2).all()
