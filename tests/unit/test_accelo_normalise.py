"""Accelo frames in the normalised timeline shape: logged time, task spans, job spans, budgets."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import smexplore as sm
from smexplore.accelo.flatten import flatten_all
from smexplore.accelo.normalise import normalise_activities, task_budgets, timeline_frame
from smexplore.accelo.resources import get_resource
from smexplore.core.frames import to_frame
from smexplore.core.timeline import TIMELINE_DTYPES

T0 = 1772442000  # 2026-03-02 09:00 UTC


def _frame(resource: str, records: list[dict[str, Any]], tz: str | None = None) -> pd.DataFrame:
    spec = get_resource(resource)
    frame = to_frame(flatten_all(records, spec), spec, tz)
    frame.attrs.update(source="accelo", resource=resource)
    return frame


def _activity(n: int, billable: int, nonbillable: int, **more: Any) -> dict[str, Any]:
    return {"id": str(n), "against_type": "job", "against_id": "7", "date_started": str(T0 + n * 7200),
            "date_logged": str(T0 + n * 7200), "billable": str(billable), "nonbillable": str(nonbillable),
            "staff": {"id": "3", "firstname": "Ava", "surname": "Lee"}, "task": "0", **more}


JOBS = [{"id": "7", "title": "Acme: Website Build", "manager": {"id": "2", "firstname": "Ben", "surname": "Hall"},
         "company": {"id": "9", "name": "Acme"}, "date_started": str(T0 - 86400 * 10), "date_due": str(T0 + 86400 * 20),
         "date_completed": None, "standing": "active", "job_type": {"id": "1", "title": "Website Build"}},
        {"id": "8", "title": "Internal", "manager": None, "date_started": str(T0), "date_due": None}]
TASKS = [{"id": "40", "title": "Design", "assignee": {"id": "3", "firstname": "Ava", "surname": "Lee"},
          "budgeted": "36000", "logged": "45000", "remaining": "0", "task_job": {"id": "7", "title": "Acme: Website Build"},
          "date_started": str(T0 - 86400), "date_commenced": str(T0), "date_due": str(T0 + 86400 * 3),
          "date_completed": None},
         {"id": "41", "title": "Build", "assignee": {"id": "3", "firstname": "Ava", "surname": "Lee"},
          "budgeted": "7200", "logged": "3600", "remaining": "3600", "task_job": {"id": "7", "title": "x"},
          "date_started": None, "date_due": str(T0)}]


def test_activities_become_billable_and_non_billable_time_entries() -> None:
    activities = _frame("activities", [_activity(0, 5400, 1800), _activity(1, 0, 3600),
                                       _activity(2, 0, 0, medium="email"),
                                       _activity(3, 3600, 0, against_type="task", against_id="40", task="40")])
    rows = sm.normalise(activities, jobs=_frame("jobs", JOBS), tasks=_frame("tasks", TASKS))
    assert {c: str(t) for c, t in rows.dtypes.items()} == TIMELINE_DTYPES
    assert list(rows["hours"]) == [1.5, 0.5, 1.0, 1.0]  # the email without time is left out
    assert list(rows["billable"]) == [True, False, False, True]
    start = pd.Timestamp(T0, unit="s")
    assert rows.loc[0, "start"] == start and rows.loc[0, "end"] == start + pd.Timedelta(hours=1.5)
    assert rows.loc[1, "start"] == rows.loc[0, "end"]  # the non-billable part follows: no self-overlap
    assert set(rows["kind"]) == {"time_entry"} and set(rows["staff"]) == {"Ava Lee"}
    assert set(rows["job_id"]) == {"7"} and set(rows["job"]) == {"Acme: Website Build"}  # task 40's job too
    assert set(rows["client"]) == {"Acme"}
    assert list(rows["record_id"]) == ["0", "0", "1", "3"]  # an activity's two parts share its id
    bare = normalise_activities(activities)  # without jobs: ids where the activity says, no names
    assert bare["job"].isna().all() and list(bare["job_id"].fillna("-")) == ["7", "7", "7", "-"]


def test_tasks_and_jobs_are_spans_of_their_assignee_and_manager() -> None:
    tasks = sm.normalise(_frame("tasks", TASKS), jobs=_frame("jobs", JOBS))
    assert len(tasks) == 1 and tasks.loc[0, "hours"] == 10.0 and tasks.loc[0, "kind"] == "task"  # budgeted
    assert tasks.loc[0, "start"] == pd.Timestamp(T0 - 86400, unit="s") and tasks.loc[0, "client"] == "Acme"
    jobs = sm.normalise(_frame("jobs", JOBS))
    assert len(jobs) == 1 and jobs.loc[0, "kind"] == "job" and jobs.loc[0, "staff"] == "Ben Hall"
    assert pd.isna(jobs.loc[0, "hours"]) and jobs.loc[0, "end"] == pd.Timestamp(T0 + 86400 * 20, unit="s")
    assert tasks.loc[0, "record_id"] == "40" and jobs.loc[0, "record_id"] == "7"  # the task's and the job's own ids
    untagged = _frame("jobs", JOBS)
    untagged.attrs.clear()
    assert sm.normalise(untagged).equals(jobs)  # recognised by its columns


def test_a_timezone_session_keeps_wall_clocks_and_the_timeline_clips() -> None:
    zoned = _frame("activities", [_activity(0, 3600, 0)], tz="Australia/Melbourne")
    rows = sm.normalise(zoned)
    assert rows.loc[0, "start"] == pd.Timestamp("2026-03-02 20:00")  # 09:00 UTC on a Melbourne wall clock
    frame = timeline_frame(_frame("activities", [_activity(0, 3600, 0), _activity(20, 3600, 0)]),
                           _frame("tasks", TASKS), _frame("jobs", JOBS), start="2026-03-02", end="2026-03-03")
    assert {c: str(t) for c, t in frame.dtypes.items()} == TIMELINE_DTYPES
    assert list(frame["kind"]) == ["job", "task", "time_entry"]  # by start; the later activity is cut off
    assert list(frame["record_id"]) == ["7", "40", "0"]
    assert timeline_frame().empty
    with pytest.raises(ValueError, match="before start"):
        timeline_frame(start="2026-03-03", end="2026-03-02")


def test_task_budgets_set_budgeted_against_logged_per_person() -> None:
    budgets = task_budgets(_frame("tasks", TASKS))
    assert list(budgets.columns) == ["staff_id", "staff", "tasks", "budgeted_hours", "logged_hours", "remaining_hours",
                                     "over_hours"]
    row = budgets.iloc[0]
    assert (row["staff"], row["tasks"], row["budgeted_hours"], row["logged_hours"], row["over_hours"]) == (
        "Ava Lee", 2, 12.0, 13.5, 2.5)
    with pytest.raises(ValueError, match="assignee"):
        task_budgets(_frame("tasks", TASKS), by="team")
