"""Filters on a name column that name no one: a warning with the closest names the session knows.

``F.staff_name == "Ethan Kely"`` is a valid filter that finds nothing. Where the session knows every
value a column can hold (staff, clients, categories, members, projects …: the names its widgets
offer), an equality or ``isin`` that must hold for every record (one of the filter's ``&`` parts)
and names none of them is almost surely a typo. ``unknown_names`` says so, and suggests the closest
names; the query still runs (an empty answer may be right).

Values match a name as the filter compares them: text ignoring case (``core.filters.evaluate``).
"""

from __future__ import annotations

import difflib
import inspect
import os
import warnings
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from .expr import Compare, Expr, IsIn, conjuncts

__all__ = ["name_conditions", "unknown_names", "warn_unknown_names"]

_PACKAGE = os.path.join(str(Path(__file__).parents[2]), "")  # smexplore/, as its code objects name their files
_SUGGESTIONS = 3


def name_conditions(where: Expr | None, columns: Collection[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The ``==`` and ``isin`` conditions on ``columns`` every record must meet: (column, values given).

    Only the filter's ``&`` parts count (a condition under ``|`` or ``~`` may rightly match no
    one); blank values (``""``: no name) are left out.
    """
    found: list[tuple[str, tuple[str, ...]]] = []
    for part in conjuncts(where):
        if isinstance(part, Compare) and part.op == "==":
            values: tuple[object, ...] = (part.value,)
        elif isinstance(part, IsIn):
            values = part.values
        else:
            continue
        if part.field in columns:
            given = tuple(dict.fromkeys(str(value) for value in values if str(value).strip()))
            if given:
                found.append((part.field, given))
    return found


def unknown_names(column: str, values: Iterable[str], known: Iterable[object]) -> str | None:
    """The warning when none of ``values`` is one of the ``known`` names of ``column`` (``None``: one is).

    A value matches a name ignoring case, as the filter compares text. The closest names (by
    ``difflib``, ignoring case) are suggested, up to three.
    """
    given = list(values)
    by_key: dict[str, str] = {}
    for name in known:
        text = str(name)
        if text.strip():
            by_key.setdefault(text.casefold(), text)
    if not given or any(value.casefold() in by_key for value in given):
        return None
    close: list[str] = []
    for value in given:
        for key in difflib.get_close_matches(value.casefold(), list(by_key), n=_SUGGESTIONS):
            if by_key[key] not in close:
                close.append(by_key[key])
    said = " or ".join(repr(value) for value in given)
    hint = f" (did you mean {', '.join(map(repr, close[:_SUGGESTIONS]))}?)" if close else ""
    return f"no {column} is {said}{hint}; the filter matches no record"


def warn_unknown_names(where: Expr | None, columns: Collection[str],
                       names_of: Callable[[str], Iterable[object] | None]) -> list[str]:
    """Warn (``UserWarning``, pointing at the caller's line outside smexplore) for each condition of
    ``where`` on ``columns`` whose values name no one ``names_of(column)`` knows.

    Args:
        where: The filter.
        columns: The name columns of the resource (those whose every value the session can list).
        names_of: The known names of a column; ``None`` when they cannot be had (no warning then).

    Returns:
        The messages warned.
    """
    said: list[str] = []
    for column, values in name_conditions(where, columns):
        known = names_of(column)
        message = unknown_names(column, values, known) if known is not None else None
        if message is not None:
            warnings.warn(message, UserWarning, stacklevel=_user_stacklevel())
            said.append(message)
    return said


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside smexplore (the user's
    line, however deep the call went: ``s.bookings(...)``, ``s.frame(...)``, a widget's run)."""
    level = 0
    frame = inspect.currentframe()
    try:
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
            frame = frame.f_back
            level += 1
    finally:
        del frame
    return level
