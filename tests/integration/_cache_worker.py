"""A second Python process for the cache hardening tests (tests/integration/test_hardening_session.py).

Run as ``python -m tests.integration._cache_worker COMMAND JSON`` from the repository root. It talks
HTTP to an emulator that the test process runs, through a real requests-cache SQLite cache, and
prints one JSON object on its last line of output. Every failure is reported, never raised: the
test decides.

Commands:
    pull-loop     Pull ``staff`` and ``category`` over and over from a cache folder until the file
                  ``stop`` exists; prints ``ready`` after the first pull, touches ``failed`` at
                  the first failure.
    read-only     Read a cache folder the test made read-only: offline, then online.
    threads-clear One thread pulls over and over while another calls ``clear_cache()`` as each
                  pull starts, ``clears`` times (stopping at the first failure), through the same
                  Session (``same``) or a second Session on the folder.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import smexplore as sm


def _connect(args: dict[str, Any], **options: Any) -> sm.Session:
    return sm.connect(args["api_key"], base_url=args["base_url"], progress=False, **options)


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__name__}: {exc}"


def pull_loop(args: dict[str, Any]) -> dict[str, Any]:
    stop, failed = Path(args["stop"]), Path(args["failed"])
    pulls, errors = 0, []
    with _connect(args, cache=args["folder"]) as session:
        announced = False
        while not stop.exists() or not announced:
            for method in (session.staff, session.categories):
                try:
                    frame = method()
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    errors.append(_failure(exc))
                else:
                    pulls += 1
                    if len(frame) == 0:
                        errors.append(f"{method.__name__}() returned an empty frame")
                if errors:
                    failed.touch()  # the test need not go on
            if not announced:
                print("ready", flush=True)
                announced = True
    return {"pulls": pulls, "errors": errors[:20], "error_count": len(errors)}


def read_only(args: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for mode, options in (("offline", {"offline": True}), ("online", {})):
        try:
            with _connect(args, cache=args["folder"], **options) as session:
                result[mode] = {name: sorted(session.frame(name)["uuid"]) for name in args[mode]}
        except Exception:  # noqa: BLE001 - reported to the test
            result[mode] = {"error": traceback.format_exc(limit=6)}
    return result


def threads_clear(args: dict[str, Any]) -> dict[str, Any]:
    puller = _connect(args, cache=args["folder"])
    clearer = puller if args["same"] else _connect(args, cache=args["folder"])
    puller.staff()
    errors: list[str] = []
    stop, pulling = threading.Event(), threading.Event()
    pulls = 0

    def pull() -> None:
        nonlocal pulls
        while not stop.is_set():
            for method in (puller.staff, puller.categories):
                pulling.set()  # the clearer goes now: the clear overlaps this pull
                try:
                    method()
                    pulls += 1
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    errors.append("pull: " + _failure(exc))

    thread = threading.Thread(target=pull, daemon=True)
    thread.start()
    clears = 0
    while clears < args["clears"] and not errors and thread.is_alive():  # one failure is enough
        if not pulling.wait(30):
            break
        pulling.clear()
        try:
            clearer.clear_cache()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append("clear_cache: " + _failure(exc))
        clears += 1
    stop.set()
    thread.join(60)
    return {"pulls": pulls, "clears": clears, "errors": errors[:20], "error_count": len(errors),
            "hung": thread.is_alive()}


COMMANDS = {"pull-loop": pull_loop, "read-only": read_only, "threads-clear": threads_clear}

if __name__ == "__main__":
    command, raw = sys.argv[1], sys.argv[2]
    print(json.dumps(COMMANDS[command](json.loads(raw))), flush=True)
