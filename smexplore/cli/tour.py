"""What every system's ``smexplore demo`` tour shares: what a tour is given and gives back, and the
lines tours print alike (free capacity, requests sent, a selective pull against the whole list).

A system's tour is a module of its package (``smexplore.ruddr.tour``, named in the registry) with
``tour(demo: Demo) -> Toured``: it opens the system's demo account, prints what it shows, and gives
back last week's timeline frame and capacity (drawn with the other systems'), and its own pictures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..core.session import BaseSession

__all__ = ["Demo", "Toured", "hours_last_week", "requests_sent", "selective", "show_free_week", "week_of"]


@dataclass(frozen=True)
class Demo:
    """What a tour is given.

    Attributes:
        seed: Seed of the demo accounts.
        scale: Size of the demo accounts.
        folder: Where pictures go (it exists and can be written).
        monday: Monday 00:00 of the demo accounts' week (their anchored now's).
        progress: Whether to show progress bars (stderr is a terminal).
    """

    seed: int
    scale: str
    folder: Path
    monday: datetime
    progress: bool = False

    @property
    def last_monday(self) -> datetime:
        """Monday 00:00 of the week before: the week every tour gives back."""
        return self.monday - timedelta(weeks=1)


@dataclass(frozen=True)
class Toured:
    """What a tour gives back.

    Attributes:
        frame: Last week's normalised timeline frame (``timeline_frame``).
        capacity: Its people's capacity over that week (``capacity``).
        pictures: The pictures the tour drew of its own.
    """

    frame: pd.DataFrame
    capacity: pd.DataFrame
    pictures: tuple[Path, ...] = ()


def week_of(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week."""
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def requests_sent(session: BaseSession) -> int:
    """Requests the Session has sent over the network so far."""
    return session.cache_info().misses


def selective(pulled: int, requests: int, whole: int, how: str = "") -> str:
    """The line saying what a selective pull cost against the whole list."""
    return (f"Selective pull: {pulled:,} records in {requests} request{'' if requests == 1 else 's'}, "
            f"against {whole:,} records for the whole list{how}")


def hours_last_week(week: pd.DataFrame, last_monday: datetime, what: str) -> pd.Series:
    """Prints the five people with the most hours of time entries in ``week``; returns everyone's, most first."""
    import pandas as pd

    entries = week[week["kind"] == "time_entry"]
    hours = entries.groupby("staff")["hours"].sum().astype(float).sort_values(ascending=False, kind="stable")
    billable = entries[entries["billable"].fillna(False)].groupby("staff")["hours"].sum().astype(float)
    table = pd.DataFrame({f"{what} h": hours})
    if entries["billable"].notna().any():
        table["billable h"] = billable.reindex(hours.index, fill_value=0.0)
    print(f"\nMost hours {what}, week of {last_monday:%d %b %Y}:")
    print(table.head(5).round(1).rename_axis(None).to_string())
    return hours


def show_free_week(session: BaseSession, monday: datetime, pictures: tuple[Path, ...] = ()) -> Toured:
    """``session``'s week from ``monday`` (five working days), its free capacity printed: who has a
    whole working day free, each day (the load view's numbers, in words)."""
    from ..core.load import PLANNED

    end = monday + timedelta(days=5)
    frame, capacity = session.timeline_frame(start=monday, end=end), session.capacity(monday, end)
    free = session.free_capacity(monday, end, at_least=6)
    planned = frame["kind"].isin(PLANNED).any()
    print(f"Free capacity, week of {monday:%d %b %Y} (6 h or more free on a day"
          f"{'' if planned else '; nothing is planned here: the system records time, it plans none'}):")
    if free.empty:
        print("  no one")
    for day, rows in free.groupby("period", sort=True):
        names = ", ".join(f"{row.staff} ({row.free_hours:.1f} h)" for row in rows.head(4).itertuples())
        more = f" and {len(rows) - 4} more" if len(rows) > 4 else ""
        print(f"  {day:%a %d}: {names}{more}")
    return Toured(frame, capacity, pictures)
