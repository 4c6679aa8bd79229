"""The workspace's schedule: allocations (planned work and time off) and time entries (what was done).

Every ``totalHours`` comes from ``smexplore.ruddr.allocation_hours.total_hours`` with the
resource's capacity (a member's ``availabilityPeriods``; the workspace default for placeholders)
and, for a member's project allocation that does not allocate on time-off days, the member's
*time-off dates*: every date from ``start`` to ``end`` of the member's time-off allocations
(planned ones, holidays and time off recorded as time entries alike).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from ..allocation_hours import DEFAULT_CAPACITY, UNITS, Unit, capacity_from_periods, daily_hours, total_hours
from .workspace import FIRST_DAY, LAST_DAY, Builder, Record, num

__all__ = ["HOLIDAYS", "schedule", "time_off_dates"]

HOLIDAYS: tuple[tuple[date, str], ...] = (
    (date(2025, 5, 26), "Memorial Day"), (date(2025, 6, 19), "Juneteenth"), (date(2025, 7, 4), "Independence Day"),
    (date(2025, 9, 1), "Labor Day"), (date(2025, 11, 27), "Thanksgiving Day"),
    (date(2025, 11, 28), "Day after Thanksgiving"), (date(2025, 12, 25), "Christmas Day"),
    (date(2026, 1, 1), "New Year's Day"), (date(2026, 1, 19), "Martin Luther King Jr. Day"),
    (date(2026, 2, 16), "Presidents' Day"), (date(2026, 5, 25), "Memorial Day"), (date(2026, 6, 19), "Juneteenth"),
    (date(2026, 7, 3), "Independence Day (observed)"),
)
"""The firm's public holidays (its "U.S. Holidays" schedule) inside the workspace's range."""

_HOURS_FIELD = {"day": "hoursPerDay", "week": "hoursPerWeek", "month": "hoursPerMonth",
                "allocation": "hoursPerAllocation", "ratio_of_capacity": "hoursRatioOfCapacity"}
_UNIT_WEIGHTS = {"day": 9, "week": 4, "month": 2, "allocation": 2, "ratio_of_capacity": 3}  # by UNITS' order
_RATIOS = (0.1, 0.2, 0.25, 0.3333, 0.4, 0.5, 0.6, 0.75, 0.8, 1.0)
_NOTES = [None, None, None, "Kick-off and discovery", "Sprint work", "Client workshops", "Reporting and QA",
          "Hand-over to support", "Backfill while recruiting"]
_ENTRY_NOTES = [None, "Workshop with client team", "Status meeting", "Build and unit tests", "Data mapping",
                "Design review", "Documentation", "Stakeholder interviews", "Bug fixes", "Planning"]


def _ref(record: Record | None) -> Record | None:
    return None if record is None else {"id": record["id"], "name": record["name"]}


def _project_ref(project: Record | None) -> Record | None:
    return None if project is None else {"id": project["id"], "name": project["name"],
                                         "client": dict(project["client"])}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _client_status(project: Record | None, status: str, day: date, today: date) -> str | None:
    """A time entry's ``clientStatusId``: set only on projects with client approvals (here, those of the
    project group "Strategic Accounts"): approved two weeks after the entry's own approval, pending
    before that, not created while the entry is unapproved."""
    if project is None or project["projectGroup"] is None:
        return None
    if status != "approved":
        return "not_created"
    return "approved" if day < today - timedelta(days=14) else "pending_approval"


def time_off_dates(allocations: list[Record]) -> dict[str, set[date]]:
    """Member id → every date covered by that member's time-off allocations (any ``entity``)."""
    dates: dict[str, set[date]] = defaultdict(set)
    for a in allocations:
        if a["assignmentTypeId"] == "time_off" and a["member"] is not None:
            dates[a["member"]["id"]].update(_days(date.fromisoformat(a["start"]), date.fromisoformat(a["end"])))
    return dates


class _Plan:
    """Builds the schedule; one instance per workspace."""

    def __init__(self, b: Builder, members: list[Record], projects: list[Record], roles: list[Record],
                 tasks: list[Record], placeholders: list[Record], time_off: dict[str, Record]) -> None:
        self.b, self.members, self.placeholders, self.time_off = b, members, placeholders, time_off
        self.projects = projects
        self.roles: dict[str, list[Record]] = defaultdict(list)
        self.tasks: dict[str, list[Record]] = defaultdict(list)
        for role in roles:
            self.roles[role["project"]["id"]].append(role)
        for task in tasks:
            self.tasks[task["project"]["id"]].append(task)
        self.capacity: dict[str, Callable[[date], float]] = {
            m["id"]: capacity_from_periods(m["availabilityPeriods"]) for m in members}
        self.allocations: list[Record] = []
        self.entries: list[Record] = []

    # --- records ------------------------------------------------------------------------------
    def allocation(self, *, start: date, end: date, unit: Unit, amount: float, total: float, created: str,
                   member: Record | None = None, placeholder: Record | None = None, project: Record | None = None,
                   role: Record | None = None, task: Record | None = None, time_off: Record | None = None,
                   on_time_off: bool | None = None, entity: str = "allocation", notes: str | None = None) -> Record:
        hours: dict[str, Any] = dict.fromkeys(_HOURS_FIELD.values())
        hours[_HOURS_FIELD[unit]] = round(amount, 4) if unit == "ratio_of_capacity" else num(amount)
        billable = project is not None and project["isBillable"] and (role is None or role["isBillable"])
        record_id = self.b.uuid()
        record = {
            "id": record_id, "resourceTypeId": "member" if member is not None else "placeholder",
            "assignmentTypeId": "project" if project is not None else "time_off",
            "start": start.isoformat(), "end": end.isoformat(), "unit": unit, **hours,
            "allocateOnTimeOffDays": on_time_off if member is not None and project is not None else None,
            "totalHours": num(total), "isBillable": bool(billable),
            "bookingTypeId": "soft" if self.soft(record_id, start, member, project, entity) else "confirmed",
            "notes": notes,
            "readOnly": entity != "allocation", "entity": entity, "createdAt": created,
            "member": _ref(member), "placeholder": _ref(placeholder), "project": _project_ref(project),
            "role": _ref(role), "task": _ref(task), "timeOffType": _ref(time_off),
        }
        self.allocations.append(record)
        return record

    def soft(self, record_id: str, start: date, member: Record | None, project: Record | None, entity: str) -> bool:
        """Whether an allocation is a soft booking: a member's work on a tentative project, and one in
        four of the members' other project allocations still ahead (by the id's first hex digits)."""
        if member is None or project is None or entity != "allocation":
            return False
        return project["statusId"] == "tentative" or (start > self.b.today and int(record_id[:8], 16) % 4 == 0)

    def span(self, member: Record) -> tuple[date, date]:
        first = max(FIRST_DAY, date.fromisoformat(member["activeStartDate"]))
        ended = member["activeEndDate"]
        return first, min(LAST_DAY, date.fromisoformat(ended)) if ended else LAST_DAY

    # --- time off -----------------------------------------------------------------------------
    def holidays(self, member: Record) -> None:
        b, cap = self.b, self.capacity[member["id"]]
        first, last = self.span(member)
        for n, (day, name) in enumerate(HOLIDAYS):
            if first <= day <= last and cap(day) > 0:
                loaded = datetime(day.year - 1, 12, 1, 15, 0) + timedelta(seconds=n, milliseconds=self.members.index(member))
                self.allocation(member=member, time_off=self.time_off["Holiday"], start=day, end=day, unit="day",
                                amount=cap(day), total=cap(day), created=b.stamp(loaded), entity="holiday", notes=name)

    def leave(self, member: Record, taken: set[date]) -> None:
        """Planned time off, and the time off recorded in the past (time entries), some of it unplanned."""
        b, rng, cap = self.b, self.b.rng, self.capacity[member["id"]]
        if not member["timeOffAllowed"]:
            return
        first, last = self.span(member)
        for _ in range(rng.randint(2, 4)):
            start = first + timedelta(days=rng.randrange(max(1, (last - first).days - 14)))
            working = [d for d in _days(start, start + timedelta(days=rng.randint(1, 13))) if cap(d) > 0]
            if not working or taken.intersection(_days(working[0], working[-1])) or working[-1] > last:
                continue
            start, end = working[0], working[-1]
            personal = len(working) == 1 and b.chance(0.5)
            kind = self.time_off["Personal Day" if personal else "Vacation"]
            unit: Unit = "allocation" if personal else "day"
            amount = cap(start) if personal else max(cap(d) for d in working)
            total = total_hours(unit, start, end, amount, capacity=cap)
            self.allocation(member=member, time_off=kind, start=start, end=end, unit=unit, amount=amount, total=total,
                            created=b.created_before(start, (10, 60)), notes=None if b.chance(0.6) else "Family trip")
            taken.update(_days(start, end))
            for day, hours in daily_hours(unit, start, end, amount, capacity=cap).items():
                if day < b.today:
                    self.time_off_entry(member, day, hours, kind)
        past = [d for d in _days(first, min(last, b.today - timedelta(days=1))) if cap(d) > 0 and d not in taken]
        for day in rng.sample(past, min(len(past), rng.randint(2, 6))):
            self.time_off_entry(member, day, cap(day), self.time_off["Sick Leave"])
            taken.add(day)

    def time_off_entry(self, member: Record, day: date, hours: float, kind: Record) -> None:
        entry = self.entry(member, day, hours, time_off=kind)
        self.allocation(member=member, time_off=kind, start=day, end=day, unit="day", amount=hours, total=hours,
                        created=entry["createdAt"], entity="time_entry", notes=entry["notes"])

    # --- project work -------------------------------------------------------------------------
    def live_projects(self, first: date, last: date, future: bool) -> list[Record]:
        return [p for p in self.projects[2:]
                if date.fromisoformat(p["start"]) <= last and date.fromisoformat(p["end"]) >= first
                and p["statusId"] != "paused" and (future or p["statusId"] != "tentative")]

    def amount(self, unit: Unit, share: float, start: date, end: date, cap: Callable[[date], float]) -> float:
        monday = start - timedelta(days=start.weekday())
        week = [cap(monday + timedelta(days=k)) for k in range(7)]
        if unit == "day":
            return max(0.5, round(share * max(week) * 2) / 2)
        if unit == "week":
            return max(1.0, round(share * sum(week)))
        if unit == "month":
            return max(1.0, round(share * sum(week) * 52 / 12))
        if unit == "allocation":
            return max(1.0, round(share * sum(cap(d) for d in _days(start, end))))
        return min(_RATIOS, key=lambda r: abs(r - share))

    def project_work(self, member: Record, days_off: set[date]) -> None:
        b, rng = self.b, self.b.rng
        first, last = self.span(member)
        day = first
        while day <= last:
            seg_end = min(last, day + timedelta(days=rng.choice((4, 6, 6, 9, 9, 13, 20, 27))))
            future = day > b.today
            load = rng.uniform(0.25, 0.9) if future else rng.uniform(0.6, 1.05)
            live = self.live_projects(day, seg_end, future)
            chosen = rng.sample(live, min(len(live), rng.choice((1, 2, 2, 3, 3, 4))))
            if member is self.members[0] or b.chance(0.15):
                chosen.append(self.projects[1 if b.chance(0.6) else 0])  # business development, operations
            weights = [rng.uniform(0.5, 1.5) for _ in chosen]
            for project, weight in zip(chosen, weights, strict=True):
                start = max(day, date.fromisoformat(project["start"]))
                end = min(seg_end, date.fromisoformat(project["end"]))
                if start <= end:
                    self.work(member, project, start, end, load * weight / sum(weights), days_off)
            if live and b.chance(0.5):  # a short piece of work: a workshop, a review
                start = day + timedelta(days=rng.randint(0, max(0, (seg_end - day).days)))
                project = rng.choice(live)
                if date.fromisoformat(project["start"]) <= start <= date.fromisoformat(project["end"]):
                    self.work(member, project, start, min(start + timedelta(days=rng.randint(0, 2)), seg_end,
                                                          date.fromisoformat(project["end"])),
                              rng.uniform(0.2, 0.5), days_off, unit="day")
            day = seg_end + timedelta(days=1)

    def work(self, member: Record, project: Record, start: date, end: date, share: float, days_off: set[date],
             unit: Unit | None = None) -> None:
        b, rng, cap = self.b, self.b.rng, self.capacity[member["id"]]
        chosen: Unit = rng.choices(UNITS, weights=[_UNIT_WEIGHTS[u] for u in UNITS])[0] if unit is None else unit
        amount = self.amount(chosen, share, start, end, cap)
        on_time_off = b.chance(0.1)
        total = total_hours(chosen, start, end, amount, capacity=cap,
                            days_off=() if on_time_off else days_off)
        if total <= 0:
            return
        roles, tasks = self.roles[project["id"]], self.tasks[project["id"]]
        self.allocation(member=member, project=project, role=rng.choice(roles) if roles else None,
                        task=rng.choice(tasks) if tasks and b.chance(0.5) else None, start=start, end=end,
                        unit=chosen, amount=amount, total=total, on_time_off=on_time_off,
                        created=b.created_before(start), notes=rng.choice(_NOTES))

    def demand(self) -> None:
        """Placeholder allocations: staffing a project still needs (mostly ahead of "now")."""
        b, rng = self.b, self.b.rng
        for project in self.projects[2:]:
            p_start, p_end = date.fromisoformat(project["start"]), date.fromisoformat(project["end"])
            if p_end < FIRST_DAY + timedelta(days=30) or not b.chance(0.85):
                continue
            for _ in range(rng.randint(1, 4)):
                start = max(p_start, FIRST_DAY) + timedelta(days=rng.randint(0, max(0, (p_end - p_start).days - 7)))
                end = min(p_end, LAST_DAY, start + timedelta(weeks=rng.randint(1, 12)))
                if start > end:
                    continue
                unit: Unit = rng.choice(("day", "day", "week", "ratio_of_capacity", "allocation"))
                amount = self.amount(unit, rng.uniform(0.3, 1.0), start, end, lambda d: DEFAULT_CAPACITY[d.weekday()])
                total = total_hours(unit, start, end, amount)
                if total > 0:
                    roles = self.roles[project["id"]]
                    self.allocation(placeholder=rng.choice(self.placeholders), project=project,
                                    role=rng.choice(roles) if roles else None, start=start, end=end, unit=unit,
                                    amount=amount, total=total, created=b.created_before(start, (5, 30)),
                                    notes="Open position" if b.chance(0.3) else None)

    # --- time entries -------------------------------------------------------------------------
    def entry(self, member: Record, day: date, hours: float, *, time_off: Record | None = None,
              allocation: Record | None = None, project: Record | None = None) -> Record:
        b, rng = self.b, self.b.rng
        monday = b.today - timedelta(days=b.today.weekday())
        last_week = day >= monday - timedelta(days=7)
        status = ("not_submitted" if b.chance(0.3) else "pending_approval") if last_week else "approved"
        role = None if allocation is None or allocation["role"] is None else allocation["role"]
        role_record = next((r for r in self.roles[project["id"]] if role and r["id"] == role["id"]), None) \
            if project is not None else None
        billable = project is not None and project["isBillable"] and (role_record is None or role_record["isBillable"])
        rate = (role_record["rate"] if role_record is not None else member["defaultRate"]) if billable else None
        week = day - timedelta(days=day.weekday())
        invoiced = billable and status == "approved" and day < b.today - timedelta(days=35) and b.chance(0.9)
        task = allocation["task"] if allocation is not None and allocation["task"] is not None else (
            _ref(rng.choice(self.tasks[project["id"]])) if project is not None and self.tasks[project["id"]]
            and b.chance(0.4) else None)
        entry = {
            "id": b.uuid(), "typeId": "time_off" if time_off is not None else "project_time", "statusId": status,
            "clientStatusId": _client_status(project, status, day, b.today),
            "date": day.isoformat(), "minutes": round(hours * 60), "timerStartedAt": None,
            "startTime": None, "endTime": None,
            "notes": None if time_off is not None else rng.choice(_ENTRY_NOTES), "isBillable": bool(billable),
            "invoiced": bool(invoiced), "rateCurrency": "USD" if rate is not None else None,
            "rate": rate, "costCurrency": "USD", "costPerHour": member["costPeriods"][0]["costPerHour"],
            "createdAt": b.stamp(b.moment(day, 16, 23) + timedelta(days=1 if b.chance(0.2) else 0)),
            "member": _ref(member), "project": _project_ref(project), "role": role, "task": task,
            "timeOffType": _ref(time_off),
            "timesheet": None if status == "not_submitted" else {
                "id": b.uuid(), "submittedOn": b.stamp(b.moment(week + timedelta(days=4), 17, 23))},
            "invoice": {"id": b.uuid(), "number": f"INV-{day:%y%m}-{rng.randint(1, 999):03d}",
                        "line": {"id": b.extra_uuid(), "number": 1 + day.toordinal() % 9}} if invoiced else None,
        }
        self.entries.append(entry)
        return entry

    def timesheets(self, member: Record, days_off: set[date]) -> None:
        """Project time for every past working day: what was planned, give or take, split into entries."""
        b, rng, cap = self.b, self.b.rng, self.capacity[member["id"]]
        planned: dict[date, list[tuple[Record, float]]] = defaultdict(list)
        projects = {p["id"]: p for p in self.projects}
        for a in self.allocations:
            if a["member"] is not None and a["member"]["id"] == member["id"] and a["assignmentTypeId"] == "project":
                amount = a[_HOURS_FIELD[a["unit"]]]
                off = () if a["allocateOnTimeOffDays"] else days_off
                for day, hours in daily_hours(a["unit"], a["start"], a["end"], amount, capacity=cap,
                                              days_off=off).items():
                    if day < b.today:
                        planned[day].append((a, hours))
        first, last = self.span(member)
        for day in _days(first, min(last, b.today - timedelta(days=1))):
            if cap(day) <= 0 or day in days_off:
                continue
            work: list[tuple[Record | None, float]] = list(planned.get(day, []))
            if not work and b.chance(0.5):
                work = [(None, rng.choice((1.0, 2.0, 4.0)))]  # internal time between projects
            for allocation, hours in work:
                logged = round(hours * rng.uniform(0.75, 1.15) * 4) / 4
                project = projects[allocation["project"]["id"]] if allocation else self.projects[0]
                pieces = [logged / 2, logged / 2] if logged >= 3 and b.chance(0.4) else [logged]
                for piece in pieces:
                    if piece >= 0.25:
                        self.entry(member, day, round(piece * 4) / 4, allocation=allocation, project=project)


def schedule(b: Builder, members: list[Record], projects: list[Record], roles: list[Record], tasks: list[Record],
             placeholders: list[Record], time_off: dict[str, Record]) -> tuple[list[Record], list[Record]]:
    """The workspace's allocations and time entries (in the order they were made up; not yet sorted).

    Args:
        b: The builder (random stream and clock).
        members: Members (their capacity and active dates decide when they work).
        projects: Projects, the two internal ones first.
        roles: Project roles.
        tasks: Project tasks.
        placeholders: Resource placeholders.
        time_off: Time-off types by name (``Holiday``, ``Vacation``, ``Sick Leave``, ``Personal Day``).
    """
    plan = _Plan(b, members, projects, roles, tasks, placeholders, time_off)
    for member in members:
        taken: set[date] = set()
        plan.holidays(member)
        taken.update(day for day, _ in HOLIDAYS)
        plan.leave(member, taken)
    days_off = time_off_dates(plan.allocations)
    for member in members:
        plan.project_work(member, days_off[member["id"]])
    plan.demand()
    for member in members:
        plan.timesheets(member, days_off[member["id"]])
    return plan.allocations, plan.entries
