"""The ``smexplore`` command line (also ``python -m smexplore``).

``smexplore emulator`` serves the ServiceM8 API emulator until interrupted (``--system ruddr``:
the Ruddr API emulator; ``--system accelo``: the Accelo API emulator; ``--system syncd``: the Syncd
XML API emulator);
``smexplore demo`` starts the ServiceM8, Ruddr, Accelo and Syncd emulators in the background and
explores their demo accounts through Sessions: jobs by status, this week's bookings per staff
member, the busiest Ruddr members' utilisation, a selective pull in each of Ruddr, Accelo and Syncd
(what it sent, and the records it pulled against the whole list), and last week of all four on one
timeline.

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

    from .core.session import BaseSession
    from .servicem8.session import Session

__all__ = ["main"]

_DESCRIPTION = """\
Explore the scheduling data of ServiceM8, Ruddr, Accelo and Syncd, or their embedded demo accounts: no key, no
network."""
_EPILOG = """\
examples:
  smexplore demo                     summarise the demo accounts, pictures in ./demo-output
  smexplore emulator --port 8000     serve the ServiceM8 API emulator on 127.0.0.1:8000
  smexplore emulator --system ruddr  serve the Ruddr API emulator instead (or accelo, syncd)
  smexplore emulator --help          the emulator's options

exit status: 0 done, 1 failed, 2 wrong usage, 130 interrupted"""
_EMULATOR_DESCRIPTION = """\
Serve the ServiceM8 REST API (/api_1.0) over a synthetic trades business until Ctrl-C, or with
--system ruddr the Ruddr REST API (/api/workspace) over a synthetic consultancy, or with
--system accelo the Accelo REST API (/api/v0, tokens from /oauth2/v0/token) over a synthetic agency,
or with --system syncd the Syncd XML API (/jobs.xml…, HTTP Basic) over a synthetic studio.
Each request is logged to stderr (coloured on a terminal only; NO_COLOR turns colour off)."""
_EMULATOR_EPILOG = f"""\
examples:
  smexplore emulator                            the small account on http://127.0.0.1:8000/api_1.0
  smexplore emulator --port 0 --scale large     a large account on a free port (printed at start)
  curl -H 'X-Api-Key: {DEMO_API_KEY}' http://127.0.0.1:8000/api_1.0/job.json
  smexplore emulator --system ruddr --port 8001 --api-key mykey
  curl -H 'Authorization: Bearer mykey' 'http://127.0.0.1:8001/api/workspace/allocations?limit=5'
  smexplore emulator --system accelo --port 8002 --client-id me@demo --client-secret s3cret
  curl -u me@demo:s3cret -d grant_type=client_credentials http://127.0.0.1:8002/oauth2/v0/token
  smexplore emulator --system syncd --port 8003 --user me --password s3cret
  curl -u me:s3cret 'http://127.0.0.1:8003/jobs.xml?start=1&end=5'

--token, --per-minute and --per-day are ServiceM8's; --per-second and --burst Ruddr's;
--client-id, --client-secret, --per-hour and --token-ttl Accelo's; --user and --password Syncd's;
--api-key ServiceM8's and Ruddr's; --page-size ServiceM8's and Syncd's."""
_OPTIONS = {  # option -> (flag, the systems it belongs to)
    "token": ("--token", {"servicem8"}), "page_size": ("--page-size", {"servicem8", "syncd"}),
    "per_minute": ("--per-minute", {"servicem8"}), "per_day": ("--per-day", {"servicem8"}),
    "per_second": ("--per-second", {"ruddr"}), "burst": ("--burst", {"ruddr"}),
    "api_key": ("--api-key", {"servicem8", "ruddr"}),
    "client_id": ("--client-id", {"accelo"}), "client_secret": ("--client-secret", {"accelo"}),
    "per_hour": ("--per-hour", {"accelo"}), "token_ttl": ("--token-ttl", {"accelo"}),
    "user": ("--user", {"syncd"}), "password": ("--password", {"syncd"}),
}
_DEMO_DESCRIPTION = """\
Start the ServiceM8, Ruddr, Accelo and Syncd emulators in the background and summarise their demo
accounts through Sessions. ServiceM8: jobs by status, this week's bookings per staff member,
double-bookings. Ruddr: the records pulled, this week's utilisation of the busiest members against
their capacity, a selective filter (its query parameters and the records it pulled against the
whole list). Accelo: the records pulled, last week's hours logged, a selective filter (its _filters
and the records it pulled against the server's count of the whole list). Syncd: the records pulled,
the job tree's levels, last week's hours entered, a selective filter (its path and parameters and
the records it pulled against the whole list). Three pictures as PNG files: this week's ServiceM8
timeline, the last quarter's ServiceM8 utilisation, and last week of all four systems on one
timeline (a few of each system's busiest people)."""
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

    emulator = _subparser(commands, "emulator", "serve the ServiceM8 (or Ruddr, Accelo, Syncd) API emulator until interrupted",
                          _EMULATOR_DESCRIPTION, _EMULATOR_EPILOG)
    emulator.add_argument("--system", choices=("servicem8", "ruddr", "accelo", "syncd"), default="servicem8",
                          help="the API to serve (default servicem8)")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--port", type=_port, default=8000,
                          help="port to listen on, 0 to 65535 (default 8000; 0 picks a free one)")
    emulator.add_argument("--api-key", default=None,
                          help="the API key to accept (Ruddr: the bearer token; default: the system's demo key)")
    emulator.add_argument("--token", type=_token, action="append", default=None, metavar="TOKEN=SCOPES",
                          help="ServiceM8: also accept an OAuth bearer token with these comma-separated scopes")
    emulator.add_argument("--page-size", type=_positive, default=None,
                          help="ServiceM8: records per cursor page (default 5000); Syncd: items per list answer "
                               "(default 100)")
    emulator.add_argument("--per-minute", type=_positive, default=None,
                          help="ServiceM8: requests allowed per minute (default 180)")
    emulator.add_argument("--per-day", type=_positive, default=None,
                          help="ServiceM8: requests allowed per day (default 20000)")
    emulator.add_argument("--per-second", type=_rate, default=None,
                          help="Ruddr: requests allowed per second on average (default 20)")
    emulator.add_argument("--burst", type=_positive, default=None,
                          help="Ruddr: requests allowed at once after a quiet spell (default 60)")
    emulator.add_argument("--client-id", default=None,
                          help="Accelo: the service application's client id (default: the demo client id)")
    emulator.add_argument("--client-secret", default=None,
                          help="Accelo: the service application's client secret (default: the demo secret)")
    emulator.add_argument("--per-hour", type=_positive, default=None,
                          help="Accelo: requests allowed per hour (default 5000)")
    emulator.add_argument("--token-ttl", type=_positive, default=None,
                          help="Accelo: seconds an access token lives (default 3600)")
    emulator.add_argument("--user", default=None, help="Syncd: the owner's user name (default: the demo user)")
    emulator.add_argument("--password", default=None, help="Syncd: the owner's password (default: the demo password)")
    emulator.add_argument("--quiet", action="store_true", help="do not log each request")
    emulator.set_defaults(usage_error=emulator.error)

    demo = _subparser(commands, "demo", "summarise the embedded demo accounts", _DEMO_DESCRIPTION, _DEMO_EPILOG)
    demo.add_argument("--out", default="demo-output", help="folder for the pictures (default demo-output)")
    return parser


def _serve(args: argparse.Namespace) -> int:
    given = [flag for name, (flag, systems) in _OPTIONS.items()
             if args.system not in systems and getattr(args, name) is not None]
    if given:
        args.usage_error(f"{', '.join(given)} cannot be used with --system {args.system}")
    serve = {"ruddr": _serve_ruddr, "accelo": _serve_accelo, "syncd": _serve_syncd}.get(args.system, _serve_servicem8)
    return serve(args)


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


def _serve_accelo(args: argparse.Namespace) -> int:
    from .accelo.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, AcceloEmulator

    emulator = AcceloEmulator(seed=args.seed, scale=args.scale, client_id=args.client_id or DEMO_CLIENT_ID,
                              client_secret=args.client_secret or DEMO_CLIENT_SECRET,
                              per_hour=args.per_hour or 5000, token_ttl=args.token_ttl or 3600)

    def ready(emu: AcceloEmulator) -> None:
        print(f"Accelo emulator ({args.scale} agency, seed {args.seed}) serving at {emu.base_url}", flush=True)
        print(f"Client id: {emu.client_id}   client secret: {emu.client_secret}   (POST them with HTTP Basic and "
              f"grant_type=client_credentials to {emu.token_url}; Ctrl-C stops)", flush=True)

    emulator.serve_forever(args.host, args.port, on_ready=ready, log_requests=not args.quiet)
    return 0


def _serve_syncd(args: argparse.Namespace) -> int:
    from .syncd.emulator import DEMO_PASSWORD, DEMO_USER, SyncdEmulator

    user = DEMO_USER if args.user is None else args.user
    if not user or ":" in user or args.password == "":
        args.usage_error("--user must not be empty nor hold ':', and --password must not be empty")
    emulator = SyncdEmulator(seed=args.seed, scale=args.scale, user=user, password=args.password or DEMO_PASSWORD,
                             page_size=args.page_size or 100)

    def ready(emu: SyncdEmulator) -> None:
        print(f"Syncd emulator ({args.scale} account, seed {args.seed}) serving at {emu.base_url}", flush=True)
        print(f"User: {emu.user}   password: {emu.password}   (send them with HTTP Basic; Ctrl-C stops)", flush=True)

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
    folder = _output_folder(args.out)
    servicem8_week, last_monday, pictures = _servicem8_demo(args, folder)
    weeks = [servicem8_week, _ruddr_demo(args, last_monday), _accelo_demo(args, last_monday),
             _syncd_demo(args, last_monday)]
    pictures.append(_all_systems_picture(weeks, last_monday, folder))
    print(f"\nPictures: {', '.join(str(picture) for picture in pictures)}")
    return 0


def _week_of(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week."""
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def _requests(session: BaseSession) -> int:
    """Requests the Session has sent over the network so far."""
    return session.cache_info().misses


def _selective(pulled: int, requests: int, whole: int, how: str = "") -> str:
    return (f"Selective pull: {pulled:,} records in {requests} request{'' if requests == 1 else 's'}, "
            f"against {whole:,} records for the whole list{how}")


def _servicem8_demo(args: argparse.Namespace, folder: Path) -> tuple[pd.DataFrame, datetime, list[Path]]:
    """The ServiceM8 summary and its two pictures; returns last week's normalised timeline frame,
    last week's Monday and the pictures' paths."""
    from .core.filters.expr import F
    from .core.spans import overlaps
    from .servicem8.session import demo

    with demo(seed=args.seed, scale=args.scale, progress=sys.stderr.isatty()) as session:
        now = session.emulator.account.now
        monday = _week_of(now)
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
        pictures = _pictures(session, week, monday, folder)
        last_monday = monday - timedelta(weeks=1)
        last_week = session.timeline_frame(start=last_monday, end=last_monday + timedelta(days=5))
    return last_week, last_monday, pictures


def _pictures(session: Session, week: pd.DataFrame, monday: datetime, folder: Path) -> list[Path]:
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
    return [folder / "week-timeline.png", folder / "utilisation.png"]


def _ruddr_demo(args: argparse.Namespace, last_monday: datetime) -> pd.DataFrame:
    """The Ruddr summary; returns last week's normalised timeline frame."""
    from .core.filters.expr import F
    from .ruddr.session import demo

    with demo(seed=args.seed, scale=args.scale, progress=sys.stderr.isatty()) as session:
        workspace = session.emulator.workspace
        monday = _week_of(workspace.now)
        friday = monday + timedelta(days=4)
        print(f"\nRuddr demo workspace {workspace.name!r} (seed {args.seed}, {args.scale}): "
              f"today is {workspace.now:%A %d %B %Y}")
        allocations, members, entries = session.allocations(), session.members(), session.time_entries()
        print(f"Records pulled: {len(allocations):,} allocations, {len(members):,} members, "
              f"{len(entries):,} time entries, in {_requests(session)} requests")
        used = session.utilisation(start=monday, end=friday)
        busiest = used.sort_values(["allocated_percentage", "member"], ascending=[False, True], kind="stable").head(5)
        table = busiest.set_index("member")[["capacity_hours", "allocated_hours", "allocated_percentage",
                                             "planned_utilisation_percentage", "target_percentage"]]
        table.columns = ["capacity h", "allocated h", "allocated %", "billable %", "target %"]
        print(f"\nBusiest members, week of {monday:%d %b %Y} (against each member's capacity):")
        print(table.astype(float).round(1).to_string())
        top = busiest.iloc[0]
        where = (F.member_id == top["member_id"]) & (F.start <= friday) & (F.end >= monday)
        sent_before = _requests(session)
        theirs = session.allocations(where)
        print(f"\n{top['member']}'s allocations this week, filtered by Ruddr's query parameters:")
        print(session.explain("allocations", where))
        print(_selective(theirs.attrs["pulled"], _requests(session) - sent_before, len(allocations)))
        return session.timeline_frame(start=last_monday, end=last_monday + timedelta(days=5))


def _hours_last_week(week: pd.DataFrame, last_monday: datetime, what: str) -> pd.Series:
    """Prints the five people with the most hours of time entries in ``week``; returns everyone's, most first."""
    import pandas as pd

    entries = week[week["kind"] == "time_entry"]
    hours = entries.groupby("staff")["hours"].sum().astype(float).sort_values(ascending=False, kind="stable")
    billable = entries[entries["billable"].fillna(False)].groupby("staff")["hours"].sum().astype(float)
    table = pd.DataFrame({f"{what} h": hours})
    if entries["billable"].notna().any():
        table["billable h"] = billable.reindex(hours.index, fill_value=0.0)
    print(f"\nMost hours {what}, week of {last_monday:%d %b %Y}:")
    print(table.head(5).round(1).rename_axis(None).to_string())
    return hours


def _accelo_demo(args: argparse.Namespace, last_monday: datetime) -> pd.DataFrame:
    """The Accelo summary; returns last week's normalised timeline frame."""
    from .accelo.session import demo
    from .core.filters.expr import F

    with demo(seed=args.seed, scale=args.scale, progress=sys.stderr.isatty()) as session:
        agency = session.emulator.agency
        print(f"\nAccelo demo deployment {agency.name!r} (seed {args.seed}, {args.scale}): "
              f"today is {session.now:%A %d %B %Y}")
        jobs, staff, tasks = session.jobs(), session.staff(), session.tasks()
        print(f"Records pulled: {len(jobs):,} jobs, {len(staff):,} staff, {len(tasks):,} tasks, "
              f"in {_requests(session)} requests")
        saturday = last_monday + timedelta(days=5)
        week = session.timeline_frame(start=last_monday, end=saturday)
        hours = _hours_last_week(week, last_monday, "logged")
        top = week[(week["kind"] == "time_entry") & (week["staff"] == hours.index[0])]
        where = ((F.staff_id == int(top["staff_id"].iloc[0])) & (F.date_started >= last_monday)
                 & (F.date_started < saturday))
        sent_before = _requests(session)
        theirs = session.activities(where)
        requests = _requests(session) - sent_before
        print(f"\n{hours.index[0]}'s activities last week, filtered by Accelo's _filters:")
        print(session.explain("activities", where))
        whole = session.count("activities")
        print(_selective(theirs.attrs["pulled"], requests, whole, " (counted by the server in one request)"))
        return week


def _syncd_demo(args: argparse.Namespace, last_monday: datetime) -> pd.DataFrame:
    """The Syncd summary; returns last week's normalised timeline frame."""
    from .core.filters.expr import F
    from .syncd.session import demo

    with demo(seed=args.seed, scale=args.scale, progress=sys.stderr.isatty()) as session:
        print(f"\nSyncd demo account {session.emulator.data.display_name!r} (seed {args.seed}, {args.scale}): "
              f"today is {session.now:%A %d %B %Y}")
        jobs, users, entries = session.jobs(), session.users(), session.time_entries()
        print(f"Records pulled: {len(jobs):,} jobs, {len(users):,} users, {len(entries):,} time entries, "
              f"in {_requests(session)} requests")
        levels = jobs.sort_values("depth", kind="stable").groupby("depth")["job_type_name"].agg(["first", "size"])
        print("Jobs by level: " + ", ".join(f"{size:,} {name}" for name, size in zip(levels["first"], levels["size"])))
        friday = last_monday + timedelta(days=4)
        week = session.timeline_frame(start=last_monday, end=last_monday + timedelta(days=5))
        hours = _hours_last_week(week, last_monday, "entered")
        top = week[(week["kind"] == "time_entry") & (week["staff"] == hours.index[0])]
        where = (F.user_id == int(top["staff_id"].iloc[0])) & (F.date >= last_monday) & (F.date <= friday)
        sent_before = _requests(session)
        theirs = session.time_entries(where)
        requests = _requests(session) - sent_before
        print(f"\n{hours.index[0]}'s time entries last week, selected by Syncd's path and parameters:")
        print(session.explain("time_entries", where))
        print(_selective(theirs.attrs["pulled"], requests, len(entries)))
        return week


def _busiest(week: pd.DataFrame, count: int = 3) -> list[str]:
    """The ``count`` people with the most hours booked or entered in a normalised frame (ties by name)."""
    worked = week[week["kind"].isin(["booking", "time_entry"])]
    hours = worked.groupby("staff")["hours"].sum().astype(float).sort_values(ascending=False, kind="stable")
    return [str(name) for name in hours.index[:count]]


def _all_systems_picture(weeks: list[pd.DataFrame], monday: datetime, folder: Path) -> Path:
    """One week of each system's three busiest people on one ``sm.timeline``, as a PNG file.

    Accelo's job spans (its manager's months on a project) are left out: they say who runs a
    project, not when anyone works."""
    import matplotlib
    import pandas as pd

    from .plots import timeline

    matplotlib.use("Agg")
    shown = [week[week["staff"].isin(_busiest(week)) & (week["kind"] != "job")] for week in weeks]
    every = pd.concat(shown, ignore_index=True)
    every.attrs["now"] = weeks[0].attrs.get("now")  # the demos' anchored now (concat keeps no attrs that differ)
    ax = timeline(every, start=monday, end=monday + timedelta(days=5), color_by="source")
    ax.set_title(f"ServiceM8, Ruddr, Accelo and Syncd, week of {monday:%d %b %Y}", loc="left")
    path = folder / "all-systems-timeline.png"
    cast("Figure", ax.figure).savefig(path, dpi=110)
    return path


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
