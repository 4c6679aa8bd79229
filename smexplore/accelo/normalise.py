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

``billable`` is ``<NA>`` for tasks and jobs (Accelo says it per activity). ``record_id`` is the
activity's, task's or job's ``id`` as text (``"12"``); an activity's billable and non-billable rows
share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..core.filters.expr import Expr, F
from ..core.spans import window
from ..core.timeline import TIMELINE_COLUMNS, conform, empty_timeline, register_normaliser

__all__ = ["ACTIVITY_SPAN", "MAX_IDS", "SOURCE", "activity_filters", "job_ids", "normalise_activities", "normalise_jobs",
           "normalise_tasks", "span_filter", "task_budgets", "task_ids", "timeline_frame", "union", "window"]

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
              "record_id": _ids(frame, "id"), "job_id": job_id, "job": _lookup(job_id, jobs, "id", "title"),
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
                 hours=_column(frame, "budgeted_hours", "Float64"), kind="task", record_id=_ids(frame, "id"),
                 job_id=job_id, job=_column(frame, "task_job_title"), client=client)
    return _finish(rows[(start.notna() & end.notna() & (end >= start)).to_numpy(dtype=bool)], frame.attrs)


def normalise_jobs(frame: pd.DataFrame) -> pd.DataFrame:
    """An Accelo jobs frame as ``job`` spans of their managers (see the module)."""
    if frame.empty:
        return _finish(None, frame.attrs)
    start, end = _spans(frame)
    rows = _rows(frame, staff_id=_ids(frame, "manager_id"), staff=_person(frame, "manager"), start=start, end=end,
                 kind="job", record_id=_ids(frame, "id"), job_id=_ids(frame, "id"), job=_column(frame, "title"),
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
    first, last = window(start, end)
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
        rows = rows[rows["end"] > first]
    if last is not None:
        rows = rows[rows["start"] < last]
    rows = rows.sort_values(["start", "staff_id", "kind"], kind="stable", ignore_index=True)
    return _finish(rows, {})


# --- a window pushed to the server (``Session.timeline_frame(start=, end=)``) ---------------------
ACTIVITY_SPAN = pd.Timedelta(days=1)
"""The longest one activity's logged time is taken to run: an activity started more than this before a
window's start is not asked for (its time, billable then non-billable, would have ended before it)."""

MAX_IDS = 500
"""Most ids one ``id(…)`` filter carries (a request's URL stays a few kilobytes); more: the list is pulled whole."""




def _within(column: str, first: pd.Timestamp | None, last: pd.Timestamp | None) -> list[Expr]:
    bounds: list[Expr] = []
    if first is not None:
        bounds.append(F[column] > first)
    if last is not None:
        bounds.append(F[column] < last)
    return bounds


def _joined(parts: list[Expr]) -> Expr:
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part
    return combined


def activity_filters(start: Any = None, end: Any = None) -> list[Expr]:
    """The activities with logged time in the window, as filters that Accelo runs whole (``[]``: no bound).

    An activity's time starts at ``date_started`` (else ``date_logged``) and runs at most
    ``ACTIVITY_SPAN``; one ``_filters`` cannot say "this date, else that one" on both sides (Accelo
    takes one ``_OR`` a request), so there are two: the activities started in the window
    (``date_started_after``/``_before``), and those without a start logged in it
    (``empty(date_started)``, ``date_logged_after``/``_before``).
    """
    first, last = window(start, end)
    if first is None and last is None:
        return []
    since = first - ACTIVITY_SPAN if first is not None else None
    return [_joined(_within("date_started", since, last)),
            _joined([F.date_started.isna(), *_within("date_logged", since, last)])]


def span_filter(start: Any = None, end: Any = None, ids: Any = ()) -> Expr | None:
    """The tasks (or jobs) whose span can reach into the window, and those of ``ids``, as one filter.

    A span runs from ``date_started`` (else ``date_commenced``) to ``date_completed`` (else
    ``date_due``). Its end after the window's start is one ``_OR``: ``date_completed_after``, or
    ``empty(date_completed)`` and ``date_due_after``; Accelo takes one ``_OR`` a request, so its start
    before the window's end is checked here (``explain`` shows it), or, with no start to the window,
    is the ``_OR``. ``ids`` (records the window's rows name: a task its activities were logged
    against, a task's job) join the ``_OR`` as ``id(…)``; more than ``MAX_IDS`` of them: ``None``
    (the whole list).
    """
    first, last = window(start, end)
    if first is None and last is None:
        return None
    wanted = sorted({int(i) for i in ids})
    if len(wanted) > MAX_IDS:
        return None
    ends = (F.date_completed > first) | (F.date_completed.isna() & (F.date_due > first)) if first is not None else None
    starts = (F.date_started < last) | (F.date_started.isna() & (F.date_commenced < last)) if last is not None else None
    sides = [side for side in (ends, starts) if side is not None]
    return F.id.isin(wanted) | sides[0] if wanted else _joined(sides)


def task_ids(activities: pd.DataFrame) -> set[int]:
    """The tasks ``activities`` were logged against (``task_id``, or ``against_type`` ``task``)."""
    if activities.empty:
        return set()
    against = _column(activities, "against_type").str.casefold()
    found = _ids(activities, "task_id").fillna(_ids(activities, "against_id").where(against == "task"))
    return {int(i) for i in found.dropna()}


def job_ids(activities: pd.DataFrame, tasks: pd.DataFrame, start: Any = None, end: Any = None) -> set[int]:
    """The jobs the window's rows name: those ``activities`` were logged against (directly, or through a
    task of ``tasks``), and those of the tasks whose spans reach into the window."""
    first, last = window(start, end)
    found: set[int] = set()
    named = task_ids(activities)
    if not activities.empty:
        against = _column(activities, "against_type").str.casefold()
        found |= {int(i) for i in _ids(activities, "against_id").where(against == "job").dropna()}
    if not tasks.empty:
        begins, ends = (_wall(times) for times in _spans(tasks))
        inside = pd.Series(True, index=tasks.index) if first is None else ends > first
        if last is not None:
            inside &= begins < last
        inside |= _ids(tasks, "id").isin([str(i) for i in named]).fillna(False)
        found |= {int(i) for i in _ids(tasks, "task_job_id")[inside.to_numpy(dtype=bool)].dropna()}
    return found


def _wall(times: pd.Series) -> pd.Series:
    """Times as the naive wall clock the timeline frame keeps (an aware column loses its zone, as ``conform`` does)."""
    times = pd.to_datetime(times)
    return times.dt.tz_localize(None) if isinstance(times.dtype, pd.DatetimeTZDtype) else times


def union(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of one list as one, each record once, in ``id`` order (as the list is pulled whole).

    Raises:
        ValueError: No frame given.
    """
    if not frames:
        raise ValueError("union() needs at least one frame")
    found = [f for f in frames if not f.empty] or frames[:1]
    if len(found) > 1:
        for column in found[0].columns:  # a category keeps its dtype through concat only with the same categories
            kinds = [f[column].dtype for f in found if isinstance(f[column].dtype, pd.CategoricalDtype)]
            if kinds and any(k != kinds[0] for k in kinds):
                categories = pd.api.types.union_categoricals([f[column] for f in found], ignore_order=True).categories
                found = [f.assign(**{column: f[column].cat.set_categories(categories)}) for f in found]
    merged = pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
    merged = merged.drop_duplicates("id").sort_values("id", kind="stable", ignore_index=True)
    merged.attrs = dict(frames[0].attrs)
    return merged


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
