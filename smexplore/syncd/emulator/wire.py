"""Syncd's XML, Rails ``to_xml`` style, built with ``xml.etree.ElementTree`` (every value escaped by it).

Element names are dasherised (``job-type-id``). Typed values carry ``type="integer"``,
``"boolean"``, ``"datetime"`` or ``"date"``; a null is ``<name nil="true"/>`` (with its ``type``
when the field is typed), an empty text ``<name/>``. Audit stamps are UTC with a ``Z``
(``2008-01-08T03:47:52Z``), time-entry times carry their offset (``2007-08-30T08:28:00-04:00``).
A list is ``<jobs type="array" total="…" start="…" end="…">`` around its items.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from werkzeug.wrappers import Response

from .account import Account, Activity, Assignment, Job, JobType, Rights, TimeEntry, User, UserGroup

__all__ = ["CONTENT_TYPE", "Extras", "activity_element", "assignment_element", "document", "errors_response",
           "job_element", "job_type_element", "list_element", "time_entry_element", "user_element",
           "user_group_element", "wire_datetime", "xml_response"]

CONTENT_TYPE = "application/xml; charset=utf-8"

Extras = Mapping[str, bool]
"""Extra boolean elements appended to a job (``allow-time-entries``, ``assigned``), in order."""


def wire_datetime(moment: datetime) -> str:
    """``moment`` in ISO 8601 to the second: ``…Z`` for UTC, else with its offset (``-04:00``)."""
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if moment.tzinfo is UTC else text


def _add(parent: ET.Element, name: str, value: Any) -> ET.Element:
    """Append ``<name>`` holding ``value``, typed by its Python type; ``None`` is ``nil="true"`` (untyped)."""
    return _typed(parent, name, value, None)


def _typed(parent: ET.Element, name: str, value: Any, kind: str | None) -> ET.Element:
    """Append ``<name type=kind>``; a ``None`` value is ``nil="true"`` and keeps its ``type``."""
    element = ET.SubElement(parent, name)
    if isinstance(value, bool):
        kind, text = "boolean", "true" if value else "false"
    elif isinstance(value, int):
        kind, text = "integer", str(value)
    elif isinstance(value, datetime):
        kind, text = "datetime", wire_datetime(value)
    elif isinstance(value, date):
        kind, text = "date", value.isoformat()
    elif value is None:
        text = None
        element.set("nil", "true")
    else:
        text = str(value)
    if kind is not None:
        element.attrib = {"type": kind, **element.attrib}
    element.text = text
    return element


def _timestamps(element: ET.Element, record: Any) -> None:
    _add(element, "created-at", record.created_at)
    _add(element, "updated-at", record.updated_at)


# --- resources -------------------------------------------------------------------------------
def job_type_element(job_type: JobType, tag: str = "job-type") -> ET.Element:
    element = ET.Element(tag)
    _add(element, "id", job_type.id)
    _typed(element, "parent-id", job_type.parent_id, "integer")
    _add(element, "name", job_type.name)
    _add(element, "name-plural", job_type.name_plural)
    for name in ("allow_time_entries", "allow_expense_entries", "show_codes", "show_links", "show_descriptions"):
        _add(element, name.replace("_", "-"), getattr(job_type, name))
    _add(element, "levels", job_type.levels)
    return element


def job_element(account: Account, job: Job, *, ancestors: bool = False, timestamps: bool = False,
                extras: Extras | None = None, tag: str = "job") -> ET.Element:
    """A job; with ``ancestors`` its parent nests as ``<parent>`` (recursively) in place of ``parent-id``.

    A root job keeps ``<parent-id type="integer" nil="true"/>`` either way. Nested parents carry the
    same core fields (and the timestamps if asked), not the extras.
    """
    element = ET.Element(tag)
    _add(element, "id", job.id)
    _add(element, "job-type-id", job.job_type_id)
    if ancestors and job.parent_id is not None:
        element.append(job_element(account, account.jobs[job.parent_id], ancestors=True, timestamps=timestamps,
                                   tag="parent"))
    else:
        _typed(element, "parent-id", job.parent_id, "integer")
    _add(element, "name", job.name)
    _add(element, "code", job.code)
    _add(element, "description", job.description)
    _add(element, "url", job.url)
    _add(element, "active", job.active)
    _add(element, "effectively-active", account.effectively_active(job))
    for name, value in (extras or {}).items():
        _add(element, name, value)
    if timestamps:
        _timestamps(element, job)
    return element


def _rights_element(rights: Rights) -> ET.Element:
    element = ET.Element("rights")
    for name in ("admin", "billing_contact", "user_group_manager", "manager_for_job_type_id", "activity_manager",
                 "billing_rate_manager", "view_billing_rates", "view_management_reports"):
        _typed(element, name.replace("_", "-"), getattr(rights, name), "integer" if name.endswith("_id") else None)
    return element


def user_element(user: User, *, rights: bool = False, timestamps: bool = False,
                 preferences: bool = False) -> ET.Element:
    element = ET.Element("user")
    _add(element, "id", user.id)
    for name in ("name", "first_name", "last_name", "active", "code", "email", "url"):
        _add(element, name.replace("_", "-"), getattr(user, name))
    if rights:
        element.append(_rights_element(user.rights))
    if preferences:
        chosen = ET.SubElement(element, "preferences")
        _add(chosen, "am-pm", True)
        _add(chosen, "first-day-of-week", 1)
    if timestamps:
        _timestamps(element, user)
    return element


def user_group_element(group: UserGroup, *, timestamps: bool = False) -> ET.Element:
    """A user group with its members: ``<user-ids type="array"><user-id type="integer">…``."""
    element = ET.Element("user-group")
    _add(element, "id", group.id)
    _add(element, "name", group.name)
    members = ET.SubElement(element, "user-ids", {"type": "array"})
    for user_id in group.user_ids:
        _add(members, "user-id", user_id)
    if timestamps:
        _timestamps(element, group)
    return element


def assignment_element(account: Account, assignment: Assignment, includes: Collection[str]) -> ET.Element:
    """A job assignment: who (``users`` all/none, ``user-id`` or ``user-group-id``) and what (``jobs`` all or
    ``job-id``); ``include=users,user_groups,jobs`` puts the objects in place of their ids."""
    element = ET.Element("job-assignment")
    _add(element, "id", assignment.id)
    if assignment.users is not None:
        _add(element, "users", assignment.users)
    elif assignment.user_id is not None:
        if "users" in includes:
            element.append(user_element(account.users_by_id[assignment.user_id]))
        else:
            _add(element, "user-id", assignment.user_id)
    elif assignment.user_group_id is not None:
        if "user_groups" in includes:
            element.append(user_group_element(account.user_groups_by_id[assignment.user_group_id]))
        else:
            _add(element, "user-group-id", assignment.user_group_id)
    if assignment.job_id is None:
        _add(element, "jobs", "all")
    elif "jobs" in includes:
        element.append(job_element(account, account.jobs[assignment.job_id]))
    else:
        _add(element, "job-id", assignment.job_id)
    if "timestamps" in includes:
        _timestamps(element, assignment)
    return element


def activity_element(activity: Activity, *, timestamps: bool = False) -> ET.Element:
    element = ET.Element("activity")
    _add(element, "id", activity.id)
    for name in ("name", "active", "code", "description", "url"):
        _add(element, name, getattr(activity, name))
    if timestamps:
        _timestamps(element, activity)
    return element


def time_entry_element(account: Account, entry: TimeEntry, includes: Collection[str]) -> ET.Element:
    """A time entry: ``start-time``/``end-time`` (with offsets) or ``start-date``, ``duration`` in minutes,
    ``note``, then the user, job and activity (ids, or objects with ``include=users,jobs,activities``;
    ``job_ancestors`` nests each job's parents), then the timestamps."""
    element = ET.Element("time-entry")
    _add(element, "id", entry.id)
    if entry.start_time is not None:
        _add(element, "start-time", entry.start_time)
        _add(element, "end-time", entry.end_time)
    else:
        _add(element, "start-date", entry.start_date)
    _add(element, "duration", entry.duration)
    _add(element, "note", entry.note)
    if "users" in includes:
        element.append(user_element(account.users_by_id[entry.user_id]))
    else:
        _add(element, "user-id", entry.user_id)
    if "jobs" in includes:
        element.append(job_element(account, account.jobs[entry.job_id], ancestors="job_ancestors" in includes))
    else:
        _add(element, "job-id", entry.job_id)
    if "activities" in includes and entry.activity_id is not None:
        element.append(activity_element(account.activities_by_id[entry.activity_id]))
    else:
        _typed(element, "activity-id", entry.activity_id, "integer")
    _timestamps(element, entry)
    return element


# --- documents -------------------------------------------------------------------------------
def list_element(tag: str, items: Iterable[ET.Element], *, total: int, start: int) -> ET.Element:
    """``<tag type="array" total start end>`` around ``items`` (``end`` is ``start - 1`` when there are none)."""
    element = ET.Element(tag, {"type": "array"})
    count = 0
    for item in items:
        element.append(item)
        count += 1
    element.set("total", str(total))
    element.set("start", str(start))
    element.set("end", str(start + count - 1))
    return element


def document(root: ET.Element) -> bytes:
    """``root`` as a UTF-8 XML document with its declaration, indented by two spaces."""
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def xml_response(root: ET.Element, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(document(root), status=status, headers=dict(headers or {}), content_type=CONTENT_TYPE)


def errors_response(status: int, *messages: str, headers: Mapping[str, str] | None = None) -> Response:
    """Rails' error document: ``<errors><error>message</error>…</errors>``."""
    root = ET.Element("errors")
    for message in messages:
        ET.SubElement(root, "error").text = message
    return xml_response(root, status, headers)
