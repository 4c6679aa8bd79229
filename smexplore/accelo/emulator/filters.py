"""Accelo's ``_filters`` and ``_search``, compiled into a predicate and an order over one table's records.

The grammar (``_configuring_responses.md``): filters are ``name(arg,arg)`` separated by commas,
all of which must hold. Within one filter the arguments are alternatives.

- basic ``field(v1,v2)``: the field is one of the values;
- date ``<field>_before(ts)`` / ``<field>_after(ts)``: strictly before / after a unix timestamp;
- range ``<field>_greater_than(v)``, ``_less_than``, ``_greater_than_or_equal``, ``_less_than_or_equal``
  (numbers compare as numbers, other text as text; the legacy ``min_id``/``max_id`` mean ``id`` at least/at most);
- ``empty(field)``: the field has no value (null, empty, or ``"0"`` for an id);
- object ``against(company(1,2),job(7))``: the pair ``against_type``/``against_id`` is one of those;
- ``search(terms)``: every term (split at spaces and commas) is in one of the table's search fields;
- ``order_by_asc(field)`` / ``order_by_desc(field)``: the order (several keys: the first written leads;
  ties stay in ascending ``id``, the default order);
- ``_not`` after any of the above but the order negates it: ``standing_not(active)``;
- ``_OR(a,b)``: one of them holds; one ``_AND(c,d)`` may sit inside it (and only one ``_AND`` in all);
  an ``_OR`` inside an ``_OR`` or an ``_AND`` is refused, as the docs say they are not supported;
- a filter named twice in one combination counts only the last time (``_OR(staff(10),staff(11))`` is
  ``staff(11)``), as documented.

Values compare without regard to case (``standing(Active)``), and numbers by value (``rate_charged(125)``
matches ``"125.00"``). Anything else (an unknown filter, a filter this table does not have, a missing
or extra argument, a timestamp that is no integer, an order inside ``_OR``) is a ``QueryError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .agency import Record
from .schema import Getter, Table
from .syntax import Call, Item, QueryError, parse_items

__all__ = ["Predicate", "Query", "compile_filters", "compile_search", "ordered", "sort_key"]

Predicate = Callable[[Record], bool]

_NUMBER = re.compile(r"^-?\d{1,30}(\.\d{1,30})?$")
_TIMESTAMP = re.compile(r"^-?\d{1,15}$")
_DATE = re.compile(r"^(?P<field>\w+?)_(?P<op>before|after)$")
_RANGE = re.compile(r"^(?P<field>\w+?)_(?P<op>greater_than_or_equal|less_than_or_equal|greater_than|less_than)$")
_ORDER = ("order_by_asc", "order_by_desc")
_COMPARE: dict[str, Callable[[int], bool]] = {
    "greater_than": lambda c: c > 0, "less_than": lambda c: c < 0,
    "greater_than_or_equal": lambda c: c >= 0, "less_than_or_equal": lambda c: c <= 0,
}


@dataclass(frozen=True)
class Query:
    """A compiled ``_filters``: which records match, and in what order.

    Attributes:
        predicate: Whether a record matches.
        order: Sort keys, leading key first: (getter, descending). Empty: ascending ``id``.
    """

    predicate: Predicate
    order: tuple[tuple[Getter, bool], ...] = ()


@lru_cache(maxsize=1 << 16)
def sort_key(value: Any) -> tuple[int, Any]:
    """A value's place in an order: nulls first, then numbers by value, then text without regard to case."""
    if value is None or value == "":
        return (0, 0)
    text = str(value)
    if _NUMBER.match(text):
        return (1, Decimal(text))
    return (2, text.casefold())


def ordered(records: Iterable[Record], order: Sequence[tuple[Getter, bool]]) -> list[Record]:
    """``records`` (in ascending ``id``) sorted by ``order``; ties keep their ascending ``id``."""
    rows = list(records)
    for getter, descending in reversed(order):
        rows.sort(key=lambda record: sort_key(getter(record)), reverse=descending)
    return rows


def _compare(value: Any, bound: tuple[int, Any]) -> int | None:
    """-1, 0 or 1 as ``value`` is below, at or above ``bound``; ``None`` for a null value."""
    key = sort_key(value)
    if key[0] == 0:
        return None
    if key[0] != bound[0]:  # a number against text: compare them as text
        left, right = str(value).casefold(), str(bound[1]).casefold()
    else:
        left, right = key[1], bound[1]
    return (left > right) - (left < right)


def _values(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def _words(call: Call, at_least: int = 1, at_most: int | None = None) -> list[str]:
    """The arguments of ``call``, which must be plain words, ``at_least`` and ``at_most`` of them."""
    words = []
    for arg in call.args:
        if isinstance(arg, Call):
            raise QueryError(f"Invalid _filters: {call.name}() takes values, not {arg.name}(...)")
        words.append(arg)
    if len(words) < at_least or (at_most is not None and len(words) > at_most):
        wanted = f"exactly {at_least}" if at_least == at_most else f"at least {at_least}"
        raise QueryError(f"Invalid _filters: {call.name}() takes {wanted} value{'s' * (wanted != 'exactly 1')}, "
                         f"got {len(words)}")
    return words


class _Compiler:
    def __init__(self, table: Table) -> None:
        self.table = table

    def unknown(self, name: str) -> QueryError:
        return QueryError(f"Invalid _filters: {name!r} is not a filter of /{self.table.path}")

    # --- one filter ---------------------------------------------------------------------------------
    def filter(self, call: Call) -> Predicate:
        predicate = self.positive(call.name, call)
        if predicate is not None:
            return predicate
        if call.name.endswith("_not"):
            base = self.positive(call.name.removesuffix("_not"), call)
            if base is not None:
                return lambda record: not base(record)
        raise self.unknown(call.name)

    def positive(self, name: str, call: Call) -> Predicate | None:
        """The filter ``name`` (without ``_not``) applied to ``call``'s arguments, if the table has it."""
        table = self.table
        if name == "empty":
            return self.empty(call)
        if name == "search":
            return self.search(" ".join(_words(call)), "search()")
        if name in table.objects:
            return self.object(call, *table.objects[name])
        if name in table.basic:
            getter = table.basic[name]
            wanted = {sort_key(word) for word in _words(call)}
            return lambda record: any(sort_key(v) in wanted for v in _values(getter(record)))
        match = _DATE.match(name)
        if match and match["field"] in table.dates:
            return self.date(call, table.dates[match["field"]], match["op"])
        match = _RANGE.match(name)
        if match and match["field"] in table.ranges:
            return self.range(call, table.ranges[match["field"]], match["op"])
        if name in ("min_id", "max_id") and "id" in table.ranges:
            return self.range(call, table.ranges["id"], "greater_than_or_equal" if name == "min_id"
                              else "less_than_or_equal")
        return None

    def empty(self, call: Call) -> Predicate:
        fields = _words(call)
        for name in fields:
            if name not in self.table.fields:
                raise QueryError(f"Invalid _filters: empty({name}): {name!r} is not a field of /{self.table.path}")
        ids = {name for name in fields if name in self.table.links or name == "id" or name.endswith("_id")}

        def is_empty(record: Record, name: str) -> bool:
            value = record.get(name)
            return value is None or value == "" or (name in ids and value == "0")

        return lambda record: any(is_empty(record, name) for name in fields)

    def search(self, text: str, where: str) -> Predicate:
        fields = self.table.search
        if not fields:
            raise QueryError(f"Invalid {where}: /{self.table.path} cannot be searched")
        terms = [term.casefold() for term in re.split(r"[\s,]+", text) if term]

        def found(record: Record) -> bool:
            texts = [str(record.get(name) or "").casefold() for name in fields]
            return all(any(term in text for text in texts) for term in terms)

        return found

    def object(self, call: Call, type_field: str, id_field: str) -> Predicate:
        if not call.args:
            raise QueryError(f"Invalid _filters: {call.name}() takes objects such as company(1,2)")
        wanted: set[tuple[str, tuple[int, Any]]] = set()
        for arg in call.args:
            if not isinstance(arg, Call):
                raise QueryError(f"Invalid _filters: {call.name}() takes objects such as company(1,2), "
                                 f"not {arg!r}")
            wanted.update((arg.name.casefold(), sort_key(word)) for word in _words(arg))
        return lambda record: (str(record.get(type_field) or "").casefold(), sort_key(record.get(id_field))) in wanted

    def date(self, call: Call, getter: Getter, op: str) -> Predicate:
        (word,) = _words(call, 1, 1)
        if not _TIMESTAMP.match(word):
            raise QueryError(f"Invalid _filters: {call.name}() takes a unix timestamp, not {word[:40]!r}")
        bound = int(word)
        if op == "before":
            return lambda record: (v := getter(record)) is not None and int(v) < bound
        return lambda record: (v := getter(record)) is not None and int(v) > bound

    def range(self, call: Call, getter: Getter, op: str) -> Predicate:
        (word,) = _words(call, 1, 1)
        bound, test = sort_key(word), _COMPARE[op]
        if bound[0] == 0:
            raise QueryError(f"Invalid _filters: {call.name}() takes a value")

        def within(record: Record) -> bool:
            return any((c := _compare(v, bound)) is not None and test(c) for v in _values(getter(record)))

        return within

    # --- combinations ---------------------------------------------------------------------------------
    def group(self, items: Sequence[Item], context: str) -> tuple[Predicate, list[tuple[Getter, bool]]]:
        """The predicate of a combination (``top``, ``_OR`` or ``_AND``) and, at the top, its order."""
        last: dict[str, Call] = {}
        for item in items:
            if not isinstance(item, Call):
                raise QueryError(f"Invalid _filters: expected a filter such as standing(active), got {item[:40]!r}")
            last.pop(item.name, None)  # the last instance counts, in its own place
            last[item.name] = item
        predicates: list[Predicate] = []
        order: list[tuple[Getter, bool]] = []
        for call in last.values():
            if call.name in _ORDER:
                if context != "top":
                    raise QueryError(f"Invalid _filters: {call.name}() cannot be inside {context}()")
                for name in _words(call):
                    if name not in self.table.orders:
                        raise QueryError(f"Invalid _filters: /{self.table.path} cannot be ordered by {name!r}")
                    order.append((self.table.orders[name], call.name == "order_by_desc"))
            elif call.name in ("_OR", "_AND"):
                if context == "_OR" and call.name == "_OR" or context == "_AND":
                    raise QueryError(f"Invalid _filters: {call.name}() inside {context}() is not supported")
                if not call.args:
                    raise QueryError(f"Invalid _filters: {call.name}() needs at least one filter")
                predicates.append(self.group(call.args, call.name)[0])
            else:
                predicates.append(self.filter(call))
        if context == "_OR":
            return (lambda record: any(p(record) for p in predicates)), order
        return (lambda record: all(p(record) for p in predicates)), order


def _count_and(items: Iterable[Item]) -> int:
    return sum((item.name == "_AND") + _count_and(item.args) for item in items if isinstance(item, Call))


def compile_filters(text: str, table: Table) -> Query:
    """The ``_filters`` text for ``table``, compiled.

    Raises:
        QueryError: The text is malformed, or asks for what this table does not have.
    """
    items = parse_items(text, "_filters")
    if _count_and(items) > 1:
        raise QueryError("Invalid _filters: only one _AND() may be given")
    predicate, order = _Compiler(table).group(items, "top")
    return Query(predicate, tuple(order))


def compile_search(text: str, table: Table) -> Predicate | None:
    """The ``_search`` text (``kurt wagner``, ``(kurt+wagner)``) for ``table``: every term in one of its fields.

    ``None`` for an empty text.

    Raises:
        QueryError: ``table`` cannot be searched.
    """
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    if not text.strip():
        return None
    return _Compiler(table).search(text.replace("+", " "), "_search")
