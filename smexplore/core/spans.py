"""Spans of staff time, and what they add up to: double-bookings and utilisation.

Every frame smexplore draws or measures is first put in one span form, a frame with the columns
``staff``, ``start``, ``end``, ``kind`` (plus the original columns):

- an activities frame (``start_date``/``end_date``): kind ``booking`` for scheduled activities,
  ``recorded`` for time recorded on site;
- an allocations frame (``allocation_date``): from the allocation date to its completion, or to its
  expiry while open; kind ``allocation``;
- a normalised timeline frame (``smexplore.core.timeline``) or any frame that has ``staff``,
  ``start`` and ``end``; kind ``booking`` unless it has a ``kind`` column.

``staff`` is the ``staff_name`` column when the frame is enriched, else ``staff_uuid``; in a frame
with ``staff`` and ``staff_id`` (a normalised one), the name, else the id. When such a frame holds
rows of several sources (``source``: two systems concatenated), each person is kept apart by
system, as ``"name (source)"``: ids differ between systems and a name is no proof that two rows are
one person, so two people of the same name in two systems are never merged. To count someone who is
in both systems once, give the rows one source first: ``frame.assign(source="all")``.
"""

from __future__ import annotations

import heapq
import math
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["activity_kinds", "as_moment", "check_hours_per_day", "day_spans", "naive", "overlaps", "require_frame",
           "spans", "window"]


def require_frame(frame: Any, caller: str) -> None:
    """``TypeError`` unless ``frame`` is a DataFrame; ``caller`` names the function in the message."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{caller}() needs a pandas DataFrame (activities, allocations, or staff/start/end), "
                        f"not {type(frame).__name__}")


def _staff(frame: pd.DataFrame) -> pd.Series:
    if "staff" in frame and "staff_id" in frame:  # a normalised timeline frame: the name, else the id
        return frame["staff"].astype("string").fillna(frame["staff_id"].astype("string"))
    for column in ("staff_name", "staff", "staff_uuid"):
        if column in frame:
            return frame[column].astype("string")
    raise ValueError("the frame has no staff column: expected staff_name, staff or staff_uuid")


def _by_source(staff: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """``staff`` as ``"name (source)"`` when the frame's rows come from several sources, else as it is."""
    if "source" not in frame or frame["source"].nunique(dropna=True) < 2:
        return staff
    return staff + " (" + frame["source"].astype("string").fillna("?") + ")"


def day_spans(moments: pd.Series, start_minutes: pd.Series | None = None,
              end_minutes: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """The span of each moment's day: the whole day, or a window of it.

    For work given for a day (or a window of a day) rather than at fixed times, as dispatch
    boards show it: from the day's midnight to the next, or from ``start_minutes`` to
    ``end_minutes`` after midnight where both are given (a window ending at or before its start
    ends the next day). Where either is missing, the whole day. Give naive (wall-clock) moments:
    minutes are added to midnight as durations.

    Returns:
        ``(start, end)``, each with the dtype of ``moments``.
    """
    day = moments.dt.normalize()
    if start_minutes is None or end_minutes is None:
        return day, day + pd.Timedelta(days=1)
    first = pd.to_numeric(start_minutes).astype(float).to_numpy()
    last = pd.to_numeric(end_minutes).astype(float).to_numpy()
    windowed = ~(np.isnan(first) | np.isnan(last))
    last = np.where(last > first, last, last + 1440)
    first, last = np.where(windowed, first, 0.0), np.where(windowed, last, 1440.0)
    return (day + pd.to_timedelta(first, unit="min")), (day + pd.to_timedelta(last, unit="min"))


def activity_kinds(frame: pd.DataFrame) -> pd.Series:
    """Each activity's kind: ``recorded`` where ``activity_was_recorded`` is set, else ``booking``."""
    recorded = frame["activity_was_recorded"].fillna(False).astype(bool) if "activity_was_recorded" in frame \
        else pd.Series(False, index=frame.index)
    return pd.Series(np.where(recorded, "recorded", "booking"), index=frame.index, dtype="string")


def spans(frame: pd.DataFrame) -> pd.DataFrame:
    """Put an activities, allocations or normalised frame in the span form.

    Rows without a start, an end or a staff member (or ending before they start) are left out.

    Raises:
        TypeError: ``frame`` is not a DataFrame.
        ValueError: The frame is none of the three forms.
    """
    require_frame(frame, "spans")
    out = frame.copy()
    normalised = False
    if {"start_date", "end_date"} <= set(frame.columns):
        out["start"], out["end"] = frame["start_date"], frame["end_date"]
        out["kind"] = activity_kinds(frame)
    elif "allocation_date" in frame.columns:
        out["start"] = frame["allocation_date"]
        out["end"] = frame["completion_timestamp"].fillna(frame["expiry_timestamp"])
        out["kind"] = "allocation"
    elif {"start", "end"} <= set(frame.columns):
        if "kind" not in frame:
            out["kind"] = "booking"
        normalised = True
    else:
        raise ValueError("expected an activities frame (start_date, end_date), an allocations frame "
                         "(allocation_date) or a frame with staff, start and end columns")
    out["staff"] = _by_source(_staff(frame), frame) if normalised else _staff(frame)
    out["kind"] = out["kind"].astype("string")
    out["start"] = pd.to_datetime(out["start"])
    out["end"] = pd.to_datetime(out["end"])
    keep = out["start"].notna() & out["end"].notna() & (out["end"] >= out["start"]) & out["staff"].notna()
    return out.loc[keep].reset_index(drop=True)


_OVERLAP_COLUMNS = ["staff", "kind", "first", "second", "first_start", "first_end", "second_start", "second_end",
                    "overlap_start", "overlap"]


def overlaps(frame: pd.DataFrame) -> pd.DataFrame:
    """The double-bookings: every pair of spans of one staff member, of one kind, that overlap.

    Rows whose ``hours`` are an amount of work rather than their span's length (a Ruddr allocation
    day of 6.5 h drawn from midnight to midnight) are not booked times and are left out.

    Sort and sweep per staff member and kind (not pairwise): spans are taken in start order and
    compared only with those still running.

    Returns:
        One row per overlapping pair, with ``staff``, ``kind``, ``first`` and ``second`` (the records'
        ``uuid``, or row numbers when there is none), their starts and ends, ``overlap_start`` and
        the ``overlap`` duration.

    Raises:
        TypeError: ``frame`` is not a DataFrame.
    """
    require_frame(frame, "overlaps")
    data = spans(frame)
    data = data[~_amounts(data)]  # a day's allocated hours is an amount of work, not a booked time
    ids = data["uuid"].astype("string") if "uuid" in data else pd.Series(data.index.astype(str), index=data.index)
    data = data.assign(_id=ids).sort_values(["staff", "kind", "start", "end"], kind="stable")
    starts = data["start"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    ends = data["end"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    groups = (data["staff"].astype(str) + "\x00" + data["kind"].astype(str)).to_numpy()
    pairs: list[tuple[int, int]] = []
    running: list[tuple[int, int]] = []  # heap of (end, position) still open
    for position in range(len(data)):
        if position and groups[position] != groups[position - 1]:
            running = []
        start = starts[position]
        while running and running[0][0] <= start:
            heapq.heappop(running)
        pairs.extend((other, position) for _, other in running)
        heapq.heappush(running, (ends[position], position))
    if not pairs:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in zip(_OVERLAP_COLUMNS, [
            "string", "string", "string", "string", "datetime64[ns]", "datetime64[ns]", "datetime64[ns]",
            "datetime64[ns]", "datetime64[ns]", "timedelta64[ns]"])})
    first, second = (np.array(side) for side in zip(*pairs))
    rows = data.iloc
    result = pd.DataFrame({
        "staff": rows[first]["staff"].to_numpy(),
        "kind": rows[first]["kind"].to_numpy(),
        "first": rows[first]["_id"].to_numpy(),
        "second": rows[second]["_id"].to_numpy(),
        "first_start": rows[first]["start"].to_numpy(),
        "first_end": rows[first]["end"].to_numpy(),
        "second_start": rows[second]["start"].to_numpy(),
        "second_end": rows[second]["end"].to_numpy(),
    })
    result["overlap_start"] = result["second_start"]
    result["overlap"] = result[["first_end", "second_end"]].min(axis=1) - result["second_start"]
    return result.astype({"staff": "string", "kind": "string", "first": "string", "second": "string"})


def _amounts(data: pd.DataFrame) -> pd.Series:
    """Which rows' ``hours`` are an amount of work rather than their span's length (see ``utilisation``)."""
    if "hours" not in data:
        return pd.Series(False, index=data.index)
    hours = pd.to_numeric(data["hours"].astype(object), errors="coerce").astype(float)
    length = (data["end"] - data["start"]).dt.total_seconds() / 3600
    return pd.Series(hours.notna() & ~np.isclose(hours, length, rtol=1e-9, atol=1e-6), index=data.index)


def check_hours_per_day(hours_per_day: Any) -> float:
    """``hours_per_day`` checked: a finite number of hours above zero.

    Raises:
        TypeError: Not a number.
        ValueError: Not above 0, or not finite (capacity would be 0, infinite or NaN).
    """
    if isinstance(hours_per_day, bool) or not isinstance(hours_per_day, Real):
        raise TypeError(f"hours_per_day must be a number of hours, not {type(hours_per_day).__name__}")
    hours = float(hours_per_day)
    if not (math.isfinite(hours) and hours > 0):
        raise ValueError(f"hours_per_day must be a finite number of hours above 0 (such as 8), "
                         f"got {hours_per_day!r}")
    return hours


def as_moment(value: Any, name: str) -> pd.Timestamp:
    """A ``start``/``end`` argument as a ``Timestamp``.

    Raises:
        ValueError: ``value`` is no date or time, or is missing (the message names ``name``).
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a date or time; give e.g. '2026-03-02' or a Timestamp") from None
    if stamp is pd.NaT:
        raise ValueError(f"{name} is missing (NaT); give a date or time, or None for the data's own range")
    return stamp


def naive(stamp: pd.Timestamp) -> pd.Timestamp:
    """``stamp`` as a naive wall-clock time (an aware one keeps its wall clock and loses its zone)."""
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def window(start: Any = None, end: Any = None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``start``/``end`` as the naive wall-clock moments a ``timeline_frame`` keeps rows by (an aware
    one keeps its wall clock; ``None`` stays ``None``).

    Raises:
        ValueError: ``start``/``end`` is no time, or ``end`` is before ``start``.
    """
    first = as_moment(start, "start").tz_localize(None) if start is not None else None
    last = as_moment(end, "end").tz_localize(None) if end is not None else None
    if first is not None and last is not None and last < first:
        raise ValueError(f"end={end!r} is before start={start!r}")
    return first, last
