"""``smexplore demo``: every registered system's demo account toured through a Session (each
system's ``tour`` module), then last week of all of them on one timeline and in one load view; the
last line says how to open the schedule board."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import systems
from .options import subparser
from .tour import Demo, Toured, week_of
from .words import listing, number, wrap

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["add_to", "run"]

_EPILOG = """\
examples:
  smexplore demo
  smexplore demo --scale medium --seed 3 --out /tmp/pictures"""


def _description() -> str:
    every = list(systems.SYSTEMS.values())
    tours = " ".join(f"{system.tour_summary}." for system in every)
    return (f"Start the {listing(system.display_name for system in every)} emulators in the background and "
            f"summarise their demo accounts through Sessions. {tours} Then last week of all {number(len(every))} "
            "systems on one timeline and in one load view (a few of each system's busiest people). The pictures "
            "are PNG files in --out.")


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command to the ``smexplore`` parser."""
    parser = subparser(commands, "demo", "summarise the embedded demo accounts", wrap(_description()), _EPILOG)
    parser.add_argument("--out", default="demo-output", help="folder for the pictures (default demo-output)")
    parser.set_defaults(run=run)


def output_folder(path: str) -> Path:
    """The pictures' folder, created and checked first, so that a bad ``--out`` fails before the work."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(error.errno, f"cannot create the output folder {folder}: {error.strerror}") from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(errno.EACCES, f"cannot write to the output folder {folder}")
    return folder


def run(args: argparse.Namespace) -> int:
    """Tour each system in the registry's order, then draw them together; the pictures are listed last."""
    from ..emulation.synth import ANCHOR

    folder = output_folder(args.out)
    demo = Demo(seed=args.seed, scale=args.scale, folder=folder, monday=week_of(ANCHOR), progress=sys.stderr.isatty())
    toured = [system.tour().tour(demo) for system in systems.SYSTEMS.values()]
    pictures = [picture for each in toured for picture in each.pictures]
    names = [system.display_name for system in systems.SYSTEMS.values()]
    pictures += _all_systems_pictures(toured, names, demo.last_monday, folder)
    print(f"\nPictures: {', '.join(str(picture) for picture in pictures)}")
    print("Open the schedule board: smexplore board --demo (or notebooks/09-the-board.ipynb)")
    return 0


def _busiest(week: pd.DataFrame, count: int = 3) -> list[str]:
    """The ``count`` people with the most hours booked or entered in a normalised frame (ties by name)."""
    worked = week[week["kind"].isin(["booking", "time_entry"])]
    hours = worked.groupby("staff")["hours"].sum().astype(float).sort_values(ascending=False, kind="stable")
    return [str(name) for name in hours.index[:count]]


def _all_systems_pictures(weeks: list[Toured], names: list[str], monday: datetime, folder: Path) -> list[Path]:
    """One week of each system's three busiest people (and its unfilled demand): on one ``sm.timeline``
    and in one load view with their free hours, as PNG files.

    Job spans (an Accelo manager's months on a project) are left out: they say who runs a project,
    not when anyone works."""
    import matplotlib
    import pandas as pd

    from ..plots import plot_load, timeline

    matplotlib.use("Agg")
    shown, capacities = [], []
    for week in weeks:
        busiest = _busiest(week.frame)
        frame = week.frame
        shown.append(frame[(frame["staff"].isin(busiest) | frame["kind"].eq("placeholder")) & (frame["kind"] != "job")])
        capacities.append(week.capacity[week.capacity["staff"].isin(busiest)])
    every, capacity = pd.concat(shown, ignore_index=True), pd.concat(capacities, ignore_index=True)
    every.attrs["now"] = weeks[0].frame.attrs.get("now")  # the demos' anchored now (concat keeps no attrs that differ)
    end = monday + timedelta(days=5)
    ax = timeline(every, start=monday, end=end, color_by="source", capacity=capacity)
    ax.set_title(f"{listing(names)}, week of {monday:%d %b %Y}", loc="left")
    pictures = [folder / "all-systems-timeline.png", folder / "all-systems-load.png"]
    cast("Figure", ax.figure).savefig(pictures[0], dpi=110)
    ax = plot_load(every, start=monday, end=end, capacity=capacity)
    ax.set_title(f"Load of the {number(len(names))} systems' busiest people, week of {monday:%d %b %Y} (planned ÷ "
                 "available hours; free hours at the right)", loc="left", fontsize="medium")
    cast("Figure", ax.figure).savefig(pictures[1], dpi=110)
    return pictures
