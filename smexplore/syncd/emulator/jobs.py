"""Which jobs a job list holds, and the job writes (create, update, delete) with their validations.

A list is chosen in three steps (``select_jobs``):

1. the jobs the user may see: every job for a manager of the root job type, else the jobs
   assigned to the user and their ancestors;
2. of those, the ones that match the list: its scope (``active``: effectively active,
   ``inactive``: effectively inactive), ``my_…`` (assigned to the user) and ``for=time`` /
   ``for=expenses`` (the job type allows time / expense entries);
3. the matches and all their ancestors ("ancestor jobs will always be included, even if they
   don't meet the criteria of the filters"), in id order (a parent before its children);
   ``/jobs/{id}/children…`` keeps those whose parent is the job (``root``: the root jobs).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .account import Account, Job, User

__all__ = ["JobList", "Scope", "WriteError", "can_manage", "create_job", "delete_job", "read_job_fields", "sees_every_job",
           "select_jobs", "update_job", "visible_jobs"]

Scope = Literal["all", "active", "inactive"]

_LIMITS = {"name": 50, "code": 50, "description": 255, "url": 255}
_FIELDS = ("name", "parent_id", "active", "code", "description", "url")


class WriteError(ValueError):
    """A job write that fails validation: its messages, Rails style (``Name can't be blank``)."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class JobList:
    """What a job list asks for.

    Attributes:
        scope: ``all``, ``active`` or ``inactive`` (effectively).
        mine: Only jobs assigned to the current user (the ``my_…`` lists); adds ``assigned``.
        purpose: ``time`` or ``expenses`` (``for=``), or ``None``.
        parent: ``None`` for the whole tree; ``"root"`` or a job id for ``/jobs/{id}/children…``.
    """

    scope: Scope = "all"
    mine: bool = False
    purpose: str | None = None
    parent: int | Literal["root"] | None = None


def sees_every_job(account: Account, user: User) -> bool:
    """Whether the user manages the root job type (and so may list every job)."""
    return user.rights.manager_for_job_type_id == account.job_types[0].id


def visible_jobs(account: Account, user: User) -> set[int]:
    """The ids of the jobs the user may see: all for a root manager, else the assigned ones and their ancestors."""
    if sees_every_job(account, user):
        return set(account.jobs)
    return account.with_ancestors(account.assigned_jobs(user.id))


def select_jobs(account: Account, user: User, query: JobList) -> tuple[list[Job], dict[int, bool]]:
    """The jobs of a list in id order, and (for the ``my_…`` lists) job id → whether it is assigned to the user."""
    visible = visible_jobs(account, user)
    assigned = account.assigned_jobs(user.id) if query.mine else set()
    types = account.job_types_by_id
    matched: list[int] = []
    for job_id in visible:
        job = account.jobs[job_id]
        if query.scope != "all" and account.effectively_active(job) != (query.scope == "active"):
            continue
        if query.mine and job_id not in assigned:
            continue
        if query.purpose == "time" and not types[job.job_type_id].allow_time_entries:
            continue
        if query.purpose == "expenses" and not types[job.job_type_id].allow_expense_entries:
            continue
        matched.append(job_id)
    chosen = account.with_ancestors(matched)
    if query.parent is not None:
        parent = None if query.parent == "root" else query.parent
        chosen = {i for i in chosen if account.jobs[i].parent_id == parent}
    return [account.jobs[i] for i in sorted(chosen)], {i: i in assigned for i in chosen} if query.mine else {}


def can_manage(account: Account, user: User, job_type_id: int) -> bool:
    """Whether the user manages jobs of this type (a manager of a type manages it and every level below)."""
    managed = user.rights.manager_for_job_type_id
    return managed is not None and account.type_depth(job_type_id) >= account.type_depth(managed)


# --- writes ------------------------------------------------------------------------------------
def read_job_fields(root: ET.Element) -> dict[str, str | None]:
    """The fields a ``<job>`` body sets (``parent-id`` or ``parent_id``…); other elements are ignored.

    Raises:
        WriteError: The root element is not ``<job>``.
    """
    if root.tag != "job":
        raise WriteError(f"Expected a <job> element, not <{root.tag}>")
    fields: dict[str, str | None] = {}
    for child in root:
        name = child.tag.replace("-", "_")
        if name in _FIELDS:
            fields[name] = None if child.get("nil") == "true" else (child.text or "")
    return fields


def _boolean(text: str | None) -> bool:
    value = (text or "").strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise WriteError("Active must be true or false")
    return value in ("true", "1")


def _text(fields: dict[str, str | None], name: str, errors: list[str]) -> str | None:
    value = fields.get(name)
    if value is not None and len(value) > _LIMITS[name]:
        errors.append(f"{name.capitalize()} is too long (maximum is {_LIMITS[name]} characters)")
    return value


def _check_name(account: Account, name: str | None, parent_id: int | None, errors: list[str],
                exclude: int | None = None) -> None:
    if name is None or not name.strip():
        errors.append("Name can't be blank")
        return
    if len(name) > _LIMITS["name"]:
        errors.append(f"Name is too long (maximum is {_LIMITS['name']} characters)")
    if any(j.name == name and j.parent_id == parent_id and j.id != exclude for j in account.jobs.values()):
        errors.append("Name has already been taken")


def create_job(account: Account, user: User, fields: dict[str, str | None], now: datetime) -> Job:
    """A new job under ``parent-id`` (its type is the parent type's child), stored in ``account``.

    Raises:
        WriteError: Validation failed (name blank, too long or taken under the parent; a parent that
            does not exist or whose type has no level below; texts too long; ``active`` not a boolean).
        PermissionError: The user does not manage the new job's type.
    """
    errors: list[str] = []
    parent_id: int | None = None
    raw_parent = fields.get("parent_id")
    if raw_parent is not None and raw_parent.strip():
        if not raw_parent.strip().isdigit() or not raw_parent.isascii() or len(raw_parent.strip()) > 18:
            raise WriteError("Parent is not a number")
        parent_id = int(raw_parent)
        if parent_id not in account.jobs:
            raise WriteError("Parent does not exist")
    parent_type = account.jobs[parent_id].job_type_id if parent_id is not None else None
    job_type = account.child_type(parent_type)
    if job_type is None:
        raise WriteError("Parent can not have children (its job type is the lowest level)")
    if not can_manage(account, user, job_type.id):
        raise PermissionError("You do not manage jobs of this type")
    name = fields.get("name")
    _check_name(account, name, parent_id, errors)
    code, description, url = (_text(fields, n, errors) for n in ("code", "description", "url"))
    active = True if fields.get("active") is None else _boolean(fields.get("active"))
    if errors:
        raise WriteError(*errors)
    assert name is not None
    job = Job(account.new_job_id(), job_type.id, parent_id, name, code, description, url, active, now, now)
    account.jobs[job.id] = job
    return job


def update_job(account: Account, user: User, job: Job, fields: dict[str, str | None], now: datetime) -> None:
    """Change a job's ``name``, ``active``, ``code``, ``description`` or ``url`` (``parent-id`` cannot change).

    Raises:
        WriteError: Validation failed.
        PermissionError: The user does not manage the job's type.
    """
    if not can_manage(account, user, job.job_type_id):
        raise PermissionError("You do not manage jobs of this type")
    errors: list[str] = []
    if "name" in fields:
        _check_name(account, fields["name"], job.parent_id, errors, exclude=job.id)
    texts = {n: _text(fields, n, errors) for n in ("code", "description", "url") if n in fields}
    active = _boolean(fields["active"]) if "active" in fields else job.active
    if errors:
        raise WriteError(*errors)
    if "name" in fields:
        job.name = fields["name"] or job.name
    for name, value in texts.items():
        setattr(job, name, value)
    job.active = active
    job.updated_at = now


def delete_job(account: Account, user: User, job: Job) -> None:
    """Delete a job with its descendants and their assignments.

    Raises:
        WriteError: The job or a descendant has time entries.
        PermissionError: The user does not manage the job's type.
    """
    if not can_manage(account, user, job.job_type_id):
        raise PermissionError("You do not manage jobs of this type")
    doomed = [job, *account.descendants(job)]
    if any(j.id in account.jobs_with_entries for j in doomed):
        raise WriteError("Jobs associated with time or expense entries can not be deleted; make the job inactive "
                         "instead")
    gone = {j.id for j in doomed}
    for job_id in gone:
        del account.jobs[job_id]
    account.assignments[:] = [a for a in account.assignments if a.job_id not in gone]
    account.assignments_by_id = {a.id: a for a in account.assignments}
