"""Filter expressions: ``F.<field>`` comparisons combined with ``&``, ``|`` and ``~``.

An expression is a small immutable tree that knows nothing of resources; the planner
(``_plan.py``) checks it against a resource, splits it into the part the server runs and the part
run on the DataFrame. ``str(expr)`` reads back as Python (``F`` in scope), and ServiceM8 ``$filter``
text parses into the same tree (``parse_filter``), so both ways of filtering share one planner.

>>> from smexplore import F
>>> where = (F.status == "Work Order") & F.date.between("2026-03-01", "2026-03-31")
>>> where.to_filter("job")
"status eq 'Work Order' and date gt '2026-02-28 23:59:59' and date lt '2026-03-31 00:00:01'"
"""

from __future__ import annotations

import keyword
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ..errors import FilterError
from .text import FilterSyntaxError, parse_filter_text

__all__ = [
    "And",
    "Compare",
    "Expr",
    "F",
    "FieldRef",
    "IsIn",
    "Leaf",
    "Missing",
    "Not",
    "Or",
    "TextMatch",
    "as_expression",
    "conjuncts",
    "parse_filter",
    "set_filter_writer",
]

CompareOp = Literal["==", "!=", ">", "<", ">=", "<="]
# $filter operator ↔ Python operator.
TEXT_OPS: dict[str, CompareOp] = {"eq": "==", "ne": "!=", "gt": ">", "lt": "<"}
WIRE_OPS: dict[str, str] = {python: wire for wire, python in TEXT_OPS.items()}
_SCALARS = (str, int, float, bool, datetime, date, pd.Timestamp)
_LARGEST = sys.float_info.max  # numbers compare as floating point, here and on the server


def _render_value(value: Any) -> str:
    """A value as Python source; dates and times as strings (which expressions accept)."""
    if isinstance(value, pd.Timestamp):
        return repr(str(value))
    if isinstance(value, datetime):
        return repr(value.isoformat(sep=" "))
    if isinstance(value, date):
        return repr(value.isoformat())
    return repr(value)


def _is_missing(value: Any) -> bool:
    """``None``, ``NaN`` and ``NaT``: what ``== value`` means ``.isna()`` for."""
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _check_value(value: Any, what: str) -> Any:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):  # numpy numbers and bools, as a frame's cells give them
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGEST:
        digits = int(value.bit_length() * math.log10(2)) + 1  # str() of a huge int may itself fail
        raise FilterError(f"{what}: a number of about {digits} digits is too large; filters compare numbers as "
                          "floating point, up to ±1.8e308")
    if isinstance(value, (FieldRef, Expr)):
        raise TypeError(f"{what}: compare a field with a value, not with another field or expression")
    if _is_missing(value):
        raise TypeError(f"{what}: {value!r} is no value to compare with; for missing values use .isna() / .notna()")
    if isinstance(value, _SCALARS) and not (isinstance(value, float) and not math.isfinite(value)):
        return value
    raise TypeError(
        f"{what}: {value!r} is not a filter value; use a string, number, bool, date, datetime or pandas Timestamp"
    )


class Expr:
    """Base of every filter expression; combine with ``&`` (and), ``|`` (or) and ``~`` (not)."""

    __slots__ = ()

    def __and__(self, other: Expr) -> Expr:
        return And((*_flatten(self, And), *_flatten(_expect(other, "&"), And)))

    def __or__(self, other: Expr) -> Expr:
        return Or((*_flatten(self, Or), *_flatten(_expect(other, "|"), Or)))

    def __invert__(self) -> Expr:
        return self.part if isinstance(self, Not) else Not(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "a filter expression has no truth value: combine with & | ~ (not and/or/not), put comparisons "
            "in parentheses: (F.a == 1) & (F.b > 2), and test membership with F.a.isin([...]), not 'in'"
        )

    def fields(self) -> set[str]:
        """The names of the fields the expression reads."""
        return {node.field for node in self.walk() if isinstance(node, Leaf)}

    def walk(self) -> Iterator[Expr]:
        """This node and every node below it, depth first."""
        yield self

    def to_filter(self, resource: str | None = None) -> str:
        """The ServiceM8 ``$filter`` text of the part the server can run (``""`` if none).

        Args:
            resource: The resource the filter is for, e.g. ``"job"``; it gives each field's type,
                which decides whether ``>=``/``<=`` can go to the server. Without it, types are
                judged from the values (numbers compared with ``>=``/``<=`` then stay local).
        """
        if _filter_writer is None:
            raise RuntimeError("no server dialect is loaded: import smexplore first")
        return _filter_writer(self, resource)

    def __repr__(self) -> str:
        return f"<smexplore filter {self}>"

    def _operand(self) -> str:
        """The source as an operand of ``&``/``|``: comparisons and combinations in parentheses."""
        return f"({self})" if isinstance(self, (Compare, And, Or)) else str(self)


_filter_writer: Callable[[Expr, str | None], str] | None = None


def set_filter_writer(writer: Callable[[Expr, str | None], str]) -> None:
    """Set what ``Expr.to_filter`` writes with: ServiceM8's dialect sets itself when it is imported."""
    global _filter_writer
    _filter_writer = writer


def _expect(other: Any, op: str) -> Expr:
    if not isinstance(other, Expr):
        raise TypeError(f"{op} combines filter expressions, not {type(other).__name__}")
    return other


def _flatten(expr: Expr, kind: type) -> tuple[Expr, ...]:
    return expr.parts if isinstance(expr, kind) else (expr,)  # type: ignore[attr-defined]


@dataclass(frozen=True, eq=True, repr=False)
class Leaf(Expr):
    """A condition on one field (the comparisons, ``isin``, missing and text matches)."""

    field: str

    def _ref(self) -> str:
        return str(FieldRef(self.field))


@dataclass(frozen=True, eq=True, repr=False)
class Compare(Leaf):
    """``F.field <op> value``.

    ``position``: offset in the ``$filter`` text it was parsed from (not part of equality).
    """

    op: CompareOp
    value: Any
    position: int | None = dataclass_field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self._ref()} {self.op} {_render_value(self.value)}"


@dataclass(frozen=True, eq=True, repr=False)
class IsIn(Leaf):
    """``F.field.isin(values)``."""

    values: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self._ref()}.isin([{', '.join(map(_render_value, self.values))}])"


@dataclass(frozen=True, eq=True, repr=False)
class Missing(Leaf):
    """``F.field.isna()`` (``missing=True``) or ``F.field.notna()``."""

    missing: bool = True

    def __str__(self) -> str:
        return f"{self._ref()}.{'isna' if self.missing else 'notna'}()"


@dataclass(frozen=True, eq=True, repr=False)
class TextMatch(Leaf):
    """``F.field.contains(text)`` or ``F.field.startswith(text)`` (case-insensitive)."""

    how: Literal["contains", "startswith"]
    text: str

    def __str__(self) -> str:
        return f"{self._ref()}.{self.how}({self.text!r})"


@dataclass(frozen=True, eq=True, repr=False)
class _Combination(Expr):
    parts: tuple[Expr, ...]
    _JOINER: ClassVar[str] = ""

    def __str__(self) -> str:
        return f" {self._JOINER} ".join(part._operand() for part in self.parts)

    def walk(self) -> Iterator[Expr]:
        yield self
        for part in self.parts:
            yield from part.walk()


@dataclass(frozen=True, eq=True, repr=False)
class And(_Combination):
    """All parts hold."""

    _JOINER: ClassVar[str] = "&"


@dataclass(frozen=True, eq=True, repr=False)
class Or(_Combination):
    """At least one part holds."""

    _JOINER: ClassVar[str] = "|"


@dataclass(frozen=True, eq=True, repr=False)
class Not(Expr):
    """The part does not hold."""

    part: Expr

    def __str__(self) -> str:
        inner = str(self.part)
        return f"~{inner}" if isinstance(self.part, (IsIn, Missing, TextMatch)) else f"~({inner})"

    def walk(self) -> Iterator[Expr]:
        yield self
        yield from self.part.walk()


class FieldRef:
    """A field to filter on: ``F.status``, ``F["status"]``. Comparisons make expressions."""

    __slots__ = ("_name",)
    __hash__ = None  # type: ignore[assignment]  # == builds an expression, so no hashing

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a field name is a non-empty string, not {name!r}")
        self._name = name

    def __str__(self) -> str:
        name = self._name
        plain = name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("__")
        return f"F.{name}" if plain else f"F[{name!r}]"

    __repr__ = __str__

    def _compare(self, op: CompareOp, value: Any) -> Expr:
        if _is_missing(value) and op in ("==", "!="):
            return Missing(self._name, op == "==")
        return Compare(self._name, op, _check_value(value, f"{self} {op}"))

    def _combined(self, other: Any) -> Expr:
        raise TypeError(f"{self} is a field, not a condition: compare it first, and put comparisons in "
                        "parentheses, as & and | bind tighter than ==: (F.a == 1) & (F.b > 2)")

    __and__ = __rand__ = __or__ = __ror__ = _combined

    def __eq__(self, value: object) -> Expr:  # type: ignore[override]
        return self._compare("==", value)

    def __ne__(self, value: object) -> Expr:  # type: ignore[override]
        return self._compare("!=", value)

    def __gt__(self, value: Any) -> Expr:
        return self._compare(">", value)

    def __lt__(self, value: Any) -> Expr:
        return self._compare("<", value)

    def __ge__(self, value: Any) -> Expr:
        return self._compare(">=", value)

    def __le__(self, value: Any) -> Expr:
        return self._compare("<=", value)

    def isin(self, values: Iterable[Any]) -> Expr:
        """The field equals one of ``values``."""
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"{self}.isin() takes a list of values, not {type(values).__name__}")
        return IsIn(self._name, tuple(_check_value(v, f"{self}.isin()") for v in values))

    def between(self, low: Any, high: Any) -> Expr:
        """``low <= field <= high`` (both ends included, as in pandas)."""
        return And((self._compare(">=", low), self._compare("<=", high)))

    def isna(self) -> Expr:
        """The field is missing (zero dates, blank uuids and texts, absent numbers)."""
        return Missing(self._name, True)

    def notna(self) -> Expr:
        """The field has a value."""
        return Missing(self._name, False)

    def contains(self, text: str) -> Expr:
        """The field contains ``text`` (case-insensitive, as the API compares text)."""
        return TextMatch(self._name, "contains", _text_argument(self, "contains", text))

    def startswith(self, text: str) -> Expr:
        """The field starts with ``text`` (case-insensitive)."""
        return TextMatch(self._name, "startswith", _text_argument(self, "startswith", text))


def _text_argument(ref: FieldRef, how: str, text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{ref}.{how}() takes a string, not {type(text).__name__}")
    return text


class _FieldFactory:
    """``F.status`` or ``F["status"]``: a field to build a filter expression on."""

    __slots__ = ()

    def __getattr__(self, name: str) -> FieldRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return FieldRef(name)

    def __getitem__(self, name: str) -> FieldRef:
        return FieldRef(name)

    def __repr__(self) -> str:
        return "F"


F = _FieldFactory()
"""Builds filter expressions, such as ``F.start_date >= "2026-03-01"`` or ``F["status"].isin([...])``."""


def _text_value(text: str, quoted: bool) -> Any:
    """A ``$filter`` value: a bare number becomes an int or float only when that writes it back the
    same (``0800`` and ``1.50`` stay strings: a text field compares their spelling)."""
    if quoted:
        return text
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        if str(number) == text:
            return number
    return text


def parse_filter(text: str) -> Expr:
    """Parse ServiceM8 ``$filter`` text into an expression.

    ``"status eq 'Work Order' and active eq 1"`` becomes
    ``(F.status == 'Work Order') & (F.active == 1)``. Fields are checked later, against the
    resource the filter is used on.

    Raises:
        FilterError: The text breaks the API's grammar; the message and ``position`` say where.
    """
    try:
        conditions = parse_filter_text(text)
    except FilterSyntaxError as exc:
        raise FilterError(f"bad filter {text!r}: {exc.message}", exc.position) from None
    parts = [Compare(c.field, TEXT_OPS[c.op], _text_value(c.value, c.quoted), c.position) for c in conditions]
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def as_expression(where: Expr | str | None) -> Expr | None:
    """``where=`` as an expression: expressions pass, ``$filter`` text is parsed, ``None`` stays."""
    if where is None or isinstance(where, Expr):
        return where
    if isinstance(where, str):
        return parse_filter(where)
    if isinstance(where, FieldRef):
        raise TypeError(f"where={where} is a field, not a condition; compare it: {where} == …")
    raise TypeError(f"where= takes a filter expression (F.…), $filter text or None, not {type(where).__name__}")


def conjuncts(expr: Expr | None) -> tuple[Expr, ...]:
    """The parts that must all hold (an ``And``'s parts, or the expression itself)."""
    if expr is None:
        return ()
    return expr.parts if isinstance(expr, And) else (expr,)
