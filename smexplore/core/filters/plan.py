"""The query planner: which part of a filter the server runs and which runs locally.

The planner checks every condition against the resource's fields (unknown fields, operators that
do not fit a type, values that do not fit are refused before any request), then asks the system's
``Dialect``, one conjunct at a time, what the server can run *exactly* and how it is written. The
rest runs on the DataFrame, so the answer is always the same as running everything locally.
``|``, ``~`` and the like can go to a server only where its dialect says so. Without a dialect,
everything runs locally.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from ..errors import FilterError
from ..schema import Kind, Resource
from .expr import Compare, Expr, IsIn, Leaf, Missing, TextMatch, conjuncts
from .values import ORDERED_KINDS, TEXT_KINDS, FilterField, coerce, resolve_field

__all__ = ["Context", "Dialect", "Form", "Lookup", "Plan", "Step", "describe_kind", "plan"]

Lookup = Callable[[str, str], list[str]]
"""(enriched column, name) → uuids of the related records with that name."""


class Form(NamedTuple):
    """What a dialect makes of one condition.

    Attributes:
        sent: The server conditions, written as the dialect writes them (none: it runs locally only).
        local: Whether it runs (also) on the DataFrame.
        reason: Why, in a few words (``explain`` shows it).
        rank: Lower goes first when more could be sent than the server takes.
    """

    sent: tuple[str, ...]
    local: bool
    reason: str
    rank: int = 0


@dataclass(frozen=True)
class Context:
    """What a dialect may need beyond the condition: the session's time zone and name lookups."""

    tz: str | None = None
    lookup: Lookup | None = None


class Dialect(Protocol):
    """A server's filter language: what it runs exactly, and how it is written (after SQLAlchemy's dialects).

    Attributes:
        name: What the server's filter is called in explanations (``"$filter"``).
        max_conditions: Most conditions one request can carry (``None``: no limit).
    """

    name: str
    max_conditions: int | None

    def form(self, condition: Expr, field: FilterField | None, value: Any, context: Context) -> Form:
        """The server form of one conjunct (its field and typed value already checked)."""
        ...

    def slot(self, sent: str) -> str:
        """The server parameter a sent condition takes (``""``: any number may be sent)."""
        ...

    def text(self, sent: Sequence[str]) -> str:
        """The sent conditions as one text (what ``Plan.filter`` shows)."""
        ...

    def query(self, sent: Sequence[str]) -> dict[str, str]:
        """The query parameters that carry the sent conditions."""
        ...


@dataclass(frozen=True)
class Step:
    """Where one condition of the filter runs, and why.

    Attributes:
        condition: The condition (one conjunct of the filter).
        sent: The server conditions sent for it, as the dialect writes them (empty: local only).
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
    """A planned query: the server filter sent, the local remainder, and each condition's step.

    Attributes:
        resource: The resource's API name (``None`` when planned without one).
        where: The whole filter.
        steps: One per conjunct of the filter, in the order written.
        dialect: The server's filter language (``None``: nothing is sent).
    """

    resource: str | None
    where: Expr | None
    steps: tuple[Step, ...]
    dialect: Dialect | None = field(default=None, repr=False, compare=False)

    @property
    def sent(self) -> tuple[str, ...]:
        """Every server condition sent, once each, in order."""
        return tuple(dict.fromkeys(text for step in self.steps for text in step.sent))

    @property
    def filter(self) -> str:
        """The server filter as text, ``""`` when none is sent (then every record is pulled)."""
        return self.dialect.text(self.sent) if self.dialect is not None and self.sent else ""

    @property
    def params(self) -> dict[str, str]:
        """The query parameters that carry the server filter."""
        return self.dialect.query(self.sent) if self.dialect is not None and self.sent else {}

    @property
    def _sent_name(self) -> str:
        return self.dialect.name if self.dialect is not None else "server filter"

    @property
    def fields(self) -> set[str]:
        """The fields the filter names."""
        return self.where.fields() if self.where is not None else set()

    @property
    def local(self) -> Expr | None:
        """What runs on the DataFrame after the pull (``None`` when nothing does)."""
        parts = [step.condition for step in self.steps if step.local]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else _and(parts)

    def __str__(self) -> str:
        lines = [f"Plan for {self.resource or 'any resource'}: {self.where if self.where is not None else 'everything'}",
                 f"  {self._sent_name} sent: {self.filter or '(none: every record is pulled)'}",
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
                   f"{where}<br>{escape(self._sent_name)} sent: {sent}<br>run locally: {local}</caption>")
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


def describe_kind(kind: Kind) -> str:
    """``kind`` in words, for messages ("a time", "a whole number" …)."""
    return {"timestamp": "a time", "date": "a date", "flag": "a flag", "int": "a whole number",
            "float": "a number", "money": "an amount", "uuid": "a uuid", "category": "a category",
            "text": "text", "list": "a list"}[kind]


class _Planner:
    def __init__(self, resource: Resource | None, tz: str | None, lookup: Lookup | None) -> None:
        self.resource = resource
        self.tz = tz
        self.lookup = lookup

    # --- checks (every leaf, before any request) -----------------------------------------------
    def field(self, leaf: Leaf, context: str = "") -> FilterField:
        if self.resource is not None:
            return resolve_field(self.resource, leaf.field, context)
        sample = leaf.value if isinstance(leaf, Compare) else leaf.values[0] if isinstance(leaf, IsIn) and leaf.values else ""
        return _infer_field(leaf.field, sample)

    def check(self, leaf: Leaf, context: str) -> tuple[FilterField, Any]:
        """The leaf's field and typed value (values for ``isin``); raises ``FilterError`` if they do not fit.

        ``context`` says where the leaf is (in the text, or which condition); errors carry it.
        """
        field = self.field(leaf, context)
        try:
            return field, self._typed(leaf, field)
        except FilterError as exc:
            raise FilterError(f"{exc}{context}", exc.position) from None

    def _typed(self, leaf: Leaf, field: FilterField) -> Any:
        if field.kind == "list" and not isinstance(leaf, Missing):
            raise FilterError(f"{field.name} holds a list: filters take only .isna()/.notna() on it "
                              "(filter the frame's column in pandas for more)")
        if isinstance(leaf, Compare):
            if leaf.op not in ("==", "!=") and field.kind not in ORDERED_KINDS:
                raise FilterError(f"{leaf.op} does not fit {field.name}, which holds {describe_kind(field.kind)}: "
                                  f"use == or != (or isin)")
            return coerce(field, leaf.value, self.resource, self.tz)
        if isinstance(leaf, IsIn):
            return tuple(coerce(field, value, self.resource, self.tz) for value in leaf.values)
        if isinstance(leaf, TextMatch) and field.kind not in TEXT_KINDS:
            raise FilterError(f"{leaf.how}() does not fit {field.name}, which holds {describe_kind(field.kind)}")
        return None



def plan(where: Expr | None, resource: Resource | None = None, *, dialect: Dialect | None = None,
         tz: str | None = None, lookup: Lookup | None = None, text: str | None = None) -> Plan:
    """Plan ``where`` for ``resource``: check it, and split it between server and DataFrame.

    Args:
        where: The filter (``None``: everything).
        resource: The resource; ``None`` plans by the values' types alone.
        dialect: The server's filter language (``None``: everything runs locally).
        tz: The session's time zone (aware datetimes are converted to it).
        lookup: Finds the uuids behind an enriched column's name (a Session passes its own).
        text: The filter text ``where`` was parsed from, if it was: errors then quote it and
            give the offending condition's position in it.

    Raises:
        FilterError: An unknown field (``UnknownFieldError``), an operator that does not fit the
            field's type, or a value that does not fit it.
    """
    spec = resource
    planner = _Planner(spec, tz, lookup)
    leaves = [node for node in (where.walk() if where is not None else ()) if isinstance(node, Leaf)]
    checked: dict[int, tuple[FilterField, Any]] = {}
    for leaf in leaves:
        position = getattr(leaf, "position", None) if text is not None else None
        context = f" (in {text!r} at position {position})" if position is not None else f" (in {leaf})"
        try:
            checked[id(leaf)] = planner.check(leaf, context)
        except FilterError as exc:
            exc.position = position
            raise

    ctx = Context(tz, lookup)
    candidates = []
    for order, part in enumerate(conjuncts(where)):
        field_, value = checked.get(id(part), (None, None))
        form = (dialect.form(part, field_, value, ctx) if dialect is not None
                else Form((), True, "this server has no filter: it runs here"))
        candidates.append((order, part, form))

    steps: list[Step | None] = [None] * len(candidates)
    room = dialect.max_conditions if dialect is not None and dialect.max_conditions is not None else None
    taken: set[str] = set()
    room_at_most = room
    for order, part, form in sorted(candidates, key=lambda c: (not c[2].sent, c[2].rank, c[0])):
        slots = {slot for slot in (dialect.slot(sent) for sent in form.sent) if slot} if dialect is not None else set()
        if form.sent and slots & taken:
            steps[order] = Step(part, (), True, f"the server takes one {', '.join(sorted(slots & taken))}; "
                                                "another condition went there, so this one runs here")
        elif form.sent and (room is None or len(form.sent) <= room):
            room = None if room is None else room - len(form.sent)
            taken |= slots
            steps[order] = Step(part, form.sent, form.local, form.reason)
        elif form.sent:
            steps[order] = Step(part, (), True, f"more than {room_at_most} conditions could be sent; "
                                                "the more selective ones went")
        else:
            steps[order] = Step(part, (), True, form.reason)
    return Plan(spec.name if spec is not None else None, where, tuple(s for s in steps if s is not None), dialect)
