"""The fields a filter may name on a resource, and filter values checked and typed for them.

Shared by the planner (to render ``$filter`` values) and the local evaluator (to compare with
DataFrame columns), so both read a value the same way. Every check runs before any request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FilterError, UnknownFieldError, did_you_mean
from ..schema import Kind, Resource, canonical_uuid
from .text import FIRST_YEAR, LAST_YEAR, ZERO_TIMESTAMP, format_timestamp, format_value, normalise_timestamp

__all__ = [
    "ORDERED_KINDS",
    "TEXT_KINDS",
    "ZERO",
    "FilterField",
    "coerce",
    "in_calendar",
    "number_text",
    "resolve_field",
    "wire_text",
]

ORDERED_KINDS = frozenset({"timestamp", "date", "int", "float", "money", "text"})
"""Kinds whose values have an order (``>``, ``<``, ``>=``, ``<=``, ``between`` fit them)."""
TEXT_KINDS = frozenset({"text", "uuid", "category"})
"""Kinds ``contains``/``startswith`` fit, and that compare case-insensitively."""
ZERO = None
"""The typed form of a zero date (``'0000-00-00 00:00:00'``): the API's "no date"."""


@dataclass(frozen=True)
class FilterField:
    """A name a filter may use on a resource.

    Attributes:
        name: The column name.
        kind: How its values compare (``Kind``).
        enriched_by: For enriched columns (``staff_name`` …): the uuid field of the resource it is
            looked up by, ``""`` when it comes through the job; ``None`` for the API's own fields.
    """

    name: str
    kind: Kind
    enriched_by: str | None = None

    @property
    def enriched(self) -> bool:
        """Whether the column is added by enrichment (not sent by the API)."""
        return self.enriched_by is not None


def resolve_field(resource: Resource, name: str, context: str = "") -> FilterField:
    """The field ``name`` of ``resource``: its own, a custom field, or an enriched column.

    ``context`` (e.g. `` (in "…" at position 4)``) goes into the error before the list of fields.

    Raises:
        UnknownFieldError: No such field; the message names the valid ones and the closest.
    """
    field = resource.fields.get(name)
    if field is not None:
        return FilterField(name, field.kind)
    if resource.has_custom_field(name):
        return FilterField(name, "text")
    enriched = resource.enriched
    if name in enriched:
        return FilterField(name, "text", enriched[name] or "")
    valid = [*resource.fields, *enriched]
    raise UnknownFieldError(f"{resource.name} has no field {name!r}{did_you_mean(name, valid)}{context}; "
                            f"valid fields: {', '.join(valid)}")


def _shown(value: Any, limit: int = 80) -> str:
    """``repr(value)``, shortened past ``limit`` characters (an error need not quote a whole page)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"  # repr() may fail
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def _bad(field: FilterField, value: Any, wanted: str) -> FilterError:
    return FilterError(f"{_shown(value)} is not {wanted} ({field.name} is a {field.kind} field)")


def _timestamp(field: FilterField, value: Any, tz: str | None) -> pd.Timestamp | None:
    if isinstance(value, bool) or not isinstance(value, (str, datetime, date)):
        raise _bad(field, value, "a date or time (give an ISO string like '2026-03-01', a date or a datetime)")
    if isinstance(value, str):
        wire = normalise_timestamp(value)
        if wire == ZERO_TIMESTAMP:
            return ZERO
        text = wire or value.strip()
        try:
            datetime.fromisoformat(text)  # only ISO forms (pd.Timestamp alone would take 'March')
            stamp = pd.Timestamp(text)  # keeps nanoseconds, which fromisoformat drops
        except ValueError:
            raise _bad(field, value, "a date or time in ISO form, like '2026-03-01' or '2026-03-01 08:30'") from None
    else:
        stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        raise _bad(field, value, "a date or time")
    if stamp.tzinfo is not None:
        if tz is None:
            raise FilterError(f"{value!r} carries a time zone, but this session's times are naive account time: "
                              "pass a naive time, or open the session with timezone=…")
        stamp = stamp.tz_convert(tz).tz_localize(None)
    if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        raise _bad(field, value, f"a time the API can hold (years {FIRST_YEAR:04d} to {LAST_YEAR})")
    return stamp


def _number(field: FilterField, value: Any) -> float | int:
    if isinstance(value, bool):
        raise _bad(field, value, "a number")
    if isinstance(value, str):
        try:
            value = float(value) if any(c in value for c in ".eEnN") else int(value)
        except ValueError:
            raise _bad(field, value, "a number") from None
    if not isinstance(value, (int, float)):
        raise _bad(field, value, "a finite number")
    try:
        finite = math.isfinite(value)  # an int too large for a float overflows here
    except OverflowError:
        raise _bad(field, value, "a number within ±1.8e308 (the API compares numbers as floating point)") from None
    if not finite:
        raise _bad(field, value, "a finite number")
    return value


def _flag(field: FilterField, value: Any) -> bool:
    flags = {1: True, 0: False, "1": True, "0": False}  # True == 1, False == 0: bools and 1.0 map too
    if isinstance(value, (bool, int, float, str)) and value in flags:
        return flags[value]
    raise _bad(field, value, "True or False (or 1/0)")


def _text(field: FilterField, value: Any, choices: tuple[Any, ...] | None) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _bad(field, value, "text")
    text = value if isinstance(value, str) else str(value)
    if field.kind == "uuid" and text:
        try:
            text = canonical_uuid(text)  # the API's form (8-4-4-4-12), whatever spelling was given
        except ValueError:
            raise _bad(field, value, "a uuid (or '' for none)") from None
    if choices and text.casefold() not in {str(c).casefold() for c in choices}:
        raise _bad(field, value, f"one of {', '.join(map(repr, choices))}")
    return text


def coerce(field: FilterField, value: Any, resource: Resource | None, tz: str | None = None) -> Any:
    """``value`` checked and typed for ``field``.

    Returns:
        A naive ``pd.Timestamp`` (account time) or ``ZERO`` for timestamps and dates; an int or
        float for numbers; a bool for flags; a string otherwise.

    Raises:
        FilterError: The value does not fit the field's type (the message says what would).
    """
    if field.kind in ("timestamp", "date"):
        return _timestamp(field, value, tz)
    if field.kind in ("int", "float", "money"):
        return _number(field, value)
    if field.kind == "flag":
        return _flag(field, value)
    spec = resource.fields.get(field.name) if resource is not None else None
    return _text(field, value, spec.choices if spec is not None else None)


def in_calendar(stamp: pd.Timestamp) -> bool:
    """Whether ``stamp`` lies in the years a ``$filter`` literal can write (0001 to 9999)."""
    return FIRST_YEAR <= stamp.year <= LAST_YEAR


def number_text(value: float) -> str:
    """A number as the ``$filter`` grammar writes it (no exponent)."""
    if isinstance(value, int):
        return str(value)
    return np.format_float_positional(value, trim="-")


def wire_text(kind: Kind, value: Any) -> str:
    """A typed value as a ``$filter`` literal for a field of ``kind``.

    Raises:
        ValueError: A time outside the years the API can hold (see ``in_calendar``).
    """
    if value is ZERO and kind in ("timestamp", "date"):
        return format_value(ZERO_TIMESTAMP)
    if isinstance(value, pd.Timestamp):
        return format_value(format_timestamp(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return number_text(value)
    return format_value(str(value))
