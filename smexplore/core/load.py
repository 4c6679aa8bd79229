"""Load: planned and recorded hours against capacity, per person and period, for any system.

Every system's schedule meets in the normalised timeline frame (``core.timeline``). Its rows are
of three sorts, told apart by ``hours`` and the span:

- **timed**: a booking 09:00–11:30, time recorded on site, a time entry with a start and an end:
  ``hours`` is the span's length (or missing). Each person's timed rows of one group (planned,
  recorded) are merged where they overlap before they are counted: a double-booking counts once;
- **amounts**: work given for a day or a range, without fixed times: a Ruddr allocation of 6.5 h on
  a day, an Accelo task's 12 budgeted hours over two weeks, a Syncd entry of 7 h with no start time.
  ``hours`` differs from the span's length; the hours are shared among the span's working days
  (Monday to Friday; all its days if it has none), in proportion to its time on each;
- **unsized**: planned work without an amount (a ServiceM8 allocation: a job given to someone for a
  day, or a window of it, with no duration): counted as rows (``unsized``), not as hours.

Kinds fall in groups (``PLANNED``, ``RECORDED``, ``AWAY``, ``DEMAND``); a job's span under its
manager is context, not work, and is left out. ``load`` gives one row per person and period:
capacity, time off, planned hours by kind, recorded hours, free hours and the load (planned ÷
available), fractions throughout (0.85, not 85: one scale for every utilisation in the library,
the one pandas, matplotlib's percent formatters and ``f"{x:.0%}"`` expect). Placeholders (a role
not yet staffed) are demand, not people: their rows have ``placeholder`` set and no capacity.

Capacity is ``hours_per_day`` on each working day, or, per person and day, a ``capacity`` frame
(``source``, ``staff_id``, ``day``, ``capacity_hours``) a Session builds from what its system says
(Ruddr's availability, its holidays …): people in it with nothing planned are there too (free).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .errors import did_you_mean
from .spans import as_moment, check_hours_per_day, require_frame, spans
from .timeline import KINDS

__all__ = ["AWAY", "DEMAND", "LOAD_DTYPES", "PLANNED", "RECORDED", "UTILISATION_DTYPES", "check_kinds", "free_capacity",
           "load", "utilisation"]

PLANNED: tuple[str, ...] = ("booking", "allocation", "task")
"""Kinds of work planned for a person."""
RECORDED: tuple[str, ...] = ("recorded", "time_entry")
"""Kinds of work done and recorded."""
AWAY: tuple[str, ...] = ("time_off",)
"""Kinds that take hours out of capacity."""
DEMAND: tuple[str, ...] = ("placeholder",)
"""Kinds of work planned for no one yet (a role to staff)."""

LOAD_DTYPES: dict[str, str] = {
    "source": "string", "staff_id": "string", "staff": "string", "period": "datetime64[ns]",
    "placeholder": "boolean", "capacity_hours": "Float64", "time_off_hours": "Float64",
    "available_hours": "Float64", "booking_hours": "Float64", "allocation_hours": "Float64",
    "task_hours": "Float64", "planned_hours": "Float64", "placeholder_hours": "Float64",
    "recorded_hours": "Float64", "free_hours": "Float64", "load": "Float64", "over": "boolean",
    "unsized": "Int64",
}
"""The columns of ``load``'s table, in order, with their dtypes."""

_FREQS = {"D": "D", "W": "W", "M": "M"}
_EPSILON = 1e-9


def check_kinds(kinds: Any, present: Iterable[str]) -> tuple[str, ...] | None:
    """``kinds`` as a tuple (``None``: every kind), each one checked.

    Raises:
        ValueError: A kind that is no kind at all, naming the kinds the frame holds (and the closest).
    """
    if kinds is None:
        return None
    chosen = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    held = sorted(set(present))
    for kind in chosen:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}{did_you_mean(str(kind), list(KINDS))}; this frame holds "
                             f"{', '.join(map(repr, held)) or 'no rows'} (every kind: {', '.join(KINDS)})")
    return chosen


def _is(values: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    """Which ``values`` are one of ``wanted``, as a plain boolean array (missing: no)."""
    return values.isin(wanted).fillna(False).to_numpy(dtype=bool)


def _check_freq(freq: Any) -> str:
    if freq not in _FREQS:
        raise ValueError(f"freq must be 'D' (days), 'W' (weeks from Monday) or 'M' (months), not {freq!r}")
    return _FREQS[freq]


def _naive(series: pd.Series) -> pd.Series:
    """Wall-clock times without a zone (an aware column keeps its own wall clock)."""
    return series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series


def _bound(value: Any, name: str, zone: Any) -> pd.Timestamp | None:
    """``start``/``end`` as a naive wall-clock time of the frame: a naive one is wall time in the
    frame's ``zone``; an aware one is converted to it (refused for a naive frame: which zone?)."""
    if value is None:
        return None
    stamp = as_moment(value, name)
    if stamp.tzinfo is None:
        return stamp
    if zone is None:
        raise ValueError(f"{name}={value!r} has a time zone but the frame's times are naive; give a naive {name}")
    return stamp.tz_convert(zone).tz_localize(None)


def _rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """The frame as spans with ``source``, ``staff_id``, ``staff`` (the plain name: the table keeps
    the system in its own column), ``kind``, ``hours`` and ``sort`` (timed, amount or unsized), in
    naive wall-clock times; and the zone its times were in (``None``: naive)."""
    source = frame["source"] if "source" in frame else pd.Series(frame.attrs.get("source", ""), index=frame.index)
    data = spans(frame.drop(columns="source", errors="ignore").assign(_source=source.astype("string")))
    data = data.rename(columns={"_source": "source"})
    zone = data["start"].dt.tz
    if "staff_id" not in data:
        data["staff_id"] = data["staff"]
    data["staff_id"] = data["staff_id"].astype("string").fillna(data["staff"].astype("string"))
    data["start"], data["end"] = _naive(data["start"]), _naive(data["end"])
    length = (data["end"] - data["start"]).dt.total_seconds() / 3600
    hours = pd.to_numeric(data["hours"].astype(object), errors="coerce").astype(float) if "hours" in data \
        else pd.Series(np.nan, index=data.index, dtype=float)
    data["hours"] = hours
    timed = hours.isna() | np.isclose(hours, length, rtol=1e-9, atol=1e-6)
    data["sort"] = np.where(timed, "timed", "amount")
    given = _is(data["kind"], ("allocation", "task", "placeholder", "time_off"))
    data.loc[hours.isna().to_numpy() & given, "sort"] = "unsized"  # work given with no amount
    return data, zone


def _days(data: pd.DataFrame) -> pd.DataFrame:
    """Rows cut at midnight: one row per row and day, with the hours it gives that day."""
    if data.empty:
        return data.assign(day=pd.Series(dtype="datetime64[ns]"), day_hours=pd.Series(dtype=float))
    first = data["start"].dt.normalize()
    count = ((data["end"] - pd.Timedelta(1, "ns")).dt.normalize() - first).dt.days.clip(lower=0) + 1
    pieces = data.loc[data.index.repeat(count)].copy()
    pieces["day"] = first.loc[pieces.index] + pd.to_timedelta(pieces.groupby(level=0).cumcount(), unit="D")
    start = pieces[["start", "day"]].max(axis=1)
    end = pd.concat([pieces["end"], pieces["day"] + pd.Timedelta(days=1)], axis=1).min(axis=1)
    time = ((end - start).dt.total_seconds() / 3600).clip(lower=0)
    amount = pieces["sort"].to_numpy() == "amount"
    if amount.any():  # an amount is shared among its working days, by the time it spans on each
        working = pieces["day"].dt.day_of_week.to_numpy() < 5
        has_working = pd.Series(working, index=pieces.index).groupby(level=0).transform("any").to_numpy()
        weight = np.where(has_working & ~working, 0.0, time.to_numpy())
        weight = np.where(pieces["start"].to_numpy() == pieces["end"].to_numpy(), 1.0, weight)  # an empty span
        total = pd.Series(weight, index=pieces.index).groupby(level=0).transform("sum").to_numpy()
        share = np.divide(weight, total, out=np.zeros(len(pieces)), where=total > 0)
        time = pd.Series(np.where(amount, pieces["hours"].to_numpy(dtype=float) * share, time.to_numpy()),
                         index=pieces.index)
    pieces["day_hours"] = time.to_numpy()
    return pieces


def _merged(data: pd.DataFrame) -> pd.DataFrame:
    """Timed rows merged where one person's rows of one group overlap (booked time counted once)."""
    if data.empty:
        return data
    data = data.sort_values(["source", "who", "group", "start"], kind="stable")
    keys = ["source", "who", "group"]
    groups = data.groupby(keys, sort=False)  # vectorised: no Python call per person and group
    previous_end = groups["end"].cummax().groupby(groups.ngroup().to_numpy()).shift()
    block = (previous_end.isna() | (data["start"] > previous_end)).cumsum()
    merged = data.groupby(block).agg(source=("source", "first"), who=("who", "first"), staff_id=("staff_id", "first"),
                                     staff=("staff", "first"), group=("group", "first"), kind=("kind", "first"),
                                     start=("start", "min"), end=("end", "max"))
    merged["hours"] = (merged["end"] - merged["start"]).dt.total_seconds() / 3600
    merged["sort"] = "timed"
    return merged.reset_index(drop=True)


def _period(days: pd.Series, freq: str) -> pd.Series:
    return days.dt.to_period(freq).dt.start_time


def _identified(capacity: pd.DataFrame | None) -> pd.DataFrame | None:
    """``capacity`` with string ``source``, ``staff_id``, ``staff`` and the key people are told apart
    by (``who``: the name, else the id; ``None``: no capacity given)."""
    if capacity is None or capacity.empty:
        return None
    frame = capacity.assign(staff=capacity["staff"] if "staff" in capacity else capacity["staff_id"])
    frame = frame.astype({"source": "string", "staff_id": "string", "staff": "string"})
    return frame.assign(who=frame["staff"].fillna(frame["staff_id"]))


def _capacity_grid(people: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, hours_per_day: float,
                   capacity: pd.DataFrame | None) -> pd.DataFrame:
    """Capacity per person and day: ``capacity``'s rows where it gives them, else ``hours_per_day``
    on working days (placeholders have none)."""
    days = pd.date_range(first, last, freq="D")
    grid = people.merge(pd.DataFrame({"day": days}), how="cross")
    working = grid["day"].dt.day_of_week < 5
    grid["capacity_hours"] = np.where(working & ~grid["placeholder"].to_numpy(dtype=bool), hours_per_day, 0.0)
    if capacity is not None:
        stated_days = capacity.assign(day=_naive(pd.to_datetime(capacity["day"])).dt.normalize())
        given = stated_days.groupby(["source", "who", "day"], as_index=False)["capacity_hours"].sum()
        grid = grid.merge(given, on=["source", "who", "day"], how="left", suffixes=("", "_given"))
        known = grid["capacity_hours_given"].notna()
        stated = set(zip(given["source"], given["who"], strict=True))
        said = pd.Series([(s, i) in stated for s, i in zip(grid["source"], grid["who"], strict=True)],
                         index=grid.index)
        grid["capacity_hours"] = np.where(known, grid["capacity_hours_given"].astype(float),
                                          np.where(said, 0.0, grid["capacity_hours"]))
        grid = grid.drop(columns="capacity_hours_given")
    return grid


def load(frame: pd.DataFrame, *, freq: str = "D", start: Any = None, end: Any = None, hours_per_day: float = 8,
         capacity: pd.DataFrame | None = None, kinds: Any = None) -> pd.DataFrame:
    """Planned and recorded hours against capacity, per person and period (see the module).

    Args:
        frame: A normalised timeline frame (``sm.normalise``, ``Session.timeline_frame``), of any
            systems, or an activities or allocations frame.
        freq: ``"D"`` days, ``"W"`` weeks (from Monday) or ``"M"`` months.
        start: First day counted (default: the frame's first day).
        end: Last moment counted (default: the frame's last); the day it falls on is the last.
        hours_per_day: Capacity of a working day where ``capacity`` says nothing.
        capacity: Capacity per person and day (``source``, ``staff_id``, ``day``, ``capacity_hours``;
            optionally ``staff`` names): its people are in the table whatever the frame holds.
        kinds: Count only these kinds (default: every kind the frame holds).

    Returns:
        One row per person (or placeholder) and period; the columns (``LOAD_DTYPES``) are ``capacity_hours``
        (working hours), ``time_off_hours``, ``available_hours`` (capacity less time off),
        ``booking_hours``, ``allocation_hours``, ``task_hours`` and their sum ``planned_hours``,
        ``placeholder_hours`` (a placeholder's demand), ``recorded_hours`` (recorded visits and
        time entries), ``free_hours`` (available less planned: negative when over), ``load``
        (planned ÷ available; ``<NA>`` with nothing available), ``over`` (planned above
        available) and ``unsized`` (planned rows without an amount, such as ServiceM8's
        allocations: counted, not added).

    Raises:
        TypeError: ``frame`` is not a DataFrame, or ``hours_per_day`` is not a number.
        ValueError: A bad ``freq``, ``hours_per_day``, ``start``/``end`` or kind (named with the
            kinds the frame holds).
    """
    require_frame(frame, "load")
    hours_per_day = check_hours_per_day(hours_per_day)
    period = _check_freq(freq)
    data, zone = _rows(frame)
    chosen = check_kinds(kinds, data["kind"].dropna().unique())
    if chosen is not None:
        data = data[data["kind"].isin(chosen)]
    data = data[~data["kind"].isin(("job",))].copy()
    capacity = _identified(capacity)
    if capacity is not None:  # the system's own names for the people it lists
        names = dict(zip(zip(capacity["source"], capacity["staff_id"], strict=True), capacity["staff"], strict=True))
        data["staff"] = [names.get((source, who), name) for source, who, name in
                         zip(data["source"], data["staff_id"], data["staff"], strict=True)]
    data["who"] = data["staff"].astype("string").fillna(data["staff_id"])
    kind = data["kind"]
    data["group"] = np.select([_is(kind, PLANNED), _is(kind, RECORDED), _is(kind, AWAY), _is(kind, DEMAND)],
                              ["planned", "recorded", "away", "demand"], "other")
    first = _bound(start, "start", zone)
    last = _bound(end, "end", zone)
    if first is None:
        first = data["start"].min() if len(data) else (capacity["day"].min() if capacity is not None and
                                                       len(capacity) else None)
    if last is None:
        last = data["end"].max() if len(data) else (capacity["day"].max() + pd.Timedelta(days=1)
                                                    if capacity is not None and len(capacity) else None)
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in LOAD_DTYPES.items()})
    first = pd.Timestamp(first).normalize()
    last_day = (pd.Timestamp(last) - pd.Timedelta(1, "ns")).normalize() if pd.Timestamp(last) > first else first

    identity: dict[str, Any] = {"source": "string", "who": "string", "staff_id": "string", "staff": "string",
                                "placeholder": bool}
    people = data[["source", "who", "staff_id", "staff"]].assign(placeholder=_is(data["group"], ("demand",)))
    people = people.astype(identity)
    if capacity is not None:  # listed first: the system's own people, in its order
        stated = capacity[["source", "who", "staff_id", "staff"]].assign(placeholder=False).astype(identity)
        people = pd.concat([stated, people]) if len(people) else stated
    people = people.drop_duplicates(["source", "who"]).reset_index(drop=True)
    grid = _capacity_grid(people, first, last_day, hours_per_day, capacity)

    timed = _merged(data[data["sort"].eq("timed") & data["group"].isin(("planned", "recorded", "away"))])
    amounts = data[data["sort"].eq("amount")]
    pieces = _days(pd.concat([timed, amounts], ignore_index=True)) if len(timed) or len(amounts) else _days(timed)
    pieces = pieces[(pieces["day"] >= first) & (pieces["day"] <= last_day)]
    group, kind = pieces["group"], pieces["kind"]
    column = np.select([_is(group, ("away",)), _is(group, ("recorded",)), _is(group, ("demand",)),
                        _is(kind, ("booking",)), _is(kind, ("allocation",)), _is(kind, ("task",))],
                       ["time_off_hours", "recorded_hours", "placeholder_hours", "booking_hours",
                        "allocation_hours", "task_hours"], "")
    pieces = pieces.assign(column=column)
    pieces = pieces[pieces["column"] != ""]
    hours = pieces.pivot_table(index=["source", "who", "day"], columns="column", values="day_hours",
                               aggfunc="sum", fill_value=0.0) if len(pieces) else pd.DataFrame()
    grid = grid.merge(hours, left_on=["source", "who", "day"], right_index=True, how="left") if len(hours) \
        else grid
    unsized = data[data["sort"].eq("unsized") & data["group"].eq("planned")]
    if len(unsized):
        counted = unsized.assign(day=unsized["start"].dt.normalize()).groupby(["source", "who", "day"]).size()
        grid = grid.merge(counted.rename("unsized"), left_on=["source", "who", "day"], right_index=True,
                          how="left")
    for name in ("time_off_hours", "recorded_hours", "placeholder_hours", "booking_hours", "allocation_hours",
                 "task_hours", "unsized"):
        grid[name] = grid[name].fillna(0.0) if name in grid else 0.0
    grid["period"] = _period(grid["day"], period)
    sums = ["capacity_hours", "time_off_hours", "booking_hours", "allocation_hours", "task_hours",
            "placeholder_hours", "recorded_hours", "unsized"]
    table = grid.groupby(["source", "who", "period"], as_index=False, sort=False).agg(
        staff_id=("staff_id", "first"), staff=("staff", "first"), placeholder=("placeholder", "first"),
        **{name: (name, "sum") for name in sums})
    table["available_hours"] = (table["capacity_hours"] - table["time_off_hours"]).clip(lower=0)
    table["planned_hours"] = table[["booking_hours", "allocation_hours", "task_hours"]].sum(axis=1)
    table["free_hours"] = table["available_hours"] - table["planned_hours"]
    available = table["available_hours"].to_numpy(dtype=float)
    planned = table["planned_hours"].to_numpy(dtype=float)
    table["load"] = pd.array(np.divide(planned, available, out=np.full(len(table), np.nan), where=available > 0),
                             dtype="Float64")
    table["over"] = planned > available + _EPSILON
    demand = table["placeholder"].to_numpy(dtype=bool)
    table.loc[demand, ["free_hours"]] = np.nan
    table.loc[demand, "over"] = False
    table = table.sort_values(["placeholder", "source", "staff", "period"], key=_casefolded, kind="stable")
    return table[list(LOAD_DTYPES)].astype(LOAD_DTYPES).reset_index(drop=True)


def _casefolded(column: pd.Series) -> pd.Series:
    return column.str.casefold() if column.dtype == "string" or column.dtype == object else column


def free_capacity(frame: pd.DataFrame, *, freq: str = "D", at_least: float = 0.0, start: Any = None,
                  end: Any = None, hours_per_day: float = 8, capacity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who is free, and for how long: each person's free hours per period, at least ``at_least``.

    "Who can take 6 hours on Tuesday?" is ``free_capacity(frame, at_least=6)`` and the rows of that
    Tuesday. Free hours are capacity less time off less planned work (``load``); placeholders are
    not people and never free.

    Returns:
        ``source``, ``staff_id``, ``staff``, ``period``, ``available_hours``, ``planned_hours``,
        ``free_hours``, by period, the freest first.
    """
    table = load(frame, freq=freq, start=start, end=end, hours_per_day=hours_per_day, capacity=capacity)
    if isinstance(at_least, bool) or not isinstance(at_least, (int, float)) or not np.isfinite(at_least):
        raise ValueError(f"at_least must be a number of hours, not {at_least!r}")
    free = table[~table["placeholder"].fillna(False) & (table["free_hours"] >= at_least).fillna(False)
                 & (table["available_hours"] > 0).fillna(False)]
    free = free.sort_values(["period", "free_hours", "staff"], ascending=[True, False, True], kind="stable")
    return free[["source", "staff_id", "staff", "period", "available_hours", "planned_hours", "free_hours"]
                ].reset_index(drop=True)


UTILISATION_DTYPES: dict[str, str] = {
    "source": "string", "staff_id": "string", "staff": "string", "period": "datetime64[ns]",
    "capacity_hours": "Float64", "time_off_hours": "Float64", "available_hours": "Float64",
    "planned_hours": "Float64", "recorded_hours": "Float64", "free_hours": "Float64",
    "utilisation": "Float64", "recorded_utilisation": "Float64",
}
"""The columns of ``utilisation``'s table, in order, with their dtypes."""


def utilisation(frame: pd.DataFrame, *, freq: str = "W", hours_per_day: float = 8, kinds: Any = None,
                start: Any = None, end: Any = None, capacity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Planned and recorded work as shares of each person's available hours, per period.

    What the frame holds is counted, by default: planned work (bookings, allocations, tasks) and
    recorded work (recorded visits, time entries), apart; time off takes hours out of capacity;
    placeholders are demand, not people, and are left out (``load`` shows them). Utilisation is a
    fraction (0.85 is 85 %), as everywhere in the library. See ``load`` for how rows are counted
    (timed rows merged, amounts shared among working days, allocations without hours counted as
    rows only).

    Args:
        frame: A normalised timeline frame, of any systems, or an activities or allocations frame.
        freq: ``"W"`` weeks (from Monday), ``"D"`` days or ``"M"`` months.
        hours_per_day: Capacity of a working day where ``capacity`` says nothing.
        kinds: Count only these kinds (default: all; an unknown kind is an error naming those the frame holds).
        start: First day counted (default: the frame's first).
        end: Last moment counted (default: the frame's last).
        capacity: Capacity per person and day (see ``load``); a Session's ``utilisation`` passes its own.

    Returns:
        One row per person and period, with ``source``, ``staff_id``, ``staff``, ``period``,
        ``capacity_hours``, ``time_off_hours``, ``available_hours``, ``planned_hours``,
        ``recorded_hours``, ``free_hours``, ``utilisation`` (planned ÷ available) and
        ``recorded_utilisation`` (recorded ÷ available); ``<NA>`` where nothing is available.

    Raises:
        TypeError, ValueError: As ``load``.
    """
    require_frame(frame, "utilisation")
    table = load(frame, freq=freq, start=start, end=end, hours_per_day=hours_per_day, capacity=capacity, kinds=kinds)
    table = table[~table["placeholder"].fillna(False)].copy()
    available = table["available_hours"].to_numpy(dtype=float)
    recorded = table["recorded_hours"].to_numpy(dtype=float)
    table["utilisation"] = table["load"]
    table["recorded_utilisation"] = pd.array(np.divide(recorded, available, out=np.full(len(table), np.nan),
                                                       where=available > 0), dtype="Float64")
    return table[list(UTILISATION_DTYPES)].astype(UTILISATION_DTYPES).reset_index(drop=True)
