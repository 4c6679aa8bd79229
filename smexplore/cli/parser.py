"""The ``smexplore`` parser: the top-level options, and one sub-command per module of this package
(as pip's command table), in the order the help lists them."""

from __future__ import annotations

import argparse
import importlib

from .. import __version__, systems
from .words import credential_names, default_system, listing, wrap

__all__ = ["COMMANDS", "build_parser"]

COMMANDS = ("emulator", "demo", "sync", "pull", "timeline", "board", "cache")
"""The commands, each a module of this package with ``add_to(commands)``."""


def _description() -> str:
    names = listing(system.display_name for system in systems.SYSTEMS.values())
    return wrap(f"Explore the scheduling data of {names}, or their embedded demo accounts: no key, no network.")


def _epilog() -> str:
    first, *others = systems.SYSTEMS.values()
    instead = []
    if others:
        more = f" (or {', '.join(system.name for system in others[1:])})" if others[1:] else ""
        instead = [(f"smexplore emulator --system {others[0].name}",
                    f"serve the {others[0].display_name} API emulator instead{more}")]
    examples = [
        ("smexplore demo", "summarise the demo accounts, pictures in ./demo-output"),
        ("smexplore emulator --port 8000", f"serve the {first.display_name} API emulator on 127.0.0.1:8000"),
        *instead,
        ("smexplore emulator --help", "the emulator's options"),
        ("smexplore sync", f"bring the local store of the {first.display_name} account up to date"),
        ("smexplore pull job -o jobs.csv", "the account's jobs as a CSV file (add --demo for the demo account)"),
        ("smexplore timeline -o week.png", "the last 7 days of bookings and time, drawn"),
        ("smexplore board --demo", "the schedule board of every demo account, in the browser (Voila)"),
        ("smexplore cache info", "where the HTTP cache is and what it holds"),
    ]
    width = max(len(command) for command, _ in examples) + 2
    lines = "\n".join(f"  {command:<{width}}{text}" for command, text in examples)
    variables = ", ".join(credential_names(system) for system in systems.SYSTEMS.values())
    credentials = wrap(f"sync, pull, timeline, board and cache read credentials from the environment only ({variables}); "
                       "--demo uses the embedded demo account instead.")
    return f"examples:\n{lines}\n\n{credentials}\n\nexit status: 0 done, 1 failed, 2 wrong usage, 130 interrupted"


def build_parser() -> argparse.ArgumentParser:
    """The whole parser, its ``--system`` choices and help read from the registry of systems now."""
    default_system()  # the registry is not empty
    parser = argparse.ArgumentParser(prog="smexplore", description=_description(), epilog=_epilog(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-V", "--version", action="version", version=f"smexplore {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.{name}").add_to(commands)
    return parser
