"""Conformance to ``servicem8-joballocations-typescript-sdk.md``: the TypeScript SDK's JobAllocations
operations (list, create, get, update, delete), their OAuth scopes, record uuids and errors, point by point.

Each point is tested against the emulator over HTTP and the client against ``strict_servicem8`` (a
server doing exactly what the documents say). Where the emulator follows the vendor's full spec
(``api.json``) beyond the document, the docstring says so.

The SDK's other groups are the same pattern over every resource of the spec (``listNotes``,
``getNotes`` … from ``api.json``'s operations): the last section runs each resource's list and get,
and the writes of the resources smexplore writes, against the emulator over HTTP and through the
client, with each operation's documented scope.
"""

from __future__ import annotations

import copy
import json
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import smexplore as sm
from smexplore.core.schema import Resource
from smexplore.emulator import Account, Emulator
from smexplore.servicem8.resources import get_resource, resource_names
from smexplore.servicem8.writes import WRITABLE
from tests.conformance.strict import StrictServer
from tests.conformance.strict_servicem8 import (
    BAD_REQUEST,
    BASE_PATH,
    EXAMPLE,
    FORBIDDEN,
    READ_SCOPE,
    SERVER_ERROR,
    WRITE_SCOPE,
    StrictServiceM8,
    serve_servicem8,
)
from tests.spec import vendor_spec

KEY = "strict-api-key"
TOKENS = {"tok-read": [READ_SCOPE], "tok-manage": [WRITE_SCOPE], "tok-jobs": ["read_jobs", "manage_jobs"]}
NOT_FOUND = {"errorCode": "404", "message": "Resource not found. The requested record does not exist or has been deleted."}
OK = {"errorCode": 0, "message": "OK"}  # the Result schema's number (the example writes "0")
# The createJobAllocations example, with the SDK's camelCase names in their wire (snake_case) form.
CREATE_EXAMPLE: dict[str, str] = {
    "uuid": "123e4567-d3b4-4bd9-b867-230a693878eb",
    "job_uuid": "123e4567-8ad3-42eb-8e32-230a6bd6079b",
    "queue_uuid": "123e4567-a65c-49df-94ae-230a66f2695b",
    "staff_uuid": "123e4567-e2e0-4ba2-bc86-230a644a435b",
    "allocation_date": "2025-07-01 12:00:00",
    "allocation_window_uuid": "123e4567-14a6-40e7-bc5c-230a6a0d02fb",
    "allocated_by_staff_uuid": "123e4567-3411-486e-a20e-230a67e2a75b",
    "allocated_timestamp": "2025-07-01 12:00:00",
    "expiry_timestamp": "2025-07-01 12:00:00",
    "read_timestamp": "2025-07-01 12:00:00",
    "completion_timestamp": "2025-07-01 12:00:00",
    "acceptance_timestamp": "2025-07-01 12:00:00",
}
SCOPES = {"list": READ_SCOPE, "get": READ_SCOPE, "create": WRITE_SCOPE, "update": WRITE_SCOPE, "delete": WRITE_SCOPE}


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emu(small_account_records: Account) -> Iterator[Emulator]:
    """The emulator with a private copy of the demo account's job allocations (tests write records of their own)."""
    account = Account(seed=0, scale="small", now=small_account_records.now,
                      tables={"joballocation": copy.deepcopy(small_account_records.tables["joballocation"])})
    with Emulator(account=account, tokens=TOKENS, per_minute=100_000, per_day=1_000_000) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def _strict() -> Iterator[tuple[str, StrictServiceM8, StrictServer]]:
    with serve_servicem8() as served:
        yield served


@pytest.fixture
def strict(_strict: tuple[str, StrictServiceM8, StrictServer]) -> tuple[str, StrictServiceM8, StrictServer]:
    """The strict server holding only the OpenAPI document's example record, with ``KEY`` and ``TOKENS``."""
    url, state, app = _strict
    state.reset([EXAMPLE], api_keys=[KEY], tokens=TOKENS)
    app.requests.clear()
    return url, state, app


def _client(url: str, tmp_path: Path, *, oauth_token: str | None = None, **options: Any) -> sm.Session:
    credential = {"oauth_token": oauth_token} if oauth_token else {"api_key": KEY}
    return sm.connect(**credential, base_url=url, cache=tmp_path, progress=False, writable=True, **options)


def _call(emulator: Emulator, method: str, path: str, headers: dict[str, str] | None = None,
          body: dict[str, Any] | None = None) -> requests.Response:
    return requests.request(method, emulator.base_url + path, json=body, timeout=30,
                            headers=headers if headers is not None else {"X-Api-Key": emulator.api_key})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new(emulator: Emulator, **fields: Any) -> str:
    """A job allocation created for one test (through the API key)."""
    created = _call(emulator, "POST", "/joballocation.json", body={"sort_priority": "5", **fields})
    assert created.status_code == 200, created.text
    return created.headers["x-record-uuid"]


def _operation(client: sm.Session, operation: str) -> None:
    """Run one of the SDK's operations through the client, on the example record."""
    target = EXAMPLE["uuid"]
    {
        "list": lambda: client.allocations(),
        "get": lambda: client.get("joballocation", target),
        "create": lambda: client.create("joballocation", sort_priority="1"),
        "update": lambda: client.update("joballocation", target, sort_priority="2"),
        "delete": lambda: client.delete("joballocation", target),
    }[operation]()


# --- available operations -------------------------------------------------------------------------
def test_available_operations_are_list_create_get_update_delete(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"Available Operations": listJobAllocations, createJobAllocations, getJobAllocations,
    updateJobAllocations, deleteJobAllocations — each answered on its path and verb, and each sent so by
    the client (``allocations``, ``create``, ``get``, ``update``, ``delete``)."""
    new = _new(emu)
    for method, path in [("GET", "/joballocation.json"), ("GET", f"/joballocation/{new}.json"),
                         ("POST", f"/joballocation/{new}.json"), ("DELETE", f"/joballocation/{new}.json")]:
        response = _call(emu, method, path, body={"sort_priority": "6"} if method == "POST" else None)
        assert response.status_code == 200, (method, path, response.text)
    url, _, app = strict
    client = _client(url, tmp_path)
    for operation in SCOPES:
        _operation(client, operation)
    record = f"{BASE_PATH}/joballocation/{EXAMPLE['uuid']}.json"
    sent = [(r.method, r.path) for r in app.requests]
    assert sent == [("GET", f"{BASE_PATH}/joballocation.json"), ("GET", record),
                    ("POST", f"{BASE_PATH}/joballocation.json"), ("POST", record), ("DELETE", record)]


@pytest.mark.parametrize("operation", SCOPES)
def test_operation_requires_its_documented_scope(emu: Emulator, strict: tuple, tmp_path: Path, operation: str) -> None:
    """"This endpoint requires the following OAuth scope": **read_schedule** for list and get,
    **manage_schedule** for create, update and delete. Without it: 403 and the documented body; the
    client names the scope; with it, the operation is done."""
    needed = SCOPES[operation]
    wrong = "tok-manage" if needed == READ_SCOPE else "tok-read"
    right = "tok-read" if needed == READ_SCOPE else "tok-manage"
    target = _new(emu)
    method, path = {"list": ("GET", "/joballocation.json"), "get": ("GET", f"/joballocation/{target}.json"),
                    "create": ("POST", "/joballocation.json"), "update": ("POST", f"/joballocation/{target}.json"),
                    "delete": ("DELETE", f"/joballocation/{target}.json")}[operation]
    body = {"sort_priority": "3"} if method == "POST" else None
    for token in (wrong, "tok-jobs"):
        refused = _call(emu, method, path, _bearer(token), body)
        assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert _call(emu, method, path, _bearer(right), body).status_code == 200
    url, state, app = strict
    before = copy.deepcopy(state.records)
    with pytest.raises(sm.ForbiddenError, match=f"needs the OAuth scope '{needed}'"):
        _operation(_client(url, tmp_path, oauth_token=wrong), operation)
    assert state.records == before and len(app.requests) == 1
    _operation(_client(url, tmp_path / "right", oauth_token=right), operation)


# --- create ---------------------------------------------------------------------------------------
def test_create_uuid_is_optional_and_returned_in_x_record_uuid(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"UUID is optional for record creation. If no UUID is supplied, a UUID will be automatically generated
    for the new record and returned in the ``x-record-uuid`` response header." (The body, not in the
    document, is the full spec's Result: {"errorCode": 0, "message": "OK"}.)"""
    created = _call(emu, "POST", "/joballocation.json", body={"sort_priority": "4"})
    assert created.status_code == 200 and created.json() == OK
    new = str(uuidlib.UUID(created.headers["x-record-uuid"]))
    assert _call(emu, "GET", f"/joballocation/{new}.json").json()["sort_priority"] == "4"
    url, state, app = strict
    made = _client(url, tmp_path).create("joballocation", sort_priority="4")
    assert "uuid" not in json.loads(app.requests[0].body)
    assert made in state.records and state.records[made]["sort_priority"] == "4"


def test_create_honours_a_supplied_uuid(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """The example creates with its own ``uuid``: the record takes it. The strict server sends no
    ``x-record-uuid`` then (the document promises one only for a generated uuid): the client still
    returns the uuid."""
    mine = str(uuidlib.uuid4())
    created = _call(emu, "POST", "/joballocation.json", body={"uuid": mine, "sort_priority": "8"})
    assert created.status_code == 200
    assert _call(emu, "GET", f"/joballocation/{mine}.json").json()["uuid"] == mine
    url, state, app = strict
    assert _client(url, tmp_path).create("joballocation", uuid=mine, sort_priority="8") == mine
    assert "x-record-uuid" not in {h.lower() for h in app.requests[0].headers}
    assert state.records[mine]["sort_priority"] == "8"


def test_create_example_is_accepted_and_sent_as_documented(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """The createJobAllocations example (uuid, jobUuid … acceptanceTimestamp, timestamps "2025-07-01
    12:00:00"): the emulator stores it as sent; the client sends those fields in that form."""
    mine = {**CREATE_EXAMPLE, "uuid": str(uuidlib.uuid4())}
    assert _call(emu, "POST", "/joballocation.json", body=mine).status_code == 200
    stored = _call(emu, "GET", f"/joballocation/{mine['uuid']}.json").json()
    assert {name: stored[name] for name in mine} == mine
    url, state, app = strict
    fields = {name: value for name, value in CREATE_EXAMPLE.items() if name != "uuid"}
    made = _client(url, tmp_path).create("joballocation", uuid=CREATE_EXAMPLE["uuid"], **fields)
    assert json.loads(app.requests[0].body) == CREATE_EXAMPLE
    assert made == CREATE_EXAMPLE["uuid"] and state.records[made]["active"] == 1


# --- get, update ----------------------------------------------------------------------------------
def test_get_retrieves_one_job_allocation(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """getJobAllocations({uuid}): "Retrieve a Job Allocation" — one record, the same as listed."""
    listed = _call(emu, "GET", "/joballocation.json").json()[3]
    one = _call(emu, "GET", f"/joballocation/{listed['uuid']}.json")
    assert one.status_code == 200 and one.json() == listed
    url, _, _ = strict
    frame = _client(url, tmp_path).get("joballocation", EXAMPLE["uuid"])
    assert len(frame) == 1 and frame["uuid"].iloc[0] == EXAMPLE["uuid"]
    assert frame["staff_uuid"].iloc[0] == EXAMPLE["staff_uuid"]


def test_update_changes_the_fields_sent(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """updateJobAllocations({uuid, jobAllocation}): the example's body (its ``uuid`` included, which
    cannot move the record) updates the record at ``uuid``; the client sends only the fields changed."""
    target = _new(emu)
    answer = _call(emu, "POST", f"/joballocation/{target}.json", body=CREATE_EXAMPLE)
    assert answer.status_code == 200 and answer.json() == OK
    stored = _call(emu, "GET", f"/joballocation/{target}.json").json()
    assert stored["uuid"] == target and stored["staff_uuid"] == CREATE_EXAMPLE["staff_uuid"]
    assert stored["expiry_timestamp"] == CREATE_EXAMPLE["expiry_timestamp"]
    url, state, app = strict
    _client(url, tmp_path).update("joballocation", EXAMPLE["uuid"], read_timestamp="2026-03-02 09:30:00")
    assert json.loads(app.requests[0].body) == {"read_timestamp": "2026-03-02 09:30:00"}
    assert state.records[EXAMPLE["uuid"]]["read_timestamp"] == "2026-03-02 09:30:00"
    assert state.records[EXAMPLE["uuid"]]["staff_uuid"] == EXAMPLE["staff_uuid"]


# --- delete ---------------------------------------------------------------------------------------
def test_delete_sets_active_to_0_and_the_record_stays_accessible(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"In ServiceM8, deleting a record sets its ``active`` field to ``0``. Inactive records are still
    accessible on the API": it still gets and lists; the client hides it unless asked for."""
    target = _new(emu)
    answer = _call(emu, "DELETE", f"/joballocation/{target}.json")
    assert answer.status_code == 200 and answer.json() == OK
    assert _call(emu, "GET", f"/joballocation/{target}.json").json()["active"] == 0
    assert target in {r["uuid"] for r in _call(emu, "GET", "/joballocation.json").json()}
    url, state, _ = strict
    client = _client(url, tmp_path)
    client.delete("joballocation", EXAMPLE["uuid"])
    assert state.records[EXAMPLE["uuid"]]["active"] == 0
    assert client.allocations().empty
    assert not client.allocations(include_inactive=True).set_index("uuid").loc[EXAMPLE["uuid"], "active"]


def test_inactive_records_are_restored_by_setting_active_to_1(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"Inactive records can be restored by setting their ``active`` field to ``1``."""
    target = _new(emu)
    assert _call(emu, "DELETE", f"/joballocation/{target}.json").status_code == 200
    assert _call(emu, "POST", f"/joballocation/{target}.json", body={"active": 1}).status_code == 200
    assert _call(emu, "GET", f"/joballocation/{target}.json").json()["active"] == 1
    url, state, app = strict
    state.records[EXAMPLE["uuid"]]["active"] = 0
    client = _client(url, tmp_path)
    client.restore("joballocation", EXAMPLE["uuid"])
    assert (app.requests[0].method, json.loads(app.requests[0].body)) == ("POST", {"active": 1})
    assert list(client.allocations()["uuid"]) == [EXAMPLE["uuid"]]


def test_deleting_a_deleted_record_is_404(emu: Emulator, tmp_path: Path) -> None:
    """The full spec (api.json, deleteJobAllocations): "404 Not Found - The record to delete does not
    exist or has already been deleted" (the SDK document lists 4XX as ``APIError``). The client raises a
    ``NotFoundError`` that says so."""
    target = _new(emu)
    assert _call(emu, "DELETE", f"/joballocation/{target}.json").status_code == 200
    again = _call(emu, "DELETE", f"/joballocation/{target}.json")
    assert (again.status_code, again.json()) == (404, NOT_FOUND)
    assert _call(emu, "GET", f"/joballocation/{target}.json").json()["active"] == 0
    client = sm.connect(emu.api_key, base_url=emu.base_url, cache=tmp_path, progress=False, writable=True)
    with pytest.raises(sm.NotFoundError, match="deleted already"):
        client.delete("joballocation", target)


# --- errors and retries -----------------------------------------------------------------------------
def test_400_is_an_error_t_with_a_json_body(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"errors.ErrorT | 400 | application/json": the emulator refuses a bad create with the spec's 400
    body form (errorCode "1000", a message saying what is wrong); the client reports the API's message."""
    refused = _call(emu, "POST", "/joballocation.json", body={"no_such_field": "x"})
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith("application/json")
    assert refused.json()["errorCode"] == BAD_REQUEST["errorCode"] and "no_such_field" in refused.json()["message"]
    url, state, _ = strict
    state.fail_next("400")
    with pytest.raises(sm.APIError, match=BAD_REQUEST["message"]) as caught:
        _client(url, tmp_path).create("joballocation", sort_priority="1")
    assert caught.value.status == 400 and len(state.records) == 1


def test_5xx_is_an_api_error_and_a_write_is_not_repeated(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"errors.APIError | 4XX, 5XX": a 500 to a write is the documented body, and nothing is written. The
    client reports it at once: unlike the SDK's retries of every 5XX, it never repeats a write that may
    have been half applied."""
    count = len(_call(emu, "GET", "/joballocation.json").json())
    emu.faults.fail_next(1, status=500)
    try:
        failed = _call(emu, "POST", "/joballocation.json", body={"sort_priority": "9"})
    finally:
        emu.faults.clear()
    assert (failed.status_code, failed.json()) == (500, SERVER_ERROR)
    assert len(_call(emu, "GET", "/joballocation.json").json()) == count
    url, state, app = strict
    state.fail_next("500")
    with pytest.raises(sm.APIError, match="HTTP 500") as caught:
        _client(url, tmp_path).update("joballocation", EXAMPLE["uuid"], sort_priority="3")
    assert caught.value.status == 500 and len(app.requests) == 1


def test_retries_option_retries_a_refused_write(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """``options.retries`` (RetryConfig; the spec retries 429): a 429 applied nothing, so the client sends
    the write again, within its ``retry_budget``; the emulator's 429 leaves the record unwritten."""
    emu.faults.rate_limit_next(1)
    try:
        refused = _call(emu, "POST", "/joballocation.json", body={"uuid": str(uuidlib.uuid4())})
    finally:
        emu.faults.clear()
    assert refused.status_code == 429
    assert _call(emu, "GET", f"/joballocation/{json.loads(refused.request.body)['uuid']}.json").status_code == 404
    url, state, app = strict
    state.fail_next("429-minute")
    made = _client(url, tmp_path).create("joballocation", sort_priority="1")
    assert len(app.requests) == 2 and list(state.records) == [EXAMPLE["uuid"], made]


def test_api_key_from_servicem8_api_key(emu: Emulator, strict: tuple, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' ``security: {apiKey: process.env["SERVICEM8_API_KEY"]}``: with no key given, the
    client reads ``$SERVICEM8_API_KEY`` (and sends it in ``X-Api-Key``)."""
    monkeypatch.setenv("SERVICEM8_API_KEY", emu.api_key)
    assert not sm.connect(base_url=emu.base_url, cache=tmp_path / "emu", progress=False).allocations().empty
    monkeypatch.setenv("SERVICEM8_API_KEY", KEY)
    url, _, app = strict
    assert len(sm.connect(base_url=url, cache=tmp_path, progress=False).allocations()) == 1
    assert app.requests[0].headers["X-Api-Key"] == KEY


# --- every resource: the SDK's list and get, and the writes smexplore makes (issue 23) ---------------
_VERBS = {("list", "get"): "list", ("list", "post"): "create", ("record", "get"): "get", ("record", "post"): "update",
          ("record", "delete"): "delete"}


def _sdk_operations(spec: Resource) -> dict[str, tuple[str, str, str]]:
    """The SDK's operations on a resource, from ``api.json``: operation → (its operationId, verb, path)."""
    paths = vendor_spec()["paths"]
    found = {}
    for where, path in (("list", spec.path), ("record", spec.record("{uuid}"))):
        for verb, operation in paths[path].items():
            if (where, verb) in _VERBS:
                found[_VERBS[(where, verb)]] = (operation["operationId"], verb.upper(), path)
    return found


def _scopes() -> list[str]:
    return sorted({scope for name in resource_names() for scope in get_resource(name).scopes.values()})


@pytest.fixture(scope="module")
def every() -> Iterator[Emulator]:
    """The whole demo account, with a bearer token per documented scope (``tok-<scope>``)."""
    tokens = {f"tok-{scope}": [scope] for scope in _scopes()} | {"tok-all": _scopes()}
    with Emulator(tokens=tokens, per_minute=100_000, per_day=1_000_000) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def every_client(every: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.Session]:
    with sm.connect(oauth_token="tok-all", base_url=every.base_url, cache=tmp_path_factory.mktemp("every"),
                    progress=False, writable=True) as client:
        yield client


def _other_scope(needed: str) -> str:
    return "read_jobs" if needed != "read_jobs" else "read_schedule"


def test_the_spec_gives_every_resource_a_list_and_a_get() -> None:
    """Every resource has the SDK's list and get (``listX``, ``getX``) on the paths smexplore reads, with
    the scopes its table names; writes exist as the spec has them, and no others."""
    for name in resource_names():
        spec = get_resource(name)
        operations = _sdk_operations(spec)
        assert {"list", "get"} <= set(operations), name
        assert operations["list"][0].startswith("list") and operations["get"][0].startswith("get"), operations
        assert set(operations) == set(spec.scopes), name
    assert _sdk_operations(get_resource("note"))["get"][2] == "/dbonote/{uuid}.json"


@pytest.mark.parametrize("resource", resource_names())
def test_list_and_get_of_every_resource(every: Emulator, every_client: sm.Session, resource: str) -> None:
    """listX and getX: the emulator answers each on its path with its documented scope (403 and the
    documented body without it); the client's ``frame`` and ``get`` return the same records."""
    spec = get_resource(resource)
    operations = _sdk_operations(spec)
    listed = _call(every, "GET", spec.path, _bearer(f"tok-{spec.scopes['list']}"))
    assert listed.status_code == 200, (operations["list"][0], listed.text)
    records = listed.json()
    assert isinstance(records, list) and records, operations["list"][0]
    refused = _call(every, "GET", spec.path, _bearer(f"tok-{_other_scope(spec.scopes['list'])}"))
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    first = records[0]
    one = _call(every, "GET", spec.record(first["uuid"]), _bearer(f"tok-{spec.scopes['get']}"))
    assert one.status_code == 200 and one.json() == first, operations["get"][0]
    frame = every_client.frame(resource, include_inactive=True)
    assert sorted(frame["uuid"]) == sorted(r["uuid"] for r in records)
    got = every_client.get(resource, first["uuid"])
    assert list(got.columns) == list(frame.columns) and got["uuid"][0] == first["uuid"]
    if resource not in WRITABLE:  # the SDK may write it; smexplore refuses, before any request
        every.log.clear()
        with pytest.raises(sm.ReadOnlyError, match="on purpose"):
            every_client.update(resource, first["uuid"], active=1)
        assert every.log.entries() == []


def _create_fields(client: sm.Session, resource: str) -> dict[str, Any]:
    """A valid create for each resource smexplore writes (the spec's required fields and a few more)."""
    job, staff = client.jobs().uuid[0], client.staff().uuid[0]
    return {
        "job": {"status": "Quote", "job_description": "From the SDK test"},
        "jobactivity": {"job_uuid": job, "staff_uuid": staff, "start_date": "2026-03-10 08:00",
                        "end_date": "2026-03-10 10:00", "activity_was_scheduled": 1},
        "joballocation": {"job_uuid": job, "staff_uuid": staff, "allocation_date": "2026-03-10 08:00"},
        "staff": {"first": "Sam", "last": "Conform", "email": "sam.conform@example.com"},
        "company": {"name": "Conformance Pty Ltd"},
        "category": {"name": "Conformance"},
        "allocationwindow": {"name": "Conformance"},
        "queue": {"name": "Conformance"},
        "note": {"related_object": "job", "related_object_uuid": job, "note": "From the SDK test"},
        "jobcontact": {"job_uuid": job, "first": "Maya", "last": "Conform", "type": "JOB"},
        "task": {"name": "From the SDK test", "related_object": "job", "related_object_uuid": job},
    }[resource]


_CHANGED = {"job": {"job_description": "Changed"}, "jobactivity": {"travel_time_in_seconds": 600},
            "joballocation": {"sort_priority": "3"}, "staff": {"last": "Changed"}, "company": {"name": "Changed"},
            "category": {"name": "Changed"}, "allocationwindow": {"name": "Changed"}, "queue": {"name": "Changed"},
            "note": {"note": "Changed"}, "jobcontact": {"last": "Changed"}, "task": {"name": "Changed"}}


@pytest.mark.parametrize("resource", sorted(WRITABLE))
def test_writes_of_every_writable_resource(every: Emulator, every_client: sm.Session, tmp_path: Path,
                                           resource: str) -> None:
    """createX, updateX, deleteX of the resources smexplore writes: each needs its documented scope at the
    emulator (403 and the documented body without it), and the client's create, update, delete and
    restore go to the spec's paths (a note's record is ``/dbonote/{uuid}.json``) and read back."""
    spec = get_resource(resource)
    operations = _sdk_operations(spec)
    assert {"create", "update", "delete"} <= set(operations)
    fields = _create_fields(every_client, resource)
    assert spec.scopes["create"] != spec.scopes["list"] and spec.scopes["update"] != spec.scopes["list"]
    refused = _call(every, "POST", spec.path, _bearer(f"tok-{spec.scopes['list']}"), {"uuid": str(uuidlib.uuid4())})
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN), operations["create"][0]
    every.log.clear()
    made = every_client.create(resource, **fields)
    updated = next(iter(_CHANGED[resource].items()))
    every_client.update(resource, made, **_CHANGED[resource])
    assert every_client.get(resource, made)[updated[0]][0] == updated[1]
    every_client.delete(resource, made)
    assert made not in set(every_client.frame(resource).uuid)
    assert not every_client.frame(resource, include_inactive=True).set_index("uuid").loc[made, "active"]
    every_client.restore(resource, made)
    assert made in set(every_client.frame(resource).uuid)
    record = spec.record(made)
    writes = [(e.method, e.path.removeprefix(BASE_PATH)) for e in every.log.entries() if e.method != "GET"]
    assert writes == [("POST", spec.path), ("POST", record), ("DELETE", record), ("POST", record)]
    reader = sm.connect(oauth_token=f"tok-{spec.scopes['list']}", base_url=every.base_url, cache=tmp_path,
                        progress=False, writable=True)
    with pytest.raises(sm.ForbiddenError, match=spec.scopes["update"]):
        reader.update(resource, made, **_CHANGED[resource])
