"""The ``smexplore`` command line (also ``python -m smexplore``).

``smexplore emulator`` serves the ServiceM8 API emulator until interrupted (``--system ruddr``:
the Ruddr API emulator; ``--system accelo``: the Accelo API emulator; ``--system syncd``: the Syncd
XML API emulator);
``smexplore demo`` starts the ServiceM8, Ruddr, Accelo and Syncd emulators in the background and
explores their demo accounts through Sessions: jobs by status, this week's bookings per staff
member, the busiest Ruddr members' utilisation, a selective pull in each of Ruddr, Accelo and Syncd
(what it sent, and the records it pulled against the whole list), and last week of all four on one
timeline.

Four commands work on one account, live (credentials from the environment only) or with ``--demo``
the embedded demo account, of any ``--system``: ``smexplore sync`` brings the local Parquet store up
to date and prints what changed; ``smexplore pull`` writes one resource's records (filtered by
``--where``) to a Parquet or CSV file; ``smexplore timeline`` draws a window of the account's
timeline to a PNG file; ``smexplore cache info|clear`` shows or empties the HTTP cache. Only the
result goes to stdout; progress bars go to stderr, and only when it is a terminal.

Exit status: 0 done, 1 failed (one line on stderr; ``--debug`` adds the traceback), 2 wrong usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import sys
import tempfile
import traceback
import zoneinfo
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import __version__
from .accelo.auth import ENV_CLIENT_ID, ENV_CLIENT_SECRET
from .accelo.auth import ENV_TOKEN as ACCELO_TOKEN
from .accelo.session import ENV_DEPLOYMENT
from .core.errors import AuthenticationError, SMExploreError, SyncRefusedError
from .emulator import DEMO_API_KEY, SCALES, Emulator
from .ruddr.session import ENV_TOKEN as RUDDR_TOKEN
from .servicem8.auth import ENV_API_KEY
from .syncd.session import ENV_PASSWORD, ENV_USER

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
  smexplore sync                     bring the local store of the ServiceM8 account up to date
  smexplore pull job -o jobs.csv     the account's jobs as a CSV file (add --demo for the demo account)
  smexplore timeline -o week.png     the last 7 days of bookings and time, drawn
  smexplore cache info               where the HTTP cache is and what it holds

sync, pull, timeline and cache read credentials from the environment only (SERVICEM8_API_KEY,
RUDDR_TOKEN, ACCELO_CLIENT_ID and ACCELO_CLIENT_SECRET or ACCELO_TOKEN, SYNCD_USER and
SYNCD_PASSWORD); --demo uses the embedded demo account instead.

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
_SESSION_NOTE = """\
Live accounts: credentials come from the environment only (SERVICEM8_API_KEY; RUDDR_TOKEN;
ACCELO_CLIENT_ID and ACCELO_CLIENT_SECRET, or ACCELO_TOKEN, with ACCELO_DEPLOYMENT or --account;
SYNCD_USER and SYNCD_PASSWORD with --account). --demo uses the embedded demo account instead."""
_SYNC_DESCRIPTION = """\
Bring the local Parquet store of one account up to date: each resource's new, changed and
deactivated records are pulled and written beside the ones already there. Prints one line per
resource (new, changed, deactivated, requests, seconds) to stdout."""
_SYNC_EPILOG = f"""\
examples:
  smexplore sync                                   every resource of the convenience methods
  smexplore sync --resources job jobactivity --store ~/smexplore-store
  smexplore sync --system ruddr --demo --cache /tmp/smx
  smexplore pull job --source store --offline -o jobs.parquet   then read the store, no network

{_SESSION_NOTE}"""
_PULL_DESCRIPTION = """\
Write the records of one resource, as a typed frame, to a Parquet or CSV file (by the file's
suffix), and print how many there are. --where filters them (ServiceM8 $filter text such as
"status eq 'Quote'", or any system's filter text); the part the API can run is sent to it."""
_PULL_EPILOG = f"""\
examples:
  smexplore pull job -o jobs.parquet
  smexplore pull job --where "status eq 'Work Order'" -o work-orders.csv
  smexplore pull jobactivity --enrich --demo -o activities.parquet      ServiceM8: add staff and job names
  smexplore pull allocations --system ruddr --demo -o allocations.csv
  smexplore pull time_entries --system syncd --account artworks --source store -o entries.parquet
  smexplore pull time-entries --system ruddr --where "date gt '2026-01-31'" -o ruddr-time.csv

{_SESSION_NOTE}"""
_TIMELINE_DESCRIPTION = """\
Draw a window of the account's timeline (bookings, recorded time, allocations, tasks: whatever the
system has), one row per person, to a PNG (or SVG, PDF) file. The window is the last 7 days up to
the account's now; --from alone gives the 7 days from it, --to alone the 7 days up to it. A date
alone in --to means through the end of that day. Times are account time (or --timezone's)."""
_TIMELINE_EPILOG = f"""\
examples:
  smexplore timeline -o week.png
  smexplore timeline --from 2026-02-23 --to 2026-02-27 --staff "Zoe Walker" --staff "leo fraser" --demo -o two.png
  smexplore timeline --system accelo --demo -o accelo-week.png

{_SESSION_NOTE}"""
_CACHE_DESCRIPTION = """\
info: where the account's HTTP cache file is, its size and the answers it holds, and where the
local store is. clear: forget every cached answer (the store is left as it is)."""
_CACHE_EPILOG = f"""\
examples:
  smexplore cache info
  smexplore cache clear --system ruddr
  smexplore cache info --demo --cache /tmp/smx

{_SESSION_NOTE}"""
_SYSTEMS = {"servicem8": "ServiceM8", "ruddr": "Ruddr", "accelo": "Accelo", "syncd": "Syncd"}
_CREDENTIALS = {  # system -> the environment variables of each way to sign in (any one way will do)
    "servicem8": ((ENV_API_KEY,),),
    "ruddr": ((RUDDR_TOKEN,),),
    "accelo": ((ENV_CLIENT_ID, ENV_CLIENT_SECRET), (ACCELO_TOKEN,)),
    "syncd": ((ENV_USER, ENV_PASSWORD),),
}
_PULL_SUFFIXES = (".parquet", ".csv")
_PICTURE_SUFFIXES = (".png", ".svg", ".pdf")


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


def _zone(text: str) -> str:
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


def _first(text: str) -> datetime:
    """A ``--from`` value: a date means its start."""
    return _moment(text)


def _last(text: str) -> datetime:
    """A ``--to`` value: a date means through its end."""
    return _moment(text, day_end=True)


def _output(*suffixes: str) -> Callable[[str], Path]:
    """The type of an ``-o`` file that must end in one of ``suffixes``, in a folder that exists and
    can be written: checked before any work, not after a long pull."""
    def output(text: str) -> Path:
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

    return output


def _write_in_place(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a hidden file beside ``path``, then move it into place: a write that fails
    part-way (a full disk, Ctrl-C) leaves the previous ``path`` as it was."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        write(Path(name))
        os.replace(name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


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


def _session_subparser(commands: argparse._SubParsersAction, name: str, summary: str, description: str,
                       epilog: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """A command on one account: ``_subparser``'s options and those ``_open`` reads (``--system``, ``--demo`` …)."""
    parser = _subparser(commands, name, summary, description, epilog)
    parser.add_argument("--system", choices=list(_SYSTEMS), default="servicem8",
                        help="the account's system (default servicem8)")
    parser.add_argument("--demo", action="store_true",
                        help="use the embedded demo account (no credentials; see --seed, --scale)")
    parser.add_argument("--account", default=None, metavar="NAME",
                        help=f"Syncd: the account's subdomain (NAME.syncd.com); Accelo: the deployment "
                             f"(NAME.api.accelo.com; default {ENV_DEPLOYMENT})")
    parser.add_argument("--api-key", default=None, metavar="KEY",
                        help=f"ServiceM8: the API key; it shows in process lists and shell history, so prefer "
                             f"{ENV_API_KEY} in the environment")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="folder of the HTTP cache files (default: the user cache folder; with --demo a "
                             "temporary one)")
    parser.add_argument("--store", default=None, metavar="DIR",
                        help="folder of the local Parquet store (default: store in --cache's folder, else the "
                             "user data folder)")
    parser.add_argument("--offline", action="store_true",
                        help="send no request: answer from the cache (and the store) only")
    parser.add_argument("--timezone", type=_zone, default=None, metavar="ZONE",
                        help="IANA zone to show times in (default: naive account time)")
    # None, not 0 and small: to tell whether they were given (they need --demo); the demo's own defaults apply.
    parser.set_defaults(run=run, usage_error=parser.error, seed=None, scale=None)
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
    emulator.set_defaults(run=_serve, usage_error=emulator.error)

    demo = _subparser(commands, "demo", "summarise the embedded demo accounts", _DEMO_DESCRIPTION, _DEMO_EPILOG)
    demo.add_argument("--out", default="demo-output", help="folder for the pictures (default demo-output)")
    demo.set_defaults(run=_demo)

    sync = _session_subparser(commands, "sync", "bring the local Parquet store of one account up to date",
                              _SYNC_DESCRIPTION, _SYNC_EPILOG, _sync)
    sync.add_argument("--resources", nargs="+", default=None, metavar="RESOURCE",
                      help="the resources to sync (default: those of the system's convenience methods)")
    sync.add_argument("--full", action="store_true",
                      help="pull every record again and reconcile (records gone from the account leave the store); "
                           "without it, a sync is full by itself when the last full one is over 7 days old")
    sync.add_argument("--force", action="store_true",
                      help="store a full pull's answer even when it would empty a resource or halve it (refused "
                           "otherwise: an empty answer is more often a lost permission than an emptied account)")

    pull = _session_subparser(commands, "pull", "write one resource's records to a Parquet or CSV file",
                              _PULL_DESCRIPTION, _PULL_EPILOG, _pull)
    pull.add_argument("resource", metavar="RESOURCE", help="the API's name of the resource (job, allocations …)")
    pull.add_argument("--where", default=None, metavar="EXPR", help="filter text, e.g. \"status eq 'Quote'\"")
    pull.add_argument("--enrich", action="store_true",
                      help="ServiceM8: add staff_name, job_number, client_name, category_name")
    pull.add_argument("--source", choices=("api", "store"), default=None,
                      help="read from the API or the local store (default: the store when --offline and it "
                           "holds the resource, else the API)")
    pull.add_argument("-o", "--output", type=_output(*_PULL_SUFFIXES), required=True,
                      metavar="FILE.parquet|FILE.csv", help="the file to write (the suffix chooses the format)")

    timeline = _session_subparser(commands, "timeline", "draw a window of one account's timeline to a PNG file",
                                  _TIMELINE_DESCRIPTION, _TIMELINE_EPILOG, _timeline)
    timeline.add_argument("--from", dest="start", type=_first, default=None, metavar="DATE",
                          help="first moment shown (a date, or date and time)")
    timeline.add_argument("--to", dest="end", type=_last, default=None, metavar="DATE",
                          help="last moment shown (a date alone: through its end)")
    timeline.add_argument("--staff", action="append", default=None, metavar="NAME",
                          help="draw only this person (case-insensitive; repeat for more)")
    timeline.add_argument("-o", "--output", type=_output(*_PICTURE_SUFFIXES), required=True,
                          metavar="FILE.png", help="the picture to write (.png, .svg or .pdf)")

    cache = _session_subparser(commands, "cache", "show or clear one account's HTTP cache", _CACHE_DESCRIPTION,
                               _CACHE_EPILOG, _cache)
    cache.add_argument("action", choices=("info", "clear"), help="info: show the cache; clear: empty it")
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
    pictures += _all_systems_pictures(weeks, last_monday, folder)
    print(f"\nPictures: {', '.join(str(picture) for picture in pictures)}")
    return 0


Week = tuple["pd.DataFrame", "pd.DataFrame"]
"""A system's week: its normalised timeline frame and its people's capacity."""


def _week(session: BaseSession, monday: datetime) -> Week:
    """``session``'s week from ``monday`` (five working days), and its free capacity printed: who has
    a whole working day free, each day (the load view's numbers, in words)."""
    from .core.load import PLANNED

    end = monday + timedelta(days=5)
    frame, capacity = session.timeline_frame(start=monday, end=end), session.capacity(monday, end)
    free = session.free_capacity(monday, end, at_least=6)
    planned = frame["kind"].isin(PLANNED).any()
    print(f"Free capacity, week of {monday:%d %b %Y} (6 h or more free on a day"
          f"{'' if planned else '; nothing is planned here: the system records time, it plans none'}):")
    if free.empty:
        print("  no one")
    for day, rows in free.groupby("period", sort=True):
        names = ", ".join(f"{row.staff} ({row.free_hours:.1f} h)" for row in rows.head(4).itertuples())
        more = f" and {len(rows) - 4} more" if len(rows) > 4 else ""
        print(f"  {day:%a %d}: {names}{more}")
    return frame, capacity


def _week_of(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week."""
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def _requests(session: BaseSession) -> int:
    """Requests the Session has sent over the network so far."""
    return session.cache_info().misses


def _selective(pulled: int, requests: int, whole: int, how: str = "") -> str:
    return (f"Selective pull: {pulled:,} records in {requests} request{'' if requests == 1 else 's'}, "
            f"against {whole:,} records for the whole list{how}")


def _servicem8_demo(args: argparse.Namespace, folder: Path) -> tuple[Week, datetime, list[Path]]:
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
        last_week = _week(session, last_monday)
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
    ax = plot_utilisation(history, start=quarter_start, end=monday)
    cast("Figure", ax.figure).savefig(folder / "utilisation.png", dpi=110)
    return [folder / "week-timeline.png", folder / "utilisation.png"]


def _ruddr_demo(args: argparse.Namespace, last_monday: datetime) -> Week:
    """The Ruddr summary; returns last week's normalised timeline frame and capacity."""
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
        used = session.billable_utilisation(start=monday, end=friday)
        busiest = used.sort_values(["allocated_utilisation", "member"], ascending=[False, True], kind="stable").head(5)
        table = busiest.set_index("member")[["capacity_hours", "allocated_hours", "allocated_utilisation",
                                             "planned_billable_utilisation", "target"]].astype(float)
        table[["allocated_utilisation", "planned_billable_utilisation", "target"]] *= 100  # shown as percentages
        table.columns = ["capacity h", "allocated h", "allocated %", "billable %", "target %"]
        print(f"\nBusiest members, week of {monday:%d %b %Y} (against each member's capacity):")
        print(table.round(1).to_string())
        top = busiest.iloc[0]
        where = (F.member_id == top["member_id"]) & (F.start <= friday) & (F.end >= monday)
        sent_before = _requests(session)
        theirs = session.allocations(where)
        print(f"\n{top['member']}'s allocations this week, filtered by Ruddr's query parameters:")
        print(session.explain("allocations", where))
        print(_selective(theirs.attrs["pulled"], _requests(session) - sent_before, len(allocations)))
        return _week(session, last_monday)


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


def _accelo_demo(args: argparse.Namespace, last_monday: datetime) -> Week:
    """The Accelo summary; returns last week's normalised timeline frame and capacity."""
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
        return _week(session, last_monday)


def _syncd_demo(args: argparse.Namespace, last_monday: datetime) -> Week:
    """The Syncd summary; returns last week's normalised timeline frame and capacity."""
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
        return _week(session, last_monday)


def _busiest(week: pd.DataFrame, count: int = 3) -> list[str]:
    """The ``count`` people with the most hours booked or entered in a normalised frame (ties by name)."""
    worked = week[week["kind"].isin(["booking", "time_entry"])]
    hours = worked.groupby("staff")["hours"].sum().astype(float).sort_values(ascending=False, kind="stable")
    return [str(name) for name in hours.index[:count]]


def _all_systems_pictures(weeks: list[Week], monday: datetime, folder: Path) -> list[Path]:
    """One week of each system's three busiest people (and its unfilled demand): on one ``sm.timeline``
    and in one load view with their free hours, as PNG files.

    Accelo's job spans (its manager's months on a project) are left out: they say who runs a
    project, not when anyone works."""
    import matplotlib
    import pandas as pd

    from .plots import plot_load, timeline

    matplotlib.use("Agg")
    shown, capacities = [], []
    for week, capacity in weeks:
        busiest = _busiest(week)
        shown.append(week[(week["staff"].isin(busiest) | week["kind"].eq("placeholder")) & (week["kind"] != "job")])
        capacities.append(capacity[capacity["staff"].isin(busiest)])
    every, capacity = pd.concat(shown, ignore_index=True), pd.concat(capacities, ignore_index=True)
    every.attrs["now"] = weeks[0][0].attrs.get("now")  # the demos' anchored now (concat keeps no attrs that differ)
    end = monday + timedelta(days=5)
    ax = timeline(every, start=monday, end=end, color_by="source", capacity=capacity)
    ax.set_title(f"ServiceM8, Ruddr, Accelo and Syncd, week of {monday:%d %b %Y}", loc="left")
    pictures = [folder / "all-systems-timeline.png", folder / "all-systems-load.png"]
    cast("Figure", ax.figure).savefig(pictures[0], dpi=110)
    ax = plot_load(every, start=monday, end=end, capacity=capacity)
    ax.set_title(f"Load of the four systems' busiest people, week of {monday:%d %b %Y} (planned ÷ available hours; "
                 "free hours at the right)", loc="left", fontsize="medium")
    cast("Figure", ax.figure).savefig(pictures[1], dpi=110)
    return pictures


# --- commands on one account: sync, pull, timeline, cache ---------------------------------------------
def _check_usage(args: argparse.Namespace) -> None:
    """Options that do not fit together are wrong usage (exit 2), said before anything is opened."""
    error, system = args.usage_error, _SYSTEMS[args.system]
    if args.api_key is not None and args.system != "servicem8":
        error(f"--api-key is ServiceM8's; {system} reads {_credential_names(args.system)} from the environment")
    if args.account is not None and args.system not in ("accelo", "syncd"):
        error(f"--account is Accelo's and Syncd's, not {system}'s")
    if getattr(args, "enrich", False) and args.system != "servicem8":
        error(f"--enrich is ServiceM8's; {system}'s frames come with their names already")
    if args.demo:
        given = [flag for flag, value in (("--api-key", args.api_key), ("--account", args.account)) if value is not None]
        if given:
            error(f"{' and '.join(given)} cannot be used with --demo")
    elif args.seed is not None or args.scale is not None:
        error("--seed and --scale choose the demo account: they need --demo")
    elif args.system == "syncd" and args.account is None:
        error("--system syncd needs --account NAME (the account's subdomain, as in NAME.syncd.com), or --demo")
    elif args.system == "accelo" and args.account is None and not os.environ.get(ENV_DEPLOYMENT, "").strip():
        error(f"--system accelo needs --account NAME (the deployment, as in NAME.api.accelo.com) or "
              f"{ENV_DEPLOYMENT}, or --demo")
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start is not None and end is not None and start >= end:
        error(f"the window is empty: --from {start:%Y-%m-%d %H:%M}, --to {end:%Y-%m-%d %H:%M} (a date alone in --to "
              "means through its end)")


def _credential_names(system: str) -> str:
    """The environment variables of a system's credentials, as a phrase (``A and B or C``)."""
    return " or ".join(" and ".join(way) for way in _CREDENTIALS[system])


def _require_credentials(system: str, api_key: str | None) -> None:
    """Fails in one line naming the environment variables when none of the system's credentials is set.

    Half of a pair is left to ``connect``, which says which half is missing. No message shows a value.

    Raises:
        AuthenticationError: The environment holds none of the system's credentials.
    """
    if api_key is not None or any(os.environ.get(variable, "").strip()
                                  for way in _CREDENTIALS[system] for variable in way):
        return
    raise AuthenticationError(f"no {_SYSTEMS[system]} credentials: set {_credential_names(system)} in the "
                              "environment (--demo needs none)")


def _open(args: argparse.Namespace) -> BaseSession:
    """The Session on the account ``--system``, ``--demo``, ``--account``, ``--cache`` … name.

    Credentials come from the environment only (or ServiceM8's ``--api-key``). Progress bars show on
    stderr when it is a terminal, never in a pipe or file (see ``core.http.progress_wanted``).

    Raises:
        AuthenticationError: No credentials are set (the message names the environment variables).
    """
    _check_usage(args)
    module = importlib.import_module(f"{__package__}.{args.system}.session")
    options: dict[str, Any] = {"timezone": args.timezone, "progress": True}
    options.update({name: getattr(args, name) for name in ("cache", "store") if getattr(args, name) is not None})
    if args.offline:
        options["offline"] = True
    if args.demo:
        return cast("BaseSession", module.demo(seed=args.seed or 0, scale=args.scale or "small", **options))
    _require_credentials(args.system, args.api_key)
    account = {"servicem8": {"api_key": args.api_key}, "accelo": {"deployment": args.account},
               "syncd": {"account": args.account}}.get(args.system, {})
    return cast("BaseSession", module.connect(**account, **options))


def _sync(args: argparse.Namespace) -> int:
    with _open(args) as session:
        try:
            summary = session.sync(args.resources, full=True if args.full else None, force=args.force)
        except SyncRefusedError as refused:
            if refused.summary is not None:  # what was synced, and what was refused
                print(cast("pd.DataFrame", refused.summary).to_string(index=False, float_format="{:.2f}".format))
            raise
    print(summary.to_string(index=False, float_format="{:.2f}".format))
    return 0


def _pull(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {"enrich": True} if args.enrich else {}
    if args.source is not None:
        options["source"] = args.source
    with _open(args) as session:
        frame = session.frame(args.resource, args.where, **options)
    path: Path = args.output
    if path.suffix.lower() == ".csv":
        _write_in_place(path, lambda temporary: frame.to_csv(temporary, index=False))
    else:
        _write_in_place(path, lambda temporary: frame.to_parquet(temporary, index=False))
    count = len(frame)
    print(f"{count:,} record{'' if count == 1 else 's'} of {frame.attrs.get('resource', args.resource)} → {path}")
    return 0


def _window(first: datetime | None, last: datetime | None, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The timeline's window: the 7 days up to ``now``, from ``first`` or up to ``last``, or between them.

    Given moments are wall time in ``now``'s zone (none: account time)."""
    import pandas as pd

    def stamp(moment: datetime) -> pd.Timestamp:
        value = pd.Timestamp(moment)
        return value if now.tz is None else value.tz_localize(now.tz, ambiguous=True, nonexistent="shift_forward")

    week = pd.Timedelta(days=7)
    if first is None:
        end = now if last is None else stamp(last)
        return end - week, end
    start = stamp(first)
    return start, start + week if last is None else stamp(last)


def _only_staff(frame: pd.DataFrame, names: Sequence[str] | None, what: str) -> pd.DataFrame:
    """The rows of the people called ``names`` (case-insensitive; all when ``None``).

    Raises:
        SMExploreError: No one is in the frame, or no one is called one of ``names`` (the message
            suggests the closest name and lists a few).
    """
    import difflib

    staff = frame["staff"].astype("string")
    people = sorted({str(name) for name in staff.dropna().unique()})
    if not people:
        raise SMExploreError(f"nothing to draw: no one has time in {what}")
    if not names:
        return frame
    by_key = {person.casefold(): person for person in people}
    for name in names:
        if name.casefold() not in by_key:
            close = difflib.get_close_matches(name.casefold(), list(by_key), n=1)
            hint = f" (did you mean {by_key[close[0]]!r}?)" if close else ""
            some = ", ".join(people[:5]) + (f" ({len(people)} in all)" if len(people) > 5 else "")
            raise SMExploreError(f"no one called {name!r} has time in {what}{hint}; some who do: {some}")
    wanted = {name.casefold() for name in names}
    return frame[staff.str.casefold().isin(wanted).fillna(False).astype(bool).to_numpy()]


def _timeline(args: argparse.Namespace) -> int:
    import matplotlib

    from .plots import timeline

    with _open(args) as session:
        start, end = _window(args.start, args.end, session.now)
        frame = session.timeline_frame(start=start, end=end)
        capacity = session.capacity(start, end)
    what = f"the {_SYSTEMS[args.system]} timeline from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
    frame = _only_staff(frame, args.staff, what)
    matplotlib.use("Agg")
    ax = timeline(frame, start=start, end=end, capacity=capacity)
    ax.set_title(f"{_SYSTEMS[args.system]}{' demo' if args.demo else ''}, {start:%d %b %Y} to {end:%d %b %Y}",
                 loc="left")
    path: Path = args.output
    cast("Figure", ax.figure).savefig(path, dpi=110)
    people = frame["staff"].nunique()
    print(f"{len(frame):,} spans of {people} {'person' if people == 1 else 'people'}, {what.removeprefix('the ')} "
          f"→ {path}")
    return 0


def _cache(args: argparse.Namespace) -> int:
    with _open(args) as session:
        info = session.cache_info()
        if args.action == "clear":
            session.clear_cache()
            print(f"cleared {info.responses:,} answers ({info.size_bytes / 1e6:.1f} MB) from {info.path}")
            return 0
        rows = {"cache": info.path or "(none)", "size": f"{info.size_bytes / 1e6:.1f} MB",
                "answers": f"{info.responses:,}", "store": info.store_path or "(none)"}
    print("\n".join(f"{name}: {value}" for name, value in rows.items()))
    return 0


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
