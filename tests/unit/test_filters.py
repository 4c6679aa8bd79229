"""Filters: Python source and $filter text round trips, the planner's split, errors, and local = server.

The central check is the planner's promise: the records the server keeps for ``plan.filter``,
narrowed by ``plan.local`` on the DataFrame, are exactly the records a purely local ``evaluate``
keeps. The server side is ``_wire_filter.compile_filter`` (what the emulator runs) over hand-built
wire records with the awkward values real accounts send.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore import F, FilterError, UnknownFieldError, parse_filter
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.expr import And, Compare, IsIn, Missing, Not, Or, TextMatch, conjuncts
from smexplore.core.filters.text import parse_filter_text
from smexplore.core.frames import to_frame
from smexplore.servicem8.dialect import plan
from smexplore.servicem8.enrich import enrich, names_by_uuid
from smexplore.servicem8.resources import Resource, get_resource
from smexplore.servicem8.wire_filter import compile_filter

ACTIVITY = get_resource("jobactivity")
JOB = get_resource("job")
RESOURCES = {"jobactivity": ACTIVITY, "job": JOB}

A = "3f2a9c1e-5b7d-4e21-9a0c-1d2e3f4a5b6c"
B = "8e7d6c5b-4a39-4281-b7c6-d5e4f3a2b1c0"
C = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
ZERO_DATE = "0000-00-00 00:00:00"
_LOOSE = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])


# --- wire records with edge values -------------------------------------------------------------
def _activity(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {name: "" for name in ACTIVITY.fields}
    for name, field in ACTIVITY.fields.items():
        if field.kind == "timestamp":
            record[name] = ZERO_DATE
    record.update(uuid=C, active=1, edit_date="2026-03-01 10:00:00", start_date="2026-03-02 08:00:00",
                  end_date="2026-03-02 10:30:00", staff_uuid=A, job_uuid=B, activity_was_scheduled="1",
                  activity_was_recorded="0", travel_time_in_seconds=900, travel_distance_in_meters="12000")
    record.update(overrides)
    return record


ACTIVITY_RECORDS = [
    _activity(has_been_opened_timestamp="2026-03-01 00:00:01"),
    # zero and blank dates, an upper-case uuid, missing numbers, flags as ints
    _activity(start_date=ZERO_DATE, end_date="", staff_uuid=A.upper(), active=0, travel_time_in_seconds="",
              activity_was_scheduled="0", activity_was_recorded=1, travel_distance_in_meters=""),
    # exactly midnight, blank uuid, number as text, blank flag
    _activity(start_date="2026-03-01 00:00:00", end_date="2026-03-01 00:00:00", staff_uuid="",
              travel_time_in_seconds="3", activity_was_scheduled="", activity_was_recorded=""),
    # one second before midnight
    _activity(start_date="2026-02-28 23:59:59", end_date="2026-03-01 01:00:00", staff_uuid=B,
              travel_time_in_seconds=4, material_uuid=A, allocated_timestamp="2026-03-01 10:00:00", active="1"),
    # whole seconds around a sub-second bound
    _activity(start_date="2026-03-01 10:00:00", end_date="2026-03-01 10:00:01", staff_uuid=B.upper(),
              travel_time_in_seconds=0, active="0", travel_distance_in_meters=-5),
    _activity(start_date="2026-03-01 10:00:01", end_date="2026-03-31 23:59:59", travel_time_in_seconds=2,
              job_uuid=A, has_been_opened="1", has_been_opened_timestamp="2026-03-31 00:00:00"),
    # a date-only wire value, negative numbers
    _activity(start_date="2026-03-03", end_date="2026-03-31 00:00:00", travel_time_in_seconds=-3,
              staff_uuid=C, activity_was_automated=1),
    # fields absent from the record altogether
    {"uuid": A, "active": 1, "start_date": "2026-03-05 09:00:00"},
]


def _job(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {name: "" for name in JOB.fields}
    for name, field in JOB.fields.items():
        if field.kind == "timestamp":
            record[name] = ZERO_DATE
    record.update(uuid=A, active=1, date="2026-03-02", status="Work Order", total_invoice_amount="100.50",
                  payment_amount="", lng=144.5, lat=-37.25, generated_job_id="1001", job_address="208 King St",
                  geo_is_valid=1, company_uuid=B, customfield_site_access="Tenant home",
                  edit_date="2026-03-01 10:00:00")
    record.update(overrides)
    return record


JOB_RECORDS = [
    _job(),
    _job(uuid=B.upper(), date="0000-00-00", status="quote", total_invoice_amount="0", payment_amount="100.5",
         lng="", lat="0", generated_job_id="999", job_address="king st", company_uuid=A.upper(), geo_is_valid="0",
         customfield_site_access="", edit_date="2026-03-01 09:59:59", badges="[]"),
    _job(date="2026-03-01", status="Completed", total_invoice_amount="", payment_amount="-3", lng="144.50",
         generated_job_id="", job_address="", company_uuid="", geo_is_valid="", edit_date="2026-03-01 10:00:01",
         completion_date="2026-03-01 00:00:00"),
    _job(status="Unsuccessful", date="2026-02-28", total_invoice_amount="1000", payment_amount="0.1",
         job_address="ÄPFEL straße", generated_job_id="1001 ", geo_is_valid=0, lat="-37.250", company_uuid=C,
         completion_date="2026-02-28 23:59:59"),
    {"uuid": C, "active": "1", "status": "Quote", "date": "2026-03-31"},
]

RECORDS = {"jobactivity": ACTIVITY_RECORDS, "job": JOB_RECORDS}
FRAMES = {name: to_frame(records, RESOURCES[name]) for name, records in RECORDS.items()}


def _server(resource: Resource, text: str, records: list[dict[str, Any]]) -> np.ndarray:
    """Which records the server (the emulator's semantics) keeps for ``$filter`` text."""
    if not text:
        return np.ones(len(records), dtype=bool)
    keep = compile_filter(resource, text)
    return np.array([keep(record) for record in records], dtype=bool)


def _assert_plan_sound(where: sm.Expr, resource_name: str, records: list[dict[str, Any]] | None = None,
                       tz: str | None = None, lookup: Any = None, frame: pd.DataFrame | None = None) -> sm.Plan:
    """The planned query (server, then local) keeps exactly what a purely local filter keeps."""
    resource = RESOURCES[resource_name]
    if records is None:
        records = RECORDS[resource_name]
        frame = FRAMES[resource_name] if frame is None and tz is None else frame
    if frame is None:
        frame = to_frame(records, resource, tz)
    planned = plan(where, resource, tz=tz, lookup=lookup)
    if planned.filter:  # the API's own grammar and limits (at most 10 conditions)
        assert 1 <= len(parse_filter_text(planned.filter)) <= 10
    server = _server(resource, planned.filter, records)
    wanted = evaluate(where, frame, resource, tz)
    assert wanted.dtype == bool and wanted.shape == (len(records),)
    assert not (wanted & ~server).any(), f"the server drops records {where} keeps: {planned}"
    finished = server if planned.local is None else server & evaluate(planned.local, frame, resource, tz)
    assert finished.tolist() == wanted.tolist(), str(planned)
    return planned


# --- 1. str(expr) reads back as Python ------------------------------------------------------------
ROUND_TRIP = [
    F.status == "Work Order",
    F.status != "Quote",
    F.active == True,
    F.active == 0,
    F.travel_time_in_seconds > 3,
    F.travel_time_in_seconds < -3,
    F.lng >= 144.5,
    F.lat <= -37.25,
    F.lng > 1e-07,
    F.total > 10**30,
    F.name == "O'Brien",
    F.name == 'say "hi"',
    F.name == "both ' and \"",
    F.name == "back\\slash\nnew line\ttab",
    F.name == "ÄPFEL straße ✓",
    F.name == "",
    F.status.isin(["Quote", "Work Order"]),
    F.status.isin([]),
    F.status.isin(["O'Brien"]),
    F.travel.isin([1, 2.5, -3]),
    F.start_date.isna(),
    F.start_date.notna(),
    F.job_address.contains("King's"),
    F.job_address.startswith("208"),
    ~F.job_address.contains("st"),
    ~(F.status == "Quote"),
    ~F.status.isin(["Quote"]),
    ~F.start_date.isna(),
    ~((F.a == 1) & (F.b == 2)),
    ~((F.a == 1) | (F.b == 2)),
    F.travel.between(1, 5),
    (F.a == 1) & (F.b != "x") & (F.c > 2.5),
    (F.a == 1) | (F.b == 2) | F.c.isna(),
    ((F.a == 1) | (F.b == 2)) & ((F.c == 3) | ~(F.d == 4)),
    ((F.a == 1) & (F.b == 2)) | ((F.c == 3) & F.d.between(0, 9)),
    ~(((F.a == 1) & ~F.b.isna()) | F.c.startswith("z")),
    F.staff_uuid == A,
]


@pytest.mark.parametrize("expr", ROUND_TRIP, ids=[str(e) for e in ROUND_TRIP])
def test_str_reads_back_as_an_equal_expression(expr: sm.Expr) -> None:
    back = eval(str(expr), {"F": F})
    assert back == expr
    assert str(back) == str(expr)
    assert repr(expr) == f"<smexplore filter {expr}>"


@pytest.mark.parametrize("name", ["class", "lambda", "None", "True", "isin", "between", "contains", "startswith",
                                  "isna", "notna", "_name", "_compare", "a b", "1st", "with'quote", 'dq"x',
                                  "x-y", "", "customfield_site_access", "F", "é", "__private"])
def test_field_names_that_are_not_plain_attributes_read_back(name: str) -> None:
    if not name:
        with pytest.raises(TypeError):
            F[name]
        return
    expr = (F[name] == 1) & F[name].isin(["a"]) & ~F[name].isna() & F[name].contains("x")
    back = eval(str(expr), {"F": F})
    assert back == expr
    assert back.fields() == {name}


def test_plain_field_names_print_as_attributes() -> None:
    assert str(F.status == "Quote") == "F.status == 'Quote'"
    assert str(F["class"] == 1).startswith("F['class']")
    assert str(F["isin"] == 1) == "F.isin == 1"  # F.isin is a field: F has no methods of its own


TEMPORAL = [date(2026, 3, 1), datetime(2026, 3, 1, 8, 30), datetime(2026, 3, 1, 8, 30, 15, 250000),
            pd.Timestamp("2026-03-01 08:30:00"), pd.Timestamp("2026-03-01 08:30:00.5"),
            datetime(2026, 3, 1, 8, 30, tzinfo=UTC), pd.Timestamp("2026-03-01 08:30", tz="UTC")]


def test_str_of_date_and_time_values_reads_back_as_the_same_text() -> None:
    """Dates and times are written as ISO strings (which expressions accept): reading back is stable.

    The values come back as strings rather than ``date``/``datetime`` objects, so the contract here
    is the same text (and, tested below, the same meaning), not object equality.
    """
    for value in TEMPORAL:
        expr = (F.start_date >= value) & F.end_date.isin([value])
        back = eval(str(expr), {"F": F})
        assert str(back) == str(expr)
        assert eval(str(back), {"F": F}) == back


def _same_meaning(expr: sm.Expr, back: sm.Expr, tz: str | None) -> None:
    frame = FRAMES["jobactivity"] if tz is None else to_frame(ACTIVITY_RECORDS, ACTIVITY, tz)
    assert plan(back, ACTIVITY, tz=tz).filter == plan(expr, ACTIVITY, tz=tz).filter, expr
    assert evaluate(back, frame, ACTIVITY, tz).tolist() == evaluate(expr, frame, ACTIVITY, tz).tolist(), expr


@pytest.mark.parametrize("value", TEMPORAL, ids=repr)
def test_str_of_date_and_time_values_keeps_the_meaning(value: Any) -> None:
    """Read back, a date or time selects the same records and sends the same $filter."""
    tz = "Australia/Sydney" if getattr(value, "tzinfo", None) is not None else None
    for op in ("==", "!=", ">", "<", ">=", "<="):
        expr = Compare("start_date", op, value)
        _same_meaning(expr, eval(str(expr), {"F": F}), tz)


def test_str_keeps_the_nanoseconds_of_a_timestamp() -> None:
    """pd.Timestamp has nanoseconds; read back, F.start_date == <10:00:00.000000001> must not match 10:00:00."""
    for value in (pd.Timestamp("2026-03-01 10:00:00.000000001"), pd.Timestamp("2026-03-01 09:59:59.999999999")):
        for op in ("==", "!=", "<", ">="):
            expr = Compare("start_date", op, value)
            _same_meaning(expr, eval(str(expr), {"F": F}), None)


def test_infinite_numbers_are_refused_as_values() -> None:
    for value in (float("inf"), float("-inf")):
        with pytest.raises(TypeError, match="not a filter value"):
            F.name == value  # noqa: B015


def test_operators_build_the_documented_nodes() -> None:
    assert (F.x == 1) == Compare("x", "==", 1)
    assert F.x.isin((1, 2)) == IsIn("x", (1, 2))
    assert F.x.between(1, 2) == And((Compare("x", ">=", 1), Compare("x", "<=", 2)))
    assert F.x.isna() == Missing("x", True) and F.x.notna() == Missing("x", False)
    assert F.x.contains("a") == TextMatch("x", "contains", "a")
    assert ((F.a == 1) | (F.b == 2)) == Or((Compare("a", "==", 1), Compare("b", "==", 2)))
    assert ~(F.a == 1) == Not(Compare("a", "==", 1))
    assert ~~(F.a == 1) == (F.a == 1)
    # & and | flatten, and bind as written
    a, b, c = F.a == 1, F.b == 2, F.c == 3
    assert (a & (b & c)) == ((a & b) & c) == And((a, b, c))
    assert (a | (b & c)) == Or((a, And((b, c))))
    assert (F["x"] == 1) == (F.x == 1)


def test_none_means_missing() -> None:
    assert (F.start_date == None) == F.start_date.isna()
    assert (F.start_date != None) == F.start_date.notna()
    with pytest.raises(TypeError):
        F.start_date > None  # noqa: B015


def test_numpy_values_become_python_values() -> None:
    assert (F.x == np.int64(3)) == (F.x == 3)
    assert type((F.x == np.float64(2.5)).value) is float
    assert (F.x == np.bool_(True)) == (F.x == True)
    assert (F.x > np.datetime64("2026-03-01")) == (F.x > pd.Timestamp("2026-03-01"))


def test_an_expression_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="truth value"):
        bool(F.a == 1)
    with pytest.raises(TypeError):
        (F.a == 1) and (F.b == 2)  # noqa: B018 (bool() of an expression raises)
    with pytest.raises(TypeError):
        1 < F.a < 3  # noqa: B015
    with pytest.raises(TypeError):
        if F.a.isna():
            pass


@pytest.mark.parametrize("build", [
    lambda: F.a == F.b,
    lambda: F.a > (F.b == 1),
    lambda: F.a > float("nan"),  # noqa: PLW0177 (the expression refuses NaN)
    lambda: F.a == [1, 2],
    lambda: F.a == object(),
    lambda: F.a.isin("abc"),
    lambda: F.a.isin(5),
    lambda: F.a.contains(5),
    lambda: (F.a == 1) & True,
    lambda: (F.a == 1) | "b eq 1",
    lambda: {F.a: 1},
])
def test_misuse_raises_type_error(build: Any) -> None:
    with pytest.raises(TypeError):
        build()


# --- 2. $filter text ↔ expression ↔ $filter text ----------------------------------------------
def test_parsed_text_is_the_expression_written_in_python() -> None:
    assert parse_filter("status eq 'Work Order' and active eq 1") == (F.status == "Work Order") & (F.active == 1)
    assert parse_filter("name eq 'O''Brien'") == (F.name == "O'Brien")
    assert parse_filter("a ne '' and b gt -3 and c lt 2.5") == (F.a != "") & (F.b > -3) & (F.c < 2.5)
    assert parse_filter("  x   eq\t1  ") == (F.x == 1)


CANONICAL = [
    "status eq 'Work Order'",
    "status eq 'Work Order' and active eq 1",
    "name eq 'O''Brien'",
    "name eq 'It''s ''quoted'' twice'",
    "name eq ''",
    "name ne 'x' and name gt 'a' and name lt 'z'",
    "total gt 1000.5 and total lt -3",
    "total gt 0.001 and count eq 0 and count ne -12",
    "start_date gt '2026-03-01' and staff_uuid eq '" + A + "'",
    " and ".join(f"f{i} eq {i}" for i in range(10)),
    "customfield_site_access eq 'Tenant home'",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_text_round_trips_without_a_resource(text: str) -> None:
    assert parse_filter(text).to_filter() == text
    assert str(eval(str(parse_filter(text)), {"F": F})) == str(parse_filter(text))


@pytest.mark.parametrize(("resource", "text", "canonical"), [
    ("jobactivity", "start_date gt '2026-03-01'", "start_date gt '2026-03-01 00:00:00'"),
    ("jobactivity", "start_date gt '2026-03-01T08:30'", "start_date gt '2026-03-01 08:30:00'"),
    ("jobactivity", "start_date lt '2026-03-01 08:30:15'", "start_date lt '2026-03-01 08:30:15'"),
    ("jobactivity", "start_date eq ''", f"start_date eq '{ZERO_DATE}'"),
    ("jobactivity", "start_date ne '0000-00-00'", f"start_date ne '{ZERO_DATE}'"),
    ("jobactivity", "active eq '1' and activity_was_scheduled ne '0'", "active eq 1 and activity_was_scheduled ne 0"),
    ("jobactivity", "travel_time_in_seconds gt '900'", "travel_time_in_seconds gt 900"),
    ("jobactivity", f"staff_uuid eq '{A}' and end_date lt '2026-04-01'",
     f"staff_uuid eq '{A}' and end_date lt '2026-04-01 00:00:00'"),
    ("job", "date gt '2026-03-01' and status eq 'Quote'", "date gt '2026-03-01 00:00:00' and status eq 'Quote'"),
    ("job", "total_invoice_amount gt 500.50", "total_invoice_amount gt 500.5"),
    ("job", "generated_job_id eq 1001", "generated_job_id eq '1001'"),
    ("job", "job_address eq 'O''Brien St'", "job_address eq 'O''Brien St'"),
])
def test_text_with_a_resource_becomes_canonical_and_stays_so(resource: str, text: str, canonical: str) -> None:
    assert parse_filter(text).to_filter(resource) == canonical
    assert parse_filter(canonical).to_filter(resource) == canonical
    records = RECORDS[resource]
    spec = RESOURCES[resource]
    assert _server(spec, canonical, records).tolist() == _server(spec, text, records).tolist()


def test_to_filter_without_a_resource_judges_types_by_values() -> None:
    assert (F.start_date >= date(2026, 3, 1)).to_filter() == "start_date gt '2026-02-28 23:59:59'"
    assert (F.count >= 3).to_filter() == ""  # numbers may be fractional: no exact gt/lt
    assert (F.active == True).to_filter() == "active eq 1"
    assert (F.a.isin(["x", "y"]) & (F.b == "z")).to_filter() == "b eq 'z'"
    assert ((F.a == "x") | (F.b == "z")).to_filter() == ""


_TEXT_VALUES = {
    "timestamp": ["'2026-03-01'", "'2026-03-01 10:00:00'", "'2026-03-01T10:00'", "''", f"'{ZERO_DATE}'",
                  "'2026-02-28 23:59:59'", "'0000-00-00'", "'2026-03-31 00:00:00'"],
    "uuid": ["''", f"'{A}'", f"'{A.upper()}'", f"'{B}'", f"'{C}'"],
    "flag": ["1", "0", "'1'", "'0'"],
    "int": ["0", "3", "-3", "3.5", "900", "'900'", "2.999", "-1"],
    "float": ["144.5", "0", "-37.25", "144.50", "1", "-3", "0.1", "1000"],
    "text": ["''", "'208 king st'", "'King'", "'1001'", "1001", "'äpfel strasse'", "'ÄPFEL STRASSE'",
             "'Tenant home'", "'[]'", "'z'", "'king st'", "'a'"],
    "category": ["'Work Order'", "'quote'", "'COMPLETED'", "'Unsuccessful'"],
}
_TEXT_VALUES["date"] = _TEXT_VALUES["timestamp"]
_TEXT_VALUES["money"] = _TEXT_VALUES["float"]


def _condition_texts(resource: Resource) -> st.SearchStrategy[str]:
    fields = [*resource.fields] + (["customfield_site_access"] if resource.name == "job" else [])

    def conditions(name: str) -> st.SearchStrategy[str]:
        field = resource.fields.get(name)
        kind = field.kind if field is not None else "text"
        ops = ["eq", "ne"] if kind in ("uuid", "flag", "category") else ["eq", "ne", "gt", "lt"]
        return st.tuples(st.just(name), st.sampled_from(ops), st.sampled_from(_TEXT_VALUES[kind])).map(" ".join)

    return st.sampled_from(fields).flatmap(conditions)


@_LOOSE
@given(data=st.data(), resource=st.sampled_from(["jobactivity", "job"]))
def test_canonical_text_is_a_fixed_point_with_the_same_server_answer(data: st.DataObject, resource: str) -> None:
    spec = RESOURCES[resource]
    text = " and ".join(data.draw(st.lists(_condition_texts(spec), min_size=1, max_size=10)))
    canonical = parse_filter(text).to_filter(resource)
    again = parse_filter(canonical).to_filter(resource) if canonical else ""
    assert again == canonical
    # every condition of valid $filter text can go back to the server, and means the same there
    assert all(step.sent for step in plan(parse_filter(text), spec).steps)
    sent, asked = _server(spec, canonical, RECORDS[resource]), _server(spec, text, RECORDS[resource])
    assert sent.tolist() == asked.tolist(), (text, canonical)


# --- 3. the planner ---------------------------------------------------------------------------
def _step(planned: sm.Plan, index: int = 0) -> Any:
    return planned.steps[index]


@pytest.mark.parametrize(("where", "sent"), [
    (F.status == "Quote", "status eq 'Quote'"),
    (F.status != "Quote", "status ne 'Quote'"),
    (F.total_invoice_amount > 500, "total_invoice_amount gt 500"),
    (F.total_invoice_amount < 0.5, "total_invoice_amount lt 0.5"),
    (F.lng > 144.5, "lng gt 144.5"),
    (F.active == True, "active eq 1"),
    (F.active != 0, "active ne 0"),
    (F.company_uuid == A, f"company_uuid eq '{A}'"),
    (F.date > "2026-03-01", "date gt '2026-03-01 00:00:00'"),
    (F.job_address > "M", "job_address gt 'M'"),
    (F.customfield_site_access == "Tenant home", "customfield_site_access eq 'Tenant home'"),
])
def test_equalities_and_strict_ranges_go_to_the_server_as_they_are(where: sm.Expr, sent: str) -> None:
    planned = _assert_plan_sound(where, "job")
    assert planned.filter == sent
    assert planned.local is None
    assert _step(planned).place == "server" and _step(planned).sent == (sent,)


@pytest.mark.parametrize("where", [F.lng >= 144.5, F.lat <= -37.25, F.total_invoice_amount >= 100.5,
                                   F.payment_amount <= 0.1, F.job_address >= "king", F.lng.between(0, 200)])
def test_inclusive_ranges_on_fractional_numbers_and_text_stay_local(where: sm.Expr) -> None:
    planned = _assert_plan_sound(where, "job")
    assert planned.filter == ""
    assert planned.local == where
    assert all(step.place == "local" and step.sent == () for step in planned.steps)


@pytest.mark.parametrize(("where", "sent"), [
    (F.travel_time_in_seconds >= 3.5, "travel_time_in_seconds gt 3"),
    (F.travel_time_in_seconds >= 3, "travel_time_in_seconds gt 2"),
    (F.travel_time_in_seconds <= 3.5, "travel_time_in_seconds lt 4"),
    (F.travel_time_in_seconds <= 3, "travel_time_in_seconds lt 4"),
    (F.travel_time_in_seconds >= -2.5, "travel_time_in_seconds gt -3"),
    (F.travel_time_in_seconds <= -2.5, "travel_time_in_seconds lt -2"),
    (F.travel_time_in_seconds >= "3", "travel_time_in_seconds gt 2"),
    (F.travel_time_in_seconds >= 2.999, "travel_time_in_seconds gt 2"),
])
def test_inclusive_ranges_on_whole_numbers_move_the_bound(where: sm.Expr, sent: str) -> None:
    planned = _assert_plan_sound(where, "jobactivity")
    assert planned.filter == sent
    assert planned.local is None
    assert "whole numbers" in _step(planned).reason


@pytest.mark.parametrize(("where", "sent", "place"), [
    (F.start_date >= "2026-03-01", "start_date gt '2026-02-28 23:59:59'", "server"),
    (F.start_date >= date(2026, 3, 1), "start_date gt '2026-02-28 23:59:59'", "server"),
    (F.start_date > "2026-03-01", "start_date gt '2026-03-01 00:00:00'", "server"),
    (F.start_date <= "2026-03-01", "start_date lt '2026-03-01 00:00:01'", "both"),
    (F.start_date < "2026-03-01", "start_date lt '2026-03-01 00:00:00'", "both"),
    (F.end_date <= datetime(2026, 3, 31, 23, 59, 59), "end_date lt '2026-04-01 00:00:00'", "both"),
])
def test_time_ranges_use_whole_seconds_and_recheck_upper_bounds_locally(where: sm.Expr, sent: str, place: str) -> None:
    planned = _assert_plan_sound(where, "jobactivity")
    assert planned.filter == sent
    assert _step(planned).place == place
    assert (planned.local == where) if place == "both" else planned.local is None


def test_date_fields_range_like_timestamps() -> None:
    planned = _assert_plan_sound(F.date.between("2026-03-01", "2026-03-31"), "job")
    assert planned.filter == "date gt '2026-02-28 23:59:59' and date lt '2026-03-31 00:00:01'"
    assert planned.local == (F.date <= "2026-03-31")


def test_upper_time_bound_is_rechecked_because_the_server_keeps_zero_dates() -> None:
    where = F.start_date < "2026-03-02"
    planned = _assert_plan_sound(where, "jobactivity")
    server = _server(ACTIVITY, planned.filter, ACTIVITY_RECORDS)
    zero = np.array([r.get("start_date") in (ZERO_DATE, "") for r in ACTIVITY_RECORDS])
    assert zero.any() and (server & zero).any()  # the server does send the zero dates …
    assert not (evaluate(planned.local, FRAMES["jobactivity"], ACTIVITY) & zero).any()  # … and they go here
    assert "zero dates" in _step(planned).reason


@pytest.mark.parametrize(("where", "sent", "place"), [
    (F.start_date == pd.Timestamp("2026-03-01 10:00:00.5"), "", "local"),
    (F.start_date != pd.Timestamp("2026-03-01 10:00:00.5"), "", "local"),
    (F.start_date > pd.Timestamp("2026-03-01 10:00:00.5"), "start_date gt '2026-03-01 10:00:00'", "server"),
    (F.start_date >= pd.Timestamp("2026-03-01 10:00:00.5"), "start_date gt '2026-03-01 10:00:00'", "server"),
    (F.start_date < "2026-03-01 10:00:00.5", "start_date lt '2026-03-01 10:00:01'", "both"),
    (F.start_date <= datetime(2026, 3, 1, 10, 0, 0, 500000), "start_date lt '2026-03-01 10:00:01'", "both"),
    (F.start_date.between(pd.Timestamp("2026-03-01 09:59:59.5"), pd.Timestamp("2026-03-01 10:00:00.5")),
     "start_date gt '2026-03-01 09:59:59' and start_date lt '2026-03-01 10:00:01'", None),
])
def test_sub_second_times(where: sm.Expr, sent: str, place: str | None) -> None:
    planned = _assert_plan_sound(where, "jobactivity")
    assert planned.filter == sent
    if place is not None:
        assert _step(planned).place == place
    if place == "local":
        assert "second" in _step(planned).reason


def test_isin_of_one_value_is_sent_as_eq_and_of_several_stays_local() -> None:
    one = _assert_plan_sound(F.status.isin(["Quote"]), "job")
    assert one.filter == "status eq 'Quote'" and one.local is None
    several = _assert_plan_sound(F.status.isin(["Quote", "Completed"]), "job")
    assert several.filter == "" and several.local == F.status.isin(["Quote", "Completed"])
    none = _assert_plan_sound(F.status.isin([]), "job")
    assert none.filter == "" and not evaluate(F.status.isin([]), FRAMES["job"], JOB).any()


@pytest.mark.parametrize("local", [
    F.staff_uuid.isin([A, B]),
    F.start_date.isna(),
    F.start_date.notna(),
    F.staff_uuid.isna(),
    F.staff_uuid.contains("3f2a"),
    F.staff_uuid.startswith("3F2A"),
    (F.active == True) | (F.travel_time_in_seconds > 100),
    ~(F.active == True),
    ~F.staff_uuid.isin([A]),
])
def test_or_not_several_values_missing_and_text_matching_stay_local(local: sm.Expr) -> None:
    where = local & (F.staff_uuid != C)
    planned = _assert_plan_sound(where, "jobactivity")
    assert planned.filter == f"staff_uuid ne '{C}'"
    assert planned.local == local
    assert [step.place for step in planned.steps] == ["local", "server"]
    assert planned.steps[0].reason


def test_at_most_ten_conditions_go_preferring_uuids_and_times() -> None:
    written = [
        F.travel_time_in_seconds != 1,          # ne: last
        F.travel_time_in_seconds != 2,
        F.activity_was_automated != True,
        F.travel_time_in_seconds > -100,         # ranges
        F.travel_distance_in_meters < 10**9,
        F.travel_distance_in_meters >= -10**6,
        F.active.isin([True, False]),           # local anyway: takes no room
        F.has_been_opened == False,
        F.activity_was_scheduled != None,
        F.start_date > "2020-01-01",             # times
        F.end_date < "2030-01-01",
        F.staff_uuid != C,                       # a uuid ne is still an ne
        F.job_uuid == B,                         # uuids first
        F.material_uuid == "",                   # a blank uuid is an ordinary equality
    ]
    where = reduce(lambda a, b: a & b, written)
    planned = _assert_plan_sound(where, "jobactivity")
    sent_texts = parse_filter_text(planned.filter)
    assert len(sent_texts) == 10
    by_condition = {str(step.condition): step for step in planned.steps}
    must_go = [F.job_uuid == B, F.start_date > "2020-01-01", F.end_date < "2030-01-01", F.has_been_opened == False,
               F.material_uuid == "", F.travel_time_in_seconds > -100, F.travel_distance_in_meters < 10**9,
               F.travel_distance_in_meters >= -10**6]
    for condition in must_go:
        assert by_condition[str(condition)].sent, condition
    nes = [F.travel_time_in_seconds != 1, F.travel_time_in_seconds != 2, F.activity_was_automated != True,
           F.staff_uuid != C]
    went = [by_condition[str(c)].sent != () for c in nes]
    assert went == [True, True, False, False]  # room for two ne; ties go in the order written
    for condition in nes[2:]:
        step = by_condition[str(condition)]
        assert step.place == "local" and "10" in step.reason
    assert [s.condition for s in planned.steps] == list(where.parts)  # steps keep the written order


def test_eleven_equalities_leave_the_last_one_local() -> None:
    written = [F[f"customfield_{i}"] == str(i) for i in range(11)]
    planned = plan(reduce(lambda a, b: a & b, written), JOB)
    assert len(parse_filter_text(planned.filter)) == 10
    assert [step.place for step in planned.steps] == ["server"] * 10 + ["local"]
    assert planned.local == written[-1]


def test_enriched_columns_go_as_the_uuid_when_one_record_has_the_name() -> None:
    calls: list[tuple[str, str]] = []
    names = {("staff_name", "ava lee"): [A], ("staff_name", "sam"): [A, B], ("job_number", "1001"): [B],
             ("client_name", "acme"): [C]}

    def lookup(column: str, name: str) -> list[str]:
        calls.append((column, name))
        return names.get((column, name.casefold()), [])

    frame = FRAMES["jobactivity"].copy()
    frame["staff_name"] = frame["staff_uuid"].str.casefold().map({A: "Ava Lee", B: "Sam", C: "Sam"}).astype("string")
    frame["job_number"] = frame["job_uuid"].str.casefold().map({B: "1001", A: "1002"}).astype("string")

    def check(where: sm.Expr) -> sm.Plan:
        return _assert_plan_sound(where, "jobactivity", lookup=lookup, frame=frame)

    assert check(F.staff_name == "Ava Lee").filter == f"staff_uuid eq '{A}'"
    assert calls[-1] == ("staff_name", "Ava Lee")
    assert check(F.staff_name != "Ava Lee").filter == f"staff_uuid ne '{A}'"
    assert check(F.staff_name.isin(["Ava Lee"])).filter == f"staff_uuid eq '{A}'"
    assert check(F.job_number == "1001").filter == f"job_uuid eq '{B}'"
    several = check(F.staff_name == "Sam")
    assert several.filter == "" and "2 records" in _step(several).reason
    nobody = check(F.staff_name == "Nobody")
    assert nobody.filter == "" and "0 records" in _step(nobody).reason
    ranged = check(F.staff_name > "B")
    assert ranged.filter == "" and _step(ranged).place == "local"
    before = len(calls)
    through_job = plan(F.client_name == "Acme", ACTIVITY, lookup=lookup)
    assert through_job.filter == "" and len(calls) == before  # comes through the job: nothing to look up
    assert plan(F.staff_name == "Ava Lee", ACTIVITY).filter == ""  # no lookup: local
    assert plan(F.client_name == "Acme", JOB, lookup=lookup).filter == f"company_uuid eq '{C}'"


def test_enriched_names_select_what_their_uuid_selects_on_the_server() -> None:
    """With the real ``enrich`` join and a Session-style lookup, on records whose uuids differ in case."""
    related_frames = {
        "staff": to_frame([{"uuid": A, "first": "Ava", "last": "Lee"}, {"uuid": B, "first": "Sam", "last": ""},
                           {"uuid": C, "first": "Sam", "last": ""}], get_resource("staff")),
        "job": to_frame([{"uuid": B, "generated_job_id": "1001", "company_uuid": C},
                         {"uuid": A, "generated_job_id": "1002", "company_uuid": ""}], JOB),
        "company": to_frame([{"uuid": C, "name": "Acme"}], get_resource("company")),
        "category": to_frame([], get_resource("category")),
    }
    related = related_frames.__getitem__
    frame = enrich(FRAMES["jobactivity"], related)

    def lookup(column: str, name: str) -> list[str]:  # as Session._uuids_named: names in any case
        names = names_by_uuid(column, related)
        return sorted(set(names.index[names.astype("string").str.casefold() == name.casefold()]))

    for where in [F.job_number == "1001", F.job_number != "1002", F.client_name == "acme",
                  F.staff_name == "Ava Lee", F.staff_name != "ava lee"]:
        _assert_plan_sound(where, "jobactivity", lookup=lookup, frame=frame)


def test_enriched_uuid_equality_ranks_as_a_uuid() -> None:
    where = reduce(lambda a, b: a & b, [F.travel_time_in_seconds != i for i in range(10)]) & (F.staff_name == "x")
    planned = plan(where, ACTIVITY, lookup=lambda column, name: [A])
    assert f"staff_uuid eq '{A}'" in planned.filter
    assert planned.steps[-1].place == "server" and planned.steps[9].place == "local"


def test_plan_str_names_every_condition_its_place_and_reason() -> None:
    where = ((F.staff_uuid == A) & (F.start_date >= "2026-03-01") & (F.end_date < "2026-04-01")
             & F.staff_uuid.isin([A, B]) & F.travel_time_in_seconds.isna()
             & ((F.active == True) | F.has_been_opened_timestamp.isna()))
    planned = plan(where, "jobactivity")
    text = str(planned)
    assert repr(planned) == text
    assert "jobactivity" in text and planned.filter in text and str(planned.local) in text
    lines = text.splitlines()
    for step in planned.steps:
        line = next(line for line in lines if str(step.condition) in line and step.reason in line)
        assert step.place in line
    assert {step.place for step in planned.steps} == {"server", "local", "both"}
    assert len({step.reason for step in planned.steps}) >= 4
    empty = plan(None, "job")
    assert empty.filter == "" and empty.local is None and empty.steps == ()
    assert "everything" in str(empty)


def test_plan_accepts_a_resource_object_or_name_and_leaves_the_expression_alone() -> None:
    where = (F.status == "Quote") & (F.date >= "2026-03-01")
    before = str(where)
    assert plan(where, "job") == plan(where, JOB)
    assert plan(where, "job").resource == "job" and plan(where).resource is None
    assert str(where) == before
    assert where.fields() == {"status", "date"}


# --- 4. errors, before anything ---------------------------------------------------------------
def test_unknown_field_names_the_valid_ones_and_suggests_the_closest() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        plan(F.stauts == "Quote", "job")
    error = caught.value
    assert isinstance(error, FilterError) and isinstance(error, LookupError)
    message = str(error)
    assert "'stauts'" in message and "did you mean 'status'" in message
    listed = message.split("valid fields:")[1]
    assert all(name in listed for name in JOB.fields)
    assert "client_name" in listed  # enriched columns are valid too
    with pytest.raises(UnknownFieldError, match="staff_name"):
        plan(F.staff_nam == "x", "jobactivity")


@pytest.mark.parametrize("where", [
    (F.status == "Quote") | (F.nope == 1),
    ~(F.nope == 1),
    F.nope.isna(),
    F.nope.contains("x"),
    F.nope.isin([1, 2]),
    (F.active == 1) & ~((F.status == "Quote") & F.jobaddress.startswith("x")),
    F.uuidd == "",
])
def test_unknown_fields_anywhere_in_the_tree_are_refused(where: sm.Expr) -> None:
    with pytest.raises(UnknownFieldError):
        plan(where, "job")


def test_custom_fields_are_fields_of_jobs_and_clients_only() -> None:
    assert plan(F.customfield_gate_code == "1234", "job").filter == "customfield_gate_code eq '1234'"
    assert plan(F.customfield_gate_code == "1234", "company").filter == "customfield_gate_code eq '1234'"
    with pytest.raises(UnknownFieldError):
        plan(F.customfield_gate_code == "1234", "jobactivity")


@pytest.mark.parametrize(("resource", "where", "named"), [
    ("jobactivity", F.active > 0, "active"),
    ("jobactivity", F.activity_was_scheduled <= True, "activity_was_scheduled"),
    ("jobactivity", F.activity_was_scheduled.between(0, 1), "activity_was_scheduled"),
    ("jobactivity", F.staff_uuid < A, "staff_uuid"),
    ("jobactivity", F.staff_uuid >= A, "staff_uuid"),
    ("job", F.status > "Quote", "status"),
    ("job", F.status.between("Completed", "Quote"), "status"),
    ("jobactivity", F.travel_time_in_seconds.contains("9"), "travel_time_in_seconds"),
    ("jobactivity", F.start_date.startswith("2026"), "start_date"),
    ("jobactivity", F.active.contains("1"), "active"),
    ("job", F.total_invoice_amount.startswith("1"), "total_invoice_amount"),
    ("job", (F.status == "Quote") | (F.geo_is_valid > 0), "geo_is_valid"),
])
def test_operator_that_does_not_fit_the_field_type(resource: str, where: sm.Expr, named: str) -> None:
    with pytest.raises(FilterError) as caught:
        plan(where, resource)
    assert not isinstance(caught.value, UnknownFieldError)
    assert named in str(caught.value)


@pytest.mark.parametrize(("resource", "where", "words"), [
    ("jobactivity", F.start_date > "March", ["'March'", "start_date"]),
    ("jobactivity", F.start_date > "2026-13-01", ["'2026-13-01'"]),
    ("jobactivity", F.start_date == "2026-02-30", ["'2026-02-30'"]),
    ("jobactivity", F.start_date == "2026-03-01 25:00", ["'2026-03-01 25:00'"]),
    ("jobactivity", F.start_date < 20260301, ["20260301"]),
    ("jobactivity", F.start_date.isin(["2026-03-01", "soon"]), ["'soon'"]),
    ("job", F.date.between("2026-03-01", "end of March"), ["'end of March'"]),
    ("jobactivity", F.staff_uuid == "abc", ["'abc'", "uuid"]),
    ("jobactivity", F.staff_uuid.isin([A, "not-a-uuid"]), ["'not-a-uuid'"]),
    ("job", F.status == "Done", ["'Done'", "Quote", "Work Order"]),
    ("job", F.status.isin(["Quote", "Finished"]), ["'Finished'"]),
    ("job", F.status != "", ["''"]),
    ("jobactivity", F.active == "yes", ["'yes'"]),
    ("jobactivity", F.active == 2, ["2"]),
    ("jobactivity", F.travel_time_in_seconds > "many", ["'many'"]),
    ("jobactivity", F.travel_time_in_seconds > True, ["True"]),
    ("job", F.total_invoice_amount > "nan", ["'nan'"]),
    ("job", F.job_address == True, ["True"]),
])
def test_value_that_does_not_fit_the_field(resource: str, where: sm.Expr, words: list[str]) -> None:
    with pytest.raises(FilterError) as caught:
        plan(where, resource)
    for word in words:
        assert word in str(caught.value)


def test_categories_compare_case_insensitively() -> None:
    planned = _assert_plan_sound(F.status == "work ORDER", "job")
    assert planned.filter == "status eq 'work ORDER'"
    assert evaluate(F.status == "work ORDER", FRAMES["job"], JOB).tolist() == \
        evaluate(F.status == "Work Order", FRAMES["job"], JOB).tolist()


@pytest.mark.parametrize(("text", "at"), [
    ("status eq 'Quote' or active eq 1", "or"),
    ("status eq 'Quote' and not active eq 1", "not"),
    ("status eq 'Quote", "'Quote"),
    ("status ge 1", "ge"),
    ("status eq Quote", "Quote"),
    ("(status eq 'Quote')", "("),
    ("status eq 'Quote' active eq 1", "active"),
    ("status eq 'Quote' and ", None),
    ("", None),
])
def test_malformed_text_says_where(text: str, at: str | None) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    position = caught.value.position
    assert isinstance(position, int) and 0 <= position <= len(text)
    if at is not None:
        assert position == text.index(at)
        assert f"position {position}" in str(caught.value)


def test_more_than_ten_conditions_in_text_are_refused() -> None:
    text = " and ".join(f"active eq {i % 2}" for i in range(11))
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert caught.value.position == text.rindex("active")


@pytest.mark.parametrize(("text", "culprit"), [
    ("status eq 'Quote' and stauts eq 'x'", "stauts"),
    ("status eq 'Quote' and date gt 'March'", "date"),
    ("active eq 1 and status eq 'Done' and date gt '2026-03-01'", "status"),
    ("active gt 0", "active"),
    ("active eq 1 and staff_uuid eq 'abc'", None),  # not a job field
])
def test_errors_in_text_carry_the_position_of_the_condition(text: str, culprit: str | None) -> None:
    with pytest.raises(FilterError) as caught:
        plan(parse_filter(text), "job", text=text)
    culprit = culprit or "staff_uuid"
    position = text.index(culprit)
    assert caught.value.position == position
    assert f"(in {text!r} at position {position})" in str(caught.value)


@pytest.mark.parametrize("value", [pd.Timestamp("2026-03-01 00:00", tz="UTC"),
                                   datetime(2026, 3, 1, tzinfo=UTC), "2026-03-01T00:00:00+00:00"])
def test_aware_times_need_a_session_time_zone(value: Any) -> None:
    with pytest.raises(FilterError, match="naive"):
        plan(F.start_date > value, "jobactivity")
    # Sydney is UTC+11 on 1 March (daylight saving); zoned lower bounds are widened by 2 hours
    assert plan(F.start_date > value, "jobactivity", tz="Australia/Sydney").filter == \
        "start_date gt '2026-03-01 09:00:00'"


class _RefusingHTTP(requests.Session):
    """Records every request and refuses it (no network in unit tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append((method, url))
        raise requests.ConnectionError("no network in unit tests")


@pytest.mark.parametrize("where", [
    F.stauts == "Quote",
    "status eq 'Quote' and stauts eq 'x'",
    F.active > 0,
    F.date >= "March",
    "status eq 'Quote' or active eq 1",
    (F.status == "Quote") & (F.start_date > pd.Timestamp("2026-03-01", tz="UTC")),
])
def test_a_bad_filter_sends_no_request(where: Any) -> None:
    http = _RefusingHTTP()
    with sm.connect(api_key="unit-test-key", session=http, progress=False, retry_budget=0) as session:
        with pytest.raises(FilterError):
            session.frame("job", where)
        with pytest.raises(FilterError):
            session.explain("job", where)
        assert http.calls == []
        with pytest.raises(sm.SMExploreError):  # the harness does see requests that are made
            session.frame("job", F.status == "Quote")
        assert len(http.calls) == 1


# --- 5. local semantics = server semantics ------------------------------------------------------
def _blank_time(record: dict[str, Any], name: str) -> bool:
    return record.get(name) in (None, "", ZERO_DATE, "0000-00-00")


def _grid(resource: Resource) -> list[tuple[str, str]]:
    fields = [*resource.fields] + (["customfield_site_access", "customfield_absent"] if resource.name == "job" else [])
    return [(resource.name, name) for name in fields]


@pytest.mark.parametrize(("resource_name", "name"), _grid(ACTIVITY) + _grid(JOB))
def test_every_sendable_condition_selects_what_the_server_selects(resource_name: str, name: str) -> None:
    resource = RESOURCES[resource_name]
    records, frame = RECORDS[resource_name], FRAMES[resource_name]
    field = resource.fields.get(name)
    kind = field.kind if field is not None else "text"
    ops = ["eq", "ne"] if kind in ("uuid", "flag", "category") else ["eq", "ne", "gt", "lt"]
    wrong = []
    for op in ops:
        for value in _TEXT_VALUES[kind]:
            text = f"{name} {op} {value}"
            where = parse_filter(text)
            planned = plan(where, resource)
            local = evaluate(where, frame, resource)
            server = _server(resource, text, records)
            if planned.steps[0].place == "both":  # lt on times: the server also keeps zero dates
                assert kind in ("timestamp", "date") and op == "lt"
                server &= ~np.array([_blank_time(r, name) for r in records])
            else:
                assert planned.steps[0].place == "server", text
            if local.tolist() != server.tolist():
                wrong.append(f"{text}: local {local.astype(int)} server {server.astype(int)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("resource", "where", "expected"), [
    # hand-checked answers on the records above
    ("jobactivity", F.staff_uuid == A.upper(), [True, True, False, False, False, True, False, False]),
    ("jobactivity", F.staff_uuid.isna(), [False, False, True, False, False, False, False, True]),
    ("jobactivity", F.start_date.isna(), [False, True, False, False, False, False, False, False]),
    ("jobactivity", F.start_date.between("2026-03-01", "2026-03-01 10:00:00"),
     [False, False, True, False, True, False, False, False]),
    ("jobactivity", F.travel_time_in_seconds != 3, [True, True, False, True, True, True, True, True]),
    ("jobactivity", F.travel_time_in_seconds.isin([3, 4]), [False, False, True, True, False, False, False, False]),
    ("jobactivity", F.activity_was_scheduled != True,
     [False, True, True, False, False, False, False, True]),
    ("jobactivity", F.end_date == None, [False, True, False, False, False, False, False, True]),
    ("job", F.job_address.contains("KING"), [True, True, False, False, False]),
    ("job", F.job_address.contains("strasse"), [False, False, False, True, False]),
    ("job", F.job_address.startswith("äpfel"), [False, False, False, True, False]),
    ("job", F.job_address.isna(), [False, False, True, False, True]),
    ("job", F.status.isin(["QUOTE", "completed"]), [False, True, True, False, True]),
    ("job", F.total_invoice_amount.isna(), [False, False, True, False, True]),
    ("job", F.customfield_site_access.isna(), [False, True, False, False, True]),
    ("job", ~(F.lng == 144.5), [False, True, False, False, True]),
    ("job", (F.lng == 144.5) | (F.date < "2026-03-01"), [True, False, True, True, False]),
])
def test_local_only_conditions_on_edge_values(resource: str, where: sm.Expr, expected: list[bool]) -> None:
    assert evaluate(where, FRAMES[resource], RESOURCES[resource]).tolist() == expected
    _assert_plan_sound(where, resource)


def test_zero_date_comparisons_read_zero_as_missing() -> None:
    frame = FRAMES["jobactivity"]
    missing = frame["start_date"].isna().to_numpy()
    assert missing.any() and not missing.all()
    answers = {op: evaluate(Compare("start_date", op, ZERO_DATE), frame, ACTIVITY) for op in
               ("==", "!=", ">", "<", ">=", "<=")}
    assert answers["=="].tolist() == missing.tolist() == answers["<="].tolist()
    assert answers["!="].tolist() == (~missing).tolist() == answers[">"].tolist()
    assert not answers["<"].any() and answers[">="].all()
    for op in answers:
        _assert_plan_sound(Compare("start_date", op, ZERO_DATE), "jobactivity")


_KIND_VALUES: dict[str, list[Any]] = {
    "timestamp": ["2026-03-01", "2026-03-01 10:00:00", "2026-03-01 10:00", date(2026, 3, 1), ZERO_DATE,
                  datetime(2026, 3, 1, 10, 0, 0, 500000), pd.Timestamp("2026-02-28 23:59:59.25"),
                  "2026-03-02T08:00:00", pd.Timestamp("2026-03-31"), "2026-03-03"],
    "uuid": [A, A.upper(), B, C, ""],
    "flag": [True, False, 1, 0, "1"],
    "int": [0, 3, 4, 3.5, -1, 900, 2.999, -3, "4"],
    "float": [0, 0.1, 100.5, 144.5, -3, 1000, 1e-9, -37.25],
    "text": ["", "king st", "KING", "1001", "äpfel strasse", "z", "Tenant home", "208"],
    "category": ["Quote", "work order", "COMPLETED", "Unsuccessful"],
}
_KIND_VALUES["date"] = _KIND_VALUES["timestamp"]
_KIND_VALUES["money"] = _KIND_VALUES["float"]
_FIELDS = {
    "jobactivity": ["start_date", "end_date", "has_been_opened_timestamp", "allocated_timestamp", "staff_uuid",
                    "job_uuid", "material_uuid", "activity_was_scheduled", "active", "has_been_opened",
                    "travel_time_in_seconds", "travel_distance_in_meters"],
    "job": ["status", "job_address", "generated_job_id", "total_invoice_amount", "payment_amount", "lng", "lat",
            "date", "completion_date", "edit_date", "company_uuid", "customfield_site_access", "geo_is_valid"],
}


def _kind(resource: Resource, name: str) -> str:
    field = resource.fields.get(name)
    return field.kind if field is not None else "text"


@pytest.mark.parametrize(("resource_name", "name"), [(r, n) for r, names in _FIELDS.items() for n in names])
def test_every_single_comparison_plans_to_the_local_answer(resource_name: str, name: str) -> None:
    """Each operator with each edge value, on each kind of field, alone and as a between."""
    resource = RESOURCES[resource_name]
    kind = _kind(resource, name)
    ordered = kind in ("timestamp", "date", "int", "float", "money", "text")
    ops = ["==", "!=", "<", ">", "<=", ">="] if ordered else ["==", "!="]
    values = _KIND_VALUES[kind]
    for value in values:
        for op in ops:
            _assert_plan_sound(Compare(name, op, value), resource_name)
        _assert_plan_sound(F[name].isin([value]), resource_name)
    if ordered:
        for low, high in zip(values, values[1:] + values[:1]):
            _assert_plan_sound(F[name].between(low, high), resource_name)


def _leaves(resource: Resource, sendable_only: bool = False) -> st.SearchStrategy[sm.Expr]:
    """Single conditions on ``resource``: every form that fits each field's type (or only comparisons)."""
    def leaf(name: str) -> st.SearchStrategy[sm.Expr]:
        kind = _kind(resource, name)
        values = st.sampled_from(_KIND_VALUES[kind])
        ordered = kind in ("timestamp", "date", "int", "float", "money", "text")
        ops = ["==", "!="] + (["<", ">"] if ordered else []) + (["<=", ">="] if ordered and not sendable_only else [])
        compare = st.tuples(st.sampled_from(ops), values).map(lambda t: Compare(name, t[0], t[1]))
        if sendable_only:
            return compare
        ref = F[name]
        options = [compare, compare, st.lists(values, max_size=3).map(ref.isin), st.sampled_from([ref.isna(), ref.notna()])]
        if kind in ("timestamp", "date", "int", "float", "money", "text"):
            options.append(st.tuples(values, values).map(lambda t: ref.between(*t)))
        if kind in ("text", "uuid", "category"):
            texts = st.sampled_from(["", "k", "KING", "st", "3F2A", "äpfel", "work", "o", "1"])
            options += [texts.map(ref.contains), texts.map(ref.startswith)]
        return st.one_of(options)

    return st.one_of([leaf(name) for name in _FIELDS[resource.name]])


def _all_of(parts: list[sm.Expr]) -> sm.Expr:
    return reduce(lambda a, b: a & b, parts)


def _expressions(resource: Resource) -> st.SearchStrategy[sm.Expr]:
    leaf = _leaves(resource)
    tree = st.recursive(leaf, lambda children: st.one_of(
        st.tuples(children, children).map(lambda t: t[0] & t[1]),
        st.tuples(children, children).map(lambda t: t[0] | t[1]),
        children.map(lambda c: ~c)), max_leaves=3)
    shapes = [
        leaf,                                                          # one condition
        st.lists(leaf, min_size=2, max_size=3).map(_all_of),           # a few, all must hold
        tree,                                                          # and / or / not nested
        st.lists(tree, min_size=4, max_size=12).map(_all_of),          # many
        st.lists(_leaves(resource, sendable_only=True), min_size=12, max_size=16, unique_by=str).map(_all_of),  # past the limit
    ]
    return st.sampled_from(shapes).flatmap(lambda shape: shape)  # each shape equally often


_RESOURCE_AND_EXPR = st.one_of([st.tuples(st.just(name), _expressions(spec)) for name, spec in RESOURCES.items()])


@_LOOSE
@given(case=_RESOURCE_AND_EXPR)
def test_any_filter_planned_gives_the_purely_local_answer(case: tuple[str, sm.Expr]) -> None:
    resource, where = case
    spec, frame = RESOURCES[resource], FRAMES[resource]
    planned = _assert_plan_sound(where, resource)
    # the $filter sent is canonical: planned again from its text, the same text goes
    if planned.filter:
        assert plan(parse_filter(planned.filter), spec).filter == planned.filter
    # str() reads back as a filter that selects the same records and sends the same $filter
    back = eval(str(where), {"F": F})
    kept = evaluate(where, frame, spec)
    assert evaluate(back, frame, spec).tolist() == kept.tolist()
    assert plan(back, spec).filter == planned.filter
    assert evaluate(~where, frame, spec).tolist() == (~kept).tolist()


def test_plans_on_the_demo_account_give_the_local_answer(small_account_records: Any) -> None:
    activities = small_account_records.tables["jobactivity"][:600]
    jobs = small_account_records.tables["job"][:600]
    staff = sorted({r["staff_uuid"] for r in activities if r["staff_uuid"]})
    starts = sorted(r["start_date"] for r in activities if not _blank_time(r, "start_date"))
    middle = starts[len(starts) // 2]
    activity_filters = [
        F.staff_uuid == staff[0],
        (F.staff_uuid == staff[1].upper()) & (F.start_date >= middle),
        F.start_date.between(starts[10], middle) & (F.activity_was_recorded == True),
        (F.start_date < middle) & (F.travel_time_in_seconds >= 1800),
        F.staff_uuid.isin(staff[:3]) & ~(F.activity_was_scheduled == True),
        F.has_been_opened_timestamp.isna() | (F.end_date <= middle),
        parse_filter(f"start_date gt '{middle[:10]}' and travel_distance_in_meters lt 20000 and active eq 1"),
    ]
    frame = to_frame(activities, ACTIVITY)
    kept = [_assert_plan_sound(where, "jobactivity", activities, frame=frame) for where in activity_filters]
    sizes = [int(evaluate(where, frame, ACTIVITY).sum()) for where in activity_filters]
    assert all(0 < size < len(activities) for size in sizes), sizes  # the filters do discriminate
    for where, planned in zip(activity_filters, kept):  # every plain comparison here can be sent
        assert bool(planned.filter) == any(isinstance(part, Compare) for part in conjuncts(where)), where
    job_filters = [
        F.status == "completed",
        (F.total_invoice_amount >= 1000) & (F.date >= "2025-06-01"),
        F.job_address.contains("st") & F.status.isin(["Quote", "Work Order"]),
        (F.payment_date < "2025-06-01") & F.payment_amount.notna(),
        parse_filter("status eq 'Work Order' and total_invoice_amount gt 500"),
        F.customfield_site_access.isna(),
    ]
    job_frame = to_frame(jobs, JOB)
    for where in job_filters:
        _assert_plan_sound(where, "job", jobs, frame=job_frame)


# --- time zones --------------------------------------------------------------------------------
def test_a_session_time_zone_changes_nothing_but_how_aware_values_are_read() -> None:
    tz = "Australia/Sydney"
    frame = to_frame(ACTIVITY_RECORDS, ACTIVITY, tz)
    for where in [F.start_date >= "2026-03-01", F.start_date < pd.Timestamp("2026-02-28 12:59:59.5", tz="UTC"),
                  F.end_date.between(datetime(2026, 3, 1, tzinfo=UTC), "2026-03-31"),
                  F.start_date == pd.Timestamp("2026-03-01 00:00", tz="Australia/Sydney"),
                  F.start_date.isna() | (F.start_date > "2026-03-02")]:
        _assert_plan_sound(where, "jobactivity", tz=tz, frame=frame)
    naive = evaluate(F.start_date >= "2026-03-01", FRAMES["jobactivity"], ACTIVITY)
    aware = evaluate(F.start_date >= "2026-03-01", frame, ACTIVITY, tz)
    assert naive.tolist() == aware.tolist()


def test_a_local_time_bound_inside_a_daylight_saving_gap_is_a_filter_error_or_works() -> None:
    """02:30 on 4 October 2026 does not exist in Melbourne (clocks jump from 02:00 to 03:00)."""
    tz = "Australia/Melbourne"
    records = [_activity(start_date="2026-10-04 01:30:00"), _activity(start_date="2026-10-04 03:30:00")]
    frame = to_frame(records, ACTIVITY, tz)
    where = F.start_date < "2026-10-04 02:30"  # sent as lt, and checked again locally
    try:
        planned = plan(where, ACTIVITY, tz=tz)
    except FilterError:
        return  # refused before any request: acceptable
    assert planned.local is not None
    assert evaluate(where, frame, ACTIVITY, tz).tolist() == [True, False]


def test_records_in_the_repeated_daylight_saving_hour_get_the_local_answer() -> None:
    """02:30 on 5 April 2026 happens twice in Melbourne; the planned query must still match local filtering."""
    tz = "Australia/Melbourne"
    records = [_activity(start_date="2026-04-05 02:30:00"), _activity(start_date="2026-04-05 12:00:00")]
    _assert_plan_sound(F.start_date > "2026-01-01", "jobactivity", records, tz=tz)


def test_unquoted_numbers_on_text_fields_keep_their_spelling() -> None:
    """``geo_postcode eq 0800`` (a Darwin postcode) must mean what the API takes it to mean."""
    records = [_job(geo_postcode="0800"), _job(geo_postcode="800"), _job(generated_job_id="1001.50")]
    frame = to_frame(records, JOB)
    for text in ["geo_postcode eq 0800", "generated_job_id eq 1001.50"]:
        server = _server(JOB, text, records)
        assert evaluate(parse_filter(text), frame, JOB).tolist() == server.tolist(), text
        _assert_plan_sound(parse_filter(text), "job", records, frame=frame)


def test_enrich_takes_any_iterable_of_columns() -> None:
    related = {"staff": to_frame([], get_resource("staff")), "job": to_frame([], JOB),
               "company": to_frame([], get_resource("company")), "category": to_frame([], get_resource("category"))}
    added = enrich(FRAMES["jobactivity"], related.__getitem__, (c for c in ["staff_name", "job_number"]))
    assert {"staff_name", "job_number"} <= set(added.columns) and "client_name" not in added.columns


def test_field_misuse_gets_a_hint() -> None:
    with pytest.raises(TypeError, match="parentheses"):
        F.status == "Quote" & F.active == 1  # noqa: B015
    with pytest.raises(TypeError, match="isin"):
        bool(3 in [F.x])
    assert (F.x == pd.NaT) == Missing("x", True) and (F.x != float("nan")) == Missing("x", False)  # noqa: PLW0177
    with pytest.raises(TypeError, match="isna"):
        F.x.isin(["a", None])
