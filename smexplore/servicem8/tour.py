"""ServiceM8 in ``smexplore demo``: jobs by status, this week's bookings per staff member,
double-bookings, this week's timeline and the last quarter's utilisation as pictures."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..cli.tour import Demo, Toured, show_free_week

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .session import Session

__all__ = ["tour"]


def tour(demo: Demo) -> Toured:
    """Print the demo account's summary and draw its two pictures; last week's timeline comes back."""
    from ..core.filters.expr import F
    from ..core.spans import overlaps
    from .session import demo as open_demo

    monday, saturday = demo.monday, demo.monday + timedelta(days=5)
    with open_demo(seed=demo.seed, scale=demo.scale, progress=demo.progress) as session:
        now = session.emulator.account.now
        print(f"smexplore demo account (seed {demo.seed}, {demo.scale}): today is {now:%A %d %B %Y}")
        print(session)
        jobs = session.jobs()
        print(f"\nJobs by status ({len(jobs):,} active jobs):")
        print(jobs["status"].value_counts().to_string())
        bookings_this_week = ((F.start_date >= monday) & (F.start_date < saturday)
                              & (F.activity_was_scheduled == True))
        print(f"\n{session.explain('jobactivity', bookings_this_week)}")
        week = session.activities(bookings_this_week, enrich=True)
        hours = (week["end_date"] - week["start_date"]).dt.total_seconds() / 3600
        per_staff = (week.assign(hours=hours).groupby("staff_name")
                     .agg(bookings=("uuid", "size"), hours=("hours", "sum"), jobs=("job_number", "nunique"))
                     .sort_values("hours", ascending=False))
        print(f"\nBookings per staff member, week of {monday:%d %b %Y}:")
        print(per_staff.round(1).to_string())
        session.activities()  # again: served from the cache
        info = session.cache_info()
        print(f"\nHTTP requests sent: {info.misses}; answers served from the cache: {info.hits}")
        print(f"Double-bookings this week: {len(overlaps(week))}")
        pictures = _pictures(session, week, monday, demo.folder)
        return show_free_week(session, demo.last_monday, pictures)


def _pictures(session: Session, week: pd.DataFrame, monday: datetime, folder: Path) -> tuple[Path, ...]:
    """The week's timeline and the last quarter's utilisation heatmap, as PNG files."""
    import matplotlib

    from ..core.filters.expr import F
    from ..plots import plot_utilisation, timeline

    matplotlib.use("Agg")
    ax = timeline(week, start=monday, end=monday + timedelta(days=7))
    cast("Figure", ax.figure).savefig(folder / "week-timeline.png", dpi=110)
    quarter_start = monday - timedelta(weeks=13)
    history = session.activities(F.start_date.between(quarter_start, monday - timedelta(seconds=1)), enrich=True)
    ax = plot_utilisation(history, start=quarter_start, end=monday)
    cast("Figure", ax.figure).savefig(folder / "utilisation.png", dpi=110)
    return folder / "week-timeline.png", folder / "utilisation.png"
