"""Syncs one account's job activities into a store again and again, until killed or sent SIGTERM.

Usage: ``python _store_worker.py BASE_URL API_KEY FOLDER``. Prints ``ready`` once its session is
open; SIGTERM ends it cleanly, between syncs or inside one.
"""

from __future__ import annotations

import signal
import sys

import smexplore as sm


def main() -> None:
    base_url, api_key, folder = sys.argv[1:4]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    session = sm.connect(api_key, base_url=base_url, cache=folder, progress=False, per_minute=1_000_000,
                         per_day=10_000_000)
    print("ready", flush=True)
    while True:
        session.sync(["jobactivity"])


if __name__ == "__main__":
    main()
