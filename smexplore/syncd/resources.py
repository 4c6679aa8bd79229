"""Syncd's list resources and their field tables, in the snake_case form of ``records.row``.

Each ``Resource`` is one list below ``https://<account>.syncd.com`` (``path="/jobs.xml"`` …). Its
fields are the columns of a row: the XML's dasherised names in snake_case (``job-type-id`` →
``job_type_id``), objects the API nests (``include=users,jobs``: ``<user>…</user>`` in place of
``<user-id>``) flattened with ``_`` (``user_id``, ``user_name`` …). Kinds follow the XML's
``type=`` attributes: ``integer`` ids and counts ``int`` (``Int64``), ``boolean`` ``flag``,
``date`` ``date`` (midnight), ``datetime`` ``timestamp`` with ``wire_format="ISO8601-wall"``:
time-entry times are written with their user's offset (``2007-08-30T08:28:00-04:00``), audit
stamps in UTC (``…Z``); in a session without a time zone a frame shows the wall time written (the
offset dropped: 08:28), in one with a zone the instant in that zone. Columns marked *computed*
are not on the wire: the Session adds them (the job tree, names, hours).

Sources: ``shared/source-docs/syncd-jobs.txt`` and ``shared/reference/other-systems.md`` §C (job
types, assignments, users, time entries). Syncd's permissions are the web user's; there are no
scopes. Jobs can be written (``writes``): the lengths below are the document's limits, checked
before a write is sent.
"""

from __future__ import annotations

import dataclasses

from ..core.schema import Field, Kind, Resource, Wire, WireFormat

__all__ = ["ASSIGNMENT_USERS", "COMPUTED", "RESOURCES", "get_resource", "resource_names"]

_WALL: WireFormat = "ISO8601-wall"
_WIRE: dict[Kind, Wire] = {"flag": "bool", "int": "int", "float": "float"}
ASSIGNMENT_USERS = ("all", "none")
"""The values of an assignment's ``users``: every user, or nobody (a job assigned to no one)."""


def _field(name: str, kind: Kind, description: str, *, computed: bool = False,
           choices: tuple[str, ...] | None = None, max_length: int | None = None) -> Field:
    return Field(name, kind, _WIRE.get(kind, "str"), read_only=computed,
                 description=f"{description} (computed)" if computed else description, choices=choices,
                 wire_format=_WALL if kind == "timestamp" else None, max_length=max_length)


def _stamps() -> list[Field]:
    """Audit stamps: instants, sent in UTC (``2008-01-08T03:47:52Z``), not wall times with their
    writer's offset, so a store read in a session with a time zone converts them like a live pull."""
    return [dataclasses.replace(field, wire_format="ISO8601") for field in (
        _field("created_at", "timestamp", "When the record was created (UTC on the wire)."),
        _field("updated_at", "timestamp", "When the record was last changed (UTC on the wire)."))]


def _resource(name: str, path: str, fields: list[Field], required_on_create: tuple[str, ...] = ()) -> Resource:
    return Resource(name=name, schema=name, scopes={}, required_on_create=required_on_create,
                    fields={field.name: field for field in fields}, path=path)


JOBS = _resource("jobs", "/jobs.xml", [
    _field("id", "int", "The job's id."),
    _field("job_type_id", "int", "Its job type (the level: client, project, task …)."),
    _field("parent_id", "int", "The job above it; missing for a top-level job."),
    _field("name", "text", "Name (unique among its parent's children).", max_length=50),
    _field("code", "text", "Short code.", max_length=50),
    _field("description", "text", "Description.", max_length=255),
    _field("url", "text", "An external link.", max_length=255),
    _field("active", "flag", "Whether the job and its descendants are active (as set on the job)."),
    _field("effectively_active", "flag", "False if the job or any ancestor is inactive."),
    _field("allow_time_entries", "flag", "Whether its job type allows time entries (sent with for=time; else "
                                         "from the job type)."),
    _field("allow_expense_entries", "flag", "Whether its job type allows expense entries (sent with for=expenses; "
                                            "else from the job type)."),
    _field("assigned", "flag", "Whether the job is assigned to the user (lists of one's own assignments only)."),
    *_stamps(),
    _field("job_type_name", "text", "Its job type's name (Client, Project, Task …)", computed=True),
    _field("depth", "int", "How many ancestors it has: 0 for a top-level job", computed=True),
    _field("path", "text", "Its ancestors' names and its own, top first: 'Client / Project / Task'",
           computed=True),
    _field("root_id", "int", "The top-level job it belongs to (the client, where levels are client → project → "
                             "task); its own id at the top", computed=True),
    _field("root_name", "text", "That top-level job's name", computed=True),
], required_on_create=("name",))

JOB_TYPES = _resource("job_types", "/job_types.xml", [
    _field("id", "int", "The job type's id."),
    _field("parent_id", "int", "The level above (missing at the top; each level has one below it at most)."),
    _field("name", "text", "Name (Client, Project, Task …)."),
    _field("name_plural", "text", "Plural name."),
    _field("allow_time_entries", "flag", "Whether jobs of this type take time entries."),
    _field("allow_expense_entries", "flag", "Whether jobs of this type take expense entries."),
    _field("show_codes", "flag", "Whether the web interface shows codes."),
    _field("show_links", "flag", "Whether the web interface shows links."),
    _field("show_descriptions", "flag", "Whether the web interface shows descriptions."),
    _field("levels", "int", "How many levels the account's work structure has."),
    _field("depth", "int", "How many levels are above it: 0 at the top", computed=True),
])

JOB_ASSIGNMENTS = _resource("job_assignments", "/job_assignments.xml", [
    _field("id", "int", "The assignment's id."),
    _field("users", "category", "Who, when not one user or group: 'all' users or 'none' (a job assigned to "
                                "no one, which still stops its parent's assignments from applying).",
           choices=ASSIGNMENT_USERS),
    _field("user_id", "int", "The user assigned."),
    _field("user_name", "text", "That user's login (include=users)."),
    _field("user_first_name", "text", "That user's first name (include=users)."),
    _field("user_last_name", "text", "That user's last name (include=users)."),
    _field("user_group_id", "int", "The user group assigned."),
    _field("user_group_name", "text", "That group's name (include=user_groups)."),
    _field("user_group_user_ids", "list", "That group's members: a list of user ids (include=user_groups)."),
    _field("jobs", "category", "'all' for an assignment to every job.", choices=("all",)),
    _field("job_id", "int", "The job assigned (missing for an assignment to all jobs)."),
    _field("job_name", "text", "That job's name (include=jobs)."),
    *_stamps(),
    _field("job_path", "text", "That job's path, top first: 'Client / Project / Task'", computed=True),
])

USERS = _resource("users", "/users.xml", [
    _field("id", "int", "The user's id."),
    _field("name", "text", "The login."),
    _field("first_name", "text", "First name."),
    _field("last_name", "text", "Last name."),
    _field("active", "flag", "Whether the user is active."),
    _field("code", "text", "Short code."),
    _field("email", "text", "Email address."),
    _field("url", "text", "A link."),
    *_stamps(),
    _field("full_name", "text", "First and last name (the login when both are blank)", computed=True),
])

TIME_ENTRIES = _resource("time_entries", "/time_entries.xml", [
    _field("id", "int", "The entry's id."),
    _field("user_id", "int", "Whose time it is."),
    _field("job_id", "int", "The job the time was spent on."),
    _field("activity_id", "int", "The activity (design, meetings …), if any."),
    _field("start_time", "timestamp", "Start, for an entry with start and end times (written with the user's "
                                      "offset)."),
    _field("end_time", "timestamp", "End, likewise."),
    _field("start_date", "date", "The day of an entry given as a duration only."),
    _field("duration", "int", "Minutes (seconds truncated); end minus start for an entry with times."),
    _field("note", "text", "Note."),
    *_stamps(),
    _field("hours", "float", "duration / 60", computed=True),
    _field("date", "date", "The entry's day: start_date, or start_time's day as the user wrote it", computed=True),
    _field("utc_offset", "text", "The UTC offset start_time was written with ('-04:00'); missing for an entry "
                                 "given as a duration", computed=True),
    _field("user_name", "text", "The user's full name", computed=True),
    _field("job_name", "text", "The job's name", computed=True),
    _field("job_path", "text", "The job's path, top first: 'Client / Project / Task'", computed=True),
    _field("root_name", "text", "The job's top-level job (the client, where levels are client → project → task)",
           computed=True),
])

RESOURCES: dict[str, Resource] = {resource.name: resource for resource in (
    JOBS, JOB_TYPES, JOB_ASSIGNMENTS, USERS, TIME_ENTRIES)}
"""Syncd's list resources by name (their path without ``/`` and ``.xml``)."""

COMPUTED: dict[str, tuple[str, ...]] = {
    name: tuple(f.name for f in resource.fields.values() if f.read_only) for name, resource in RESOURCES.items()}
"""Resource → the columns the Session adds (not on the wire)."""


def resource_names() -> list[str]:
    """The names of Syncd's list resources, as ``get_resource`` takes them."""
    return list(RESOURCES)


def get_resource(name: str) -> Resource:
    """The resource called ``name`` (``"jobs"``, ``"time_entries"`` …; ``/time_entries.xml`` and
    ``time-entries`` also do).

    Raises:
        KeyError: No such resource; the message names the valid ones.
    """
    key = name.strip().strip("/").removesuffix(".xml").replace("-", "_") if isinstance(name, str) else name
    try:
        return RESOURCES[key]
    except (KeyError, TypeError):
        raise KeyError(f"Syncd has no resource {name!r}; valid resources: {', '.join(RESOURCES)}") from None
