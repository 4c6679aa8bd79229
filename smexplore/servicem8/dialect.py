"""ServiceM8's server dialect: which conditions its ``$filter`` runs exactly, and how they are written.


Rules (the answer is always the same as running everything locally):

- Only conjuncts go to the server: ``==``, ``!=``, ``>``, ``<`` on fields the resource has, sent as
  ``eq``, ``ne``, ``gt``, ``lt``. ``>=``/``<=`` go as ``gt``/``lt`` where that is exact for the type:
  whole numbers (``>= 3`` is ``gt 2``) and times (the API's are whole seconds). ``|``, ``~``,
  ``isin`` (of more than one value), ``isna``/``notna`` and text matching stay local.
- The server counts zero dates as earlier than every date; here they are missing. A ``<`` on a
  time is therefore sent *and* checked again locally, which removes the zero dates.
- Enriched columns (``staff_name`` …) go to the server as the uuid field they are looked up by,
  when exactly one related record has the name; otherwise they run locally.
- At most 10 conditions are sent: uuids first, then times, then other equalities, ranges, and
  ``ne`` last (a rough order of selectivity); the rest run locally. Values longer than the API's
  255 characters, and ``==``/``!=`` with times that have fractions of a second, run locally.
- In a time-zone session the frame moves wall times that fall in a daylight-saving gap forward (by
  at most an hour), while the server compares them as stored: lower time bounds are sent 2 hours
  early (``==`` as a range), every time condition is checked again locally, and ``!=`` on a time
  runs locally.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..core.filters.expr import WIRE_OPS, Compare, Expr, IsIn, Missing, Not, Or, TextMatch, set_filter_writer
from ..core.filters.plan import Context, Form, Lookup, Plan, describe_kind
from ..core.filters.plan import plan as plan_for
from ..core.filters.text import MAX_CONDITIONS, MAX_VALUE_LENGTH
from ..core.filters.values import ZERO, FilterField, in_calendar, wire_text
from ..core.schema import Kind, Resource
from .resources import get_resource

__all__ = ["DIALECT", "ServiceM8Dialect", "plan"]

_SECOND = pd.Timedelta(seconds=1).as_unit("s")  # whole seconds: early years stay in range (pandas < 3)
_DST_SHIFT = pd.Timedelta(hours=2).as_unit("s")  # more than any zone's daylight-saving jump (1 h; 30 min on Lord Howe)
# A time bound the API cannot write (before year 1 or after 9999): the condition runs locally.
_OFF_CALENDAR = "the server would need a time outside the years 0001 to 9999 its filter can write, so it runs here"
# Rank of a sent condition: lower goes first when more than 10 could be sent.
_RANK_UUID, _RANK_TIME, _RANK_EQUAL, _RANK_RANGE, _RANK_NOT_EQUAL = range(5)


class ServiceM8Dialect:
    """ServiceM8's ``$filter``: ``eq``/``ne``/``gt``/``lt`` conditions joined by ``and``, at most 10."""

    name = "$filter"
    max_conditions: int | None = MAX_CONDITIONS

    def form(self, condition: Expr, field: FilterField | None, value: Any, context: Context) -> Form:
        sent, local, reason, rank = _Forms(context.tz, context.lookup).server_form(condition, field, value)  # type: ignore[arg-type]
        return Form(tuple(sent), local, reason, rank)

    def slot(self, sent: str) -> str:
        return ""  # any number of conditions, on any fields (up to max_conditions)

    def text(self, sent: Sequence[str]) -> str:
        return " and ".join(sent)

    def query(self, sent: Sequence[str]) -> dict[str, str]:
        return {"$filter": self.text(sent)}


DIALECT = ServiceM8Dialect()


class _Forms:
    def __init__(self, tz: str | None, lookup: Lookup | None) -> None:
        self.tz = tz
        self.lookup = lookup

    def server_form(self, leaf: Expr, field: FilterField, value: Any) -> tuple[list[str], bool, str, int]:
        """(conditions sent, also local?, reason, rank); no conditions sent means local only."""
        if isinstance(leaf, IsIn):
            if len(leaf.values) == 1:
                return self.server_form(Compare(leaf.field, "==", leaf.values[0]), field, value[0])
            return [], True, "isin of several values needs 'or', which the API's filter lacks", 0
        if isinstance(leaf, Missing):
            return [], True, "isna/notna: blanks differ by field ('' or zero dates), so it runs here", 0
        if isinstance(leaf, TextMatch):
            return [], True, f"{leaf.how}() is not in the API's filter language", 0
        if isinstance(leaf, Or):
            return [], True, "'or' is not in the API's filter language", 0
        if isinstance(leaf, Not):
            return [], True, "'not' is not in the API's filter language", 0
        assert isinstance(leaf, Compare)
        if field.enriched:
            return self.enriched_form(leaf, field, value)
        return self.compare_form(leaf.field, leaf.op, field.kind, value)

    def compare_form(self, name: str, op: str, kind: Kind, value: Any) -> tuple[list[str], bool, str, int]:
        literal = wire_text(kind, value)
        if len(value if isinstance(value, str) else literal) > MAX_VALUE_LENGTH:
            return [], True, f"the value is longer than the API's {MAX_VALUE_LENGTH} characters", 0
        rank = (_RANK_NOT_EQUAL if op == "!=" else _RANK_UUID if kind == "uuid" and value
                else _RANK_TIME if kind in ("timestamp", "date") else _RANK_EQUAL if op == "==" else _RANK_RANGE)
        if kind in ("timestamp", "date") and value is not ZERO:
            return self.time_form(name, op, value, rank)
        if kind in ("timestamp", "date") and op in (">=", "<="):
            return [], True, "compared with the zero date: nothing to send", 0
        if op in WIRE_OPS:
            return [f"{name} {WIRE_OPS[op]} {literal}"], False, "the API runs it as is", rank
        if kind == "int":
            bound = math.ceil(value) - 1 if op == ">=" else math.floor(value) + 1
            wire = "gt" if op == ">=" else "lt"
            return [f"{name} {wire} {bound}"], False, f"whole numbers: {op} {value} is {wire} {bound}", rank
        return [], True, f"{op} has no exact form in the API's filter for {describe_kind(kind)}", 0

    def time_form(self, name: str, op: str, value: pd.Timestamp, rank: int) -> tuple[list[str], bool, str, int]:
        whole = value == value.floor("s")
        if op in ("==", "!=") and not whole:
            return [], True, "the value has fractions of a second; the API's times are whole seconds", 0
        if self.tz is not None:
            return self.zoned_time_form(name, op, value, rank)
        if op in ("==", "!="):
            return [f"{name} {WIRE_OPS[op]} {wire_text('timestamp', value)}"], False, "the API runs it as is", rank
        # Records hold whole seconds, so every bound can be moved to a whole second exactly.
        bound, wire = {
            ">": (value.floor("s"), "gt"),
            ">=": (value.ceil("s") - _SECOND, "gt"),
            "<": (value.ceil("s"), "lt"),
            "<=": (value.floor("s") + _SECOND, "lt"),
        }[op]
        if not in_calendar(bound):
            return [], True, _OFF_CALENDAR, 0
        sent = [f"{name} {wire} {wire_text('timestamp', bound)}"]
        exact = op in (">", "<") and whole
        why = "the API runs it as is" if exact else f"times are whole seconds: {op} is {wire} {bound}"
        if wire == "lt":
            return sent, True, f"{why}; the server counts zero dates as earliest, so they are removed here", rank
        return sent, False, why, rank

    def zoned_time_form(self, name: str, op: str, value: pd.Timestamp, rank: int) -> tuple[list[str], bool, str, int]:
        """In a time-zone session, a wall time in a daylight-saving gap is moved forward (by at most
        ``_DST_SHIFT``) in the frame, while the server compares the time as stored. So the server
        gets a range wide enough for both, and the condition is checked again here."""
        why = (f"in a time-zone session, times in a daylight-saving gap move forward in the frame: the "
               f"server gets a range {_DST_SHIFT.components.hours} h wider and the condition runs here too")
        if op == "!=":
            return [], True, "in a time-zone session, != on a time runs here (daylight-saving gaps)", 0
        if op in ("<", "<="):
            bounds = [("lt", value.ceil("s") if op == "<" else value.floor("s") + _SECOND)]
        else:
            lower = (value.floor("s") if op in (">", "==") else value.ceil("s") - _SECOND) - _DST_SHIFT
            bounds = [("gt", lower - _SECOND if op == "==" else lower)]  # no ns Timedelta: early years overflow
            if op == "==":
                bounds.append(("lt", value + _SECOND))
        if not all(in_calendar(bound) for _, bound in bounds):
            return [], True, _OFF_CALENDAR, 0
        return [f"{name} {wire} {wire_text('timestamp', bound)}" for wire, bound in bounds], True, why, rank

    def enriched_form(self, leaf: Compare, field: FilterField, value: str) -> tuple[list[str], bool, str, int]:
        if leaf.op not in ("==", "!="):
            return [], True, f"{field.name} is added by enrichment; only == and != translate to a uuid", 0
        if not field.enriched_by:
            return [], True, f"{field.name} comes through the job: no field of this resource holds it", 0
        if self.lookup is None or not value:
            return [], True, f"{field.name} is added by enrichment (no lookup without a session)", 0
        uuids = self.lookup(field.name, value)
        if len(uuids) != 1:
            return [], True, f"{len(uuids)} records are named {value!r}: no single uuid to send", 0
        sent, _, _, rank = self.compare_form(field.enriched_by, leaf.op, "uuid", uuids[0])
        return sent, False, f"exactly one record is named {value!r}: sent as its {field.enriched_by}", rank


def plan(where: Expr | None, resource: Resource | str | None = None, *, tz: str | None = None,
         lookup: Lookup | None = None, text: str | None = None) -> Plan:
    """Plan ``where`` for a ServiceM8 resource (or its name): see ``smexplore.core.filters.plan.plan``."""
    spec = get_resource(resource) if isinstance(resource, str) else resource
    return plan_for(where, spec, dialect=DIALECT, tz=tz, lookup=lookup, text=text)


set_filter_writer(lambda where, resource: plan(where, resource).filter)
