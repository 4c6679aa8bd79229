"""``smexplore timeline``: draw a window of one account's timeline, one row per person, to a picture file."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import systems
from ..core.errors import SMExploreError, did_you_mean
from .account import open_session
from .options import first, last, output, session_subparser

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["SUFFIXES", "add_to", "run"]

SUFFIXES = (".png", ".svg", ".pdf")
"""The pictures ``-o`` can write, by suffix."""
_DESCRIPTION = """\
Draw a window of the account's timeline (bookings, recorded time, allocations, tasks: whatever the
system has), one row per person, to a PNG (or SVG, PDF) file. The window is the last 7 days up to
the account's now; --from alone gives the 7 days from it, --to alone the 7 days up to it. A date
alone in --to means through the end of that day. Times are account time (or --timezone's)."""
_EPILOG = """\
examples:
  smexplore timeline -o week.png
  smexplore timeline --from 2026-02-23 --to 2026-02-27 --staff "Zoe Walker" --staff "leo fraser" --demo -o two.png
  smexplore timeline --system accelo --demo -o accelo-week.png"""


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``timeline`` command to the ``smexplore`` parser."""
    parser = session_subparser(commands, "timeline", "draw a window of one account's timeline to a PNG file",
                               _DESCRIPTION, _EPILOG, run)
    parser.add_argument("--from", dest="start", type=first, default=None, metavar="DATE",
                        help="first moment shown (a date, or date and time)")
    parser.add_argument("--to", dest="end", type=last, default=None, metavar="DATE",
                        help="last moment shown (a date alone: through its end)")
    parser.add_argument("--staff", action="append", default=None, metavar="NAME",
                        help="draw only this person (case-insensitive; repeat for more)")
    parser.add_argument("-o", "--output", type=output(*SUFFIXES), required=True,
                        metavar="FILE.png", help="the picture to write (.png, .svg or .pdf)")


def window(start: datetime | None, end: datetime | None, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The timeline's window: the 7 days up to ``now``, from ``start`` or up to ``end``, or between them.

    Given moments are wall time in ``now``'s zone (none: account time)."""
    import pandas as pd

    def stamp(moment: datetime) -> pd.Timestamp:
        value = pd.Timestamp(moment)
        return value if now.tz is None else value.tz_localize(now.tz, ambiguous=True, nonexistent="shift_forward")

    week = pd.Timedelta(days=7)
    if start is None:
        until = now if end is None else stamp(end)
        return until - week, until
    since = stamp(start)
    return since, since + week if end is None else stamp(end)


def only_staff(frame: pd.DataFrame, names: Sequence[str] | None, what: str) -> pd.DataFrame:
    """The rows of the people called ``names`` (case-insensitive; all when ``None``).

    Raises:
        SMExploreError: No one is in the frame, or no one is called one of ``names`` (the message
            suggests the closest name and lists a few).
    """
    staff = frame["staff"].astype("string")
    people = sorted({str(name) for name in staff.dropna().unique()})
    if not people:
        raise SMExploreError(f"nothing to draw: no one has time in {what}")
    if not names:
        return frame
    known = {person.casefold() for person in people}
    for name in names:
        if name.casefold() not in known:
            some = ", ".join(people[:5]) + (f" ({len(people)} in all)" if len(people) > 5 else "")
            raise SMExploreError(f"no one called {name!r} has time in {what}{did_you_mean(name, people)}; "
                                 f"some who do: {some}")
    wanted = {name.casefold() for name in names}
    return frame[staff.str.casefold().isin(wanted).fillna(False).astype(bool).to_numpy()]


def run(args: argparse.Namespace) -> int:
    """Draw the window's people (``--staff``'s only, if given) to ``-o`` and say how many spans went there."""
    import matplotlib

    from ..plots import timeline

    with open_session(args) as session:
        start, end = window(args.start, args.end, session.now)
        frame = session.timeline_frame(start=start, end=end)
        capacity = session.capacity(start, end)
    name = systems.get(args.system).display_name
    what = f"the {name} timeline from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
    frame = only_staff(frame, args.staff, what)
    matplotlib.use("Agg")
    ax = timeline(frame, start=start, end=end, capacity=capacity)
    ax.set_title(f"{name}{' demo' if args.demo else ''}, {start:%d %b %Y} to {end:%d %b %Y}", loc="left")
    path: Path = args.output
    cast("Figure", ax.figure).savefig(path, dpi=110)
    people = frame["staff"].nunique()
    print(f"{len(frame):,} spans of {people} {'person' if people == 1 else 'people'}, {what.removeprefix('the ')} "
          f"→ {path}")
    return 0
