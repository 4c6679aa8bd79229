"""ServiceM8 frames in the normalised timeline shape (``smexplore.core.timeline``).

Registered when ``smexplore.servicem8`` is imported, so ``sm.normalise`` takes:

- a **jobactivity** frame: one row per activity; kind ``booking`` (``activity_was_scheduled``) or
  ``recorded`` (``activity_was_recorded``, time on site), from ``start_date`` to ``end_date``;
  ``hours`` is the time from start to end (elapsed time: in a ``timezone=`` Session, a span across
  a daylight-saving change counts the hours that passed).
- a **joballocation** frame: one row per allocation, kind ``allocation``. An allocation gives a
  job to someone for a day (in a booking window such as "Morning"), not at fixed times, so it
  becomes a span of its ``allocation_date``'s day, as the dispatch board shows it: the window's
  hours when the allocation windows are given (``windows=``: the ``allocationwindow`` frame;
  ``timeline_frame`` pulls them), else the whole day (midnight to midnight). ``hours`` is
  ``<NA>``: ServiceM8 records no amount of work for an allocation.

Both: ``source`` ``"servicem8"``, ``record_id`` the activity's or allocation's ``uuid`` (what
``session.get("jobactivity"/"joballocation", uuid)`` reads), ``staff_id`` the ``staff_uuid``,
``job_id`` the ``job_uuid``; ``staff``, ``job`` and ``client`` are the enriched ``staff_name``,
``job_number`` and ``client_name`` (``<NA>`` when the frame is not enriched); ``billable`` is
``<NA>`` (ServiceM8 does not say). Soft-deleted rows (``active`` false) are left out, and so are rows with no start or
end, or ending before they start. Aware times (a ``timezone=`` Session) become naive wall-clock
times in the account's zone.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, Protocol

import pandas as pd

from ..core.filters.expr import Expr, F, as_expression
from ..core.spans import activity_kinds, as_moment, day_spans
from ..core.timeline import conform, empty_timeline, register_normaliser


class _Pulls(Protocol):
    """What ``timeline_frame`` needs of a ServiceM8 Session (named here so the Session can import this module)."""

    settings: Any

    @property
    def now(self) -> pd.Timestamp: ...

    def activities(self, where: Any = None, **options: Any) -> pd.DataFrame: ...

    def allocations(self, where: Any = None, **options: Any) -> pd.DataFrame: ...

    def allocation_windows(self, where: Any = None, **options: Any) -> pd.DataFrame: ...

__all__ = ["SOURCE", "normalise_activities", "normalise_allocations", "timeline_frame"]

SOURCE = "servicem8"


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]`` as text, or ``<NA>`` throughout when the frame has no such column."""
    return frame[name].astype("string") if name in frame else pd.Series(pd.NA, index=frame.index, dtype="string")


def _live(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows not soft-deleted (``active`` missing counts as live)."""
    if "active" not in frame:
        return frame
    return frame[frame["active"].fillna(True).astype(bool)]


def _timeline(frame: pd.DataFrame, start: pd.Series, end: pd.Series, kind: Any, hours: Any) -> pd.DataFrame:
    out = pd.DataFrame({
        "source": SOURCE,
        "staff_id": _column(frame, "staff_uuid"),
        "staff": _column(frame, "staff_name"),
        "start": start,
        "end": end,
        "hours": hours,
        "kind": kind,
        "record_id": _column(frame, "uuid"),
        "job_id": _column(frame, "job_uuid"),
        "job": _column(frame, "job_number"),
        "client": _column(frame, "client_name"),
        "billable": pd.Series(pd.NA, index=frame.index, dtype="boolean"),
    }, index=frame.index)
    keep = out["start"].notna() & out["end"].notna() & (out["end"] >= out["start"])
    return conform(out.loc[keep].reset_index(drop=True))


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"not a {what} frame: missing {', '.join(missing)}")


def _wall(moments: pd.Series) -> pd.Series:
    """Naive wall-clock times (aware ones in their own zone), so that day arithmetic follows the clock."""
    moments = pd.to_datetime(moments)
    return moments.dt.tz_localize(None) if isinstance(moments.dtype, pd.DatetimeTZDtype) else moments


def normalise_activities(frame: pd.DataFrame) -> pd.DataFrame:
    """A jobactivity frame (enriched or not) as a normalised timeline frame (see the module).

    Raises:
        ValueError: The frame has no ``start_date`` or ``end_date``.
    """
    _require(frame, ("start_date", "end_date"), "jobactivity")
    live = _live(frame)
    if live.empty:
        return empty_timeline()
    start, end = pd.to_datetime(live["start_date"]), pd.to_datetime(live["end_date"])
    return _timeline(live, start, end, activity_kinds(live), (end - start).dt.total_seconds() / 3600)


def normalise_allocations(frame: pd.DataFrame, *, windows: pd.DataFrame | None = None) -> pd.DataFrame:
    """A joballocation frame (enriched or not) as a normalised timeline frame (see the module).

    Args:
        frame: The allocations.
        windows: The ``allocationwindow`` frame (``uuid``, ``start_time``, ``end_time`` in minutes
            after midnight): each allocation then spans its window on its day; without it (or for
            an allocation without a known window) the whole day.

    Raises:
        ValueError: The frame has no ``allocation_date``, or ``windows`` lacks ``uuid``,
            ``start_time`` or ``end_time``.
    """
    _require(frame, ("allocation_date",), "joballocation")
    if windows is not None:
        _require(windows, ("uuid", "start_time", "end_time"), "allocationwindow")
    live = _live(frame)
    if live.empty:
        return empty_timeline()
    moments = _wall(live["allocation_date"])
    first = last = None
    if windows is not None and "allocation_window_uuid" in live:
        known = windows.drop_duplicates("uuid").set_index("uuid")
        key = live["allocation_window_uuid"]
        first = key.map(known["start_time"]).astype("Float64")
        last = key.map(known["end_time"]).astype("Float64")
    start, end = day_spans(moments, first, last)
    return _timeline(live, start, end, "allocation", pd.Series(pd.NA, index=live.index, dtype="Float64"))


def _is_activities(frame: pd.DataFrame) -> bool:
    return {"start_date", "end_date", "staff_uuid", "job_uuid"} <= set(frame.columns)


def _is_allocations(frame: pd.DataFrame) -> bool:
    return {"allocation_date", "staff_uuid", "job_uuid"} <= set(frame.columns)


register_normaliser(SOURCE, "jobactivity", normalise_activities, recognise=_is_activities)
register_normaliser(SOURCE, "joballocation", normalise_allocations, recognise=_is_allocations)


def _wall_bound(bound: pd.Timestamp, zone: str | None) -> pd.Timestamp:
    """A ``start``/``end`` bound on the normalised frame's naive wall clock (the account's zone)."""
    if bound.tzinfo is None:
        return bound
    return (bound.tz_convert(zone) if zone else bound).tz_localize(None)


def timeline_frame(session: _Pulls, where: Expr | str | None = None, start: Any = None,
                   end: Any = None) -> pd.DataFrame:
    """Activities and allocations of a Session, enriched, as one normalised timeline frame.

    Args:
        session: The ServiceM8 Session to pull from.
        where: A filter both ``jobactivity`` and ``joballocation`` understand (an expression or
            ``$filter`` text): ``staff_uuid``, ``job_uuid``, ``staff_name``, ``job_number``,
            ``client_name``, ``category_name``, ``active``, ``edit_date``…
        start: Keep spans that end after this moment (a naive time is account time).
        end: Keep spans that start before this moment.

    The window is sent with ``where`` (as ``$filter``): activities ending after ``start`` and
    starting before ``end`` (``end_date gt …``, ``start_date lt …``), allocations of the days from
    the one before ``start``'s (a booking window may pass midnight) to ``end``
    (``allocation_date gt …``, ``allocation_date lt …``); the spans are then trimmed to it exactly.

    Returns:
        Bookings, recorded time and allocations (in their windows), sorted by start then staff;
        ``attrs["now"]`` is the account's now.

    Raises:
        ValueError: ``start``/``end`` is no time, or ``end`` is before ``start``.
        SMExploreError: As ``Session.frame`` (a filter that does not fit, the API refusing…).
    """
    first = as_moment(start, "start") if start is not None else None
    last = as_moment(end, "end") if end is not None else None
    if first is not None and last is not None and last < first:
        raise ValueError(f"end={end!r} is before start={start!r}")
    base = as_expression(where)
    booked, allocated = [], []
    if first is not None:
        booked.append(F.end_date > first)
        allocated.append(F.allocation_date >= first.normalize() - pd.Timedelta(days=1))  # windows may pass midnight
    if last is not None:
        booked.append(F.start_date < last)
        allocated.append(F.allocation_date < last)

    def combined(parts: list[Expr]) -> Expr | None:
        conditions = ([base] if base is not None else []) + parts
        return reduce(operator.and_, conditions) if conditions else None

    activities = session.activities(combined(booked), enrich=True)
    allocations = session.allocations(combined(allocated), enrich=True)
    windows = session.allocation_windows(include_inactive=True)
    parts = [normalise_activities(activities), normalise_allocations(allocations, windows=windows)]
    result = conform(pd.concat(parts, ignore_index=True))
    if first is not None:  # exactly: the spans' own ends, not the records' fields
        result = result[result["end"] > _wall_bound(first, session.settings.timezone)]
    if last is not None:
        result = result[result["start"] < _wall_bound(last, session.settings.timezone)]
    result = result.sort_values(["start", "staff", "staff_id"], kind="stable").reset_index(drop=True)
    result.attrs = {"source": SOURCE, "resource": "timeline", "now": session.now.isoformat()}
    return result
