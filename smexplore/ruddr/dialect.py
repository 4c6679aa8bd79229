"""Ruddr's server dialect: the query parameters each list filters by, and which conditions they run exactly.

Ruddr filters a list by query parameters, one family per field type (its pagination guide;
``shared/reference/other-systems.md`` §A.5):

========================= ============================================ ==================================
condition (frame column)  sent as                                      runs
========================= ============================================ ==================================
``F.member_id == u``      ``memberId=u`` (uuid columns: the ``…_id``   server only (exact)
                          of a nested object, by its parameter)
``F.assignment_type_id    ``assignmentTypeId=project`` (enumerations:  server only (exact)
== "Project"``            the value written as the table's choice)
``F.start == d``          ``start=d``                                   server only
``F.start > d``           ``startAfter=d``                              server only
``F.start >= d``          ``startOnAfter=d``                            server only
``F.start < d``           ``startBefore=d``                             server only
``F.start <= d``          ``startOnBefore=d``                           server only
``F.name.contains(t)``    ``nameContains=t``                            server only (both ignore case)
``F.name.startswith(t)``  ``nameStartsWith=t``                          server only (both ignore case)
``F.name == t``           ``nameStartsWith=t``                          both: Ruddr's ``name=`` is
                                                                       case-sensitive, ``==`` is not
========================= ============================================ ==================================

Rules (the answer is always the same as running everything locally):

- Dates (``start``, ``end``, ``date``) are whole days, so a bound with a time of day is moved to
  the day exactly: ``> 2026-03-01 08:00`` and ``>= …`` are ``startAfter=2026-03-01``, ``<`` and
  ``<=`` are ``startOnBefore=2026-03-01``; ``==`` a time of day matches no day and runs locally.
- Each parameter is given once: of two conditions needing the same one (``start >= a`` and
  ``start >= b``), the first written goes and the other runs locally (``slot``).
- ``!=``, ``|``, ``~``, ``isin`` of several values, ``isna``/``notna``, blank values, text
  ``==`` on ``code`` (exact only, and case-sensitive), and every column without a parameter run
  locally. Filters compare text, uuids and enumerations ignoring case (``core.filters.evaluate``);
  Ruddr's ``…Contains``/``…StartsWith`` do too, its bare ``name=``/``code=`` does not.
- The parameters are those of the Ruddr emulator's ``query.FILTERS`` (the documented ones and the
  grammar's others, §A.5/§A.9); ``tests/unit/test_ruddr_dialect.py`` keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import pandas as pd

from ..core.filters.expr import Compare, Expr, IsIn, Missing, Not, Or, TextMatch
from ..core.filters.plan import Context, Form, Lookup, Plan
from ..core.filters.plan import plan as plan_for
from ..core.filters.values import ZERO, FilterField
from ..core.schema import Resource
from .flatten import snake_case
from .resources import RESOURCES, get_resource

__all__ = ["PARAMETERS", "Parameter", "RuddrDialect", "dialect_for", "plan"]

Family = Literal["uuid", "enum", "text", "exact", "dates"]
"""A parameter family: ``uuid``/``enum`` (``=value``), ``text`` (exact and ``…Contains``,
``…StartsWith``, ``…EndsWith``), ``exact`` (text, exact only), ``dates`` (``…After`` …)."""

_FILTERS: dict[str, tuple[tuple[str, Family], ...]] = {
    "allocations": (("memberId", "uuid"), ("resourcePlaceholderId", "uuid"), ("projectId", "uuid"),
                    ("assignmentTypeId", "enum"), ("resourceTypeId", "enum"), ("start", "dates"), ("end", "dates")),
    "members": (("name", "text"), ("email", "text")),
    "projects": (("clientId", "uuid"), ("statusId", "enum"), ("name", "text"), ("code", "exact")),
    "clients": (("name", "text"), ("code", "exact")),
    "time-entries": (("memberId", "uuid"), ("projectId", "uuid"), ("typeId", "enum"), ("date", "dates")),
    "resource-placeholders": (("name", "text"),),
    "project-roles": (("projectId", "uuid"),),
    "project-tasks": (("projectId", "uuid"),),
}
# A parameter whose column is not its own name in snake_case (the record nests it as ``placeholder``).
_COLUMNS = {"resourcePlaceholderId": "placeholder_id"}
_DATE_SUFFIXES = {"==": "", ">": "After", ">=": "OnAfter", "<": "Before", "<=": "OnBefore"}
_TEXT_SUFFIXES = {"contains": "Contains", "startswith": "StartsWith"}
_RANKS: dict[Family, int] = {"uuid": 0, "dates": 1, "enum": 2, "text": 3, "exact": 3}


@dataclass(frozen=True)
class Parameter:
    """One filter field of a Ruddr list.

    Attributes:
        name: The parameter (the base of its family): ``memberId``, ``start``, ``name``.
        family: How it is written and compared (``Family``).
        column: The frame column it filters (``member_id``, ``start``, ``name``).
    """

    name: str
    family: Family
    column: str

    @property
    def names(self) -> tuple[str, ...]:
        """Every query parameter of the family: ``start``, ``startAfter``, ``startOnAfter`` …"""
        if self.family == "dates":
            return tuple(self.name + suffix for suffix in _DATE_SUFFIXES.values())
        if self.family == "text":
            return (self.name, *(self.name + suffix for suffix in ("Contains", "StartsWith", "EndsWith")))
        return (self.name,)


PARAMETERS: dict[str, dict[str, Parameter]] = {
    resource: {(column := _COLUMNS.get(name, snake_case(name))): Parameter(name, family, column)
               for name, family in params}
    for resource, params in _FILTERS.items()
}
"""Resource → frame column → the parameter that filters it."""


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}"


class RuddrDialect:
    """The query parameters of one Ruddr list (``RuddrDialect("allocations")``; ``dialect_for`` caches them)."""

    name = "query parameters"
    max_conditions: int | None = None

    def __init__(self, resource: str | Resource) -> None:
        self.resource = get_resource(resource) if isinstance(resource, str) else resource
        self.parameters = PARAMETERS.get(self.resource.name, {})

    def __repr__(self) -> str:
        return f"RuddrDialect({self.resource.name!r})"

    def form(self, condition: Expr, field: FilterField | None, value: Any, context: Context) -> Form:
        if isinstance(condition, Or):
            return Form((), True, "Ruddr's parameters are all joined by 'and': '|' runs here")
        if isinstance(condition, Not):
            return Form((), True, "Ruddr's parameters have no 'not': '~' runs here")
        if field is None:
            return Form((), True, "no field to send it by")
        parameter = self.parameters.get(field.name)
        if parameter is None:
            return Form((), True, f"Ruddr's /{self.resource.name} has no parameter for {field.name}")
        if isinstance(condition, Missing):
            return Form((), True, "Ruddr's parameters cannot ask for missing values")
        if isinstance(condition, IsIn):
            if len(condition.values) != 1:
                return Form((), True, f"{parameter.name} takes one value: isin of several runs here")
            condition, value = Compare(condition.field, "==", condition.values[0]), value[0]
        if isinstance(condition, TextMatch):
            return self._match(condition, parameter)
        assert isinstance(condition, Compare)
        if parameter.family == "dates":
            return self._dates(condition.op, parameter, value)
        if condition.op != "==":
            return Form((), True, f"{parameter.name} matches equal values only: {condition.op} runs here")
        if not isinstance(value, str) or value == "":
            return Form((), True, "a blank value means missing here; Ruddr's parameters cannot ask for it")
        rank = _RANKS[parameter.family]
        if parameter.family == "uuid":
            return Form((f"{parameter.name}={value.lower()}",), False, "the server runs it as is", rank)
        if parameter.family == "enum":
            choice = self._choice(field.name, value)
            if choice is None:
                return Form((), True, f"{value!r} is none of {parameter.name}'s values known here")
            return Form((f"{parameter.name}={choice}",), False, "the server runs it as is", rank)
        if parameter.family == "text":
            return Form((f"{parameter.name}StartsWith={value}",), True,
                        f"Ruddr's {parameter.name}= is case-sensitive, == is not: the server narrows by "
                        f"{parameter.name}StartsWith (ignoring case) and == is checked here", rank)
        return Form((), True, f"Ruddr's {parameter.name}= is case-sensitive and == is not: it runs here")

    def _choice(self, column: str, value: str) -> str | None:
        choices = self.resource.fields[column].choices or ()
        return next((str(c) for c in choices if str(c).casefold() == value.casefold()), None)

    def _match(self, condition: TextMatch, parameter: Parameter) -> Form:
        if parameter.family != "text":
            return Form((), True, f"{parameter.name} has no {condition.how}() form")
        if condition.text == "":
            return Form((), True, f"{condition.how}('') keeps every row: nothing to send")
        suffix = _TEXT_SUFFIXES[condition.how]
        return Form((f"{parameter.name}{suffix}={condition.text}",), False,
                    f"{parameter.name}{suffix} ignores case, as {condition.how}() does", _RANKS["text"])

    def _dates(self, op: str, parameter: Parameter, value: Any) -> Form:
        if op == "!=":
            return Form((), True, f"Ruddr's {parameter.name} parameters have no 'not equal': != runs here")
        if value is ZERO or not isinstance(value, pd.Timestamp):
            return Form((), True, "compared with the zero date: nothing to send")
        rank = _RANKS["dates"]
        day = value.normalize()
        if day == value:
            name = parameter.name + _DATE_SUFFIXES[op]
            return Form((f"{name}={_day(day)}",), False, "the server runs it as is", rank)
        if op == "==":
            return Form((), True, f"{parameter.name} is a date: no day is at {value.time()}, so == matches "
                                  "nothing; it runs here")
        # Days are midnights: after a time on day D is after D; before a time on D is on or before D.
        name = parameter.name + ("After" if op in (">", ">=") else "OnBefore")
        return Form((f"{name}={_day(day)}",), False,
                    f"{parameter.name} is a date: {op} {value} is {name}={_day(day)}", rank)

    def slot(self, sent: str) -> str:
        return sent.split("=", 1)[0]  # each parameter once

    def text(self, sent: Sequence[str]) -> str:
        return " & ".join(sent)

    def query(self, sent: Sequence[str]) -> dict[str, str]:
        return dict(condition.split("=", 1) for condition in sent)


@cache
def dialect_for(resource: str) -> RuddrDialect:
    """The dialect of the Ruddr list ``resource`` (``"allocations"`` …).

    Raises:
        KeyError: No such resource (the message names the valid ones).
    """
    return RuddrDialect(get_resource(resource).name)


def plan(where: Expr | None, resource: Resource | str, *, tz: str | None = None, lookup: Lookup | None = None,
         text: str | None = None) -> Plan:
    """Plan ``where`` for a Ruddr list (or its name): see ``smexplore.core.filters.plan.plan``."""
    spec = get_resource(resource) if isinstance(resource, str) else resource
    dialect = dialect_for(spec.name) if RESOURCES.get(spec.name) is spec else RuddrDialect(spec)
    return plan_for(where, spec, dialect=dialect, tz=tz, lookup=lookup, text=text)
