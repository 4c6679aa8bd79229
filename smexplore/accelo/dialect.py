"""Accelo's server dialect: the ``_filters`` grammar, and which conditions it runs exactly.

``_filters`` is a comma-separated list of ``name(arg,arg)`` filters that must all hold; several
arguments of one filter mean any of them (``shared/reference/other-systems.md`` §B.7). What each
list filters by is in ``FILTERS`` (the Accelo docs' filter lists). A frame column maps to its
filter by the wire field: ``manager_id`` is ``manager``, ``job_type_id`` is ``type``.

The names sent are those the documents give: for jobs, those of the source document
(``shared/source-docs/accelo-get-jobs.txt``) wherever it has one, which the current docs
(``Accelo/docs source/includes/endpoints/_jobs.md``) still list. So the job type is sent as
``type`` (the source document's name; the current docs add ``job_type`` and call ``type``
deprecated, and a server built from the source document knows only ``type``). The documents' other
spellings are read in ``_filters`` text (``ALIASES``: ``job_type``, the sample request's
``manager_id``) and sent as these names. A filter on what a record does not carry (a job's
``plan_modified_by``: ``SERVER_ONLY``) is a ``ServerFilter``: only the server runs it.

=============================================== ====================================== =========
condition                                        sent as                                runs
=============================================== ====================================== =========
``F.manager_id == 3``, ``F.standing == "active"`` ``manager(3)``, ``standing(active)``      server
``F.manager_id.isin([3, 4])``, or                ``manager(3,4)``                         server
``(F.manager_id == 3) | (F.manager_id == 4)``
``F.manager_id != 3``, ``~F.status_id.isin(…)``  ``manager_not(3)``, ``status_not(…)``     server
``F.date_due > t`` / ``>= t`` / ``< t`` / ``<=``  ``date_due_after(u)`` / ``_before(u)``:   server
                                                 ``u`` the unix time, moved for ``>=``,
                                                 ``<=`` (whole seconds on the wire)
``F.date_due == t``                              ``date_due_after(u-1),date_due_before(u+1)`` server
``F.rate_charged > 100`` (``<``, ``>=``, ``<=``)  ``rate_charged_greater_than(100)`` …      server
``F.job_type_id.isin([1, 2])``                   ``type(1,2)``                              server
``plan_modified_by_greater_than(5)`` (text only) ``plan_modified_by_greater_than(5)``       server
``F.date_completed.isna()``                       ``empty(date_completed)``                 server
``((F.against_type == "company") &               ``against(company(1,2))``                 server
(F.against_id.isin([1, 2]))) | …``
``(F.a == 1) | (F.b == 2) | ((F.c == 3) &         ``_OR(a(1),b(2),_AND(c(3),d(4)))``        server
(F.d == 4))``
``F.budgeted_hours > 10`` (hours columns)        ``budgeted_greater_than_or_equal(35999)``  both
                                                 (the API counts seconds: a bound loosened
                                                 by a second, checked again here)
times in a ``timezone=`` session                 bounds loosened by 26 hours                both
``<``/``<=`` on an id of another record           ``…_less_than(…)``: the API may count     both
                                                 ``"0"`` (none) as 0
=============================================== ====================================== =========

Everything else runs on the frame (``explain`` says why): ``contains``/``startswith``, ``notna``,
``!=`` on times, ranges on text, ``~`` of anything but ``==``/``isin``, ``|`` of conditions that
cannot all be sent (or whose filter names repeat, since Accelo keeps only the last of a name in a
combination), a second ``|`` (one ``_OR`` a request, holding at most one ``_AND``), values a filter
cannot carry (blank, with ``(``, ``)`` or ``,``, leading or trailing blanks; numbers-as-text such as
``custom_id == "007"``, which Accelo compares as numbers) and ``0`` as an id of another record
(Accelo's "none"; the frame holds ``<NA>`` there). Each filter name is sent once per request:
the first condition needing it goes, the others run here (``slot``).

Semantics followed (the documents' and the Accelo emulator's): values compare ignoring case, and
numbers by value; ``_before``/``_after`` are strict and never match a missing date; ``_not``
matches missing values (as ``!=`` does here); ``empty()`` is null, ``""``, or ``"0"`` for an id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from typing import Any

import pandas as pd

from ..core.errors import FilterError
from ..core.filters.expr import And, Compare, Expr, IsIn, Leaf, Missing, Not, Or, TextMatch
from ..core.filters.plan import Context, Form, Lookup, Plan
from ..core.filters.plan import plan as plan_for
from ..core.filters.values import ZERO, FilterField, coerce, number_text, resolve_field
from ..core.schema import Resource
from .resources import RESOURCES, WIRE, get_resource

__all__ = ["ALIASES", "FILTERS", "OBJECTS", "SERVER_ONLY", "AcceloDialect", "Filter", "ServerFilter",
           "check_server_only", "dialect_for", "plan", "server_only"]


@dataclass(frozen=True)
class Filter:
    """What ``_filters`` can say about one frame column: the name of each family of filters on it.

    Attributes:
        column: The frame column (``manager_id``).
        basic: ``name(v1,v2)`` and ``name_not(…)`` (``manager``), if any.
        dates: ``name_before(unix)`` and ``name_after(unix)``, if any.
        ranges: ``name_greater_than(v)`` … ``name_less_than_or_equal(v)``, if any.
    """

    column: str
    basic: str | None = None
    dates: str | None = None
    ranges: str | None = None


def _table(basic: Sequence[str] = (), dates: Sequence[str] = (), ranges: Sequence[str] = (),
           **columns: str) -> dict[str, Filter]:
    """Column → its filters; ``columns`` maps a filter name to its column where they differ."""
    found: dict[str, dict[str, str]] = {}
    for family, names in (("basic", basic), ("dates", dates), ("ranges", ranges)):
        for name in names:
            found.setdefault(columns.get(name, name), {})[family] = name
    return {column: Filter(column, **families) for column, families in found.items()}


FILTERS: dict[str, dict[str, Filter]] = {
    "jobs": _table(
        basic=("id", "standing", "against_id", "against_type", "paused", "type", "manager", "modified_by",
               "status", "rate", "affiliation", "custom_id"),
        dates=("date_created", "date_modified", "date_started", "date_commenced", "date_due", "date_completed"),
        ranges=("id", "against_id", "type", "manager", "affiliation", "modified_by", "status", "rate",
                "rate_charged", "contract"),
        type="job_type_id", manager="manager_id", modified_by="modified_by_id", status="status_id",
        rate="rate_id", affiliation="affiliation_id", contract="job_contract_id"),
    "staff": _table(basic=("id", "email", "standing", "username"), ranges=("id", "rate"), rate="staff_rate"),
    "companies": _table(
        basic=("id", "status", "standing", "default_affiliation", "postal_address", "custom_id", "website"),
        dates=("date_created", "date_modified"), ranges=("id", "status", "affiliation"),
        status="status_id", default_affiliation="default_affiliation_id", postal_address="postal_address_id",
        affiliation="default_affiliation_id"),
    "activities": _table(
        basic=("id", "parent_id", "thread_id", "against_type", "against_id", "owner_id", "owner_type", "medium",
               "visibility", "staff", "activity_class", "activity_priority", "task", "time_allocation"),
        dates=("date_created", "date_started", "date_ended", "date_logged", "date_modified"),
        ranges=("id", "against_id", "staff", "activity_priority", "task", "thread", "owner"),
        staff="staff_id", activity_class="activity_class_id", activity_priority="activity_priority_id",
        task="task_id", time_allocation="time_allocation_id", thread="thread_id", owner="owner_id"),
    "tasks": _table(
        basic=("id", "assignee", "manager", "status", "standing", "against_type", "against_id", "custom_id",
               "rate_id", "rate_charged", "child_of_job"),
        dates=("date_created", "date_started", "date_commenced", "date_accepted", "date_completed",
               "date_modified", "date_due"),
        ranges=("id", "billable", "nonbillable", "budgeted", "remaining", "against_id", "creator_id", "assignee",
                "task_type", "status", "manager", "contact", "rate_charged"),
        assignee="assignee_id", manager="manager_id", status="status_id", child_of_job="task_job_id",
        billable="billable_hours", nonbillable="nonbillable_hours", budgeted="budgeted_hours",
        remaining="remaining_hours", task_type="task_type_id", contact="contact_id"),
    "job_statuses": _table(basic=("id", "title", "standing", "color")),
    "job_types": _table(basic=("id", "standing"), ranges=("id",)),
}
"""Resource → frame column → its filters (the Accelo docs' basic, date and range filters of each list)."""

ALIASES: dict[str, dict[str, dict[str, str]]] = {
    "jobs": {"basic": {"job_type": "type", "manager_id": "manager"}, "ranges": {"job_type": "type"}},
}
"""Resource → family → another spelling of the documents → the filter name sent for it.

``_filters`` text reads both. ``job_type`` is the current docs' name of the source document's
``type``; ``manager_id(10,11,100)`` is in the source document's sample request (its filter list
says ``manager``). The current docs' typo ``dated_created`` is not read (the emulator takes it)."""

SERVER_ONLY: dict[str, dict[str, str]] = {
    "jobs": {"plan_modified_by": "the staff id of who last changed the job's plan"},
}
"""Resource → range filter of the documents on what a record does not carry → what it reads.

Both documents list ``plan_modified_by`` among a job's range filters, and neither has it among a
job's fields: ``_filters`` text reads ``plan_modified_by_greater_than(5)`` … as a ``ServerFilter``."""

OBJECTS: dict[str, dict[str, tuple[str, str]]] = {
    "jobs": {"against": ("against_type", "against_id")},
    "activities": {"against": ("against_type", "against_id"), "owner": ("owner_type", "owner_id")},
    "tasks": {"against": ("against_type", "against_id"), "creator": ("creator_type", "creator_id")},
}
"""Resource → object filter → its (type column, id column): ``against(company(1,2),job(7))``."""

_OBJECT_LINKS: dict[str, frozenset[str]] = {
    "jobs": frozenset({"job_type", "rate", "status", "manager", "modified_by", "company"}),
    "activities": frozenset({"staff", "activity_class", "task", "rate"}),
    "tasks": frozenset({"assignee", "manager", "task_type", "status", "company", "task_job", "task_priority"}),
    "companies": frozenset({"status"}),
}
"""Links the documents type "unsigned or object": ``empty()`` counts their ``"0"`` as none, as the frame does."""

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$")
_UNSENDABLE = re.compile(r"[(),]")
_SLACK_TZ = 26 * 3600
"""Seconds a bound is loosened by in a ``timezone=`` session (wall clocks jump at most a day)."""
_RANKS = {"id": 0, "date": 1, "basic": 2, "range": 3, "empty": 4, "or": 5}
_RANGE_NAMES = {">": "greater_than", "<": "less_than", ">=": "greater_than_or_equal", "<=": "less_than_or_equal"}


@dataclass(frozen=True)
class _Call:
    """One ``_filters`` item: ``name(args)``."""

    name: str
    args: tuple[str | _Call, ...]

    def __str__(self) -> str:
        return f"{self.name}({','.join(map(str, self.args))})"


@dataclass(frozen=True)
class _Sent:
    """What the server is sent for one condition, and whether it is exact."""

    calls: tuple[_Call, ...]
    exact: bool
    reason: str
    rank: int


class _Local(Exception):
    """The condition runs here; the message says why."""


@dataclass(frozen=True, eq=True, repr=False)
class ServerFilter(Expr):
    """A ``_filters`` condition only Accelo's server can run: it reads what the frame has no column for.

    ``plan_modified_by_greater_than(5)`` (``SERVER_ONLY``) is sent as written; it cannot run on
    the frame, so it cannot be negated, sit in an ``_OR`` with a side that runs here, or filter the
    local store (each a ``FilterError`` before any request).

    Attributes:
        name: The filter (``plan_modified_by_greater_than``).
        args: Its arguments, as sent.
        position: Where it starts in the text it was parsed from (not part of equality).
    """

    name: str
    args: tuple[str, ...]
    position: int | None = dataclass_field(default=None, compare=False)

    @property
    def sent(self) -> str:
        """The filter as ``_filters`` writes it."""
        return f"{self.name}({','.join(self.args)})"

    def __str__(self) -> str:
        return f"_filters({self.sent!r})"


def server_only(where: Expr | None) -> ServerFilter | None:
    """The first ``ServerFilter`` in ``where``, if any."""
    return next((node for node in (where.walk() if where is not None else ()) if isinstance(node, ServerFilter)),
                None)


def check_server_only(planned: Plan) -> None:
    """Refuse a plan in which a ``ServerFilter`` would have to run on the frame.

    Raises:
        FilterError: Such a condition is not sent (negated, in an ``_OR`` with a side that runs
            here, or crowded out by another condition of the same name).
    """
    for step in planned.steps:
        found = server_only(step.condition) if step.local else None
        if found is not None:
            raise FilterError(f"{found.sent} runs only on Accelo's server (the frame has no column for it), but "
                              f"{step.condition} cannot be sent: {step.reason}. Give {found.sent} on its own, at the "
                              "top of the _filters text", found.position)


def _unix_floor_ceil(stamp: pd.Timestamp) -> tuple[int, int]:
    """The whole seconds at or below, and at or above, a naive UTC time."""
    nanos = int(stamp.value)
    return nanos // 10**9, -((-nanos) // 10**9)


class AcceloDialect:
    """The ``_filters`` of one Accelo list (``AcceloDialect("jobs")``; ``dialect_for`` caches them)."""

    name = "_filters"
    max_conditions: int | None = None

    def __init__(self, resource: str | Resource) -> None:
        self.resource = get_resource(resource) if isinstance(resource, str) else resource
        self.filters = FILTERS.get(self.resource.name, {})
        self.objects = OBJECTS.get(self.resource.name, {})
        wire = WIRE.get(self.resource.name)
        self._references = wire.references if wire is not None else frozenset()
        self._hours = {column: name for name, column in wire.hours.items()} if wire is not None else {}
        self._links = {f"{name}_id": name for name in wire.links} if wire is not None else {}
        self._object_links = _OBJECT_LINKS.get(self.resource.name, frozenset())

    def __repr__(self) -> str:
        return f"AcceloDialect({self.resource.name!r})"

    # --- the Dialect protocol ---------------------------------------------------------------------
    def form(self, condition: Expr, field: FilterField | None, value: Any, context: Context) -> Form:
        try:
            sent = self._sent(condition, context)
        except _Local as why:
            return Form((), True, str(why))
        return Form(tuple(map(str, sent.calls)), not sent.exact, sent.reason, sent.rank)

    def slot(self, sent: str) -> str:
        return sent.split("(", 1)[0]  # Accelo keeps only the last filter of a name: each once

    def text(self, sent: Sequence[str]) -> str:
        return ",".join(sent)

    def query(self, sent: Sequence[str]) -> dict[str, str]:
        return {"_filters": self.text(sent)}

    # --- one condition ------------------------------------------------------------------------------
    def _sent(self, condition: Expr, context: Context) -> _Sent:
        if isinstance(condition, ServerFilter):
            return _Sent((_Call(condition.name, condition.args),), True,
                         "only the server can run it (no column holds what it reads)", _RANKS["range"])
        if isinstance(condition, Or):
            return self._or(condition, context)
        if isinstance(condition, And):
            raise _Local("an '&' inside a condition is sent only within '|'")
        if isinstance(condition, Not):
            return self._not(condition.part, context)
        if not isinstance(condition, Leaf):
            raise _Local("no _filters form")
        return self._leaf(condition, context, negated=False)

    def _typed(self, leaf: Leaf, context: Context) -> tuple[FilterField, Any]:
        field = resolve_field(self.resource, leaf.field)
        if isinstance(leaf, Compare):
            return field, coerce(field, leaf.value, self.resource, context.tz)
        if isinstance(leaf, IsIn):
            return field, tuple(coerce(field, v, self.resource, context.tz) for v in leaf.values)
        return field, None

    def _filter(self, column: str, family: str) -> str:
        """The name of ``column``'s filter of ``family`` (``basic``, ``dates``, ``ranges``), or ``_Local``."""
        found = self.filters.get(column)
        name = getattr(found, family) if found is not None else None
        if name is None:
            kind = {"basic": "equality", "dates": "date", "ranges": "range"}[family]
            raise _Local(f"Accelo's {self.resource.path} has no {kind} filter for {column}")
        return str(name)

    def _not(self, part: Expr, context: Context) -> _Sent:
        if isinstance(part, Compare) and part.op in ("==", "!="):
            return self._leaf(part, context, negated=True)
        if isinstance(part, IsIn):
            return self._leaf(part, context, negated=True)
        raise _Local("_filters negates only equalities (name_not): this '~' runs here")

    def _leaf(self, leaf: Leaf, context: Context, negated: bool) -> _Sent:
        field, value = self._typed(leaf, context)
        column = field.name
        if isinstance(leaf, Missing):
            if negated or not leaf.missing:
                raise _Local("_filters cannot ask for values that are set: notna() runs here")
            return self._empty(field)
        if isinstance(leaf, IsIn):
            basic = self._filter(column, "basic")
            if not value:
                raise _Local("isin([]) keeps no row: nothing to send")
            words = tuple(self._word(field, v) for v in value)
            name = f"{basic}_not" if negated else basic
            return _Sent((_Call(name, tuple(dict.fromkeys(words))),), True, "the server runs it as is",
                         self._rank(column, "basic"))
        if isinstance(leaf, TextMatch):
            raise _Local(f"_filters has no {leaf.how}() (its search() matches words across several fields): "
                         "it runs here")
        if not isinstance(leaf, Compare):
            raise _Local(f"_filters has no form for {leaf}")
        op = leaf.op
        if negated:
            op = "!=" if op == "==" else "=="
        if field.kind == "timestamp":
            return self._dates(field, op, value, context)
        if op in ("==", "!="):
            basic = self._filter(column, "basic")
            word = self._word(field, value)
            name = basic if op == "==" else f"{basic}_not"
            return _Sent((_Call(name, (word,)),), True, "the server runs it as is", self._rank(column, "basic"))
        return self._range(field, op, value)

    def _rank(self, column: str, kind: str) -> int:
        return _RANKS["id"] if kind == "basic" and column in self._references | {"id"} else _RANKS[kind]

    def _word(self, field: FilterField, value: Any) -> str:
        """``value`` as a filter argument, or ``_Local`` when no argument says exactly it."""
        if field.kind in ("int", "float", "money"):
            if field.name in self._references and value == 0:
                raise _Local(f"Accelo writes 'none' as 0 in {field.name}; here it is <NA>: == 0 runs here")
            return number_text(value)
        if field.kind == "flag":
            return "1" if value else "0"
        text = str(value)
        if not text or text != text.strip():
            raise _Local("a blank value, or one with leading or trailing blanks, cannot be sent")
        if _UNSENDABLE.search(text):
            raise _Local(f"{text!r} holds a '(', ')' or ',', which _filters cannot carry")
        if _NUMBER.match(text):
            raise _Local(f"Accelo compares {text!r} as a number ('007' equals '7'); text == runs here")
        choices = self.resource.fields[field.name].choices if field.name in self.resource.fields else None
        for choice in choices or ():
            if str(choice).casefold() == text.casefold():
                return str(choice)
        return text

    def _dates(self, field: FilterField, op: str, value: Any, context: Context) -> _Sent:
        dates = self._filter(field.name, "dates")
        if op == "!=":
            raise _Local("_filters has no 'not on' for times: != runs here")
        if value is ZERO or not isinstance(value, pd.Timestamp):
            raise _Local("compared with the zero date: nothing to send")
        after, before = f"{dates}_after", f"{dates}_before"
        if context.tz is not None:
            instant = value.tz_localize(context.tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
            low, high = _unix_floor_ceil(instant.tz_localize(None))
            calls = []
            if op in (">", ">=", "=="):
                calls.append(_Call(after, (str(low - _SLACK_TZ),)))
            if op in ("<", "<=", "=="):
                calls.append(_Call(before, (str(high + _SLACK_TZ),)))
            return _Sent(tuple(calls), False, "the frame shows wall times of the session's zone: the server "
                                              "narrows by a day either side, and it is checked here", _RANKS["date"])
        floor, ceil = _unix_floor_ceil(value)
        bounds = {">": ((after, floor),), ">=": ((after, ceil - 1),), "<": ((before, ceil),),
                  "<=": ((before, floor + 1),), "==": ((after, ceil - 1), (before, floor + 1))}[op]
        sent = tuple(_Call(name, (str(bound),)) for name, bound in bounds)
        reason = ("the server runs it as is" if op in (">", "<") else
                  "exact: the API's times are whole seconds, so the bound is moved by one")
        return _Sent(sent, True, reason, _RANKS["date"])

    def _range(self, field: FilterField, op: str, value: Any) -> _Sent:
        if field.kind not in ("int", "float", "money"):
            raise _Local(f"Accelo compares {field.name} as numbers or as text, as each value looks: "
                         f"{op} runs here")
        ranges = self._filter(field.name, "ranges")
        number = float(value)
        if field.name in self._hours:  # hours here, seconds on the wire: loosen by a second, check here
            seconds = number * 3600
            if op in (">", ">="):
                call = _Call(f"{ranges}_greater_than_or_equal", (str(math.floor(seconds) - 1),))
            else:
                call = _Call(f"{ranges}_less_than_or_equal", (str(math.ceil(seconds) + 1),))
            return _Sent((call,), False, f"the API holds {ranges} in seconds: the server narrows by "
                                         "them and it is checked here in hours", _RANKS["range"])
        call = _Call(f"{ranges}_{_RANGE_NAMES[op]}", (number_text(value),))
        admits_zero = (op == ">" and number < 0) or (op == ">=" and number <= 0) or op in ("<", "<=")
        if field.name in self._references and admits_zero:
            return _Sent((call,), False, f"Accelo may write 'none' as 0 in {field.name} (<NA> here): the server "
                                         "narrows and it is checked here", _RANKS["range"])
        return _Sent((call,), True, "the server runs it as is", _RANKS["range"])

    def _empty(self, field: FilterField) -> _Sent:
        column = field.name
        wire = self._links.get(column, column)
        if column in self._hours or field.kind in ("int", "float", "money", "flag") and not (
                column.endswith("_id") and (wire == column or wire in self._object_links)):
            raise _Local(f"Accelo's empty() and a missing {column} differ (0 is a value here): isna() runs here")
        if column not in self.resource.fields:
            raise _Local(f"{column} is no field of Accelo's")
        return _Sent((_Call("empty", (wire,)),), True, "the server runs it as is", _RANKS["empty"])

    # --- | ------------------------------------------------------------------------------------------
    def _or(self, condition: Or, context: Context) -> _Sent:
        items: list[_Call] = []
        objects: dict[str, list[_Call]] = {}
        ands, exact = 0, True
        for part in condition.parts:
            obj = self._object(part, context) if isinstance(part, And) else None
            if obj is not None:
                objects.setdefault(obj[0], []).append(obj[1])
                continue
            conjuncts = part.parts if isinstance(part, And) else (part,)
            calls: list[_Call] = []
            for conjunct in conjuncts:
                if isinstance(conjunct, (Or, And)):
                    raise _Local("_filters cannot nest '|' inside '|'")
                try:
                    sent = self._sent(conjunct, context)
                except _Local as why:
                    raise _Local(f"one side of '|' cannot be sent ({why}), so the whole '|' runs here") from None
                exact = exact and sent.exact
                calls.extend(sent.calls)
            if len({call.name for call in calls}) < len(calls):
                raise _Local("a side of '|' names one filter twice, and Accelo keeps only the last: it runs here")
            if len(calls) > 1:
                ands += 1
                items.append(_Call("_AND", tuple(calls)))
            else:
                items.append(calls[0])
        if ands > 1:
            raise _Local("Accelo takes one _AND() a request: this '|' of several '&' runs here")
        for name, terms in objects.items():
            items.append(_Call(name, tuple(terms)))
        merged: dict[str, _Call] = {}
        for item in items:
            earlier = merged.get(item.name)
            if earlier is None:
                merged[item.name] = item
            elif self._mergeable(item) and self._mergeable(earlier):
                merged[item.name] = _Call(item.name, tuple(dict.fromkeys(earlier.args + item.args)))
            else:
                raise _Local(f"'|' would name {item.name} twice, and Accelo keeps only the last: it runs here")
        calls = list(merged.values())
        reason = "the server runs it as is" if exact else "the server narrows by it, and it is checked here"
        if len(calls) == 1 and calls[0].name != "_AND":
            return _Sent((calls[0],), exact, reason + " (any of the values)", _RANKS["basic"])
        return _Sent((_Call("_OR", tuple(calls)),), exact, reason + " (_OR)", _RANKS["or"])

    def _mergeable(self, call: _Call) -> bool:
        """Whether two calls of this name mean "any of" their arguments together (``manager(1)`` and ``manager(2)``)."""
        if call.name in self.objects:
            return True
        return any(f.basic == call.name for f in self.filters.values())

    def _object(self, part: And, context: Context) -> tuple[str, _Call] | None:
        """``(type == t) & (id.isin(ids))`` as an object filter's term: ``("against", company(1,2))``."""
        if len(part.parts) != 2:
            return None
        for name, (type_column, id_column) in self.objects.items():
            found: dict[str, tuple[Any, ...]] = {}
            for leaf in part.parts:
                if isinstance(leaf, Compare) and leaf.op == "==":
                    values: tuple[Any, ...] = (leaf.value,)
                elif isinstance(leaf, IsIn):
                    values = leaf.values
                else:
                    return None
                found[leaf.field] = values
            if set(found) != {type_column, id_column}:
                continue
            types, ids = found[type_column], found[id_column]
            if len(types) != 1 or not ids:
                return None
            try:
                type_field = resolve_field(self.resource, type_column)
                id_field = resolve_field(self.resource, id_column)
                kind = self._word(type_field, coerce(type_field, types[0], self.resource, context.tz))
                words = tuple(self._word(id_field, coerce(id_field, v, self.resource, context.tz)) for v in ids)
            except _Local:
                return None
            return name, _Call(kind, tuple(dict.fromkeys(words)))
        return None


@cache
def dialect_for(resource: str) -> AcceloDialect:
    """The dialect of the Accelo list ``resource`` (``"jobs"`` …).

    Raises:
        KeyError: No such resource (the message names the valid ones).
    """
    return AcceloDialect(get_resource(resource).name)


def plan(where: Expr | None, resource: Resource | str, *, tz: str | None = None, lookup: Lookup | None = None,
         text: str | None = None) -> Plan:
    """Plan ``where`` for an Accelo list (or its name): see ``smexplore.core.filters.plan.plan``.

    Raises:
        FilterError: As ``plan_for`` does, and where a ``ServerFilter`` cannot be sent (``check_server_only``).
    """
    spec = get_resource(resource) if isinstance(resource, str) else resource
    dialect = dialect_for(spec.name) if RESOURCES.get(spec.name) is spec else AcceloDialect(spec)
    planned = plan_for(where, spec, dialect=dialect, tz=tz, lookup=lookup, text=text)
    check_server_only(planned)
    return planned
