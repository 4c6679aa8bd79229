"""The $filter grammar: what parses, into what, and what is refused with which message."""

from __future__ import annotations

import pytest

from smexplore.core.filters.text import (
    MSG_INVALID,
    MSG_OR_NOT,
    MSG_TOO_LONG,
    MSG_TOO_MANY,
    Condition,
    FilterSyntaxError,
    format_value,
    parse_filter_text,
)


def test_single_condition_with_quoted_value() -> None:
    assert parse_filter_text("status eq 'Work Order'") == [Condition("status", "eq", "Work Order", True, 0)]


def test_conditions_joined_by_and_keep_order_and_positions() -> None:
    text = "active eq 1 and start_date gt '2026-03-01' and staff_uuid ne 'abc'"
    conditions = parse_filter_text(text)
    assert [(c.field, c.op, c.value, c.quoted) for c in conditions] == [
        ("active", "eq", "1", False),
        ("start_date", "gt", "2026-03-01", True),
        ("staff_uuid", "ne", "abc", True),
    ]
    assert [text[c.position:].split()[0] for c in conditions] == ["active", "start_date", "staff_uuid"]


@pytest.mark.parametrize("number", ["1", "-3", "1000.50", ".5", "0"])
def test_bare_numbers(number: str) -> None:
    assert parse_filter_text(f"total gt {number}")[0].value == number


def test_doubled_quote_is_one_quote_and_round_trips() -> None:
    (condition,) = parse_filter_text("name eq 'O''Brien & Sons, Pty'")
    assert condition.value == "O'Brien & Sons, Pty"
    assert str(condition) == "name eq 'O''Brien & Sons, Pty'"
    assert format_value("it's") == "'it''s'"


def test_extra_whitespace_is_allowed() -> None:
    assert len(parse_filter_text("  a  eq  1   and\tb lt '2'  ")) == 2


def test_ten_conditions_are_allowed_eleven_are_not() -> None:
    ten = " and ".join(f"f{i} eq {i}" for i in range(10))
    assert len(parse_filter_text(ten)) == 10
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter_text(ten + " and f10 eq 10")
    assert caught.value.message.startswith(MSG_TOO_MANY)


@pytest.mark.parametrize(
    ("text", "base", "position", "words"),
    [
        ("a eq 1 or b eq 2", MSG_OR_NOT, 7, "'or'"),
        ("not a eq 1", MSG_OR_NOT, 0, "'not'"),
        ("a ge 1", MSG_INVALID, 2, "'ge'"),
        ("a le '2026-01-01'", MSG_INVALID, 2, "'le'"),
        ("(a eq 1)", MSG_INVALID, 0, "parentheses"),
        ("a eq 'open", MSG_INVALID, 5, "unterminated"),
        ("a eq", MSG_INVALID, 4, "end of the filter"),
        ("a eq ", MSG_INVALID, 5, "end of the filter"),
        ("a eq bob", MSG_INVALID, 5, "'bob'"),
        ("a eq 1 and", MSG_INVALID, 10, "must follow 'and'"),
        ("a eq1", MSG_INVALID, 4, "expected a space"),
        ("a eq 1 and ", MSG_INVALID, 11, "must follow 'and'"),
        ("a eq 1 b eq 2", MSG_INVALID, 7, "expected 'and'"),
        ("", MSG_INVALID, 0, "empty"),
        ("   ", MSG_INVALID, 3, "empty"),
        ("a eq 1x", MSG_INVALID, 5, "'1x'"),
        ("1a eq 1", MSG_INVALID, 0, "field name"),
    ],
)
def test_errors_say_what_and_where(text: str, base: str, position: int, words: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter_text(text)
    assert caught.value.message.startswith(base)
    assert caught.value.position == position
    assert words in caught.value.message


def test_value_length_limit_is_255_characters() -> None:
    assert parse_filter_text(f"name eq '{'x' * 255}'")[0].value == "x" * 255
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter_text(f"name eq '{'x' * 256}'")
    assert caught.value.message.startswith(MSG_TOO_LONG)
