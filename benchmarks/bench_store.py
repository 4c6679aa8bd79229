"""The local store (``Session.sync``) on the ``medium`` and ``large`` demo accounts, against baselines
measured in the same run.

- first sync of every job activity against the naive requests + pandas pull of them
  (``bench_session.naive_pull``), interleaved, best of ``REPEATS``;
- re-sync after 1% of the job activities, jobs and allocations changed (updates through the API):
  requests sent and seconds, against syncing the same resources into an empty store (pulling
  everything again);
- in a new process each time (a new kernel): reading every activity from the store, and
  repeating a pull the cache has seen (the typed frame kept beside the cache), against today's
  warm pull in a new process (every cached page parsed again: the kept frames switched off).

The emulator runs in a process of its own (``smexplore emulator``), as a real API would.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import smexplore as sm
from benchmarks.bench_session import emulator_process, naive_pull
from smexplore.emulator import DEMO_API_KEY

REPEATS = 3
CHANGED_SHARE = 0.01
SYNCED = ["jobactivity", "job", "joballocation", "staff", "company", "category", "allocationwindow", "queue"]
CHANGED = ["jobactivity", "job", "joballocation"]
_CHANGES: dict[str, Callable[[random.Random], dict[str, str]]] = {  # resource → the fields one update changes
    "jobactivity": lambda rng: {"end_date": f"2026-03-09 {rng.randint(10, 23)}:00:00"},
    "job": lambda rng: {"job_description": f"changed {rng.random():.6f}"},
    "joballocation": lambda rng: {"allocation_date": f"2026-03-{rng.randint(10, 28)}"},
}
UNLIMITED = {"per_minute": 10_000_000, "per_day": 100_000_000}

# Run in a new interpreter: times one pull of every activity (imports and connecting excluded).
_PROBE = """
import sys, time
import smexplore as sm
base_url, key, folder, how = sys.argv[1:5]
session = sm.connect(key, base_url=base_url, cache=folder, progress=False, per_minute=10_000_000, per_day=100_000_000)
if how == "parse":
    session._frames = None  # today's behaviour: no typed frames kept beside the cache
started = time.perf_counter()
frame = session.activities(include_inactive=True, source="store" if how == "store" else "api")
print(time.perf_counter() - started, len(frame), session.cache_info().misses)
"""


def _connect(base_url: str, folder: Path, **options: Any) -> sm.Session:
    return sm.connect(DEMO_API_KEY, base_url=base_url, cache=folder, progress=False, **UNLIMITED, **options)


def _probe(base_url: str, folder: Path, how: str) -> tuple[float, int, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, base_url, DEMO_API_KEY, str(folder), how],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def _change_some(base_url: str, seed: int) -> dict[str, int]:
    """Update 1% of the records of each of ``CHANGED`` through the API; how many of each."""
    rng = random.Random(seed)
    changed = {}
    with sm.connect(DEMO_API_KEY, base_url=base_url, cache=False, progress=False, writable=True,
                    **UNLIMITED) as writer:
        for resource in CHANGED:
            uuids = writer.frame(resource)["uuid"].tolist()
            picked = rng.sample(uuids, max(1, round(len(uuids) * CHANGED_SHARE)))
            for uuid in picked:
                writer.update(resource, uuid, **_CHANGES[resource](rng))
            changed[resource] = len(picked)
    return changed


def _scale(scale: str) -> dict[str, Any]:
    with emulator_process(scale) as base_url, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # First sync of the activities against naive code, interleaved.
        first, naive = [], []
        for attempt in range(REPEATS):
            with _connect(base_url, root / f"first{attempt}") as session:
                started = time.perf_counter()
                session.sync(["jobactivity"])
                first.append(time.perf_counter() - started)
            started = time.perf_counter()
            records = len(naive_pull(base_url))
            naive.append(time.perf_counter() - started)

        # A full sync, 1% changed, a re-sync; against syncing everything into an empty store.
        with _connect(base_url, root / "main") as session:
            full_started = time.perf_counter()
            session.sync(SYNCED)
            full_sync = time.perf_counter() - full_started
            changed = _change_some(base_url, seed=len(scale))
            resync_started = time.perf_counter()
            summary = session.sync(SYNCED)
            resync = time.perf_counter() - resync_started
        with _connect(base_url, root / "again") as session:
            again_started = time.perf_counter()
            session.sync(SYNCED)
            full_again = time.perf_counter() - again_started

        # New processes: the store, the kept frame, and today's parse of every cached page.
        with _connect(base_url, root / "main") as session:
            session.activities(include_inactive=True)  # cached pages, and the typed frame kept beside them
        store = [_probe(base_url, root / "main", "store") for _ in range(REPEATS)]
        kept = [_probe(base_url, root / "main", "kept") for _ in range(REPEATS)]
        parsed = [_probe(base_url, root / "main", "parse") for _ in range(REPEATS)]

    rows = summary.set_index("resource")
    best = {name: min(t for t, _, _ in runs) for name, runs in
            (("store", store), ("kept", kept), ("parse", parsed))}
    return {
        "activities": records,
        "first_sync_seconds": round(min(first), 3),
        "naive_seconds": round(min(naive), 3),
        "first_sync_over_naive": round(min(first) / min(naive), 2),
        "changed": changed,
        "resync": {name: {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                   for name, row in rows.to_dict("index").items()},
        "full_sync_seconds": round(full_sync, 3),
        "full_sync_again_seconds": round(full_again, 3),
        "resync_seconds": round(resync, 3),
        "full_over_resync": round(min(full_sync, full_again) / resync, 1),
        "new_process_store_read_seconds": round(best["store"], 4),
        "new_process_kept_frame_seconds": round(best["kept"], 4),
        "new_process_parse_seconds": round(best["parse"], 3),
        "parse_over_store_read": round(best["parse"] / best["store"], 1),
        "parse_over_kept_frame": round(best["parse"] / best["kept"], 1),
        "requests_new_process": {"store": [n for _, _, n in store], "kept": [n for _, _, n in kept],
                                 "parse": [n for _, _, n in parsed]},
        "checks": {
            "first_sync_not_slower_than_naive": min(first) <= min(naive),
            "resync_one_request_per_resource": bool((rows["requests"] == 1).all()),
            "resync_counts_the_changes": all(int(rows.loc[r, "changed"]) >= n for r, n in changed.items()),
            "resync_20x_faster_than_full": min(full_sync, full_again) / resync >= 20,
            "store_read_10x_faster_than_parse": best["parse"] / best["store"] >= 10,
            "kept_frame_10x_faster_than_parse": best["parse"] / best["kept"] >= 10,
            "store_read_sends_nothing": all(n == 0 for _, _, n in store),
        },
    }


def run() -> dict[str, Any]:
    return {scale: _scale(scale) for scale in ("medium", "large")}
