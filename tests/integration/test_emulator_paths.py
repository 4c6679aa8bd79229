"""Every path and verb of the emulator over real HTTP.

List and get one for every resource; create (server or client uuid), update (only the fields sent),
soft delete and restore for the schedule's eight and the four the Session writes besides (notes,
through their own record path ``/dbonote/{uuid}.json``, job contacts, tasks, job materials); 404
for unknown records and resources, 405 for wrong verbs and for operations the spec does not give a
resource, 400 for bad bodies. Reads go to the shared read-only ``emulator``; writes go to a module
emulator of their own whose clock the tests move, so every ``edit_date`` a write stamps is known
exactly. (``test_emulator_whole_spec.py`` walks every operation of the spec generically.)
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from smexplore.emulator import Account, Emulator
from smexplore.servicem8.resources import get_resource, resource_names

READS = resource_names()
RESOURCES = ["staff", "job", "jobactivity", "joballocation", "company", "category", "allocationwindow", "queue",
             "note", "jobcontact", "task", "jobmaterial"]
A_JOB = "28e7222e-24c7-4c02-915c-d165ef530f4f"  # any uuid: the API does not check what a uuid points at

# The documented bodies (shared/reference/servicem8-api.md §4), written out here on purpose.
# errorCode is written as the spec's examples write it: strings for 200 ("0"), 400 ("1000") and 404.
OK_BODY = {"errorCode": 0, "message": "OK"}
NOT_FOUND_BODY = {
    "errorCode": "404",
    "message": "Resource not found. The requested record does not exist or has been deleted.",
}
ERROR_CODES: dict[int, str | int] = {400: "1000", 404: "404", 405: 405}  # 405: no example; a number
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")

# A valid create body per resource (required fields and a few typed ones).
CREATE_BODIES: dict[str, dict[str, Any]] = {
    "staff": {"first": "Testy", "last": "McTest", "email": "testy@example.com", "lat": -37.9, "hide_from_schedule": 1},
    "job": {"status": "Quote", "job_description": "Integration test job", "date": "2026-03-05", "invoice_sent": 0},
    "jobactivity": {"start_date": "2026-03-03 09:00:00", "end_date": "2026-03-03 10:30:00",
                    "travel_time_in_seconds": 600, "activity_was_scheduled": "1"},
    "joballocation": {"allocation_date": "2026-03-04 08:00:00", "sort_priority": "3"},
    "company": {"name": "Test Widgets Pty Ltd", "is_individual": "0", "address_city": "Kew"},
    "category": {"name": "Testing", "colour": "123456"},
    "allocationwindow": {"name": "Lunch", "start_time": 720, "end_time": 780, "sort_priority": 5},
    "queue": {"name": "Integration queue", "default_timeframe": 3, "requires_assignment": 1},
    "note": {"related_object": "job", "related_object_uuid": A_JOB, "note": "Integration note", "action_required": "0"},
    "jobcontact": {"job_uuid": A_JOB, "first": "Site", "last": "Contact", "mobile": "0400 111 222", "type": "JOB"},
    "task": {"name": "Call the client", "due_date": "2026-03-06", "task_complete": "0", "related_object": "job",
             "related_object_uuid": A_JOB},
    "jobmaterial": {"job_uuid": A_JOB, "name": "Copper pipe 15mm (per m)", "quantity": "2.5", "price": "12.50",
                    "sort_order": "1"},
}
# The wire values those bodies must read back as (timestamps normalised, flags in their wire type).
CREATE_EXPECTED: dict[str, dict[str, Any]] = {
    **CREATE_BODIES,
    "job": {**CREATE_BODIES["job"], "date": "2026-03-05"},
}
# One field per resource to change in an update, with its new wire value.
UPDATES: dict[str, tuple[str, Any]] = {
    "staff": ("job_title", "Foreman"),
    "job": ("job_description", "Changed by an update"),
    "jobactivity": ("travel_time_in_seconds", 1234),
    "joballocation": ("sort_priority", "7"),
    "company": ("website", "www.changed.example"),
    "category": ("colour", "abcdef"),
    "allocationwindow": ("end_time", 1000),
    "queue": ("default_timeframe", 21),
    "note": ("note", "Changed by an update"),
    "jobcontact": ("mobile", "0499 999 999"),
    "task": ("task_details", "Changed by an update"),
    "jobmaterial": ("quantity", "4"),
}
# A body of the wrong type per resource (besides the generic ``active`` ones), and the field it names.
WRONG_TYPES: dict[str, tuple[str, Any]] = {
    "staff": ("lat", "north"),
    "job": ("invoice_sent", "yes"),
    "jobactivity": ("start_date", "tomorrow morning"),
    "joballocation": ("staff_uuid", "not-a-uuid"),
    "company": ("parent_company_uuid", "12345"),
    "category": ("active", 7),
    "allocationwindow": ("start_time", "noon"),
    "queue": ("default_timeframe", 1.5),
    "note": ("related_object_uuid", "not-a-uuid"),
    "jobcontact": ("job_uuid", "12345"),
    "task": ("due_date", "next week"),
    "jobmaterial": ("quantity", "lots"),
}


class _StepClock:
    """A monotonic clock this module moves by hand, so write stamps are predictable."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> _StepClock:
    return _StepClock()


@pytest.fixture(scope="module")
def writable(clock: _StepClock) -> Iterator[Emulator]:
    """An emulator this module writes to (each test touches its own records)."""
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000, clock=clock) as emu:
        clock.advance(1)  # every write from now on stamps an edit_date after the account's "now"
        yield emu


@pytest.fixture
def wapi(writable: Emulator) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["X-Api-Key"] = writable.api_key
        yield session


def _url(emu: Emulator, resource: str, record_uuid: str) -> str:
    """The URL of one record: its resource's record path (``/dbonote/{uuid}.json`` for a note)."""
    return emu.base_url + get_resource(resource).record(record_uuid)


def _next_stamp(emu: Emulator, clock: _StepClock) -> str:
    """Move the clock on a minute and return the ``edit_date`` a write made now must carry."""
    clock.advance(60)
    return (emu.account.now + timedelta(seconds=clock.now)).strftime("%Y-%m-%d %H:%M:%S")


def _one(session: requests.Session, emu: Emulator, resource: str, record_uuid: str) -> dict[str, Any]:
    response = session.get(_url(emu, resource, record_uuid))
    assert response.status_code == 200, response.text
    return response.json()


def _listed(session: requests.Session, emu: Emulator, resource: str) -> list[dict[str, Any]]:
    response = session.get(f"{emu.base_url}/{resource}.json")
    assert response.status_code == 200, response.text
    return response.json()


def _written(session: requests.Session, emu: Emulator, resource: str) -> list[dict[str, Any]]:
    """The records written since the module started (their edit_date is past the account's "now")."""
    response = session.get(f"{emu.base_url}/{resource}.json",
                           params={"$filter": f"edit_date gt '{emu.account.now:%Y-%m-%d %H:%M:%S}'"})
    assert response.status_code == 200, response.text
    return response.json()


def _assert_error(response: requests.Response, status: int, *needles: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errorCode", "message"}
    assert body["errorCode"] == ERROR_CODES[status]
    assert isinstance(body["message"], str) and body["message"]
    for needle in needles:
        assert needle.lower() in body["message"].lower(), body["message"]
    return body


# --- reads ------------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", READS)
def test_list_returns_every_record_in_order(
    api: requests.Session, emulator: Emulator, small_account_records: Account, resource: str
) -> None:
    """GET /X.json answers a JSON array of every record (inactive ones too), in creation order."""
    response = api.get(f"{emulator.base_url}/{resource}.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "x-next-cursor" not in response.headers
    records = response.json()
    expected = small_account_records.tables[resource]
    assert [r["uuid"] for r in records] == [r["uuid"] for r in expected]
    assert records == expected


@pytest.mark.parametrize("resource", READS)
def test_get_one_returns_the_record_with_spec_fields_and_wire_types(
    api: requests.Session, emulator: Emulator, small_account_records: Account, resource: str
) -> None:
    """GET /X/{uuid}.json (the resource's record path) answers one object: the spec's field names, in the
    spec's wire types."""
    records = small_account_records.tables[resource]
    expected = records[min(3, len(records) - 1)]
    record = _one(api, emulator, resource, expected["uuid"])
    assert record == expected
    spec = get_resource(resource)
    extra = {name for name in record if name not in spec.fields}
    assert all(name.startswith("customfield_") for name in extra) and (not extra or resource == "job")
    assert set(spec.fields) <= set(record)
    assert type(record["active"]) is int and record["active"] in (0, 1)
    for name, field in spec.fields.items():
        value = record[name]
        if field.kind == "timestamp":
            assert isinstance(value, str) and TIMESTAMP.fullmatch(value), (name, value)
        elif field.wire == "int":
            assert type(value) is int, (name, value)
        elif field.wire == "float":
            assert isinstance(value, float) or type(value) is int, (name, value)
        elif field.wire == "list":
            assert isinstance(value, (list, dict)), (name, value)
        else:
            assert isinstance(value, str), (name, value)
        if field.kind == "flag" and field.wire == "str":
            assert value in ("0", "1"), (name, value)


def test_get_one_accepts_an_upper_case_uuid(api: requests.Session, emulator: Emulator,
                                            small_account_records: Account) -> None:
    """Record uuids are matched case-insensitively."""
    wanted = small_account_records.tables["job"][5]
    assert _one(api, emulator, "job", wanted["uuid"].upper())["uuid"] == wanted["uuid"]


def test_empty_timestamps_are_zero_dates(api: requests.Session, emulator: Emulator) -> None:
    """Unset timestamps come over the wire as '0000-00-00 00:00:00', never empty or null."""
    jobs = _listed(api, emulator, "job")
    quotes = [j for j in jobs if j["status"] == "Quote"]
    assert quotes
    assert all(j["completion_date"] == "0000-00-00 00:00:00" for j in quotes)


# --- create -----------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
def test_create_answers_ok_and_the_new_uuid(
    wapi: requests.Session, writable: Emulator, clock: _StepClock, resource: str
) -> None:
    """POST /X.json: {"errorCode":"0","message":"OK"}, x-record-uuid names a new record holding what was sent."""
    stamp = _next_stamp(writable, clock)
    before = _listed(wapi, writable, resource)
    response = wapi.post(f"{writable.base_url}/{resource}.json", json=CREATE_BODIES[resource])
    assert response.status_code == 200, response.text
    assert response.json() == OK_BODY
    new_uuid = response.headers["x-record-uuid"]
    assert str(uuidlib.UUID(new_uuid)) == new_uuid.lower()
    assert new_uuid not in {r["uuid"] for r in before}
    record = _one(wapi, writable, resource, new_uuid)
    for name, value in CREATE_EXPECTED[resource].items():
        assert record[name] == value, name
    assert record["uuid"] == new_uuid
    assert record["active"] == 1
    assert record["edit_date"] == stamp
    assert set(get_resource(resource).fields) <= set(record)
    listed = _listed(wapi, writable, resource)
    assert listed[-1]["uuid"] == new_uuid
    assert len(listed) == len(before) + 1


@pytest.mark.parametrize("resource", RESOURCES)
def test_create_honours_a_client_supplied_uuid(wapi: requests.Session, writable: Emulator, resource: str) -> None:
    """A uuid in the create body becomes the record's uuid and comes back in x-record-uuid."""
    mine = str(uuidlib.uuid4())
    response = wapi.post(f"{writable.base_url}/{resource}.json", json={**CREATE_BODIES[resource], "uuid": mine})
    assert response.status_code == 200, response.text
    assert response.json() == OK_BODY
    assert response.headers["x-record-uuid"] == mine
    assert _one(wapi, writable, resource, mine)["uuid"] == mine


def test_create_with_an_existing_uuid_is_refused(wapi: requests.Session, writable: Emulator) -> None:
    """Creating a second record with a uuid already taken answers 400 and changes nothing."""
    taken = writable.account.tables["category"][0]
    before = _one(wapi, writable, "category", taken["uuid"])
    response = wapi.post(f"{writable.base_url}/category.json", json={"uuid": taken["uuid"], "name": "Clash"})
    _assert_error(response, 400, taken["uuid"])
    assert _one(wapi, writable, "category", taken["uuid"]) == before


@pytest.mark.parametrize("resource", ["staff", "job", "company", "category", "task", "jobmaterial"])
def test_create_without_required_fields_is_refused(wapi: requests.Session, writable: Emulator, resource: str) -> None:
    """A create missing a field the spec requires answers 400 naming it, and creates nothing."""
    before = _written(wapi, writable, resource)
    required = get_resource(resource).required_on_create
    body = {k: v for k, v in CREATE_BODIES[resource].items() if k not in required}
    response = wapi.post(f"{writable.base_url}/{resource}.json", json=body)
    _assert_error(response, 400, required[0])
    assert _written(wapi, writable, resource) == before


@pytest.mark.parametrize("resource", ["note", "task"])
def test_create_stamps_create_date_unless_sent(
    wapi: requests.Session, writable: Emulator, clock: _StepClock, resource: str
) -> None:
    """A record with a ``create_date`` ("Timestamp at which the record was created") gets the create's
    time when the body sends none, and keeps the one sent otherwise."""
    stamp = _next_stamp(writable, clock)
    created = wapi.post(f"{writable.base_url}/{resource}.json", json=CREATE_BODIES[resource])
    assert created.status_code == 200, created.text
    record = _one(wapi, writable, resource, created.headers["x-record-uuid"])
    assert record["create_date"] == record["edit_date"] == stamp
    sent = wapi.post(f"{writable.base_url}/{resource}.json",
                     json={**CREATE_BODIES[resource], "create_date": "2026-01-05 08:30:00"})
    assert _one(wapi, writable, resource, sent.headers["x-record-uuid"])["create_date"] == "2026-01-05 08:30:00"


def test_create_is_visible_in_the_emulators_account(wapi: requests.Session, writable: Emulator) -> None:
    """``Emulator.account`` is documented as "the records being served (writes change them)"."""
    response = wapi.post(f"{writable.base_url}/queue.json", json={"name": "Seen in account"})
    assert response.status_code == 200
    new_uuid = response.headers["x-record-uuid"]
    assert new_uuid in {r["uuid"] for r in writable.account.tables["queue"]}


# --- update, delete, restore ------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
def test_update_changes_only_the_fields_sent(
    wapi: requests.Session, writable: Emulator, clock: _StepClock, resource: str
) -> None:
    """POST /X/{uuid}.json changes the fields sent and edit_date, nothing else."""
    target = writable.account.tables[resource][1]["uuid"]
    before = _one(wapi, writable, resource, target)
    name, value = UPDATES[resource]
    assert before[name] != value
    stamp = _next_stamp(writable, clock)
    assert before["edit_date"] != stamp
    response = wapi.post(_url(writable, resource, target), json={name: value})
    assert response.status_code == 200, response.text
    assert response.json() == OK_BODY
    after = _one(wapi, writable, resource, target)
    assert after == {**before, name: value, "edit_date": stamp}


def test_update_ignores_read_only_fields_and_the_uuid(
    wapi: requests.Session, writable: Emulator, clock: _StepClock
) -> None:
    """edit_date and uuid in an update body are ignored; the server stamps edit_date itself."""
    target = writable.account.tables["staff"][4]["uuid"]
    before = _one(wapi, writable, "staff", target)
    stamp = _next_stamp(writable, clock)
    body = {"uuid": str(uuidlib.uuid4()), "edit_date": "2001-01-01 00:00:00", "mobile": "0400 000 000"}
    response = wapi.post(f"{writable.base_url}/staff/{target}.json", json=body)
    assert response.status_code == 200, response.text
    after = _one(wapi, writable, "staff", target)
    assert after == {**before, "mobile": "0400 000 000", "edit_date": stamp}


@pytest.mark.parametrize("resource", RESOURCES)
def test_delete_is_soft_and_active_1_restores(
    wapi: requests.Session, writable: Emulator, clock: _StepClock, resource: str
) -> None:
    """DELETE sets active to 0 (the record still lists and gets); a second DELETE is 404 (the spec's "does
    not exist or has already been deleted") and changes nothing; POSTing active=1 restores it."""
    target = next(r["uuid"] for r in writable.account.tables[resource][2:] if r["active"] == 1)
    before = _one(wapi, writable, resource, target)
    deleted_at = _next_stamp(writable, clock)
    response = wapi.delete(_url(writable, resource, target))
    assert response.status_code == 200, response.text
    assert response.json() == OK_BODY
    gone = _one(wapi, writable, resource, target)
    assert gone == {**before, "active": 0, "edit_date": deleted_at}
    archived = wapi.get(f"{writable.base_url}/{resource}.json", params={"$filter": "active eq 0"}).json()
    assert gone in archived
    again = wapi.delete(_url(writable, resource, target))
    assert (again.status_code, again.json()) == (404, NOT_FOUND_BODY)
    assert _one(wapi, writable, resource, target) == gone

    restored_at = _next_stamp(writable, clock)
    response = wapi.post(_url(writable, resource, target), json={"active": 1})
    assert response.status_code == 200, response.text
    assert response.json() == OK_BODY
    assert _one(wapi, writable, resource, target) == {**before, "active": 1, "edit_date": restored_at}


def test_posting_active_string_zero_also_archives(wapi: requests.Session, writable: Emulator) -> None:
    """Soft delete by POSTing active: "0" (as some clients do) leaves active as the integer 0."""
    target = next(r["uuid"] for r in writable.account.tables["company"][10:] if r["active"] == 1)
    response = wapi.post(f"{writable.base_url}/company/{target}.json", json={"active": "0"})
    assert response.status_code == 200, response.text
    assert _one(wapi, writable, "company", target)["active"] == 0


# --- 404, 405 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_uuid_is_404_with_the_documented_body(
    wapi: requests.Session, writable: Emulator, resource: str, method: str
) -> None:
    """GET, update and DELETE of a uuid that does not exist answer 404 and the spec's body."""
    before = _written(wapi, writable, resource)
    missing = str(uuidlib.uuid4())
    body = {"active": 1} if method == "POST" else None
    response = wapi.request(method, _url(writable, resource, missing), json=body)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY
    assert _written(wapi, writable, resource) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nosuchthing.json"),
        ("POST", "/nosuchthing.json"),
        ("GET", "/nosuchthing/00000000-0000-4000-8000-000000000000.json"),
        ("DELETE", "/nosuchthing/00000000-0000-4000-8000-000000000000.json"),
        ("GET", "/jobqueue.json"),
        ("GET", "/Job.json"),
        ("GET", "/job/a/b.json"),
        ("GET", "/job"),
    ],
)
def test_unknown_resource_or_path_is_404_with_the_documented_body(
    api: requests.Session, emulator: Emulator, method: str, path: str
) -> None:
    """Paths that name no resource answer 404 with the spec's JSON body."""
    response = api.request(method, emulator.base_url + path, json={} if method == "POST" else None)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/job.json", {"GET", "POST"}),
        ("PATCH", "/job.json", {"GET", "POST"}),
        ("DELETE", "/job.json", {"GET", "POST"}),
        ("PUT", "/job/{uuid}.json", {"GET", "POST", "DELETE"}),
        ("PATCH", "/staff/{uuid}.json", {"GET", "POST", "DELETE"}),
        ("OPTIONS", "/category.json", {"GET", "POST"}),
    ],
)
def test_wrong_verb_is_405(
    api: requests.Session, emulator: Emulator, small_account_records: Account, method: str, path: str,
    allowed: set[str],
) -> None:
    """A verb the path does not take answers 405 with a JSON error body and an Allow header."""
    resource = path.split("/")[1].removesuffix(".json")
    url = emulator.base_url + path.format(uuid=small_account_records.tables[resource][0]["uuid"])
    response = api.request(method, url, json={"active": 0})
    _assert_error(response, 405, method)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/asset.json", "GET, HEAD"),  # assets cannot be created through the API
        ("POST", "/vendor.json", "GET, HEAD"),
        ("POST", "/vendor/{uuid}.json", "GET, HEAD"),
        ("DELETE", "/vendor/{uuid}.json", "GET, HEAD"),
        ("POST", "/securityrole/{uuid}.json", "GET, HEAD"),
        ("DELETE", "/jobtemplate/{uuid}.json", "GET, HEAD"),
        ("PUT", "/dbonote/{uuid}.json", "GET, HEAD, POST, DELETE"),
    ],
)
def test_an_operation_the_spec_does_not_give_is_405_and_changes_nothing(
    wapi: requests.Session, writable: Emulator, method: str, path: str, allowed: str
) -> None:
    """A verb the spec gives no operation for on that resource's path is a 405 naming what the path takes."""
    segment = path.split("/")[1].removesuffix(".json")
    resource = {"dbonote": "note"}.get(segment, segment)
    target = writable.account.tables[resource][0]["uuid"]
    before = _listed(wapi, writable, resource)
    response = wapi.request(method, writable.base_url + path.format(uuid=target), json={"name": "Not allowed"})
    _assert_error(response, 405, method)
    assert response.headers["Allow"] == allowed
    assert _listed(wapi, writable, resource) == before


def test_notes_and_attachments_are_read_through_their_dbo_paths(
    api: requests.Session, emulator: Emulator, small_account_records: Account
) -> None:
    """The spec lists notes at /note.json but reads, updates and deletes one at /dbonote/{uuid}.json
    (attachments: /dboattachment/{uuid}.json); /note/{uuid}.json and /dbonote.json are no paths of it."""
    for resource, prefix in (("note", "dbonote"), ("attachment", "dboattachment")):
        wanted = small_account_records.tables[resource][1]
        assert api.get(f"{emulator.base_url}/{prefix}/{wanted['uuid']}.json").json() == wanted
        for path in (f"/{resource}/{wanted['uuid']}.json", f"/{prefix}.json"):
            response = api.get(emulator.base_url + path)
            assert (response.status_code, response.json()) == (404, NOT_FOUND_BODY), path


def test_vendor_is_a_list_of_one_record(api: requests.Session, emulator: Emulator) -> None:
    """GET /vendor.json answers the account itself, as a list of one (the Session reads its time zone there)."""
    (vendor,) = _listed(api, emulator, "vendor")
    assert vendor["timezone_name"] == "Australia/Melbourne" and vendor["name"]
    assert _one(api, emulator, "vendor", vendor["uuid"]) == vendor


def test_head_on_a_record_is_not_a_server_error(
    api: requests.Session, emulator: Emulator, small_account_records: Account
) -> None:
    """HEAD /X/{uuid}.json must answer like GET (200, no body) or 405 — never a 500."""
    record = small_account_records.tables["job"][0]
    response = api.head(f"{emulator.base_url}/job/{record['uuid']}.json")
    assert response.status_code in (200, 405), response.status_code


def test_head_on_a_list_never_creates_a_record(wapi: requests.Session, writable: Emulator) -> None:
    """HEAD /X.json is a read (200 like GET, or 405); it must never act as a create."""
    before = _written(wapi, writable, "category")
    response = wapi.head(f"{writable.base_url}/category.json", data=json.dumps({"name": "Made by HEAD"}))
    assert response.status_code in (200, 405), response.status_code
    assert "x-record-uuid" not in response.headers
    assert _written(wapi, writable, "category") == before


# --- 400 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("body", ["{not json", '{"name": "x",}', "", "[1, 2]", '"a string"', "null"])
def test_invalid_json_body_is_400(wapi: requests.Session, writable: Emulator, resource: str, body: str) -> None:
    """A create or update whose body is not a JSON object answers 400 and writes nothing."""
    written = _written(wapi, writable, resource)
    target = writable.account.tables[resource][0]["uuid"]
    before = _one(wapi, writable, resource, target)
    headers = {"Content-Type": "application/json"}
    _assert_error(wapi.post(f"{writable.base_url}/{resource}.json", data=body, headers=headers), 400, "JSON")
    _assert_error(wapi.post(_url(writable, resource, target), data=body, headers=headers), 400, "JSON")
    assert _written(wapi, writable, resource) == written
    assert _one(wapi, writable, resource, target) == before


@pytest.mark.parametrize("resource", RESOURCES)
def test_unknown_field_is_400_naming_it(wapi: requests.Session, writable: Emulator, resource: str) -> None:
    """A field the resource does not have answers 400 naming the field; nothing is written."""
    written = _written(wapi, writable, resource)
    target = writable.account.tables[resource][0]["uuid"]
    before = _one(wapi, writable, resource, target)
    body = {**CREATE_BODIES[resource], "favourite_colour": "teal"}
    _assert_error(wapi.post(f"{writable.base_url}/{resource}.json", json=body), 400, "favourite_colour")
    response = wapi.post(_url(writable, resource, target), json={"favourite_colour": "teal"})
    _assert_error(response, 400, "favourite_colour")
    assert _written(wapi, writable, resource) == written
    assert _one(wapi, writable, resource, target) == before


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(
    "bad", ["specific", {"active": "yes"}, {"active": 2}, {"active": {"a": 1}}, {"active": [1]}],
    ids=["specific", "active-text", "active-2", "active-object", "active-list"],
)
def test_wrong_type_is_400_naming_the_field(
    wapi: requests.Session, writable: Emulator, resource: str, bad: Any
) -> None:
    """A value that does not fit the field's type answers 400 naming the field; nothing is written."""
    body = dict([WRONG_TYPES[resource]]) if bad == "specific" else bad
    (field,) = body
    written = _written(wapi, writable, resource)
    target = writable.account.tables[resource][0]["uuid"]
    before = _one(wapi, writable, resource, target)
    _assert_error(wapi.post(f"{writable.base_url}/{resource}.json", json={**CREATE_BODIES[resource], **body}),
                  400, field)
    _assert_error(wapi.post(_url(writable, resource, target), json=body), 400, field)
    assert _written(wapi, writable, resource) == written
    assert _one(wapi, writable, resource, target) == before


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("allocationwindow", '{"start_time": 1e400}'),
        ("allocationwindow", '{"start_time": ' + "9" * 400 + "}"),
        ("queue", '{"default_timeframe": NaN}'),
        ("staff", '{"lat": 1e400}'),
        ("staff", '{"lng": -Infinity}'),
    ],
    ids=["int-overflow-float", "int-huge-integer", "int-nan", "float-overflow", "float-minus-infinity"],
)
def test_out_of_range_numbers_are_400_and_leave_the_record_valid_json(
    wapi: requests.Session, writable: Emulator, resource: str, body: str
) -> None:
    """Numbers JSON cannot carry back (inf, nan, overflow) are refused with 400, never a 500.

    Whatever the answer, the record must still read back as strict JSON.
    """
    created = wapi.post(f"{writable.base_url}/{resource}.json", json=CREATE_BODIES[resource])
    assert created.status_code == 200, created.text
    target = created.headers["x-record-uuid"]
    response = wapi.post(_url(writable, resource, target), data=body,
                         headers={"Content-Type": "application/json"})
    raw = wapi.get(_url(writable, resource, target)).text

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    json.loads(raw, parse_constant=refuse)
    _assert_error(response, 400)
