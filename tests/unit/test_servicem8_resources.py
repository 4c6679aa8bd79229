"""ServiceM8's resource table: record paths and the kinds given to fields the spec types loosely."""

from __future__ import annotations

import pytest

from smexplore.core.schema import Resource
from smexplore.servicem8.resources import get_resource, resource_names


def test_record_fills_the_uuid_into_the_record_path() -> None:
    uuid = "28e7222e-24c7-4c02-915c-d165ef530f4f"
    assert get_resource("note").record(uuid) == f"/dbonote/{uuid}.json"
    assert get_resource("attachment").record(uuid) == f"/dboattachment/{uuid}.json"
    assert get_resource("job").record(uuid) == f"/job/{uuid}.json"
    bare = Resource(name="thing", schema="Thing", scopes={}, required_on_create=(), fields={}, path="/thing.json")
    assert bare.record_path == "" and bare.record(uuid) == f"/thing/{uuid}.json"


@pytest.mark.parametrize(("resource", "field", "kind"), [
    ("jobmaterial", "price", "money"), ("jobmaterial", "cost", "money"),
    ("jobmaterial", "displayed_amount", "money"), ("jobmaterial", "displayed_cost", "money"),
    ("jobmaterial", "quantity", "float"), ("jobmaterial", "sort_order", "int"),
    ("jobmaterialbundle", "quantity", "float"),
    ("material", "price", "money"), ("material", "cost", "money"), ("material", "quantity_in_stock", "float"),
    ("jobpayment", "amount", "money"), ("taxrate", "amount", "float"),
    ("feedback", "rating", "float"), ("form", "badge_mandatory_state", "int"),
    ("attachment", "photo_width", "int"), ("attachment", "photo_height", "int"),
    ("task", "task_complete", "flag"), ("attachment", "is_favourite", "flag"),
    ("form", "can_be_used_independently", "flag"), ("jobmaterial", "displayed_amount_is_tax_inclusive", "flag"),
    ("companycontact", "is_primary_contact", "flag"), ("jobchecklist", "is_locked", "flag"),
    ("vendor", "opening_time_monday", "int"), ("vendor", "closing_time_sunday", "int"),
    ("attachment", "timestamp", "timestamp"), ("feedback", "timestamp", "timestamp"),
    ("formresponse", "timestamp", "timestamp"), ("jobpayment", "timestamp", "timestamp"),
    ("staffmessage", "read_timestamp", "timestamp"), ("note", "create_date", "timestamp"),
    ("task", "due_date", "date"),
    ("jobchecklist", "assigned_to_staff_uuids", "list"), ("asset", "field_data", "list"),
    ("assettypefield", "field_data", "list"), ("form", "template_fields", "list"),
    ("materialbundle", "material_list", "list"), ("knowledgearticle", "relationships", "list"),
    ("formresponse", "field_data", "text"),  # a string holding JSON stays text
    ("badge", "automatically_allocated", "text"),  # no description: not guessed
    ("job", "badges", "text"), ("company", "badges", "text"),  # unchanged: strings holding JSON arrays
])
def test_kinds_follow_the_specs_words(resource: str, field: str, kind: str) -> None:
    assert get_resource(resource).field(field).kind == kind


def test_lists_are_lists_on_the_wire_and_nothing_else_is() -> None:
    for name in resource_names():
        for field in get_resource(name).fields.values():
            assert (field.kind == "list") == (field.wire == "list"), (name, field.name)


def test_corrected_descriptions() -> None:
    assert get_resource("location").field("city").description == "Address city."
    assert get_resource("note").field("create_date").description == "Timestamp at which the record was created."
    assert get_resource("attachment").field("attachment_name").description == "Name of the attachment."
