"""The ``smexplore`` command line.

``smexplore emulator`` serves the ServiceM8 API emulator until interrupted;
``smexplore demo`` starts it in the background and prints a summary of the demo account,
pulled over HTTP.
"""

from __future__ import annotations

import argparse
import collections
import sys
from datetime import timedelta
from typing import Any, Sequence

import requests

from .emulator import DEMO_API_KEY, SCALES, Emulator

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

    demo = commands.add_parser("demo", help="summarise the embedded demo account")
    demo.add_argument("--seed", type=int, default=0, help="seed of the synthetic account (default 0)")
    demo.add_argument("--scale", choices=list(SCALES), default="small", help="size of the account")
    return parser


def _serve(args: argparse.Namespace) -> int:
    emulator = Emulator(seed=args.seed, scale=args.scale, api_key=args.api_key, tokens=dict(args.token),
                        page_size=args.page_size)

    def ready(emu: Emulator) -> None:
        print(f"ServiceM8 emulator ({args.scale} account, seed {args.seed}) serving at {emu.base_url}", flush=True)
        print(f"API key: {emu.api_key}   (send it in the X-Api-Key header; Ctrl-C stops)", flush=True)

    emulator.serve_forever(args.host, args.port, on_ready=ready)
    return 0


def _pull(session: requests.Session, url: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """All records of a list endpoint, following ``x-next-cursor``."""
    records: list[dict[str, Any]] = []
    cursor = "-1"
    while True:
        response = session.get(url, params={**(params or {}), "cursor": cursor}, timeout=60)
        response.raise_for_status()
        records.extend(response.json())
        cursor = response.headers.get("x-next-cursor", "")
        if not cursor:
            return records


def _demo(args: argparse.Namespace) -> int:
    with Emulator(seed=args.seed, scale=args.scale) as emu:
        session = requests.Session()
        session.headers["X-Api-Key"] = emu.api_key
        now = emu.account.now
        monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
        week = f"start_date gt '{monday:%Y-%m-%d} 00:00:00' and start_date lt '{monday + timedelta(days=7):%Y-%m-%d}'"
        staff = {s["uuid"]: f"{s['first']} {s['last']}" for s in _pull(session, f"{emu.base_url}/staff.json")}
        jobs = _pull(session, f"{emu.base_url}/job.json", {"$filter": "active eq 1"})
        bookings = _pull(session, f"{emu.base_url}/jobactivity.json",
                         {"$filter": f"{week} and activity_was_scheduled eq '1' and active eq 1"})
        print(f"Demo account (seed {args.seed}, {args.scale}), served at {emu.base_url}; today is {now:%A %d %B %Y}")
        for resource in ("staff", "job", "jobactivity", "joballocation", "company", "category", "allocationwindow", "queue"):
            print(f"  {resource:<17}{len(emu.account.tables[resource]):>8,} records")
        print("Active jobs by status:")
        for status, count in collections.Counter(j["status"] for j in jobs).most_common():
            print(f"  {status:<17}{count:>8,}")
        print(f"Bookings in the week of {monday:%d %b %Y}:")
        for who, count in collections.Counter(staff.get(b["staff_uuid"], "?") for b in bookings).most_common():
            print(f"  {who:<25}{count:>4}")
        print(f"HTTP requests sent: {len(emu.log)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smexplore`` command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "emulator":
        return _serve(args)
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
