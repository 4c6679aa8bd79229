"""Syncd frames in the normalised timeline shape (``smexplore.core.timeline``).

Registered when ``smexplore.syncd.normalise`` is imported, so ``sm.normalise`` takes a Syncd
``time_entries`` or ``job_assignments`` frame (``frame.attrs["source"] == "syncd"``, or recognised by
its columns).

**Time entries** (``normalise_time_entries``) become one ``time_entry`` row each, the user's:
``staff_id`` the user's id, ``staff`` their full name (``user_name``), ``job_id`` the job's id,
``job`` its path (``"Client / Project / Task"``), ``client`` its top-level job (``root_name``),
``hours`` the entry's ``duration / 60``, ``billable`` ``<NA>`` (Syncd's entries do not say),
``record_id`` the entry's ``id`` as text. An entry with start and end times spans them: naive
wall-clock times as the user wrote them in a session without a time zone, the session zone's wall
clock in one with a zone. An entry given as a duration only spans its day, 00:00 to 00:00
(``hours`` is still its duration, which is what ``sm.utilisation`` measures for such rows).

**Assignments** (``normalise_assignments``) say who may work on a job, not when: Syncd gives them no
dates. A frame that does carry ``start_date`` and ``end_date`` (an export of one's own, say) has
each assignment with both become an ``allocation`` row from the first day's 00:00 to the day after
the last, ``hours`` ``<NA>`` (an assignment plans no amount of work), ``record_id`` its ``id`` (``<NA>``
without one); a Session's frame has no such columns, so it gives no rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.filters.expr import Expr, F
from ..core.spans import window
from ..core.timeline import TIMELINE_COLUMNS, conform, empty_timeline, register_normaliser

__all__ = ["ENTRY_SPAN", "SOURCE", "normalise_assignments", "normalise_time_entries", "timeline_frame", "window",
           "window_filter"]

SOURCE = "syncd"
_DAY = pd.Timedelta(days=1)


def _ids(values: pd.Series) -> pd.Series:
    return values.astype("Int64").astype("string")


def _record_ids(frame: pd.DataFrame) -> pd.Series:
    """Each record's ``id`` as text (``"12"``), ``<NA>`` throughout when the frame has no ``id``."""
    return _ids(frame["id"]) if "id" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"a Syncd {what} frame needs the column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}; use the frame Session.{what}() returns")


def _wall(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    return pd.to_datetime(values).astype("datetime64[ns]")


def normalise_time_entries(frame: pd.DataFrame) -> pd.DataFrame:
    """Time entries as ``time_entry`` rows, one per entry (see the module).

    Raises:
        ValueError: The frame lacks ``user_id``, ``job_id``, ``duration``, ``start_time``,
            ``end_time`` or ``date``.
    """
    _require(frame, ("user_id", "job_id", "duration", "start_time", "end_time", "date"), "time_entries")
    if frame.empty:
        return empty_timeline()
    day = _wall(frame["date"]).dt.normalize()
    timed = frame["start_time"].notna() & frame["end_time"].notna()
    start = _wall(frame["start_time"]).where(timed, day)
    end = _wall(frame["end_time"]).where(timed, day + _DAY)
    rows = pd.DataFrame({
        "source": SOURCE,
        "staff_id": _ids(frame["user_id"]),
        "staff": _column(frame, "user_name"),
        "start": start,
        "end": end,
        "hours": pd.to_numeric(frame["duration"]).astype("Float64") / 60,
        "kind": "time_entry",
        "record_id": _record_ids(frame),
        "job_id": _ids(frame["job_id"]),
        "job": _column(frame, "job_path"),
        "client": _column(frame, "root_name"),
        "billable": pd.array([pd.NA] * len(frame), dtype="boolean"),
    }, index=frame.index)
    return conform(rows[list(TIMELINE_COLUMNS)]).reset_index(drop=True)


def normalise_assignments(frame: pd.DataFrame) -> pd.DataFrame:
    """Assignments that carry ``start_date`` and ``end_date`` as ``allocation`` spans (see the module); none else."""
    if frame.empty or "start_date" not in frame or "end_date" not in frame:
        return empty_timeline()
    _require(frame, ("user_id", "job_id"), "job_assignments")
    first, last = _wall(frame["start_date"]).dt.normalize(), _wall(frame["end_date"]).dt.normalize()
    dated = first.notna() & last.notna()
    frame, first, last = frame[dated], first[dated], last[dated]
    if frame.empty:
        return empty_timeline()
    name = _column(frame, "user_name")
    if "user_first_name" in frame:
        full = (frame["user_first_name"].astype("string").fillna("") + " "
                + _column(frame, "user_last_name").astype("string").fillna("")).str.strip()
        name = full.mask(full == "", name)
    rows = pd.DataFrame({
        "source": SOURCE, "staff_id": _ids(frame["user_id"]), "staff": name, "start": first, "end": last + _DAY,
        "hours": pd.array([pd.NA] * len(frame), dtype="Float64"), "kind": "allocation",
        "record_id": _record_ids(frame),
        "job_id": _ids(frame["job_id"]), "job": _column(frame, "job_path").fillna(_column(frame, "job_name")),
        "client": pd.array([pd.NA] * len(frame), dtype="string"),
        "billable": pd.array([pd.NA] * len(frame), dtype="boolean"),
    }, index=frame.index)
    return conform(rows[list(TIMELINE_COLUMNS)]).reset_index(drop=True)


ENTRY_SPAN = pd.Timedelta(days=1)
"""The longest one time entry's start and end times are taken to span."""

_ZONE_SLACK = 2 * _DAY
"""How far a ``timezone=`` session's wall clock can be from the one an entry was written with (offsets run
from -12:00 to +14:00: less than 26 hours), in whole days."""




def window_filter(start: Any = None, end: Any = None, timezone: str | None = None) -> Expr | None:
    """What every time entry with a row between ``start`` and ``end`` meets, on its ``date`` (``None``: no bound).

    An entry's ``date`` is its start's day as the user wrote it, and its row runs from its start
    (that day's 00:00 for an entry given as a duration) for at most ``ENTRY_SPAN``: so its ``date``
    is before ``end`` and after ``start`` less ``ENTRY_SPAN`` and a day. In a session with a
    ``timezone``, starts are that zone's wall clock, up to a day from the user's: two days more on
    either side. Sent as Syncd's ``start_date``/``end_date`` (whole days); ``timeline_frame`` trims the
    rows to the window exactly.
    """
    first, last = window(start, end)
    slack = _ZONE_SLACK if timezone else pd.Timedelta(0)
    bounds: list[Expr] = []
    if first is not None:
        bounds.append(F.date > first - ENTRY_SPAN - _DAY - slack)
    if last is not None:
        bounds.append(F.date < last + slack)
    if not bounds:
        return None
    return bounds[0] & bounds[1] if len(bounds) == 2 else bounds[0]


def _is_time_entries(frame: pd.DataFrame) -> bool:
    return {"user_id", "job_id", "duration", "start_time", "end_time", "start_date"} <= set(frame.columns)


def _is_assignments(frame: pd.DataFrame) -> bool:
    return {"user_id", "user_group_id", "users", "jobs", "job_id"} <= set(frame.columns)


register_normaliser(SOURCE, "time_entries", normalise_time_entries, recognise=_is_time_entries)
register_normaliser(SOURCE, "job_assignments", normalise_assignments, recognise=_is_assignments)


def timeline_frame(time_entries: pd.DataFrame | None = None, assignments: pd.DataFrame | None = None, *,
                   start: Any = None, end: Any = None) -> pd.DataFrame:
    """Syncd time entries (and dated assignments) as one normalised timeline frame, by start then person.

    Args:
        time_entries: A time-entries frame (``Session.time_entries()``), or ``None``.
        assignments: A job-assignments frame, or ``None`` (only dated ones give rows).
        start: Keep rows ending after this moment (naive wall-clock time).
        end: Keep rows starting before this moment.

    Raises:
        ValueError: ``start``/``end`` is no time, or ``end`` is before ``start``; a frame lacks
            the columns its normaliser needs.
    """
    first, last = window(start, end)
    parts = [normalise_time_entries(time_entries) if time_entries is not None else None,
             normalise_assignments(assignments) if assignments is not None else None]
    found = [p for p in parts if p is not None and not p.empty]
    if not found:
        return empty_timeline()
    rows = pd.concat(found, ignore_index=True)
    if first is not None:
        rows = rows[rows["end"] > first]
    if last is not None:
        rows = rows[rows["start"] < last]
    rows = rows.sort_values(["start", "staff", "end"], kind="stable", ignore_index=True)
    return conform(rows)
