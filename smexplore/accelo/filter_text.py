"""Accelo ``_filters`` text as a filter expression: ``where="manager(3,4),date_due_after(1772409600)"``.

An Accelo Session takes ``_filters`` text wherever it takes a filter (``where=``), and parses it
into the same expressions ``F`` builds, checked against the resource. It is then planned like any
other filter: what Accelo runs exactly is sent (usually the text as given, rewritten), the rest
runs on the frame, and ``explain`` says which. So text and expressions give the same rows, unknown
filters and malformed values fail before any request, and the frame's own columns are filtered
(``manager(3)`` reads ``manager_id``).

=================================== ==============================================================
``_filters``                        expression
=================================== ==============================================================
``manager(3,4)``                    ``F.manager_id.isin([3, 4])`` (one value: ``== 3``)
``standing_not(active)``            ``~F.standing.isin(['active'])`` (one value: ``!= 'active'``)
``date_due_after(1772409600)``      ``F.date_due > Timestamp(1772409600, unit='s')`` (naive UTC, or
                                    the instant in a ``timezone=`` session); ``_before``: ``<``
``rate_charged_greater_than(100)``  ``F.rate_charged > 100`` (``_less_than``, ``…_or_equal``);
                                    ``min_id(5)``/``max_id(9)``: ``F.id >= 5``/``<= 9``; on a duration
                                    (``budgeted``) the seconds become hours
``type(1,2)``, ``job_type(1,2)``    ``F.job_type_id.isin([1, 2])`` (other spellings of the documents,
                                    ``ALIASES``: ``manager_id(3)`` is ``manager(3)``)
``plan_modified_by_less_than(9)``   a ``ServerFilter``: no column holds it, only the server runs it
                                    (``SERVER_ONLY``)
``empty(date_due)``                 ``F.date_due.isna()`` (several fields: any of them)
``against(company(1,2),job(7))``    ``((F.against_type == 'company') & F.against_id.isin([1, 2])) | …``
``search(site brand)``              every word in one of the list's search fields (``contains``)
``_OR(a,b,_AND(c,d))``              ``a | b | (c & d)``; ``_AND`` at the top is ``&``
=================================== ==============================================================

Every spelling of the documents is read (the source document's ``type``, ``manager_id`` and
``plan_modified_by_*``, the current docs' ``job_type``), and each is sent under the name the
dialect sends (``smexplore.accelo.dialect``: the source document's where it has one).

Refused with a ``FilterError`` naming the position (0-based, ``.position``): malformed text
(unbalanced parentheses, an empty item, text after a call), a filter the list does not have (the
closest is suggested), a value that does not fit (``manager(ann)``, a timestamp that is no whole
number), a filter named twice in one combination (Accelo would keep only the last: give the values
in one), an ``_OR`` inside an ``_OR`` or ``_AND``, more than one ``_AND``, and ordering
(``order_by_asc``: sort the frame instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..core.errors import FilterError, did_you_mean
from ..core.filters.expr import And, Compare, CompareOp, Expr, IsIn, Missing, Or, TextMatch
from ..core.schema import Resource
from .dialect import ALIASES, FILTERS, OBJECTS, SERVER_ONLY, ServerFilter
from .resources import WIRE

__all__ = ["parse_filters"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INTEGER = re.compile(r"^[-+]?\d{1,18}$")
_RANGES: dict[str, CompareOp] = {"_greater_than_or_equal": ">=", "_less_than_or_equal": "<=",
                                 "_greater_than": ">", "_less_than": "<"}
_MAX_DEPTH = 8


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[_Call | _Word, ...]
    position: int


@dataclass(frozen=True)
class _Word:
    text: str
    position: int


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def error(self, problem: str, at: int | None = None) -> FilterError:
        where = self.at if at is None else at
        return FilterError(f"bad _filters {self.text!r} at position {where}: {problem}", where)

    def items(self, depth: int) -> list[_Call | _Word]:
        if depth > _MAX_DEPTH:
            raise self.error(f"nested deeper than {_MAX_DEPTH} levels")
        found = [self.item(depth)]
        while self.at < len(self.text) and self.text[self.at] == ",":
            self.at += 1
            found.append(self.item(depth))
        return found

    def item(self, depth: int) -> _Call | _Word:
        start = self.at
        while self.at < len(self.text) and self.text[self.at] not in "(),":
            self.at += 1
        raw = self.text[start:self.at]
        word, begins = raw.strip(), start + len(raw) - len(raw.lstrip())
        if self.at < len(self.text) and self.text[self.at] == "(":
            if not _NAME.match(word):
                raise self.error("expected a filter name before '('" if not word else f"{word!r} is not a name",
                                 begins)
            self.at += 1
            args: tuple[_Call | _Word, ...] = ()
            if self.text[self.at:].lstrip().startswith(")"):
                self.at = self.text.index(")", self.at)
            elif self.at < len(self.text):
                args = tuple(self.items(depth + 1))
            if self.at >= len(self.text):
                raise self.error(f"'(' after {word!r} is never closed", begins)
            self.at += 1
            rest = self.at
            while self.at < len(self.text) and self.text[self.at] not in "),":
                self.at += 1
            if self.text[rest:self.at].strip():
                raise self.error(f"unexpected text after {word}(…)", rest)
            return _Call(word, args, begins)
        if not word:
            raise self.error("an empty item (two commas in a row, or a comma at an end)", start)
        return _Word(word, begins)


def _parse(text: str) -> list[_Call | _Word]:
    parser = _Parser(text)
    items = parser.items(0)
    if parser.at < len(text):
        raise parser.error("a ')' that closes nothing")
    return items


class _Builder:
    def __init__(self, text: str, resource: Resource, tz: str | None) -> None:
        self.text, self.resource, self.tz = text, resource, tz
        self.filters = FILTERS.get(resource.name, {})
        self.objects = OBJECTS.get(resource.name, {})
        wire = WIRE.get(resource.name)
        self.links = {name: f"{name}_id" for name in wire.links} if wire is not None else {}
        self.hours = dict(wire.hours) if wire is not None else {}
        self.search_fields = wire.search if wire is not None else ()
        self.by_family: dict[str, dict[str, str]] = {"basic": {}, "dates": {}, "ranges": {}}
        for column, found in self.filters.items():
            for family in self.by_family:
                name = getattr(found, family)
                if name is not None:
                    self.by_family[family][name] = column
        for family, spellings in ALIASES.get(resource.name, {}).items():
            for spelling, name in spellings.items():
                if name in self.by_family[family]:
                    self.by_family[family][spelling] = self.by_family[family][name]
        self.server_only = SERVER_ONLY.get(resource.name, {})
        self.ands = 0

    def error(self, problem: str, at: int) -> FilterError:
        return FilterError(f"bad _filters {self.text!r} at position {at}: {problem}", at)

    # --- combinations -----------------------------------------------------------------------------
    def group(self, items: list[_Call | _Word], context: str) -> list[Expr]:
        seen: dict[str, int] = {}
        parts = []
        for item in items:
            if isinstance(item, _Word):
                raise self.error(f"expected a filter such as standing(active), got {item.text!r}", item.position)
            if item.name in seen:
                raise self.error(f"{item.name}() is given twice {'at the top' if context == 'top' else 'in ' + context}"
                                 f" (Accelo would keep only the last): give every value in one {item.name}(…)",
                                 item.position)
            seen[item.name] = item.position
            parts.append(self.call(item, context))
        return parts

    def call(self, call: _Call, context: str) -> Expr:
        if call.name in ("_OR", "_AND"):
            if context != "top":
                raise self.error(f"{call.name}() inside {context}() is not supported by Accelo", call.position)
            if call.name == "_AND":
                self.ands += 1
                if self.ands > 1:
                    raise self.error("only one _AND() may be given", call.position)
            if not call.args:
                raise self.error(f"{call.name}() needs at least one filter", call.position)
            if call.name == "_OR":
                return self._or_inner(call)
            return _joined(self.group(list(call.args), "_AND"), And)
        return self.filter(call)

    def _or_inner(self, call: _Call) -> Expr:
        parts = []
        seen: set[str] = set()
        for item in call.args:
            if isinstance(item, _Word):
                raise self.error(f"expected a filter such as standing(active), got {item.text!r}", item.position)
            if item.name in seen:
                raise self.error(f"{item.name}() is given twice in _OR (Accelo would keep only the last): give "
                                 f"every value in one {item.name}(…)", item.position)
            seen.add(item.name)
            if item.name == "_OR":
                raise self.error("_OR() inside _OR() is not supported by Accelo", item.position)
            if item.name == "_AND":
                self.ands += 1
                if self.ands > 1:
                    raise self.error("only one _AND() may be given", item.position)
                if not item.args:
                    raise self.error("_AND() needs at least one filter", item.position)
                parts.append(_joined(self.group(list(item.args), "_AND"), And))
            else:
                parts.append(self.filter(item))
        return _joined(parts, Or)

    # --- one filter -------------------------------------------------------------------------------
    def filter(self, call: _Call) -> Expr:
        name = call.name
        if name in ("order_by_asc", "order_by_desc"):
            raise self.error(f"{name}() orders, it does not filter: sort the frame instead "
                             "(frame.sort_values(…))", call.position)
        if name == "search":
            return self.search(call)
        if name == "empty":
            return _joined([Missing(self.field_column(word)) for word in self.words(call)], Or)
        if name in self.objects:
            return self.object(call, *self.objects[name])
        if name in ("min_id", "max_id") and "id" in self.by_family["ranges"]:
            (word,) = self.words(call, 1, 1)
            return Compare("id", ">=" if name == "min_id" else "<=", self.value("id", word), call.position)
        found = self.positive(call, name)
        if found is not None:
            return found
        if name.endswith("_not"):
            base = self.positive(call, name.removesuffix("_not"))
            if isinstance(base, ServerFilter):
                raise self.error(f"{name}(): _not goes after filters of values such as manager(…), and only the "
                                 f"server can run {base.name}(): write the opposite range instead", call.position)
            if isinstance(base, Compare) and base.op == "==":
                return Compare(base.field, "!=", base.value, base.position)
            if base is not None:
                return ~base
        valid = sorted({*self.by_family["basic"], *(f"{n}_not" for n in self.by_family["basic"]),
                        *(f"{n}_{o}" for n in self.by_family["dates"] for o in ("before", "after")),
                        *(f"{n}{o}" for n in [*self.by_family["ranges"], *self.server_only] for o in _RANGES),
                        *self.objects, "empty", "_OR", "_AND", *(("search",) if self.search_fields else ())})
        families = [f"{', '.join(self.by_family['basic'])} (each also _not)",
                    f"{', '.join(self.by_family['dates'])} (_before, _after)" if self.by_family["dates"] else "",
                    f"{', '.join([*self.by_family['ranges'], *self.server_only])} (_greater_than, _less_than, "
                    "…_or_equal)" if self.by_family["ranges"] or self.server_only else "",
                    ", ".join([*self.objects, "empty", *(("search",) if self.search_fields else ()), "_OR", "_AND"])]
        raise self.error(f"{self.resource.path} has no filter {name!r}{did_you_mean(name, valid)}; its filters: "
                         f"{'; '.join(f for f in families if f)}", call.position)

    def positive(self, call: _Call, name: str) -> Expr | None:
        if name == "empty":
            return self.filter(_Call("empty", call.args, call.position))
        column = self.by_family["basic"].get(name)
        if column is not None:
            values = tuple(self.value(column, word) for word in self.words(call))
            if len(values) == 1:
                return Compare(column, "==", values[0], call.position)
            return IsIn(column, tuple(dict.fromkeys(values)))
        dates: tuple[tuple[str, CompareOp], ...] = (("_before", "<"), ("_after", ">"))
        for suffix, op in dates:
            column = self.by_family["dates"].get(name.removesuffix(suffix)) if name.endswith(suffix) else None
            if column is not None:
                (word,) = self.words(call, 1, 1)
                return Compare(column, op, self.value(column, word), call.position)
        for suffix, op in _RANGES.items():
            column = self.by_family["ranges"].get(name.removesuffix(suffix)) if name.endswith(suffix) else None
            if column is not None:
                (word,) = self.words(call, 1, 1)
                return Compare(column, op, self.value(column, word), call.position)
            if name.endswith(suffix) and name.removesuffix(suffix) in self.server_only:
                (word,) = self.words(call, 1, 1)
                if not _INTEGER.match(word.text):
                    raise self.error(f"{name}() takes a whole number ({self.server_only[name.removesuffix(suffix)]}), "
                                     f"not {word.text[:40]!r}", word.position)
                return ServerFilter(name, (str(int(word.text)),), call.position)
        return None

    def words(self, call: _Call, at_least: int = 1, at_most: int | None = None) -> list[_Word]:
        words = []
        for arg in call.args:
            if isinstance(arg, _Call):
                raise self.error(f"{call.name}() takes values, not {arg.name}(…)", arg.position)
            words.append(arg)
        if len(words) < at_least or (at_most is not None and len(words) > at_most):
            wanted = "one value" if at_most == 1 else f"at least {at_least} value{'s' * (at_least != 1)}"
            raise self.error(f"{call.name}() takes {wanted}, got {len(words)}", call.position)
        return words

    def field_column(self, word: _Word) -> str:
        name = word.text
        column = self.links.get(name) or self.hours.get(name) or name
        if column not in self.resource.fields:
            valid = [*self.links, *(f for f in self.resource.fields if not f.endswith("_hours"))]
            raise self.error(f"{self.resource.path} has no field {name!r}{did_you_mean(name, valid)}",
                             word.position)
        return column

    def value(self, column: str, word: _Word) -> Any:
        field = self.resource.fields[column]
        text = word.text
        if field.kind == "timestamp":
            if not _INTEGER.match(text):
                raise self.error(f"{column} takes a unix timestamp (whole seconds), not {text[:40]!r}", word.position)
            stamp = pd.Timestamp(int(text), unit="s")
            return stamp.tz_localize("UTC") if self.tz else stamp
        if field.kind == "flag":
            if text not in ("0", "1"):
                raise self.error(f"{column} takes 0 or 1, not {text[:40]!r}", word.position)
            return text == "1"
        if field.kind in ("int", "float", "money") or column in self.hours.values():
            try:
                number = float(text) if not _INTEGER.match(text) else int(text)
            except ValueError:
                raise self.error(f"{column} takes a number, not {text[:40]!r}", word.position) from None
            if column in self.hours.values():
                return number / 3600  # seconds on the wire, hours in the frame
            if field.kind == "int" and isinstance(number, float):
                raise self.error(f"{column} takes a whole number, not {text[:40]!r}", word.position)
            return number
        return text

    def object(self, call: _Call, type_column: str, id_column: str) -> Expr:
        if not call.args:
            raise self.error(f"{call.name}() takes objects such as company(1,2)", call.position)
        parts: list[Expr] = []
        for arg in call.args:
            if not isinstance(arg, _Call):
                raise self.error(f"{call.name}() takes objects such as company(1,2), not {arg.text!r}", arg.position)
            ids = tuple(self.value(id_column, word) for word in self.words(arg))
            match: Expr = Compare(id_column, "==", ids[0], arg.position) if len(ids) == 1 else IsIn(id_column, ids)
            parts.append(Compare(type_column, "==", arg.name, arg.position) & match)
        return _joined(parts, Or)

    def search(self, call: _Call) -> Expr:
        if not self.search_fields:
            raise self.error(f"{self.resource.path} cannot be searched", call.position)
        terms = [term for word in self.words(call) for term in re.split(r"\s+", word.text) if term]
        if not terms:
            raise self.error("search() needs a word", call.position)
        return _joined([_joined([TextMatch(name, "contains", term) for name in self.search_fields], Or)
                        for term in terms], And)


def _joined(parts: list[Expr], kind: type[And | Or]) -> Expr:
    if len(parts) == 1:
        return parts[0]
    flat: list[Expr] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return kind(tuple(flat))


def parse_filters(text: str, resource: Resource, tz: str | None = None) -> Expr | None:
    """Accelo ``_filters`` text for ``resource`` as a filter expression (``None`` for blank text).

    Args:
        text: The text, as Accelo takes it in ``_filters``.
        resource: The Accelo resource it filters.
        tz: The session's time zone: timestamps become instants in it (else naive UTC).

    Raises:
        FilterError: The text is malformed, or names what the resource does not have; the message
            and ``.position`` say where.
    """
    if not isinstance(text, str):
        raise TypeError(f"_filters text must be a str, not {type(text).__name__}")
    if not text.strip():
        return None
    builder = _Builder(text, resource, tz)
    parts = builder.group(_parse(text), "top")
    return _joined(parts, And)
