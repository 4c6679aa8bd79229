"""Figures tested as figures: each picture compared, pixel by pixel, with a committed baseline.

The pictures are those a user sees first: each system's demo week as a timeline, the four systems
in one week, the load view and the utilisation heatmap. A test fails when the picture differs from
its baseline beyond a small tolerance (``matplotlib.testing.compare``); the picture drawn and the
difference are kept in ``test-artifacts/figures/`` to look at. After a change made on purpose, look
at the new pictures, then write them as the baselines with ``SMEXPLORE_WRITE_BASELINES=1``.

Not part of the floor run: text and antialiasing change between matplotlib releases, and the
baselines are drawn with the versions ``make test`` installs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images

import smexplore as sm

BASELINES = Path(__file__).with_name("baseline")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "figures"
TOLERANCE = 2.0  # RMS of the pixel difference (0–255)
SYSTEMS = {"servicem8": sm.demo, "ruddr": sm.ruddr.demo, "accelo": sm.accelo.demo, "syncd": sm.syncd.demo}


def _week(session: sm.Session) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The demo account's last whole week, Monday to Monday."""
    now = session.now.tz_localize(None) if session.now.tzinfo is not None else session.now
    monday = (now - pd.Timedelta(days=now.day_of_week + 7)).normalize()
    return monday, monday + pd.Timedelta(days=7)


@pytest.fixture(scope="module")
def weeks() -> Iterator[dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp, pd.Timestamp]]]:
    """Each system's demo week: its timeline frame, its capacity, and the week's bounds."""
    found = {}
    sessions = []
    for name, demo in SYSTEMS.items():
        session = demo(progress=False)
        sessions.append(session)
        start, end = _week(session)
        found[name] = (session.timeline_frame(start=start, end=end), session.capacity(start, end), start, end)
    yield found
    for session in sessions:
        session.close()


def _check(name: str, draw: Callable[[], plt.Axes]) -> None:
    plt.rcParams.update({"figure.dpi": 72, "savefig.dpi": 72})
    ax = draw()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    actual = ARTIFACTS / f"{name}.png"
    ax.figure.savefig(actual)
    plt.close("all")
    baseline = BASELINES / f"{name}.png"
    if os.environ.get("SMEXPLORE_WRITE_BASELINES") == "1":
        shutil.copyfile(actual, baseline)
    assert baseline.exists(), f"no baseline for {name}: look at {actual}, then write it (SMEXPLORE_WRITE_BASELINES=1)"
    difference = compare_images(str(baseline), str(actual), tol=TOLERANCE)
    assert difference is None, difference


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_each_systems_demo_week_as_a_timeline(weeks, system: str) -> None:
    frame, capacity, start, end = weeks[system]
    _check(f"timeline-{system}", lambda: sm.timeline(frame, start=start, end=end, capacity=capacity))


def _mixed(weeks) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """The four weeks on ServiceM8's dates (each system's demo clock is its own), a few people each."""
    _, _, start, end = weeks["servicem8"]
    frames, capacities = [], []
    for frame, capacity, first, _ in weeks.values():
        shift = start - first
        people = list(dict.fromkeys(frame.loc[frame["kind"] != "placeholder", "staff_id"].dropna()))[:3]
        keep = frame["staff_id"].isin(people) | frame["kind"].eq("placeholder")
        frames.append(frame[keep].assign(start=frame["start"] + shift, end=frame["end"] + shift))
        capacities.append(capacity[capacity["staff_id"].isin(people)].assign(day=capacity["day"] + shift))
    return pd.concat(frames, ignore_index=True), pd.concat(capacities, ignore_index=True), start, end


def test_the_four_systems_in_one_week(weeks) -> None:
    frame, capacity, start, end = _mixed(weeks)
    _check("timeline-four-systems", lambda: sm.timeline(frame, start=start, end=end, capacity=capacity,
                                                        show_today=False))


def test_the_load_view_of_the_four_systems(weeks) -> None:
    frame, capacity, start, end = _mixed(weeks)
    _check("load-four-systems", lambda: sm.plot_load(frame, start=start, end=end, capacity=capacity))


def test_the_utilisation_heatmap(weeks) -> None:
    frame, capacity, start, end = _mixed(weeks)
    table = sm.utilisation(frame, freq="D", start=start, end=end, capacity=capacity)
    _check("utilisation-four-systems", lambda: sm.plot_utilisation(table))
