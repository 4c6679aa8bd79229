"""The ``smexplore`` command line.

``smexplore emulator`` serves the ServiceM8 API emulator until interrupted;
``smexplore demo`` starts it in the background and explores the demo account through a
``Session``: jobs by status and this week's bookings per staff member.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .emulator import DEMO_API_KEY, SCALES, Emulator

if TYPE_CHECKING:
    import pandas as pd

    from ._session import Session

__all__ = ["main"]


def _token(text: str) -> tuple[str, list[str]]:
    token, sep, scopes = text.partition("=")
    if not sep or not token:
        raise argparse.ArgumentTypeError("expected TOKEN=scope1,scope2")
    return token, [s for s in scopes.split(",") if s]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smexplore", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    emulator = commands.add_parser("emulator", help="serve the ServiceM8 API emulator until interrupted")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=8000, help="port to listen on (0 picks a free one)")
    emulator.add_argument("--api-key", default=DEMO_API_KEY, help="the API key to accept (default: the demo key)")
    emulator.add_argument("--token", type=_token, action="append", default=[], metavar="TOKEN=SCOPES",
                          help="also accept an OAuth bearer token with these comma-separated scopes")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the synthetic account (default 0)")
    emulator.add_argument("--scale", choices=list(SCALES), default="small", help="size of the account")
    emulator.add_argument("--page-size", type=int, default=5000, help="records per cursor page (default 5000)")
    emulator.add_argument("--per-minute", type=int, default=180, help="requests allowed per minute (default 180)")
    emulator.add_argument("--per-day", type=int, default=20_000, help="requests allowed per day (default 20000)")
    emulator.add_argument("--quiet", action="store_true", help="do not log each request")

    demo = commands.add_parser("demo", help="summarise the embedded demo account")
    demo.add_argument("--seed", type=int, default=0, help="seed of the synthetic account (default 0)")
    demo.add_argument("--scale", choices=list(SCALES), default="small", help="size of the account")
    demo.add_argument("--out", default="demo-output", help="folder for the pictures (default demo-output)")
    return parser


def _serve(args: argparse.Namespace) -> int:
    emulator = Emulator(seed=args.seed, scale=args.scale, api_key=args.api_key, tokens=dict(args.token),
                        page_size=args.page_size, per_minute=args.per_minute, per_day=args.per_day)

    def ready(emu: Emulator) -> None:
        print(f"ServiceM8 emulator ({args.scale} account, seed {args.seed}) serving at {emu.base_url}", flush=True)
        print(f"API key: {emu.api_key}   (send it in the X-Api-Key header; Ctrl-C stops)", flush=True)

    emulator.serve_forever(args.host, args.port, on_ready=ready, log_requests=not args.quiet)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ._expr import F
    from ._session import demo
    from ._spans import overlaps

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
                              & (F.activity_was_scheduled == True))  # noqa: E712 - builds a filter
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
        _pictures(session, week, monday, Path(args.out))
    return 0


def _pictures(session: Session, week: pd.DataFrame, monday: datetime, folder: Path) -> None:
    """The week's timeline and the last quarter's utilisation heatmap, as PNG files."""
    import matplotlib

    from ._expr import F
    from .plots import plot_utilisation, timeline

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    ax = timeline(week, start=monday, end=monday + timedelta(days=7))
    ax.figure.savefig(folder / "week-timeline.png", dpi=110)
    quarter_start = monday - timedelta(weeks=13)
    history = session.activities(F.start_date.between(quarter_start, monday - timedelta(seconds=1)), enrich=True)
    ax = plot_utilisation(history, start=quarter_start, end=monday - timedelta(days=1))
    ax.figure.savefig(folder / "utilisation.png", dpi=110)
    print(f"Pictures: {folder / 'week-timeline.png'}, {folder / 'utilisation.png'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smexplore`` command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "emulator":
        return _serve(args)
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
