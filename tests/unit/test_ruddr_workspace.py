"""The synthetic Ruddr workspace: deterministic, documented shapes, and hours that add up."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from smexplore.ruddr.allocation_hours import DEFAULT_CAPACITY, capacity_from_periods, daily_hours, total_hours
from smexplore.ruddr.emulator import ANCHOR, RESOURCES, SCALES, Workspace, build_workspace

ROOT = Path(__file__).resolve().parents[2]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
HOURS = {"day": "hoursPerDay", "week": "hoursPerWeek", "month": "hoursPerMonth", "allocation": "hoursPerAllocation",
         "ratio_of_capacity": "hoursRatioOfCapacity"}
ALLOCATION_FIELDS = [
    "id", "resourceTypeId", "assignmentTypeId", "start", "end", "unit", "hoursPerDay", "hoursPerWeek",
    "hoursPerMonth", "hoursPerAllocation", "hoursRatioOfCapacity", "allocateOnTimeOffDays", "totalHours",
    "isBillable", "bookingTypeId", "notes", "readOnly", "entity", "createdAt", "member", "placeholder", "project",
    "role", "task", "timeOffType",
]


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return build_workspace(0, "small")


def _time_off(workspace: Workspace) -> dict[str, set[date]]:
    """Member id → the dates its time-off allocations cover (the rule's ``days_off``)."""
    off: dict[str, set[date]] = defaultdict(set)
    for a in workspace.tables["allocations"]:
        if a["assignmentTypeId"] == "time_off" and a["member"]:
            first, last = date.fromisoformat(a["start"]), date.fromisoformat(a["end"])
            off[a["member"]["id"]].update(date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1))
    return off


def test_the_same_seed_gives_the_same_workspace_and_another_seed_another() -> None:
    first, again, other = build_workspace(3), build_workspace(3), build_workspace(4)
    assert json.dumps(first.tables) == json.dumps(again.tables)
    assert first.tables["allocations"][0]["id"] != other.tables["allocations"][0]["id"]


def test_the_workspace_is_the_same_in_another_interpreter(workspace: Workspace) -> None:
    """No dependence on hash seeds or set order: a fresh process builds byte-identical records."""
    code = ("import json, hashlib; from smexplore.ruddr.emulator import build_workspace; "
            "print(hashlib.sha256(json.dumps(build_workspace(0).tables).encode()).hexdigest())")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True)
    assert result.stdout.strip() == hashlib.sha256(json.dumps(workspace.tables).encode()).hexdigest()


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        build_workspace(0, "huge")
    assert set(SCALES) == {"small", "medium", "large"}


def test_sizes_at_small(workspace: Workspace) -> None:
    sizes = {name: len(rows) for name, rows in workspace.tables.items()}
    assert set(sizes) == set(RESOURCES)
    assert sizes["members"] == 12 and sizes["projects"] == 27 and sizes["clients"] == 9
    assert sizes["allocations"] >= 1_500  # many pages at limit=100
    assert sizes["time-entries"] >= 5_000
    assert workspace.now == ANCHOR


def test_every_list_is_newest_first_with_unique_ids(workspace: Workspace) -> None:
    for name, rows in workspace.tables.items():
        keys = [(r["createdAt"], r["id"]) for r in rows]
        assert keys == sorted(keys, reverse=True), name
        assert len({r["id"] for r in rows}) == len(rows), name
        assert all(UUID.match(r["id"]) and TIMESTAMP.match(r["createdAt"]) for r in rows), name
        assert max(r["createdAt"] for r in rows) < "2026-03-02T12:00:00.000Z", name


def test_allocations_have_the_documented_fields_and_rules(workspace: Workspace) -> None:
    for a in workspace.tables["allocations"]:
        assert list(a) == ALLOCATION_FIELDS
        assert DATE.match(a["start"]) and DATE.match(a["end"]) and a["start"] <= a["end"]
        assert [field for field in HOURS.values() if a[field] is not None] == [HOURS[a["unit"]]]
        assert isinstance(a["totalHours"], int | float) and not isinstance(a["totalHours"], bool)
        assert (a["member"] is not None) == (a["resourceTypeId"] == "member") == (a["placeholder"] is None)
        project = a["assignmentTypeId"] == "project"
        assert (a["project"] is not None) == project == (a["timeOffType"] is None)
        assert project or (a["role"] is None and a["task"] is None and not a["isBillable"])
        assert (a["allocateOnTimeOffDays"] is not None) == (project and a["resourceTypeId"] == "member")
        assert a["readOnly"] == (a["entity"] != "allocation")
        assert a["bookingTypeId"] in ("confirmed", "soft")  # soft: a member's planned project work only
        assert a["bookingTypeId"] == "confirmed" or (project and a["member"] and a["entity"] == "allocation")
        if a["entity"] != "allocation":
            assert a["assignmentTypeId"] == "time_off" and a["member"] is not None
        for nested in ("member", "placeholder", "role", "task", "timeOffType"):
            assert a[nested] is None or set(a[nested]) == {"id", "name"}
        if project:
            assert set(a["project"]) == {"id", "name", "client"} and set(a["project"]["client"]) == {"id", "name"}


def test_every_unit_entity_and_kind_of_allocation_is_present(workspace: Workspace) -> None:
    allocations = workspace.tables["allocations"]
    assert Counter(a["unit"] for a in allocations).keys() == set(HOURS)
    assert Counter(a["entity"] for a in allocations).keys() == {"allocation", "time_entry", "holiday"}
    assert Counter(a["bookingTypeId"] for a in allocations).keys() == {"confirmed", "soft"}
    kinds = Counter((a["resourceTypeId"], a["assignmentTypeId"]) for a in allocations)
    assert kinds.keys() == {("member", "project"), ("member", "time_off"), ("placeholder", "project")}
    assert any(a["allocateOnTimeOffDays"] for a in allocations) and any(a["role"] for a in allocations)
    assert any(a["task"] for a in allocations) and any(a["start"] > "2026-03-02" for a in allocations)
    assert any(isinstance(a["totalHours"], float) for a in allocations)  # 13.33 and the like
    assert any(isinstance(a["hoursPerDay"], int) for a in allocations)  # 8, as JavaScript writes it


def test_total_hours_follow_the_one_rule(workspace: Workspace) -> None:
    """Every totalHours is allocation_hours.total_hours with the resource's capacity and time off."""
    members = workspace.by_id("members")
    off = _time_off(workspace)
    for a in workspace.tables["allocations"]:
        if a["member"] is None:
            capacity: Any = DEFAULT_CAPACITY
        else:
            capacity = capacity_from_periods(members[a["member"]["id"]]["availabilityPeriods"])
        days_off = off[a["member"]["id"]] if a["member"] and a["project"] and not a["allocateOnTimeOffDays"] else ()
        expected = total_hours(a["unit"], a["start"], a["end"], a[HOURS[a["unit"]]], capacity=capacity,
                               days_off=days_off)
        assert a["totalHours"] == expected, a


def test_members_have_capacity_and_targets(workspace: Workspace) -> None:
    weeks = set()
    for m in workspace.tables["members"]:
        assert m["availabilityPeriods"] and m["utilizationTargetPeriods"]
        for period in m["availabilityPeriods"]:
            assert len(period["hoursPerDay"]) == 7
            weeks.add(tuple(period["hoursPerDay"]))
        assert all(0 < t["targetPercentage"] <= 100 for t in m["utilizationTargetPeriods"])
    assert len(weeks) >= 3  # full-time, part-time, a shorter week
    assert any(not m["isActive"] and m["activeEndDate"] for m in workspace.tables["members"])


def test_time_entries_follow_capacity_and_time_off(workspace: Workspace) -> None:
    members = workspace.by_id("members")
    off = _time_off(workspace)
    entries = workspace.tables["time-entries"]
    assert {e["typeId"] for e in entries} == {"project_time", "time_off"}
    assert {e["statusId"] for e in entries} >= {"approved", "pending_approval"}
    for e in entries:
        day = date.fromisoformat(e["date"])
        assert day < ANCHOR.date() and isinstance(e["minutes"], int) and e["minutes"] > 0
        capacity = capacity_from_periods(members[e["member"]["id"]]["availabilityPeriods"])
        assert capacity(day) > 0
        if e["typeId"] == "project_time":
            assert e["project"] is not None and e["timeOffType"] is None and day not in off[e["member"]["id"]]
        else:
            assert e["project"] is None and e["timeOffType"] is not None and not e["isBillable"]


def test_recorded_time_off_appears_as_read_only_allocations(workspace: Workspace) -> None:
    pseudo = {(a["member"]["id"], a["start"], round(a["totalHours"] * 60))
              for a in workspace.tables["allocations"] if a["entity"] == "time_entry"}
    recorded = {(e["member"]["id"], e["date"], e["minutes"])
                for e in workspace.tables["time-entries"] if e["typeId"] == "time_off"}
    assert pseudo == recorded


def test_planned_hours_and_capacity_give_a_plausible_utilisation(workspace: Workspace) -> None:
    """Over the past year, full-time members are allocated most of their capacity (not 0 %, not 300 %)."""
    members = workspace.by_id("members")
    planned: dict[str, float] = defaultdict(float)
    for a in workspace.tables["allocations"]:
        if a["member"] and a["project"] and a["end"] < "2026-03-01":
            capacity = capacity_from_periods(members[a["member"]["id"]]["availabilityPeriods"])
            planned[a["member"]["id"]] += sum(daily_hours(a["unit"], a["start"], a["end"], a[HOURS[a["unit"]]],
                                                          capacity=capacity).values())
    shares = []
    for member_id, hours in planned.items():
        capacity = capacity_from_periods(members[member_id]["availabilityPeriods"])
        available = sum(capacity(date.fromordinal(n)) for n in range(date(2025, 3, 1).toordinal(),
                                                                      date(2026, 3, 1).toordinal()))
        shares.append(hours / available)
    assert 0.5 < sorted(shares)[len(shares) // 2] < 1.2


def test_fields_of_the_public_reference_follow_their_rules(workspace: Workspace) -> None:
    """The later fields (docs.ruddr.io, the ruddr crate): invoice details, task and project budgets, caps."""
    clients = workspace.tables["clients"]
    assert {c["invoiceDetailsSource"] for c in clients} == {"workspace", "custom", "business_unit"}
    for c in clients:
        assert c["useWorkspaceInvoiceDetails"] is (c["invoiceDetailsSource"] == "workspace")
        assert (c["invoiceSubject"] is not None) is (c["invoiceDetailsSource"] == "custom")
    tasks = workspace.tables["project-tasks"]
    assert any(t["capHours"] for t in tasks) and any(t["roles"] for t in tasks)
    for t in tasks:
        assert not t["roles"] or sum(r["hours"] for r in t["roles"]) == t["budgetedHours"]
    for p in workspace.tables["projects"]:
        assert p["billingTypeId"] in ("tm", "fixed", "fixed_recurring", "non_billable")
        mine = [t for t in tasks if t["project"]["id"] == p["id"]]
        assert p["useBudget"] is (p["budget"] is not None) is (p["budgetMode"] is not None)
        if p["useBudget"]:
            assert p["budget"]["billableHours"] == sum(t["budgetedHours"] for t in mine)
        for period in ("Day", "Week", "Month"):
            assert p[f"capMaxMemberHoursPer{period}"] is (p[f"maxMemberHoursPer{period}"] is not None)
