"""What ``import smexplore`` costs, against the dependencies every pull needs, measured in the same run.

- smexplore: ``python -c "import smexplore"`` in a fresh interpreter;
- baseline: ``python -c "import pandas, requests_cache"`` (what any pull loads anyway);
- the heavy optional modules (matplotlib, ipywidgets, werkzeug, IPython) left loaded by the import.

Times are the median wall time of ``REPEATS`` fresh subprocesses each, the two interleaved so that
machine noise hits both, after one untimed run of each (to write the bytecode caches).
``python -m benchmarks.bench_import [SOURCE]`` measures the tree at ``SOURCE`` instead (e.g. a
worktree of an older commit, for a before/after figure) and prints the figures without saving them.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPEATS = 9
ROOT = Path(__file__).resolve().parents[1]
SMEXPLORE = "import smexplore"
BASELINE = "import pandas, requests_cache"
HEAVY = ("matplotlib", "ipywidgets", "werkzeug", "IPython")


def _wall_time(code: str, source: Path) -> float:
    """Seconds ``python -c code`` takes in a fresh interpreter started in ``source`` (first on sys.path)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=source, check=True)
    return time.perf_counter() - started


def _loaded(source: Path) -> list[str]:
    """The ``HEAVY`` modules that ``import smexplore`` leaves in ``sys.modules``."""
    code = f"import sys, smexplore; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=source, check=True, capture_output=True, text=True)
    return [name for name in out.stdout.strip().split(",") if name]


def measure(source: Path = ROOT) -> dict[str, Any]:
    """Import times of smexplore (as found in ``source``) and of the baseline, and what the import loads."""
    for code in (SMEXPLORE, BASELINE):
        _wall_time(code, source)
    ours, baseline = [], []
    for _ in range(REPEATS):
        ours.append(_wall_time(SMEXPLORE, source))
        baseline.append(_wall_time(BASELINE, source))
    smexplore_s, baseline_s = statistics.median(ours), statistics.median(baseline)
    heavy = _loaded(source)
    return {
        "source": str(source),
        "runs": REPEATS,
        "import_smexplore_seconds": round(smexplore_s, 3),
        "import_baseline_seconds": round(baseline_s, 3),
        "baseline": BASELINE,
        "smexplore_over_baseline": round(smexplore_s / baseline_s, 2),
        "smexplore_minus_baseline_seconds": round(smexplore_s - baseline_s, 3),
        "heavy_modules_loaded": heavy,
        "checks": {
            "no_plotting_widgets_or_server_loaded": not heavy,
            "within_1_3x_baseline": smexplore_s <= 1.3 * baseline_s,
        },
    }


def run() -> dict[str, Any]:
    return measure(ROOT)


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT), indent=2))
