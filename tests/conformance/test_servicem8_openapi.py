"""Conformance to ``servicem8-list-joballocations-openapi.md``: the OpenAPI definition of "List all Job
Allocations" (``GET /joballocation.json``), point by point.

Each point is tested against the emulator over HTTP and, where the client is involved, the client
against ``strict_servicem8`` (a server doing exactly what the document says). Where the emulator
follows the vendor's full spec (``api.json``) or another official page instead, the docstring says so.
"""

from __future__ import annotations

import copy
import re
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

import smexplore as sm
from smexplore.core.retry import RetryPolicy
from smexplore.emulator import Account, Emulator
from smexplore.servicem8.resources import get_resource, resource_names
from smexplore.servicem8.session import DEFAULT_BASE_URL
from tests.conformance.strict import StrictServer
from tests.conformance.strict_servicem8 import (
    BAD_REQUEST,
    BASE_PATH,
    DEPRECATED,
    EXAMPLE,
    FIELDS,
    FORBIDDEN,
    RATE_LIMIT_DAY,
    RATE_LIMIT_MINUTE,
    READ_SCOPE,
    SERVER_ERROR,
    SERVER_URL,
    TIMESTAMP,
    UNAUTHORIZED,
    StrictServiceM8,
    serve_servicem8,
)
from tests.spec import vendor_spec

KEY = "strict-api-key"
TOKENS = {"tok-read": [READ_SCOPE], "tok-jobs": ["read_jobs"], "tok-manage": ["manage_schedule"]}
# The scope names of the document's oauth2 scheme ("flows" → "authorizationCode" → "scopes").
DOCUMENTED_SCOPES = frozenset({
    "staff_locations", "staff_activity", "publish_sms", "publish_email", "vendor", "vendor_logo", "vendor_email",
    "read_locations", "manage_locations", "read_staff", "manage_staff", "read_customers", "manage_customers",
    "read_customer_contacts", "manage_customer_contacts", "read_jobs", "manage_jobs", "create_jobs",
    "read_job_contacts", "manage_job_contacts", "read_job_materials", "manage_job_materials", "read_job_categories",
    "manage_job_categories", "read_job_queues", "manage_job_queues", "read_tasks", "manage_tasks", "read_schedule",
    "manage_schedule", "read_inventory", "manage_inventory", "read_job_notes", "publish_job_notes",
    "read_job_photos", "publish_job_photos", "read_attachments", "manage_attachments", "read_inbox",
    "read_messages", "manage_notifications", "manage_templates", "manage_badges", "read_assets", "manage_assets",
    "read_knowledge_base", "manage_knowledge_base",
})
# Scopes the spec's own operations require that its oauth2 scheme does not list (api.json of servicem8@0.9.54:
# the scheme's list lags its endpoints; knowledge articles ask for read_knowledge/manage_knowledge where the
# scheme lists read_knowledge_base/manage_knowledge_base). The emulator and the client follow the operations,
# the scopes a token must carry. manage_inbox is an inbox message action's (not a resource of smexplore's).
UNDECLARED_SCOPES = frozenset({
    "read_feedback", "manage_feedback", "read_forms", "manage_forms", "read_job_checklists", "manage_job_checklists",
    "read_job_payments", "manage_job_payments", "read_knowledge", "manage_knowledge", "read_suppliers",
    "manage_suppliers", "read_tax_rates", "manage_tax_rates", "publish_messages", "read_security_roles",
    "manage_inbox",
})
SECOND = {**EXAMPLE, "uuid": "123e4567-aa11-4415-ac38-23f94bc904dc", "staff_uuid": "123e4567-e0d8-481f-b4bb-23f944e9c86c"}
INACTIVE = {**EXAMPLE, "uuid": "123e4567-aa11-4415-ac38-23f94bc904dd", "active": 0}


# --- fixtures ---------------------------------------------------------------------------------
def _slim(records: Account, *names: str) -> Account:
    """A private copy of some tables of the small demo account (writes stay in it)."""
    return Account(seed=0, scale="small", now=records.now,
                   tables={name: copy.deepcopy(records.tables[name]) for name in names})


@pytest.fixture(scope="module")
def emu(small_account_records: Account) -> Iterator[Emulator]:
    """The emulator serving the demo account's job allocations (read only here)."""
    with Emulator(account=_slim(small_account_records, "joballocation"), tokens=TOKENS,
                  per_minute=100_000, per_day=1_000_000) as emulator:
        yield emulator


@pytest.fixture
def limited(small_account_records: Account, fake_clock: Any) -> Iterator[Emulator]:
    """An emulator allowing 3 requests a minute and 5 a day, on a clock the test moves."""
    with Emulator(account=_slim(small_account_records, "joballocation"), per_minute=3, per_day=5,
                  clock=fake_clock) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def _strict() -> Iterator[tuple[str, StrictServiceM8, StrictServer]]:
    with serve_servicem8() as served:
        yield served


@pytest.fixture
def strict(_strict: tuple[str, StrictServiceM8, StrictServer]) -> tuple[str, StrictServiceM8, StrictServer]:
    """The strict server, reset to the document's example record and one more, with ``KEY`` and ``TOKENS``."""
    url, state, app = _strict
    state.reset([EXAMPLE, SECOND], api_keys=[KEY], tokens=TOKENS)
    app.requests.clear()
    return url, state, app


def _client(url: str, tmp_path: Path, *, oauth_token: str | None = None, **options: Any) -> sm.Session:
    credential = {"oauth_token": oauth_token} if oauth_token else {"api_key": KEY}
    return sm.connect(**credential, base_url=url, cache=tmp_path, progress=False, **options)


def _get(emulator: Emulator, path: str = "/joballocation.json", headers: dict[str, str] | None = None,
         **params: str) -> requests.Response:
    return requests.get(emulator.base_url + path, params=params, timeout=30,
                        headers=headers if headers is not None else {"X-Api-Key": emulator.api_key})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_body(response: requests.Response, status: int, body: dict[str, Any]) -> None:
    assert response.status_code == status, response.text[:200]
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == body


# --- servers, paths, summary --------------------------------------------------------------------
def test_server_url_is_api_servicem8_com_api_1_0(emu: Emulator) -> None:
    """"servers": [{"url": "https://api.servicem8.com/api_1.0"}]: the client's default base URL; the
    emulator serves the same path below its own host."""
    assert DEFAULT_BASE_URL == SERVER_URL
    assert emu.base_url.endswith(BASE_PATH)
    assert _get(emu).status_code == 200


def test_list_path_is_get_joballocation_json(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"paths": {"/joballocation.json": {"get": ...}} (operationId listJobAllocations)."""
    response = _get(emu)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    url, _, app = strict
    _client(url, tmp_path).allocations()
    assert [(r.method, r.path) for r in app.requests] == [("GET", f"{BASE_PATH}/joballocation.json")]


def test_200_is_an_array_of_all_job_allocations(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"List all Job Allocations" — "200": "An array of Job Allocations" (a bare JSON array, no paging in
    the document): the emulator sends every record; the client reads every record of one array."""
    body = _get(emu).json()
    assert isinstance(body, list) and all(isinstance(record, dict) for record in body)
    assert [r["uuid"] for r in body] == [r["uuid"] for r in emu.account.tables["joballocation"]]
    url, state, _ = strict
    state.reset([EXAMPLE, SECOND, INACTIVE], api_keys=[KEY])
    frame = _client(url, tmp_path).allocations(include_inactive=True)
    assert list(frame["uuid"]) == [EXAMPLE["uuid"], SECOND["uuid"], INACTIVE["uuid"]]


def test_list_supports_result_filtering(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"This endpoint supports result filtering": the emulator runs ``$filter``; the client sends it to
    the list path (the filtering rules themselves are another document's)."""
    staff = emu.account.tables["joballocation"][0]["staff_uuid"]
    filtered = _get(emu, **{"$filter": f"staff_uuid eq '{staff}'"}).json()
    assert filtered and {r["staff_uuid"] for r in filtered} == {staff}
    assert len(filtered) < len(emu.account.tables["joballocation"])
    url, _, app = strict
    _client(url, tmp_path).allocations(sm.F.staff_uuid == EXAMPLE["staff_uuid"])
    assert app.requests[0].path == f"{BASE_PATH}/joballocation.json"
    assert app.requests[0].query["$filter"] == f"staff_uuid eq '{EXAMPLE['staff_uuid']}'"


# --- security -----------------------------------------------------------------------------------
def test_api_key_is_sent_in_the_x_api_key_header(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"apiKey": {"type": "apiKey", "name": "X-Api-Key", "in": "header"}."""
    assert _get(emu).status_code == 200
    assert _get(emu, headers={}).status_code == 401
    url, _, app = strict
    assert len(_client(url, tmp_path).allocations()) == 2
    headers = app.requests[0].headers
    assert headers["X-Api-Key"] == KEY and "Authorization" not in headers


def test_oauth2_bearer_token_is_the_other_scheme(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"security": [{"apiKey": []}, {"oauth2": ["read_schedule"]}]: either scheme; an OAuth token is sent
    as ``Authorization: Bearer``."""
    assert _get(emu, headers=_bearer("tok-read")).status_code == 200
    url, _, app = strict
    assert len(_client(url, tmp_path, oauth_token="tok-read").allocations()) == 2
    headers = app.requests[0].headers
    assert headers["Authorization"] == "Bearer tok-read" and "X-Api-Key" not in headers


def test_scopes_are_the_documented_oauth2_scopes(emu: Emulator) -> None:
    """"oauth2" → "scopes": every scope the client's resource table (and so the emulator) asks for is one
    the document lists (``read_schedule``: "Read-only access to JobActivity Endpoint"), or one the vendor's
    full spec has its operations require without listing it (``UNDECLARED_SCOPES``, checked below)."""
    for name in resource_names():
        assert set(get_resource(name).scopes.values()) <= DOCUMENTED_SCOPES | UNDECLARED_SCOPES, name
    assert {get_resource("joballocation").scopes[op] for op in ("list", "get")} <= DOCUMENTED_SCOPES
    assert emu.app.resources["joballocation"].scopes["list"] == READ_SCOPE


def test_undeclared_scopes_are_exactly_those_the_spec_omits() -> None:
    """The full spec's oauth2 scheme lists the document's scopes; ``UNDECLARED_SCOPES`` are exactly the ones
    its operations require beyond them (none made up, none missed)."""
    spec = vendor_spec()
    declared = set(spec["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]["scopes"])
    required = {scope for item in spec["paths"].values() for operation in item.values() if isinstance(operation, dict)
                for requirement in operation.get("security", []) for scope in requirement.get("oauth2", [])}
    assert declared == DOCUMENTED_SCOPES
    assert required - declared == UNDECLARED_SCOPES


def test_list_requires_the_read_schedule_scope(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"This endpoint requires the following OAuth scope read_schedule." A token without it is refused
    (403); the client says which scope is missing although the documented body does not name it."""
    assert _get(emu, headers=_bearer("tok-read")).status_code == 200
    for token in ("tok-jobs", "tok-manage"):
        _assert_body(_get(emu, headers=_bearer(token)), 403, FORBIDDEN)
    url, _, app = strict
    with pytest.raises(sm.ForbiddenError) as caught:
        _client(url, tmp_path, oauth_token="tok-jobs").allocations()
    assert "needs the OAuth scope 'read_schedule'" in str(caught.value)
    assert len(app.requests) == 1  # a 403 is not retried


# --- responses ----------------------------------------------------------------------------------
def test_200_example_record_is_read_with_its_documented_types(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """The "success" example: the emulator's records carry exactly its fields; the client reads it with
    uuids as text, "2026-03-01 12:00:00" as a timestamp, ``active`` 1 as True, "string" as text."""
    for record in _get(emu).json():
        assert set(record) == set(EXAMPLE)
    url, state, _ = strict
    state.reset([EXAMPLE], api_keys=[KEY])
    row = _client(url, tmp_path).allocations().iloc[0]
    for name, value in EXAMPLE.items():
        if FIELDS[name] == "timestamp" or name == "acceptance_timestamp":  # DEPRECATED, a timestamp by its name
            assert row[name] == pd.Timestamp(value), name
        elif name == "active":
            assert bool(row[name]) is True
        else:
            assert row[name] == value, name


def test_400_answers_the_documented_error_body(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"400": {"errorCode": "1000", "message": "An error occurred completing your request"}. The emulator
    keeps the errorCode and says what was wrong (here: the filter); the client reports the message."""
    response = _get(emu, **{"$filter": "staff_uuid or 1"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errorCode", "message"} and body["errorCode"] == BAD_REQUEST["errorCode"]
    assert "or" in body["message"].lower()
    url, state, _ = strict
    state.fail_next("400")
    with pytest.raises(sm.APIError) as caught:
        _client(url, tmp_path).allocations()
    assert caught.value.status == 400 and BAD_REQUEST["message"] in str(caught.value)


def test_401_answers_the_documented_error_body(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"401": {"errorCode": "401", "message": "Authentication failed. Please check your API key or OAuth token."}."""
    _assert_body(_get(emu, headers={"X-Api-Key": "not-the-key"}), 401, UNAUTHORIZED)
    _assert_body(_get(emu, headers=_bearer("no-such-token")), 401, UNAUTHORIZED)
    url, _, app = strict
    with pytest.raises(sm.AuthenticationError) as caught:
        sm.connect("not-the-key", base_url=url, cache=tmp_path, progress=False).allocations()
    assert UNAUTHORIZED["message"] in str(caught.value) and len(app.requests) == 1


def test_403_answers_the_documented_error_body(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"403": {"errorCode": "403", "message": "Access forbidden. You don't have permission to access this
    resource."}: the emulator sends it as is; the client keeps the message and adds the scope."""
    _assert_body(_get(emu, headers=_bearer("tok-jobs")), 403, FORBIDDEN)
    url, _, _ = strict
    with pytest.raises(sm.ForbiddenError) as caught:
        _client(url, tmp_path, oauth_token="tok-manage").allocations()
    assert FORBIDDEN["message"] in str(caught.value) and "'read_schedule'" in str(caught.value)


def test_429_per_minute_answers_the_documented_error_body(limited: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"429" "rateLimitMinute": {"errorCode": 429, "message": "Number of allowed API requests per minute
    exceeded"} (JSON, as the response definition says). The client waits and retries it."""
    assert [_get(limited).status_code for _ in range(3)] == [200] * 3
    _assert_body(_get(limited), 429, RATE_LIMIT_MINUTE)
    url, state, app = strict
    state.fail_next("429-minute")
    assert len(_client(url, tmp_path).allocations()) == 2
    assert len(app.requests) == 2


def test_429_per_day_answers_the_documented_error_body(limited: Emulator, fake_clock: Any, strict: tuple,
                                                       tmp_path: Path) -> None:
    """"429" "rateLimitDay": {"errorCode": 429, "message": "Number of allowed API requests per day exceeded"}.
    The client gives up once its retry budget is spent, saying what the API said."""
    assert [_get(limited).status_code for _ in range(3)] == [200] * 3
    fake_clock.advance(61)
    assert [_get(limited).status_code for _ in range(2)] == [200] * 2
    fake_clock.advance(61)
    _assert_body(_get(limited), 429, RATE_LIMIT_DAY)
    url, state, _ = strict
    state.fail_next(*["429-day"] * 5)
    with pytest.raises(sm.RateLimitError, match="per day exceeded"):
        _client(url, tmp_path, retry_budget=0.1).allocations()


def test_500_answers_the_documented_error_body(emu: Emulator, strict: tuple, tmp_path: Path) -> None:
    """"500": {"errorCode": 500, "message": "An unexpected error occurred. Please try again later."}; the
    client retries it (a 5XX, see x-speakeasy-retries)."""
    emu.faults.fail_next(1, status=500)
    try:
        _assert_body(_get(emu), 500, SERVER_ERROR)
    finally:
        emu.faults.clear()
    url, state, app = strict
    state.fail_next("500")
    assert len(_client(url, tmp_path).allocations()) == 2
    assert len(app.requests) == 2


# --- the JobAllocation schema -------------------------------------------------------------------
@pytest.fixture(scope="module")
def example_frame(_strict: tuple[str, StrictServiceM8, StrictServer],
                  tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The document's example record, as the client reads it from the strict server."""
    url, state, _ = _strict
    state.reset([EXAMPLE], api_keys=[KEY])
    return _client(url, tmp_path_factory.mktemp("example")).allocations()


_DTYPES = {"uuid": "string", "timestamp": "datetime64[ns]", "string": "string", "active": "boolean"}


@pytest.mark.parametrize("name", FIELDS)
def test_job_allocation_field_has_its_documented_type(emu: Emulator, example_frame: pd.DataFrame, name: str) -> None:
    """"JobAllocation" → "properties": each field is sent by the emulator in its documented type and
    format (``format: uuid``; timestamps like the examples' "2026-03-01 12:00:00"; ``active`` an integer
    0 or 1; ``sort_priority`` a string; DEPRECATED fields, untyped, still present) and typed by the client."""
    kind = FIELDS[name]
    for record in _get(emu).json():
        value = record[name]
        if kind == "uuid":
            assert uuidlib.UUID(value), (name, value)
        elif kind == "timestamp":
            assert isinstance(value, str) and TIMESTAMP.fullmatch(value), (name, value)
        elif kind == "string":
            assert isinstance(value, str), (name, value)
        elif kind == "active":
            assert value in (0, 1) and type(value) is int, (name, value)
    assert name in example_frame.columns
    if kind in _DTYPES:
        assert str(example_frame[name].dtype) == _DTYPES[kind], (name, example_frame[name].dtype)


def test_active_is_0_or_1_and_defaults_to_1(small_account_records: Account, strict: tuple, tmp_path: Path) -> None:
    """"active": {"enum": [0, 1], "type": "integer", "default": 1, "description": "Record active/deleted
    flag"}: a create without it is active; any other value is refused; the client reads 0 as deleted
    (hidden unless asked for) and never sends ``active`` on a create."""
    with Emulator(account=_slim(small_account_records, "joballocation")) as emulator:
        key = {"X-Api-Key": emulator.api_key}
        created = requests.post(f"{emulator.base_url}/joballocation.json", json={"sort_priority": "1"}, headers=key)
        new = created.headers["x-record-uuid"]
        assert _get(emulator, f"/joballocation/{new}.json").json()["active"] == 1
        refused = requests.post(f"{emulator.base_url}/joballocation/{new}.json", json={"active": 2}, headers=key)
        assert refused.status_code == 400
    url, state, app = strict
    state.reset([EXAMPLE, INACTIVE], api_keys=[KEY])
    client = _client(url, tmp_path, writable=True)
    assert list(client.allocations()["uuid"]) == [EXAMPLE["uuid"]]
    everything = client.allocations(include_inactive=True).set_index("uuid")["active"]
    assert everything.to_dict() == {EXAMPLE["uuid"]: True, INACTIVE["uuid"]: False}
    made = client.create("joballocation", sort_priority="2")
    assert "active" not in app.requests[-1].body.decode()
    assert state.records[made]["active"] == 1


def test_edit_date_is_read_only(small_account_records: Account, strict: tuple, tmp_path: Path) -> None:
    """"edit_date": {"readOnly": true, "description": "Timestamp at which record was last modified"}: the
    emulator ignores one sent and stamps its own; the client refuses to send it."""
    with Emulator(account=_slim(small_account_records, "joballocation")) as emulator:
        target = emulator.account.tables["joballocation"][0]["uuid"]
        answer = requests.post(f"{emulator.base_url}/joballocation/{target}.json",
                               json={"edit_date": "2001-01-01 00:00:00", "sort_priority": "7"},
                               headers={"X-Api-Key": emulator.api_key})
        assert answer.status_code == 200
        stamped = _get(emulator, f"/joballocation/{target}.json").json()["edit_date"]
        assert stamped != "2001-01-01 00:00:00" and TIMESTAMP.fullmatch(stamped)
    url, _, app = strict
    with pytest.raises(sm.ValidationError, match="read-only"):
        _client(url, tmp_path, writable=True).update("joballocation", EXAMPLE["uuid"], edit_date="2026-03-02 00:00:00")
    assert app.requests == []


def test_deprecated_fields_are_still_sent_and_kept(emu: Emulator, example_frame: pd.DataFrame) -> None:
    """queue_uuid, estimated_duration, revised_duration, requires_acceptance, acceptance_status and
    acceptance_timestamp are "DEPRECATED" yet in the schema and the example: still sent, still columns."""
    assert DEPRECATED == ("queue_uuid", "estimated_duration", "revised_duration", "requires_acceptance",
                          "acceptance_status", "acceptance_timestamp")
    assert all(set(DEPRECATED) <= set(record) for record in _get(emu).json())
    assert set(DEPRECATED) <= set(example_frame.columns)
    assert example_frame["estimated_duration"].iloc[0] == "string"


# --- limits and throttling ----------------------------------------------------------------------
def test_limit_is_180_requests_a_minute(small_account_records: Account, tmp_path: Path) -> None:
    """"There is a limit of 180 requests per minute": the emulator's default lets 180 through and refuses
    the 181st; the client's own budget defaults to 180 a minute."""
    with Emulator(account=_slim(small_account_records, "allocationwindow")) as emulator, requests.Session() as http:
        http.headers["X-Api-Key"] = emulator.api_key
        url = f"{emulator.base_url}/allocationwindow.json"
        statuses = [http.get(url, timeout=30).status_code for _ in range(181)]
    assert statuses == [200] * 180 + [429]
    assert sm.connect(KEY, base_url="http://127.0.0.1:9/api_1.0", cache=tmp_path).settings.per_minute == 180


def test_limit_is_20000_requests_a_day(small_account_records: Account, tmp_path: Path) -> None:
    """"There is a limit of 20000 requests per day": the emulator's default day window (a sliding 24 hours;
    its refusal is tested above on a small day) and the client's own daily budget."""
    default = Emulator(account=Account(seed=0, scale="small", now=small_account_records.now, tables={}))
    day = default.limiter["day"]  # not started: only its limits are read
    assert (getattr(day, "limit", None), getattr(day, "seconds", None)) == (20_000, 86_400)
    assert sm.connect(KEY, base_url="http://127.0.0.1:9/api_1.0", cache=tmp_path).settings.per_day == 20_000


def test_limits_are_per_addon_per_account(small_account_records: Account, fake_clock: Any) -> None:
    """"Limits are per Addon per account": two API keys and an OAuth token of the same account spend
    one budget (not one each)."""
    with Emulator(account=_slim(small_account_records, "joballocation"), extra_api_keys=["second-key"],
                  tokens={"tok-read": [READ_SCOPE]}, per_minute=4, clock=fake_clock) as emulator:
        credentials = [{"X-Api-Key": emulator.api_key}, {"X-Api-Key": "second-key"}, _bearer("tok-read")]
        assert [_get(emulator, headers=h).status_code for h in credentials] == [200] * 3
        assert _get(emulator, headers=credentials[1]).status_code == 200
        for headers in credentials:
            _assert_body(_get(emulator, headers=headers), 429, RATE_LIMIT_MINUTE)
        fake_clock.advance(61)
        assert _get(emulator, headers=credentials[2]).status_code == 200


def test_429_text_body_is_read_too(small_account_records: Account, fake_clock: Any, strict: tuple,
                                   tmp_path: Path) -> None:
    """The info text: "you will receive a HTTP 429 with a text body of "Number of allowed API requests per
    minute exceeded"". The emulator sends JSON by default (the response definition) and the sentence as
    text/plain with ``rate_limit_body="text"``; the client reads either."""
    with Emulator(account=_slim(small_account_records, "joballocation"), per_minute=1, clock=fake_clock,
                  rate_limit_body="text") as emulator:
        assert _get(emulator).status_code == 200
        refused = _get(emulator)
        assert refused.status_code == 429 and refused.headers["Content-Type"].startswith("text/plain")
        assert refused.text == RATE_LIMIT_MINUTE["message"]
    url, state, _ = strict
    state.rate_limit_text = True
    state.fail_next(*["429-minute"] * 5)
    with pytest.raises(sm.RateLimitError, match="per minute exceeded"):
        _client(url, tmp_path, retry_budget=0.1).allocations()


# --- x-speakeasy-retries ----------------------------------------------------------------------------
def test_retries_back_off_from_500_ms_by_1_5(strict: tuple, tmp_path: Path) -> None:
    """"strategy": "backoff", "initialInterval": 500, "maxInterval": 60000, "exponent": 1.5: the client
    waits 0.5 s, then 0.75 s (no Retry-After is documented, the strict server sends none)."""
    policy = RetryPolicy()
    assert (policy.start, policy.factor, policy.cap) == (0.5, 1.5, 60.0)
    url, state, _ = strict
    state.fail_next("429-minute", "429-minute")
    assert len(_client(url, tmp_path).allocations()) == 2
    first, second, third = state.times
    assert 0.5 <= second - first < 1.5
    assert 0.75 <= third - second < 1.75


@pytest.mark.parametrize("status", ["500", "503"])
def test_retries_5xx_answers(strict: tuple, tmp_path: Path, status: str) -> None:
    """"statusCodes": ["5XX", "429"]: a 5xx answer to a read is tried again (the documented 500, and 503,
    "platform unavailable"; the client retries the transient 500, 502, 503 and 504, not a 501 or 505;
    429 is tested above)."""
    url, state, app = strict
    state.fail_next(status)  # type: ignore[arg-type]
    assert len(_client(url, tmp_path).allocations()) == 2
    assert len(app.requests) == 2


def test_retries_connection_errors(small_account_records: Account, tmp_path: Path) -> None:
    """"retryConnectionErrors": true: a connection cut mid-answer is tried again (the emulator's fault;
    a strict WSGI server cannot cut its connection)."""
    with Emulator(account=_slim(small_account_records, "joballocation")) as emulator:
        emulator.faults.cut_connection_next(1)
        frame = sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path, progress=False).allocations()
        assert len(frame) == sum(r["active"] == 1 for r in emulator.account.tables["joballocation"])
        assert [e.status for e in emulator.log.entries()] == [200, 200]


def test_retrying_stops_within_the_clients_budget(strict: tuple, tmp_path: Path) -> None:
    """"maxElapsedTime": 3600000 (an hour) is the SDK's; the client stops after ``retry_budget`` seconds
    (120 by default: a notebook should not hang for an hour) and says why."""
    assert sm.connect(KEY, base_url="http://127.0.0.1:9/api_1.0", cache=tmp_path).settings.retry_budget == 120
    url, state, app = strict
    state.fail_next(*["500"] * 10)
    with pytest.raises(sm.APIError, match=re.escape(SERVER_ERROR["message"])):
        _client(url, tmp_path, retry_budget=1.0).allocations()
    assert 2 <= len(app.requests) <= 3
