"""Accelo's list resources and their field tables: what is asked for (``_fields``) and the typed columns it gives.

Each resource is one list below ``https://{deployment}.api.accelo.com/api/v0`` (``/jobs``,
``/staff``, ``/activities``, ``/tasks``, ``/companies``, ``/jobs/statuses``, ``/jobs/types``).
Accelo sends only a record's default fields (``id`` and ``title`` for a job) unless ``_fields``
names more, so each resource says exactly what it asks for, and the frame has those columns in
that order whatever comes back. **Everything on the wire is a string** (§B.2); the columns are
typed on the way in:

- ids ``Int64``; an id pointing at another record whose ``"0"`` means none (``task`` of an
  activity logged against a job, ``parent_id``) is ``<NA>`` there;
- unix timestamps (``"1495245600"``) ``datetime64[ns]``: naive UTC, or in the session's
  ``timezone=`` (``Field.wire_format == "unix"``); ``null`` is ``NaT``;
- flags (``"0"``/``"1"``, ``"yes"``/``"no"``) ``boolean``; decimals (``"125.00"``) ``Float64``;
  counts (``ordering``, ``paused`` days) ``Int64``; enumerations (``standing``, ``against_type``,
  ``medium``…) ``category``, with their values where the documents list them; the rest ``string``;
- **durations in seconds become hours**: a task's ``budgeted``, ``logged``, ``remaining``,
  ``billable`` and ``nonbillable`` and an activity's ``billable`` and ``nonbillable`` are the
  columns ``budgeted_hours`` … ``nonbillable_hours`` (``Float64``, seconds ÷ 3600). Every column
  holding hours ends in ``_hours``; none holds seconds;
- a **linked object** is asked for with the fields wanted and flattened into
  ``<link>_id`` and ``<link>_<field>``: ``manager(firstname,surname)`` gives ``manager_id``,
  ``manager_firstname``, ``manager_surname``; ``company(name)`` gives ``company_id`` and
  ``company_name``; a link asked for bare (``modified_by``) gives ``modified_by_id``.

Long texts (an activity's ``body``, ``html_body``, ``preview_body``) are not asked for: they would
fill the cache and no analysis here reads them. Sources: ``shared/source-docs/accelo-get-jobs.txt``,
``shared/reference/other-systems.md`` §B.1, §B.9, §B.10 (the Accelo docs' field tables).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..core.schema import Field, Kind, Resource, WireFormat

__all__ = ["RESOURCES", "WIRE", "Link", "WireSpec", "get_resource", "resource_names"]

_WIRE_FORMAT: WireFormat = "unix"


def _field(name: str, kind: Kind, description: str, choices: tuple[str, ...] | None = None) -> Field:
    return Field(name, kind, "str", read_only=True, description=description, choices=choices,
                 wire_format=_WIRE_FORMAT if kind == "timestamp" else None)


@dataclass(frozen=True)
class Link:
    """A linked object: asked for as ``name(fields…)`` (or bare ``name``), flattened to ``name_id``, ``name_<field>``.

    Attributes:
        name: The wire field (``manager``).
        fields: Its fields asked for, with their kinds and meanings (none: asked for bare, its id only).
        older: An older name of the same link, asked for bare too: its id fills ``name_id`` where the
            API sent nothing under ``name`` (a job's ``type``, the source document's name for what
            the current docs call ``job_type``).
    """

    name: str
    fields: tuple[tuple[str, Kind, str], ...] = ()
    older: str | None = None

    @property
    def item(self) -> str:
        """How ``_fields`` asks for it (and for its older name, if any)."""
        item = f"{self.name}({','.join(name for name, _, _ in self.fields)})" if self.fields else self.name
        return f"{item},{self.older}" if self.older else item


Item = tuple[Literal["field", "ref", "hours"], Field] | tuple[Literal["link"], Link]


@dataclass(frozen=True)
class WireSpec:
    """How one resource is asked for and read back.

    Attributes:
        fields_param: The ``_fields`` text sent with every request for it.
        links: Wire name → the linked object (flattened as ``Link`` says).
        hours: Wire name of a duration in seconds → its column in hours (``billable`` → ``billable_hours``).
        references: Columns holding another record's id, where ``"0"`` (and ``""``) mean none.
        search: The fields Accelo's ``search()`` looks in (``_filters`` text maps it to ``contains``).
    """

    fields_param: str
    links: dict[str, Link]
    hours: dict[str, str]
    references: frozenset[str]
    search: tuple[str, ...] = ()


RESOURCES: dict[str, Resource] = {}
"""Accelo's list resources by name."""
WIRE: dict[str, WireSpec] = {}
"""How each resource is asked for and read (by resource name)."""
_ALIASES: dict[str, str] = {}


def _define(name: str, path: str, schema: str, items: Iterable[Item], search: tuple[str, ...] = ()) -> None:
    fields: list[Field] = []
    wanted: list[str] = []
    links: dict[str, Link] = {}
    hours: dict[str, str] = {}
    references: set[str] = set()
    for item in items:
        if item[0] == "link":
            link = item[1]
            links[link.name] = link
            wanted.append(link.item)
            column = f"{link.name}_id"
            references.add(column)
            fields.append(_field(column, "int", f"The {link.name.replace('_', ' ')}'s id (none: <NA>)."))
            fields.extend(_field(f"{link.name}_{sub}", kind, text) for sub, kind, text in link.fields)
            continue
        kind, field = item
        fields.append(field)
        if kind == "hours":
            wire = field.name.removesuffix("_hours")
            hours[wire] = field.name
            wanted.append(wire)
        else:
            wanted.append(field.name)
            if kind == "ref":
                references.add(field.name)
    RESOURCES[name] = Resource(name=name, schema=schema, scopes={"list": "read", "get": "read"},
                               required_on_create=(), fields={f.name: f for f in fields}, path=path)
    WIRE[name] = WireSpec(",".join(w for w in wanted if w != "id"), links, hours, frozenset(references), search)
    _ALIASES[path.strip("/")] = name


def _f(name: str, kind: Kind, description: str, choices: tuple[str, ...] | None = None) -> Item:
    return ("field", _field(name, kind, description, choices))


def _ref(name: str, description: str) -> Item:
    """An id of another record as a plain field (``against_id``): ``"0"`` means none."""
    return ("ref", _field(name, "int", f"{description} (none: <NA>)."))


def _hours(wire: str, description: str) -> Item:
    return ("hours", _field(f"{wire}_hours", "float", f"{description}, in hours (the API's seconds ÷ 3600)."))


def _link(name: str, *fields: tuple[str, Kind, str], older: str | None = None) -> Item:
    return ("link", Link(name, tuple(fields), older))


def _id(what: str) -> Item:
    return _f("id", "int", f"The {what}'s id.")


def _dates(*names: str) -> list[Item]:
    meanings = {"date_created": "created", "date_modified": "last modified", "date_started": "started (planned)",
                "date_commenced": "actually commenced", "date_due": "due", "date_completed": "completed",
                "date_last_interacted": "last interacted with", "date_accepted": "accepted",
                "date_logged": "the time was logged for", "date_ended": "ended"}
    return [_f(name, "timestamp", f"When it was {meanings[name]} (a unix time on the wire).")
            for name in names]


_Sub = tuple[str, Kind, str]
_NAMES: tuple[_Sub, ...] = (("firstname", "text", "First name."), ("surname", "text", "Surname."))
_TITLE: tuple[_Sub, ...] = (("title", "text", "Title."),)
_STAFF_STANDING = ("active", "inactive", "lockout")
_ACTIVITY_STANDING = ("unapproved", "approved", "invoiced", "locked")

_define("jobs", "/jobs", "Job", [
    _id("job"),
    _f("title", "text", "The job's title."),
    _f("against_type", "category", "What the job is against (company, site …)."),
    _ref("against_id", "The id of what the job is against"),
    _f("against", "text", "What the job is against, as a path (companies/12)."),
    _f("against_table", "text", "The table of what the job is against (companies): the source document's field."),
    _f("custom_id", "text", "The deployment's own job number, where job types use one."),
    _f("paused", "int", "Days the job has been paused."),
    _f("staff_bookmarked", "flag", "Whether the API user bookmarked it."),
    *_dates("date_created", "date_modified", "date_started", "date_commenced", "date_due", "date_completed",
            "date_last_interacted"),
    _link("job_type", *_TITLE, older="type"),
    _link("rate", *_TITLE),
    _f("rate_charged", "money", "The rate charged per hour."),
    _link("status", *_TITLE),
    _f("standing", "category", "The standing of its status (pending, active, paused, complete, inactive …)."),
    _link("manager", *_NAMES),
    _link("modified_by"),
    _link("company", ("name", "text", "The company's name.")),
    _link("affiliation"),
    _link("job_contract"),
], search=("title",))

_define("staff", "/staff", "Staff", [
    _id("staff member"),
    _f("firstname", "text", "First name."),
    _f("surname", "text", "Surname."),
    _f("standing", "category", "Whether the user is active.", _STAFF_STANDING),
    _f("financial_level", "category", "What financial data the user may see."),
    _f("title", "text", "Title (Mr, Ms …)."),
    _f("email", "text", "Email address."),
    _f("mobile", "text", "Mobile number."),
    _f("phone", "text", "Phone number."),
    _f("fax", "text", "Fax number."),
    _f("position", "text", "Position held."),
    _f("username", "text", "Login name."),
    _f("timezone", "text", "The user's time zone (IANA name)."),
    _f("staff_rate", "money", "Default bill rate per hour."),
    _f("staff_cost_rate", "money", "Cost rate per hour."),
])

_define("companies", "/companies", "Company", [
    _id("company"),
    _f("name", "text", "The company's name."),
    _f("custom_id", "text", "The deployment's own company code."),
    _f("website", "text", "Website."),
    _f("phone", "text", "Phone number."),
    _f("fax", "text", "Fax number."),
    *_dates("date_created", "date_modified", "date_last_interacted"),
    _f("comments", "text", "Comments."),
    _f("standing", "category", "Standing (active, inactive …)."),
    _link("status"),
    _link("postal_address"),
    _f("staff_bookmarked", "flag", "Whether the API user bookmarked it."),
    _link("default_affiliation"),
], search=("website", "name", "phone", "fax"))

_define("activities", "/activities", "Activity", [
    _id("activity"),
    _f("subject", "text", "Subject."),
    _f("confidential", "flag", "Whether it is confidential."),
    _ref("parent_id", "The activity it replies to"),
    _ref("thread_id", "The first activity of its thread"),
    _f("against_type", "category", "What it is against (job, task, company …)."),
    _ref("against_id", "The id of what it is against"),
    _f("against", "text", "What it is against, as a path (jobs/12)."),
    _f("owner_type", "category", "Who logged it (staff, affiliation)."),
    _ref("owner_id", "The id of who logged it"),
    _f("medium", "category", "Medium (note, meeting, email, call …)."),
    _f("visibility", "category", "Who may see it."),
    *_dates("date_created", "date_started", "date_ended", "date_logged", "date_modified"),
    _hours("billable", "Billable time logged"),
    _hours("nonbillable", "Non-billable time logged"),
    _link("staff", *_NAMES),
    _link("activity_class", *_TITLE),
    _link("activity_priority"),
    _link("task", *_TITLE),
    _link("time_allocation"),
    _link("rate"),
    _f("rate_charged", "money", "The rate charged per hour."),
    _f("scheduled", "flag", "Whether it was scheduled (a meeting) rather than logged after the fact."),
    _f("standing", "category", "Approval of its time.", _ACTIVITY_STANDING),
    _ref("invoice_id", "The invoice its time is on"),
    _ref("contract_period_id", "The contract period its time counts against"),
    _f("is_billable", "flag", "Whether its job is billable."),
])

_define("tasks", "/tasks", "Task", [
    _id("task"),
    _f("title", "text", "Title."),
    _f("description", "text", "Description."),
    _hours("budgeted", "Time budgeted"),
    _hours("logged", "Time logged"),
    _hours("remaining", "Time budgeted and not yet logged"),
    _hours("billable", "Billable time logged"),
    _hours("nonbillable", "Non-billable time logged"),
    _f("staff_bookmarked", "flag", "Whether the API user bookmarked it."),
    *_dates("date_created", "date_started", "date_commenced", "date_accepted", "date_due", "date_completed",
            "date_modified"),
    _f("against_type", "category", "What it is against (job, company …)."),
    _ref("against_id", "The id of what it is against"),
    _f("against", "text", "What it is against, as a path (jobs/12)."),
    _f("creator_type", "category", "Who created it (staff …)."),
    _ref("creator_id", "The id of who created it"),
    _link("assignee", *_NAMES),
    _link("task_type", *_TITLE),
    _link("status", *_TITLE),
    _f("standing", "category", "The standing of its status (pending, accepted, started, complete, inactive …)."),
    _link("manager", *_NAMES),
    _link("contact"),
    _link("affiliation"),
    _link("company", ("name", "text", "The company's name.")),
    _link("issue"),
    _link("task_job", *_TITLE),
    _link("milestone"),
    _link("task_priority", *_TITLE),
    _ref("rate_id", "The rate charged"),
    _f("rate_charged", "money", "The rate charged per hour."),
    _f("custom_id", "text", "The deployment's own task code."),
    _f("ordering", "int", "Its place among its job's tasks."),
], search=("description", "title"))

_define("job_statuses", "/jobs/statuses", "JobStatus", [
    _id("status"),
    _f("title", "text", "Title."),
    _f("color", "text", "Colour."),
    _f("standing", "category", "The standing jobs in this status have."),
    _f("start", "flag", "Whether it is a starting status."),
    _f("ordering", "int", "Its place in lists."),
], search=("title",))

_define("job_types", "/jobs/types", "JobType", [
    _id("job type"),
    _f("title", "text", "Title."),
    _f("standing", "category", "Whether the type is in use.", ("active", "inactive")),
    _f("ordering", "int", "Its place in lists."),
    _f("has_custom_id", "flag", "Whether its jobs carry a custom id."),
], search=("title",))


def resource_names() -> list[str]:
    """The names of Accelo's list resources, as ``get_resource`` takes them."""
    return list(RESOURCES)


def get_resource(name: str) -> Resource:
    """The resource called ``name`` (``"jobs"``, ``"job_statuses"`` …; its path, ``"jobs/statuses"``, also does).

    Raises:
        KeyError: No such resource; the message names the valid ones.
    """
    key = name.strip().strip("/") if isinstance(name, str) else name
    try:
        return RESOURCES[_ALIASES.get(key, key)]
    except (KeyError, TypeError):
        raise KeyError(f"Accelo has no resource {name!r}; valid resources: {', '.join(RESOURCES)}") from None
