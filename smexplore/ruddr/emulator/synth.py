"""The synthetic demo workspace: a consultancy, deterministic from a seed.

``build_workspace(seed, scale)`` returns every record the Ruddr emulator serves, in wire form
(camelCase fields, uuids, ``YYYY-MM-DD`` dates, timestamps with milliseconds, nested
``{id, name}`` objects). The workspace is anchored at ``ANCHOR`` (Monday 2026-03-02 12:00, UTC):
a year of history lies before it and six months of planned work after it.

What it holds, at ``small``:
- 12 members with weekly capacities (``availabilityPeriods``: full-time, a part-timer, a
  three-day contractor, one who moves to a four-day week) and utilisation targets; one member
  left in September, one joined in November;
- 8 clients and the firm itself (internal), 25 client projects and two internal ones, with
  roles (and rates) and tasks; resource placeholders for unfilled demand;
- allocations in every ``unit`` (``day``, ``week``, ``month``, ``allocation``,
  ``ratio_of_capacity``), ``totalHours`` computed by ``smexplore.ruddr.allocation_hours``;
  planned time off; read-only allocations for public holidays (``entity`` ``holiday``) and for
  time off recorded as time entries (``entity`` ``time_entry``);
- a year of time entries: project time that follows the allocations, and time off;
- the fields of Ruddr's current public reference (invoice details and sales representatives on
  clients, budgets and member-hour caps on projects, task budgets split among roles, member
  levels and certifications, soft bookings, client approvals): see the package docstring.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .schedule import schedule
from .workspace import ANCHOR, FIRST_DAY, SCALES, Builder, Record, Workspace, num

__all__ = ["ANCHOR", "SCALES", "Workspace", "build_workspace"]

FIRM = "Harbour & Finch Consulting"
_FIRST = ["Avery", "Jordan", "Priya", "Marcus", "Elena", "Samuel", "Grace", "Mateo", "Hannah", "Omar", "Chloe",
          "Daniel", "Nadia", "Ethan", "Sofia", "Lucas", "Maya", "Isaac", "Leah", "Noah", "Aisha", "Caleb",
          "Zoe", "Gabriel", "Ruth", "Felix", "Imani", "Theo", "Lena", "Victor"]
_LAST = ["Bennett", "Okafor", "Shah", "Lindqvist", "Moreno", "Whitaker", "Kim", "Castillo", "Fischer", "Haddad",
         "Nguyen", "Brooks", "Petrova", "Sullivan", "Romano", "Adeyemi", "Clarke", "Novak", "Tanaka", "Walsh"]
_TITLES = [("Principal", 50, 250), ("Engagement Manager", 70, 210), ("Senior Consultant", 80, 185),
           ("Consultant", 85, 160), ("Data Engineer", 85, 170), ("Software Engineer", 85, 165),
           ("UX Designer", 80, 150), ("QA Analyst", 85, 120)]
_PRACTICES = ["Digital Strategy", "Data & Analytics", "Software Delivery"]
_DISCIPLINES = ["Consulting", "Engineering", "Design", "Delivery"]
_LOCATIONS = ["New York", "Chicago", "Remote"]
_SKILLS = ["Python", "SQL", "Salesforce", "Figma", "Agile", "Power BI", "AWS", "Facilitation"]
_CLIENTS = ["Acme Corp", "Northwind Traders", "Globex Logistics", "Initech", "Bluebird Health", "Sterling Bank",
            "Redwood Retail", "Summit Energy", "Harborview Hotels", "Pioneer Insurance", "Lakeside University",
            "Orbit Telecom", "Crescent Foods", "Vantage Media", "Granite Construction", "Maple Pharma"]
_INDUSTRIES = ["Technology", "Healthcare", "Financial Services", "Retail", "Energy", "Hospitality", "Education"]
_PROJECT_KINDS = ["Website Redesign", "Data Platform", "CRM Rollout", "Analytics Dashboard", "Cloud Migration",
                  "Mobile App", "Process Review", "Customer Portal", "Pricing Study", "ERP Integration",
                  "Security Assessment", "Reporting Automation"]
_ROLES = [("Project Manager", 190), ("Senior Consultant", 185), ("Consultant", 160), ("Data Engineer", 170),
          ("Software Engineer", 165), ("UX Designer", 150), ("QA Analyst", 120)]
_TASKS = ["Discovery", "Requirements", "Design", "Build", "Testing", "Training", "Go-live Support",
          "Project Status Reporting", "Data Migration", "Workshops"]
_PLACEHOLDERS = [("Senior Consultant", 185), ("Data Engineer", 170), ("UX Designer", 150), ("Project Manager", 190),
                 ("Software Engineer", 165), ("QA Analyst", 120), ("Solution Architect", 220),
                 ("Business Analyst", 155), ("Consultant", 160), ("DevOps Engineer", 175), ("Trainer", 130),
                 ("Data Scientist", 195)]


def _entity(b: Builder, name: str) -> Record:
    return {"id": b.uuid(), "name": name}


def _later(b: Builder, name: str) -> Record:
    """A named object of a field added from the public reference (its id from the ``extra`` stream)."""
    return {"id": b.extra_uuid(), "name": name}


def _ref(record: Record | None) -> Record | None:
    return None if record is None else {"id": record["id"], "name": record["name"]}


_LEVELS = {"Principal": "Principal", "Engagement Manager": "Senior", "Senior Consultant": "Senior"}
_BLENDED_RATE = 175
"""Bill rate per hour of a billable task's budgeted revenue where its project has no roles."""


class _Catalogue:
    """The small named objects (practices, locations, skills, time-off types…) records point at."""

    def __init__(self, b: Builder) -> None:
        self.practices = [_entity(b, n) for n in _PRACTICES]
        self.disciplines = [_entity(b, n) for n in _DISCIPLINES]
        self.locations = [_entity(b, n) for n in _LOCATIONS]
        self.skills = [_entity(b, n) for n in _SKILLS]
        self.industries = [_entity(b, n) for n in _INDUSTRIES]
        self.job_titles = {title: _entity(b, title) for title, _, _ in _TITLES}
        self.security_roles = [_entity(b, n) for n in ("Workspace Admin", "Project Manager", "Member")]
        self.holiday_schedule = _entity(b, "U.S. Holidays")
        self.time_off = {n: _entity(b, n) for n in ("Holiday", "Vacation", "Sick Leave", "Personal Day")}
        self.tags = [_entity(b, n) for n in ("Key Account", "Fixed Bid", "Strategic", "Public Sector")]
        # Named objects of the fields added from the public reference: drawn from ``b.extra`` only.
        self.business_units = [_later(b, n) for n in ("North America", "EMEA")]
        self.payment_terms = [_later(b, n) for n in ("Net 30", "Net 15", "Due on receipt")]
        self.levels = {n: _later(b, n) for n in ("Junior", "Mid-level", "Senior", "Principal")}
        self.certifications = [_later(b, n) for n in ("PMP", "AWS Certified Solutions Architect",
                                                       "Certified Scrum Master", "Salesforce Administrator")]
        self.project_groups = [_later(b, "Strategic Accounts")]


def _weekly(hours: float, days: int) -> list[float | int]:
    return [num(hours) if i < days else 0 for i in range(7)]


def _members(b: Builder, cat: _Catalogue) -> list[Record]:
    rng, count = b.rng, b.scale.members
    names: set[tuple[str, str]] = set()
    while len(names) < count:
        names.add((rng.choice(_FIRST), rng.choice(_LAST)))
    ordered = sorted(names)
    rng.shuffle(ordered)
    leaver, joiner, part_timer, contractor, four_day = count - 1, count - 2, 3, 5, 6
    rows: list[Record] = []
    for i, (first, last) in enumerate(ordered):
        title, target, rate = _TITLES[0] if i == 0 else _TITLES[1] if i in (1, 2) else _TITLES[2 + i % 6]
        started = date(2025, 11, 3) if i == joiner else date(rng.randint(2019, 2024), rng.randint(1, 12),
                                                               rng.randint(1, 28))
        ended = date(2025, 9, 30) if i == leaver else None
        periods: list[tuple[date, date | None, list[float | int]]]
        if i == part_timer:
            periods = [(started, None, _weekly(6, 5))]
        elif i == contractor:
            periods = [(started, None, _weekly(8, 3))]
        elif i == four_day:
            periods = [(started, date(2025, 9, 30), _weekly(8, 5)), (date(2025, 10, 1), None, _weekly(8, 4))]
        else:
            periods = [(started, ended, _weekly(8, 5))]
        if ended is not None:
            periods = [(s, ended, week) for s, _, week in periods]
        targets = [(started, date(2025, 12, 31), target - 5), (date(2026, 1, 1), ended, target)] if i % 4 == 1 \
            else [(started, ended, target)]
        cost = round(rate * rng.uniform(0.38, 0.5))
        manager = None if i == 0 else rows[0] if i in (1, 2) else rows[1 + i % 2]
        rows.append({
            "id": b.uuid(), "name": f"{first} {last}",
            "email": f"{first}.{last}".lower() + "@harbourfinch.com",
            "isActive": ended is None, "isBillable": True, "loginEnabled": ended is None,
            "invitationStatusId": "accepted", "employmentTypeId": "contractor" if i == contractor else "employee",
            "costMethodId": "hourly", "defaultRate": num(rate), "defaultRateCurrency": "USD",
            "activeStartDate": started.isoformat(), "activeEndDate": None if ended is None else ended.isoformat(),
            "timeOffAllowed": i != contractor, "allowedTimeOffTypes": "custom" if i == contractor else "all",
            "timeOffApprovalMode": "manager", "internalExpenseApprovalMode": "auto" if manager is None else "manager",
            "receiveMissingTimeReminders": True, "unsubmittedTimesheetReminders": True,
            "automaticTimesheetSubmissionConfirmation": i % 2 == 0,
            "timesheetCapacityPolicy": "timesheet" if i % 4 == 3 else "unrestricted",
            "internalId": f"HF-{1001 + i}", "internalNotes": None,
            "createdAt": b.created_before(max(started, date(2019, 1, 10)), (1, 9)),
            "trackTimeByDuration": True, "trackTimeByTimeRange": i % 3 == 0,
            "securityRole": cat.security_roles[0 if i == 0 else 1 if i in (1, 2) else 2],
            "jobTitle": cat.job_titles[title], "level": cat.levels[_LEVELS.get(title, "Mid-level" if i % 2 else "Junior")],
            "discipline": cat.disciplines[i % len(cat.disciplines)],
            "businessUnit": cat.business_units[i % 4 == 2],
            "practice": cat.practices[i % len(cat.practices)], "location": cat.locations[i % len(cat.locations)],
            "manager": _ref(manager), "timeOffApprover": _ref(manager), "internalExpenseApprover": _ref(manager),
            "holidaySchedule": cat.holiday_schedule, "tags": [],
            "certifications": sorted(b.extra.sample(cat.certifications, b.extra.randint(0, 2)), key=lambda c: c["name"]),
            "skills": sorted(rng.sample(cat.skills, rng.randint(1, 3)), key=lambda s: s["name"]),
            "timeOffTypes": [cat.time_off["Holiday"]] if i == contractor else list(cat.time_off.values()),
            "availabilityPeriods": [{"id": b.uuid(), "start": s.isoformat(), "end": None if e is None else e.isoformat(),
                                     "hoursPerDay": week} for s, e, week in periods],
            "costPeriods": [{"id": b.uuid(), "start": started.isoformat(), "end": None if ended is None else ended.isoformat(),
                             "currency": "USD", "costMethodId": "hourly", "costPerHour": num(cost),
                             "overheadCostPerHour": num(round(cost * 0.3)), "totalCostPerHour": num(cost + round(cost * 0.3)),
                             "costPerMonth": None, "overheadCostPerMonth": None, "totalCostPerMonth": None,
                             "currencyName": "US Dollar"}],
            "utilizationTargetPeriods": [{"id": b.uuid(), "start": s.isoformat(),
                                          "end": None if e is None else e.isoformat(), "targetPercentage": t}
                                         for s, e, t in targets],
        })
    return rows


def _clients(b: Builder, cat: _Catalogue, members: list[Record]) -> list[Record]:
    """The firm itself (internal) and its customers.

    Invoice details: every third customer has its own (``invoiceDetailsSource`` ``custom``, the
    texts set), every third takes its business unit's, the rest the workspace's;
    ``useWorkspaceInvoiceDetails`` is true exactly for ``workspace``. Sales representatives are the
    two engagement managers, in turn.
    """
    rng = b.rng
    pool = rng.sample(_CLIENTS, len(_CLIENTS))
    suffixes = ("Group", "Holdings", "Partners", "Labs")
    names = [pool[i] if i < len(pool) else f"{pool[i % len(pool)]} {suffixes[(i // len(pool) - 1) % len(suffixes)]}"
             for i in range(b.scale.clients)]
    rows = []
    for i, name in enumerate([FIRM, *names]):
        key = "".join(c if c.isalnum() else "-" for c in name.lower()).replace("--", "-").strip("-")
        source = "workspace" if i == 0 else ("workspace", "custom", "business_unit")[i % 3]
        custom = source == "custom"
        rows.append({
            "id": b.uuid(), "key": key, "name": name,
            "code": f"C-{100 + i}", "currency": "USD", "notes": None,
            "emails": [] if i == 0 else [f"accounts@{name.split()[0].lower()}.example.com"],
            "streetAddress": None, "invoiceDetailsSource": source,
            "invoiceSubject": "Invoice for professional services" if custom else None,
            "invoiceNotes": f"Payment due within the terms agreed with {name}." if custom else None,
            "invoiceEmailSubject": f"Invoice from {FIRM}" if custom else None,
            "invoiceEmailBody": "Please find your invoice attached. Thank you for your business." if custom else None,
            "isInternal": i == 0, "recordStatusId": "active",
            "createdAt": b.stamp(b.moment(date(2019, 2, 1) + timedelta(days=25 * i + rng.randint(0, 20)))),
            "practice": None if i == 0 else rng.choice(cat.practices),
            "industry": None if i == 0 else rng.choice(cat.industries),
            "location": rng.choice(cat.locations), "owner": None, "tags": [],
            "invoicePaymentTerm": None if i == 0 else cat.payment_terms[i % len(cat.payment_terms)],
            "salesRepresentative": None if i == 0 else _ref(members[1 + i % 2]),
            "useWorkspaceInvoiceDetails": source == "workspace",
            "businessUnit": None if i == 0 else cat.business_units[i % len(cat.business_units)],
            "integrations": [],
        })
    return rows


def _projects(b: Builder, cat: _Catalogue, clients: list[Record]) -> list[Record]:
    rng, today = b.rng, b.today
    firm, customers = clients[0], clients[1:]
    plans: list[tuple[str, Record, date, date, bool]] = [
        ("Internal Operations", firm, date(2024, 1, 1), date(2026, 12, 31), True),
        ("Business Development", firm, date(2024, 1, 1), date(2026, 12, 31), True),
    ]
    for i in range(b.scale.projects):
        client = customers[i % len(customers)]
        start = FIRST_DAY - timedelta(days=120) + timedelta(days=rng.randint(0, 520))
        start -= timedelta(days=start.weekday())  # projects start on a Monday
        length = timedelta(weeks=rng.randint(8, 40))
        plans.append((f"{rng.choice(_PROJECT_KINDS)}", client, start, start + length - timedelta(days=3), False))
    rows = []
    for n, (kind, client, start, end, internal) in enumerate(plans):
        if internal:
            status = "in_progress"
        elif end < today:
            status = "completed"
        elif start > today:
            status = "tentative" if b.chance(0.4) else "not_started"
        else:
            status = "paused" if b.chance(0.08) else "in_progress"
        billing = "non_billable" if internal else rng.choice(["tm"] * 3 + ["fixed", "fixed_recurring"])
        name = kind if internal else f"{client['name'].split()[0]} {kind}"
        key = f"{'-'.join(name.lower().replace('&', 'and').split())}-{n + 1}"
        archived = status == "completed" and end < today - timedelta(days=120)
        rows.append({
            "id": b.uuid(), "key": key, "name": name,
            "notes": None if internal else f"{kind} for {client['name']}.", "statusId": status,
            "start": start.isoformat(), "end": end.isoformat(), "code": f"P-{start.year}-{n + 1:04d}",
            "poNumber": None if internal or b.chance(0.5) else f"PO-{rng.randint(10000, 99999)}",
            "billingTypeId": billing, "isBillable": not internal, "currency": "USD",
            "revenueRecognitionMethod": {"fixed": "manual", "fixed_recurring": "invoiced"}.get(billing),
            "useRoles": not internal and b.chance(0.85),
            # The budget fields are set by _budgets once the project's tasks are known.
            "useBudget": False, "budgetMode": None, "useMonthlyBudget": False, "monthlyBudgetMode": None,
            "capMaxMemberHoursPerDay": billing == "tm" and n % 4 == 0,
            "maxMemberHoursPerDay": 8 if billing == "tm" and n % 4 == 0 else None,
            "capMaxMemberHoursPerWeek": not internal and n % 5 == 0,
            "maxMemberHoursPerWeek": 40 if not internal and n % 5 == 0 else None,
            "capMaxMemberHoursPerMonth": billing == "fixed_recurring" and n % 2 == 1,
            "maxMemberHoursPerMonth": 160 if billing == "fixed_recurring" and n % 2 == 1 else None,
            "requiresNotes": b.chance(0.3), "requiresTasks": False,
            "recordStatusId": "archived" if archived else "active",
            "isProductive": not internal or kind == "Business Development",
            "lockTimeAndExpenses": archived, "trackTimeToAssignedRoles": False,
            "cloudFolderUrl": None if internal or n % 2 else f"https://drive.example.com/harbourfinch/{key}",
            "createdAt": b.created_before(start, (7, 40)),
            "completedOn": end.isoformat() if status == "completed" else None,
            "client": {"id": client["id"], "name": client["name"]},
            "practice": None if internal else rng.choice(cat.practices), "projectType": None,
            "tags": [] if internal or b.chance(0.6) else [rng.choice(cat.tags)],
            "salesRepresentative": client["salesRepresentative"], "businessUnit": client["businessUnit"],
            "projectGroup": cat.project_groups[0] if client is customers[0] else None,
            "budget": None, "monthlyBudget": None, "integrations": [],
        })
        rows[-1]["trackTimeToAssignedRoles"] = rows[-1]["useRoles"] and n % 3 == 0
    return rows


def _short(project: Record) -> Record:
    return {"id": project["id"], "name": project["name"], "client": dict(project["client"])}


def _task_roles(mine: list[Record], k: int, hours: float) -> list[Record]:
    """The roles the ``k``-th task of a project is budgeted for, ``[{id, name, hours}]``: its hours
    split three to one between two of the project's roles (every other task), or all on one."""
    if not mine:
        return []
    first = mine[k % len(mine)]
    second = mine[(k + 1) % len(mine)]
    if second is first or k % 2:
        return [{"id": first["id"], "name": first["name"], "hours": num(hours)}]
    return [{"id": first["id"], "name": first["name"], "hours": num(hours * 0.75)},
            {"id": second["id"], "name": second["name"], "hours": num(hours - hours * 0.75)}]


def _roles_and_tasks(b: Builder, cat: _Catalogue, projects: list[Record]) -> tuple[list[Record], list[Record]]:
    """Each project's roles (with rates) and tasks (with hours budgets, split among the roles).

    A task's ``budgetedServicesRevenue`` is its role hours at the roles' rates (``_BLENDED_RATE`` an
    hour where the project has no roles; none on a non-billable project); ``capHours`` (time capped
    at the budget) is set on fixed-fee projects, ``forAssignedOnly`` on every other task with roles.
    """
    rng = b.rng
    roles: list[Record] = []
    tasks: list[Record] = []
    for project in projects:
        created = project["createdAt"]
        mine: list[Record] = []
        if project["useRoles"]:
            for name, rate in [_ROLES[0], *rng.sample(_ROLES[1:], rng.randint(1, 3))]:
                mine.append({
                    "id": b.uuid(), "name": name, "isActive": True, "isBillable": project["isBillable"],
                    "rate": num(rate) if project["isBillable"] else None, "createdAt": created,
                    "project": _short(project), "discipline": None,
                    "practice": project["practice"], "location": rng.choice(cat.locations),
                    "budget": None, "monthlyBudget": None,  # set by _budgets
                })
            roles.extend(mine)
        rates = {role["id"]: role["rate"] for role in mine}
        start, end = date.fromisoformat(project["start"]), date.fromisoformat(project["end"])
        picks = rng.sample(_TASKS, rng.randint(0, 5))
        for k, name in enumerate(picks):
            span = (end - start).days
            t_start = start + timedelta(days=span * k // max(1, len(picks)))
            t_end = min(end, t_start + timedelta(days=max(6, span // max(1, len(picks)) + 6)))
            status = "completed" if t_end < b.today else "not_started" if t_start > b.today else "in_progress"
            task_id = b.uuid()
            hours = num(rng.choice([40, 60, 80, 120, 160, 240]))
            split = _task_roles(mine, k, hours)
            revenue = None if not project["isBillable"] else num(
                sum(part["hours"] * rates[part["id"]] for part in split) if split else hours * _BLENDED_RATE)
            tasks.append({
                "id": task_id, "name": name, "notes": None, "order": 16384 * (k + 1), "position": 16384 * (k + 1),
                "statusId": status, "start": t_start.isoformat(), "end": t_end.isoformat(),
                "isBillable": project["isBillable"], "lockTime": False,
                "capHours": project["billingTypeId"] == "fixed", "capAssignedHours": False,
                "code": f"T-{k + 1:03d}", "forAssignedOnly": bool(split) and k % 2 == 1,
                "requireNotes": project["requiresNotes"], "recordStatusId": "active",
                "budgetedHours": hours, "budgetedServicesRevenue": revenue, "createdAt": created,
                "parent": None, "project": _short(project), "roles": split, "tags": [], "projectMembers": [],
            })
    return roles, tasks


def _months(project: Record) -> int:
    """How many months a project runs (at least one)."""
    days = (date.fromisoformat(project["end"]) - date.fromisoformat(project["start"])).days + 1
    return max(1, round(days / 30.4))


def _budgets(projects: list[Record], roles: list[Record], tasks: list[Record]) -> None:
    """Set the budget fields of client projects with tasks (in place): budgets aggregated from the tasks.

    ``budget`` sums the tasks' hours and revenue (no products, other items or expenses); roles get
    their share of the task hours. A fixed monthly project also has a detailed monthly budget: the
    budget spread evenly over its months.
    """
    by_project: dict[str, list[Record]] = {}
    for task in tasks:
        by_project.setdefault(task["project"]["id"], []).append(task)
    role_hours: dict[str, float] = {role["id"]: 0.0 for role in roles}
    for task in tasks:
        for part in task["roles"]:
            role_hours[part["id"]] += part["hours"]
    for project in projects:
        mine = by_project.get(project["id"], [])
        if not mine or not project["isBillable"]:
            continue
        hours = sum(task["budgetedHours"] for task in mine)
        revenue = sum(task["budgetedServicesRevenue"] or 0 for task in mine)
        budget = {"revenue": num(revenue), "servicesRevenue": num(revenue), "productRevenue": 0, "otherRevenue": 0,
                  "billableExpenses": 0, "nonBillableExpenses": 0, "billableHours": num(hours), "nonBillableHours": 0}
        project.update(useBudget=True, budgetMode="aggregated", budget=budget)
        months = _months(project) if project["billingTypeId"] == "fixed_recurring" else 0
        if months:
            project.update(useMonthlyBudget=True, monthlyBudgetMode="detailed",
                           monthlyBudget={name: num(value / months) for name, value in budget.items()})
        for role in roles:
            if role["project"]["id"] == project["id"]:
                role["budget"] = {"billableHours": num(role_hours[role["id"]]), "nonBillableHours": 0}
                if months:
                    role["monthlyBudget"] = {"billableHours": num(role_hours[role["id"]] / months),
                                             "nonBillableHours": 0}


def _placeholders(b: Builder, cat: _Catalogue) -> list[Record]:
    rows = []
    for i, (name, rate) in enumerate(_PLACEHOLDERS[: b.scale.placeholders]):
        rows.append({
            "id": b.uuid(), "name": name, "isActive": True, "isBillable": True, "rateCurrency": "USD",
            "rate": num(rate), "costCurrency": "USD", "costPerHour": num(round(rate * 0.45)),
            "createdAt": b.stamp(b.moment(date(2024, 6, 3) + timedelta(days=3 * i))),
            "discipline": cat.disciplines[i % len(cat.disciplines)], "location": cat.locations[-1],
            "practice": cat.practices[i % len(cat.practices)], "skills": [],
        })
    return rows


def _newest_first(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r["createdAt"], r["id"]), reverse=True)


def build_workspace(seed: int = 0, scale: str = "small") -> Workspace:
    """Build the synthetic workspace for ``seed`` at ``scale`` (``small``, ``medium`` or ``large``).

    The same seed and scale always give the same records, byte for byte.

    Raises:
        ValueError: ``scale`` is not one of ``SCALES``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    b = Builder(seed, SCALES[scale])
    workspace_id = b.uuid()
    cat = _Catalogue(b)
    members = _members(b, cat)
    clients = _clients(b, cat, members)
    projects = _projects(b, cat, clients)
    roles, tasks = _roles_and_tasks(b, cat, projects)
    _budgets(projects, roles, tasks)
    placeholders = _placeholders(b, cat)
    allocations, time_entries = schedule(b, members, projects, roles, tasks, placeholders, cat.time_off)
    tables: dict[str, list[Any]] = {
        "allocations": allocations, "members": members, "projects": projects, "clients": clients,
        "time-entries": time_entries, "resource-placeholders": placeholders, "project-roles": roles,
        "project-tasks": tasks,
    }
    return Workspace(seed=seed, scale=scale, now=b.now, id=workspace_id, name=FIRM,
                     tables={name: _newest_first(rows) for name, rows in tables.items()})
