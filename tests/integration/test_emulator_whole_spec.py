"""The emulator walked through the vendor's spec: every record list, and every operation on it.

Everything here is read from the spec itself (``api.json``, servicem8@0.9.54), not from smexplore's
resource table: the record lists (``GET /{name}.json`` answering an array of one schema), their record
paths (the path whose ``GET`` answers that schema: ``/dbonote/{uuid}.json`` for notes), each
operation's OAuth scope, the create schema's required fields and what the record schema marks
read-only (``readOnly``, or in words: "(Read only)", "read-only"). One module emulator serves it all.

For every record list, the emulator answers with records of its schema, and each reads back at its
record path. For every create, update and delete: a token with the operation's scope succeeds and
one with every other scope is refused (403) and changes nothing; a create missing a required field
is a 400 naming it, and creates nothing; read-only fields sent are ignored. An operation the spec
does not give is a 405. ``$top`` and ``$orderby`` act as OData's (see ``emulator/query.py``).
(``test_emulator_spec.py`` checks every record of every list against its schema; this walk checks a
sample of each.)
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from smexplore.emulator import Emulator
from smexplore.servicem8.resources import get_resource, resource_names
from tests.integration.test_emulator_spec import record_errors
from tests.spec import vendor_spec

SPEC = vendor_spec()
SCHEMAS = SPEC["components"]["schemas"]
_REF = "#/components/schemas/"
FORBIDDEN = {"errorCode": "403", "message": "Access forbidden. You don't have permission to access this resource."}
# The emulator also lets a job be created with manage_jobs (full job access), besides the spec's create_jobs.
ALSO_ALLOWED = {("job", "create"): {"manage_jobs"}}
# Read-only fields the server sets on every create (so two creates differ in them).
SERVER_SET = {"edit_date", "generated_job_id"}
# GET list paths of the spec whose answer is an envelope, not an array of records (not resources).
NOT_RECORD_LISTS = {"/inboxmessage.json": "InboxMessagesResponse", "/search.json": "SearchResponse"}


def _answer(operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return dict(content.get("application/json", {}).get("schema", {}))


def _named(schema: dict[str, Any]) -> str:
    return str(schema.get("$ref", "")).removeprefix(_REF)


def _record_lists() -> dict[str, str]:
    """Every record list of the spec: resource name → its record schema."""
    return {path[1:-5]: _named(_answer(item["get"])["items"]) for path, item in SPEC["paths"].items()
            if path.count("/") == 1 and "get" in item and _answer(item["get"]).get("type") == "array"}


LISTS = _record_lists()
RECORD_PATHS = {name: next(path for path, item in SPEC["paths"].items() if "{uuid}" in path and path.count("/") == 2
                           and _named(_answer(item.get("get", {}))) == schema) for name, schema in LISTS.items()}


def _scope(operation: dict[str, Any]) -> str:
    (scope,) = next(r["oauth2"] for r in operation["security"] if "oauth2" in r)
    return str(scope)


def _operations() -> dict[tuple[str, str], tuple[str, str, str]]:
    """(resource, operation) → (verb, path, scope), for every operation the spec has on a record list."""
    found = {}
    for name in LISTS:
        for operation, verb, path in (("list", "get", f"/{name}.json"), ("create", "post", f"/{name}.json"),
                                      ("get", "get", RECORD_PATHS[name]), ("update", "post", RECORD_PATHS[name]),
                                      ("delete", "delete", RECORD_PATHS[name])):
            if verb in SPEC["paths"][path]:
                found[(name, operation)] = (verb.upper(), path, _scope(SPEC["paths"][path][verb]))
    return found


OPERATIONS = _operations()
WRITES = [key for key in OPERATIONS if key[1] in ("create", "update", "delete")]
CREATES = [name for name, operation in OPERATIONS if operation == "create"]
MISSING = [(name, operation) for name in LISTS for operation in ("create", "update", "delete")
           if (name, operation) not in OPERATIONS]
ALL_SCOPES = sorted({scope for _, _, scope in OPERATIONS.values()})
TOKENS = {**{f"only:{s}": [s] for s in ALL_SCOPES},
          **{f"but:{s}": [o for o in ALL_SCOPES if o != s] for s in ALL_SCOPES},
          "but:job-create": [o for o in ALL_SCOPES if o not in ("create_jobs", "manage_jobs")]}


def _says_read_only(prop: dict[str, Any]) -> bool:
    words = str(prop.get("description", "")).lower()
    return bool(prop.get("readOnly")) or "read only" in words or "read-only" in words


def _create_schema(name: str) -> dict[str, Any]:
    """The schema of the body a create sends (an update sends the same; assets, not created, only update)."""
    path = f"/{name}.json" if "post" in SPEC["paths"][f"/{name}.json"] else RECORD_PATHS[name]
    return SCHEMAS[_named(SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])]


def _read_only(name: str) -> list[str]:
    return [field for field, prop in SCHEMAS[LISTS[name]]["properties"].items() if _says_read_only(prop)]


def _from_schema(schema: dict[str, Any]) -> Any:
    """A value that meets a JSON schema (of the kinds the spec's arrays and objects use)."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "array":
        return [_from_schema(schema["items"])] if "properties" in schema.get("items", {}) else []
    if kind == "object":
        wanted = schema.get("required", schema.get("properties", {}))
        return {key: _from_schema(schema["properties"][key]) for key in wanted}
    if schema.get("format") == "uuid":
        return str(uuidlib.uuid4())
    if "pattern" in schema:  # the spec's patterns are all of timestamps
        assert re.fullmatch(schema["pattern"], "2026-03-03 09:30:00"), schema["pattern"]
        return "2026-03-03 09:30:00"
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind, "walk")  # type: ignore[arg-type]


def _value(name: str, field: str, prop: dict[str, Any]) -> Any:
    """A value of ``name``'s ``field`` the API takes: by the field's kind, in its wire form."""
    spec = get_resource(name).field(field)
    if spec.kind == "list":
        return _from_schema(prop)
    if "oneOf" in prop:  # a string of JSON (see test_emulator_spec)
        return json.dumps(_from_schema(prop["oneOf"][0]))
    if spec.kind == "uuid":
        return str(uuidlib.uuid4())
    if spec.kind in ("timestamp", "date"):
        return "2026-03-03 09:30:00" if spec.kind == "timestamp" else "2026-03-03"
    if spec.kind == "flag":
        return 1 if spec.wire == "int" else "1"
    if spec.kind in ("int", "float", "money"):
        number = {"int": 3, "float": 2.5, "money": 12.5}[spec.kind]
        return number if spec.wire != "str" else (f"{number:.2f}" if spec.kind == "money" else str(number))
    if spec.choices:
        return spec.choices[0]
    return "walk@example.com" if prop.get("format") == "email" else "Walk"


def _body(name: str) -> dict[str, Any]:
    """A create body with every field the create schema takes but what the spec marks read-only."""
    read_only = set(_read_only(name))
    return {field: _value(name, field, prop) for field, prop in _create_schema(name)["properties"].items()
            if field not in read_only and field != "uuid"}


def _update(name: str) -> dict[str, Any]:
    """An update of one writable field (text, if the resource has one)."""
    body = _body(name)
    texts = [f for f in body if get_resource(name).field(f).kind == "text" and f not in ("status",)]
    field = texts[0] if texts else next(f for f in body if f != "active")
    return {field: body[field]}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0, scale="small", tokens=TOKENS, page_size=500, per_minute=1_000_000, per_day=10_000_000) as e:
        yield e


@pytest.fixture(scope="module")
def key(emu: Emulator) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["X-Api-Key"] = emu.api_key
        yield session


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _listed(key: requests.Session, emu: Emulator, name: str, **params: str) -> list[dict[str, Any]]:
    response = key.get(f"{emu.base_url}/{name}.json", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _record(key: requests.Session, emu: Emulator, name: str, record_uuid: str) -> dict[str, Any]:
    response = key.get(emu.base_url + RECORD_PATHS[name].replace("{uuid}", record_uuid))
    assert response.status_code == 200, response.text
    return response.json()


def _created(key: requests.Session, emu: Emulator, name: str, body: dict[str, Any]) -> str:
    response = key.post(f"{emu.base_url}/{name}.json", json=body)
    assert response.status_code == 200, response.text
    return response.headers["x-record-uuid"]


def _error(response: requests.Response, status: int, *needles: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorCode", "message"}
    for needle in needles:
        assert needle in body["message"], body["message"]


# --- the record lists ----------------------------------------------------------------------------
def test_every_record_list_of_the_spec_is_served_and_no_other() -> None:
    """The spec's record lists are the resources the emulator serves; its other lists answer envelopes."""
    assert len(LISTS) == 38 and set(LISTS) == set(resource_names())
    assert RECORD_PATHS["note"] == "/dbonote/{uuid}.json" and RECORD_PATHS["attachment"] == "/dboattachment/{uuid}.json"
    others = {path: _named(_answer(item["get"])) for path, item in SPEC["paths"].items()
              if path.count("/") == 1 and "get" in item and path[1:-5] not in LISTS}
    assert others == NOT_RECORD_LISTS


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_answers_records_of_the_schema_each_at_its_record_path(
    key: requests.Session, emu: Emulator, name: str
) -> None:
    records = _listed(key, emu, name)
    assert records, f"no {name} records"
    for record in records[:: max(1, len(records) // 40)]:
        assert not record_errors(LISTS[name], record), (name, record_errors(LISTS[name], record)[:1])
    for record in (records[0], records[-1]):
        assert _record(key, emu, name, record["uuid"]) == record


# --- operations and their scopes -------------------------------------------------------------
@pytest.mark.parametrize(("name", "operation"), sorted(OPERATIONS))
def test_each_operation_takes_its_scope_and_refuses_every_other(
    key: requests.Session, emu: Emulator, name: str, operation: str
) -> None:
    """A token with only the operation's scope succeeds; one with every other scope gets the documented 403."""
    verb, path, scope = OPERATIONS[(name, operation)]
    table = emu.account.tables[name]
    if operation == "create":
        target, body = "", _body(name)
    elif operation == "delete":
        creatable = (name, "create") in OPERATIONS
        target, body = _created(key, emu, name, _body(name)) if creatable else table[-1]["uuid"], {}
    else:
        target, body = table[0]["uuid"], _update(name) if operation == "update" else {}
    url = emu.base_url + path.replace("{uuid}", target)
    params = {"$top": "2"} if operation == "list" else {}
    before = (len(table), _record(key, emu, name, target) if target else None)
    refused = "but:job-create" if (name, operation) in ALSO_ALLOWED else f"but:{scope}"
    response = requests.request(verb, url, headers=_bearer(refused), params=params, json=body or None)
    assert (response.status_code, response.json()) == (403, FORBIDDEN), response.text
    assert (len(table), _record(key, emu, name, target) if target else None) == before
    response = requests.request(verb, url, headers=_bearer(f"only:{scope}"), params=params, json=body or None)
    assert response.status_code == 200, response.text
    if operation == "list":
        assert [r["uuid"] for r in response.json()] == [r["uuid"] for r in table[:2]]
    elif operation == "get":
        assert response.json() == before[1]
    elif operation == "create":
        created = _record(key, emu, name, response.headers["x-record-uuid"])
        assert not record_errors(LISTS[name], created), record_errors(LISTS[name], created)[:1]
        assert {f: created[f] for f in body} == body
    elif operation == "update":
        after = _record(key, emu, name, target)
        assert after == {**before[1], **body, "edit_date": after["edit_date"]}
    else:
        assert _record(key, emu, name, target)["active"] == 0


@pytest.mark.parametrize(("name", "operation"), MISSING)
def test_an_operation_the_spec_lacks_is_405(key: requests.Session, emu: Emulator, name: str, operation: str) -> None:
    """With every scope (an API key), an operation the spec does not give the resource is a 405 whose
    Allow header names exactly the verbs the spec gives that path."""
    path = f"/{name}.json" if operation == "create" else RECORD_PATHS[name]
    verb = "DELETE" if operation == "delete" else "POST"
    table = emu.account.tables[name]
    before = (len(table), dict(table[0]))
    response = key.request(verb, emu.base_url + path.replace("{uuid}", table[0]["uuid"]), json={"name": "Walk"})
    _error(response, 405, verb)
    spec_verbs = {method.upper() for method in SPEC["paths"][path]}
    assert set(response.headers["Allow"].split(", ")) == spec_verbs | {"HEAD"}
    assert (len(table), table[0]) == before


# --- what a write must and may not send ----------------------------------------------------------
@pytest.mark.parametrize("name", CREATES)
def test_create_needs_each_required_field(key: requests.Session, emu: Emulator, name: str) -> None:
    """A create missing a field the create schema requires is a 400 naming it and creates nothing; one
    with them all (and nothing else) creates."""
    required = _create_schema(name).get("required", [])
    body = _body(name)
    table = emu.account.tables[name]
    for field in required:
        count = len(table)
        _error(key.post(f"{emu.base_url}/{name}.json", json={k: v for k, v in body.items() if k != field}), 400, field)
        assert len(table) == count
    created = _record(key, emu, name, _created(key, emu, name, {field: body[field] for field in required}))
    assert {field: created[field] for field in required} == {field: body[field] for field in required}


@pytest.mark.parametrize("name", [name for name in LISTS if _read_only(name) and (name, "update") in OPERATIONS])
def test_read_only_fields_are_not_written(key: requests.Session, emu: Emulator, name: str) -> None:
    """What the spec marks read-only is ignored in a create and in an update, as the API ignores it."""
    fields = _read_only(name)
    sent = {field: _value(name, field, SCHEMAS[LISTS[name]]["properties"][field]) for field in fields}
    sent = {field: "2001-01-01 00:00:00" if field == "edit_date" else value for field, value in sent.items()}
    if (name, "create") in OPERATIONS:
        body = _body(name)
        plain = _record(key, emu, name, _created(key, emu, name, body))
        with_read_only = _record(key, emu, name, _created(key, emu, name, {**body, **sent}))
        kept = [f for f in fields if f not in SERVER_SET]
        assert {f: with_read_only[f] for f in kept} == {f: plain[f] for f in kept}  # as if not sent
        assert all(with_read_only[f] != sent[f] for f in fields), name
    target = emu.account.tables[name][1]["uuid"]
    before = _record(key, emu, name, target)
    assert key.post(emu.base_url + RECORD_PATHS[name].replace("{uuid}", target), json=sent).status_code == 200
    after = _record(key, emu, name, target)
    assert {**after, "edit_date": before["edit_date"]} == before


# --- $top and $orderby -----------------------------------------------------------------------
def _ordered(records: list[dict[str, Any]], field: str, as_number: bool, descending: bool) -> list[str]:
    key = (lambda r: float(r[field] or "-inf")) if as_number else (lambda r: r[field])
    return [r["uuid"] for r in sorted(records, key=key, reverse=descending)]


@pytest.mark.parametrize("name", ["job", "jobmaterial", "vendor", "note"])
def test_top_returns_the_first_records(key: requests.Session, emu: Emulator, name: str) -> None:
    everything = _listed(key, emu, name)
    for top in (0, 1, 3, len(everything) + 5):
        assert _listed(key, emu, name, **{"$top": str(top)}) == everything[:top]


@pytest.mark.parametrize("top", ["-1", "abc", "1.5", "", "2x", "٣"])
def test_top_that_is_no_count_is_400(key: requests.Session, emu: Emulator, top: str) -> None:
    response = key.get(f"{emu.base_url}/job.json", params={"$top": top})
    _error(response, 400, "$top")
    assert response.json()["errorCode"] == "1000"


@pytest.mark.parametrize(
    ("name", "order", "as_number"),
    [("jobmaterial", "price desc", True), ("jobmaterial", "quantity", True), ("note", "create_date desc", False),
     ("material", "name asc", False), ("jobpayment", "amount DESC", True), ("staff", "hide_from_schedule", True)],
)
def test_orderby_orders_by_the_fields_kind_and_keeps_ties_in_order(
    key: requests.Session, emu: Emulator, name: str, order: str, as_number: bool
) -> None:
    """Numbers in strings (prices, quantities) compare as numbers, not as text; equal values keep creation order."""
    field, *direction = order.split()
    descending = bool(direction) and direction[0].lower() == "desc"
    everything = _listed(key, emu, name)
    ordered = _listed(key, emu, name, **{"$orderby": order})
    assert [r["uuid"] for r in ordered] == _ordered(everything, field, as_number, descending)
    if as_number and name != "staff":
        assert [r["uuid"] for r in ordered] != _ordered(everything, field, False, descending)  # text order differs


def test_filter_then_orderby_then_top(key: requests.Session, emu: Emulator) -> None:
    notes = _listed(key, emu, "note")
    expected = _ordered([n for n in notes if n["action_required"] == "1"], "create_date", False, True)[:5]
    answer = _listed(key, emu, "note", **{"$filter": "action_required eq '1'", "$orderby": "create_date desc",
                                          "$top": "5"})
    assert [n["uuid"] for n in answer] == expected and len(expected) == 5


@pytest.mark.parametrize(("order", "needle"), [("nosuchfield", "no field"), ("price desc, name", "one field"),
                                               ("price sideways", "asc"), ("", "field"), ("price asc desc", "asc")])
def test_orderby_that_cannot_be_read_is_400(key: requests.Session, emu: Emulator, order: str, needle: str) -> None:
    _error(key.get(f"{emu.base_url}/jobmaterial.json", params={"$orderby": order}), 400, "$orderby", needle)


def test_orderby_of_a_list_field_is_400(key: requests.Session, emu: Emulator) -> None:
    _error(key.get(f"{emu.base_url}/form.json", params={"$orderby": "template_fields"}), 400, "list")


def test_cursor_pages_follow_the_order_and_the_count(key: requests.Session, emu: Emulator) -> None:
    """Pages of an ordered, counted list are that list's, in turn; a cursor belongs to its $orderby and $top."""
    query = {"$orderby": "quantity desc", "$top": "1200"}
    expected = _ordered(_listed(key, emu, "jobmaterial"), "quantity", True, True)[:1200]
    pages, cursor = [], "-1"
    while cursor:
        response = key.get(f"{emu.base_url}/jobmaterial.json", params={**query, "cursor": cursor})
        assert response.status_code == 200, response.text
        pages.append([r["uuid"] for r in response.json()])
        cursor = response.headers.get("x-next-cursor", "")
        if cursor:
            others = ({**query, "$orderby": "quantity asc"}, {**query, "$top": "1100"}, {"$orderby": "quantity desc"})
            for other in others:
                _error(key.get(f"{emu.base_url}/jobmaterial.json", params={**other, "cursor": cursor}), 400, "$orderby")
    assert [len(page) for page in pages] == [500, 500, 200]
    assert [u for page in pages for u in page] == expected
