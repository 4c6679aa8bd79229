"""The call syntax ``_fields`` and ``_filters`` share: ``name(arg,arg),name2(inner(arg)),bare``.

A list is items separated by commas. An item is a bare word (``title``, ``12``, ``kurt wagner``)
or a call: a name, then its arguments in parentheses, which are a list again (so calls nest:
``against(company(1,2))``, ``_OR(a(1),_AND(b(2),c(3)))``, ``manager(firstname,email)``). Words are
trimmed; a word may hold spaces and any character but ``(``, ``)`` and ``,``. Every malformed text
(an unbalanced parenthesis, an empty item, text after a call, a call without a name, nesting deeper
than ``MAX_DEPTH``) is a ``QueryError`` that says where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Call", "Item", "MAX_DEPTH", "QueryError", "parse_items"]

MAX_DEPTH = 8
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryError(ValueError):
    """A request Accelo cannot interpret: an ``invalid_request`` (HTTP 400) whose message says why."""


@dataclass(frozen=True)
class Call:
    """``name(args)``: a filter, a combination, an object filter's type, or a linked object's fields.

    Attributes:
        name: The word before the parenthesis.
        args: The items inside (words and calls), in order; empty for ``name()``.
        position: Where the call starts in the text (0-based), for messages.
    """

    name: str
    args: tuple[Item, ...]
    position: int = 0


Item = str | Call
"""A bare word or a call."""


def parse_items(text: str, parameter: str) -> list[Item]:
    """The items of ``text`` (the value of ``parameter``, for messages); an empty text has none.

    Raises:
        QueryError: The text is malformed.
    """
    parser = _Parser(text, parameter)
    if not text.strip():
        return []
    items = parser.items(0)
    if parser.at < len(text):  # only a stray ')' stops the top level early
        raise parser.error("unmatched ')'")
    return items


class _Parser:
    def __init__(self, text: str, parameter: str) -> None:
        self.text, self.parameter, self.at = text, parameter, 0

    def error(self, problem: str, at: int | None = None) -> QueryError:
        where = self.at if at is None else at
        return QueryError(f"Invalid {self.parameter} at character {where + 1}: {problem} (in {self.text[:200]!r})")

    def items(self, depth: int) -> list[Item]:
        """Items up to the end of the text or a ')' (left unread)."""
        if depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels")
        found: list[Item] = []
        while True:
            found.append(self.item(depth))
            if self.at < len(self.text) and self.text[self.at] == ",":
                self.at += 1
                continue
            return found

    def item(self, depth: int) -> Item:
        start = self.at
        while self.at < len(self.text) and self.text[self.at] not in "(),":
            self.at += 1
        word = self.text[start:self.at].strip()
        if self.at < len(self.text) and self.text[self.at] == "(":
            begins = start + len(self.text[start:self.at]) - len(self.text[start:self.at].lstrip())
            if not NAME.match(word):
                raise self.error("expected a name before '('" if not word else f"{word!r} is not a name", begins)
            self.at += 1
            args: tuple[Item, ...] = ()
            if self.text[self.at:].strip().startswith(")"):
                self.at = self.text.index(")", self.at)
            elif self.at < len(self.text):
                args = tuple(self.items(depth + 1))
            if self.at >= len(self.text):
                raise self.error(f"'(' after {word!r} is never closed", begins)
            self.at += 1  # the ')'
            rest = self.at
            while self.at < len(self.text) and self.text[self.at] not in "),":
                self.at += 1
            if self.text[rest:self.at].strip():
                raise self.error(f"unexpected text after {word}(...)", rest)
            return Call(word, args, begins)
        if not word:
            raise self.error("empty item (two commas in a row, or a comma at an end)", start)
        return word
