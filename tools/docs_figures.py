"""Draw the pictures of the timelines guide (docs/guide/timelines.md) into docs/_static/.

Run it after a change to the plots or to the demo accounts: ``.venv/bin/python tools/docs_figures.py``.
Each picture is drawn by the code the guide shows, on the four systems' small demo accounts (seed 0,
anchored at Monday 2 March 2026), for the week of 23 February 2026: the last whole week before the
demos' today, so it holds recorded time as well as plans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

import smexplore as sm

STATIC = Path(__file__).resolve().parents[1] / "docs" / "_static"
MONDAY, SATURDAY = "2026-02-23", "2026-02-28"


def _busiest(week: pd.DataFrame, count: int = 3) -> list[str]:
    """The ``count`` people with the most hours booked or entered (ties by name)."""
    worked = week[week["kind"].isin(["booking", "time_entry"])]
    hours = worked.groupby("staff")["hours"].sum().astype(float).sort_values(ascending=False, kind="stable")
    return [str(name) for name in hours.index[:count]]


def _save(ax: Any, name: str) -> Path:
    """Save the figure of ``ax`` as ``docs/_static/NAME`` and say where."""
    path = STATIC / name
    ax.figure.savefig(path, dpi=100)
    print(path)
    return path


def main() -> None:
    """Write the four pictures the guide shows."""
    matplotlib.use("Agg")
    STATIC.mkdir(exist_ok=True)
    s = sm.demo(progress=False)
    week = s.timeline_frame(start=MONDAY, end=SATURDAY)
    ax = sm.timeline(week, capacity=s.capacity(MONDAY, SATURDAY))
    ax.set_title("ServiceM8 demo account, week of 23 Feb 2026", loc="left")
    _save(ax, "timeline-servicem8-week.png")

    sessions = [s, sm.ruddr.demo(progress=False), sm.accelo.demo(progress=False), sm.syncd.demo(progress=False)]
    shown, capacities = [], []
    for session in sessions:
        frame = session.timeline_frame(start=MONDAY, end=SATURDAY)
        busiest = _busiest(frame)
        shown.append(frame[(frame["staff"].isin(busiest) | frame["kind"].eq("placeholder")) & (frame["kind"] != "job")])
        capacity = session.capacity(MONDAY, SATURDAY)
        capacities.append(capacity[capacity["staff"].isin(busiest)])
    every, capacity = pd.concat(shown, ignore_index=True), pd.concat(capacities, ignore_index=True)
    every.attrs["now"] = week.attrs.get("now")
    ax = sm.timeline(every, start=MONDAY, end=SATURDAY, color_by="source", capacity=capacity)
    ax.set_title("Four systems' busiest people, week of 23 Feb 2026", loc="left")
    _save(ax, "timeline-four-systems.png")
    ax = sm.plot_load(every, start=MONDAY, end=SATURDAY, capacity=capacity)
    ax.set_title("Load: planned ÷ available hours; free hours at the right", loc="left", fontsize="medium")
    _save(ax, "load-four-systems.png")

    history = s.timeline_frame(start="2026-01-05", end="2026-03-01")
    ax = sm.plot_utilisation(sm.utilisation(history, freq="W", start="2026-01-05", end="2026-03-01"))
    ax.set_title("ServiceM8 demo account: planned utilisation per week", loc="left")
    _save(ax, "utilisation-servicem8.png")


if __name__ == "__main__":
    main()
