"""Extract the resource schemas smexplore uses from the vendor's OpenAPI spec.

Usage: ``python tools/extract_spec.py [API_JSON]`` (default ``.cache/spec/api.json``, fetched by
``tools/fetch_spec.py``). Writes ``smexplore/servicem8/_spec/servicem8.json``: for each resource its
record path, OAuth scopes per operation, the record schema's properties and the create schema's
required fields, exactly as the spec gives them. ``tests/unit/test_spec_extract.py`` checks the
committed file against the spec, so it cannot drift.

A resource is every list endpoint of the spec that lists records: ``GET /{name}.json`` answering
200 with an array of one component schema. Its operations are the ones the spec has: ``list`` and
``create`` on the list path, ``get``, ``update`` and ``delete`` on the record path, the path whose
``GET`` answers one record of that schema (``/{name}/{uuid}.json``, or another the spec uses, as
``/dbonote/{uuid}.json`` for notes). An operation the spec lacks is absent from ``scopes`` (assets
cannot be created through the API; job templates, security roles and the vendor are read-only).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

PROPERTY_KEYS = ("type", "format", "enum", "readOnly", "maxLength", "description")
OUT = Path(__file__).resolve().parent.parent / "smexplore" / "servicem8" / "_spec" / "servicem8.json"
_LIST_PATH = re.compile(r"/(?P<name>[a-z]+)\.json")
_RECORD_PATH = re.compile(r"/(?P<name>[a-z]+)/\{uuid\}\.json")
_REF = "#/components/schemas/"


def _scope(operation: dict[str, Any], where: str) -> str:
    for requirement in operation.get("security", []):
        if requirement.get("oauth2"):
            return str(requirement["oauth2"][0])
    raise ValueError(f"{where} names no OAuth scope in the spec; smexplore needs one per operation")


def _answer(operation: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of an operation's 200 answer (``{}`` when it has none)."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return dict(content.get("application/json", {}).get("schema", {}))


def _schema_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref", "")
    return ref.removeprefix(_REF) if ref.startswith(_REF) else None


def record_lists(spec: dict[str, Any]) -> dict[str, str]:
    """Every list endpoint of ``spec`` that lists records: resource name → its record schema's name."""
    found: dict[str, str] = {}
    for path, item in spec["paths"].items():
        match = _LIST_PATH.fullmatch(path)
        answer = _answer(item.get("get", {}))
        if match and answer.get("type") == "array" and (name := _schema_name(answer.get("items", {}))):
            found[match["name"]] = name
    return found


def _record_path(spec: dict[str, Any], name: str, schema_name: str) -> str:
    """The path of one record: ``/{name}/{uuid}.json``, else the one path whose GET answers the schema."""
    candidates = [path for path, item in spec["paths"].items()
                  if _RECORD_PATH.fullmatch(path) and _schema_name(_answer(item.get("get", {}))) == schema_name]
    own = f"/{name}/{{uuid}}.json"
    if own in candidates:
        return own
    if len(candidates) != 1:
        raise ValueError(f"no single record path answers {schema_name} for /{name}.json: {candidates}")
    return candidates[0]


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the smexplore subset of ``spec`` (a parsed api.json)."""
    schemas = spec["components"]["schemas"]
    resources: dict[str, Any] = {}
    for name, schema_name in sorted(record_lists(spec).items()):
        list_path = f"/{name}.json"
        record_path = _record_path(spec, name, schema_name)
        listing, record = spec["paths"][list_path], spec["paths"][record_path]
        operations = {"list": (listing, "get", list_path), "get": (record, "get", record_path),
                      "create": (listing, "post", list_path), "update": (record, "post", record_path),
                      "delete": (record, "delete", record_path)}
        scopes = {op: _scope(item[method], f"{method.upper()} {path}")
                  for op, (item, method, path) in operations.items() if method in item}
        entry: dict[str, Any] = {"schema": schema_name, "record_path": record_path, "scopes": scopes}
        if "create" in scopes:
            body = listing["post"].get("requestBody", {}).get("content", {}).get("application/json", {})
            create_schema = _schema_name(body.get("schema", {}))
            entry["required_on_create"] = schemas[create_schema].get("required", []) if create_schema else []
        entry["properties"] = {
            field: {k: prop[k] for k in PROPERTY_KEYS if k in prop}
            for field, prop in schemas[schema_name]["properties"].items()
        }
        resources[name] = entry
    return {
        "source": "npm package servicem8@0.9.54, file api.json (OpenAPI "
        + spec["openapi"]
        + ")",
        "resources": resources,
    }


def render(subset: dict[str, Any]) -> str:
    """Serialise the subset the way it is committed (stable, reviewable diffs)."""
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/spec/api.json")
    OUT.write_text(render(extract(json.loads(source.read_text()))), encoding="utf-8")
    print(OUT)
