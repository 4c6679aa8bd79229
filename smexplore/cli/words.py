"""Phrases the help and the messages build from the registry: lists of systems, their credentials."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from .. import systems
from ..systems import System

__all__ = ["credential_names", "default_system", "listing", "number", "owners", "wrap"]

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def listing(words: Iterable[str], conjunction: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    items = list(words)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def number(count: int) -> str:
    """``count`` in words up to ten (``four``), else in digits."""
    return _NUMBERS[count] if 0 <= count < len(_NUMBERS) else str(count)


def credential_names(system: System) -> str:
    """The environment variables of a system's credentials, as a phrase (``A and B or C``)."""
    return " or ".join(" and ".join(way) for way in system.credentials)


def owners(chosen: Iterable[System]) -> str:
    """Whose something is, by display names (``ServiceM8's``, ``Accelo's and Syncd's``)."""
    return listing(f"{system.display_name}'s" for system in chosen)


def default_system() -> System:
    """The first registered system: ``--system``'s default."""
    return next(iter(systems.SYSTEMS.values()))


def wrap(text: str, width: int = 100) -> str:
    """``text``'s paragraphs (split at blank lines) broken into lines of at most ``width`` characters
    (the help shows descriptions and epilogs as written)."""
    return "\n\n".join(textwrap.fill(paragraph, width=width, break_on_hyphens=False) for paragraph in text.split("\n\n"))
