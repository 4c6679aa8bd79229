"""Ruddr's query-parameter dialect: what each family sends, what stays local, and that the split is exact.

The last test checks the dialect against the emulator's own parser: for generated filters, the
records ``query.py`` keeps for the parameters sent, filtered further here by the local remainder,
are the records a purely local filter keeps.
"""

from __future__ import annotations

import operator
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smexplore import F
from smexplore.core.errors import FilterError
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.expr import Expr
from smexplore.core.frames import to_frame
from smexplore.ruddr.dialect import PARAMETERS, RuddrDialect, dialect_for, plan
from smexplore.ruddr.emulator.query import FILTERS, parse_listing
from smexplore.ruddr.emulator.synth import build_workspace
from smexplore.ruddr.emulator.workspace import RESOURCES as EMULATED
from smexplore.ruddr.flatten import flatten
from smexplore.ruddr.resources import get_resource

_OPS = {"==": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge, "<": operator.lt,
        "<=": operator.le}
U = "38884479-11eb-4d49-828a-1c22d5fdb76a"


def _steps(where: Expr, resource: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(step.place, step.sent) for step in plan(where, resource).steps]


# --- the parameter table -----------------------------------------------------------------------
def test_parameters_are_the_emulators() -> None:
    assert list(PARAMETERS) == list(FILTERS) == list(EMULATED)
    for resource, parameters in PARAMETERS.items():
        assert {name for p in parameters.values() for name in p.names} == set(FILTERS[resource]), resource


@pytest.mark.parametrize("resource", EMULATED)
def test_each_parameter_filters_a_column_of_its_kind(resource: str) -> None:
    fields = get_resource(resource).fields
    kinds = {"uuid": "uuid", "enum": "category", "dates": "date", "text": "text", "exact": "text"}
    for column, parameter in PARAMETERS[resource].items():
        assert fields[column].kind == kinds[parameter.family], column
        if parameter.family == "enum":
            assert fields[column].choices, column  # the value is sent as one of them


def test_dialect_protocol_bits() -> None:
    dialect = dialect_for("allocations")
    assert dialect is dialect_for("allocations") and dialect.resource is get_resource("allocations")
    assert dialect.name == "query parameters" and dialect.max_conditions is None
    assert dialect.slot("startOnAfter=2026-03-01") == "startOnAfter"
    assert dialect.text(["memberId=a", "startOnAfter=2026-03-01"]) == "memberId=a & startOnAfter=2026-03-01"
    assert dialect.query(["nameContains=a=b & c"]) == {"nameContains": "a=b & c"}
    assert repr(RuddrDialect("members")) == "RuddrDialect('members')"
    with pytest.raises(KeyError, match="valid resources"):
        dialect_for("allocation")


# --- each family ----------------------------------------------------------------------------------
def test_uuids_are_sent_by_their_parameter() -> None:
    where = (F.member_id == U.upper()) & (F.placeholder_id == U) & F.project_id.isin([U])
    result = plan(where, "allocations")
    assert result.params == {"memberId": U, "resourcePlaceholderId": U, "projectId": U}
    assert result.filter == f"memberId={U} & resourcePlaceholderId={U} & projectId={U}"
    assert result.local is None
    assert _steps(F.role_id == U, "allocations") == [("local", ())]  # no parameter for roles
    assert _steps(F.member_id != U, "allocations") == [("local", ())]
    assert _steps(F.member_id == "", "allocations") == [("local", ())]  # blank: missing
    assert _steps(F.member_id.isin([U, U.replace("3", "4")]), "allocations") == [("local", ())]
    assert _steps(F.member_id.isna(), "allocations") == [("local", ())]


def test_enumerations_are_sent_as_the_tables_choice() -> None:
    assert plan(F.assignment_type_id == "TIME_OFF", "allocations").params == {"assignmentTypeId": "time_off"}
    assert plan(F.status_id.isin(["Paused"]), "projects").params == {"statusId": "paused"}
    assert plan(F.type_id == "project_time", "time-entries").params == {"typeId": "project_time"}
    assert _steps(F.unit == "day", "allocations") == [("local", ())]
    with pytest.raises(FilterError, match="one of"):
        plan(F.assignment_type_id == "holiday", "allocations")


@pytest.mark.parametrize(("op", "parameter"), [
    ("==", "start"), (">", "startAfter"), (">=", "startOnAfter"), ("<", "startBefore"), ("<=", "startOnBefore"),
])
def test_dates_on_whole_days(op: str, parameter: str) -> None:
    where = {"==": F.start == "2026-03-01", ">": F.start > date(2026, 3, 1), ">=": F.start >= "2026-03-01",
             "<": F.start < pd.Timestamp("2026-03-01"), "<=": F.start <= datetime(2026, 3, 1)}[op]
    result = plan(where, "allocations")
    assert result.params == {parameter: "2026-03-01"} and result.local is None


def test_dates_with_a_time_of_day_move_to_the_day_exactly() -> None:
    for where, sent in [(F.end > "2026-03-01 08:00", "endAfter"), (F.end >= "2026-03-01 08:00", "endAfter"),
                        (F.end < "2026-03-01 08:00", "endOnBefore"), (F.end <= "2026-03-01 08:00", "endOnBefore")]:
        assert plan(where, "allocations").params == {sent: "2026-03-01"}
        assert plan(where, "allocations").local is None
    assert _steps(F.date == "2026-03-01 08:00", "time-entries") == [("local", ())]  # no day is at 08:00
    assert _steps(F.date != "2026-03-01", "time-entries") == [("local", ())]
    assert plan(F.date.between("2026-03-01", "2026-03-31"), "time-entries").params == {
        "dateOnAfter": "2026-03-01", "dateOnBefore": "2026-03-31"}
    assert plan(F.date >= "0001-01-01", "time-entries").params == {"dateOnAfter": "0001-01-01"}
    assert _steps(F.completed_on > "2026-03-01", "projects") == [("local", ())]  # no parameter


def test_text_matching_is_sent_and_exact_text_narrowed() -> None:
    assert _steps(F.name.contains("ave"), "members") == [("server", ("nameContains=ave",))]
    assert _steps(F.email.startswith("A"), "members") == [("server", ("emailStartsWith=A",))]
    assert _steps(F.name == "Avery Kim", "members") == [("both", ("nameStartsWith=Avery Kim",))]
    assert _steps(F.name.contains(""), "members") == [("local", ())]
    assert _steps(F.name == "", "members") == [("local", ())]
    assert _steps(F.name != "x", "clients") == [("local", ())]
    assert _steps(F.code == "C-101", "clients") == [("local", ())]  # code= is exact and case-sensitive
    assert _steps(F.code.contains("101"), "clients") == [("local", ())]  # no codeContains
    assert _steps(F.name.contains("x"), "project-roles") == [("local", ())]


def test_one_condition_per_parameter() -> None:
    where = (F.start >= "2026-01-01") & (F.start >= "2026-02-01") & (F.start < "2026-04-01") & (F.end >= "2026-03-01")
    result = plan(where, "allocations")
    assert result.params == {"startOnAfter": "2026-01-01", "startBefore": "2026-04-01", "endOnAfter": "2026-03-01"}
    assert str(result.local) == "F.start >= '2026-02-01'"
    assert "another condition went there" in result.steps[1].reason
    # The name's == and a startswith() both need nameStartsWith: one goes.
    names = plan((F.name == "Acme Corp") & F.name.startswith("acme"), "clients")
    assert names.params == {"nameStartsWith": "Acme Corp"}
    assert str(names.local) == "(F.name == 'Acme Corp') & F.name.startswith('acme')"


def test_or_not_and_other_columns_stay_local_with_a_reason() -> None:
    where = ((F.member_id == U) | (F.project_id == U)) & ~(F.start >= "2026-03-01") & (F.total_hours > 8)
    result = plan(where, "allocations")
    assert result.params == {} and result.filter == ""
    reasons = [step.reason for step in result.steps]
    assert "'|'" in reasons[0] and "'~'" in reasons[1] and "no parameter for total_hours" in reasons[2]


def test_list_columns_take_only_isna() -> None:
    assert _steps(F.tags.notna(), "members") == [("local", ())]
    with pytest.raises(FilterError, match="holds a list"):
        plan(F.tags == "x", "members")


def test_explain_text() -> None:
    text = str(plan((F.member_id == U) & (F.start >= "2026-03-01"), "allocations"))
    assert f"query parameters sent: memberId={U} & startOnAfter=2026-03-01" in text


# --- exact against the emulator's parser ------------------------------------------------------------
@cache
def _data(resource: str, tz: str | None) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    records = _workspace().tables[resource]
    return records, to_frame([flatten(r) for r in records], get_resource(resource), tz)


@cache
def _workspace():  # type: ignore[no-untyped-def]
    return build_workspace(0, "small")


def _values(resource: str, column: str) -> list[Any]:
    series = _data(resource, None)[1][column].dropna()
    values = sorted(set(series.astype(object)), key=str)
    return values[:: max(1, len(values) // 40)] or ["x"]


def _cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.upper(), text.lower(), text.swapcase()])


@st.composite
def _leaf(draw: st.DrawFn, resource: str, parameters_only: bool = False) -> Expr:
    fields = get_resource(resource).fields
    parameters = PARAMETERS[resource]
    others = [n for n, f in fields.items() if f.kind in ("flag", "float", "int", "money", "category", "timestamp")
              and n not in parameters and _data(resource, None)[1][n].notna().any()]
    column = draw(st.sampled_from(list(parameters)) if parameters_only or not others or draw(st.integers(0, 3))
                  else st.sampled_from(others))
    ref = F[column]
    kind = fields[column].kind
    if kind == "uuid":
        value = draw(st.sampled_from(_values(resource, column)) | st.just(U))
        op = draw(st.sampled_from(["==", "!=", "isin1", "isin2", "isna"]))
        value = draw(_cased(value))
        if op == "isin2":
            return ref.isin([value, U])
        return ref.isin([value]) if op == "isin1" else ref.isna() if op == "isna" else _OPS[op](ref, value)
    if kind == "category":
        value = draw(_cased(str(draw(st.sampled_from(fields[column].choices or _values(resource, column))))))
        op = draw(st.sampled_from(["==", "!=", "isin1", "isin2"]))
        if op.startswith("isin"):
            extra = [str(draw(st.sampled_from(fields[column].choices or [value])))] if op == "isin2" else []
            return ref.isin([value, *extra])
        return _OPS[op](ref, value)
    if kind == "date":
        day = draw(st.sampled_from(_values(resource, column))) + timedelta(days=draw(st.integers(-2, 2)))
        if draw(st.booleans()):
            day += timedelta(hours=draw(st.integers(0, 23)), minutes=draw(st.sampled_from([0, 30])))
        op = draw(st.sampled_from(["==", "!=", ">", ">=", "<", "<=", "between"]))
        if op == "between":
            return ref.between(day, day + timedelta(days=draw(st.integers(0, 60))))
        return _OPS[op](ref, draw(st.sampled_from([day, str(day)])))
    if kind == "text":
        name = str(draw(st.sampled_from(_values(resource, column))))
        start = draw(st.integers(0, len(name)))
        end = draw(st.integers(start, len(name)))
        part = draw(_cased(draw(st.sampled_from([name, name[start:end], name[:end], name[start:]]))))
        how = draw(st.sampled_from(["==", "!=", "contains", "startswith"]))
        return ref.contains(part) if how == "contains" else ref.startswith(part) if how == "startswith" \
            else _OPS[how](ref, part)
    if kind == "flag":
        return ref == draw(st.booleans())
    if kind == "timestamp":
        return ref < draw(st.sampled_from(_values(resource, column)))
    value = draw(st.sampled_from(_values(resource, column)))
    return _OPS[draw(st.sampled_from([">", "<=", "=="]))](ref, value)


@st.composite
def _filter(draw: st.DrawFn, plain: bool = False) -> tuple[str, Expr]:
    """A resource and a filter on it; ``plain``: only conditions on parameters' columns, joined by ``&``."""
    resource = draw(st.sampled_from(EMULATED))
    parts = draw(st.lists(_leaf(resource, plain), min_size=1, max_size=3 if plain else 4))
    if not plain and len(parts) > 1 and draw(st.integers(0, 4)) == 0:
        parts = [parts[0] | parts[1], *parts[2:]]
    if not plain and draw(st.integers(0, 5)) == 0:
        parts[-1] = ~parts[-1]
    where = parts[0]
    for part in parts[1:]:
        where = where & part
    return resource, where


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_filter() | _filter(plain=True), st.sampled_from([None, "Australia/Sydney"]))
def test_server_and_local_split_equals_the_local_filter(case: tuple[str, Expr], tz: str | None) -> None:
    resource, where = case
    records, frame = _data(resource, tz)
    planned = plan(where, resource, tz=tz)
    listing = parse_listing(resource, {name: [value] for name, value in planned.params.items()}, reject_unknown=True)
    kept = [i for i, record in enumerate(records) if listing.predicate(record)]
    pulled = frame.iloc[kept]
    if planned.local is not None:
        pulled = pulled[evaluate(planned.local, pulled, get_resource(resource), tz)]
    expected = frame[evaluate(where, frame, get_resource(resource), tz)]
    assert pulled["id"].tolist() == expected["id"].tolist(), str(planned)
