"""Emulated records and answers conform to the vendor's OpenAPI schemas (api.json, servicem8@0.9.54).

Every record of every resource is checked against its schema. One property is checked in two steps,
because its schema cannot be met as written: the spec types ``JobChecklist.reminder_data`` as a
string *and* as one of two objects (``oneOf``), and no value is both. Its description says what is
sent ("JSON data containing additional information for the reminder ... Exposed via API as
'reminder_data'"): a string, of JSON. So the record is held to its schema with that property as a
plain string, and the string, where not empty, must parse to JSON that meets the ``oneOf``.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from functools import cache
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from smexplore.emulator import Emulator
from smexplore.servicem8.resources import get_resource, resource_names
from tests.spec import vendor_spec

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# (schema, property): a string of JSON whose schema also says ``oneOf`` objects (see the module).
STRINGS_OF_JSON = {("JobChecklist", "reminder_data")}


@cache
def _parts(schema_name: str) -> tuple[Draft202012Validator, dict[str, Draft202012Validator]]:
    """The validator of a record schema (strings of JSON as plain strings), and one per string of JSON."""
    schema = copy.deepcopy(vendor_spec()["components"]["schemas"][schema_name])
    inner = {}
    for name, prop in ((p, schema["properties"][p]) for s, p in STRINGS_OF_JSON if s == schema_name):
        assert prop["type"] == "string" and all(o["type"] == "object" for o in prop["oneOf"]), \
            f"the spec no longer types {schema_name}.{name} as a string and objects: check it as written"
        inner[name] = Draft202012Validator({"oneOf": prop.pop("oneOf")})
    return Draft202012Validator(schema), inner


def _validator(schema_name: str) -> Draft202012Validator:
    return _parts(schema_name)[0]


def record_errors(schema_name: str, record: dict[str, Any]) -> list[str]:
    """What is wrong with ``record`` as a record of ``schema_name`` (empty: nothing)."""
    whole, inner = _parts(schema_name)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in whole.iter_errors(record)]
    for name, validator in inner.items():
        text = record.get(name)
        if isinstance(text, str) and text:
            try:
                errors += [f"{name}: {e.message}" for e in validator.iter_errors(json.loads(text))]
            except ValueError:
                errors.append(f"{name}: not JSON: {text!r}")
    return sorted(errors)


def test_strings_of_json_are_checked() -> None:
    """The two-step check refuses what the spec's ``oneOf`` refuses, and takes what it takes."""
    reminder = {"relativeDateTime": {"baseDate": "NEXT_BOOKING_TIME", "unit": "HOUR", "quantity": -2}}
    blank = {"reminder_data": ""}
    assert not [e for e in record_errors("JobChecklist", {**blank, "reminder_data": json.dumps(reminder)})]
    assert record_errors("JobChecklist", {"reminder_data": json.dumps({"relativeDateTime": {"unit": "HOUR"}})})
    assert record_errors("JobChecklist", {"reminder_data": "{not json"})
    assert record_errors("JobChecklist", {"reminder_data": reminder})  # an object, not a string


@pytest.mark.parametrize("resource", resource_names())
def test_listed_records_match_the_spec_schema(api: requests.Session, emulator: Emulator, resource: str) -> None:
    spec_resource = get_resource(resource)
    records: list[dict[str, Any]] = api.get(f"{emulator.base_url}/{resource}.json", timeout=60).json()
    assert records, f"the demo account has no {resource} records"
    spec_fields = set(spec_resource.fields)
    for record in records:
        errors = record_errors(spec_resource.schema, record)
        assert not errors, f"{resource} {record['uuid']}: {errors[0]}"
        extra = {k for k in record if not k.startswith("customfield_")} - spec_fields
        assert not extra, f"{resource} has fields the spec does not: {extra}"
        assert spec_fields <= set(record), f"{resource} lacks {spec_fields - set(record)}"


@pytest.mark.parametrize("resource", resource_names())
def test_wire_forms_of_uuids_timestamps_and_flags(api: requests.Session, emulator: Emulator, resource: str) -> None:
    """What the schema leaves loose: uuids parse, timestamps are 'YYYY-MM-DD HH:MM:SS', flags '0'/'1'."""
    fields = get_resource(resource).fields.values()
    types = {name: prop.get("type") for name, prop in
             vendor_spec()["components"]["schemas"][get_resource(resource).schema]["properties"].items()}
    records = api.get(f"{emulator.base_url}/{resource}.json", timeout=60).json()
    for record in records[:2000]:
        assert record["active"] in (0, 1)
        for field in fields:
            value = record[field.name]
            if field.kind == "uuid" and value:
                uuid.UUID(value)
            elif field.kind == "timestamp":
                assert TIMESTAMP.fullmatch(value), (field.name, value)
            elif field.kind == "date":
                assert DATE.fullmatch(value), (field.name, value)
            elif field.kind == "flag" and field.wire == "str":
                assert value in ("0", "1"), (field.name, value)
            elif field.kind in ("int", "float", "money") and field.wire == "str" and value != "":
                float(value)  # a number in a string, as the spec's words have it (a price, a quantity)
            elif field.kind == "list":  # a JSON array or object, as the spec types it (not a string of one)
                assert isinstance(value, {"array": list, "object": dict}[types[field.name]]), (field.name, value)


def test_single_record_and_write_answers_match_the_spec(api: requests.Session, emulator: Emulator) -> None:
    job = api.get(f"{emulator.base_url}/job.json", params={"cursor": "-1"}).json()[0]
    one = api.get(f"{emulator.base_url}/job/{job['uuid']}.json").json()
    assert one == job
    assert not list(_validator("Job").iter_errors(one))


def _example(path: str, method: str, status: str) -> Any:
    """The spec's (only) example body of one answer."""
    content = vendor_spec()["paths"][path][method]["responses"][status]["content"]["application/json"]
    (example,) = content["examples"].values()
    return example["value"]


def _matches(body: dict[str, Any], schema_name: str, example: dict[str, Any]) -> None:
    """``body`` has the schema's properties, and an ``errorCode`` of the example's form and value.

    The spec's schemas type ``errorCode`` as a number while its examples write most codes as strings
    ("401", "1000"); the emulator sends what the examples show, so that one property is held to them.
    """
    schema = vendor_spec()["components"]["schemas"][schema_name]
    assert set(body) == set(schema["properties"]) == set(example)
    assert body["errorCode"] == example["errorCode"] and type(body["errorCode"]) is type(example["errorCode"])
    assert isinstance(body["message"], str) and body["message"]


def test_error_bodies_match_the_spec(emulator: Emulator) -> None:
    base = emulator.base_url
    unauthorised = requests.get(f"{base}/job.json", headers={"X-Api-Key": "wrong"})
    assert unauthorised.status_code == 401
    example = _example("/job.json", "get", "401")
    _matches(unauthorised.json(), "AuthenticationError", example)
    assert unauthorised.json() == example
    missing = requests.get(f"{base}/job/{uuid.uuid4()}.json", headers={"X-Api-Key": emulator.api_key})
    assert missing.status_code == 404
    example = _example("/job/{uuid}.json", "get", "404")
    _matches(missing.json(), "NotFoundError", example)
    assert missing.json() == example
    bad = requests.get(f"{base}/job.json", params={"$filter": "nope"}, headers={"X-Api-Key": emulator.api_key})
    assert bad.status_code == 400
    _matches(bad.json(), "Error", _example("/job.json", "get", "400"))  # the message says what is wrong


def test_create_answer_matches_the_spec(fresh_emulator: Emulator) -> None:
    answer = requests.post(f"{fresh_emulator.base_url}/category.json", json={"name": "Solar"},
                           headers={"X-Api-Key": fresh_emulator.api_key})
    assert answer.status_code == 200
    assert _example("/category.json", "post", "200") == {"errorCode": "0", "message": "OK"}  # the example's string
    result = vendor_spec()["components"]["schemas"]["Result"]
    assert result["properties"]["errorCode"]["type"] == "number"  # which the vendor's SDK insists on
    assert answer.json() == {"errorCode": 0, "message": "OK"} and set(answer.json()) == set(result["properties"])
    created = requests.get(f"{fresh_emulator.base_url}/category/{answer.headers['x-record-uuid']}.json",
                           headers={"X-Api-Key": fresh_emulator.api_key}).json()
    assert not list(_validator("Category").iter_errors(created))
