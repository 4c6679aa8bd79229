"""``import smexplore`` stays lean: plotting, widgets and the emulator's server load only when used.

Checked in fresh interpreters (this one has loaded everything already); no timing assertions
(``python -m benchmarks import`` measures the time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("matplotlib", "ipywidgets", "anywidget", "werkzeug")


def _loaded_after(code: str) -> dict[str, list[str]]:
    """Run ``code`` in a fresh interpreter; it calls ``loaded(stage)`` to note which ``HEAVY`` modules are in."""
    prelude = (f"import json, sys\nstages = {{}}\n"
               f"def loaded(stage):\n    stages[stage] = [m for m in {HEAVY!r} if m in sys.modules]\n")
    script = prelude + code + "\nprint(json.dumps(stages))\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "MPLBACKEND": "Agg"}, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_import_leaves_plotting_widgets_and_server_out() -> None:
    stages = _loaded_after(
        "import smexplore as sm\nloaded('import')\n"
        "import smexplore.plots\nfrom smexplore import plot_utilisation, timeline\n"
        "assert callable(sm.timeline) and callable(sm.plot_utilisation) and timeline is sm.timeline\n"
        "loaded('plot functions looked up')\n"
    )
    assert stages == {"import": [], "plot functions looked up": []}


def test_pulls_leave_plotting_and_widgets_out_until_a_plot_is_drawn() -> None:
    stages = _loaded_after(
        "import smexplore as sm\n"
        "with sm.demo(progress=False) as s:\n"
        "    week = s.activities(sm.F.start_date >= '2026-03-02', enrich=True)\n"
        "    s.jobs()\n"
        "    loaded('demo and pulls')\n"
        "    sm.timeline(week)\n"
        "    loaded('timeline drawn')\n"
    )
    assert stages["demo and pulls"] == ["werkzeug"]  # demo() runs the emulator, nothing more
    assert "matplotlib" in stages["timeline drawn"] and "ipywidgets" not in stages["timeline drawn"]


def test_the_board_loads_its_widgets_only_when_asked_for() -> None:
    stages = _loaded_after(
        "import smexplore as sm\nloaded('import')\n"
        "board = sm.Board\nloaded('board looked up')\n"
    )
    assert stages["import"] == [] and {"ipywidgets", "anywidget"} <= set(stages["board looked up"])
