"""The Session on the ``large`` demo account (≥ 100,000 activities), against naive code in the same run.

- cold: a new Session on an empty cache pulls every activity into a typed frame;
- naive: the same pull with ``requests`` + ``pd.DataFrame(resp.json())`` + ``pd.to_datetime`` per
  timestamp column (the baseline; no cache, no retries, no typing beyond dates);
- cold without cache: the same with ``cache=False`` (shows what the SQLite cache write costs);
- warm: the same Session pulls again (everything in cache);
- warm, new session: a second Session on the same cache folder (nothing in memory);
- requests sent (counted by the client) and the warm pull's peak memory (tracemalloc)
  against the frame's own ``memory_usage(deep=True)``.

The emulator runs in a process of its own (``smexplore emulator``), as a real API would: a server
in the benchmark's own process would compete with the client for the interpreter lock. Times are
the best of ``REPEATS`` runs, cold and naive interleaved so that machine noise hits both.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import requests

import smexplore as sm
from smexplore.emulator import DEMO_API_KEY
from smexplore.servicem8.resources import get_resource

REPEATS = 3
TIMESTAMPS = [f.name for f in get_resource("jobactivity").fields.values() if f.kind == "timestamp"]


@contextlib.contextmanager
def emulator_process(scale: str = "large") -> Iterator[str]:
    """Run ``smexplore emulator`` in a subprocess; yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smexplore.cli", "emulator", "--port", "0", "--scale", scale, "--quiet",
         "--per-minute", "1000000", "--per-day", "10000000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield line.rsplit(" ", 1)[-1].strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


def naive_pull(base_url: str) -> pd.DataFrame:
    """What a analyst would write by hand: page through, build a frame, parse the dates."""
    records: list[dict[str, Any]] = []
    cursor = "-1"
    with requests.Session() as http:
        while cursor:
            response = http.get(f"{base_url}/jobactivity.json", params={"cursor": cursor},
                                headers={"X-Api-Key": DEMO_API_KEY}, timeout=120)
            records.extend(response.json())
            cursor = response.headers.get("x-next-cursor", "")
    frame = pd.DataFrame(records)
    for column in TIMESTAMPS:
        frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _dtype_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many columns of each dtype (naive code leaves flags as '0'/'1' text and uuids with '')."""
    return {str(name): int(count) for name, count in frame.dtypes.astype(str).value_counts().sort_index().items()}


def run() -> dict[str, Any]:
    with emulator_process("large") as base_url, tempfile.TemporaryDirectory() as tmp:
        def connect(folder: str) -> sm.Session:
            return sm.connect(DEMO_API_KEY, base_url=base_url, cache=Path(tmp) / folder, progress=False)

        cold_times, naive_times, no_cache_times, cold_requests = [], [], [], []
        for attempt in range(REPEATS):
            with connect(f"cold{attempt}") as fresh:
                seconds, frame = _timed(lambda: fresh.activities(include_inactive=True))
                cold_times.append(seconds)
                cold_requests.append(fresh.cache_info().misses)
            seconds, naive = _timed(lambda: naive_pull(base_url))
            naive_times.append(seconds)
            with sm.connect(DEMO_API_KEY, base_url=base_url, cache=False, progress=False) as uncached:
                no_cache_times.append(_timed(lambda: uncached.activities(include_inactive=True))[0])
        total = len(frame)
        pages = math.ceil(total / 5000)
        assert total == len(naive) >= 100_000

        with connect("warm") as session:
            session.activities(include_inactive=True)
            sent_cold = session.cache_info().misses
            warm_times = [_timed(lambda: session.activities(include_inactive=True))[0] for _ in range(REPEATS)]
            warm_requests = session.cache_info().misses - sent_cold
            tracemalloc.start()
            warm_frame = session.activities(include_inactive=True)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            frame_bytes = int(warm_frame.memory_usage(deep=True).sum())
        with connect("warm") as other:
            new_session_seconds, _ = _timed(lambda: other.activities(include_inactive=True))
            new_session_requests = other.cache_info().misses

    cold, naive_best, warm = min(cold_times), min(naive_times), min(warm_times)
    return {
        "records": total,
        "page_size": 5000,
        "cold_seconds": round(cold, 3),
        "naive_seconds": round(naive_best, 3),
        "cold_over_naive": round(cold / naive_best, 2),
        "cold_no_cache_seconds": round(min(no_cache_times), 3),
        "cold_no_cache_over_naive": round(min(no_cache_times) / naive_best, 2),
        "warm_seconds": round(warm, 4),
        "cold_over_warm": round(cold / warm, 1),
        "warm_new_session_seconds": round(new_session_seconds, 3),
        "requests_cold": cold_requests,
        "requests_expected_cold": pages,
        "requests_warm": warm_requests,
        "requests_warm_new_session": new_session_requests,
        "warm_peak_bytes": peak,
        "frame_bytes_deep": frame_bytes,
        "warm_peak_over_frame": round(peak / frame_bytes, 2),
        "dtypes_smexplore": _dtype_counts(frame),
        "dtypes_naive": _dtype_counts(naive),
        "checks": {
            "cold_not_slower_than_naive": cold <= naive_best,
            "warm_10x_faster_than_cold": cold / warm >= 10,
            "cold_requests_exact": all(n == pages for n in cold_requests),
            "warm_requests_zero": warm_requests == 0,
            "warm_peak_within_3x_frame": peak <= 3 * frame_bytes,
        },
    }
