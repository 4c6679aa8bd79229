"""The committed resource table is exactly what the vendor's spec says."""

from __future__ import annotations

import json
import re
from typing import Any

from smexplore.servicem8.resources import CORE_RESOURCES, get_resource, resource_names
from tests.spec import ROOT, load_tool, vendor_spec

# The spec's list endpoints that answer something other than an array of records.
NOT_RECORD_LISTS = {"inboxmessage", "search"}


def _answer(operation: dict[str, Any]) -> dict[str, Any]:
    return dict(operation["responses"]["200"]["content"]["application/json"]["schema"])


def test_committed_extract_matches_the_vendor_spec() -> None:
    extract = load_tool("extract_spec")
    committed = (ROOT / "smexplore" / "servicem8" / "_spec" / "servicem8.json").read_text(encoding="utf-8")
    assert committed == extract.render(extract.extract(vendor_spec()))


def test_every_list_endpoint_of_records_is_a_resource() -> None:
    paths = vendor_spec()["paths"]
    lists = {m[1] for path in paths if (m := re.fullmatch(r"/([a-z]+)\.json", path)) and "get" in paths[path]}
    assert len(lists) == 40 and NOT_RECORD_LISTS <= lists
    assert set(resource_names()) == lists - NOT_RECORD_LISTS
    for name in NOT_RECORD_LISTS:
        assert _answer(paths[f"/{name}.json"]["get"]).get("type") != "array", name
    for name in resource_names():
        answer = _answer(paths[f"/{name}.json"]["get"])
        assert answer["items"]["$ref"] == f"#/components/schemas/{get_resource(name).schema}", name


def test_every_resource_has_uuid_active_and_edit_date() -> None:
    for name in resource_names():
        fields = get_resource(name).fields
        assert {"uuid", "active", "edit_date"} <= set(fields), name
        assert (fields["uuid"].kind, fields["active"].kind, fields["edit_date"].kind) == ("uuid", "flag", "timestamp")


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
    note = get_resource("note")
    assert dict(note.scopes) == {"list": "read_job_notes", "get": "read_job_notes", "create": "publish_job_notes",
                                 "update": "publish_job_notes", "delete": "publish_job_notes"}


def test_operations_are_exactly_the_specs() -> None:
    """An operation the spec lacks is absent: assets are not created, three resources are read-only."""
    paths = vendor_spec()["paths"]
    for name in resource_names():
        resource = get_resource(name)
        listing, record = paths[resource.path], paths[resource.record_path]
        present = {"list": "get" in listing, "create": "post" in listing, "get": "get" in record,
                   "update": "post" in record, "delete": "delete" in record}
        assert set(resource.scopes) == {op for op, there in present.items() if there}, name
    assert set(get_resource("asset").scopes) == {"list", "get", "update", "delete"}
    for name in ("jobtemplate", "securityrole", "vendor"):
        assert set(get_resource(name).scopes) == {"list", "get"}, name
    assert sum(len(get_resource(name).scopes) for name in resource_names()) == 38 * 5 - 1 - 3 * 3


def test_record_paths_answer_one_record_of_the_schema() -> None:
    paths = vendor_spec()["paths"]
    for name in resource_names():
        resource = get_resource(name)
        expected = {"note": "/dbonote/{uuid}.json", "attachment": "/dboattachment/{uuid}.json"}
        assert resource.record_path == expected.get(name, f"/{name}/{{uuid}}.json"), name
        assert _answer(paths[resource.record_path]["get"]) == {"$ref": f"#/components/schemas/{resource.schema}"}


def test_required_on_create_is_the_create_schemas() -> None:
    spec = vendor_spec()
    schemas = spec["components"]["schemas"]
    for name in resource_names():
        resource = get_resource(name)
        post = spec["paths"][resource.path].get("post")
        if post is None:
            assert resource.required_on_create == (), name
            continue
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert resource.required_on_create == tuple(schemas[ref].get("required", [])), name
        assert set(resource.required_on_create) <= set(resource.fields), name
    assert get_resource("jobmaterial").required_on_create == ("quantity",)


def test_extract_is_stable_json() -> None:
    data = json.loads((ROOT / "smexplore" / "servicem8" / "_spec" / "servicem8.json").read_text(encoding="utf-8"))
    assert list(data["resources"]) == sorted(data["resources"]) == sorted(resource_names())


def test_resource_names_put_the_core_resources_first() -> None:
    names = resource_names()
    assert len(names) == 38 and len(set(names)) == 38
    assert names[:8] == CORE_RESOURCES == tuple(sorted(CORE_RESOURCES))
    assert list(names[8:]) == sorted(names[8:])
