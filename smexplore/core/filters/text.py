"""The text form of filters: ServiceM8's ``$filter`` grammar, parsed into conditions.

Every system's Session accepts filters written this way (``where="status eq 'Open'"``), whatever
its server speaks: the text is parsed into the same expressions as ``F``, and each system's dialect
decides what its server runs. ServiceM8's server speaks exactly this text.

The documented grammar (see ``shared/reference/servicem8-api.md`` §1)::

    filter     := condition ( WS "and" WS condition ){0,9}
    condition  := field WS op WS value
    field      := [A-Za-z_][A-Za-z0-9_]*
    op         := "eq" | "ne" | "gt" | "lt"
    value      := "'" ( [^'] | "''" )* "'" | number

Both the emulator (to answer requests) and the client (to validate and plan ``where=`` text before
sending it) parse with this module, so they cannot disagree about what is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_CONDITIONS",
    "MAX_VALUE_LENGTH",
    "OPERATORS",
    "ZERO_TIMESTAMP",
    "Condition",
    "FilterSyntaxError",
    "format_timestamp",
    "format_value",
    "normalise_timestamp",
    "parse_filter_text",
]

MAX_CONDITIONS = 10
MAX_VALUE_LENGTH = 255
OPERATORS = ("eq", "ne", "gt", "lt")
Operator = Literal["eq", "ne", "gt", "lt"]

# The error messages ServiceM8's filtering page gives (see the reference, §1.3).
MSG_INVALID = "Invalid Record Filter Specified"
MSG_TOO_MANY = (
    "Maximum of 10 filter conditions allowed. Please reduce the number of conditions or use multiple requests."
)
MSG_OR_NOT = "OR and NOT operators are not supported. Use multiple requests or contact support."
MSG_UNKNOWN_FIELD = "Invalid Record Filter Field Specified"
MSG_TOO_LONG = "Record Filter Value is too long"

_WS = re.compile(r"\s+")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(r"[A-Za-z_]+")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?![A-Za-z0-9_.])")


@dataclass(frozen=True)
class Condition:
    """One ``field op value`` condition.

    Attributes:
        field: The field name as written (field names are case-sensitive).
        op: One of ``eq``, ``ne``, ``gt``, ``lt``.
        value: The value with quotes removed and ``''`` unescaped.
        quoted: Whether the value was a quoted string (``'1'``) rather than a bare number (``1``).
        position: Offset of the condition in the filter text (0-based).
    """

    field: str
    op: Operator
    value: str
    quoted: bool
    position: int

    def __str__(self) -> str:
        return f"{self.field} {self.op} {format_value(self.value) if self.quoted else self.value}"


class FilterSyntaxError(ValueError):
    """``$filter`` text that the API would reject.

    Attributes:
        message: The API's error message, with what is wrong and where.
        position: Offset into the filter text where the problem is (0-based).
    """

    def __init__(self, base: str, detail: str, position: int) -> None:
        self.message = f"{base} — {detail} (at position {position})"
        self.position = position
        super().__init__(self.message)


def format_value(value: str) -> str:
    """Quote ``value`` as a ``$filter`` string literal (single quotes, ``'`` doubled)."""
    return "'" + value.replace("'", "''") + "'"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self, required: bool, what: str) -> None:
        match = _WS.match(self.text, self.pos)
        if match:
            self.pos = match.end()
        elif required and not self.at_end():
            self.fail(MSG_INVALID, f"expected a space before {what}")

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def found(self, position: int | None = None) -> str:
        """What stands at ``position`` (default: here), for error messages."""
        start = self.pos if position is None else position
        rest = self.text[start : start + 24]
        return repr(rest) if rest else "the end of the filter"

    def fail(self, base: str, detail: str, position: int | None = None) -> None:
        raise FilterSyntaxError(base, detail, self.pos if position is None else position)

    def word(self, pattern: re.Pattern[str] = _WORD) -> str | None:
        match = pattern.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return match.group()


def _reject_logic(scanner: _Scanner, word: str | None, position: int) -> None:
    if word is not None and word.lower() in ("or", "not"):
        scanner.fail(MSG_OR_NOT, f"{word!r} cannot be used; conditions can only be joined with 'and'", position)


def _parse_value(scanner: _Scanner) -> tuple[str, bool]:
    start = scanner.pos
    text = scanner.text
    if text.startswith("'", start):
        chunks: list[str] = []
        i = start + 1
        while True:
            end = text.find("'", i)
            if end < 0:
                scanner.fail(MSG_INVALID, "unterminated string: a closing ' is missing", start)
            chunks.append(text[i:end])
            if text.startswith("''", end):
                chunks.append("'")
                i = end + 2
                continue
            scanner.pos = end + 1
            return "".join(chunks), True
    if text.startswith(("(", ")"), start):
        scanner.fail(MSG_INVALID, "parentheses are not supported")
    number = scanner.word(_NUMBER)
    if number is None:
        scanner.fail(MSG_INVALID, f"expected a value in single quotes or a number, found {scanner.found()}")
    return number, False  # type: ignore[return-value]


def _parse_condition(scanner: _Scanner) -> Condition:
    start = scanner.pos
    if scanner.text.startswith("(", start) or scanner.text.startswith(")", start):
        scanner.fail(MSG_INVALID, "parentheses are not supported")
    field = scanner.word(_FIELD)
    _reject_logic(scanner, field, start)
    if field is None:
        scanner.fail(MSG_INVALID, f"expected a field name, found {scanner.found()}")
    scanner.skip_ws(required=True, what="the operator")
    op_position = scanner.pos
    op = scanner.word()
    if op is None:
        scanner.fail(MSG_INVALID, f"expected an operator (eq, ne, gt, lt) after {field!r}, found {scanner.found()}")
    if op not in OPERATORS:
        scanner.fail(MSG_INVALID, f"unsupported operator {op!r}; the API supports eq, ne, gt, lt", op_position)
    scanner.skip_ws(required=True, what="the value")
    value_position = scanner.pos
    value, quoted = _parse_value(scanner)
    if len(value) > MAX_VALUE_LENGTH:
        scanner.fail(MSG_TOO_LONG, f"{len(value)} characters, at most {MAX_VALUE_LENGTH} allowed", value_position)
    return Condition(field, op, value, quoted, start)  # type: ignore[arg-type]


def parse_filter_text(text: str) -> list[Condition]:
    """Parse ``$filter`` text into its conditions.

    Args:
        text: The filter, e.g. ``"status eq 'Work Order' and active eq 1"``.

    Returns:
        The conditions, in the order written (all must hold).

    Raises:
        FilterSyntaxError: The text breaks the grammar, uses ``or``/``not``/parentheses or an
            unsupported operator, has more than 10 conditions, or a value over 255 characters.
            Field names are not checked here (that needs the resource).
    """
    scanner = _Scanner(text)
    scanner.skip_ws(required=False, what="")
    if scanner.at_end():
        scanner.fail(MSG_INVALID, "the filter is empty")
    conditions = [_parse_condition(scanner)]
    while True:
        scanner.skip_ws(required=False, what="")
        if scanner.at_end():
            break
        join_position = scanner.pos
        if scanner.text.startswith(("(", ")"), join_position):
            scanner.fail(MSG_INVALID, "parentheses are not supported", join_position)
        join = scanner.word()
        _reject_logic(scanner, join, join_position)
        if join is None or join.lower() != "and":
            scanner.fail(
                MSG_INVALID, f"expected 'and' or the end of the filter, found {scanner.found(join_position)}", join_position
            )
        scanner.skip_ws(required=True, what="the next condition")
        if scanner.at_end():
            scanner.fail(MSG_INVALID, "a condition must follow 'and'")
        conditions.append(_parse_condition(scanner))
        if len(conditions) > MAX_CONDITIONS:
            scanner.fail(MSG_TOO_MANY, f"found more than {MAX_CONDITIONS}", conditions[-1].position)
    return conditions


# --- time literals: how the text form (and ServiceM8's wire) writes times -------------------------
ZERO_TIMESTAMP = "0000-00-00 00:00:00"
FIRST_YEAR, LAST_YEAR = 1, 9999
"""The years the wire form can write (four digits; year 0 is no year)."""
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?")


def normalise_timestamp(value: str) -> str | None:
    """Return ``value`` as a sortable ``YYYY-MM-DD HH:MM:SS`` string, or ``None`` if it is no date.

    Zero dates and empty strings become ``ZERO_TIMESTAMP``, which sorts before every real date.
    """
    value = value.strip()
    if value == "" or value.startswith("0000-00-00"):
        return ZERO_TIMESTAMP if value in ("", "0000-00-00") or _TIMESTAMP.fullmatch(value) else None
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        return None
    day, clock = match.groups()
    clock = clock or "00:00:00"
    if len(clock) == 5:
        clock += ":00"
    try:
        datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return f"{day} {clock}"


def format_timestamp(moment: datetime, *, date_only: bool = False) -> str:
    """``moment`` in the wire form ``YYYY-MM-DD HH:MM:SS`` (``YYYY-MM-DD`` when ``date_only``).

    The year is always four digits (``0999-03-03``: ``strftime('%Y')`` drops the zeros on some
    platforms, and the API refuses the result); fractions of a second are dropped.

    Args:
        moment: A ``datetime`` or ``pandas.Timestamp`` (any unit; its wall time is written).
        date_only: Write the day only.

    Raises:
        ValueError: The year is outside 1..9999, which the wire form cannot write.
    """
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{moment} is outside the years {FIRST_YEAR:04d} to {LAST_YEAR} that the API's times can hold")
    day = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    return day if date_only else f"{day} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
