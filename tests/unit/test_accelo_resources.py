"""Accelo's field tables against the emulator's records, and the typing of a wire of strings.

The records are the emulator's own answers (its projection of ``_fields``), built in-process: no
HTTP here (``tests/integration/test_accelo_session.py`` pulls them over the wire).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from smexplore.accelo.emulator import build_agency
from smexplore.accelo.emulator.fields import Projection, parse_fields
from smexplore.accelo.emulator.schema import tables
from smexplore.accelo.flatten import flatten, flatten_all
from smexplore.accelo.resources import RESOURCES, WIRE, get_resource, resource_names
from smexplore.core.frames import to_frame

PATHS = {name: spec.path.strip("/") for name, spec in RESOURCES.items()}


@pytest.fixture(scope="module")
def agency() -> Any:
    return build_agency(0, "small", "demo")


def _answers(agency: Any, name: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The emulator's answer records for ``name``, as its ``_fields`` asks for them."""
    schema = tables(agency)
    path = PATHS[name]
    projection = Projection(agency, schema)
    fields = parse_fields(WIRE[name].fields_param)
    return [projection.one(schema[path], record, fields) for record in agency.tables[path][:limit]]


def test_every_resource_asks_for_fields_the_api_has(agency: Any) -> None:
    schema = tables(agency)
    strict = Projection(agency, schema, strict=True)
    assert resource_names() == ["jobs", "staff", "companies", "activities", "tasks", "job_statuses", "job_types"]
    for name in resource_names():
        strict.check(schema[PATHS[name]], parse_fields(WIRE[name].fields_param))  # raises on a name it lacks


def test_every_wire_field_lands_in_a_column_and_every_column_is_filled_somewhere(agency: Any) -> None:
    for name, spec in RESOURCES.items():
        records = _answers(agency, name)
        rows = flatten_all(records, spec)
        assert all(list(row) == list(spec.fields) for row in rows), name
        wire = WIRE[name]
        olders = {link.older for link in wire.links.values()}
        for key in records[0]:  # nothing the API sent is dropped: each key is a column, a link (or its older name)
            assert key in spec.fields or key in wire.links or key in wire.hours or key in olders, (name, key)
        frame = to_frame(rows, spec)
        empty = [c for c in frame if frame[c].isna().all()]
        # Columns the synthetic agency never fills (documented fields it has no data for).
        assert set(empty) <= {"job_contract_id", "fax", "contract_period_id", "contact_id", "issue_id",
                              "milestone_id", "custom_id", "company_id", "company_name", "date_ended",
                              "parent_id"}, (name, empty)


def test_strings_are_typed_on_the_way_in(agency: Any) -> None:
    spec = get_resource("activities")
    wire = {"id": "7", "subject": "Design", "confidential": "0", "parent_id": "0", "against_type": "job",
            "against_id": "12", "date_started": "1772445600", "date_ended": None, "billable": "5400",
            "nonbillable": "0", "staff": {"id": "3", "firstname": "Ava", "surname": "Lee"}, "task": None,
            "rate": "2", "rate_charged": "185.00", "scheduled": "yes", "standing": "approved", "is_billable": "1"}
    row = flatten(wire, spec)
    assert row["billable_hours"] == 1.5 and row["nonbillable_hours"] == 0.0
    assert row["staff_id"] == "3" and row["staff_surname"] == "Lee" and row["parent_id"] is None
    frame = to_frame([row], spec)
    assert frame.loc[0, "date_started"] == pd.Timestamp("2026-03-02 10:00:00")  # unix → naive UTC
    assert frame.loc[[0], ["date_ended", "parent_id", "task_id"]].isna().all(axis=None)
    assert bool(frame.loc[0, "scheduled"]) and not bool(frame.loc[0, "confidential"])
    assert frame.loc[0, "rate_charged"] == 185.0 and frame.loc[0, "id"] == 7
    dtypes = {c: str(t) for c, t in frame.dtypes.items()}
    assert dtypes["id"] == "Int64" and dtypes["staff_id"] == "Int64" and dtypes["billable_hours"] == "Float64"
    assert dtypes["date_started"] == "datetime64[ns]" and dtypes["scheduled"] == "boolean"
    assert dtypes["rate_charged"] == "Float64" and dtypes["standing"] == "category"
    assert dtypes["subject"] == "string" and dtypes["staff_firstname"] == "string"
    melbourne = to_frame([row], spec, "Australia/Melbourne")
    assert melbourne.loc[0, "date_started"] == pd.Timestamp("2026-03-02 21:00", tz="Australia/Melbourne")
    assert [str(t) for t in to_frame([], spec).dtypes] == list(dtypes.values())  # an empty pull: same columns, dtypes


def test_typed_frames_agree_with_the_emulator_records(agency: Any) -> None:
    spec = get_resource("tasks")
    records = _answers(agency, "tasks", 50)
    frame = to_frame(flatten_all(records, spec), spec)
    for record, (_, row) in zip(records, frame.iterrows(), strict=True):
        assert row["id"] == int(record["id"])
        assert row["budgeted_hours"] == pytest.approx(int(record["budgeted"]) / 3600)
        assert row["logged_hours"] == pytest.approx(int(record["logged"]) / 3600)
        assert row["assignee_id"] == int(record["assignee"]["id"])
        assert row["assignee_firstname"] == record["assignee"]["firstname"]
        assert row["task_job_title"] == record["task_job"]["title"]
        started = pd.Timestamp(int(record["date_started"]), unit="s")
        assert row["date_started"] == started
        assert row["rate_charged"] == float(record["rate_charged"])


def test_names_and_paths_both_find_a_resource() -> None:
    assert get_resource("job_statuses") is get_resource("jobs/statuses") is get_resource("/jobs/statuses")
    assert get_resource("jobs").path == "/jobs"
    with pytest.raises(KeyError, match="valid resources: jobs, staff"):
        get_resource("projects")
    hours = [c for spec in RESOURCES.values() for c in spec.fields if "hour" in c]
    assert hours and all(c.endswith("_hours") for c in hours)  # hours are named so; nothing holds seconds


def test_columns_and_dtypes_are_pinned() -> None:
    """Column names and dtypes are public API: changing them means changing the golden file on purpose."""
    golden = json.loads((Path(__file__).resolve().parent.parent / "golden" / "accelo_frame_columns.json").read_text())
    assert list(golden) == resource_names()
    for name, spec in RESOURCES.items():
        assert {c: str(t) for c, t in to_frame([], spec).dtypes.items()} == golden[name], name


def test_a_jobs_older_type_name_fills_its_type_id_where_job_type_is_not_sent() -> None:
    """The source document names a job's type ``type``; the current docs ``job_type``: either fills ``job_type_id``."""
    assert "job_type(title),type" in WIRE["jobs"].fields_param
    older = flatten({"id": "1", "type": "4"}, RESOURCES["jobs"])
    both = flatten({"id": "1", "job_type": {"id": "2", "title": "Web"}, "type": "4"}, RESOURCES["jobs"])
    assert older["job_type_id"] == "4" and older["job_type_title"] is None
    assert both["job_type_id"] == "2" and both["job_type_title"] == "Web"
