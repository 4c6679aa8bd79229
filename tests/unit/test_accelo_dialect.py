"""Accelo's ``_filters`` dialect: what each condition is sent as, ``_filters`` text read back, and the
property that the emulator's own evaluation of what is sent, plus the local remainder, gives exactly
the rows a purely local filter gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smexplore import F, FilterError, UnknownFieldError
from smexplore.accelo.dialect import FILTERS, dialect_for, plan
from smexplore.accelo.emulator import build_agency
from smexplore.accelo.emulator.fields import Projection, parse_fields
from smexplore.accelo.emulator.filters import compile_filters
from smexplore.accelo.emulator.schema import tables
from smexplore.accelo.filter_text import parse_filters
from smexplore.accelo.flatten import flatten_all
from smexplore.accelo.resources import WIRE, get_resource
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.expr import Expr
from smexplore.core.frames import to_frame

JOBS = get_resource("jobs")
TASKS = get_resource("tasks")
ACTIVITIES = get_resource("activities")
_ACTIVITY_SAMPLE = 1500  # the first activities stand for all of them (both sides see the same records)


# --- what is sent ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("where", "sent", "local"), [
    (F.manager_id == 3, "manager(3)", None),
    (F.manager_id.isin([3, 4]), "manager(3,4)", None),
    ((F.manager_id == 3) | (F.manager_id == 4), "manager(3,4)", None),
    (F.manager_id != 3, "manager_not(3)", None),
    (~F.status_id.isin([1, 2]), "status_not(1,2)", None),
    (~(F.standing == "Active"), "standing_not(Active)", None),  # no choices listed: sent as written
    (F.date_due > "2026-03-01", "date_due_after(1772323200)", None),
    (F.date_due >= "2026-03-01", "date_due_after(1772323199)", None),
    (F.date_due < "2026-03-01", "date_due_before(1772323200)", None),
    (F.date_due <= "2026-03-01", "date_due_before(1772323201)", None),
    (F.date_due == "2026-03-01", "date_due_after(1772323199),date_due_before(1772323201)", None),
    (F.date_due > "2026-03-01 00:00:00.5", "date_due_after(1772323200)", None),
    (F.rate_charged > 100, "rate_charged_greater_than(100)", None),
    (F.rate_charged <= 99.5, "rate_charged_less_than_or_equal(99.5)", None),
    (F.date_completed.isna(), "empty(date_completed)", None),
    (F.manager_id.isna(), "empty(manager)", None),
    (((F.against_type == "company") & F.against_id.isin([1, 2])) | ((F.against_type == "company") & (F.against_id == 7)),
     "against(company(1,2),company(7))", None),
    ((F.manager_id == 1) | (F.status_id == 2) | ((F.standing == "active") & (F.rate_id == 1)),
     "_OR(manager(1),status(2),_AND(standing(active),rate(1)))", None),
    (F.manager_id < 4, "manager_less_than(4)", "F.manager_id < 4"),  # none (0) may count as below 4 there
    (F.title.contains("web"), "", "F.title.contains('web')"),
    (F.date_due.notna(), "", "F.date_due.notna()"),
    (F.date_due != "2026-03-01", "", "F.date_due != '2026-03-01'"),
    (F.custom_id == "007", "", "F.custom_id == '007'"),  # Accelo would compare it as the number 7
    (F.custom_id == "a,b", "", "F.custom_id == 'a,b'"),
    (F.manager_id == 0, "", "F.manager_id == 0"),  # Accelo's 'none'
    (F.title == "Website", "", "F.title == 'Website'"),  # no filter for titles
    ((F.manager_id == 1) | F.title.contains("x"), "", "(F.manager_id == 1) | F.title.contains('x')"),
    ((F.manager_id == 1) | ((F.status_id == 1) & (F.rate_id == 2)) | ((F.status_id == 2) & (F.rate_id == 1)), "",
     "(F.manager_id == 1) | ((F.status_id == 1) & (F.rate_id == 2)) | ((F.status_id == 2) & (F.rate_id == 1))"),
])
def test_what_is_sent_for_each_form(where: Expr, sent: str, local: str | None) -> None:
    planned = plan(where, JOBS)
    assert planned.filter == sent
    assert (str(planned.local) if planned.local is not None else None) == local
    assert planned.params == ({"_filters": sent} if sent else {})


def test_each_filter_name_is_sent_once_and_ranks_decide_which() -> None:
    planned = plan((F.date_due > "2026-01-01") & (F.date_due > "2026-02-01") & (F.manager_id == 2), JOBS)
    assert planned.filter == "date_due_after(1767225600),manager(2)"  # in the order written
    assert str(planned.local) == "F.date_due > '2026-02-01'"
    assert "another condition went there" in str(planned)
    two_ors = plan(((F.manager_id == 1) | (F.status_id == 2)) & ((F.rate_id == 1) | (F.paused == 3)), JOBS)
    assert two_ors.filter == "_OR(manager(1),status(2))"  # one _OR a request
    assert str(two_ors.local) == "(F.rate_id == 1) | (F.paused == 3)"


def test_hours_and_time_zones_are_sent_loosened_and_checked_here() -> None:
    hours = plan(F.budgeted_hours > 10, TASKS)
    assert hours.filter == "budgeted_greater_than_or_equal(35999)" and hours.local is not None
    zoned = plan(F.date_due >= "2026-03-01", JOBS, tz="Europe/London")
    assert zoned.filter == f"date_due_after({1772323200 - 26 * 3600})" and zoned.local is not None
    assert "wall times" in str(zoned)


def test_explain_says_what_runs_where() -> None:
    text = str(plan((F.manager_id == 3) & F.title.contains("web"), JOBS))
    assert "_filters sent: manager(3)" in text and "run locally:  F.title.contains('web')" in text
    assert dialect_for("jobs").query(["a(1)", "b(2)"]) == {"_filters": "a(1),b(2)"}
    assert dialect_for("jobs").slot("date_due_after(5)") == "date_due_after"


def test_unknown_fields_and_bad_values_fail_before_any_request() -> None:
    with pytest.raises(UnknownFieldError, match="did you mean 'manager_id'"):
        plan(F.manager == 3, JOBS)
    with pytest.raises(FilterError, match="not a number"):
        plan(F.manager_id == "ann", JOBS)


# --- _filters text ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expr"), [
    ("manager(3)", F.manager_id == 3),
    ("manager(3,4)", F.manager_id.isin([3, 4])),
    ("standing_not(active)", F.standing != "active"),
    ("standing_not(active,paused)", ~F.standing.isin(["active", "paused"])),
    ("date_due_after(1772323200)", F.date_due > pd.Timestamp("2026-03-01")),
    ("dated_created_before(1772323200)", None),  # the docs' typo is no filter of the client
    ("rate_charged_greater_than_or_equal(100.5)", F.rate_charged >= 100.5),
    ("min_id(5), max_id(9)", (F.id >= 5) & (F.id <= 9)),
    ("empty(date_due)", F.date_due.isna()),
    ("empty(manager,date_due)", F.manager_id.isna() | F.date_due.isna()),
    ("against(company(1,2))", (F.against_type == "company") & F.against_id.isin([1, 2])),
    ("_OR(manager(1),_AND(standing(active),paused(0)))",
     (F.manager_id == 1) | ((F.standing == "active") & (F.paused == 0))),
    ("search(site)", F.title.contains("site")),
])
def test_filters_text_reads_as_expressions(text: str, expr: Expr | None) -> None:
    if expr is None:
        with pytest.raises(FilterError, match="has no filter 'dated_created_before'"):
            parse_filters(text, JOBS)
        return
    assert str(parse_filters(text, JOBS)) == str(expr)


@pytest.mark.parametrize(("text", "position", "message"), [
    ("manager(3", 0, "never closed"),
    ("manager(3),,status(1)", 11, "empty item"),
    ("manager(3))", 10, "closes nothing"),
    ("manager(3)x", 10, "unexpected text"),
    ("manager(3),managr(4)", 11, "did you mean 'manager'"),
    ("manager(ann)", 8, "takes a number"),
    ("date_due_after(2026-03-01)", 15, "unix timestamp"),
    ("manager(1),manager(2)", 11, "given twice"),
    ("_OR(manager(1),_OR(status(2)))", 15, "inside _OR"),
    ("_OR(manager(1),_AND(status(1))),_AND(rate(1))", 32, "only one _AND"),
    ("order_by_desc(date_due)", 0, "sort the frame"),
])
def test_malformed_filters_text_names_the_position(text: str, position: int, message: str) -> None:
    with pytest.raises(FilterError, match=message) as caught:
        parse_filters(text, JOBS)
    assert caught.value.position == position
    assert f"at position {position}" in str(caught.value)


# --- the property: server part + local part == all local --------------------------------------------
class _Universe:
    """One resource's records: as the emulator holds them (to run ``_filters`` on) and as a typed frame."""

    def __init__(self, agency: Any, name: str, tz: str | None, limit: int | None = None) -> None:
        self.spec = get_resource(name)
        self.table = tables(agency)[self.spec.path.strip("/")]
        self.records = agency.tables[self.table.path][:limit]
        projection = Projection(agency, tables(agency))
        fields = parse_fields(WIRE[name].fields_param)
        answers = [projection.one(self.table, record, fields) for record in self.records]
        self.tz = tz
        self.frame = to_frame(flatten_all(answers, self.spec), self.spec, tz)

    def check(self, where: Expr) -> tuple[list[int], list[int], str]:
        planned = plan(where, self.spec, tz=self.tz)
        if planned.filter:
            predicate = compile_filters(planned.filter, self.table).predicate  # the emulator's own evaluation
            served = self.frame[np.array([predicate(record) for record in self.records], dtype=bool)]
        else:
            served = self.frame
        if planned.local is not None:
            served = served[evaluate(planned.local, served, self.spec, self.tz)]
        expected = self.frame[evaluate(where, self.frame, self.spec, self.tz)]
        return list(served["id"]), list(expected["id"]), planned.filter


@pytest.fixture(scope="module")
def universes() -> dict[tuple[str, str | None], _Universe]:
    agency = build_agency(0, "small", "demo")
    return {(name, tz): _Universe(agency, name, tz, _ACTIVITY_SAMPLE if name == "activities" else None)
            for name in ("jobs", "tasks", "activities") for tz in (None, "Europe/London")}


_COLUMNS = {
    "jobs": ["id", "manager_id", "status_id", "standing", "date_due", "date_completed", "date_started",
             "rate_charged", "against_type", "against_id", "custom_id", "job_type_id", "paused", "title",
             "affiliation_id", "modified_by_id", "job_contract_id", "rate_id"],
    "tasks": ["id", "assignee_id", "budgeted_hours", "remaining_hours", "standing", "date_due", "date_completed",
              "task_job_id", "rate_charged", "status_id", "manager_id", "against_id", "creator_id"],
    "activities": ["id", "staff_id", "task_id", "against_type", "against_id", "date_started", "date_ended",
                   "medium", "thread_id", "parent_id", "owner_id", "activity_class_id", "billable_hours"],
}


def _values(frame: pd.DataFrame, column: str) -> list[Any]:
    """Values to compare ``column`` with: some it holds (text also in other cases), and edges."""
    series = frame[column].dropna()
    kind = frame[column].dtype
    found = list(series.drop_duplicates().head(12))
    if isinstance(kind, pd.DatetimeTZDtype):
        found = [v.tz_localize(None) for v in found]
    if pd.api.types.is_datetime64_any_dtype(kind):
        edges = [v + pd.Timedelta(seconds=s) for v in found[:3] for s in (-1, 0.5, 1)]
        return [*found, *edges, pd.Timestamp("2025-06-01"), pd.Timestamp("2026-03-02 12:00")]
    if kind == "Int64":
        return [*[int(v) for v in found], 0, -1, 1, 2, 10_000]
    if kind == "Float64":
        return [*[float(v) for v in found], 0.0, 0.5, 100.0, 150.0]
    texts = [str(v) for v in found]
    return [*texts, *(t.upper() for t in texts[:2]), "007", "x", ""]


def _leaf(draw: Any, frame: pd.DataFrame, columns: list[str]) -> Expr:
    column = draw(st.sampled_from(columns))
    ref = F[column]
    values = _values(frame, column)
    kind = frame[column].dtype
    ordered = pd.api.types.is_datetime64_any_dtype(kind) or kind in ("Int64", "Float64")
    ops = ["==", "!=", "isin", "isna", "notna", "not_isin"] + ([">", "<", ">=", "<="] if ordered else ["contains"])
    op = draw(st.sampled_from(ops))
    if op == "isna":
        return ref.isna()
    if op == "notna":
        return ref.notna()
    if op in ("isin", "not_isin"):
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
        return ref.isin(chosen) if op == "isin" else ~ref.isin(chosen)
    value = draw(st.sampled_from(values))
    if op == "contains":
        return ref.contains(str(value)[:4])
    if value == "" and op != "==":
        value = "x"
    return {"==": ref == value, "!=": ref != value, ">": ref > value, "<": ref < value, ">=": ref >= value,
            "<=": ref <= value}[op]


@st.composite
def _where(draw: Any, frame: pd.DataFrame, columns: list[str]) -> Expr:
    def part() -> Expr:
        shape = draw(st.sampled_from(["leaf", "leaf", "not", "and"]))
        if shape == "not":
            return ~_leaf(draw, frame, columns)
        if shape == "and":
            return _leaf(draw, frame, columns) & _leaf(draw, frame, columns)
        return _leaf(draw, frame, columns)

    conjuncts = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            conjuncts.append(part())
        else:  # an '|' of two or three parts
            alternatives = [part() for _ in range(draw(st.integers(2, 3)))]
            combined = alternatives[0]
            for other in alternatives[1:]:
                combined = combined | other
            conjuncts.append(combined)
    where = conjuncts[0]
    for other in conjuncts[1:]:
        where = where & other
    return where


@pytest.mark.parametrize("tz", [None, "Europe/London"])
@pytest.mark.parametrize("name", ["jobs", "tasks", "activities"])
def test_server_part_plus_local_part_is_the_local_answer(universes: dict[tuple[str, str | None], _Universe],
                                                         name: str, tz: str | None) -> None:
    universe = universes[(name, tz)]

    @settings(max_examples=60 if tz is None else 25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_where(universe.frame, _COLUMNS[name]))
    def check(where: Expr) -> None:
        served, expected, sent = universe.check(where)
        assert served == expected, f"{where} sent {sent!r}"

    check()


def test_filters_text_means_what_the_emulator_makes_of_it(universes: dict[tuple[str, str | None], _Universe]) -> None:
    universe = universes[("jobs", None)]
    for text in ["manager(1,2),standing_not(complete)", "date_due_after(1750000000),date_due_before(1770000000)",
                 "_OR(status(1,2),_AND(standing(complete),rate_charged_greater_than(150)))",
                 "against(company(1,3,5)),empty(date_completed)", "rate_less_than_or_equal(2),min_id(20),max_id(200)",
                 "search(site)", "job_type_not(1),paused(0)"]:
        predicate = compile_filters(text, universe.table).predicate
        emulated = [int(r["id"]) for r in universe.records if predicate(r)]
        where = parse_filters(text, JOBS)
        assert where is not None
        local = list(universe.frame[evaluate(where, universe.frame, JOBS)]["id"])
        assert emulated == local, text
        served, expected, _ = universe.check(where)
        assert served == expected == local, text


def test_the_filter_table_names_only_what_the_emulator_accepts(universes: dict[tuple[str, str | None], _Universe]) -> None:
    agency_tables = {name: universes[(name, None)].table for name in ("jobs", "tasks", "activities")}
    for name, table in agency_tables.items():
        for found in FILTERS[name].values():
            for text in ([f"{found.basic}(1)", f"{found.basic}_not(1)"] if found.basic else []) + \
                    ([f"{found.dates}_after(1)", f"{found.dates}_before(1)"] if found.dates else []) + \
                    ([f"{found.ranges}_greater_than(1)"] if found.ranges else []):
                compile_filters(text, table)  # raises if the emulator has no such filter
