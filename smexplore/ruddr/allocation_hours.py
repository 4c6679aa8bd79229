"""How a Ruddr allocation's hours fall on its dates, and so its ``totalHours``: one rule for every unit.

Ruddr documents ``totalHours`` as "the total number of computed hours across all dates in the
allocation", calculated from ``start``, ``end``, the unit's hours field "and the working capacity
of the workspace member or the default capacity for the workspace when a placeholder". Its two
worked examples fix the ``day`` unit: 8 h a day from 2022-06-01 to 2022-08-31 is 528 h and 6.5 h a
day from 2025-03-01 to 2025-05-31 is 422.5 h, that is 66 and 65 weekdays: only **working days**
count (days on which the capacity is above zero), and public holidays are not removed by
themselves. The other units are not worked out in the documents; this module decides them so
that every unit reads the same way (see ``daily_hours``).

Here "capacity" is a member's ``availabilityPeriods[].hoursPerDay``: seven numbers, Monday first
(``[8, 8, 8, 8, 8, 0, 0]`` is a 40-hour week), or the workspace default for placeholders.

``daily_hours`` is the rule; ``total_hours`` is its sum, rounded to cents of an hour as the API's
hour fields are. Both are pure (no I/O), for the emulator and for a client that expands
allocations into days and checks them against ``totalHours``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal

__all__ = [
    "DEFAULT_CAPACITY",
    "UNITS",
    "Capacity",
    "Unit",
    "capacity_from_periods",
    "daily_hours",
    "total_hours",
]

Unit = Literal["day", "week", "month", "allocation", "ratio_of_capacity"]
UNITS: tuple[Unit, ...] = ("day", "week", "month", "allocation", "ratio_of_capacity")

Capacity = Sequence[float] | Callable[[date], float]
"""Hours a resource can work: seven numbers (Monday to Sunday), or a function of the date."""

DEFAULT_CAPACITY: tuple[float, ...] = (8.0, 8.0, 8.0, 8.0, 8.0, 0.0, 0.0)
"""A workspace's default capacity (used for placeholders): eight hours, Monday to Friday."""


def _as_date(value: date | str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def _capacity_function(capacity: Capacity) -> Callable[[date], float]:
    if callable(capacity):
        return capacity
    week = tuple(float(hours) for hours in capacity)
    if len(week) != 7:
        raise ValueError(f"a weekly capacity has seven numbers (Monday to Sunday), got {len(week)}")
    return lambda day: week[day.weekday()]


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _period_of(unit: Unit, day: date) -> tuple[date, date]:
    """The calendar week (Monday to Sunday) or month that holds ``day``."""
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def daily_hours(unit: Unit, start: date | str, end: date | str, amount: float, *,
                capacity: Capacity = DEFAULT_CAPACITY, days_off: Collection[date] = ()) -> dict[date, float]:
    """The hours an allocation puts on each of its dates: THE rule behind ``totalHours``.

    A *working day* is a date from ``start`` to ``end`` (both included) on which ``capacity`` is
    above zero and that is not in ``days_off``. By unit, ``amount`` being the unit's hours field:

    - ``day`` (``hoursPerDay``): ``amount`` on every working day. (The documents' examples:
      6.5 h over the 65 weekdays of 2025-03-01..2025-05-31 is 422.5 h.)
    - ``week`` (``hoursPerWeek``): each calendar week (Monday to Sunday) shares ``amount`` evenly
      among its days with capacity, counted over the whole week; a working day in range gets that
      share. A week cut by ``start`` or ``end`` gets part of ``amount``; a day off loses its share.
    - ``month`` (``hoursPerMonth``): the same with calendar months.
    - ``allocation`` (``hoursPerAllocation``): ``amount`` in all, spread evenly over the working
      days (over every date of the range if it has no working day), so the total is ``amount``.
    - ``ratio_of_capacity`` (``hoursRatioOfCapacity``, 0 to 1): ``amount`` × the capacity of
      every working day.

    ``days_off`` are the resource's time-off dates. Pass them only for a member's project
    allocation whose ``allocateOnTimeOffDays`` is false; an allocation that is itself time off,
    a placeholder's, or one that allocates on time-off days, takes none.

    Args:
        unit: The allocation's ``unit``.
        start: First date (a ``date`` or ``YYYY-MM-DD``).
        end: Last date, on or after ``start``.
        amount: The hours field that matches ``unit`` (a ratio for ``ratio_of_capacity``).
        capacity: Seven numbers (Monday first) or a function of the date: hours the resource can
            work that day (``capacity_from_periods`` makes one from a member's periods).
        days_off: Dates on which nothing is allocated (see above).

    Returns:
        Date → hours, for the dates that get hours, in date order.

    Raises:
        ValueError: An unknown unit, dates that are not dates or not in order, or a negative amount.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    first, last = _as_date(start, "start"), _as_date(end, "end")
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    if amount < 0:
        raise ValueError(f"the hours of an allocation cannot be negative, got {amount!r}")
    hours_on = _capacity_function(capacity)
    off = frozenset(days_off)
    working = [day for day in _days(first, last) if hours_on(day) > 0 and day not in off]
    if unit == "day":
        return {day: float(amount) for day in working}
    if unit == "ratio_of_capacity":
        return {day: amount * hours_on(day) for day in working}
    if unit == "allocation":
        spread = working or list(_days(first, last))
        return {day: amount / len(spread) for day in spread}
    shares: dict[tuple[date, date], int] = {}
    result: dict[date, float] = {}
    for day in working:
        period = _period_of(unit, day)
        if period not in shares:
            shares[period] = sum(hours_on(d) > 0 for d in _days(*period))
        result[day] = amount / shares[period]
    return result


def total_hours(unit: Unit, start: date | str, end: date | str, amount: float, *,
                capacity: Capacity = DEFAULT_CAPACITY, days_off: Collection[date] = ()) -> float:
    """An allocation's ``totalHours``: the sum of ``daily_hours``, rounded to two decimals.

    >>> total_hours("day", "2025-03-01", "2025-05-31", 6.5)
    422.5
    """
    hours = daily_hours(unit, start, end, amount, capacity=capacity, days_off=days_off)
    return round(float(sum(hours.values())), 2)


def capacity_from_periods(periods: Iterable[Mapping[str, Any]],
                          default: Sequence[float] | None = None) -> Callable[[date], float]:
    """A member's capacity on any date, from its ``availabilityPeriods``.

    Each period is ``{"start": "YYYY-MM-DD" | None, "end": "YYYY-MM-DD" | None, "hoursPerDay": [7 numbers]}``
    (an open end reaches as far as it needs to). A date in no period has no capacity; with no
    period at all, ``default`` applies (``DEFAULT_CAPACITY`` if not given).
    """
    spans = [(None if p.get("start") is None else _as_date(p["start"], "start"),
              None if p.get("end") is None else _as_date(p["end"], "end"),
              tuple(float(h) for h in p["hoursPerDay"])) for p in periods]
    if not spans:
        week = tuple(DEFAULT_CAPACITY if default is None else default)
        return lambda day: float(week[day.weekday()])

    def hours_on(day: date) -> float:
        for first, last, week in spans:
            if (first is None or first <= day) and (last is None or day <= last):
                return week[day.weekday()]
        return 0.0

    return hours_on
