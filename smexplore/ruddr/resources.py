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

The fields after each table's ``# --- public reference`` line come from Ruddr's current public
reference, their sources in the comment on that line; they follow the earlier columns, which keep
their places and dtypes. Source labels:

- ``docs:<path>``: https://docs.ruddr.io/api-reference/<path> (the current API reference: the
  "Get a …" page's example object and its response attributes, with their enumerations);
- ``readme:<path>``: https://ruddr.readme.io/reference/<path> (the older reference's object pages);
- ``crate:<path>``: the Rust crate ``ruddr`` (GitHub ``mschuchard/ruddr-rust``, newest commit
  read 23b940a, 2026-08-18), whose models and their test fixtures follow the docs' objects;
- ``help:<path>``: https://help.ruddr.io/<path> (the product's help pages).

Left out on purpose: the projects' ``fixedFee``, ``fixedRecurringFee``, ``fixedRecurringStart`` and
``fixedRecurringEnd`` ("Deprecated. Always null." on ``docs:projects/get-a-project``) and the
members' ``forbidTimesheetSubmissionWhenBelowCapacity`` (deprecated for ``timesheetCapacityPolicy``,
``docs:members/update-a-member``).
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


_BUDGET: tuple[tuple[str, Kind, str], ...] = (
    ("revenue", "money", "total revenue"), ("services_revenue", "money", "services revenue"),
    ("product_revenue", "money", "product revenue"), ("other_revenue", "money", "other revenue"),
    ("billable_expenses", "money", "billable expenses"), ("non_billable_expenses", "money", "non-billable expenses"),
    ("billable_hours", "float", "billable hours"), ("non_billable_hours", "float", "non-billable hours"))


def _budget(prefix: str, what: str) -> list[Field]:
    """A nested project budget ``{revenue, servicesRevenue, …, nonBillableHours}`` (crate:src/model/project.rs)."""
    return [_field(f"{prefix}_{name}", kind, f"{what}: {text}.") for name, kind, text in _BUDGET]


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
    # --- public reference
    # bookingTypeId: crate:src/model/allocation.rs (BookingType Confirmed | Soft; commit 53859fc "update
    # allocation model for api changes"), help:resourcing/confirmed-and-soft-bookings ("Confirmed (the default)
    # or Soft"). Not yet on the stored copy of docs:allocations/get-an-allocation.
    _field("booking_type_id", "category", "How committed the allocation is: confirmed (the default) or soft "
                                          "(provisional staffing, still counted in forecasts).", ("confirmed", "soft")),
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
    # --- public reference: docs:members/get-a-member (list-members, update-a-member) and crate:src/model/member.rs
    _field("allowed_time_off_types", "category", "Which time-off types the member may use: all, or the custom "
                                                 "list in time_off_types.", ("all", "custom")),
    _field("internal_expense_approval_mode", "category", "Who approves the member's internal expenses "
                                                         "(crate only).", ("auto", "manager", "member")),
    _field("automatic_timesheet_submission_confirmation", "flag", "Whether the member is emailed when a timesheet "
                                                                  "is submitted automatically."),
    _field("timesheet_capacity_policy", "category", "Whether timesheets may be submitted below capacity "
                                                    "(unrestricted) or must reach it per timesheet or week.",
           ("unrestricted", "timesheet", "week")),
    _field("track_time_by_duration", "flag", "Whether the member tracks time by entering a duration."),
    _field("track_time_by_time_range", "flag", "Whether the member tracks time by a start and end time."),
    *_ref("level", "member level"), *_ref("business_unit", "business unit"),
    *_ref("internal_expense_approver", "internal expense approver"),
    _field("certifications", "list", "Certifications: [{id, name}]."),
    _field("time_off_types", "list", "Time-off types the member may use: [{id, name}]."),
])

PROJECTS = _resource("projects", "Project", [
    _id(),
    _field("key", "text", "URL key."),
    _field("name", "text", "Project name."),
    _field("notes", "text", "Notes."),
    _field("status_id", "category", "Project status (cancelled: docs:projects/get-a-project).",
           ("tentative", "not_started", "in_progress", "paused", "completed", "cancelled")),
    _field("start", "date", "Start date."),
    _field("end", "date", "End date."),
    _field("code", "text", "Project code."),
    _field("po_number", "text", "Purchase order number."),
    _field("billing_type_id", "category", "Billing type: tm (time and materials), fixed, fixed_recurring or "
                                          "non_billable (docs:projects/get-a-project)."),
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
    # --- public reference: docs:projects/get-a-project and crate:src/model/project.rs
    _field("revenue_recognition_method", "category", "How revenue is recognised; fixed-fee and fixed monthly "
                                                     "projects only.",
           ("invoiced", "manual", "automated_hours", "automated_tm_basis")),
    _field("use_budget", "flag", "Whether the project has a budget."),
    _field("budget_mode", "category", "The budget's mode (aggregated: from the tasks); none without a budget.",
           ("summary", "detailed", "aggregated")),
    _field("use_monthly_budget", "flag", "Whether the project has a monthly budget."),
    _field("monthly_budget_mode", "category", "The monthly budget's mode; none without one.", ("summary", "detailed")),
    _field("cap_max_member_hours_per_day", "flag", "Whether a member's hours per day on the project are capped."),
    _field("max_member_hours_per_day", "float", "The daily cap (when capped)."),
    _field("cap_max_member_hours_per_week", "flag", "Whether a member's hours per week are capped."),
    _field("max_member_hours_per_week", "float", "The weekly cap (when capped)."),
    _field("cap_max_member_hours_per_month", "flag", "Whether a member's hours per month are capped."),
    _field("max_member_hours_per_month", "float", "The monthly cap (when capped)."),
    _field("lock_time_and_expenses", "flag", "Whether time and expenses on the project are locked."),
    _field("track_time_to_assigned_roles", "flag", "Whether members track time to their assigned roles only."),
    _field("cloud_folder_url", "text", "Link to the project's cloud folder."),
    *_ref("sales_representative", "sales representative"), *_ref("business_unit", "business unit"),
    *_ref("project_group", "project group"),
    *_budget("budget", "Budget"), *_budget("monthly_budget", "Monthly budget"),
    _field("integrations", "list", "Accounting links: [{type, connectionId, externalId}] (crate only)."),
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
    # --- public reference: docs:clients/get-a-client, crate:src/model/client.rs, readme:client-object
    _field("invoice_details_source", "category", "Where invoices take their details from (crate's values).",
           ("workspace", "custom", "business_unit")),
    _field("invoice_subject", "text", "Invoice subject (custom invoice details)."),
    _field("invoice_notes", "text", "Invoice notes (custom invoice details)."),
    _field("invoice_email_subject", "text", "Invoice email subject (custom invoice details)."),
    _field("invoice_email_body", "text", "Invoice email body (custom invoice details)."),
    _field("use_workspace_invoice_details", "flag", "Whether invoices use the workspace's details rather than "
                                                    "the client's own (readme:client-object)."),
    *_ref("invoice_payment_term", "invoice payment term"), *_ref("sales_representative", "sales representative"),
    *_ref("business_unit", "business unit"),
    _field("integrations", "list", "Accounting links: [{type, connectionId, externalId}] (crate only)."),
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
    # --- public reference: docs:time-entries/get-a-time-entry and crate:src/model/time.rs
    _field("client_status_id", "category", "Client approval status; only on projects with client approvals.",
           ("not_created", "pending_approval", "approved", "rejected")),
    _field("invoice_line_id", "uuid", "The invoice line's id."),
    _field("invoice_line_number", "int", "The invoice line's number."),
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
    # --- public reference: readme:project-role-object and crate:src/model/role.rs; only when the project's
    # (monthly) budget is detailed or aggregated
    _field("budget_billable_hours", "float", "Budgeted billable hours of the role."),
    _field("budget_non_billable_hours", "float", "Budgeted non-billable hours of the role."),
    _field("monthly_budget_billable_hours", "float", "Monthly budgeted billable hours of the role."),
    _field("monthly_budget_non_billable_hours", "float", "Monthly budgeted non-billable hours of the role."),
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
    _field("roles", "list", "Roles budgeted: [{id, name, hours}]."),
    _field("tags", "list", "Tags: [{id, name}]."),
    # --- public reference: docs:project-tasks/get-a-project-task (list-project-tasks), readme:project-task-object
    _field("order", "float", "The task's order among the project's tasks."),
    _field("position", "float", "The task's position among the project's tasks."),
    # The three meanings below are read from the names (the stored pages show the flags, not their text).
    _field("cap_hours", "flag", "Whether time on the task is capped at its budgeted hours."),
    _field("cap_assigned_hours", "flag", "Whether each assignee's time is capped at their assigned hours."),
    _field("for_assigned_only", "flag", "Whether only the task's assignees may track time to it."),
    _field("require_notes", "flag", "Whether time entries on the task need notes."),
    _field("budgeted_services_revenue", "money", "Services revenue budgeted (none on a non-billable project)."),
    _field("project_members", "list", "Members assigned: [{id, member: {id, name}, hours}]."),
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
