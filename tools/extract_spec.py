"""Extract the resource schemas smexplore uses from the vendor's OpenAPI spec.

Usage: ``python tools/extract_spec.py [API_JSON]`` (default ``.cache/spec/api.json``, fetched by
``tools/fetch_spec.py``). Writes ``smexplore/servicem8/_spec/servicem8.json``: for each resource its list
path, OAuth scopes per operation, the record schema's properties and the create schema's required
fields, exactly as the spec gives them. ``tests/unit/test_spec_extract.py`` checks the committed
file against the spec, so it cannot drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# resource (API name) -> component schema name in api.json
RESOURCES = {
    "allocationwindow": "AllocationWindow",
    "category": "Category",
    "company": "Company",
    "job": "Job",
    "jobactivity": "JobActivity",
    "joballocation": "JobAllocation",
    "queue": "Queue",
    "staff": "Staff",
}
PROPERTY_KEYS = ("type", "format", "enum", "readOnly", "maxLength", "description")
OUT = Path(__file__).resolve().parent.parent / "smexplore" / "servicem8" / "_spec" / "servicem8.json"


def _scope(operation: dict[str, Any]) -> str | None:
    for requirement in operation.get("security", []):
        if requirement.get("oauth2"):
            return requirement["oauth2"][0]
    return None


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the smexplore subset of ``spec`` (a parsed api.json)."""
    schemas = spec["components"]["schemas"]
    resources: dict[str, Any] = {}
    for name, schema_name in sorted(RESOURCES.items()):
        listing = spec["paths"][f"/{name}.json"]
        record = spec["paths"][f"/{name}/{{uuid}}.json"]
        properties = {
            field: {k: prop[k] for k in PROPERTY_KEYS if k in prop}
            for field, prop in schemas[schema_name]["properties"].items()
        }
        resources[name] = {
            "schema": schema_name,
            "scopes": {
                "list": _scope(listing["get"]),
                "get": _scope(record["get"]),
                "create": _scope(listing["post"]),
                "update": _scope(record["post"]),
                "delete": _scope(record["delete"]),
            },
            "required_on_create": schemas.get(f"{schema_name}Create", {}).get("required", []),
            "properties": properties,
        }
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
