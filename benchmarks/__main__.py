"""Run every benchmark module and write the figures to ``benchmarks/results/``.

Usage: ``python -m benchmarks [NAME ...]`` (default: all). Each benchmark writes
``benchmarks/results/NAME.json``; the documentation's performance page (docs/performance.md) quotes them.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = ["import", "emulator", "session", "timeline", "filters", "ruddr", "accelo", "store", "window", "board", "link"]
RESULTS = Path(__file__).resolve().parent / "results"


def main(names: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        figures = module.run()
        figures["_machine"] = {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {json.dumps(figures, indent=2)}\n-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
