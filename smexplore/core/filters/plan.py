"""The query planner: which part of a filter the server runs (``$filter``) and which runs locally.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from ...servicem8.filter_text import MAX_CONDITIONS, MAX_VALUE_LENGTH
from ...servicem8.resources import Kind, Resource, get_resource
from ..errors import FilterError
from .expr import WIRE_OPS, Compare, Expr, IsIn, Missing, Not, Or, TextMatch, _Leaf, conjuncts
from .values import (
    ORDERED_KINDS,
    TEXT_KINDS,
    ZERO,
    FilterField,
    coerce,
    in_calendar,
    resolve_field,
    wire_text,
)

__all__ = ["Lookup", "Plan", "Step", "plan"]

Lookup = Callable[[str, str], list[str]]
"""(enriched column, name) → uuids of the related records with that name."""

_SECOND = pd.Timedelta(seconds=1)
_DST_SHIFT = pd.Timedelta(hours=2)  # more than any zone's daylight-saving jump (1 h; 30 min on Lord Howe)
# A time bound the API cannot write (before year 1 or after 9999): the condition runs locally.
_OFF_CALENDAR = "the server would need a time outside the years 0001 to 9999 its filter can write, so it runs here"
# Rank of a sent condition: lower goes first when more than 10 could be sent.
_RANK_UUID, _RANK_TIME, _RANK_EQUAL, _RANK_RANGE, _RANK_NOT_EQUAL = range(5)


@dataclass(frozen=True)
class Step:
    """Where one condition of the filter runs, and why.

    Attributes:
        condition: The condition (one conjunct of the filter).
        sent: The ``$filter`` conditions sent for it (empty when it runs only locally).
        local: Whether it runs (also) on the DataFrame.
        reason: Why.
    """

    condition: Expr
    sent: tuple[str, ...]
    local: bool
    reason: str

    @property
    def place(self) -> str:
        """``"server"``, ``"local"`` or ``"both"``."""
        return "both" if self.sent and self.local else "server" if self.sent else "local"


@dataclass(frozen=True)
class Plan:
    """A planned query: the ``$filter`` sent, the local remainder, and each condition's step.

    Attributes:
        resource: The resource's API name (``None`` when planned without one).
        where: The whole filter.
        steps: One per conjunct of the filter, in the order written.
    """

    resource: str | None
    where: Expr | None
    steps: tuple[Step, ...]

    @property
    def filter(self) -> str:
        """The ``$filter`` text sent to the server (``""``: none, every record is pulled)."""
        sent = dict.fromkeys(text for step in self.steps for text in step.sent)
        return " and ".join(sent)

    @property
    def fields(self) -> set[str]:
        """The fields the filter names."""
        return self.where.fields() if self.where is not None else set()

    @property
    def local(self) -> Expr | None:
        """What runs on the DataFrame after the pull (``None``: nothing)."""
        parts = [step.condition for step in self.steps if step.local]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else _and(parts)

    def __str__(self) -> str:
        lines = [f"Plan for {self.resource or 'any resource'}: {self.where if self.where is not None else 'everything'}",
                 f"  $filter sent: {self.filter or '(none: every record is pulled)'}",
                 f"  run locally:  {self.local if self.local is not None else '(nothing)'}"]
        width = max((len(str(step.condition)) for step in self.steps), default=0)
        for step in self.steps:
            lines.append(f"  {step.place:<6}  {step.condition!s:<{width}}  {step.reason}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The plan as an HTML table (Jupyter): one row per condition, where it runs, what is sent, why."""
        from html import escape

        left = "text-align:left"
        cell = f"style='{left};vertical-align:top'"
        head = "".join(f"<th {cell}>{name}</th>" for name in ("condition", "runs", "sent", "why"))
        rows = "".join(
            f"<tr><td {cell}><code>{escape(str(step.condition))}</code></td><td {cell}>{escape(step.place)}</td>"
            f"<td {cell}>{'<code>' + escape(' and '.join(step.sent)) + '</code>' if step.sent else '—'}</td>"
            f"<td {cell}>{escape(step.reason)}</td></tr>"
            for step in self.steps
        ) or f"<tr><td {cell} colspan='4'>no condition: every record is pulled</td></tr>"
        where = f"<code>{escape(str(self.where))}</code>" if self.where is not None else "everything"
        sent = f"<code>{escape(self.filter)}</code>" if self.filter else "(none: every record is pulled)"
        local = f"<code>{escape(str(self.local))}</code>" if self.local is not None else "(nothing)"
        caption = (f"<caption style='{left}'><b>Plan for {escape(self.resource or 'any resource')}</b>: "
                   f"{where}<br>$filter sent: {sent}<br>run locally: {local}</caption>")
        return f"<table class='smexplore-plan'>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _and(parts: Sequence[Expr]) -> Expr:
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part
    return combined


def _infer_field(name: str, value: Any) -> FilterField:
    """Without a resource, a field's kind is judged from the value it is compared with."""
    if isinstance(value, (datetime, date)):
        return FilterField(name, "timestamp")
    if isinstance(value, bool):
        return FilterField(name, "flag")
    if isinstance(value, (int, float)):
        return FilterField(name, "float")
    return FilterField(name, "text")


def _describe(kind: Kind) -> str:
    return {"timestamp": "a time", "date": "a date", "flag": "a flag", "int": "a whole number",
            "float": "a number", "money": "an amount", "uuid": "a uuid", "category": "a category",
            "text": "text"}[kind]


class _Planner:
    def __init__(self, resource: Resource | None, tz: str | None, lookup: Lookup | None) -> None:
        self.resource = resource
        self.tz = tz
        self.lookup = lookup

    # --- checks (every leaf, before any request) -----------------------------------------------
    def field(self, leaf: _Leaf, context: str = "") -> FilterField:
        if self.resource is not None:
            return resolve_field(self.resource, leaf.field, context)
        sample = leaf.value if isinstance(leaf, Compare) else leaf.values[0] if isinstance(leaf, IsIn) and leaf.values else ""
        return _infer_field(leaf.field, sample)

    def check(self, leaf: _Leaf, context: str) -> tuple[FilterField, Any]:
        """The leaf's field and typed value (values for ``isin``); raises ``FilterError`` if they do not fit.

        ``context`` says where the leaf is (in the text, or which condition); errors carry it.
        """
        field = self.field(leaf, context)
        try:
            return field, self._typed(leaf, field)
        except FilterError as exc:
            raise FilterError(f"{exc}{context}", exc.position) from None

    def _typed(self, leaf: _Leaf, field: FilterField) -> Any:
        if isinstance(leaf, Compare):
            if leaf.op not in ("==", "!=") and field.kind not in ORDERED_KINDS:
                raise FilterError(f"{leaf.op} does not fit {field.name}, which holds {_describe(field.kind)}: "
                                  f"use == or != (or isin)")
            return coerce(field, leaf.value, self.resource, self.tz)
        if isinstance(leaf, IsIn):
            return tuple(coerce(field, value, self.resource, self.tz) for value in leaf.values)
        if isinstance(leaf, TextMatch) and field.kind not in TEXT_KINDS:
            raise FilterError(f"{leaf.how}() does not fit {field.name}, which holds {_describe(field.kind)}")
        return None

    # --- where each conjunct runs ---------------------------------------------------------------
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
        return [], True, f"{op} has no exact form in the API's filter for {_describe(kind)}", 0

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
    """Plan ``where`` for ``resource``: check it, and split it between server and DataFrame.

    Args:
        where: The filter (``None``: everything).
        resource: The resource (or its name); ``None`` plans by the values' types alone.
        tz: The session's time zone (aware datetimes are converted to it).
        lookup: Finds the uuids behind an enriched column's name (a Session passes its own).
        text: The ``$filter`` text ``where`` was parsed from, if it was: errors then quote it and
            give the offending condition's position in it.

    Raises:
        FilterError: An unknown field (``UnknownFieldError``), an operator that does not fit the
            field's type, or a value that does not fit it.
    """
    spec = get_resource(resource) if isinstance(resource, str) else resource
    planner = _Planner(spec, tz, lookup)
    leaves = [node for node in (where.walk() if where is not None else ()) if isinstance(node, _Leaf)]
    checked: dict[int, tuple[FilterField, Any]] = {}
    for leaf in leaves:
        position = getattr(leaf, "position", None) if text is not None else None
        context = f" (in {text!r} at position {position})" if position is not None else f" (in {leaf})"
        try:
            checked[id(leaf)] = planner.check(leaf, context)
        except FilterError as exc:
            exc.position = position
            raise

    candidates = []
    for order, part in enumerate(conjuncts(where)):
        field, value = checked.get(id(part), (None, None))
        sent, local, reason, rank = planner.server_form(part, field, value)  # type: ignore[arg-type]
        candidates.append((order, part, sent, local, reason, rank))

    steps: list[Step | None] = [None] * len(candidates)
    room = MAX_CONDITIONS
    for order, part, sent, local, reason, rank in sorted(candidates, key=lambda c: (not c[2], c[5], c[0])):
        if sent and len(sent) <= room:
            room -= len(sent)
            steps[order] = Step(part, tuple(sent), local, reason)
        elif sent:
            steps[order] = Step(part, (), True, f"more than {MAX_CONDITIONS} conditions could be sent; "
                                                "the more selective ones went")
        else:
            steps[order] = Step(part, (), True, reason)
    return Plan(spec.name if spec is not None else None, where, tuple(s for s in steps if s is not None))
