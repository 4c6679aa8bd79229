"""The local store (``Session.sync``) on the ``medium`` and ``large`` demo accounts, against baselines
measured in the same run.

- first sync of every job activity against the naive requests + pandas pull of them
  (``bench_session.naive_pull``), interleaved, best of ``REPEATS``;
- a re-sync with no change since a full sync, in its Session and in new ones: requests sent (one per
  resource) and seconds;
- a re-sync after 1% of the job activities, jobs and allocations changed (updates through the API),
  under two models of what changes: ``recent`` (the headline: 1% of the records, picked among those
  whose main date is within ``RECENT`` of the account's today, as real accounts edit recent work)
  and ``uniform`` (1% picked among every record). Each re-sync runs on the store as the full sync
  left it (put back between runs), ``REPEATS`` times in the Session that did the full sync (it knows
  the parts' keys) and ``REPEATS`` times in new Sessions (they read the parts' keys first, as
  ``smexplore sync`` in a new process does), best of each. Against syncing the same resources into
  an empty store (best of the full syncs of the run), and the large account's re-sync against the
  medium one's; with the parts each re-sync rewrote;
- in a new process each time (a new kernel): reading every activity from the store, and
  repeating a pull the cache has seen (the typed frame kept beside the cache), against today's
  warm pull in a new process (every cached page parsed again: the kept frames switched off).

The emulator runs in a process of its own (``smexplore emulator``), as a real API would: one per
change model, so that each model's re-sync pulls only its own changes.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

import smexplore as sm
from benchmarks.bench_session import emulator_process, naive_pull
from smexplore.emulation.synth import ANCHOR
from smexplore.emulator import DEMO_API_KEY

REPEATS = 3
CHANGED_SHARE = 0.01
RECENT = timedelta(weeks=8)
SYNCED = ["jobactivity", "job", "joballocation", "staff", "company", "category", "allocationwindow", "queue"]
CHANGED = ["jobactivity", "job", "joballocation"]
MAIN_DATES = {"jobactivity": "start_date", "job": "date", "joballocation": "allocation_date"}
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


def _change_some(base_url: str, seed: int, model: str = "uniform", today: datetime = ANCHOR) -> dict[str, int]:
    """Update 1% of the records of each of ``CHANGED`` through the API; how many of each.

    ``model``: ``"uniform"`` picks them among every record, ``"recent"`` among those whose main
    date is within ``RECENT`` of ``today`` (the account's).
    """
    rng = random.Random(seed)
    changed = {}
    with sm.connect(DEMO_API_KEY, base_url=base_url, cache=False, progress=False, writable=True,
                    **UNLIMITED) as writer:
        for resource in CHANGED:
            frame = writer.frame(resource)
            count = max(1, round(len(frame) * CHANGED_SHARE))
            if model == "recent":
                near = (frame[MAIN_DATES[resource]] - pd.Timestamp(today)).abs() <= RECENT
                frame = frame[near.fillna(False).astype(bool)]
            picked = rng.sample(sorted(frame["uuid"]), min(count, len(frame)))
            for uuid in picked:
                writer.update(resource, uuid, **_CHANGES[resource](rng))
            changed[resource] = len(picked)
    return changed


def _parts(store: Path) -> dict[Path, int]:
    """Every part file of the store, and its inode (a part rewritten is a new file)."""
    return {path: path.stat().st_ino for path in store.rglob("*.parquet")}


def _rewritten(before: dict[Path, int], after: dict[Path, int]) -> dict[str, str]:
    """Per resource: the parts a sync rewrote (or added), of how many."""
    said = {}
    for resource in sorted({path.parents[2].name for path in after}):
        mine = [path for path in after if path.parents[2].name == resource]
        new = [path for path in mine if before.get(path) != after[path]]
        said[resource] = f"{len(new)} of {len(mine)}"
    return said


def _timed_sync(session: sm.Session) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    summary = session.sync(SYNCED)
    return time.perf_counter() - started, summary


def _restore(kept: Path, store: Path) -> None:
    """Put the store back as ``kept`` holds it: hard links, so each file is the same file again (a
    Session that read it still knows it, as it would had nothing been written since)."""
    shutil.rmtree(store)
    shutil.copytree(kept, store, copy_function=os.link)


def _resyncs(base_url: str, root: Path, name: str, model: str, seed: int) -> dict[str, Any]:
    """Full sync, ``model``'s changes, and re-syncs of the store as the full sync left it: ``REPEATS``
    times in the Session that did the full sync (it knows the parts' keys), and ``REPEATS`` times in
    new Sessions (they read the parts' keys first, as ``smexplore sync`` in a new process does)."""
    folder = root / name
    kept = root / f"{name}-kept"
    with _connect(base_url, folder) as session:
        full, _ = _timed_sync(session)
        shutil.copytree(folder / "store", kept, copy_function=os.link)
        changed = _change_some(base_url, seed, model)
        before = _parts(folder / "store")
        same, cold, summaries = [], [], []
        for _ in range(REPEATS):
            _restore(kept, folder / "store")
            took, summary = _timed_sync(session)
            same.append(took)
            summaries.append(summary)
        rewritten = _rewritten(before, _parts(folder / "store"))
    for _ in range(REPEATS):
        _restore(kept, folder / "store")
        with _connect(base_url, folder) as session:
            took, summary = _timed_sync(session)
            cold.append(took)
            summaries.append(summary)
    counts = ["new", "changed", "deactivated"]
    assert all(other[counts].equals(summaries[0][counts]) for other in summaries)
    rows = summaries[0].set_index("resource")
    return {
        "full_sync_seconds": round(full, 3),
        "changed": changed,
        "resync_seconds": round(min(same), 3),
        "resync_seconds_each": [round(s, 3) for s in same],
        "resync_new_session_seconds": round(min(cold), 3),
        "resync_new_session_seconds_each": [round(s, 3) for s in cold],
        "parts_rewritten": rewritten,
        "resync": {resource: {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                   for resource, row in rows.to_dict("index").items()},
        "_full": full,
        "_checks": {
            "one_request_per_resource": bool((rows["requests"] == 1).all()),
            "counts_the_changes": all(int(rows.loc[r, "changed"]) >= n for r, n in changed.items()),
        },
    }


def _scale(scale: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with emulator_process(scale) as base_url:
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

            # A re-sync with nothing changed since a full sync: in its Session, and in new ones.
            with _connect(base_url, root / "quiet") as session:
                quiet_full, _ = _timed_sync(session)
                quiet = [_timed_sync(session) for _ in range(REPEATS)]
            quiet_cold = []
            for _ in range(REPEATS):
                with _connect(base_url, root / "quiet") as session:
                    quiet_cold.append(_timed_sync(session))
            quiet_rows = pd.concat([summary for _, summary in quiet + quiet_cold]).set_index("resource")

            # The headline: recent work changed.
            recent = _resyncs(base_url, root, "recent", "recent", seed=len(scale))

            # New processes: the store, the kept frame, and today's parse of every cached page.
            with _connect(base_url, root / "recent") as session:
                session.activities(include_inactive=True)  # cached pages, and the typed frame kept beside them
            store = [_probe(base_url, root / "recent", "store") for _ in range(REPEATS)]
            kept = [_probe(base_url, root / "recent", "kept") for _ in range(REPEATS)]
            parsed = [_probe(base_url, root / "recent", "parse") for _ in range(REPEATS)]

        with emulator_process(scale) as base_url:  # the account as it was: uniform changes only
            uniform = _resyncs(base_url, root, "uniform", "uniform", seed=len(scale))

    full = min(quiet_full, recent.pop("_full"), uniform.pop("_full"))
    for model in (recent, uniform):
        model["resync_over_full"] = round(model["resync_seconds"] / full, 3)
        model["full_over_resync"] = round(full / model["resync_seconds"], 1)
        model["new_session_resync_over_full"] = round(model["resync_new_session_seconds"] / full, 3)
    best = {name: min(t for t, _, _ in runs) for name, runs in
            (("store", store), ("kept", kept), ("parse", parsed))}
    return {
        "activities": records,
        "first_sync_seconds": round(min(first), 3),
        "naive_seconds": round(min(naive), 3),
        "first_sync_over_naive": round(min(first) / min(naive), 2),
        "full_sync_seconds": round(full, 3),
        "quiet_resync_seconds": round(min(took for took, _ in quiet), 3),
        "quiet_resync_new_session_seconds": round(min(took for took, _ in quiet_cold), 3),
        "quiet_resync_requests": {r: int(n) for r, n in quiet_rows["requests"].groupby(level=0, sort=False).max().items()},
        "recent": recent,
        "uniform": uniform,
        "new_process_store_read_seconds": round(best["store"], 4),
        "new_process_kept_frame_seconds": round(best["kept"], 4),
        "new_process_parse_seconds": round(best["parse"], 3),
        "parse_over_store_read": round(best["parse"] / best["store"], 1),
        "parse_over_kept_frame": round(best["parse"] / best["kept"], 1),
        "requests_new_process": {"store": [n for _, _, n in store], "kept": [n for _, _, n in kept],
                                 "parse": [n for _, _, n in parsed]},
        "checks": {
            "first_sync_not_slower_than_naive": min(first) <= min(naive),
            "quiet_resync_one_request_per_resource": bool((quiet_rows["requests"] == 1).all())
            and not quiet_rows[["new", "changed", "deactivated"]].to_numpy().any(),
            **{f"{name}_{check}": ok for name, model in (("recent", recent), ("uniform", uniform))
               for check, ok in model.pop("_checks").items()},
            "recent_resync_20x_faster_than_full": recent["resync_over_full"] <= 1 / 20,
            "store_read_10x_faster_than_parse": best["parse"] / best["store"] >= 10,
            "kept_frame_10x_faster_than_parse": best["parse"] / best["kept"] >= 10,
            "store_read_sends_nothing": all(n == 0 for _, _, n in store),
        },
    }


def run() -> dict[str, Any]:
    figures = {scale: _scale(scale) for scale in ("medium", "large")}
    medium, large = figures["medium"], figures["large"]
    figures["large_over_medium"] = {
        "recent_resync": round(large["recent"]["resync_seconds"] / medium["recent"]["resync_seconds"], 2),
        "recent_resync_new_session": round(large["recent"]["resync_new_session_seconds"]
                                           / medium["recent"]["resync_new_session_seconds"], 2),
        "uniform_resync": round(large["uniform"]["resync_seconds"] / medium["uniform"]["resync_seconds"], 2),
        "quiet_resync": round(large["quiet_resync_seconds"] / medium["quiet_resync_seconds"], 2),
        "records": round(large["activities"] / medium["activities"], 2),
    }
    figures["large_over_medium"]["recent_resync_flat"] = figures["large_over_medium"]["recent_resync"] <= 1.1
    return figures
