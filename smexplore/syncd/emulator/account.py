"""The synthetic Syncd account: its records, and the rules of the job tree and of job assignments.

Records are plain dataclasses holding Python values (``None`` for a null, aware datetimes); the
XML is made from them by ``wire``. ``Account`` answers the questions every endpoint asks: a job's
ancestors and children, whether it is effectively active, which assignments apply to it (its own,
else its parent's, recursively; plus the assignments to all jobs) and who they assign.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from ...emulation.synth import ANCHOR

__all__ = ["DEMO_USER", "NOW", "SCALES", "Account", "Activity", "Assignment", "Job", "JobType", "Rights", "Scale",
           "TimeEntry", "User", "UserGroup"]

DEMO_USER = "demo"
"""The login (user name) of the demo account's owner: an administrator who manages the root job type."""

NOW = ANCHOR.replace(tzinfo=UTC)
"""The account's "now": emulation's ``ANCHOR`` read as UTC (Monday 2026-03-02 12:00Z)."""


@dataclass(frozen=True)
class Scale:
    """How big a synthetic account is.

    Attributes:
        users: Users (the owner included; one has left, one joined late).
        clients: Client jobs (the studio's own, internal, client comes on top).
    """

    users: int
    clients: int


SCALES: dict[str, Scale] = {
    "small": Scale(users=12, clients=6),
    "medium": Scale(users=30, clients=15),
    "large": Scale(users=80, clients=40),
}


@dataclass(frozen=True)
class JobType:
    """One level of the work structure (client, project, phase, task)."""

    id: int
    parent_id: int | None
    name: str
    name_plural: str
    allow_time_entries: bool
    allow_expense_entries: bool
    show_codes: bool
    show_links: bool
    show_descriptions: bool
    levels: int


@dataclass
class Job:
    """A client, project, phase or task. ``active`` covers the job and its descendants."""

    id: int
    job_type_id: int
    parent_id: int | None
    name: str
    code: str | None
    description: str | None
    url: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Rights:
    """What a user may do (``include=rights``)."""

    admin: bool = False
    billing_contact: bool = False
    user_group_manager: bool = False
    manager_for_job_type_id: int | None = None
    activity_manager: bool = False
    billing_rate_manager: bool = False
    view_billing_rates: bool = False
    view_management_reports: bool = False


@dataclass
class User:
    """A user; ``name`` is the login. ``time_zone`` (an IANA name) is not on the wire: it gives the
    offsets of the user's time entries."""

    id: int
    name: str
    first_name: str
    last_name: str
    active: bool
    code: str | None
    email: str
    url: str | None
    time_zone: str
    rights: Rights
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UserGroup:
    """A named group of users."""

    id: int
    name: str
    user_ids: tuple[int, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Assignment:
    """Links who (all users, no users, a user or a user group) to what (one job, or all jobs).

    Attributes:
        users: ``"all"`` or ``"none"``, else ``None`` (then ``user_id`` or ``user_group_id`` says who).
        job_id: The job, or ``None`` for all jobs.
    """

    id: int
    users: Literal["all", "none"] | None
    user_id: int | None
    user_group_id: int | None
    job_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Activity:
    """A kind of work a time entry may name (design, meetings…)."""

    id: int
    name: str
    active: bool
    code: str | None
    description: str | None
    url: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TimeEntry:
    """Time a user spent on a job: start and end times with the user's offset, or a date and a duration.

    Attributes:
        start_time: Aware start (the user's offset), ``None`` for a duration-only entry.
        end_time: Aware end, ``None`` for a duration-only entry.
        start_date: The date of a duration-only entry, ``None`` otherwise.
        duration: Minutes (end minus start for a start/end entry).
    """

    id: int
    user_id: int
    job_id: int
    activity_id: int | None
    start_time: datetime | None
    end_time: datetime | None
    start_date: date | None
    duration: int
    note: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def day(self) -> date:
        """The entry's date: of its start, in its own offset (a duration-only entry's ``start_date``)."""
        if self.start_time is not None:
            return self.start_time.date()
        assert self.start_date is not None
        return self.start_date


@dataclass
class Account:
    """Every record of one Syncd account, with the job tree's and the assignments' rules.

    Lists are in id order. ``lock`` guards changes (jobs can be created, updated and deleted) and
    the reads that must see one state.

    Attributes:
        seed: The seed it was built from.
        scale: The scale name.
        name: The account's subdomain (``demo`` for ``demo.syncd.com``).
        display_name: The account's display name.
        now: The account's anchored "now" (UTC).
    """

    seed: int
    scale: str
    name: str
    display_name: str
    now: datetime
    job_types: list[JobType]
    jobs: dict[int, Job]
    users: list[User]
    user_groups: list[UserGroup]
    assignments: list[Assignment]
    activities: list[Activity]
    time_entries: list[TimeEntry]
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.job_types_by_id = {t.id: t for t in self.job_types}
        self.users_by_id = {u.id: u for u in self.users}
        self.user_groups_by_id = {g.id: g for g in self.user_groups}
        self.assignments_by_id = {a.id: a for a in self.assignments}
        self.activities_by_id = {a.id: a for a in self.activities}
        self.time_entries_by_id = {e.id: e for e in self.time_entries}
        self.jobs_with_entries = frozenset(e.job_id for e in self.time_entries)
        self._next_job_id = max(self.jobs, default=0) + 1

    def new_job_id(self) -> int:
        """The id for a job created now (never one a deleted job had)."""
        job_id, self._next_job_id = self._next_job_id, self._next_job_id + 1
        return job_id

    def __repr__(self) -> str:
        return (f"<Account {self.name!r} seed={self.seed} scale={self.scale!r} jobs={len(self.jobs)} "
                f"users={len(self.users)} assignments={len(self.assignments)} time_entries={len(self.time_entries)}>")

    # --- job types ---------------------------------------------------------------------------
    def type_depth(self, job_type_id: int) -> int:
        """1 for the root job type, 2 for its child…"""
        depth, current = 0, self.job_types_by_id.get(job_type_id)
        while current is not None:
            depth += 1
            current = self.job_types_by_id.get(current.parent_id) if current.parent_id is not None else None
        return depth

    def child_type(self, job_type_id: int | None) -> JobType | None:
        """The job type below ``job_type_id`` (the root type for ``None``), or ``None`` at the lowest."""
        return next((t for t in self.job_types if t.parent_id == job_type_id), None)

    # --- the job tree ------------------------------------------------------------------------
    def ordered_jobs(self) -> list[Job]:
        """Every job in id order (a parent always has a smaller id than its children)."""
        return [self.jobs[i] for i in sorted(self.jobs)]

    def ancestors(self, job: Job) -> list[Job]:
        """The job's parent, grandparent… up to its root."""
        chain: list[Job] = []
        while job.parent_id is not None:
            job = self.jobs[job.parent_id]
            chain.append(job)
        return chain

    def children(self, parent_id: int | None) -> list[Job]:
        """The jobs whose parent is ``parent_id`` (``None``: the root jobs), in id order."""
        return [j for j in self.ordered_jobs() if j.parent_id == parent_id]

    def descendants(self, job: Job) -> list[Job]:
        """Every job below ``job``, in id order."""
        below: set[int] = {job.id}
        found: list[Job] = []
        for candidate in self.ordered_jobs():
            if candidate.parent_id in below:
                below.add(candidate.id)
                found.append(candidate)
        return found

    def effectively_active(self, job: Job) -> bool:
        """False if the job or any of its ancestors is inactive."""
        return job.active and all(a.active for a in self.ancestors(job))

    # --- assignments -------------------------------------------------------------------------
    def all_jobs_assignments(self) -> list[Assignment]:
        """The assignments to all jobs (they apply to every job)."""
        return [a for a in self.assignments if a.job_id is None]

    def own_assignments(self, job_id: int) -> list[Assignment]:
        return [a for a in self.assignments if a.job_id == job_id]

    def inherited_assignments(self) -> dict[int, list[Assignment]]:
        """Job id → the job assignments that hold for it: its own if it has any, else its parent's (recursively).

        Assignments to all jobs are not included (``applicable_assignments`` adds them).
        """
        own: dict[int, list[Assignment]] = {}
        for a in self.assignments:
            if a.job_id is not None:
                own.setdefault(a.job_id, []).append(a)
        held: dict[int, list[Assignment]] = {}
        for job in self.ordered_jobs():  # parents first
            held[job.id] = own.get(job.id) or (held.get(job.parent_id, []) if job.parent_id is not None else [])
        return held

    def applicable_assignments(self, job_id: int) -> list[Assignment]:
        """The assignments that apply to a job: its own or inherited ones, and those to all jobs, in id order."""
        held = self.inherited_assignments().get(job_id, [])
        return sorted([*held, *self.all_jobs_assignments()], key=lambda a: a.id)

    def who(self, assignment: Assignment) -> frozenset[int]:
        """The ids of the users an assignment assigns (``all``: every user; ``none``: nobody)."""
        if assignment.users == "all":
            return frozenset(u.id for u in self.users)
        if assignment.user_id is not None:
            return frozenset({assignment.user_id})
        if assignment.user_group_id is not None:
            return frozenset(self.user_groups_by_id[assignment.user_group_id].user_ids)
        return frozenset()

    def concerns(self, assignment: Assignment, user_id: int) -> bool:
        """Whether an assignment names the user (directly, through a group, or as all users)."""
        return user_id in self.who(assignment)

    def assigned_users(self) -> dict[int, frozenset[int]]:
        """Job id → the users assigned to it (inheritance resolved, assignments to all jobs included)."""
        everywhere = frozenset().union(*(self.who(a) for a in self.all_jobs_assignments()))
        whom = {a.id: self.who(a) for a in self.assignments}
        return {job_id: everywhere.union(*(whom[a.id] for a in held))
                for job_id, held in self.inherited_assignments().items()}

    def assigned_jobs(self, user_id: int) -> set[int]:
        """The ids of the jobs a user is assigned to."""
        return {job_id for job_id, users in self.assigned_users().items() if user_id in users}

    def with_ancestors(self, job_ids: Iterable[int]) -> set[int]:
        """``job_ids`` and every ancestor of theirs."""
        closed: set[int] = set()
        for job_id in job_ids:
            job: Job | None = self.jobs[job_id]
            while job is not None and job.id not in closed:
                closed.add(job.id)
                job = self.jobs[job.parent_id] if job.parent_id is not None else None
        return closed

    # --- users -------------------------------------------------------------------------------
    def user_by_login(self, login: str) -> User | None:
        return next((u for u in self.users if u.name == login), None)

    def groups_of(self, user_id: int) -> Iterator[UserGroup]:
        return (g for g in self.user_groups if user_id in g.user_ids)
