"""Conformance to Ruddr's allocation object document (``shared/source-docs/ruddr-allocation-object.txt``).

One test per documented point. The emulator is checked over real HTTP (every allocation of the
small demo workspace, read page by page); the client (``sm.ruddr.connect``) against the strict
server of ``strict_ruddr``, which does what the document says (with §A's key, envelope and paging
of ``shared/reference/other-systems.md``) and nothing more.

Where Ruddr's current docs say more than the document, the emulator follows them and the test says
so: ``unit`` takes five values (``allocation`` and ``ratio_of_capacity`` besides the document's
three, each with its own hours field: ``hoursPerAllocation``, ``hoursRatioOfCapacity``), and the
object has ``allocateOnTimeOffDays`` and ``bookingTypeId`` too (``smexplore.ruddr.resources``
cites their sources). The document's example sets every nested object at once, against its own
"only available if" rules: it is a display of the attributes, served as written by the strict
server, and the rules are tested on the emulator's records and the strict server's others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

import smexplore as sm
from smexplore.ruddr.allocation_hours import DEFAULT_CAPACITY, capacity_from_periods, total_hours
from smexplore.ruddr.emulator import RuddrEmulator
from smexplore.ruddr.resources import get_resource

from .strict import serve
from .strict_ruddr import ATTRIBUTES, BASE_PATH, EXAMPLE, KEY, UNAUTHORIZED, document_allocations, strict_ruddr

Record = dict[str, Any]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
HOURS = {"day": "hoursPerDay", "week": "hoursPerWeek", "month": "hoursPerMonth",
         "allocation": "hoursPerAllocation", "ratio_of_capacity": "hoursRatioOfCapacity"}
NESTED = ("member", "placeholder", "role", "task", "timeOffType")
NEWER = ("hoursPerAllocation", "hoursRatioOfCapacity", "allocateOnTimeOffDays", "bookingTypeId")
"""Attributes of the current docs the document lacks (the emulator sends them)."""
STRICT_RECORDS = 240  # with the example, three pages of at most 100


# --- the emulator over HTTP ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emu() -> Iterator[RuddrEmulator]:
    with RuddrEmulator(seed=0, scale="small", per_second=1e6, burst=1_000_000) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def api(emu: RuddrEmulator) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.token}"
        yield session


def _walk(api: requests.Session, emu: RuddrEmulator, resource: str) -> list[Record]:
    """Every record of a list, 100 a page, following ``startingAfter`` until ``hasMore`` is false."""
    records: list[Record] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        response = api.get(f"{emu.base_url}/{resource}", params=params, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["results"]
        if not body["hasMore"]:
            return records
        params["startingAfter"] = body["results"][-1]["id"]


@pytest.fixture(scope="module")
def served(api: requests.Session, emu: RuddrEmulator) -> list[Record]:
    """Every allocation the emulator serves."""
    return _walk(api, emu, "allocations")


@pytest.fixture(scope="module")
def related(api: requests.Session, emu: RuddrEmulator) -> dict[str, dict[str, Record]]:
    """Members, projects and project tasks by id, as the emulator serves them."""
    return {name: {r["id"]: r for r in _walk(api, emu, name)} for name in ("members", "projects", "project-tasks")}


def test_every_documented_attribute_is_sent(served: list[Record]) -> None:
    """"Attributes": the 21 of the document, and (current docs) four more: hoursPerAllocation,
    hoursRatioOfCapacity, allocateOnTimeOffDays and bookingTypeId."""
    for record in served:
        assert set(record) == set(ATTRIBUTES) | set(NEWER), record["id"]


def test_id_is_a_uuid(served: list[Record]) -> None:
    """"id uuid The unique identifier for the object.\""""
    ids = [record["id"] for record in served]
    assert all(UUID.match(i) for i in ids) and len(set(ids)) == len(ids)


def test_resource_type_id_is_member_or_placeholder(served: list[Record]) -> None:
    """"resourceTypeId … Can be either "member" (Member) or "placeholder" (Placeholder).\""""
    assert {record["resourceTypeId"] for record in served} == {"member", "placeholder"}


def test_assignment_type_id_is_project_or_time_off(served: list[Record]) -> None:
    """"assignmentTypeId … Can be either "project" (Project) or "time_off" (Time Off).\""""
    assert {record["assignmentTypeId"] for record in served} == {"project", "time_off"}


@pytest.mark.parametrize("attribute", ["start", "end"])
def test_start_and_end_are_yyyy_mm_dd_dates(served: list[Record], attribute: str) -> None:
    """"start date … Will be in the form YYYY-MM-DD." (and the same for end); start comes first."""
    for record in served:
        assert DATE.match(record[attribute]) and date.fromisoformat(record[attribute])
        assert record["start"] <= record["end"]


def test_unit_is_day_week_or_month_and_the_newer_allocation_and_ratio_of_capacity(served: list[Record]) -> None:
    """"unit … can either be "day" (Day), "week" (Week), or "month" (Month)". The current docs
    (docs.ruddr.io, get-an-allocation) add "allocation" and "ratio_of_capacity"; the emulator
    serves all five."""
    assert {record["unit"] for record in served} == set(HOURS)


@pytest.mark.parametrize("unit", list(HOURS))
def test_only_the_hours_field_of_the_unit_is_set(served: list[Record], unit: str) -> None:
    """"hoursPerDay number … Only available if the unit is set to "day"." (and week, month; the
    document's hoursPerMonth says "per week", a slip). hoursPerAllocation and hoursRatioOfCapacity
    follow the same rule for the newer units (current docs)."""
    mine = [record for record in served if record["unit"] == unit]
    assert mine
    for record in mine:
        assert [field for field in HOURS.values() if record[field] is not None] == [HOURS[unit]]
        value = record[HOURS[unit]]
        assert isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def test_total_hours_is_calculated_from_dates_hours_and_capacity(served: list[Record],
                                                                 related: dict[str, dict[str, Record]]) -> None:
    """"totalHours … A calculated field based off the start, end, and either hoursPerDay, hoursPerWeek,
    or hoursPerMonth, and the working capacity of the workspace member or the default capacity for the
    workspace when a placeholder." A member's project allocation skips the member's time-off days
    unless allocateOnTimeOffDays (current docs)."""
    off: dict[str, set[date]] = {}
    for record in served:
        if record["assignmentTypeId"] == "time_off":
            first, last = date.fromisoformat(record["start"]), date.fromisoformat(record["end"])
            off.setdefault(record["member"]["id"], set()).update(
                first + timedelta(days=n) for n in range((last - first).days + 1))
    for record in served:
        member = record["member"]
        capacity: Any = DEFAULT_CAPACITY if member is None else \
            capacity_from_periods(related["members"][member["id"]]["availabilityPeriods"])
        days_off = off.get(member["id"], set()) if member and record["project"] and \
            not record["allocateOnTimeOffDays"] else ()
        expected = total_hours(record["unit"], record["start"], record["end"], record[HOURS[record["unit"]]],
                               capacity=capacity, days_off=days_off)
        assert isinstance(record["totalHours"], int | float) and record["totalHours"] == expected, record["id"]


def test_is_billable_is_a_flag_calculated_from_related_objects(served: list[Record],
                                                               related: dict[str, dict[str, Record]]) -> None:
    """"isBillable boolean … This is calculated based on related objects and statuses": never on
    time off, never on a non-billable project."""
    assert {record["isBillable"] for record in served} == {True, False}
    for record in served:
        if record["isBillable"]:
            assert record["project"] and related["projects"][record["project"]["id"]]["isBillable"], record["id"]


def test_read_only_is_true_exactly_for_time_entry_and_holiday_entities(served: list[Record]) -> None:
    """"readOnly boolean … Allocations with the entity property set to either time_entry or holiday
    are read-only.\""""
    for record in served:
        assert record["readOnly"] is (record["entity"] in ("time_entry", "holiday")), record["id"]


def test_entity_is_allocation_time_entry_or_holiday(served: list[Record]) -> None:
    """"entity string The entity type of the allocation. Can be allocation, time_entry or holiday.\""""
    assert {record["entity"] for record in served} == {"allocation", "time_entry", "holiday"}


def test_notes_is_a_string(served: list[Record]) -> None:
    """"notes string Any notes for the allocation." (null when there are none)."""
    notes = [record["notes"] for record in served]
    assert all(note is None or (isinstance(note, str) and note) for note in notes)
    assert any(notes) and None in notes


def test_created_at_is_a_timestamp(served: list[Record]) -> None:
    """"createdAt timestamp The timestamp when the object was created." ISO 8601 with milliseconds
    in UTC (§A.2), newest first (§A.6)."""
    stamps = [record["createdAt"] for record in served]
    assert all(TIMESTAMP.match(stamp) for stamp in stamps)
    assert stamps == sorted(stamps, reverse=True)


def test_member_only_when_resource_type_is_member(served: list[Record]) -> None:
    """"member object … Only available if the resourceTypeId is "member".\""""
    for record in served:
        assert (record["member"] is not None) is (record["resourceTypeId"] == "member"), record["id"]


def test_placeholder_only_when_resource_type_is_placeholder(served: list[Record]) -> None:
    """"placeholder object … Only available if the resourceTypeId is "placeholder".\""""
    for record in served:
        assert (record["placeholder"] is not None) is (record["resourceTypeId"] == "placeholder"), record["id"]


def test_project_with_its_client_only_for_project_assignments(served: list[Record]) -> None:
    """"project object … Only available if the assignmentTypeId is "project"." Project attributes:
    id, name, "client object A simple object to the related client.\""""
    for record in served:
        assert (record["project"] is not None) is (record["assignmentTypeId"] == "project"), record["id"]
        if record["project"] is not None:
            assert set(record["project"]) == {"id", "name", "client"}
            assert set(record["project"]["client"]) == {"id", "name"} and UUID.match(record["project"]["client"]["id"])


def test_role_only_for_project_assignments_of_projects_using_roles(served: list[Record],
                                                                   related: dict[str, dict[str, Record]]) -> None:
    """"role object … Only available if the assignmentTypeId is "project" and the project set is
    using roles.\""""
    with_role = [record for record in served if record["role"] is not None]
    assert with_role
    for record in with_role:
        assert record["assignmentTypeId"] == "project"
        assert related["projects"][record["project"]["id"]]["useRoles"], record["id"]


def test_task_only_for_project_assignments_of_projects_with_tasks(served: list[Record],
                                                                  related: dict[str, dict[str, Record]]) -> None:
    """"task object … Only available if the assignmentTypeId is "project" and the set project has tasks.\""""
    with_task = [record for record in served if record["task"] is not None]
    assert with_task
    for record in with_task:
        assert record["assignmentTypeId"] == "project"
        assert related["project-tasks"][record["task"]["id"]]["project"]["id"] == record["project"]["id"]


def test_time_off_type_only_for_time_off(served: list[Record]) -> None:
    """"timeOffType object … Only available if the assignmentTypeId is "time_off".\""""
    for record in served:
        assert (record["timeOffType"] is not None) is (record["assignmentTypeId"] == "time_off"), record["id"]


@pytest.mark.parametrize("attribute", NESTED)
def test_nested_objects_are_a_uuid_and_a_name(served: list[Record], attribute: str) -> None:
    """Member, placeholder, role, task and time off type attributes: "id uuid …", "name string …".\""""
    objects = [record[attribute] for record in served if record[attribute] is not None]
    assert objects
    for nested in objects:
        assert set(nested) == {"id", "name"} and UUID.match(nested["id"])
        assert isinstance(nested["name"], str) and nested["name"]


# --- §A's key, envelope and paging, on the emulator -------------------------------------------------
def test_a_missing_or_wrong_key_is_401_with_the_documented_body(emu: RuddrEmulator) -> None:
    """§A.3: a missing or bad key gives 401 {"status":401,"message":"The provided bearer token is
    missing or invalid."}."""
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": emu.token}):
        response = requests.get(f"{emu.base_url}/allocations", headers=headers, timeout=30)
        assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_limit_defaults_to_10_in_a_results_and_has_more_envelope(api: requests.Session, emu: RuddrEmulator) -> None:
    """§A.5/§A.6: limit defaults to 10; every list answers {"results": [...], "hasMore": bool}, no total."""
    body = api.get(f"{emu.base_url}/allocations", timeout=30).json()
    assert list(body) == ["results", "hasMore"] and len(body["results"]) == 10 and body["hasMore"] is True


@pytest.mark.parametrize(("limit", "status", "count"), [("1", 200, 1), ("100", 200, 100), ("0", 400, 0),
                                                        ("101", 400, 0)])
def test_limit_is_1_to_100(api: requests.Session, emu: RuddrEmulator, limit: str, status: int, count: int) -> None:
    """§A.5: "limit: 1–100, default 10"; outside it, a 400 (§A.8)."""
    response = api.get(f"{emu.base_url}/allocations", params={"limit": limit}, timeout=30)
    assert response.status_code == status
    assert len(response.json().get("results", [])) == count


def test_starting_after_gives_the_next_page(api: requests.Session, emu: RuddrEmulator, served: list[Record]) -> None:
    """§A.6: the next page passes the last id as startingAfter."""
    page = api.get(f"{emu.base_url}/allocations", params={"limit": 7, "startingAfter": served[6]["id"]},
                   timeout=30).json()
    assert [record["id"] for record in page["results"]] == [record["id"] for record in served[7:14]]


# --- the client against the strict server ---------------------------------------------------------
@pytest.fixture(scope="module")
def strict() -> Iterator[tuple[Any, str]]:
    server = strict_ruddr([EXAMPLE, *document_allocations(STRICT_RECORDS)])
    with serve(server) as url:
        yield server, url + BASE_PATH


@pytest.fixture(scope="module")
def pulled(strict: tuple[Any, str], tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    server, base_url = strict
    server.requests.clear()
    with sm.ruddr.connect(token=KEY, base_url=base_url, cache=tmp_path_factory.mktemp("strict-ruddr"),
                          progress=False) as session:
        return session.allocations()


def test_client_reads_the_example_object_as_one_row_with_its_values(pulled: pd.DataFrame) -> None:
    """The document's "Example" comes out as one row, every attribute a column (nested objects as
    <name>_id and <name>_name), with the example's values."""
    rows = pulled[pulled["id"] == EXAMPLE["id"]]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["resource_type_id"], row["assignment_type_id"], row["unit"]) == ("placeholder", "project", "day")
    assert (row["start"], row["end"]) == (pd.Timestamp("2022-06-01"), pd.Timestamp("2022-08-31"))
    assert row["hours_per_day"] == 8 and pd.isna(row["hours_per_week"]) and pd.isna(row["hours_per_month"])
    assert row["total_hours"] == 528 and (bool(row["is_billable"]), bool(row["read_only"])) == (True, False)
    assert row["notes"] == "Resourcing the PM for Joe's Shop." and row["entity"] == "allocation"
    assert row["created_at"] == pd.Timestamp("2022-03-02 17:40:03.633")  # naive UTC
    for name, nested in (("member", "member"), ("placeholder", "placeholder"), ("role", "role"), ("task", "task"),
                         ("time_off_type", "timeOffType"), ("project", "project")):
        assert (row[f"{name}_id"], row[f"{name}_name"]) == (EXAMPLE[nested]["id"], EXAMPLE[nested]["name"])
    client = EXAMPLE["project"]["client"]
    assert (row["project_client_id"], row["project_client_name"]) == (client["id"], client["name"])


def test_client_types_each_attribute_as_documented(pulled: pd.DataFrame) -> None:
    """Attribute types: uuid → string, date → day (midnight), number → Float64, boolean → boolean,
    timestamp → datetime, the enumerations → categories with the documented values first."""
    dtypes = {column: str(dtype) for column, dtype in pulled.dtypes.items()}
    for column in ("id", "member_id", "placeholder_id", "project_id", "project_client_id", "role_id", "task_id",
                   "time_off_type_id", "notes", "member_name", "project_client_name"):
        assert dtypes[column] == "string", column
    for column in ("start", "end", "created_at"):
        assert dtypes[column] == "datetime64[ns]", column
    for column in ("hours_per_day", "hours_per_week", "hours_per_month", "total_hours"):
        assert dtypes[column] == "Float64", column
    for column in ("is_billable", "read_only"):
        assert dtypes[column] == "boolean", column
    for column, values in (("resource_type_id", ["member", "placeholder"]),
                           ("assignment_type_id", ["project", "time_off"]), ("unit", ["day", "week", "month"]),
                           ("entity", ["allocation", "time_entry", "holiday"])):
        assert isinstance(pulled[column].dtype, pd.CategoricalDtype), column
        assert [v for v in pulled[column].cat.categories if v in values] == values, column


def test_client_keeps_only_the_hours_field_of_the_unit(pulled: pd.DataFrame) -> None:
    """"Only available if the unit is set to …": in the frame, the other hours columns are missing."""
    hours = {"day": "hours_per_day", "week": "hours_per_week", "month": "hours_per_month"}
    for unit, column in hours.items():
        rows = pulled[pulled["unit"] == unit]
        assert len(rows) and rows[column].notna().all()
        assert rows[[c for c in hours.values() if c != column]].isna().all().all()


def test_client_keeps_placeholders_apart_from_members(pulled: pd.DataFrame) -> None:
    """member "Only available if the resourceTypeId is "member"", placeholder likewise: placeholder
    rows (the example aside, which shows both) have no member, member rows no placeholder."""
    rows = pulled[pulled["id"] != EXAMPLE["id"]]
    placeholders = rows[rows["resource_type_id"] == "placeholder"]
    members = rows[rows["resource_type_id"] == "member"]
    assert len(placeholders) and len(members) and len(placeholders) + len(members) == len(rows)
    assert placeholders["member_id"].isna().all() and placeholders["placeholder_name"].notna().all()
    assert members["placeholder_id"].isna().all() and members["member_name"].notna().all()


def test_client_leaves_the_newer_attributes_missing(pulled: pd.DataFrame) -> None:
    """A server that sends only the document's attributes still gives every column of the table;
    the newer ones (hoursPerAllocation, bookingTypeId …) are missing, typed as ever."""
    assert list(pulled.columns) == list(get_resource("allocations").fields)
    for column in ("hours_per_allocation", "hours_ratio_of_capacity", "allocate_on_time_off_days", "booking_type_id"):
        assert pulled[column].isna().all(), column
    assert str(pulled["booking_type_id"].dtype) == "category" and str(pulled["hours_per_allocation"].dtype) == "Float64"


def test_client_walks_every_page_to_the_end(strict: tuple[Any, str], pulled: pd.DataFrame) -> None:
    """§A.6: pages of at most 100 (§A.5), each after the last id of the one before, until hasMore is false."""
    server, _ = strict
    assert len(pulled) == STRICT_RECORDS + 1 and pulled["id"].is_unique
    sent = [request for request in server.requests if request.path == f"{BASE_PATH}/allocations"]
    assert len(sent) == 3
    assert all(set(request.query) <= {"limit", "startingAfter"} for request in sent)
    assert all(1 <= int(request.query.get("limit", 10)) <= 100 for request in sent)
    assert "startingAfter" not in sent[0].query
    ordered = sorted([EXAMPLE, *document_allocations(STRICT_RECORDS)], key=lambda r: r["createdAt"], reverse=True)
    ends = [ordered[99]["id"], ordered[199]["id"]]
    assert [request.query["startingAfter"] for request in sent[1:]] == ends


def test_client_sends_the_key_as_a_bearer_token(strict: tuple[Any, str], pulled: pd.DataFrame) -> None:
    """§A.3: "Send an API key as Authorization: Bearer <key>"."""
    server, _ = strict
    assert server.requests and all(request.headers.get("Authorization") == f"Bearer {KEY}"
                                   for request in server.requests)


def test_client_refused_key_is_an_authentication_error(strict: tuple[Any, str], tmp_path: Path) -> None:
    """§A.3: a bad key gets 401 with the documented body; the client says so without the key."""
    _, base_url = strict
    wrong = "not-the-key-0123456789"
    with sm.ruddr.connect(token=wrong, base_url=base_url, cache=tmp_path, progress=False) as session:
        with pytest.raises(sm.AuthenticationError, match="HTTP 401") as caught:
            session.allocations()
    assert wrong not in str(caught.value)
