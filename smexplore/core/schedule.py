"""What every Session says about its people's time: the timeline, capacity, load, utilisation, free hours.

A system's Session gives its schedule as a normalised timeline frame (``timeline_frame``) and its
people (``people``); where the API says more about capacity (Ruddr's availability periods), the
Session says so in ``capacity``. The rest is written once, here, on ``core.load``: ``load``,
``utilisation`` and ``free_capacity`` of one window, answered the same way on every system (hours
as fractions of available hours).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .load import free_capacity, load, utilisation
from .spans import as_moment, check_hours_per_day, naive

__all__ = ["CAPACITY_DTYPES", "Schedule", "people_frame", "working_days"]

CAPACITY_DTYPES = {"source": "string", "staff_id": "string", "staff": "string", "day": "datetime64[ns]",
                   "capacity_hours": "Float64"}
"""The columns of ``Schedule.capacity``, in order, with their dtypes."""


def working_days(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Monday to Friday from ``start``'s day to the day before ``end`` (``end`` itself when it is not midnight)."""
    last = end.normalize() if end > end.normalize() else end.normalize() - pd.Timedelta(days=1)
    return pd.bdate_range(start.normalize(), max(last, start.normalize()))


class Schedule:
    """The schedule part of a Session (``BaseSession`` has it): override ``timeline_frame`` and
    ``people``, and ``capacity`` where the API says what people can work."""

    source: ClassVar[str] = ""

    # --- what a system says ---------------------------------------------------------------------
    def timeline_frame(self, where: Any = None, start: Any = None, end: Any = None) -> pd.DataFrame:
        """The schedule as a normalised timeline frame (``sm.normalise``): rows ending after ``start``
        and starting before ``end``, the window sent to the server where the API can narrow by it;
        ``where`` a filter the system's schedule resources can run."""
        raise NotImplementedError(f"{type(self).__name__} has no timeline")

    def people(self) -> pd.DataFrame:
        """Everyone whose time counts (active staff, members or users): ``staff_id`` and ``staff`` (name)."""
        raise NotImplementedError(f"{type(self).__name__} lists no people")

    @property
    def now(self) -> pd.Timestamp:
        raise NotImplementedError

    def capacity(self, start: Any = None, end: Any = None, *, hours_per_day: float = 8) -> pd.DataFrame:
        """Each person's working hours per day of the window: ``hours_per_day`` Monday to Friday, where
        the system says nothing more (a system that knows its people's availability overrides it).

        Returns:
            ``source``, ``staff_id``, ``staff``, ``day``, ``capacity_hours`` (``CAPACITY_DTYPES``).
        """
        first, last = self._window(start, end, weeks_back=0, weeks_ahead=2)
        hours = check_hours_per_day(hours_per_day)
        people = self.people()
        days = working_days(first, last)
        grid = people[["staff_id", "staff"]].merge(pd.DataFrame({"day": days}), how="cross")
        grid["source"], grid["capacity_hours"] = self.source, hours
        return grid[list(CAPACITY_DTYPES)].astype(CAPACITY_DTYPES)

    # --- what every system answers ----------------------------------------------------------------
    def load(self, start: Any = None, end: Any = None, *, freq: str = "D", hours_per_day: float = 8) -> pd.DataFrame:
        """Planned and recorded hours against capacity, per person and day (or ``freq``), for everyone
        in ``people`` (see ``sm.load``); default window: this week and the next.

        Only the window is pulled (``timeline_frame(start=, end=)``).
        """
        first, last = self._window(start, end, weeks_back=0, weeks_ahead=2)
        frame = self.timeline_frame(start=first, end=last)
        return load(frame, freq=freq, start=first, end=last, hours_per_day=hours_per_day,
                    capacity=self.capacity(first, last, hours_per_day=hours_per_day))

    def utilisation(self, start: Any = None, end: Any = None, freq: str = "W", *,
                    hours_per_day: float = 8) -> pd.DataFrame:
        """Planned and recorded work as fractions of each person's available hours, per week (or
        ``freq``), for everyone in ``people`` (see ``sm.utilisation``); default window: the four
        weeks up to the end of this one.

        Capacity is the system's where it says (``capacity``), else ``hours_per_day`` on working days;
        time off in the timeline takes hours out of it. Only the window is pulled.
        """
        first, last = self._window(start, end, weeks_back=3, weeks_ahead=1)
        frame = self.timeline_frame(start=first, end=last)
        return utilisation(frame, freq=freq, start=first, end=last, hours_per_day=hours_per_day,
                           capacity=self.capacity(first, last, hours_per_day=hours_per_day))

    def free_capacity(self, start: Any = None, end: Any = None, *, freq: str = "D", at_least: float = 0.0,
                      hours_per_day: float = 8) -> pd.DataFrame:
        """Who is free, and for how long, per day (or ``freq``): "who can take 6 hours on Tuesday?" is
        ``free_capacity(at_least=6)`` (see ``sm.free_capacity``); default window: this week and the next."""
        first, last = self._window(start, end, weeks_back=0, weeks_ahead=2)
        frame = self.timeline_frame(start=first, end=last)
        return free_capacity(frame, freq=freq, start=first, end=last, at_least=at_least, hours_per_day=hours_per_day,
                             capacity=self.capacity(first, last, hours_per_day=hours_per_day))

    def _window(self, start: Any, end: Any, *, weeks_back: int, weeks_ahead: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        """``start`` and ``end`` as naive wall-clock times; a missing one from this week's Monday
        (the account's now), ``weeks_back`` before it and ``weeks_ahead`` after it."""
        now = naive(self.now)
        monday = (now - pd.Timedelta(days=now.day_of_week)).normalize()
        first = naive(as_moment(start, "start")) if start is not None else monday - pd.Timedelta(weeks=weeks_back)
        last = naive(as_moment(end, "end")) if end is not None else max(
            monday + pd.Timedelta(weeks=weeks_ahead), first + pd.Timedelta(days=1))
        if last <= first:
            raise ValueError(f"end ({last}) must come after start ({first})")
        return first, last


def people_frame(ids: Any, names: Any) -> pd.DataFrame:
    """``staff_id`` and ``staff`` columns (strings) from ids and names, a row each, no missing id."""
    frame = pd.DataFrame({"staff_id": pd.Series(np.asarray(ids, dtype=object)).astype("string"),
                          "staff": pd.Series(np.asarray(names, dtype=object)).astype("string")})
    return frame[frame["staff_id"].notna()].drop_duplicates("staff_id").reset_index(drop=True)
