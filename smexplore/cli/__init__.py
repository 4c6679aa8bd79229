"""The ``smexplore`` command line (also ``python -m smexplore`` and ``python -m smexplore.cli``).

One module per command (``emulator``, ``demo``, ``sync``, ``pull``, ``timeline``, ``board``, ``cache``), the
options they share in ``options``, the parser in ``parser``. The systems come from the registry
(``smexplore.systems``): ``--system`` choices, credentials, emulator options and the demo's tours.

``smexplore emulator`` serves one system's API emulator until interrupted; ``smexplore demo``
starts every system's emulator in the background and tours its demo account through a Session,
then draws last week of all of them on one timeline. Five commands work on one account (``board``
on one or, with ``--demo``, all of them), live
(credentials from the environment only) or with ``--demo`` the embedded demo account, of any
``--system``: ``sync`` brings the local Parquet store up to date and prints what changed; ``pull``
writes one resource's records (filtered by ``--where``) to a Parquet or CSV file; ``timeline``
draws a window of the account's timeline to a PNG file; ``board`` serves the schedule board
through Voila until interrupted; ``cache info|clear`` shows or empties the
HTTP cache. Only the result goes to stdout; progress bars go to stderr, and only when it is a terminal.

Exit status: 0 done, 1 failed (one line on stderr; ``--debug`` adds the traceback), 2 wrong usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from ..core.errors import SMExploreError
from .parser import build_parser

__all__ = ["main"]


def _message(error: Exception) -> str:
    """The error on one line: an OSError's text (and file), a smexplore error's message, else type and message."""
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    elif isinstance(error, SMExploreError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def _run(args: argparse.Namespace) -> int:
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smexplore`` command line; returns the exit status (argparse exits 2 on wrong usage)."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`smexplore demo | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:  # noqa: BLE001 (any failure is one line on stderr; --debug shows the traceback)
        if args.debug:
            traceback.print_exc()
        print(f"smexplore: error: {_message(error)}", file=sys.stderr)
        return 1
