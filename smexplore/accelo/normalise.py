"""Accelo frames in the normalised timeline shape (``smexplore.core.timeline``).

Registered when ``smexplore.accelo.normalise`` is imported, so ``sm.normalise`` takes an Accelo
``activities``, ``tasks`` or ``jobs`` frame (``frame.attrs["source"] == "accelo"``, or recognised
by its columns). Times are the frames' own: naive UTC, or wall times of the session's
``timezone=`` (``conform`` keeps an aware column's wall clock).

- **Activities** (``normalise_activities``) are logged time: ``kind`` ``time_entry``, one row for
  the billable part (``billable`` true) and one for the non-billable part (false), each only when
  it holds time; the billable part starts at ``date_started`` (else ``date_logged``) and the
  non-billable part follows it, so one activity never overlaps itself. ``hours`` is the part's
  time (``billable_hours`` / ``nonbillable_hours``). ``staff`` is the staff member who logged it.
  The job is the activity's (``against_type`` ``job``), or its task's job (``task_id``, or
  ``against_type`` ``task``) when ``tasks=`` is given; ``job`` (the title) and ``client`` (the
  company's name) come from ``jobs=`` when given, else stay ``<NA>``. Activities without time
  (notes, emails) are left out.
- **Tasks** (``normalise_tasks``): ``kind`` ``task``, one span per task for its assignee, from
  ``date_started`` (else ``date_commenced``) to ``date_completed`` (else ``date_due``); ``hours``
  is the **budgeted** time (an amount of work, which ``sm.utilisation`` shares over the span's
  days); logged time is in the activities (``task_budgets`` sets budgeted against logged per
  person). ``job_id``/``job`` are the task's job (``task_job``), ``client`` its company (from
  ``jobs=`` when given, else the task's own ``company_name``). Tasks without a start or an end,
  or ending before they start, are left out.
- **Jobs** (``normalise_jobs``): ``kind`` ``job``, one span per job for its manager, from
  ``date_started`` (else ``date_commenced``) to ``date_completed`` (else ``date_due``); ``hours``
  ``<NA>`` (a job records no amount of work); ``client`` is the company's name. Jobs without a
  start or an end (internal jobs have no due date) are left out.

``billable`` is ``<NA>`` for tasks and jobs (Accelo says it per activity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..core.spans import as_moment
from ..core.timeline import TIMELINE_COLUMNS, conform, empty_timeline, register_normaliser

__all__ = ["SOURCE", "normalise_activities", "normalise_jobs", "normalise_tasks", "task_budgets", "timeline_frame"]

SOURCE = "accelo"


def _column(frame: pd.DataFrame, name: str, dtype: Any = "string") -> pd.Series:
    """``frame[name]`` as ``dtype``, or ``<NA>`` throughout when the frame has no such column."""
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype=dtype)
    return frame[name].astype(dtype)


def _ids(frame: pd.DataFrame, name: str) -> pd.Series:
    """An id column as text (``"12"``), ``<NA>`` where missing."""
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[name].astype("Int64").astype("string")


def _person(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """``<prefix>_firstname`` and ``<prefix>_surname`` as one name (either alone when the other is missing)."""
    first, last = _column(frame, f"{prefix}_firstname").str.strip(), _column(frame, f"{prefix}_surname").str.strip()
    both = first + " " + last
    return both.fillna(first).fillna(last).mask(lambda names: names == "")


def _times(frame: pd.DataFrame, first: str, fallback: str) -> pd.Series:
    """``frame[first]``, else ``frame[fallback]`` (times; ``NaT`` where neither is set or the frame has neither)."""
    if first not in frame and fallback not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    main = frame[first] if first in frame else frame[fallback]
    return main.fillna(frame[fallback]) if fallback in frame and first in frame else main


def _lookup(keys: pd.Series, frame: pd.DataFrame | None, key: str, value: str) -> pd.Series:
    """``value`` of the ``frame`` row whose ``key`` equals each of ``keys`` (text), ``<NA>`` where none."""
    if frame is None or key not in frame or value not in frame or frame.empty:
        return pd.Series(pd.NA, index=keys.index, dtype="string")
    table = pd.Series(frame[value].astype("string").to_numpy(), index=_ids(frame, key).to_numpy())
    table = table[table.index.notna() & ~table.index.duplicated()]
    return keys.map(table).astype("string")


def _rows(frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    rows = pd.DataFrame({name: columns.get(name, pd.NA) for name in TIMELINE_COLUMNS}, index=frame.index)
    rows["source"] = SOURCE
    return rows


def _finish(rows: pd.DataFrame | None, attrs: Mapping[Any, Any]) -> pd.DataFrame:
    result = empty_timeline() if rows is None or rows.empty else conform(rows.reset_index(drop=True))
    result.attrs = {**attrs, "source": SOURCE, "resource": "timeline"}
    return result


def _spans(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    start = _times(frame, "date_started", "date_commenced")
    end = _times(frame, "date_completed", "date_due")
    return start, end


def normalise_activities(frame: pd.DataFrame, jobs: pd.DataFrame | None = None,
                         tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    """An Accelo activities frame as logged time (``time_entry`` rows; see the module).

    Args:
        frame: An activities frame (``Session.activities()``).
        jobs: The jobs frame, for job titles and client names.
        tasks: The tasks frame, for the job of time logged against a task.
    """
    if frame.empty:
        return _finish(None, frame.attrs)
    start = _times(frame, "date_started", "date_logged")
    billable = _column(frame, "billable_hours", "Float64").fillna(0.0)
    nonbillable = _column(frame, "nonbillable_hours", "Float64").fillna(0.0)
    against = _column(frame, "against_type").str.casefold()
    job_id = _ids(frame, "against_id").where(against == "job")
    task_id = _ids(frame, "task_id").fillna(_ids(frame, "against_id").where(against == "task"))
    job_id = job_id.fillna(_lookup(task_id, tasks, "id", "task_job_id"))
    common = {"staff_id": _ids(frame, "staff_id"), "staff": _person(frame, "staff"), "kind": "time_entry",
              "job_id": job_id, "job": _lookup(job_id, jobs, "id", "title"),
              "client": _lookup(job_id, jobs, "id", "company_name")}
    parts = []
    for hours, offset, flag in ((billable, pd.Series(0.0, index=frame.index), True), (nonbillable, billable, False)):
        begins = start + pd.to_timedelta(offset.astype(float) * 3600, unit="s")
        ends = begins + pd.to_timedelta(hours.astype(float) * 3600, unit="s")
        part = _rows(frame, **common, start=begins, end=ends, hours=hours, billable=flag)
        parts.append(part[(hours > 0).to_numpy(dtype=bool) & start.notna().to_numpy()])
    rows = pd.concat(parts).sort_index(kind="stable")
    return _finish(rows, frame.attrs)


def normalise_tasks(frame: pd.DataFrame, jobs: pd.DataFrame | None = None) -> pd.DataFrame:
    """An Accelo tasks frame as ``task`` spans of their assignees (see the module).

    Args:
        frame: A tasks frame (``Session.tasks()``).
        jobs: The jobs frame, for client names (else the task's ``company_name``).
    """
    if frame.empty:
        return _finish(None, frame.attrs)
    start, end = _spans(frame)
    job_id = _ids(frame, "task_job_id")
    client = _lookup(job_id, jobs, "id", "company_name").fillna(_column(frame, "company_name"))
    rows = _rows(frame, staff_id=_ids(frame, "assignee_id"), staff=_person(frame, "assignee"), start=start, end=end,
                 hours=_column(frame, "budgeted_hours", "Float64"), kind="task", job_id=job_id,
                 job=_column(frame, "task_job_title"), client=client)
    return _finish(rows[(start.notna() & end.notna() & (end >= start)).to_numpy(dtype=bool)], frame.attrs)


def normalise_jobs(frame: pd.DataFrame) -> pd.DataFrame:
    """An Accelo jobs frame as ``job`` spans of their managers (see the module)."""
    if frame.empty:
        return _finish(None, frame.attrs)
    start, end = _spans(frame)
    rows = _rows(frame, staff_id=_ids(frame, "manager_id"), staff=_person(frame, "manager"), start=start, end=end,
                 kind="job", job_id=_ids(frame, "id"), job=_column(frame, "title"),
                 client=_column(frame, "company_name"))
    return _finish(rows[(start.notna() & end.notna() & (end >= start)).to_numpy(dtype=bool)], frame.attrs)


def task_budgets(tasks: pd.DataFrame, by: str = "assignee") -> pd.DataFrame:
    """Budgeted against logged hours per person: one row per assignee (``by="manager"``: per manager).

    Returns:
        ``staff_id``, ``staff``, ``tasks``, ``budgeted_hours``, ``logged_hours``,
        ``remaining_hours`` and ``over_hours`` (logged beyond budget, summed over the tasks that
        went over), sorted by logged hours, most first.
    """
    if by not in ("assignee", "manager"):
        raise ValueError(f"by must be 'assignee' or 'manager', not {by!r}")
    data = pd.DataFrame({
        "staff_id": _ids(tasks, f"{by}_id"), "staff": _person(tasks, by),
        "budgeted_hours": _column(tasks, "budgeted_hours", "Float64"),
        "logged_hours": _column(tasks, "logged_hours", "Float64"),
        "remaining_hours": _column(tasks, "remaining_hours", "Float64"),
    })
    data["over_hours"] = (data["logged_hours"] - data["budgeted_hours"]).clip(lower=0)
    grouped = data.groupby(["staff_id", "staff"], dropna=False, sort=False)
    result = grouped[["budgeted_hours", "logged_hours", "remaining_hours", "over_hours"]].sum(min_count=1)
    result.insert(0, "tasks", grouped.size().astype("Int64"))
    result = result.reset_index().sort_values("logged_hours", ascending=False, kind="stable", ignore_index=True)
    return result.astype({"staff_id": "string", "staff": "string"})


def timeline_frame(activities: pd.DataFrame | None = None, tasks: pd.DataFrame | None = None,
                   jobs: pd.DataFrame | None = None, *, start: Any = None, end: Any = None,
                   names: Mapping[str, pd.DataFrame | None] | None = None) -> pd.DataFrame:
    """Accelo activities, tasks and jobs as one normalised timeline frame.

    Args:
        activities: Activities to show as logged time (``None``: none).
        tasks: Tasks to show as spans (``None``: none).
        jobs: Jobs to show as spans (``None``: none).
        start: Keep rows ending after this moment (naive: the frames' time).
        end: Keep rows starting before this moment.
        names: ``{"jobs": …, "tasks": …}``: frames to look job titles and clients up in (default:
            ``jobs`` and ``tasks``).

    Raises:
        ValueError: ``start``/``end`` is no time, or ``end`` is before ``start``.
    """
    first = as_moment(start, "start") if start is not None else None
    last = as_moment(end, "end") if end is not None else None
    if first is not None and last is not None and last < first:
        raise ValueError(f"end={end!r} is before start={start!r}")
    lookups = {"jobs": jobs, "tasks": tasks, **(names or {})}
    parts = []
    if activities is not None:
        parts.append(normalise_activities(activities, jobs=lookups["jobs"], tasks=lookups["tasks"]))
    if tasks is not None:
        parts.append(normalise_tasks(tasks, jobs=lookups["jobs"]))
    if jobs is not None:
        parts.append(normalise_jobs(jobs))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _finish(None, {})
    rows = pd.concat(parts, ignore_index=True)
    if first is not None:
        rows = rows[rows["end"] > first.tz_localize(None)]
    if last is not None:
        rows = rows[rows["start"] < last.tz_localize(None)]
    rows = rows.sort_values(["start", "staff_id", "kind"], kind="stable", ignore_index=True)
    return _finish(rows, {})


# --- registration ---------------------------------------------------------------------------------
def _is_activities(frame: pd.DataFrame) -> bool:
    return {"billable_hours", "nonbillable_hours", "staff_id", "against_type", "date_logged"} <= set(frame.columns)


def _is_tasks(frame: pd.DataFrame) -> bool:
    return {"budgeted_hours", "logged_hours", "assignee_id", "task_job_id"} <= set(frame.columns)


def _is_jobs(frame: pd.DataFrame) -> bool:
    return {"manager_id", "job_type_id", "date_due", "title", "standing"} <= set(frame.columns)


register_normaliser(SOURCE, "activities", normalise_activities, recognise=_is_activities)
register_normaliser(SOURCE, "tasks", normalise_tasks, recognise=_is_tasks)
register_normaliser(SOURCE, "jobs", normalise_jobs, recognise=_is_jobs)
