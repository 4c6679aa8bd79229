"""What each Accelo table holds and allows: its fields, default fields, linked objects, and filters.

Taken from the Accelo API docs (``shared/reference/other-systems.md`` §B; the job object of
``shared/source-docs/accelo-get-jobs.txt``): the default fields are the ones the docs show in
bold; each list's basic, date, range, order, object and search filters are the ones its section
lists. ``tables(agency)`` builds them for one deployment (a few filters read data that is no field,
such as a company's manager).

Jobs follow both documents: the current ``_jobs.md`` and the source document, whose
``against_table`` field ("the name of the object the job is against. E.g, companies"; in no
version of ``_jobs.md``, §B.13) is served too. Their filters take the source document's spellings
beside the current ones: ``type`` (``job_type`` today, ``type`` deprecated), ``manager_id`` (its
sample request), ``min_id``/``max_id``, and the range ``plan_modified_by``, which no job here
matches (the emulator keeps no job plans).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .agency import Agency, Record

__all__ = ["Getter", "Table", "tables"]

Getter = Callable[[Record], Any]
"""Reads the value a filter tests from a record: a string, ``None``, or a tuple of strings (any may match)."""


def _get(name: str) -> Getter:
    return lambda record: record.get(name)


def _getters(*names: str, **renamed: str) -> dict[str, Getter]:
    """Filter name → getter: each of ``names`` reads its own field, each ``renamed`` filter another field."""
    return {**{name: _get(name) for name in names}, **{name: _get(target) for name, target in renamed.items()}}


def _none(record: Record) -> None:
    return None


@dataclass(frozen=True)
class Table:
    """One table as the API serves it.

    Attributes:
        path: Its path below ``/api/v0`` (``jobs``, ``jobs/statuses``).
        fields: Every field, in the order answers list them.
        defaults: The fields sent without ``_fields`` (bold in the docs).
        links: Linked objects ("unsigned or object"): field → the table its id points into.
        not_in_all: Optional fields ``_ALL`` leaves out (staff rates, as documented).
        basic: Basic filters (``name(v1,v2)``): filter name → getter.
        dates: Date filters (``<name>_before``/``_after``): filter name → getter.
        ranges: Range filters (``<name>_greater_than``…): filter name → getter.
        orders: Order filters (``order_by_asc(name)``): name → getter.
        objects: Object filters (``against(company(1,2))``): name → (type field, id field).
        search: Fields ``_search`` and ``search()`` look in (none: both are refused).
        title: The field a breadcrumb shows as its title.
        crumb: The ``table`` a breadcrumb names for a record of this table (``company``, ``job``…);
            empty when its records have no breadcrumbs.
        served: Whether the API serves the table (some exist only as linked objects).
    """

    path: str
    fields: tuple[str, ...]
    defaults: tuple[str, ...]
    links: Mapping[str, str] = field(default_factory=dict)
    not_in_all: frozenset[str] = frozenset()
    basic: Mapping[str, Getter] = field(default_factory=dict)
    dates: Mapping[str, Getter] = field(default_factory=dict)
    ranges: Mapping[str, Getter] = field(default_factory=dict)
    orders: Mapping[str, Getter] = field(default_factory=dict)
    objects: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    search: tuple[str, ...] = ()
    title: str = "title"
    crumb: str = ""
    served: bool = True

    @property
    def optional(self) -> tuple[str, ...]:
        """The fields ``_fields=_ALL`` adds."""
        return tuple(f for f in self.fields if f not in self.defaults and f not in self.not_in_all)


_STATUS_FIELDS = ("id", "title", "color", "standing", "start", "ordering")
_ID_ORDER = _getters("id")

JOB_FIELDS = (
    "id", "title", "against_type", "against_id", "against", "against_table", "custom_id", "paused", "staff_bookmarked",
    "date_created", "date_modified", "date_commenced", "date_started", "date_due", "date_completed",
    "date_last_interacted", "type", "job_type", "rate", "rate_charged", "status", "standing", "manager",
    "modified_by", "company", "affiliation", "job_contract",
)
TASK_FIELDS = (
    "id", "title", "description", "billable", "nonbillable", "logged", "budgeted", "remaining", "staff_bookmarked",
    "date_created", "date_started", "date_commenced", "date_accepted", "date_due", "date_completed", "date_modified",
    "against_type", "against_id", "against", "creator_type", "creator_id", "creator", "assignee", "type",
    "task_type", "status", "task_status", "standing", "manager", "contact", "affiliation", "company", "issue", "job",
    "task_job", "milestone", "task_priority", "rate_id", "rate_charged", "custom_id", "ordering",
)
ACTIVITY_FIELDS = (
    "id", "subject", "confidential", "parent_id", "parent", "thread_id", "thread", "against_type", "against_id",
    "against", "owner_type", "owner_id", "owner", "medium", "body", "preview_body", "html_body", "visibility",
    "details", "date_created", "date_started", "date_ended", "date_logged", "date_modified", "billable",
    "nonbillable", "staff", "class", "activity_class", "priority", "activity_priority", "task", "time_allocation",
    "rate", "rate_charged", "scheduled", "standing", "invoice_id", "contract_period_id", "is_billable",
)


def tables(agency: Agency) -> dict[str, Table]:
    """Every table of ``agency``'s deployment, by path."""
    managers, countries = agency.company_managers, agency.company_countries

    def contact_number(record: Record) -> tuple[Any, ...]:
        return (record.get("phone"), record.get("fax"))

    staff = Table(
        "staff",
        ("id", "firstname", "surname", "standing", "financial_level", "title", "email", "mobile", "phone", "fax",
         "position", "username", "timezone", "staff_rate", "staff_cost_rate"),
        ("id", "firstname", "surname"),
        not_in_all=frozenset({"staff_rate", "staff_cost_rate"}),
        basic=_getters("id", "email", "standing", "username"),
        ranges=_getters("id", rate="staff_rate"),
        orders=_ID_ORDER, title="firstname", crumb="staff",
    )
    companies = Table(
        "companies",
        ("id", "name", "custom_id", "website", "phone", "fax", "date_created", "date_modified", "date_last_interacted",
         "comments", "standing", "status", "postal_address", "staff_bookmarked", "default_affiliation"),
        ("id", "name"),
        links={"status": "companies/statuses"},
        basic={**_getters("id", "status", "standing", "default_affiliation", "postal_address", "custom_id", "website"),
               "manager_id": lambda r: managers.get(r["id"]), "contact_number": contact_number},
        dates=_getters("date_created", "date_modified"),
        ranges={**_getters("id", "standing", "status", "custom_id", affiliation="default_affiliation"),
                "country": lambda r: countries.get(r["id"])},
        orders=_getters("id", "date_created", "date_modified", "date_last_interacted", "name", "standing", "status",
                        "custom_id"),
        search=("website", "name", "phone", "fax"), title="name", crumb="company",
    )
    company_statuses = Table("companies/statuses", _STATUS_FIELDS, ("id", "title"), served=False,
                             basic=_getters("id", "title", "standing"), orders=_ID_ORDER)
    jobs = Table(
        "jobs", JOB_FIELDS, ("id", "title"),
        links={"type": "jobs/types", "job_type": "jobs/types", "rate": "rates", "status": "jobs/statuses",
               "manager": "staff", "modified_by": "staff", "company": "companies"},
        basic=_getters("id", "standing", "against_id", "against_type", "paused", "type", "job_type", "manager",
                       "modified_by", "status", "rate", "affiliation", "custom_id", manager_id="manager"),
        dates=_getters("date_created", "date_modified", "date_started", "date_commenced", "date_due",
                       "date_completed", dated_created="date_created"),
        ranges={**_getters("id", "against_id", "type", "job_type", "manager", "affiliation", "modified_by", "status",
                           "rate", "rate_charged", "custom_id", contract="job_contract"),
                "plan_modified_by": _none},
        orders=_getters("date_started", "date_created", "date_commenced", "date_due", "date_completed",
                        "date_modified", "date_last_interacted", "id", "title", "standing", "status", "custom_id"),
        objects={"against": ("against_type", "against_id")},
        search=("title",), crumb="job",
    )
    job_statuses = Table(
        "jobs/statuses", _STATUS_FIELDS, ("id", "title"),
        basic=_getters("id", "title", "standing", "color"),
        orders=_getters("id", "title", "standing", "color", "ordering"), search=("title",),
    )
    job_types = Table(
        "jobs/types", ("id", "title", "standing", "ordering", "has_custom_id"), ("id", "title"),
        basic=_getters("id", "standing"), ranges=_getters("id"), orders=_getters("id", "title", "standing"),
        search=("title",),
    )
    tasks = Table(
        "tasks", TASK_FIELDS, ("id", "title"),
        links={"assignee": "staff", "manager": "staff", "type": "tasks/types", "task_type": "tasks/types",
               "status": "tasks/statuses", "task_status": "tasks/statuses", "company": "companies", "job": "jobs",
               "task_job": "jobs", "task_priority": "tasks/priorities"},
        basic=_getters("id", "assignee", "manager", "status", "standing", "against_type", "against_id", "custom_id",
                       "rate_id", "rate_charged", child_of_job="task_job"),
        dates=_getters("date_created", "date_started", "date_commenced", "date_accepted", "date_completed",
                       "date_modified", "date_due"),
        ranges=_getters("id", "billable", "nonbillable", "budgeted", "remaining", "against_id", "creator_id",
                        "assignee", "type", "task_type", "status", "manager", "contact", "rate_charged"),
        orders=_getters("id", "date_created", "date_started", "date_commenced", "date_accepted", "date_completed",
                        "date_modified", "date_due", "task_priority", "title", "standing", "status", "rate_charged",
                        "ordering"),
        objects={"against": ("against_type", "against_id"), "creator": ("creator_type", "creator_id")},
        search=("description", "title"), crumb="task",
    )
    task_statuses = Table(
        "tasks/statuses", _STATUS_FIELDS, ("id", "title"),
        basic=_getters("id", "title", "standing", "color"),
        orders=_getters("id", "title", "standing", "color", "ordering"), search=("title",),
    )
    task_types = Table("tasks/types", ("id", "title", "standing", "ordering"), ("id", "title"), served=False,
                       basic=_getters("id"), orders=_ID_ORDER)
    task_priorities = Table("tasks/priorities", ("id", "title", "icon", "level"), ("id", "title"),
                            basic=_getters("id"), orders=_getters("id", "level"))
    activities = Table(
        "activities", ACTIVITY_FIELDS, ("id", "subject", "confidential"),
        links={"staff": "staff", "class": "activities/classes", "activity_class": "activities/classes",
               "task": "tasks", "rate": "rates"},
        basic=_getters("id", "parent_id", "thread_id", "against_type", "against_id", "owner_id", "owner_type",
                       "medium", "visibility", "staff", "class", "activity_class", "priority", "activity_priority",
                       "task", "time_allocation"),
        dates=_getters("date_created", "date_started", "date_ended", "date_logged", "date_modified"),
        ranges=_getters("id", "against_id", "staff", "priority", "activity_priority", "class", "task",
                        thread="thread_id", owner="owner_id"),
        orders=_getters("date_started", "date_created", "date_ended", "date_modified", "id", "billable",
                        "nonbillable"),
        objects={"owner": ("owner_type", "owner_id"), "against": ("against_type", "against_id")},
        title="subject", crumb="activity",
    )
    activity_classes = Table(
        "activities/classes", ("id", "title", "parent", "status"), ("id", "title"),
        basic={**_getters("id", "title", "parent"), "standing": _get("status")}, orders=_ID_ORDER,
    )
    rates = Table(
        "rates", ("id", "title", "charged", "standing", "object"), ("id", "title"),
        basic=_getters("id", "standing"), ranges=_getters("id", "charged"), orders=_getters("id", "title"),
        search=("title",),
    )
    every = (staff, companies, company_statuses, jobs, job_statuses, job_types, tasks, task_statuses, task_types,
             task_priorities, activities, activity_classes, rates)
    return {table.path: table for table in every}
