"""The emulator: how long each account takes to build, and what serving it over HTTP costs.

Serving is compared with a baseline measured in the same run: serialising the same records to
JSON in-process (the least any server must do). The ratio is the cost of HTTP, filtering and
paging on loopback, and is robust to a noisy machine in a way absolute times are not.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from smexplore.emulator import Emulator, build_account


def _best_of(repeats: int, action) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"build_seconds": {}}
    for scale in ("small", "medium", "large"):
        figures["build_seconds"][scale] = round(_best_of(1, lambda scale=scale: build_account(0, scale)), 2)
    with Emulator(seed=0, scale="large", per_minute=10**6, per_day=10**7) as emu:
        records = emu.account.tables["jobactivity"]
        session = requests.Session()
        session.headers["X-Api-Key"] = emu.api_key
        url = f"{emu.base_url}/jobactivity.json"

        def pull() -> int:
            count, cursor = 0, "-1"
            while cursor:
                response = session.get(url, params={"cursor": cursor}, timeout=120)
                count += len(response.json())
                cursor = response.headers.get("x-next-cursor", "")
            assert count == len(records)
            return count

        def baseline() -> None:
            for start in range(0, len(records), 5000):
                json.loads(json.dumps(records[start : start + 5000], separators=(",", ":")))

        http_seconds = _best_of(3, pull)
        baseline_seconds = _best_of(3, baseline)
        figures["large_jobactivity"] = {
            "records": len(records),
            "pages": -(-len(records) // 5000),
            "http_pull_seconds": round(http_seconds, 3),
            "in_process_json_seconds": round(baseline_seconds, 3),
            "http_over_json_ratio": round(http_seconds / baseline_seconds, 2),
            "records_per_second_over_http": int(len(records) / http_seconds),
        }
    return figures
