"""Ruddr's field tables: flattening, the tables against the emulator's records, typed frames, ISO instants."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smexplore.core.frames import column_dtype, to_frame
from smexplore.core.schema import Field, Resource
from smexplore.ruddr.emulator.synth import build_workspace
from smexplore.ruddr.emulator.workspace import RESOURCES as EMULATED
from smexplore.ruddr.flatten import flatten, snake_case
from smexplore.ruddr.resources import RESOURCES, get_resource, resource_names
from smexplore.servicem8.resources import get_resource as servicem8_resource

# Fields of the documents the emulator always leaves null (so no flattened record has them).
NEVER_SET_BY_EMULATOR = {
    "members": {"internal_notes"},
    "projects": {"project_type_id", "project_type_name"},
    "clients": {"notes", "street_address", "owner_id", "owner_name"},
    "time-entries": {"timer_started_at", "start_time", "end_time"},
    "project-roles": {"discipline_id", "discipline_name"},
    "project-tasks": {"notes", "parent_id", "parent_name"},
}
DTYPES = {"uuid": "string", "text": "string", "timestamp": "datetime64[ns]", "date": "datetime64[ns]",
          "flag": "boolean", "int": "Int64", "float": "Float64", "money": "Float64", "category": "category",
          "list": "object"}


@pytest.fixture(scope="module")
def workspace():
    return build_workspace(0, "small")


# --- flatten ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("camel", "snake"), [
    ("hoursPerDay", "hours_per_day"), ("id", "id"), ("timeOffType", "time_off_type"), ("poNumber", "po_number"),
    ("hoursRatioOfCapacity", "hours_ratio_of_capacity"), ("apiURLValue", "api_url_value"), ("already_snake", "already_snake"),
])
def test_snake_case(camel: str, snake: str) -> None:
    assert snake_case(camel) == snake


def test_flatten_nests_with_underscores_keeps_lists_and_drops_nulls() -> None:
    periods = [{"id": "p", "start": "2025-01-01", "end": None, "hoursPerDay": [8, 8, 8, 8, 8, 0, 0]}]
    record = {"id": "a", "hoursPerDay": 6.5, "hoursPerWeek": None,
              "member": {"id": "m", "name": "Avery Kim"}, "placeholder": None,
              "project": {"id": "p", "name": "Portal", "client": {"id": "c", "name": "Acme"}},
              "availabilityPeriods": periods, "tags": []}
    row = flatten(record)
    assert row == {"id": "a", "hours_per_day": 6.5, "member_id": "m", "member_name": "Avery Kim",
                   "project_id": "p", "project_name": "Portal", "project_client_id": "c",
                   "project_client_name": "Acme", "availability_periods": periods, "tags": []}
    assert row["availability_periods"] is periods  # kept as sent, items camelCase


def test_flatten_with_a_resource_gives_every_column_in_table_order() -> None:
    allocations = get_resource("allocations")
    row = flatten({"hoursPerDay": 8, "id": "a", "member": None, "somethingNew": 1}, allocations)
    assert list(row)[: len(allocations.fields)] == list(allocations.fields)
    assert row["id"] == "a" and row["hours_per_day"] == 8 and row["member_id"] is None
    assert list(row)[-1] == "something_new"  # unknown keys kept, last


# --- the tables against the emulator -------------------------------------------------------------
def test_one_resource_per_emulated_list() -> None:
    assert resource_names() == list(EMULATED) == list(RESOURCES)
    for name in EMULATED:
        resource = get_resource(name)
        assert resource.name == name and resource.path == f"/{name}"


@pytest.mark.parametrize("name", EMULATED)
def test_field_table_matches_the_flattened_emulator_records(workspace, name: str) -> None:
    resource = get_resource(name)
    keys: set[str] = set()
    for record in workspace.tables[name]:
        keys |= set(flatten(record))
    assert keys - set(resource.fields) == set(), "flattened keys the table lacks"
    assert set(resource.fields) - keys == NEVER_SET_BY_EMULATOR.get(name, set()), "table fields no record has"


@pytest.mark.parametrize("name", EMULATED)
def test_kinds_follow_the_wire_values(workspace, name: str) -> None:
    """Lists are lists, flags bools, numbers numbers, dates 'YYYY-MM-DD', instants ISO with a Z."""
    resource = get_resource(name)
    for record in workspace.tables[name]:
        for key, value in flatten(record).items():
            field = resource.fields[key]
            expected = {"list": list, "flag": bool, "int": int, "float": (int, float), "money": (int, float)}
            assert isinstance(value, expected.get(field.kind, str)), (key, value)
            if field.kind == "date":
                assert len(value) == 10 and value[4] == "-", (key, value)
            if field.kind == "timestamp":
                assert value.endswith("Z") and "T" in value and field.wire_format == "ISO8601", (key, value)
            if field.kind == "category" and field.choices:
                assert value in field.choices, (key, value)
            if field.kind == "uuid":
                assert len(value) == 36 and value == value.lower(), (key, value)


def test_documented_enumerations_have_their_values() -> None:
    allocations = get_resource("allocations")
    assert allocations.field("unit").choices == ("day", "week", "month", "allocation", "ratio_of_capacity")
    assert allocations.field("entity").choices == ("allocation", "time_entry", "holiday")
    assert allocations.field("resource_type_id").choices == ("member", "placeholder")
    assert get_resource("time-entries").field("type_id").choices == ("project_time", "time_off")
    assert get_resource("members").field("employment_type_id").choices == ("employee", "contractor", "other")


def test_get_resource_names_the_valid_ones() -> None:
    assert get_resource("/time-entries") is get_resource("time_entries") is RESOURCES["time-entries"]
    with pytest.raises(KeyError, match="valid resources: allocations, members"):
        get_resource("allocation")


# --- typed frames -------------------------------------------------------------------------------
@pytest.mark.parametrize("tz", [None, "Australia/Sydney"])
@pytest.mark.parametrize("name", EMULATED)
def test_frame_dtypes_follow_the_kinds(workspace, name: str, tz: str | None) -> None:
    resource = get_resource(name)
    full = to_frame([flatten(r) for r in workspace.tables[name]], resource, tz)
    empty = to_frame([], resource, tz)
    for frame in (full, empty):
        assert list(frame.columns) == list(resource.fields)
        for field in resource.fields.values():
            dtype = frame[field.name].dtype
            if field.kind == "timestamp" and tz:
                assert dtype == pd.DatetimeTZDtype("ns", tz), field.name
            elif field.kind == "category":
                assert isinstance(dtype, pd.CategoricalDtype), field.name
                assert list(dtype.categories[: len(field.choices or ())]) == list(field.choices or ())
            else:
                assert dtype == DTYPES[field.kind], field.name
                assert dtype == column_dtype(field, tz), field.name
    assert len(full) == len(workspace.tables[name])


def test_allocation_frame_values(workspace) -> None:
    records = workspace.tables["allocations"]
    frame = to_frame([flatten(r) for r in records], get_resource("allocations"))
    first, row = records[0], frame.iloc[0]
    assert row["id"] == first["id"]
    assert row["start"] == pd.Timestamp(first["start"])  # midnight
    assert row["created_at"] == pd.Timestamp(first["createdAt"].rstrip("Z"))  # naive UTC, milliseconds kept
    assert row["total_hours"] == first["totalHours"]
    hours = {"day": "hours_per_day", "week": "hours_per_week", "month": "hours_per_month",
             "allocation": "hours_per_allocation", "ratio_of_capacity": "hours_ratio_of_capacity"}
    for unit, column in hours.items():  # only the unit's own hours field is set
        rows = frame[frame["unit"] == unit]
        assert len(rows) and rows[column].notna().all()
        assert rows[[c for c in hours.values() if c != column]].isna().all().all()
    placeholders = frame[frame["resource_type_id"] == "placeholder"]
    assert placeholders["member_id"].isna().all() and placeholders["placeholder_name"].notna().all()
    assert frame["allocate_on_time_off_days"].isna().sum() > 0  # null unless a member's project allocation


def test_member_lists_stay_lists(workspace) -> None:
    frame = to_frame([flatten(r) for r in workspace.tables["members"]], get_resource("members"))
    periods = frame["availability_periods"]
    assert periods.dtype == object and all(isinstance(p, list) and p for p in periods)
    assert periods[0][0]["hoursPerDay"] == workspace.tables["members"][0]["availabilityPeriods"][0]["hoursPerDay"]


# --- ISO instants --------------------------------------------------------------------------------
INSTANT = Resource("x", "X", {}, (), {
    "at": Field("at", "timestamp", "str", wire_format="ISO8601"), "day": Field("day", "date", "str"),
})


def test_iso_instants_become_naive_utc_without_a_zone() -> None:
    records = [{"at": "2025-03-01T12:34:56.789Z", "day": "2025-03-01"}, {"at": None, "day": None},
               {"at": "2025-07-01T23:30:00.001+02:00"}, {"at": ""}, {"at": "not a time"},
               {"at": "2025-01-10T14:22:35"}, {"at": "3000-01-01T00:00:00.000Z"}]
    frame = to_frame(records, INSTANT)
    assert frame["at"].dtype == "datetime64[ns]" and frame["day"].dtype == "datetime64[ns]"
    assert frame["at"][0] == pd.Timestamp("2025-03-01 12:34:56.789")
    assert frame["at"][2] == pd.Timestamp("2025-07-01 21:30:00.001")  # the offset applied
    assert frame["at"][5] == pd.Timestamp("2025-01-10 14:22:35")  # no offset: UTC
    assert frame["at"].isna().tolist() == [False, True, False, True, True, False, True]  # 3000: beyond ns
    assert frame["day"][0] == pd.Timestamp("2025-03-01")


def test_iso_instants_are_converted_to_the_session_zone() -> None:
    frame = to_frame([{"at": "2025-03-01T12:34:56.789Z", "day": "2025-03-01"}], INSTANT, "Australia/Sydney")
    assert frame["at"].dtype == pd.DatetimeTZDtype("ns", "Australia/Sydney")
    assert frame["at"][0] == pd.Timestamp("2025-03-01 12:34:56.789", tz="UTC")
    assert frame["at"][0].hour == 23  # the same instant, Sydney's wall clock (UTC+11)
    assert frame["day"].dtype == "datetime64[ns]"  # dates are not instants: never zoned


# --- ServiceM8 unchanged ---------------------------------------------------------------------------
def test_servicem8_fields_keep_their_wall_time_format() -> None:
    for name in ("job", "jobactivity", "joballocation", "staff"):
        assert all(field.wire_format is None for field in servicem8_resource(name).fields.values())
    activity = servicem8_resource("jobactivity")
    frame = to_frame([{"start_date": "2026-03-02 08:00:00"}], activity, "Australia/Sydney")
    assert frame["start_date"][0] == pd.Timestamp("2026-03-02 08:00:00", tz="Australia/Sydney")  # localised


def test_columns_and_dtypes_are_pinned() -> None:
    """Column names and dtypes are public API: changing them means changing the golden file on purpose."""
    golden = json.loads((Path(__file__).resolve().parent.parent / "golden" / "ruddr_frame_columns.json").read_text())
    assert list(golden) == list(resource_names())
    for name, spec in RESOURCES.items():
        assert {c: str(t) for c, t in to_frame([], spec).dtypes.items()} == golden[name], name
