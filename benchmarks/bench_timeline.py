"""Timelines and double-bookings at scale, each against a baseline measured in the same run.

- render: 10,000 bookings over 50 staff drawn to PNG by ``sm.timeline`` (one collection per row)
  and by a naive loop of one ``ax.barh`` per booking;
- overlaps: ``sm.overlaps`` on every activity of the ``large`` demo account (≥ 100,000), against
  the time it takes just to sort the same spans (the floor of any sort-and-sweep).
"""

from __future__ import annotations

import io
import time
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import smexplore as sm
from smexplore.core.frames import to_frame
from smexplore.emulator import build_account
from smexplore.servicem8.resources import get_resource

REPEATS = 3


def bookings(count: int = 10_000, staff: int = 50, seed: int = 0) -> pd.DataFrame:
    """``count`` bookings of 1-4 h on working days of one quarter, over ``staff`` people."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2026-01-05", "2026-03-27")
    start = (days[rng.integers(0, len(days), count)] + pd.to_timedelta(rng.integers(7 * 4, 16 * 4, count) * 15,
                                                                        unit="min"))
    return pd.DataFrame({
        "staff": [f"Staff member {i:02d}" for i in rng.integers(0, staff, count)],
        "start": start, "end": start + pd.to_timedelta(rng.integers(4, 17, count) * 15, unit="min"),
        "category": rng.choice(["Plumbing", "Electrical", "HVAC", "Gas Fitting", "Drainage"], count),
    })


def naive_render(frame: pd.DataFrame) -> bytes:
    fig, ax = plt.subplots(figsize=(12, 20))
    rows = {name: i for i, name in enumerate(sorted(frame["staff"].unique()))}
    colours = dict(zip(sorted(frame["category"].unique()), plt.get_cmap("tab10").colors))
    for row in frame.itertuples():
        ax.barh(rows[row.staff], (row.end - row.start) / pd.Timedelta(days=1), left=matplotlib.dates.date2num(row.start),
                color=colours[row.category])
    ax.xaxis_date()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


def smexplore_render(frame: pd.DataFrame) -> bytes:
    ax = sm.timeline(frame, show_today=False)
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=80)
    plt.close(ax.figure)
    return buffer.getvalue()


def _best(action: Any) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def run() -> dict[str, Any]:
    frame = bookings()
    ours = _best(lambda: smexplore_render(frame))
    naive = _best(lambda: naive_render(frame))
    activities = to_frame(build_account(0, "large").tables["jobactivity"], get_resource("jobactivity"))
    sweep = _best(lambda: sm.overlaps(activities))
    floor = _best(lambda: activities.sort_values(["staff_uuid", "start_date"]))
    found = sm.overlaps(activities)
    return {
        "render_bookings": len(frame),
        "render_staff": int(frame["staff"].nunique()),
        "render_seconds": round(ours, 3),
        "naive_barh_seconds": round(naive, 3),
        "naive_over_smexplore": round(naive / ours, 1),
        "overlaps_activities": len(activities),
        "overlaps_found": len(found),
        "overlaps_seconds": round(sweep, 3),
        "sort_only_seconds": round(floor, 3),
        "checks": {"render_5x_faster_than_naive": naive / ours >= 5, "overlaps_under_a_second": sweep < 1.0},
    }
