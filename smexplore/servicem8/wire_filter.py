"""ServiceM8 `$filter` semantics over wire records, shared by the emulator (to answer) and the client (to validate).

Comparison semantics (undocumented by ServiceM8; chosen, documented and mirrored by the client):

- timestamps and dates compare as datetimes: a date-only value means midnight, and the zero date
  ``'0000-00-00 00:00:00'`` (or an empty string) sorts before every real date;
- numbers, flags and amounts compare numerically (``'1'`` and ``1`` are the same); an empty value
  equals nothing and is neither greater nor less than anything;
- uuids and text compare case-insensitively (as a MySQL ``*_ci`` collation would).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ..core.filters.text import (
    MSG_INVALID,
    MSG_UNKNOWN_FIELD,
    ZERO_TIMESTAMP,
    Condition,
    FilterSyntaxError,
    normalise_timestamp,
    parse_filter_text,
)
from ..core.schema import Field, Resource

__all__ = ["compile_filter", "record_timestamp"]

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "lt": operator.lt,
}


def record_timestamp(value: Any) -> str:
    """A record's timestamp as the text ``$filter`` compares: the wire form as it is, a date at its
    midnight, anything else normalised, the zero date when it is no date."""
    # Fast path for the wire forms (every stored record has one); anything else is normalised.
    if isinstance(value, str):
        if len(value) == 19:
            return value
        if len(value) == 10 and value != "0000-00-00":
            return value + " 00:00:00"
    return normalise_timestamp(str(value or "")) or ZERO_TIMESTAMP


def _as_number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _field_for(resource: Resource, condition: Condition) -> Field:
    field = resource.fields.get(condition.field)
    if field is not None:
        return field
    if resource.has_custom_field(condition.field):
        return Field(condition.field, "text", "str")
    raise FilterSyntaxError(
        MSG_UNKNOWN_FIELD, f"{condition.field!r} is not a field of {resource.name}", condition.position
    )


def _compile_condition(resource: Resource, condition: Condition) -> Predicate:
    field = _field_for(resource, condition)
    name, compare = field.name, _OPS[condition.op]
    if field.kind in ("timestamp", "date"):
        wanted = normalise_timestamp(condition.value)
        if wanted is None:
            raise FilterSyntaxError(
                MSG_INVALID, f"{condition.value!r} is not a date or timestamp (field {name})", condition.position
            )

        def timestamp_predicate(record: Record) -> bool:
            return compare(record_timestamp(record.get(name)), wanted)

        return timestamp_predicate
    if field.kind in ("int", "float", "flag", "money"):
        number = _as_number(condition.value)
        if number is None:
            raise FilterSyntaxError(
                MSG_INVALID, f"{condition.value!r} is not a number (field {name})", condition.position
            )
        missing_result = condition.op == "ne"

        def number_predicate(record: Record) -> bool:
            have = _as_number(record.get(name))
            return missing_result if have is None else compare(have, number)

        return number_predicate
    folded = condition.value.casefold()

    def text_predicate(record: Record) -> bool:
        return compare(str(record.get(name, "")).casefold(), folded)

    return text_predicate


def compile_filter(resource: Resource, text: str) -> Predicate:
    """Compile ``$filter`` text for ``resource`` into a predicate over wire records.

    Raises:
        FilterSyntaxError: The text is malformed, names an unknown field, or a value does not fit
            its field's type.
    """
    predicates = [_compile_condition(resource, c) for c in parse_filter_text(text)]
    if len(predicates) == 1:
        return predicates[0]
    return lambda record: all(p(record) for p in predicates)
