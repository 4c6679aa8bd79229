"""Ruddr members' capacity, and the hours planned and recorded against it, per period.

Ruddr's own definitions (help.ruddr.io, "Utilization Reports" and "What are Productive Hours"):
a member's capacity periods are "the days and hours that a member is available for work";
"Billable utilization in Ruddr is calculated by dividing the billable hours in the period by the
capacity hours in the period"; and a report "adjusted for time off" uses a capacity "reduced by
the number of Time Off hours taken during the period". The members' utilisation targets
(``utilizationTargetPeriods[].targetPercentage``) are set against that utilisation.

``utilisation_against_capacity`` puts them side by side per member and period:

- *availability*: each day's hours from the member's ``availabilityPeriods``
  (``allocation_hours.capacity_from_periods``: Monday first; a member with no period has the
  workspace default, 8 h Monday to Friday; a day outside every period has none);
- *time off*: the member's time off on each day, counted once (``normalise.TIME_OFF_ORDER``:
  recorded time off first, then Ruddr's read-only time-off allocations, holidays, planned time
  off), and never more than that day's availability;
- *capacity*: availability minus time off (``adjust_for_time_off=True``, the default), else
  availability;
- *allocated*: the member's project allocations, day by day (``normalise.allocation_days``);
- *entries*: project time recorded in time entries (time off recorded as time is time off, above).

Placeholders have no capacity and are left out (their allocations are unfilled demand).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..core.spans import as_moment
from .allocation_hours import capacity_from_periods
from .normalise import as_frame, column_values, member_capacities, timeline_frame

__all__ = ["UTILISATION_COLUMNS", "target_on", "utilisation_against_capacity"]

UTILISATION_COLUMNS: dict[str, str] = {
    "member_id": "string",
    "member": "string",
    "period": "datetime64[ns]",
    "availability_hours": "Float64",
    "time_off_hours": "Float64",
    "capacity_hours": "Float64",
    "allocated_hours": "Float64",
    "billable_allocated_hours": "Float64",
    "entry_hours": "Float64",
    "billable_hours": "Float64",
    "target": "Float64",
    "billable_utilisation": "Float64",
    "planned_billable_utilisation": "Float64",
    "allocated_utilisation": "Float64",
}
"""The columns of ``utilisation_against_capacity``, in order, with their dtypes:

- ``member_id``, ``member``: the member's id and name;
- ``period``: the period's first day (a Monday for ``"W"``, the 1st for ``"M"``);
- ``availability_hours``: hours of the member's ``availabilityPeriods`` on the period's days
  within ``start``..``end``;
- ``time_off_hours``: time off on those days (once per day, at most the day's availability);
- ``capacity_hours``: availability minus time off (or availability, ``adjust_for_time_off=False``);
- ``allocated_hours``, ``billable_allocated_hours``: the member's project allocations (all, and
  those with ``isBillable``);
- ``entry_hours``, ``billable_hours``: project time recorded in time entries (all, and billable);
- ``target``: the member's utilisation target as a fraction (Ruddr's ``targetPercentage`` 80 is
  0.8), the mean of the days' targets weighted by their availability (``<NA>`` without a target on
  any available day);
- ``billable_utilisation``: billable hours ÷ capacity (Ruddr's billable utilisation);
- ``planned_billable_utilisation``: billable allocated hours ÷ capacity (the same from the plan);
- ``allocated_utilisation``: allocated hours ÷ capacity (how full the schedule is);

fractions, as every utilisation in smexplore (0.85 is 85 %), ``<NA>`` where capacity is 0.
"""

_MEASURES = ("allocated_hours", "billable_allocated_hours", "entry_hours", "billable_hours", "time_off_raw")


def _target_periods(value: Any) -> list[tuple[date | None, date | None, float]]:
    if value is None or isinstance(value, float) or value is pd.NA:
        return []
    periods = []
    for period in value:
        target = period.get("targetPercentage", period.get("target_percentage"))
        if target is None:
            continue
        first, last = (None if period.get(k) is None else pd.Timestamp(period[k]).date() for k in ("start", "end"))
        periods.append((first, last, float(target)))
    return periods


def target_on(periods: Iterable[Mapping[str, Any]] | None) -> Callable[[date], float | None]:
    """A member's utilisation target (a percentage) on any date, from ``utilizationTargetPeriods``.

    Each period is ``{"start", "end", "targetPercentage"}`` (an open end reaches as far as it
    needs to; snake_case keys do too). A date in no period has no target (``None``).
    """
    spans = _target_periods(periods)

    def target(day: date) -> float | None:
        for first, last, percentage in spans:
            if (first is None or first <= day) and (last is None or day <= last):
                return percentage
        return None

    return target


def _window(rows: pd.DataFrame, start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    first = as_moment(start, "start").tz_localize(None).normalize() if start is not None else None
    last = as_moment(end, "end").tz_localize(None).normalize() if end is not None else None
    if first is None:
        first = rows["start"].min().normalize() if len(rows) else None
    if last is None:
        last = rows["start"].max().normalize() if len(rows) else None
    if first is None or last is None:
        return None
    if last < first:
        raise ValueError(f"end={end!r} is before start={start!r}")
    return first, last


def _period_starts(days: pd.Series, freq: str) -> pd.Series:
    try:
        return days.dt.to_period(freq).dt.start_time
    except (TypeError, ValueError):
        raise ValueError(f"freq must be a period such as 'W' (weeks from Monday) or 'M' (months), got {freq!r}") \
            from None


def _recorded(rows: pd.DataFrame) -> pd.DataFrame:
    """Hours per member and day of each measure, from the timeline rows (placeholders left out)."""
    rows = rows[rows["kind"] != "placeholder"]
    billable = rows["billable"].fillna(False).astype(bool)
    kind = rows["kind"]
    hours = rows["hours"].fillna(0).astype(float)
    measures = pd.DataFrame({
        "member_id": rows["staff_id"], "day": rows["start"].dt.normalize(),
        "allocated_hours": hours.where(kind == "allocation", 0.0),
        "billable_allocated_hours": hours.where((kind == "allocation") & billable, 0.0),
        "entry_hours": hours.where(kind == "time_entry", 0.0),
        "billable_hours": hours.where((kind == "time_entry") & billable, 0.0),
        "time_off_raw": hours.where(kind == "time_off", 0.0),
    })
    return measures.groupby(["member_id", "day"], as_index=False)[list(_MEASURES)].sum()


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in UTILISATION_COLUMNS.items()})


def utilisation_against_capacity(allocations: Any, members: Any, time_entries: Any = None, start: Any = None,
                                 end: Any = None, freq: str = "W", *,
                                 adjust_for_time_off: bool = True) -> pd.DataFrame:
    """Per member and period: capacity, time off, allocated and recorded hours, target and utilisation.

    Args:
        allocations: The allocations frame (or the API's records); its project allocations are the
            plan, its time-off allocations (any ``entity``) the time off.
        members: The members frame (or records): capacity (``availabilityPeriods``), targets
            (``utilizationTargetPeriods``) and names.
        time_entries: The time-entries frame (or records), for recorded hours; ``None``: none
            (entry hours and utilisation are then 0).
        start: First day counted (a date or time; its day); ``None``: the first day with hours.
        end: Last day counted, included; ``None``: the last day with hours.
        freq: The periods: ``"W"`` (weeks from Monday), ``"M"`` (calendar months), or any pandas
            period alias (``"D"``, ``"Q"``…). A period cut by ``start``/``end`` counts its days
            inside only.
        adjust_for_time_off: Take time off from the capacity (Ruddr's "Adjust for Time Off").

    Returns:
        ``UTILISATION_COLUMNS``: one row per member and period in which the member has
        availability or any hours, sorted by member then period. Members are those of
        ``members``, and any other member with hours (default capacity).

    Raises:
        ValueError: ``start``/``end`` is no time or ``end`` is before ``start``; ``freq`` is no period.
    """
    member_frame = as_frame(members, "members")
    rows = timeline_frame(allocations, member_frame, time_entries)
    window = _window(rows, start, end)
    if window is None:
        return _empty()
    first, last = window
    rows = rows[(rows["start"] >= first) & (rows["start"] < last + pd.Timedelta(days=1))]
    names: dict[str, str | None] = {}
    targets: dict[str, Callable[[date], float | None]] = {}
    if member_frame is not None and "id" in member_frame:
        for key, name, periods in zip(column_values(member_frame, "id"), column_values(member_frame, "name"),
                                      column_values(member_frame, "utilization_target_periods"), strict=True):
            if key is not None:
                names[str(key)] = None if name is None else str(name)
                targets[str(key)] = target_on(periods)
    people = rows[rows["kind"] != "placeholder"].dropna(subset=["staff_id"])
    for key, name in zip(people["staff_id"], people["staff"], strict=True):
        if key not in names:
            names[key] = None if pd.isna(name) else str(name)
    if not names:
        return _empty()
    capacities = member_capacities(member_frame)
    default = capacity_from_periods([])
    days = pd.date_range(first, last, freq="D")
    calendar = [d.date() for d in days]
    grid_ids: list[str] = []
    availability: list[float] = []
    target_values: list[float] = []
    for key in names:
        hours_on = capacities.get(key, default)
        target = targets.get(key)
        grid_ids.extend([key] * len(calendar))
        availability.extend(hours_on(day) for day in calendar)
        target_values.extend((np.nan if target is None or (t := target(day)) is None else t) for day in calendar)
    daily = pd.DataFrame({"member_id": grid_ids, "day": np.tile(days.to_numpy(), len(names)),
                          "availability_hours": availability, "target": target_values})
    daily = daily.merge(_recorded(rows), on=["member_id", "day"], how="left")
    daily[list(_MEASURES)] = daily[list(_MEASURES)].fillna(0.0)
    daily["time_off_hours"] = np.minimum(daily["time_off_raw"], daily["availability_hours"])
    daily["capacity_hours"] = (daily["availability_hours"] - daily["time_off_hours"] if adjust_for_time_off
                               else daily["availability_hours"])
    targeted = daily["target"].notna() & (daily["availability_hours"] > 0)
    daily["weighted_target"] = (daily["target"] * daily["availability_hours"]).where(targeted, 0.0)
    daily["target_weight"] = daily["availability_hours"].where(targeted, 0.0)
    daily["period"] = _period_starts(daily["day"], freq)
    sums = ["availability_hours", "time_off_hours", "capacity_hours", "allocated_hours", "billable_allocated_hours",
            "entry_hours", "billable_hours", "weighted_target", "target_weight"]
    table = daily.groupby(["member_id", "period"], as_index=False)[sums].sum()
    busy = table[["availability_hours", "allocated_hours", "entry_hours", "time_off_hours"]].gt(0).any(axis=1)
    table = table[busy].reset_index(drop=True)
    table["member"] = table["member_id"].map(names)
    weight = table["target_weight"]
    table["target"] = (table["weighted_target"] / weight).where(weight > 0) / 100  # Ruddr says percentages
    capacity = table["capacity_hours"].where(table["capacity_hours"] > 0)
    table["billable_utilisation"] = table["billable_hours"] / capacity
    table["planned_billable_utilisation"] = table["billable_allocated_hours"] / capacity
    table["allocated_utilisation"] = table["allocated_hours"] / capacity
    table = table.sort_values(["member", "member_id", "period"], kind="stable").reset_index(drop=True)
    result = table[list(UTILISATION_COLUMNS)].astype(UTILISATION_COLUMNS)
    result.attrs = {"source": "ruddr", "resource": "utilisation"}
    return result
