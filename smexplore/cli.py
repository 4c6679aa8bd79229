"""The ``smexplore`` command line (also ``python -m smexplore``).

``smexplore emulator`` serves the ServiceM8 API emulator until interrupted (``--system ruddr``:
the Ruddr API emulator);
``smexplore demo`` starts it in the background and explores the demo account through a
``Session``: jobs by status and this week's bookings per staff member.

Exit status: 0 done, 1 failed (one line on stderr; ``--debug`` adds the traceback), 2 wrong usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from . import __version__
from .core.errors import SMExploreError
from .emulator import DEMO_API_KEY, SCALES, Emulator

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .servicem8.session import Session

__all__ = ["main"]

_DESCRIPTION = """\
Explore ServiceM8 scheduling data, or the embedded demo account: no key, no network."""
_EPILOG = """\
examples:
  smexplore demo                     summarise the demo account, pictures in ./demo-output
  smexplore emulator --port 8000     serve the ServiceM8 API emulator on 127.0.0.1:8000
  smexplore emulator --system ruddr  serve the Ruddr API emulator instead
  smexplore emulator --help          the emulator's options

exit status: 0 done, 1 failed, 2 wrong usage, 130 interrupted"""
_EMULATOR_DESCRIPTION = """\
Serve the ServiceM8 REST API (/api_1.0) over a synthetic trades business until Ctrl-C, or with
--system ruddr the Ruddr REST API (/api/workspace) over a synthetic consultancy.
Each request is logged to stderr (coloured on a terminal only; NO_COLOR turns colour off)."""
_EMULATOR_EPILOG = f"""\
examples:
  smexplore emulator                            the small account on http://127.0.0.1:8000/api_1.0
  smexplore emulator --port 0 --scale large     a large account on a free port (printed at start)
  curl -H 'X-Api-Key: {DEMO_API_KEY}' http://127.0.0.1:8000/api_1.0/job.json
  smexplore emulator --system ruddr --port 8001 --api-key mykey
  curl -H 'Authorization: Bearer mykey' 'http://127.0.0.1:8001/api/workspace/allocations?limit=5'

--token, --page-size, --per-minute and --per-day are ServiceM8's; --per-second and --burst Ruddr's."""
_SERVICEM8_ONLY = {"token": "--token", "page_size": "--page-size", "per_minute": "--per-minute",
                   "per_day": "--per-day"}
_RUDDR_ONLY = {"per_second": "--per-second", "burst": "--burst"}
_DEMO_DESCRIPTION = """\
Start the emulator in the background and summarise the demo account through a Session:
jobs by status, this week's bookings per staff member, double-bookings, and two pictures
(this week's timeline and the last quarter's utilisation) as PNG files."""
_DEMO_EPILOG = """\
examples:
  smexplore demo
  smexplore demo --scale medium --seed 3 --out /tmp/pictures"""


def _token(text: str) -> tuple[str, list[str]]:
    token, sep, scopes = text.partition("=")
    if not sep or not token:
        raise argparse.ArgumentTypeError("expected TOKEN=scope1,scope2")
    return token, [s for s in scopes.split(",") if s]


def _port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    return port


def _rate(text: str) -> float:
    """A number of requests per second above 0."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a number above 0")
    return number


def _positive(text: str) -> int:
    """A whole number above 0."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not above 0")
    return number


def _subparser(commands: argparse._SubParsersAction, name: str, summary: str, description: str,
               epilog: str) -> argparse.ArgumentParser:
    """A command, with the options every command has (``--debug``, ``--seed``, ``--scale``)."""
    parser = commands.add_parser(name, help=summary, description=description, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic account (default 0)")
    parser.add_argument("--scale", choices=list(SCALES), default="small", help="size of the account (default small)")
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smexplore", description=_DESCRIPTION, epilog=_EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-V", "--version", action="version", version=f"smexplore {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    emulator = _subparser(commands, "emulator", "serve the ServiceM8 (or Ruddr) API emulator until interrupted",
                          _EMULATOR_DESCRIPTION, _EMULATOR_EPILOG)
    emulator.add_argument("--system", choices=("servicem8", "ruddr"), default="servicem8",
                          help="the API to serve (default servicem8)")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--port", type=_port, default=8000,
                          help="port to listen on, 0 to 65535 (default 8000; 0 picks a free one)")
    emulator.add_argument("--api-key", default=None,
                          help="the API key to accept (Ruddr: the bearer token; default: the system's demo key)")
    emulator.add_argument("--token", type=_token, action="append", default=None, metavar="TOKEN=SCOPES",
                          help="ServiceM8: also accept an OAuth bearer token with these comma-separated scopes")
    emulator.add_argument("--page-size", type=_positive, default=None,
                          help="ServiceM8: records per cursor page (default 5000)")
    emulator.add_argument("--per-minute", type=_positive, default=None,
                          help="ServiceM8: requests allowed per minute (default 180)")
    emulator.add_argument("--per-day", type=_positive, default=None,
                          help="ServiceM8: requests allowed per day (default 20000)")
    emulator.add_argument("--per-second", type=_rate, default=None,
                          help="Ruddr: requests allowed per second on average (default 20)")
    emulator.add_argument("--burst", type=_positive, default=None,
                          help="Ruddr: requests allowed at once after a quiet spell (default 60)")
    emulator.add_argument("--quiet", action="store_true", help="do not log each request")
    emulator.set_defaults(usage_error=emulator.error)

    demo = _subparser(commands, "demo", "summarise the embedded demo account", _DEMO_DESCRIPTION, _DEMO_EPILOG)
    demo.add_argument("--out", default="demo-output", help="folder for the pictures (default demo-output)")
    return parser


def _serve(args: argparse.Namespace) -> int:
    other = _RUDDR_ONLY if args.system == "servicem8" else _SERVICEM8_ONLY
    given = [flag for name, flag in other.items() if getattr(args, name) is not None]
    if given:
        args.usage_error(f"{', '.join(given)} cannot be used with --system {args.system}")
    return _serve_ruddr(args) if args.system == "ruddr" else _serve_servicem8(args)


def _serve_servicem8(args: argparse.Namespace) -> int:
    emulator = Emulator(seed=args.seed, scale=args.scale, api_key=args.api_key or DEMO_API_KEY,
                        tokens=dict(args.token or []), page_size=args.page_size or 5000,
                        per_minute=args.per_minute or 180, per_day=args.per_day or 20_000)

    def ready(emu: Emulator) -> None:
        print(f"ServiceM8 emulator ({args.scale} account, seed {args.seed}) serving at {emu.base_url}", flush=True)
        print(f"API key: {emu.api_key}   (send it in the X-Api-Key header; Ctrl-C stops)", flush=True)

    emulator.serve_forever(args.host, args.port, on_ready=ready, log_requests=not args.quiet)
    return 0


def _serve_ruddr(args: argparse.Namespace) -> int:
    from .ruddr.emulator import DEMO_TOKEN, RuddrEmulator

    emulator = RuddrEmulator(seed=args.seed, scale=args.scale, token=args.api_key or DEMO_TOKEN,
                             per_second=args.per_second or 20, burst=args.burst or 60)

    def ready(emu: RuddrEmulator) -> None:
        print(f"Ruddr emulator ({args.scale} workspace, seed {args.seed}) serving at {emu.base_url}", flush=True)
        print(f"API key: {emu.token}   (send it as 'Authorization: Bearer <key>'; Ctrl-C stops)", flush=True)

    emulator.serve_forever(args.host, args.port, on_ready=ready, log_requests=not args.quiet)
    return 0


def _output_folder(path: str) -> Path:
    """The pictures' folder, created and checked first, so that a bad ``--out`` fails before the work."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(error.errno, f"cannot create the output folder {folder}: {error.strerror}") from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(errno.EACCES, f"cannot write to the output folder {folder}")
    return folder


def _demo(args: argparse.Namespace) -> int:
    from .core.filters.expr import F
    from .core.spans import overlaps
    from .servicem8.session import demo

    folder = _output_folder(args.out)
    with demo(seed=args.seed, scale=args.scale, progress=sys.stderr.isatty()) as session:
        now = session.emulator.account.now
        monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
        saturday = monday + timedelta(days=5)
        print(f"smexplore demo account (seed {args.seed}, {args.scale}): today is {now:%A %d %B %Y}")
        print(session)
        jobs = session.jobs()
        print(f"\nJobs by status ({len(jobs):,} active jobs):")
        print(jobs["status"].value_counts().to_string())
        bookings_this_week = ((F.start_date >= monday) & (F.start_date < saturday)
                              & (F.activity_was_scheduled == True))
        print(f"\n{session.explain('jobactivity', bookings_this_week)}")
        week = session.activities(bookings_this_week, enrich=True)
        hours = (week["end_date"] - week["start_date"]).dt.total_seconds() / 3600
        per_staff = (week.assign(hours=hours).groupby("staff_name")
                     .agg(bookings=("uuid", "size"), hours=("hours", "sum"), jobs=("job_number", "nunique"))
                     .sort_values("hours", ascending=False))
        print(f"\nBookings per staff member, week of {monday:%d %b %Y}:")
        print(per_staff.round(1).to_string())
        session.activities()  # again: served from the cache
        info = session.cache_info()
        print(f"\nHTTP requests sent: {info.misses}; answers served from the cache: {info.hits}")
        print(f"Double-bookings this week: {len(overlaps(week))}")
        _pictures(session, week, monday, folder)
    return 0


def _pictures(session: Session, week: pd.DataFrame, monday: datetime, folder: Path) -> None:
    """The week's timeline and the last quarter's utilisation heatmap, as PNG files."""
    import matplotlib

    from .core.filters.expr import F
    from .plots import plot_utilisation, timeline

    matplotlib.use("Agg")
    ax = timeline(week, start=monday, end=monday + timedelta(days=7))
    cast("Figure", ax.figure).savefig(folder / "week-timeline.png", dpi=110)
    quarter_start = monday - timedelta(weeks=13)
    history = session.activities(F.start_date.between(quarter_start, monday - timedelta(seconds=1)), enrich=True)
    ax = plot_utilisation(history, start=quarter_start, end=monday - timedelta(days=1))
    cast("Figure", ax.figure).savefig(folder / "utilisation.png", dpi=110)
    print(f"Pictures: {folder / 'week-timeline.png'}, {folder / 'utilisation.png'}")


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
    return _serve(args) if args.command == "emulator" else _demo(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smexplore`` command line; returns the exit status (argparse exits 2 on wrong usage)."""
    args = _parser().parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
