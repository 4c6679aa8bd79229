"""The options and values the commands share (as pip's ``cmdoptions``): value types that refuse
bad input as wrong usage (exit 2), the options every command has, and those of a command on one
account (``--system``, ``--demo``, ``--account`` …), read from the registry of systems."""

from __future__ import annotations

import argparse
import os
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .. import systems
from .words import credential_names, default_system, listing, wrap

__all__ = ["VALUES", "first", "kilobits", "last", "milliseconds", "output", "port", "positive", "rate", "scopes", "session_note",
           "session_subparser", "subparser", "value_problem", "zone"]


def scopes(text: str) -> tuple[str, list[str]]:
    """``TOKEN=scope1,scope2``: a token and its scopes."""
    token, sep, listed = text.partition("=")
    if not sep or not token:
        raise argparse.ArgumentTypeError("expected TOKEN=scope1,scope2")
    return token, [s for s in listed.split(",") if s]


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free one)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port number (0 to 65535; 0 picks a free one)")
    return number


def _number(text: str, what: str, *, zero: bool) -> float:
    """``text`` as a finite number above 0 (or 0 too, when ``zero``); ``what`` names it in the error."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if not (0 <= number if zero else 0 < number) or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not {what}{', 0 or more' if zero else ' above 0'}")
    return number


def rate(text: str) -> float:
    """A number of requests per second above 0."""
    return _number(text, "a number", zero=False)


def milliseconds(text: str) -> float:
    """A ``--latency``: milliseconds, a number 0 or more."""
    return _number(text, "a number of milliseconds", zero=True)


def kilobits(text: str) -> float:
    """A ``--bandwidth``: kilobits per second, a number above 0."""
    return _number(text, "a number of kilobits per second", zero=False)


def positive(text: str) -> int:
    """A whole number above 0."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not above 0")
    return number


VALUES: dict[str, tuple[Callable[[str], Any], str | None]] = {
    "text": (str, None), "name": (str, None), "secret": (str, None), "whole": (positive, None),
    "rate": (rate, None), "scopes": (scopes, "TOKEN=SCOPES"),
}
"""An emulator option's value kind (``systems.VALUE_KINDS``) → its argparse type and metavar."""


def value_problem(kind: str, value: Any) -> str | None:
    """What is wrong with a parsed value of ``kind``, said after its flag (``must not be empty``), if anything.

    Checked once the system is known, so the message names the flag first, as the other usage errors do."""
    if kind == "name" and (not value or ":" in value):
        return "must not be empty nor hold ':'"
    if kind == "secret" and not value:
        return "must not be empty"
    return None


def zone(text: str) -> str:
    """An IANA time zone name."""
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}; give an IANA name such as "
                                         "Australia/Melbourne") from None
    return text


def _moment(text: str, *, day_end: bool = False) -> datetime:
    """A date (its start, or with ``day_end`` its end: the next midnight) or a date and time, without a zone."""
    try:
        return datetime.combine(date.fromisoformat(text), time()) + timedelta(days=1 if day_end else 0)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date or time; give e.g. 2026-03-02 or "
                                         "'2026-03-02 09:00'") from None
    if moment.tzinfo is not None:
        raise argparse.ArgumentTypeError(f"{text!r} has a time zone; give account time (or use --timezone)")
    return moment


def first(text: str) -> datetime:
    """A ``--from`` value: a date means its start."""
    return _moment(text)


def last(text: str) -> datetime:
    """A ``--to`` value: a date means through its end."""
    return _moment(text, day_end=True)


def output(*suffixes: str) -> Callable[[str], Path]:
    """The type of an ``-o`` file that must end in one of ``suffixes``, in a folder that exists and
    can be written: checked before any work, not after a long pull."""
    def checked(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text!r} must end in {' or '.join(suffixes)} (the format is "
                                             "chosen by the suffix)")
        folder = path.parent
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a folder; name a file in it")
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(f"the folder {str(folder)!r} of {text!r} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"cannot write to the folder {str(folder)!r}")
        return path

    return checked


def subparser(commands: argparse._SubParsersAction, name: str, summary: str, description: str,
              epilog: str) -> argparse.ArgumentParser:
    """A command, with the options every command has (``--debug``, ``--seed``, ``--scale``)."""
    parser = commands.add_parser(name, help=summary, description=description, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic account (default 0)")
    parser.add_argument("--scale", choices=systems.SCALES, default="small", help="size of the account (default small)")
    return parser


def session_note() -> str:
    """Where a command on one account finds its credentials, system by system."""
    ways = []
    for system in systems.SYSTEMS.values():
        way = ", or ".join(" and ".join(variables) for variables in system.credentials)
        if system.account is not None:
            way += f", with {system.account.env} or --account" if system.account.env else " with --account"
        ways.append(way)
    return (f"Live accounts: credentials come from the environment only ({'; '.join(ways)}). --demo uses the "
            "embedded demo account instead.")


def session_subparser(commands: argparse._SubParsersAction, name: str, summary: str, description: str,
                      epilog: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """A command on one account: ``subparser``'s options and those ``account.open_session`` reads
    (``--system``, ``--demo`` …); the epilog ends with where the credentials come from."""
    parser = subparser(commands, name, summary, description, f"{epilog}\n\n{wrap(session_note())}")
    every = list(systems.SYSTEMS.values())
    parser.add_argument("--system", choices=[system.name for system in every], default=default_system().name,
                        help=f"the account's system (default {default_system().name})")
    parser.add_argument("--demo", action="store_true",
                        help="use the embedded demo account (no credentials; see --seed, --scale)")
    named = [system for system in every if system.account is not None]
    parser.add_argument("--account", default=None, metavar="NAME",
                        help="; ".join(f"{system.display_name}: {system.account.what}"
                                       f"{f' (default {system.account.env})' if system.account.env else ''}"
                                       for system in named if system.account is not None) or argparse.SUPPRESS)
    keyed = [system for system in every if system.key_argument is not None]
    parser.add_argument("--api-key", default=None, metavar="KEY",
                        help=f"{listing(system.display_name for system in keyed)}: the API key; it shows in process "
                             f"lists and shell history, so prefer {listing(map(credential_names, keyed), 'or')} in "
                             "the environment" if keyed else argparse.SUPPRESS)
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="folder of the HTTP cache files (default: the user cache folder; with --demo a "
                             "temporary one)")
    parser.add_argument("--store", default=None, metavar="DIR",
                        help="folder of the local Parquet store (default: store in --cache's folder, else the "
                             "user data folder)")
    parser.add_argument("--offline", action="store_true",
                        help="send no request: answer from the cache (and the store) only")
    parser.add_argument("--timezone", type=zone, default=None, metavar="ZONE",
                        help="IANA zone to show times in (default: naive account time)")
    # None, not 0 and small: to tell whether they were given (they need --demo); the demo's own defaults apply.
    parser.set_defaults(run=run, usage_error=parser.error, seed=None, scale=None)
    return parser

