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
- a year of time entries: project time that follows the allocations, and time off.
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
            "timeOffAllowed": i != contractor, "timeOffApprovalMode": "manager",
            "receiveMissingTimeReminders": True, "unsubmittedTimesheetReminders": True,
            "internalId": f"HF-{1001 + i}", "internalNotes": None,
            "createdAt": b.created_before(max(started, date(2019, 1, 10)), (1, 9)),
            "securityRole": cat.security_roles[0 if i == 0 else 1 if i in (1, 2) else 2],
            "jobTitle": cat.job_titles[title], "discipline": cat.disciplines[i % len(cat.disciplines)],
            "practice": cat.practices[i % len(cat.practices)], "location": cat.locations[i % len(cat.locations)],
            "manager": None if manager is None else {"id": manager["id"], "name": manager["name"]},
            "timeOffApprover": None if manager is None else {"id": manager["id"], "name": manager["name"]},
            "holidaySchedule": cat.holiday_schedule, "tags": [],
            "skills": sorted(rng.sample(cat.skills, rng.randint(1, 3)), key=lambda s: s["name"]),
            "availabilityPeriods": [{"id": b.uuid(), "start": s.isoformat(), "end": None if e is None else e.isoformat(),
                                     "hoursPerDay": week} for s, e, week in periods],
            "costPeriods": [{"id": b.uuid(), "start": started.isoformat(), "end": None if ended is None else ended.isoformat(),
                             "currency": "USD", "costPerHour": num(cost), "overheadCostPerHour": num(round(cost * 0.3)),
                             "totalCostPerHour": num(cost + round(cost * 0.3))}],
            "utilizationTargetPeriods": [{"id": b.uuid(), "start": s.isoformat(),
                                          "end": None if e is None else e.isoformat(), "targetPercentage": t}
                                         for s, e, t in targets],
        })
    return rows


def _clients(b: Builder, cat: _Catalogue) -> list[Record]:
    rng = b.rng
    pool = rng.sample(_CLIENTS, len(_CLIENTS))
    suffixes = ("Group", "Holdings", "Partners", "Labs")
    names = [pool[i] if i < len(pool) else f"{pool[i % len(pool)]} {suffixes[(i // len(pool) - 1) % len(suffixes)]}"
             for i in range(b.scale.clients)]
    rows = []
    for i, name in enumerate([FIRM, *names]):
        key = "".join(c if c.isalnum() else "-" for c in name.lower()).replace("--", "-").strip("-")
        rows.append({
            "id": b.uuid(), "key": key, "name": name,
            "code": f"C-{100 + i}", "currency": "USD", "notes": None,
            "emails": [] if i == 0 else [f"accounts@{name.split()[0].lower()}.example.com"],
            "streetAddress": None, "isInternal": i == 0, "recordStatusId": "active",
            "createdAt": b.stamp(b.moment(date(2019, 2, 1) + timedelta(days=25 * i + rng.randint(0, 20)))),
            "practice": None if i == 0 else rng.choice(cat.practices),
            "industry": None if i == 0 else rng.choice(cat.industries),
            "location": rng.choice(cat.locations), "owner": None, "tags": [],
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
        billing = "non_billable" if internal else rng.choice(["time_and_materials"] * 3 + ["fixed", "fixed_recurring"])
        name = kind if internal else f"{client['name'].split()[0]} {kind}"
        rows.append({
            "id": b.uuid(), "key": f"{'-'.join(name.lower().replace('&', 'and').split())}-{n + 1}", "name": name,
            "notes": None if internal else f"{kind} for {client['name']}.", "statusId": status,
            "start": start.isoformat(), "end": end.isoformat(), "code": f"P-{start.year}-{n + 1:04d}",
            "poNumber": None if internal or b.chance(0.5) else f"PO-{rng.randint(10000, 99999)}",
            "billingTypeId": billing, "isBillable": not internal, "currency": "USD",
            "useRoles": not internal and b.chance(0.85), "requiresNotes": b.chance(0.3), "requiresTasks": False,
            "recordStatusId": "archived" if status == "completed" and end < today - timedelta(days=120) else "active",
            "isProductive": not internal or kind == "Business Development",
            "createdAt": b.created_before(start, (7, 40)),
            "completedOn": end.isoformat() if status == "completed" else None,
            "client": {"id": client["id"], "name": client["name"]},
            "practice": None if internal else rng.choice(cat.practices), "projectType": None,
            "tags": [] if internal or b.chance(0.6) else [rng.choice(cat.tags)],
        })
    return rows


def _short(project: Record) -> Record:
    return {"id": project["id"], "name": project["name"], "client": dict(project["client"])}


def _roles_and_tasks(b: Builder, cat: _Catalogue, projects: list[Record]) -> tuple[list[Record], list[Record]]:
    rng = b.rng
    roles: list[Record] = []
    tasks: list[Record] = []
    for project in projects:
        created = project["createdAt"]
        if project["useRoles"]:
            for name, rate in [_ROLES[0], *rng.sample(_ROLES[1:], rng.randint(1, 3))]:
                roles.append({
                    "id": b.uuid(), "name": name, "isActive": True, "isBillable": project["isBillable"],
                    "rate": num(rate) if project["isBillable"] else None, "createdAt": created,
                    "project": _short(project), "discipline": None,
                    "practice": project["practice"], "location": rng.choice(cat.locations),
                })
        start, end = date.fromisoformat(project["start"]), date.fromisoformat(project["end"])
        picks = rng.sample(_TASKS, rng.randint(0, 5))
        for k, name in enumerate(picks):
            span = (end - start).days
            t_start = start + timedelta(days=span * k // max(1, len(picks)))
            t_end = min(end, t_start + timedelta(days=max(6, span // max(1, len(picks)) + 6)))
            status = "completed" if t_end < b.today else "not_started" if t_start > b.today else "in_progress"
            tasks.append({
                "id": b.uuid(), "name": name, "notes": None, "statusId": status,
                "start": t_start.isoformat(), "end": t_end.isoformat(), "isBillable": project["isBillable"],
                "lockTime": False, "code": f"T-{k + 1:03d}", "recordStatusId": "active",
                "budgetedHours": num(rng.choice([40, 60, 80, 120, 160, 240])), "createdAt": created,
                "parent": None, "project": _short(project), "roles": [], "tags": [],
            })
    return roles, tasks


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
    clients = _clients(b, cat)
    projects = _projects(b, cat, clients)
    roles, tasks = _roles_and_tasks(b, cat, projects)
    placeholders = _placeholders(b, cat)
    allocations, time_entries = schedule(b, members, projects, roles, tasks, placeholders, cat.time_off)
    tables: dict[str, list[Any]] = {
        "allocations": allocations, "members": members, "projects": projects, "clients": clients,
        "time-entries": time_entries, "resource-placeholders": placeholders, "project-roles": roles,
        "project-tasks": tasks,
    }
    return Workspace(seed=seed, scale=scale, now=b.now, id=workspace_id, name=FIRM,
                     tables={name: _newest_first(rows) for name, rows in tables.items()})
