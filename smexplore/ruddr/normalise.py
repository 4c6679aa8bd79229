"""Ruddr frames in the normalised timeline shape (``smexplore.core.timeline``).

Registered when ``smexplore.ruddr.normalise`` is imported, so ``sm.normalise`` takes a Ruddr
``allocations`` or ``time-entries`` frame (``frame.attrs["source"] == "ruddr"``, or recognised by
its columns). Every row is one person's (or placeholder's) hours on one day: ``start`` is the day
at 00:00 and ``end`` the next day at 00:00 (naive), and ``hours`` is the amount of work, which is
what ``sm.utilisation`` measures for such rows (not the 24 hours of the span).

**Allocations** (``normalise_allocations``) become one row per allocated working day, the day's
hours given by ``allocation_hours.daily_hours`` (THE rule behind ``totalHours``) with:

- the capacity of the member (``availabilityPeriods`` of the ``members`` frame) or, for a
  placeholder, "the default capacity for the workspace" (the documents' words), taken to be
  ``DEFAULT_CAPACITY`` (8 h Monday to Friday). Without ``members`` (or for a member it lacks),
  members get the default capacity too;
- the member's days off: every date from ``start`` to ``end`` of the member's time-off allocations
  (any ``entity``) in the frame (and in ``time_off=``), for a member's project allocation whose
  ``allocateOnTimeOffDays`` is not true;
- Ruddr's own ``totalHours`` as the last word: where the rule's sum differs from ``totalHours``
  by more than a cent (no ``members`` given, a filtered frame that lost the time off, or a rule of
  Ruddr's this package does not know), the days' hours are scaled to sum to ``totalHours`` (and
  when the rule gives no day at all, ``totalHours`` is spread evenly over the weekdays of the
  range, or over every date). ``allocation_days`` shows which allocations were scaled.

``kind``: ``allocation`` for a member's project allocation, ``placeholder`` for a placeholder's
(``staff_id``/``staff`` the placeholder's id and name: unfilled demand), ``time_off`` for a
time-off allocation, and ``time_entry`` for a project allocation that Ruddr made from a time entry
(``entity`` ``time_entry``: recorded time, not a plan). ``job_id``/``job`` are the project's id and
name (for time off, the time-off type's: ``Vacation``, ``Holiday``…), ``client`` the project's
client name, ``billable`` the allocation's ``isBillable`` (``<NA>`` when the frame has none),
``record_id`` the allocation's ``id`` (shared by all its days). Days with no hours are left out.

**Time entries** (``normalise_time_entries``) become one row per entry: ``hours`` is
``minutes / 60``; ``kind`` ``time_entry`` for project time (``typeId`` ``project_time``) and
``time_off`` for time off recorded as time; ``record_id`` the entry's ``id``; the day from 00:00 to
00:00, or from ``startTime`` to ``endTime`` where both are recorded (``HH:MM``). Every status is kept (filter ``status_id``
first to leave out rejected or unsubmitted time).

**Counting time off once.** Ruddr's allocation list also returns read-only allocations "sourced
from time entries or holidays" (``entity`` ``time_entry``/``holiday``), and a planned vacation
that was later recorded appears three times: the planned allocation, the recorded time entry and
the read-only allocation Ruddr made from it. So time off is counted once per person and day: of
the time-off rows of one person on one day, only those of the most direct record are kept, in
this order: a time entry (``time_off``), a read-only allocation from a time entry, a holiday, a
planned time-off allocation. ``timeline_frame`` applies it across allocations and time entries,
and drops the project allocations made from time entries (``entity`` ``time_entry``, kind
``time_entry``) when the time entries themselves are given, so recorded time is never counted
twice. Planned project work (``allocation``) and recorded work (``time_entry``) are different
kinds on purpose: plan and actuals side by side, not a double count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..core.filters.expr import Expr, F
from ..core.frames import to_frame
from ..core.spans import day_spans, window
from ..core.timeline import TIMELINE_COLUMNS, conform, empty_timeline, register_normaliser
from .allocation_hours import DEFAULT_CAPACITY, UNITS, capacity_from_periods, daily_hours
from .flatten import flatten
from .resources import get_resource

__all__ = ["SOURCE", "TIME_OFF_ORDER", "allocation_days", "as_frame", "column_values", "days_off_filter", "joined",
           "member_capacities", "normalise_allocations", "normalise_time_entries", "time_off_dates", "timeline_frame",
           "window", "window_filters", "with_time_off"]

SOURCE = "ruddr"

TIME_OFF_ORDER: tuple[str, ...] = ("time entry", "allocation from a time entry", "holiday", "planned allocation")
"""Which record of a person's time off on a day is kept, most direct first (see the module)."""

_RANK = {"time_entry": 1, "holiday": 2, "allocation": 3}  # an allocation's entity → its place in TIME_OFF_ORDER
_ENTRY_RANK = 0

_AMOUNT = {"day": "hours_per_day", "week": "hours_per_week", "month": "hours_per_month",
           "allocation": "hours_per_allocation", "ratio_of_capacity": "hours_ratio_of_capacity"}
"""The hours field that matches each ``unit`` (flattened names)."""

_TOLERANCE = 0.01
"""How far the rule's sum may be from ``totalHours`` (rounded to cents by Ruddr) before it is scaled."""

Capacity = Callable[[date], float]


# --- reading frames ------------------------------------------------------------------------------
def as_frame(data: pd.DataFrame | Iterable[Mapping[str, Any]] | None, resource: str) -> pd.DataFrame | None:
    """``data`` as a frame: a DataFrame as it is, wire records (camelCase, nested) flattened and typed.

    Args:
        data: A frame of a Ruddr list (as a Session returns it), records as the API sends them,
            or ``None``.
        resource: The resource the records are of (``"allocations"``, ``"members"``, ``"time-entries"``).
    """
    if data is None or isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        raise TypeError(f"give a list of {resource} records or a DataFrame, not one record")
    frame = to_frame([flatten(record) for record in data], get_resource(resource))
    frame.attrs.update(source=SOURCE, resource=resource)
    return frame


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]`` as text, or ``<NA>`` throughout when the frame has no such column."""
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[name].astype("string")


def column_values(frame: pd.DataFrame, name: str) -> list[Any]:
    """``frame[name]`` as Python values, ``None`` where missing (or throughout when there is no such column)."""
    if name not in frame:
        return [None] * len(frame)
    return [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
            for v in frame[name].astype(object).tolist()]


def _days(frame: pd.DataFrame, name: str) -> list[date | None]:
    """``frame[name]`` (dates, text ``YYYY-MM-DD`` or times) as dates, ``None`` where missing."""
    if name not in frame:
        return [None] * len(frame)
    moments = pd.to_datetime(frame[name], errors="coerce")
    if isinstance(moments.dtype, pd.DatetimeTZDtype):
        moments = moments.dt.tz_localize(None)
    return [None if pd.isna(m) else m.date() for m in moments]


def _flags(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    values = frame[name]
    if values.dtype == "boolean" or pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    truth = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
    return values.astype(object).map(lambda v: truth.get(str(v).lower()) if v is not None and v is not pd.NA
                                     else None).astype("boolean")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"not a Ruddr {what} frame: missing {', '.join(missing)}")


# --- capacity and days off ------------------------------------------------------------------------
def _periods(value: Any) -> list[Mapping[str, Any]]:
    """A member's ``availabilityPeriods`` (camelCase as sent, or snake_case) in the form ``capacity_from_periods`` takes."""
    if value is None or isinstance(value, float) or value is pd.NA:
        return []
    periods: list[Mapping[str, Any]] = []
    for period in value:
        week = period.get("hoursPerDay", period.get("hours_per_day"))
        if week is None:
            continue
        periods.append({"start": _period_day(period.get("start")), "end": _period_day(period.get("end")),
                        "hoursPerDay": list(week)})
    return periods


def _period_day(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return pd.Timestamp(value).date().isoformat()


def member_capacities(members: pd.DataFrame | Iterable[Mapping[str, Any]] | None) -> dict[str, Capacity]:
    """Member id → hours the member can work on a date, from ``availabilityPeriods``.

    A member with no periods has the workspace default (``DEFAULT_CAPACITY``); a date outside
    every period of a member who has some has none (``capacity_from_periods``).
    """
    frame = as_frame(members, "members")
    if frame is None or frame.empty:
        return {}
    _require(frame, ("id",), "members")
    ids = column_values(frame, "id")
    periods = column_values(frame, "availability_periods")
    return {str(member): capacity_from_periods(_periods(spans)) for member, spans in zip(ids, periods, strict=True)
            if member is not None}


def _member_names(members: pd.DataFrame | None) -> dict[str, str]:
    if members is None or "id" not in members or "name" not in members:
        return {}
    return {str(i): str(n) for i, n in zip(column_values(members, "id"), column_values(members, "name"), strict=True)
            if i is not None and n is not None}


def time_off_dates(allocations: pd.DataFrame) -> dict[str, set[date]]:
    """Member id → every date from ``start`` to ``end`` of the member's time-off allocations (any ``entity``)."""
    dates: dict[str, set[date]] = defaultdict(set)
    if allocations.empty:
        return dates
    assignment = _assignment(allocations)
    members = column_values(allocations, "member_id")
    for kind, member, first, last in zip(assignment, members, _days(allocations, "start"), _days(allocations, "end"),
                                         strict=True):
        if kind == "time_off" and member is not None and first is not None and last is not None:
            dates[str(member)].update(first + timedelta(days=k) for k in range((last - first).days + 1))
    return dates


def _assignment(frame: pd.DataFrame) -> list[str]:
    """Each allocation's ``assignmentTypeId``, inferred from ``project_id`` where the column is missing."""
    given = column_values(frame, "assignment_type_id")
    projects = column_values(frame, "project_id")
    return [str(g) if g is not None else ("project" if p is not None else "time_off")
            for g, p in zip(given, projects, strict=True)]


def _resource_type(frame: pd.DataFrame) -> list[str]:
    given = column_values(frame, "resource_type_id")
    members = column_values(frame, "member_id")
    return [str(g) if g is not None else ("member" if m is not None else "placeholder")
            for g, m in zip(given, members, strict=True)]


# --- allocations → days -----------------------------------------------------------------------
def _spread(total: float, first: date, last: date) -> dict[date, float]:
    """``total`` evenly over the weekdays from ``first`` to ``last`` (every date if none is a weekday)."""
    every = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    days = [d for d in every if d.weekday() < 5] or every
    return {d: total / len(days) for d in days}


def _expand(frame: pd.DataFrame, members: Any, time_off: Any) -> tuple[list[int], list[date], list[float], list[bool]]:
    """Each allocation's days: (row position, date, hours, scaled) for every date with hours."""
    capacities = member_capacities(members)
    off = time_off_dates(frame)
    extra = as_frame(time_off, "allocations")
    if extra is not None:
        for member, dates in time_off_dates(extra).items():
            off[member] |= dates
    units, totals = column_values(frame, "unit"), column_values(frame, "total_hours")
    amounts = {unit: column_values(frame, column) for unit, column in _AMOUNT.items()}
    members_, on_time_off = column_values(frame, "member_id"), column_values(frame, "allocate_on_time_off_days")
    resource, assignment = _resource_type(frame), _assignment(frame)
    firsts, lasts = _days(frame, "start"), _days(frame, "end")
    positions: list[int] = []
    days: list[date] = []
    hours: list[float] = []
    scaled: list[bool] = []
    for row in range(len(frame)):
        first, last, unit, total = firsts[row], lasts[row], units[row], totals[row]
        if first is None or last is None or last < first:
            continue
        total = None if total is None else float(total)
        amount = amounts[unit][row] if unit in UNITS else None
        if amount is None:  # an unknown unit or no hours field: Ruddr's total, spread over working days
            unit, amount = "allocation", total
        if amount is None:
            continue
        member = members_[row]
        is_member = resource[row] == "member" and member is not None
        capacity = capacities.get(str(member), DEFAULT_CAPACITY) if is_member else DEFAULT_CAPACITY
        days_off = off.get(str(member), set()) if (is_member and assignment[row] == "project"
                                                   and on_time_off[row] is not True) else set()
        by_day = daily_hours(unit, first, last, max(0.0, float(amount)), capacity=capacity, days_off=days_off)
        rule = sum(by_day.values())
        changed = total is not None and abs(rule - total) > _TOLERANCE
        if changed and total is not None:
            by_day = {d: h * total / rule for d, h in by_day.items()} if rule > 0 else _spread(total, first, last)
        for day, amount_on_day in by_day.items():
            if amount_on_day > 0:
                positions.append(row)
                days.append(day)
                hours.append(amount_on_day)
                scaled.append(changed)
    return positions, days, hours, scaled


def allocation_days(allocations: pd.DataFrame | Iterable[Mapping[str, Any]], members: Any = None, *,
                    time_off: Any = None) -> pd.DataFrame:
    """Every allocation's hours on each of its dates: the expansion ``normalise_allocations`` draws.

    Args:
        allocations: A Ruddr allocations frame (or the API's records).
        members: The members frame (or records), for capacity (see the module); ``None``: the
            workspace default for everyone.
        time_off: More time-off allocations to take members' days off from, when ``allocations``
            was filtered and lacks them.

    Returns:
        One row per allocation and date with hours, in the allocations' order then date order:
        ``id`` (``string``), ``date`` (``datetime64[ns]``), ``hours`` (``Float64``) and ``scaled``
        (``boolean``: the rule disagreed with the allocation's ``totalHours`` and its days were
        scaled to it).
    """
    frame = as_frame(allocations, "allocations")
    assert frame is not None
    columns = {"id": "string", "date": "datetime64[ns]", "hours": "Float64", "scaled": "boolean"}
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})
    _require(frame, ("start", "end", "unit"), "allocations")
    positions, days, hours, scaled = _expand(frame, members, time_off)
    return pd.DataFrame({
        "id": _text(frame, "id").to_numpy()[positions] if positions else [],
        "date": pd.to_datetime(days), "hours": hours, "scaled": scaled,
    }).astype(columns)


def _allocation_rows(frame: pd.DataFrame, members: Any, time_off: Any) -> pd.DataFrame:
    """Allocation days as timeline rows, with ``_rank`` (time off's place in ``TIME_OFF_ORDER``) and ``_entity``."""
    positions, days, hours, _ = _expand(frame, members, time_off)
    if not positions:
        return empty_timeline().assign(_rank=pd.Series(dtype="Float64"), _entity=pd.Series(dtype="string"))
    base = frame.iloc[positions].reset_index(drop=True)
    resource, assignment = _resource_type(base), _assignment(base)
    entity = _text(base, "entity").fillna("allocation")
    placeholder = pd.Series([r == "placeholder" for r in resource])
    off = pd.Series([a == "time_off" for a in assignment])
    kind = np.where(off, "time_off", np.where(placeholder, "placeholder",
                                              np.where(entity == "time_entry", "time_entry", "allocation")))
    start = pd.Series(pd.to_datetime(days), dtype="datetime64[ns]")
    names = _member_names(as_frame(members, "members"))
    member_name = _text(base, "member_name").fillna(_text(base, "member_id").map(names).astype("string"))
    rows = pd.DataFrame({
        "source": SOURCE,
        "staff_id": _text(base, "placeholder_id").where(placeholder, _text(base, "member_id")),
        "staff": _text(base, "placeholder_name").where(placeholder, member_name),
        "start": start,
        "end": start + pd.Timedelta(days=1),
        "hours": pd.array(hours, dtype="Float64"),
        "kind": kind,
        "record_id": _text(base, "id"),
        "job_id": _text(base, "time_off_type_id").where(off, _text(base, "project_id")),
        "job": _text(base, "time_off_type_name").where(off, _text(base, "project_name")),
        "client": _text(base, "project_client_name"),
        "billable": _flags(base, "is_billable"),
    })
    rows["_rank"] = pd.array(np.where(off, entity.map(_RANK).fillna(_RANK["allocation"]).astype(float), np.nan),
                             dtype="Float64")
    rows["_entity"] = entity
    return rows


def _time_off_once(rows: pd.DataFrame) -> pd.DataFrame:
    """Time off counted once per person and day: only the rows of the most direct record (``TIME_OFF_ORDER``)."""
    if rows.empty or "_rank" not in rows:
        return rows
    off = rows["kind"].eq("time_off") & rows["_rank"].notna()
    if not off.any():
        return rows
    keys = [rows["staff_id"].fillna(""), rows["start"].dt.normalize()]
    rank = rows["_rank"].astype(float).where(off)
    best = rank.groupby(keys).transform("min")
    return rows.loc[~(off & (rank > best)).to_numpy()]


def _finish(rows: pd.DataFrame | None, attrs: Mapping[Any, Any]) -> pd.DataFrame:
    """``rows`` conformed and sorted (by day, then person), tagged as a Ruddr timeline; no rows: an empty one."""
    result = empty_timeline() if rows is None or rows.empty else conform(rows[list(TIMELINE_COLUMNS)])
    result = result.sort_values(["start", "staff", "staff_id", "kind"], kind="stable").reset_index(drop=True)
    result.attrs = {**attrs, "source": SOURCE, "resource": "timeline"}
    return result


def normalise_allocations(frame: pd.DataFrame | Iterable[Mapping[str, Any]], members: Any = None, *,
                          time_off: Any = None) -> pd.DataFrame:
    """A Ruddr allocations frame as a normalised timeline frame: one row per allocated working day.

    Args:
        frame: The allocations (a frame, or the API's records).
        members: The members frame (or records): each member's capacity (``availabilityPeriods``)
            and name. Without it every member has the workspace default capacity (8 h Monday to
            Friday) and each allocation's days are scaled to its ``totalHours`` (see the module).
        time_off: More time-off allocations for the members' days off, when ``frame`` was filtered.

    Returns:
        The timeline columns, sorted by day then person; time off counted once per person and day.

    Raises:
        ValueError: The frame has no ``start``, ``end`` or ``unit``.
    """
    data = as_frame(frame, "allocations")
    assert data is not None
    if data.empty:
        return _finish(None, data.attrs)
    _require(data, ("start", "end", "unit"), "allocations")
    return _finish(_time_off_once(_allocation_rows(data, members, time_off)), data.attrs)


# --- time entries ----------------------------------------------------------------------------------
def _clock_minutes(frame: pd.DataFrame, name: str) -> pd.Series:
    """``HH:MM`` (or a time's ``THH:MM``) in ``frame[name]`` as minutes after midnight; ``<NA>`` where none."""
    parts = _text(frame, name).str.extract(r"(?:^|T)(\d{1,2}):(\d{2})")
    return (pd.to_numeric(parts[0]) * 60 + pd.to_numeric(parts[1])).astype("Float64")


def _entry_rows(frame: pd.DataFrame) -> pd.DataFrame:
    day = pd.to_datetime(frame["date"], errors="coerce")
    if isinstance(day.dtype, pd.DatetimeTZDtype):
        day = day.dt.tz_localize(None)
    start, end = day_spans(day.astype("datetime64[ns]"), _clock_minutes(frame, "start_time"),
                           _clock_minutes(frame, "end_time"))
    type_id = _text(frame, "type_id")
    off = ((type_id == "time_off").fillna(False) | (type_id.isna() & _text(frame, "time_off_type_id").notna())
           ).astype(bool).to_numpy()
    minutes = pd.to_numeric(frame["minutes"].astype(object).where(frame["minutes"].notna(), None), errors="coerce")
    rows = pd.DataFrame({
        "source": SOURCE,
        "staff_id": _text(frame, "member_id"),
        "staff": _text(frame, "member_name"),
        "start": start,
        "end": end,
        "hours": (minutes / 60).astype("Float64"),
        "kind": np.where(off, "time_off", "time_entry"),
        "record_id": _text(frame, "id"),
        "job_id": _text(frame, "time_off_type_id").where(off, _text(frame, "project_id")),
        "job": _text(frame, "time_off_type_name").where(off, _text(frame, "project_name")),
        "client": _text(frame, "project_client_name"),
        "billable": _flags(frame, "is_billable"),
    }, index=frame.index)
    rows["_rank"] = pd.array(np.where(off, float(_ENTRY_RANK), np.nan), dtype="Float64")
    rows["_entity"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return rows[rows["start"].notna() & rows["hours"].notna()].reset_index(drop=True)


def normalise_time_entries(frame: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A Ruddr time-entries frame as a normalised timeline frame: one row per entry (see the module).

    Raises:
        ValueError: The frame has no ``date`` or ``minutes``.
    """
    data = as_frame(frame, "time-entries")
    assert data is not None
    if data.empty:
        return _finish(None, data.attrs)
    _require(data, ("date", "minutes"), "time-entries")
    return _finish(_entry_rows(data), data.attrs)


# --- registration and the Session's helper ----------------------------------------------------
def _is_allocations(frame: pd.DataFrame) -> bool:
    return {"resource_type_id", "assignment_type_id", "unit", "total_hours"} <= set(frame.columns)


def _is_time_entries(frame: pd.DataFrame) -> bool:
    return {"type_id", "date", "minutes", "member_id"} <= set(frame.columns)


register_normaliser(SOURCE, "allocations", normalise_allocations, recognise=_is_allocations)
register_normaliser(SOURCE, "time-entries", normalise_time_entries, recognise=_is_time_entries)


def timeline_frame(allocations: Any = None, members: Any = None, time_entries: Any = None, *,
                   start: Any = None, end: Any = None) -> pd.DataFrame:
    """Ruddr allocations and time entries as one normalised timeline frame, recorded time counted once.

    Args:
        allocations: The allocations frame (or the API's records); ``None`` for none.
        members: The members frame (or records), for capacity and names (see ``normalise_allocations``).
        time_entries: The time-entries frame (or records); ``None`` for none.
        start: Keep rows of days ending after this moment (naive, the workspace's dates).
        end: Keep rows of days starting before this moment.

    Returns:
        Allocation days, placeholder demand, time off and time entries, sorted by day then person.
        Time off is counted once per person and day (``TIME_OFF_ORDER``), and project allocations
        Ruddr made from time entries are left out when ``time_entries`` is given.

    Raises:
        ValueError: ``start``/``end`` is no time, or ``end`` is before ``start``; a frame lacks
            the columns its normaliser needs.
    """
    first, last = window(start, end)
    parts = []
    planned = as_frame(allocations, "allocations")
    recorded = as_frame(time_entries, "time-entries")
    if planned is not None and not planned.empty:
        _require(planned, ("start", "end", "unit"), "allocations")
        rows = _allocation_rows(planned, members, None)
        if recorded is not None:
            rows = rows[~(rows["kind"].eq("time_entry") & rows["_entity"].eq("time_entry"))]
        parts.append(rows)
    if recorded is not None and not recorded.empty:
        _require(recorded, ("date", "minutes"), "time-entries")
        parts.append(_entry_rows(recorded))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _finish(None, {})
    rows = _time_off_once(pd.concat(parts, ignore_index=True))
    if first is not None:
        rows = rows[rows["end"] > first]
    if last is not None:
        rows = rows[rows["start"] < last]
    return _finish(rows, {})


# --- a window pushed to the server (``Session.timeline_frame(start=, end=)``) ---------------------
_DAY = pd.Timedelta(days=1)




def joined(*parts: Expr | None) -> Expr | None:
    """The conditions joined by ``&`` (``None`` ones left out; ``None`` when none is left)."""
    combined: Expr | None = None
    for part in parts:
        if part is not None:
            combined = part if combined is None else combined & part
    return combined


def window_filters(start: Any = None, end: Any = None) -> tuple[Expr | None, Expr | None]:
    """What every allocation and every time entry with a row between ``start`` and ``end`` meets.

    A row is a day (00:00 to 00:00) or a time entry's ``startTime``–``endTime`` on its ``date`` (one
    ending at or before its start ends the next day), so:

    - an allocation has a row in the window only if it starts before ``end`` and ends on or after
      ``start``'s day (``F.start < end``, ``F.end >= day``: Ruddr's ``startBefore``/``startOnBefore``
      and ``endOnAfter``; one spanning the whole window meets both);
    - a time entry only if its ``date`` is before ``end`` and after two days before ``start``
      (``dateBefore``/``dateOnBefore``, ``dateAfter``).

    Returns:
        ``(allocations, time entries)``: the conditions, ``None`` where the window has no bound.
        ``timeline_frame`` trims the rows to the window exactly.
    """
    first, last = window(start, end)
    planned: list[Expr] = []
    recorded: list[Expr] = []
    if last is not None:
        planned.append(F.start < last)
        recorded.append(F.date < last)
    if first is not None:
        planned.append(F.end >= first.normalize())
        recorded.append(F.date > first - 2 * _DAY)
    return joined(*planned), joined(*recorded)


def days_off_filter(allocations: pd.DataFrame, start: Any = None, end: Any = None) -> Expr | None:
    """The time-off allocations a window's allocations need beyond the window, or ``None``: none.

    A member's project allocation is spread over its working days less the member's days off, and
    its days are scaled to ``totalHours`` (see the module): its hours on a day inside the window
    depend on the time off over its whole range. Time off that overlaps the window came with the
    window's allocations; this asks for the rest: time-off allocations (``assignmentTypeId=time_off``)
    overlapping the days from the first start to the last end of the member project allocations
    (not allocating on time-off days) that reach out of the window.
    """
    first, last = window(start, end)
    if allocations.empty or (first is None and last is None):
        return None
    _require(allocations, ("start", "end"), "allocations")
    starts, ends = _days(allocations, "start"), _days(allocations, "end")
    needs = [
        (a, b) for a, b, who, what, member, on_off in zip(
            starts, ends, _resource_type(allocations), _assignment(allocations), column_values(allocations, "member_id"),
            column_values(allocations, "allocate_on_time_off_days"), strict=True)
        if a is not None and b is not None and who == "member" and what == "project" and member is not None
        and on_off is not True]
    if not needs:
        return None
    low, high = min(a for a, _ in needs), max(b for _, b in needs)
    beyond = (first is not None and low < first.normalize().date()) or (last is not None
                                                                       and pd.Timestamp(high) >= last)
    if not beyond:
        return None
    return (F.assignment_type_id == "time_off") & (F.start <= pd.Timestamp(high)) & (F.end >= pd.Timestamp(low))


def with_time_off(allocations: pd.DataFrame, time_off: pd.DataFrame) -> pd.DataFrame:
    """``allocations`` and the ``time_off`` allocations it lacks (by ``id``), by start and end as a Session sorts them."""
    if time_off.empty:
        return allocations
    extra = time_off[~time_off["id"].isin(allocations["id"])]
    frames = [f for f in (allocations, extra) if not f.empty]
    if len(frames) == 1:
        return frames[0]
    for column in allocations.columns:  # a category keeps its dtype through concat only with the same categories
        kinds = [f[column].dtype for f in frames if isinstance(f[column].dtype, pd.CategoricalDtype)]
        if kinds and any(k != kinds[0] for k in kinds):
            union = pd.api.types.union_categoricals([f[column] for f in frames], ignore_order=True).categories
            frames = [f.assign(**{column: f[column].cat.set_categories(union)}) for f in frames]
    merged = pd.concat(frames, ignore_index=True)
    merged.attrs = dict(allocations.attrs)
    return merged.sort_values(["start", "end"], kind="stable", ignore_index=True)
