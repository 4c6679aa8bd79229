"""The synthetic Accelo agency: deterministic, documented shapes, links that resolve, seconds that add up."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from smexplore.accelo.emulator import ANCHOR, SCALES, TABLES, Agency, build_agency
from smexplore.accelo.emulator.schema import ACTIVITY_FIELDS, JOB_FIELDS, TASK_FIELDS, tables
from smexplore.accelo.emulator.timesheets import FIRST_DAY
from smexplore.emulation.auth import basic_credentials
from smexplore.emulation.limits import FixedWindow, RateLimiter
from smexplore.emulation.synth import unix_seconds

ROOT = Path(__file__).resolve().parents[2]
DIGITS = re.compile(r"^\d+$")
MONEY = re.compile(r"^\d+\.\d{2}$")
NOW = int(ANCHOR.replace(tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def agency() -> Agency:
    return build_agency(0, "small")


def _stamp(value: str | None) -> int | None:
    return None if value is None else int(value)


def test_the_same_seed_gives_the_same_agency_and_another_seed_another(agency: Agency) -> None:
    again, other = build_agency(0), build_agency(1)
    assert json.dumps(agency.tables) == json.dumps(again.tables)
    assert json.dumps(agency.tables["jobs"]) != json.dumps(other.tables["jobs"])


def test_the_agency_is_the_same_in_another_interpreter(agency: Agency) -> None:
    """No dependence on hash seeds or set order: a fresh process builds byte-identical records."""
    code = ("import json, hashlib; from smexplore.accelo.emulator import build_agency; "
            "print(hashlib.sha256(json.dumps(build_agency(0).tables).encode()).hexdigest())")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True)
    assert result.stdout.strip() == hashlib.sha256(json.dumps(agency.tables).encode()).hexdigest()


def test_sizes_and_anchor(agency: Agency) -> None:
    assert agency.now == ANCHOR and agency.deployment == "demo" and agency.name == "Brightwater Digital"
    assert set(agency.tables) == set(TABLES)
    sizes = {name: len(rows) for name, rows in agency.tables.items()}
    assert sizes["staff"] == 15 and sizes["companies"] == 40 and sizes["jobs"] == 240
    assert 600 <= sizes["tasks"] <= 1500 and 8000 <= sizes["activities"] <= 16000
    assert "small" in repr(agency) and "jobs=240" in repr(agency)
    with pytest.raises(ValueError, match="unknown scale"):
        build_agency(0, "huge")
    assert SCALES["medium"].jobs > SCALES["small"].jobs and SCALES["large"].staff > SCALES["medium"].staff


@pytest.mark.parametrize("table", TABLES)
def test_every_record_has_its_tables_fields_in_order_and_only_strings(agency: Agency, table: str) -> None:
    schema = tables(agency)[table]
    rows = agency.tables[table]
    assert rows, table
    ids = [int(r["id"]) for r in rows]
    assert ids == list(range(1, len(rows) + 1)), "ids run from 1 in ascending order"
    for record in rows:
        assert list(record) == list(schema.fields), (table, record["id"])
        for name, value in record.items():
            assert value is None or isinstance(value, str), (table, name, value)
        for name in schema.defaults:
            assert record[name] is not None, (table, name)


def test_wire_formats(agency: Agency) -> None:
    for table, fields in (("jobs", JOB_FIELDS), ("tasks", TASK_FIELDS), ("activities", ACTIVITY_FIELDS)):
        for record in agency.tables[table]:
            for name in fields:
                value = record[name]
                if name.startswith("date_") and value is not None:
                    assert DIGITS.match(value), (table, name, value)
                    if name not in ("date_started", "date_due"):  # planned dates may lie ahead
                        assert int(value) <= NOW, (table, name, value)
                if name in ("rate_charged", "charged") and value is not None:
                    assert MONEY.match(value), (table, name, value)
                if name in ("staff_bookmarked", "confidential", "is_billable"):
                    assert value in ("0", "1")
                if name in ("billable", "nonbillable", "logged", "budgeted", "remaining"):
                    assert DIGITS.match(value), (table, name, value)
    for person in agency.tables["staff"]:
        assert MONEY.match(person["staff_rate"]) and MONEY.match(person["staff_cost_rate"])
        assert person["standing"] in ("active", "inactive") and "@" in person["email"]


def test_links_resolve(agency: Agency) -> None:
    ids = {name: {r["id"] for r in rows} for name, rows in agency.tables.items()}
    for job in agency.tables["jobs"]:
        assert job["manager"] in ids["staff"] and job["modified_by"] in ids["staff"]
        assert job["company"] in ids["companies"] and job["against"] == f"companies/{job['company']}"
        assert job["against_type"] == "company" and job["against_id"] == job["company"]
        assert job["status"] in ids["jobs/statuses"] and job["job_type"] in ids["jobs/types"]
        assert job["type"] == job["job_type"] and job["rate"] in ids["rates"]
    for task in agency.tables["tasks"]:
        assert task["assignee"] in ids["staff"] and task["task_job"] in ids["jobs"]
        assert task["against"] == f"jobs/{task['task_job']}" and task["status"] in ids["tasks/statuses"]
        assert task["task_priority"] in ids["tasks/priorities"] and task["task_type"] in ids["tasks/types"]
    for activity in agency.tables["activities"]:
        assert activity["staff"] in ids["staff"] and activity["owner"] == f"staff/{activity['staff']}"
        if activity["against_type"] == "task":
            assert activity["task"] == activity["against_id"] and activity["task"] in ids["tasks"]
        else:
            assert activity["against_type"] == "job" and activity["task"] == "0"
            assert activity["against_id"] in ids["jobs"]
    assert set(agency.company_managers) == ids["companies"]
    assert set(agency.company_managers.values()) <= ids["staff"]


def test_standings_come_from_statuses_and_dates_agree(agency: Agency) -> None:
    statuses = agency.by_id("jobs/statuses")
    standings = Counter(job["standing"] for job in agency.tables["jobs"])
    assert set(standings) == {"pending", "active", "paused", "complete", "inactive"}
    for job in agency.tables["jobs"]:
        assert job["standing"] == statuses[job["status"]]["standing"]
        commenced, completed = _stamp(job["date_commenced"]), _stamp(job["date_completed"])
        assert (completed is not None) == (job["standing"] == "complete"), job["id"]
        assert (commenced is None) == (job["standing"] == "pending"), job["id"]
        if completed is not None and commenced is not None:
            assert completed >= commenced
        assert int(job["date_modified"]) >= int(job["date_created"])
        assert (job["paused"] != "0") == (job["standing"] == "paused")
    task_statuses = agency.by_id("tasks/statuses")
    assert {task["standing"] for task in agency.tables["tasks"]} == {"pending", "accepted", "started", "complete",
                                                                     "inactive"}
    for task in agency.tables["tasks"]:
        assert task["standing"] == task_statuses[task["status"]]["standing"]


def test_task_seconds_add_up_from_the_activities(agency: Agency) -> None:
    spent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for activity in agency.tables["activities"]:
        if activity["task"] != "0":
            spent[activity["task"]][0] += int(activity["billable"])
            spent[activity["task"]][1] += int(activity["nonbillable"])
    logged_some = 0
    for task in agency.tables["tasks"]:
        billable, nonbillable = spent[task["id"]]
        assert (int(task["billable"]), int(task["nonbillable"])) == (billable, nonbillable)
        assert int(task["logged"]) == billable + nonbillable
        assert int(task["remaining"]) == max(0, int(task["budgeted"]) - billable - nonbillable)
        logged_some += billable + nonbillable > 0
    assert logged_some > 200


def test_a_year_of_logged_time(agency: Agency) -> None:
    activities = agency.tables["activities"]
    first_day = int(datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC).timestamp())
    starts = [int(a["date_started"]) for a in activities]
    assert min(starts) >= first_day and max(starts) < NOW and max(starts) > NOW - 7 * 86400
    for activity in activities:
        billable, nonbillable = int(activity["billable"]), int(activity["nonbillable"])
        assert (billable == 0) != (nonbillable == 0) and (billable + nonbillable) % 900 == 0
        assert int(activity["date_created"]) >= int(activity["date_started"])
        assert activity["date_logged"] == activity["date_started"]
        assert activity["standing"] in ("unapproved", "approved", "invoiced", "locked")
        assert (activity["rate_charged"] != "0.00") == (billable > 0)
    total = Counter(a["staff"] for a in activities)
    assert len(total) == 15 and min(total.values()) > 300
    leaver = agency.tables["staff"][-1]
    assert leaver["standing"] == "inactive"
    assert max(int(a["date_started"]) for a in activities if a["staff"] == leaver["id"]) < NOW - 100 * 86400
    assert sum(int(a["billable"]) for a in activities) > sum(int(a["nonbillable"]) for a in activities)


def test_status_and_type_tables(agency: Agency) -> None:
    types = agency.tables["jobs/types"]
    assert [t["title"] for t in types][:2] == ["Website Build", "Brand Identity"]
    assert {t["standing"] for t in types} == {"active", "inactive"}
    assert all(set(s) == {"id", "title", "color", "standing", "start", "ordering"}
               for s in agency.tables["jobs/statuses"])


# --- what the emulator added to the shared framework ---------------------------------------------
@pytest.mark.parametrize(("header", "expected"), [
    ("Basic " + base64.b64encode(b"me@x:s3c:ret").decode(), ("me@x", "s3c:ret")),
    ("basic " + base64.b64encode(b"me:").decode(), ("me", "")),
    ("Basic " + base64.b64encode(b"no-colon").decode(), None),
    ("Basic !!!", None), ("Bearer abc", None), ("Basic", None), (None, None),
    ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), None),
])
def test_basic_credentials(header: str | None, expected: Any) -> None:
    assert basic_credentials(header) == expected


def test_fixed_window_counts_per_window_and_resets_on_the_hour() -> None:
    now = [7200.0 + 100]
    window = FixedWindow("hour", 3, 3600)
    limiter = RateLimiter([window], lambda: now[0])
    assert [limiter.hit("d") for _ in range(4)] == [None, None, None, "hour"]
    assert window.remaining("d", now[0]) == 0 and window.resets_at(now[0]) == 10800
    assert limiter.retry_after("d", "hour") == 3501
    assert window.remaining("other", now[0]) == 3
    now[0] = 10800.0
    assert window.remaining("d", now[0]) == 3 and limiter.hit("d") is None and window.remaining("d", now[0]) == 2
    with pytest.raises(ValueError):
        FixedWindow("hour", 0, 3600)


def test_unix_seconds_reads_naive_moments_as_utc() -> None:
    assert unix_seconds(ANCHOR) == NOW == 1_772_452_800
    assert unix_seconds(ANCHOR.replace(tzinfo=UTC)) == NOW
