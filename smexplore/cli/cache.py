"""``smexplore cache info|clear``: show or empty one account's HTTP cache (the store is left as it is)."""

from __future__ import annotations

import argparse

from .account import open_session
from .options import session_subparser

__all__ = ["add_to", "run"]

_DESCRIPTION = """\
info: where the account's HTTP cache file is, its size and the answers it holds, and where the
local store is. clear: forget every cached answer (the store is left as it is)."""
_EPILOG = """\
examples:
  smexplore cache info
  smexplore cache clear --system ruddr
  smexplore cache info --demo --cache /tmp/smx"""


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``cache`` command to the ``smexplore`` parser."""
    parser = session_subparser(commands, "cache", "show or clear one account's HTTP cache", _DESCRIPTION, _EPILOG,
                               run)
    parser.add_argument("action", choices=("info", "clear"), help="info: show the cache; clear: empty it")


def run(args: argparse.Namespace) -> int:
    """Print the cache's and the store's paths and sizes, or clear the cache and say what went."""
    with open_session(args) as session:
        info = session.cache_info()
        if args.action == "clear":
            session.clear_cache()
            print(f"cleared {info.responses:,} answers ({info.size_bytes / 1e6:.1f} MB) from {info.path}")
            return 0
        rows = {"cache": info.path or "(none)", "size": f"{info.size_bytes / 1e6:.1f} MB",
                "answers": f"{info.responses:,}", "store": info.store_path or "(none)"}
    print("\n".join(f"{name}: {value}" for name, value in rows.items()))
    return 0
