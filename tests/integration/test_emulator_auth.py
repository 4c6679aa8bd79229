"""Authentication and OAuth scopes over real HTTP.

Missing or wrong credentials answer 401 with the documented body; a bearer token is let through
only where it carries the endpoint's scope, and is refused with the documented 403 body otherwise
(which names no scope: the client names it, see ``tests/conformance/test_servicem8_openapi.py``).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from smexplore.emulator import DEMO_API_KEY, Account, Emulator
from smexplore.servicem8.resources import get_resource

# The documented bodies (shared/reference/servicem8-api.md §4), written out here on purpose.
UNAUTHORIZED = {"errorCode": "401", "message": "Authentication failed. Please check your API key or OAuth token."}
FORBIDDEN = {"errorCode": "403", "message": "Access forbidden. You don't have permission to access this resource."}

# Resource → (read scope, write scope), from the reference's scope table (§5), for the resources with a
# read scope and a write scope apart and every operation (badges and templates read and write under one
# scope, the vendor record and security roles are read-only, assets cannot be created: tested below).
SCOPES: dict[str, tuple[str, str]] = {
    "jobactivity": ("read_schedule", "manage_schedule"),
    "joballocation": ("read_schedule", "manage_schedule"),
    "allocationwindow": ("read_schedule", "manage_schedule"),
    "job": ("read_jobs", "manage_jobs"),
    "staff": ("read_staff", "manage_staff"),
    "company": ("read_customers", "manage_customers"),
    "category": ("read_job_categories", "manage_job_categories"),
    "queue": ("read_job_queues", "manage_job_queues"),
    "companycontact": ("read_customer_contacts", "manage_customer_contacts"),
    "jobcontact": ("read_job_contacts", "manage_job_contacts"),
    "jobmaterial": ("read_job_materials", "manage_job_materials"),
    "material": ("read_inventory", "manage_inventory"),
    "note": ("read_job_notes", "publish_job_notes"),
    "attachment": ("read_attachments", "manage_attachments"),
    "task": ("read_tasks", "manage_tasks"),
    "location": ("read_locations", "manage_locations"),
    "assettype": ("read_assets", "manage_assets"),
    "knowledgearticle": ("read_knowledge", "manage_knowledge"),
}
# Read and written under one scope; read-only under one.
SHARED_SCOPES = {"badge": "manage_badges", "emailtemplate": "manage_templates"}
READ_ONLY = {"vendor": "vendor", "securityrole": "read_security_roles"}
READ_SCOPES = sorted({read for read, _ in SCOPES.values()} | set(READ_ONLY.values()))
WRITE_SCOPES = sorted({write for _, write in SCOPES.values()} | set(SHARED_SCOPES.values()) | {"create_jobs"})
ALL_SCOPES = READ_SCOPES + WRITE_SCOPES
CREATE_BODIES: dict[str, dict[str, Any]] = {
    "staff": {"first": "Scoped", "last": "Person", "email": "scoped@example.com"},
    "job": {"status": "Quote"},
    "jobactivity": {"start_date": "2026-03-03 09:00:00"},
    "joballocation": {"sort_priority": "1"},
    "company": {"name": "Scoped Pty Ltd"},
    "category": {"name": "Scoped"},
    "allocationwindow": {"name": "Scoped", "start_time": 60},
    "queue": {"name": "Scoped"},
    "companycontact": {"first": "Scoped"},
    "jobcontact": {"first": "Scoped", "type": "JOB"},
    "jobmaterial": {"quantity": "1"},
    "material": {"name": "Scoped"},
    "note": {"note": "Scoped"},
    "attachment": {"attachment_name": "scoped.pdf"},
    "task": {"name": "Scoped"},
    "location": {"name": "Scoped"},
    "assettype": {"name": "Scoped"},
    "knowledgearticle": {"name": "Scoped"},
    "badge": {"name": "Scoped"},
    "emailtemplate": {"name": "Scoped"},
}


def _token(*scopes: str) -> str:
    """The bearer token configured with exactly these scopes."""
    return "tok-" + "+".join(sorted(scopes)) if scopes else "tok-none"


TOKENS: dict[str, list[str]] = {
    _token(): [],
    **{_token(scope): [scope] for scope in ALL_SCOPES},
    _token(*READ_SCOPES): READ_SCOPES,
    _token("read_jobs", "create_jobs"): ["read_jobs", "create_jobs"],
    _token("read_staff", "manage_staff"): ["read_staff", "manage_staff"],
}


@pytest.fixture(scope="module")
def scoped() -> Iterator[Emulator]:
    """An emulator that accepts the module's tokens (writes here create or touch their own records)."""
    with Emulator(seed=0, scale="small", tokens=TOKENS, per_minute=100_000, per_day=1_000_000) as emu:
        yield emu


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _record(emu: Emulator, resource: str, index: int = 0) -> str:
    return emu.account.tables[resource][index]["uuid"]


def _url(emu: Emulator, resource: str, record_uuid: str) -> str:
    """One record's URL: its resource's record path (``/dbonote/{uuid}.json`` for a note)."""
    return emu.base_url + get_resource(resource).record(record_uuid)


def _assert_forbidden(response: requests.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == FORBIDDEN


# --- 401 --------------------------------------------------------------------------------------
BAD_CREDENTIALS: dict[str, dict[str, str]] = {
    "missing": {},
    "wrong-key": {"X-Api-Key": "not-the-key"},
    "key-in-wrong-case": {"X-Api-Key": DEMO_API_KEY.upper()},
    "empty-key": {"X-Api-Key": ""},
    "wrong-bearer": _bearer("no-such-token"),
    "empty-bearer": {"Authorization": "Bearer "},
    "key-as-bearer": _bearer(DEMO_API_KEY),
    "token-without-scheme": {"Authorization": _token(*READ_SCOPES)},
    "basic-auth": {"Authorization": "Basic dXNlcjpwYXNz"},
    "wrong-key-with-good-token": {"X-Api-Key": "not-the-key", **_bearer(_token(*READ_SCOPES))},
}


@pytest.mark.parametrize("headers", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize(("method", "path"), [("GET", "/job.json"), ("GET", "/staff/{uuid}.json"),
                                              ("POST", "/category.json"), ("DELETE", "/company/{uuid}.json")])
def test_bad_credentials_are_401_with_the_documented_body(
    scoped: Emulator, headers: dict[str, str], method: str, path: str
) -> None:
    """No key, a wrong key or an unknown bearer token answers 401 and the spec's body, and writes nothing."""
    resource = path.split("/")[1].removesuffix(".json")
    url = scoped.base_url + (path.format(uuid=_record(scoped, resource, 3)) if "{uuid}" in path else path)
    body = {"name": "Should not exist"} if method == "POST" else None
    # What a write would have changed: the category list (create) or the record (delete).
    witness = f"{scoped.base_url}/category.json" if method == "POST" else url
    before = requests.get(witness, headers={"X-Api-Key": scoped.api_key}).json() if method != "GET" else None
    response = requests.request(method, url, headers=headers, json=body)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == UNAUTHORIZED
    if method != "GET":
        assert requests.get(witness, headers={"X-Api-Key": scoped.api_key}).json() == before


@pytest.mark.parametrize("header", ["X-Api-Key", "X-API-Key", "x-api-key"])
def test_api_key_header_name_is_case_insensitive(scoped: Emulator, header: str) -> None:
    """The key is accepted whatever the header name's case (n8n sends X-API-Key)."""
    response = requests.get(f"{scoped.base_url}/category.json", headers={header: scoped.api_key})
    assert response.status_code == 200
    assert {r["uuid"] for r in scoped.account.tables["category"]} <= {r["uuid"] for r in response.json()}


def test_api_key_may_do_everything(scoped: Emulator) -> None:
    """An API key carries no scopes: it reads and writes every resource."""
    headers = {"X-Api-Key": scoped.api_key}
    for resource in SCOPES:
        assert requests.get(f"{scoped.base_url}/{resource}.json", headers=headers).status_code == 200
        created = requests.post(f"{scoped.base_url}/{resource}.json", headers=headers, json=CREATE_BODIES[resource])
        assert created.status_code == 200, (resource, created.text)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_scheme_is_case_insensitive(scoped: Emulator, scheme: str) -> None:
    """``Authorization: bearer TOKEN`` works like ``Bearer``."""
    response = requests.get(f"{scoped.base_url}/job.json", params={"$filter": "generated_job_id eq '1001'"},
                            headers={"Authorization": f"{scheme} {_token('read_jobs')}"})
    assert response.status_code == 200
    assert [r["generated_job_id"] for r in response.json()] == ["1001"]


# --- read scopes ------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", SCOPES)
@pytest.mark.parametrize("operation", ["list", "get"])
def test_read_scope_lets_the_token_read(
    scoped: Emulator, small_account_records: Account, resource: str, operation: str
) -> None:
    """A token with the resource's read scope lists and gets it."""
    read, _ = SCOPES[resource]
    for token in (_token(read), _token(*READ_SCOPES)):
        if operation == "list":
            response = requests.get(f"{scoped.base_url}/{resource}.json", headers=_bearer(token))
            assert response.status_code == 200, response.text
            expected = [r["uuid"] for r in small_account_records.tables[resource]]
            assert [r["uuid"] for r in response.json()][: len(expected)] == expected  # then any records created here
        else:
            wanted = small_account_records.tables[resource][1]
            response = requests.get(_url(scoped, resource, wanted['uuid']), headers=_bearer(token))
            assert response.status_code == 200, response.text
            assert response.json()["uuid"] == wanted["uuid"]


@pytest.mark.parametrize("resource", SCOPES)
@pytest.mark.parametrize("operation", ["list", "get"])
def test_read_without_the_scope_is_the_documented_403(scoped: Emulator, resource: str, operation: str) -> None:
    """Every other scope (read or write), or none, is refused with the documented 403."""
    read, _ = SCOPES[resource]
    path = f"/{resource}.json" if operation == "list" else get_resource(resource).record(_record(scoped, resource))
    others = [scope for scope in ALL_SCOPES if scope != read]
    for token in [_token(), *(_token(scope) for scope in others)]:
        _assert_forbidden(requests.get(scoped.base_url + path, headers=_bearer(token)))


def test_forbidden_reads_do_not_leak_data(scoped: Emulator) -> None:
    """A 403 carries only the error body, no records."""
    response = requests.get(f"{scoped.base_url}/staff.json", headers=_bearer(_token("read_jobs")))
    _assert_forbidden(response)
    assert "@harbourtrades" not in response.text


# --- write scopes -----------------------------------------------------------------------------
@pytest.mark.parametrize("resource", SCOPES)
def test_manage_scope_lets_the_token_write(scoped: Emulator, resource: str) -> None:
    """A token with the manage_* scope creates, updates and deletes (and nothing else is needed)."""
    _, write = SCOPES[resource]
    headers = _bearer(_token(write))
    created = requests.post(f"{scoped.base_url}/{resource}.json", headers=headers, json=CREATE_BODIES[resource])
    assert created.status_code == 200, created.text
    new_uuid = created.headers["x-record-uuid"]
    updated = requests.post(_url(scoped, resource, new_uuid), headers=headers, json={"active": 1})
    assert updated.status_code == 200, updated.text
    deleted = requests.delete(_url(scoped, resource, new_uuid), headers=headers)
    assert deleted.status_code == 200, deleted.text
    record = requests.get(_url(scoped, resource, new_uuid), headers={"X-Api-Key": scoped.api_key})
    assert record.json()["active"] == 0


@pytest.mark.parametrize("resource", SCOPES)
def test_writes_without_the_scope_are_the_documented_403_and_change_nothing(scoped: Emulator, resource: str) -> None:
    """The read scope (or another resource's manage scope) does not allow writes: the documented 403."""
    read, write = SCOPES[resource]
    target = _record(scoped, resource, 9 if len(scoped.account.tables[resource]) > 20 else 1)
    key = {"X-Api-Key": scoped.api_key}
    before = requests.get(_url(scoped, resource, target), headers=key).json()
    count = len(requests.get(f"{scoped.base_url}/{resource}.json", headers=key).json())
    wrong_write = next(scope for scope in WRITE_SCOPES if scope not in (write, "create_jobs"))
    for token in (_token(read), _token(*READ_SCOPES), _token(wrong_write), _token()):
        headers = _bearer(token)
        mine = str(uuidlib.uuid4())
        _assert_forbidden(requests.post(f"{scoped.base_url}/{resource}.json", headers=headers,
                                        json={**CREATE_BODIES[resource], "uuid": mine}))
        _assert_forbidden(requests.post(_url(scoped, resource, target), headers=headers,
                                        json={"active": 0}))
        _assert_forbidden(requests.delete(_url(scoped, resource, target), headers=headers))
        assert requests.get(_url(scoped, resource, mine), headers=key).status_code == 404
    assert requests.get(_url(scoped, resource, target), headers=key).json() == before
    assert len(requests.get(f"{scoped.base_url}/{resource}.json", headers=key).json()) == count


@pytest.mark.parametrize("resource", SHARED_SCOPES)
def test_one_scope_reads_and_writes_badges_and_templates(scoped: Emulator, resource: str) -> None:
    """Badges and templates have one scope for reading and writing (there is no read_badges); every
    other scope, and none, is refused."""
    scope = SHARED_SCOPES[resource]
    headers = _bearer(_token(scope))
    listed = requests.get(f"{scoped.base_url}/{resource}.json", headers=headers)
    assert listed.status_code == 200 and listed.json()
    assert requests.get(_url(scoped, resource, listed.json()[0]["uuid"]), headers=headers).status_code == 200
    created = requests.post(f"{scoped.base_url}/{resource}.json", headers=headers, json=CREATE_BODIES[resource])
    assert created.status_code == 200, created.text
    mine = created.headers["x-record-uuid"]
    assert requests.post(_url(scoped, resource, mine), headers=headers, json={"name": "Renamed"}).status_code == 200
    assert requests.delete(_url(scoped, resource, mine), headers=headers).status_code == 200
    for token in (_token(), _token(*READ_SCOPES), _token(next(w for w in WRITE_SCOPES if w != scope))):
        _assert_forbidden(requests.get(f"{scoped.base_url}/{resource}.json", headers=_bearer(token)))
        _assert_forbidden(requests.post(f"{scoped.base_url}/{resource}.json", headers=_bearer(token),
                                        json=CREATE_BODIES[resource]))


@pytest.mark.parametrize("resource", READ_ONLY)
def test_read_only_resources_read_under_their_scope_and_take_no_writes(scoped: Emulator, resource: str) -> None:
    """The vendor record and security roles are read under their scope; no scope, nor an API key, writes them
    (the spec has no such operation: 405)."""
    scope = READ_ONLY[resource]
    listed = requests.get(f"{scoped.base_url}/{resource}.json", headers=_bearer(_token(scope)))
    assert listed.status_code == 200, listed.text
    target = listed.json()[0]["uuid"]
    assert requests.get(_url(scoped, resource, target), headers=_bearer(_token(scope))).json()["uuid"] == target
    others = [other for other in ALL_SCOPES if other != scope]
    for token in (_token(), *(_token(other) for other in others)):
        _assert_forbidden(requests.get(f"{scoped.base_url}/{resource}.json", headers=_bearer(token)))
    for headers in (_bearer(_token(scope)), {"X-Api-Key": scoped.api_key}):
        created = requests.post(f"{scoped.base_url}/{resource}.json", headers=headers, json={"name": "x"})
        assert created.status_code == 405
        assert requests.post(_url(scoped, resource, target), headers=headers, json={"name": "x"}).status_code == 405
        assert requests.delete(_url(scoped, resource, target), headers=headers).status_code == 405
    unchanged = requests.get(_url(scoped, resource, target), headers={"X-Api-Key": scoped.api_key}).json()
    assert unchanged == listed.json()[0]


@pytest.mark.parametrize("scope", ["create_jobs", "manage_jobs"])
def test_job_create_takes_create_jobs_or_manage_jobs(scoped: Emulator, scope: str) -> None:
    """Creating a job needs create_jobs (the spec) — manage_jobs, full job access, also does."""
    response = requests.post(f"{scoped.base_url}/job.json", headers=_bearer(_token(scope)), json={"status": "Quote"})
    assert response.status_code == 200, response.text
    assert response.json() == {"errorCode": 0, "message": "OK"}


def test_create_jobs_does_not_allow_job_updates_or_deletes(scoped: Emulator) -> None:
    """create_jobs only creates: updating or deleting a job needs manage_jobs."""
    headers = _bearer(_token("read_jobs", "create_jobs"))
    created = requests.post(f"{scoped.base_url}/job.json", headers=headers, json={"status": "Quote"})
    assert created.status_code == 200, created.text
    new_uuid = created.headers["x-record-uuid"]
    _assert_forbidden(requests.post(f"{scoped.base_url}/job/{new_uuid}.json", headers=headers,
                                    json={"status": "Work Order"}))
    _assert_forbidden(requests.delete(f"{scoped.base_url}/job/{new_uuid}.json", headers=headers))
    record = requests.get(f"{scoped.base_url}/job/{new_uuid}.json", headers=headers)
    assert record.status_code == 200
    assert (record.json()["status"], record.json()["active"]) == ("Quote", 1)


def test_a_token_with_several_scopes_uses_each(scoped: Emulator) -> None:
    """A token carrying read_staff and manage_staff reads and writes staff, but not jobs."""
    headers = _bearer(_token("read_staff", "manage_staff"))
    assert requests.get(f"{scoped.base_url}/staff.json", headers=headers).status_code == 200
    created = requests.post(f"{scoped.base_url}/staff.json", headers=headers, json=CREATE_BODIES["staff"])
    assert created.status_code == 200
    _assert_forbidden(requests.get(f"{scoped.base_url}/job.json", headers=headers))


def test_unknown_resource_is_404_before_scopes(scoped: Emulator) -> None:
    """A path naming no resource is a 404 for any caller (there is no scope to check)."""
    response = requests.get(f"{scoped.base_url}/vendorthing.json", headers=_bearer(_token()))
    assert response.status_code == 404
    assert response.json()["errorCode"] == "404"
