"""``smexplore pull``: write one resource's records, as a typed frame, to a Parquet or CSV file."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .account import open_session
from .options import output, session_subparser

__all__ = ["SUFFIXES", "add_to", "run", "write_in_place"]

SUFFIXES = (".parquet", ".csv")
"""The files ``-o`` can write, by suffix."""
_DESCRIPTION = """\
Write the records of one resource, as a typed frame, to a Parquet or CSV file (by the file's
suffix), and print how many there are. --where filters them (ServiceM8 $filter text such as
"status eq 'Quote'", or any system's filter text); the part the API can run is sent to it."""
_EPILOG = """\
examples:
  smexplore pull job -o jobs.parquet
  smexplore pull job --where "status eq 'Work Order'" -o work-orders.csv
  smexplore pull jobactivity --enrich --demo -o activities.parquet      ServiceM8: add staff and job names
  smexplore pull allocations --system ruddr --demo -o allocations.csv
  smexplore pull time_entries --system syncd --account artworks --source store -o entries.parquet
  smexplore pull time-entries --system ruddr --where "date gt '2026-01-31'" -o ruddr-time.csv"""


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``pull`` command to the ``smexplore`` parser."""
    parser = session_subparser(commands, "pull", "write one resource's records to a Parquet or CSV file",
                               _DESCRIPTION, _EPILOG, run)
    parser.add_argument("resource", metavar="RESOURCE", help="the API's name of the resource (job, allocations …)")
    parser.add_argument("--where", default=None, metavar="EXPR", help="filter text, e.g. \"status eq 'Quote'\"")
    parser.add_argument("--enrich", action="store_true",
                        help="ServiceM8: add staff_name, job_number, client_name, category_name")
    parser.add_argument("--source", choices=("api", "store"), default=None,
                        help="read from the API or the local store (default: the store when --offline and it "
                             "holds the resource, else the API)")
    parser.add_argument("-o", "--output", type=output(*SUFFIXES), required=True,
                        metavar="FILE.parquet|FILE.csv", help="the file to write (the suffix chooses the format)")


def write_in_place(path: Path, write: Callable[[Path], None]) -> None:
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


def run(args: argparse.Namespace) -> int:
    """Pull the frame, write it whole (or not at all), print how many records went where."""
    options: dict[str, Any] = {"enrich": True} if args.enrich else {}
    if args.source is not None:
        options["source"] = args.source
    with open_session(args) as session:
        frame = session.frame(args.resource, args.where, **options)
    path: Path = args.output
    if path.suffix.lower() == ".csv":
        write_in_place(path, lambda temporary: frame.to_csv(temporary, index=False))
    else:
        write_in_place(path, lambda temporary: frame.to_parquet(temporary, index=False))
    count = len(frame)
    print(f"{count:,} record{'' if count == 1 else 's'} of {frame.attrs.get('resource', args.resource)} → {path}")
    return 0
