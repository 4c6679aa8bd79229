"""Ruddr's list resources and their field tables, in the flat snake_case form of ``flatten``.

Each ``Resource`` is one list endpoint below ``https://www.ruddr.io/api/workspace``
(``path="/allocations"`` …). Its fields are the columns of a flattened record
(``smexplore.ruddr.flatten``): ``hoursPerDay`` is ``hours_per_day``, ``member: {id, name}`` is
``member_id`` and ``member_name``. Kinds: ids ``uuid``; ``YYYY-MM-DD`` dates ``date`` (midnight in a
frame); ``createdAt``-style timestamps ``timestamp`` with ``wire_format="ISO8601"`` (instants in
UTC, ``2025-03-01T12:34:56.789Z``: naive UTC in a frame, or the session's zone); hours and ratios
``float``; rates and costs ``money``; booleans ``flag``; enumerations (``…Id`` codes, ``unit``,
``entity``, currencies) ``category``, with their values where the documents list them; arrays
``list`` (one ``object`` column holding the list as sent).

Sources: the allocation object (``shared/source-docs/ruddr-allocation-object.txt``, with the three
fields the docs page adds), ``shared/reference/other-systems.md`` §A.4 and §A.9 for the other
lists, and the Ruddr emulator's records for what the documents leave out (its decisions are in
``smexplore.ruddr.emulator``'s docstring). Ruddr keys have no scopes; the API here is read only.
"""

from __future__ import annotations

from ..core.schema import Field, Kind, Resource, Wire, WireFormat

__all__ = ["RESOURCES", "get_resource", "resource_names"]

_ISO: WireFormat = "ISO8601"
_WIRE: dict[Kind, Wire] = {"flag": "bool", "int": "int", "float": "float", "money": "float", "list": "list"}


def _field(name: str, kind: Kind, description: str, choices: tuple[str, ...] | None = None,
           read_only: bool = False) -> Field:
    return Field(name, kind, _WIRE.get(kind, "str"), read_only=read_only, description=description, choices=choices,
                 wire_format=_ISO if kind == "timestamp" else None)


def _ref(prefix: str, what: str, *, name: str = "name") -> list[Field]:
    """The columns of a nested ``{id, name}`` object: ``<prefix>_id`` and ``<prefix>_name``."""
    return [_field(f"{prefix}_id", "uuid", f"The {what}'s id."),
            _field(f"{prefix}_{name}", "text", f"The {what}'s {name}.", read_only=True)]


def _project() -> list[Field]:
    """A nested ``project: {id, name, client: {id, name}}``."""
    return [*_ref("project", "project"), *_ref("project_client", "project's client")]


def _id() -> Field:
    return _field("id", "uuid", "The record's id.", read_only=True)


def _created() -> Field:
    return _field("created_at", "timestamp", "When the record was created (UTC); lists are newest first by it.",
                  read_only=True)


def _resource(name: str, schema: str, fields: list[Field]) -> Resource:
    return Resource(name=name, schema=schema, scopes={}, required_on_create=(),
                    fields={field.name: field for field in fields}, path=f"/{name}")


_UNITS = ("day", "week", "month", "allocation", "ratio_of_capacity")

ALLOCATIONS = _resource("allocations", "Allocation", [
    _id(),
    _field("resource_type_id", "category", "Who is allocated: a member or a placeholder.", ("member", "placeholder")),
    _field("assignment_type_id", "category", "What to: a project or time off.", ("project", "time_off")),
    _field("start", "date", "First day of the allocation."),
    _field("end", "date", "Last day of the allocation."),
    _field("unit", "category", "What the hours are per; only the matching hours_per_… field is set.", _UNITS),
    _field("hours_per_day", "float", "Hours on each working day (unit day)."),
    _field("hours_per_week", "float", "Hours per week (unit week)."),
    _field("hours_per_month", "float", "Hours per month (unit month)."),
    _field("hours_per_allocation", "float", "Hours over the whole allocation (unit allocation)."),
    _field("hours_ratio_of_capacity", "float", "Share of the member's capacity, 0 to 1 (unit ratio_of_capacity)."),
    _field("allocate_on_time_off_days", "flag", "Whether hours fall on time-off days too (member project "
                                                "allocations only)."),
    _field("total_hours", "float", "Hours over every working day of the allocation (computed).", read_only=True),
    _field("is_billable", "flag", "Whether the allocation is billable (computed from related records)."),
    _field("notes", "text", "Notes."),
    _field("read_only", "flag", "True for allocations from time entries or holidays.", read_only=True),
    _field("entity", "category", "Where the allocation comes from.", ("allocation", "time_entry", "holiday"),
           read_only=True),
    _created(),
    *_ref("member", "member"), *_ref("placeholder", "resource placeholder"), *_project(),
    *_ref("role", "project role"), *_ref("task", "project task"), *_ref("time_off_type", "time-off type"),
])

MEMBERS = _resource("members", "Member", [
    _id(),
    _field("name", "text", "Full name."),
    _field("email", "text", "Email address."),
    _field("is_active", "flag", "Whether the member is active."),
    _field("is_billable", "flag", "Whether the member's time is billable by default."),
    _field("login_enabled", "flag", "Whether the member can log in."),
    _field("invitation_status_id", "category", "Invitation status (accepted …)."),
    _field("employment_type_id", "category", "Employment type.", ("employee", "contractor", "other")),
    _field("cost_method_id", "category", "How the member's cost is figured (hourly …)."),
    _field("default_rate", "money", "Default bill rate per hour."),
    _field("default_rate_currency", "category", "Currency of default_rate."),
    _field("active_start_date", "date", "First day the member is active."),
    _field("active_end_date", "date", "Last day the member is active (none while active)."),
    _field("time_off_allowed", "flag", "Whether the member may take time off."),
    _field("time_off_approval_mode", "category", "Who approves the member's time off."),
    _field("receive_missing_time_reminders", "flag", "Reminders about missing time."),
    _field("unsubmitted_timesheet_reminders", "flag", "Reminders about unsubmitted timesheets."),
    _field("internal_id", "text", "The firm's own id for the member."),
    _field("internal_notes", "text", "Internal notes."),
    _created(),
    *_ref("security_role", "security role"), *_ref("job_title", "job title"), *_ref("discipline", "discipline"),
    *_ref("practice", "practice"), *_ref("location", "location"), *_ref("manager", "manager"),
    *_ref("time_off_approver", "time-off approver"), *_ref("holiday_schedule", "holiday schedule"),
    _field("tags", "list", "Tags: [{id, name}]."),
    _field("skills", "list", "Skills: [{id, name}]."),
    _field("availability_periods", "list", "Capacity: [{id, start, end, hoursPerDay: 7 numbers, Monday first}]."),
    _field("cost_periods", "list", "Cost: [{id, start, end, currency, costPerHour, overheadCostPerHour, "
                                   "totalCostPerHour}]."),
    _field("utilization_target_periods", "list", "Targets: [{id, start, end, targetPercentage}]."),
])

PROJECTS = _resource("projects", "Project", [
    _id(),
    _field("key", "text", "URL key."),
    _field("name", "text", "Project name."),
    _field("notes", "text", "Notes."),
    _field("status_id", "category", "Project status.", ("tentative", "not_started", "in_progress", "paused",
                                                         "completed")),
    _field("start", "date", "Start date."),
    _field("end", "date", "End date."),
    _field("code", "text", "Project code."),
    _field("po_number", "text", "Purchase order number."),
    _field("billing_type_id", "category", "Billing type (time_and_materials, fixed, non_billable …)."),
    _field("is_billable", "flag", "Whether the project is billable."),
    _field("currency", "category", "Currency."),
    _field("use_roles", "flag", "Whether the project staffs by roles."),
    _field("requires_notes", "flag", "Whether time entries need notes."),
    _field("requires_tasks", "flag", "Whether time entries need a task."),
    _field("record_status_id", "category", "Record status (active, archived)."),
    _field("is_productive", "flag", "Whether time on it counts as productive."),
    _created(),
    _field("completed_on", "date", "Day the project was completed."),
    *_ref("client", "client"), *_ref("practice", "practice"), *_ref("project_type", "project type"),
    _field("tags", "list", "Tags: [{id, name}]."),
])

CLIENTS = _resource("clients", "Client", [
    _id(),
    _field("key", "text", "URL key."),
    _field("name", "text", "Client name."),
    _field("code", "text", "Client code."),
    _field("currency", "category", "Currency."),
    _field("notes", "text", "Notes."),
    _field("emails", "list", "Billing email addresses."),
    _field("street_address", "text", "Street address."),
    _field("is_internal", "flag", "Whether the client is the firm itself."),
    _field("record_status_id", "category", "Record status (active, archived)."),
    _created(),
    *_ref("practice", "practice"), *_ref("industry", "industry"), *_ref("location", "location"),
    *_ref("owner", "relationship owner"),
    _field("tags", "list", "Tags: [{id, name}]."),
])

TIME_ENTRIES = _resource("time-entries", "TimeEntry", [
    _id(),
    _field("type_id", "category", "Project time or time off.", ("project_time", "time_off")),
    _field("status_id", "category", "Approval status (not_submitted, pending_approval, approved …)."),
    _field("date", "date", "The day worked."),
    _field("minutes", "int", "Minutes worked."),
    _field("timer_started_at", "timestamp", "When a running timer started (UTC)."),
    _field("start_time", "text", "Start time of day, where recorded."),
    _field("end_time", "text", "End time of day, where recorded."),
    _field("notes", "text", "Notes."),
    _field("is_billable", "flag", "Whether the time is billable."),
    _field("invoiced", "flag", "Whether the time is invoiced."),
    _field("rate_currency", "category", "Currency of rate."),
    _field("rate", "money", "Bill rate per hour."),
    _field("cost_currency", "category", "Currency of cost_per_hour."),
    _field("cost_per_hour", "money", "Cost per hour."),
    _created(),
    *_ref("member", "member"), *_project(), *_ref("role", "project role"), *_ref("task", "project task"),
    *_ref("time_off_type", "time-off type"),
    _field("timesheet_id", "uuid", "The timesheet's id."),
    _field("timesheet_submitted_on", "timestamp", "When the timesheet was submitted (UTC).", read_only=True),
    *_ref("invoice", "invoice", name="number"),
])

RESOURCE_PLACEHOLDERS = _resource("resource-placeholders", "ResourcePlaceholder", [
    _id(),
    _field("name", "text", "Placeholder name (a role to fill)."),
    _field("is_active", "flag", "Whether the placeholder is active."),
    _field("is_billable", "flag", "Whether its time is billable."),
    _field("rate_currency", "category", "Currency of rate."),
    _field("rate", "money", "Bill rate per hour."),
    _field("cost_currency", "category", "Currency of cost_per_hour."),
    _field("cost_per_hour", "money", "Cost per hour."),
    _created(),
    *_ref("discipline", "discipline"), *_ref("location", "location"), *_ref("practice", "practice"),
    _field("skills", "list", "Skills: [{id, name}]."),
])

PROJECT_ROLES = _resource("project-roles", "ProjectRole", [
    _id(),
    _field("name", "text", "Role name."),
    _field("is_active", "flag", "Whether the role is active."),
    _field("is_billable", "flag", "Whether the role's time is billable."),
    _field("rate", "money", "Bill rate per hour."),
    _created(),
    *_project(), *_ref("discipline", "discipline"), *_ref("practice", "practice"), *_ref("location", "location"),
])

PROJECT_TASKS = _resource("project-tasks", "ProjectTask", [
    _id(),
    _field("name", "text", "Task name."),
    _field("notes", "text", "Notes."),
    _field("status_id", "category", "Task status (not_started, in_progress, completed …)."),
    _field("start", "date", "Start date."),
    _field("end", "date", "End date."),
    _field("is_billable", "flag", "Whether the task is billable."),
    _field("lock_time", "flag", "Whether time can no longer be recorded on it."),
    _field("code", "text", "Task code."),
    _field("record_status_id", "category", "Record status (active, archived)."),
    _field("budgeted_hours", "float", "Hours budgeted."),
    _created(),
    *_ref("parent", "parent task"), *_project(),
    _field("roles", "list", "Roles allowed: [{id, name}]."),
    _field("tags", "list", "Tags: [{id, name}]."),
])

RESOURCES: dict[str, Resource] = {resource.name: resource for resource in (
    ALLOCATIONS, MEMBERS, PROJECTS, CLIENTS, TIME_ENTRIES, RESOURCE_PLACEHOLDERS, PROJECT_ROLES, PROJECT_TASKS)}
"""Ruddr's list resources by name (their path below the workspace API, without ``/``)."""


def resource_names() -> list[str]:
    """The names of Ruddr's list resources, as ``get_resource`` takes them."""
    return list(RESOURCES)


def get_resource(name: str) -> Resource:
    """The resource called ``name`` (``"allocations"``, ``"time-entries"`` …; ``/allocations`` and
    ``time_entries`` also do).

    Raises:
        KeyError: No such resource; the message names the valid ones.
    """
    key = name.strip().strip("/").replace("_", "-") if isinstance(name, str) else name
    try:
        return RESOURCES[key]
    except (KeyError, TypeError):
        raise KeyError(f"Ruddr has no resource {name!r}; valid resources: {', '.join(RESOURCES)}") from None
