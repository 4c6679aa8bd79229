"""A year of logged time for the synthetic agency, and the totals it makes (tasks' seconds, last interactions).

Each working day from ``FIRST_DAY`` to the day before ``ANCHOR``, each member of staff (but on
leave, about one day in fifteen) logs a working day in pieces: on the tasks assigned to them that
are under way, on the jobs they manage (some as client meetings), and on the agency's internal jobs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .agency import ANCHOR, Record, unix
from .catalogue import NOTES

__all__ = ["FIRST_DAY", "JobPlan", "Timesheets", "add_totals", "moment"]

FIRST_DAY = date(2025, 3, 3)
"""The first day time is logged (a Monday, a year before ``ANCHOR``)."""
_HOUR = 3600
_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1)


@dataclass
class JobPlan:
    """A job while the agency is built: its wire record and its moments as datetimes.

    Attributes:
        record: The job as the API serves it.
        started: Its planned start (midnight).
        due: Its planned end (``None`` for the open-ended internal jobs).
        commenced: When work began (``None`` while pending).
        completed: When it was completed, if it was.
        billable: Whether its rate charges anything.
    """

    record: Record
    started: datetime
    due: datetime | None
    commenced: datetime | None
    completed: datetime | None
    billable: bool


def moment(stamp: str) -> datetime:
    """A wire timestamp (unix seconds) as a naive UTC datetime."""
    return _EPOCH + timedelta(seconds=int(stamp))


def _working_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if (first + timedelta(days=n)).weekday() < 5]


class Timesheets:
    """A year of logged time: each working day, each member of staff logs some pieces of work."""

    def __init__(self, rng: random.Random, now: datetime, staff: list[Record], jobs: list[JobPlan],
                 tasks: list[Record]) -> None:
        self.rng, self.now = rng, now
        self.jobs = {job.record["id"]: job for job in jobs}
        self.internal = [job for job in jobs if job.record["type"] == "5"]
        # per member of staff: (first day, last day, task) of each task they may log time on, as ordinals
        self.windows: dict[str, list[tuple[int, int, Record]]] = {}
        for task in tasks:
            job = self.jobs[task["task_job"]]
            if job.commenced is None:
                continue
            first = max(moment(task["date_started"]).date() - timedelta(days=2), job.commenced.date())
            last = moment(task["date_completed"] or task["date_due"]).date() + timedelta(days=2)
            if last >= FIRST_DAY:
                self.windows.setdefault(task["assignee"], []).append((first.toordinal(), last.toordinal(), task))
        # per manager: (first day, last day, job) of each client job they manage
        self.managed: dict[str, list[tuple[int, int, JobPlan]]] = {}
        for job in jobs:
            if job.record["type"] != "5" and job.commenced is not None:
                last = (job.completed or job.due or now).date() + timedelta(days=3)
                self.managed.setdefault(job.record["manager"], []).append(
                    (job.commenced.date().toordinal(), last.toordinal(), job))
        self.staff = staff

    def pieces(self) -> list[dict[str, Any]]:
        rng = self.rng
        left = FIRST_DAY + timedelta(days=240)  # the last member of staff leaves in late October
        joined = FIRST_DAY + timedelta(days=91)  # the one before them joins in June
        out: list[dict[str, Any]] = []
        for day in _working_days(FIRST_DAY, self.now.date() - _DAY):
            for index, person in enumerate(self.staff):
                if (index == len(self.staff) - 1 and day > left) or (index == len(self.staff) - 2 and day < joined):
                    continue
                if rng.random() < 0.07:  # leave, sick days, training away
                    continue
                out.extend(self.day(person, day))
        return out

    def day(self, person: Record, day: date) -> list[dict[str, Any]]:
        rng = self.rng
        sid = person["id"]
        today = day.toordinal()
        tasks = [task for first, last, task in self.windows.get(sid, ()) if first <= today <= last]
        managed = [job for first, last, job in self.managed.get(sid, ()) if first <= today <= last]
        budget = rng.choice([5, 6, 6.5, 7, 7.5, 7.5, 8]) * _HOUR
        clock = datetime(day.year, day.month, day.day, 8, 30) + timedelta(minutes=rng.randrange(0, 60))
        pieces: list[dict[str, Any]] = []
        while budget >= 1800:
            seconds = min(budget, rng.randrange(2, 17) * 900)
            roll = rng.random()
            if tasks and roll < 0.72:
                task = rng.choice(tasks)
                job = self.jobs[task["task_job"]]
                piece = {"task": task, "job": job, "subject": task["title"], "meeting": False,
                         "billable": job.billable and rng.random() < 0.88}
            elif managed and roll < 0.86:
                job = rng.choice(managed)
                meeting = rng.random() < 0.25
                piece = {"task": None, "job": job, "meeting": meeting,
                         "subject": f"Client meeting: {job.record['title']}" if meeting else "Project management",
                         "billable": job.billable and rng.random() < 0.5}
            else:
                job = rng.choice(self.internal)
                piece = {"task": None, "job": job, "subject": job.record["title"].split(": ", 1)[-1],
                         "meeting": False, "billable": False}
            piece.update(staff=sid, started=clock, seconds=int(seconds), note=rng.choice(NOTES))
            pieces.append(piece)
            clock += timedelta(seconds=seconds + rng.randrange(0, 4) * 900)
            budget -= seconds
        return pieces

    def activities(self) -> list[Record]:
        rng, now = self.rng, self.now
        pieces = self.pieces()
        pieces.sort(key=lambda p: (p["started"] + timedelta(seconds=p["seconds"]), int(p["staff"])))
        rows = []
        for n, piece in enumerate(pieces, start=1):
            job, task, seconds = piece["job"], piece["task"], piece["seconds"]
            started: datetime = piece["started"]
            created = min(now - timedelta(minutes=1), started + timedelta(seconds=seconds + rng.randrange(30, 2400)))
            age = (now - created).days
            billable = piece["billable"]
            if billable:
                standing = "invoiced" if age > 45 else "approved" if age > 7 or rng.random() < 0.5 else "unapproved"
            else:
                standing = "locked" if age > 120 else "approved" if age > 7 or rng.random() < 0.5 else "unapproved"
            modified = created if standing == "unapproved" else min(
                now - timedelta(seconds=30), created + timedelta(hours=rng.randrange(1, 120)))
            against = ("task", task["id"]) if task is not None else ("job", job.record["id"])
            body = piece["note"]
            client = job.record["type"] != "5"
            rows.append({
                "id": str(n), "subject": piece["subject"], "confidential": "0", "parent_id": "0",
                "parent": "activities/0", "thread_id": str(n), "thread": f"activities/{n}",
                "against_type": against[0], "against_id": against[1],
                "against": f"{'tasks' if task is not None else 'jobs'}/{against[1]}",
                "owner_type": "staff", "owner_id": piece["staff"], "owner": f"staff/{piece['staff']}",
                "medium": "meeting" if piece["meeting"] else "note", "body": body, "preview_body": body[:250],
                "html_body": f"<p>{body}</p>", "visibility": "all", "details": None,
                "date_created": unix(created), "date_started": unix(started),
                "date_ended": unix(started + timedelta(seconds=seconds)) if piece["meeting"] else None,
                "date_logged": unix(started), "date_modified": unix(modified),
                "billable": str(seconds if billable else 0), "nonbillable": str(0 if billable else seconds),
                "staff": piece["staff"], "class": "1" if client else "3", "activity_class": "1" if client else "3",
                "priority": "3", "activity_priority": "3", "task": task["id"] if task is not None else "0",
                "time_allocation": str(70000 + n), "rate": job.record["rate"] if billable else "0",
                "rate_charged": job.record["rate_charged"] if billable else "0.00",
                "scheduled": "yes" if piece["meeting"] else "no", "standing": standing,
                "invoice_id": str(8000 + (created.year - 2025) * 12 + created.month) if standing == "invoiced" else None,
                "contract_period_id": None, "is_billable": "1" if job.billable else "0",
            })
        return rows


def add_totals(tasks: list[Record], jobs: list[JobPlan], companies: list[Record], activities: list[Record]) -> None:
    """Tasks' logged seconds from the activities; jobs' and companies' last interaction."""
    seconds: dict[str, list[int]] = {}
    last_job: dict[str, int] = {}
    task_job = {task["id"]: task["task_job"] for task in tasks}
    for activity in activities:
        job_id = task_job[activity["task"]] if activity["task"] != "0" else activity["against_id"]
        last_job[job_id] = max(last_job.get(job_id, 0), int(activity["date_created"]))
        if activity["task"] != "0":
            spent = seconds.setdefault(activity["task"], [0, 0])
            spent[0] += int(activity["billable"])
            spent[1] += int(activity["nonbillable"])
    for task in tasks:
        billable, nonbillable = seconds.get(task["id"], [0, 0])
        logged = billable + nonbillable
        task.update(billable=str(billable), nonbillable=str(nonbillable), logged=str(logged),
                    remaining=str(max(0, int(task["budgeted"]) - logged)))
    last_company: dict[str, int] = {}
    for job in jobs:
        record = job.record
        latest = max(int(record["date_modified"]), last_job.get(record["id"], 0))
        record["date_last_interacted"] = str(latest)
        last_company[record["company"]] = max(last_company.get(record["company"], 0), latest)
    for company in companies:
        latest = max(int(company["date_modified"]), last_company.get(company["id"], 0))
        company["date_last_interacted"] = str(latest)
        if company["id"] != "1" and moment(str(latest)) < ANCHOR - timedelta(days=540):
            company.update(standing="inactive", status="2")
