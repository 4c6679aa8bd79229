"""The committed resource table is exactly what the vendor's spec says."""

from __future__ import annotations

import json

from smexplore.servicem8.resources import get_resource, resource_names
from tests.spec import ROOT, load_tool, vendor_spec


def test_committed_extract_matches_the_vendor_spec() -> None:
    extract = load_tool("extract_spec")
    committed = (ROOT / "smexplore" / "servicem8" / "_spec" / "servicem8.json").read_text(encoding="utf-8")
    assert committed == extract.render(extract.extract(vendor_spec()))


def test_every_spec_property_is_a_field_in_spec_order() -> None:
    schemas = vendor_spec()["components"]["schemas"]
    for name in resource_names():
        resource = get_resource(name)
        assert list(resource.fields) == list(schemas[resource.schema]["properties"])


def test_scopes_come_from_each_operation() -> None:
    paths = vendor_spec()["paths"]
    activity = get_resource("jobactivity")
    assert activity.scopes["list"] == "read_schedule"
    assert activity.scopes["update"] == "manage_schedule"
    assert get_resource("job").scopes["create"] == "create_jobs"
    listing = paths["/staff.json"]["get"]["security"]
    assert {"oauth2": [get_resource("staff").scopes["list"]]} in listing


def test_extract_is_stable_json() -> None:
    data = json.loads((ROOT / "smexplore" / "servicem8" / "_spec" / "servicem8.json").read_text(encoding="utf-8"))
    assert sorted(data["resources"]) == list(resource_names())
