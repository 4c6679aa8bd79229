"""``smexplore sync``: bring the local Parquet store of one account up to date, and print what changed."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, cast

from ..core.errors import SyncRefusedError
from .account import open_session
from .options import session_subparser

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_to", "run"]

_DESCRIPTION = """\
Bring the local Parquet store of one account up to date: each resource's new, changed and
deactivated records are pulled and written beside the ones already there. Prints one line per
resource (new, changed, deactivated, requests, seconds) to stdout."""
_EPILOG = """\
examples:
  smexplore sync                                   every resource the system's default sync covers
  smexplore sync --resources job jobactivity --store ~/smexplore-store
  smexplore sync --system ruddr --demo --cache /tmp/smx
  smexplore pull job --source store --offline -o jobs.parquet   then read the store, no network"""


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``sync`` command to the ``smexplore`` parser."""
    parser = session_subparser(commands, "sync", "bring the local Parquet store of one account up to date",
                               _DESCRIPTION, _EPILOG, run)
    parser.add_argument("--resources", nargs="+", default=None, metavar="RESOURCE",
                        help="the resources to sync (default: the system's own default: every ServiceM8 resource with "
                             "edit_date; the convenience methods' resources elsewhere)")
    parser.add_argument("--full", action="store_true",
                        help="pull every record again and reconcile (records gone from the account leave the "
                             "store); without it, a sync is full by itself when the last full one is over 7 days old")
    parser.add_argument("--force", action="store_true",
                        help="store a full pull's answer even when it would empty a resource or halve it (refused "
                             "otherwise: an empty answer is more often a lost permission than an emptied account)")


def run(args: argparse.Namespace) -> int:
    """Sync, then print the summary (what was synced is printed too when a resource is refused)."""
    with open_session(args) as session:
        try:
            summary = session.sync(args.resources, full=True if args.full else None, force=args.force)
        except SyncRefusedError as refused:
            if refused.summary is not None:  # what was synced, and what was refused
                print(cast("pd.DataFrame", refused.summary).to_string(index=False, float_format="{:.2f}".format))
            raise
    print(summary.to_string(index=False, float_format="{:.2f}".format))
    return 0
