"""``build_agency``: a deterministic synthetic digital agency, as an Accelo deployment would hold it.

Brightwater Digital (company 1, the agency itself) runs website, brand, marketing and SEO jobs for
its clients over about two years up to ``ANCHOR``; its staff log a year of time (billable and
non-billable seconds) against the tasks they are assigned, the jobs they manage and the agency's
internal jobs. Jobs have every standing (pending, active, paused, complete, inactive); tasks carry
assignees and budgeted seconds, and their logged, billable, non-billable and remaining seconds add
up from the activities. The same seed and scale always give the same records.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from .agency import ANCHOR, SCALES, Agency, Record, Scale, money, unix
from .catalogue import (
    ACTIVITY_CLASSES,
    AGENCY,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    FIRST_NAMES,
    INTERNAL_JOBS,
    JOB_KINDS,
    JOB_STATUSES,
    JOB_TYPES,
    POSITIONS,
    RATES,
    SURNAMES,
    TASK_PRIORITIES,
    TASK_STATUSES,
    TASK_TITLES,
    TASK_TYPES,
    status_records,
)
from .timesheets import JobPlan, Timesheets, add_totals, moment

__all__ = ["build_agency"]

_JOBS_FROM = datetime(2024, 3, 4, 9)
_HOUR = 3600
_DAY = timedelta(days=1)


class _Builder:
    def __init__(self, seed: int, scale: Scale) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.now = ANCHOR

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def at(self, day: date | datetime, earliest: float = 8, latest: float = 18) -> datetime:
        """A time on ``day`` between the hours ``earliest`` and ``latest``, to the second, never after now."""
        start = datetime(day.year, day.month, day.day)
        moment = start + timedelta(seconds=self.rng.randrange(int(earliest * _HOUR), int(latest * _HOUR)))
        return min(moment, self.now - timedelta(minutes=self.rng.randrange(5, 90)))

    # --- people and companies -------------------------------------------------------------------------
    def staff(self) -> list[Record]:
        rng, rows, seen = self.rng, [], set()
        for i in range(self.scale.staff):
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            while (first, last) in seen:
                first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            seen.add((first, last))
            position, rate, level = POSITIONS[i] if i < 5 else POSITIONS[5 + (i - 5) % (len(POSITIONS) - 5)]
            n = i + 1
            rows.append({
                "id": str(n), "firstname": first, "surname": last,
                "standing": "inactive" if i == self.scale.staff - 1 else "active",
                "financial_level": level, "title": "Dr" if rng.random() < 0.1 else None,
                "email": f"{first}.{last}@brightwater.example".lower().replace("'", ""),
                "mobile": f"+44 7700 900{n:03d}", "phone": f"+44 20 7946 0{n:03d}", "fax": None,
                "position": position, "username": f"{first}.{last}".lower().replace("'", ""),
                "timezone": "Europe/London", "staff_rate": money(rate),
                "staff_cost_rate": money(round(rate * rng.uniform(0.35, 0.45))),
            })
        return rows

    def companies(self, managers: list[str]) -> tuple[list[Record], dict[str, str], dict[str, str]]:
        rng = self.rng
        names = rng.sample([f"{p} {s}" for p in COMPANY_PREFIXES for s in COMPANY_SUFFIXES], self.scale.companies - 1)
        rows, owners, countries = [], {}, {}
        for i, name in enumerate([AGENCY, *names]):
            n = i + 1
            created = datetime(2019, 1, 7, 10) if i == 0 else self.at(
                date(2019, 2, 1) + timedelta(days=rng.randrange(0, 2350)))
            slug = "".join(c for c in name.lower() if c.isalnum())
            modified = min(self.now - timedelta(hours=1), created + timedelta(days=rng.randrange(0, 400)))
            rows.append({
                "id": str(n), "name": name, "custom_id": f"CL{n:04d}", "website": f"www.{slug}.example",
                "phone": f"+44 161 496 0{n % 1000:03d}", "fax": None if rng.random() < 0.9 else f"+44 161 496 1{n:03d}",
                "date_created": unix(created), "date_modified": unix(modified), "date_last_interacted": unix(modified),
                "comments": "Our own agency." if i == 0 else rng.choice(
                    ["Referred by an existing client.", "Met at a trade show.", "Came through the website.", None]),
                "standing": "active", "status": "1", "postal_address": str(1000 + n),
                "staff_bookmarked": "1" if rng.random() < 0.15 else "0", "default_affiliation": str(5000 + n),
            })
            owners[str(n)] = managers[i % len(managers)]
            countries[str(n)] = "United Kingdom" if i == 0 or rng.random() < 0.85 else rng.choice(
                ["Ireland", "Netherlands", "France"])
        return rows, owners, countries

    # --- jobs and tasks -------------------------------------------------------------------------------
    def jobs(self, companies: list[Record], owners: dict[str, str], managers: list[str],
             staff: list[Record]) -> list[JobPlan]:
        rng, now = self.rng, self.now
        plans: list[tuple[datetime, Record, int, str]] = []
        for title in INTERNAL_JOBS:
            plans.append((datetime(2024, 1, 8, 9, 30) + timedelta(minutes=len(plans) * 7), companies[0], 5, title))
        clients = companies[1:]
        span = int((now - timedelta(days=4) - _JOBS_FROM).total_seconds())
        for _ in range(self.scale.jobs - len(INTERNAL_JOBS)):
            created = _JOBS_FROM + timedelta(seconds=rng.randrange(span))
            client = clients[min(int(rng.paretovariate(1.2)) - 1, len(clients) - 1) if rng.random() < 0.5
                             else rng.randrange(len(clients))]
            kind = 6 if created < datetime(2024, 9, 1) and rng.random() < 0.3 else rng.choice([1, 1, 2, 3, 3, 4])
            name = rng.choice(JOB_KINDS[kind])
            if kind == 3:
                name = f"{name} Q{(created.month - 1) // 3 + 1} {created.year}"
            plans.append((self.at(created.date()), client, kind, f"{client['name']}: {name}"))
        plans.sort(key=lambda plan: plan[0])
        rates = {r["id"]: r for r in RATES}
        jobs: list[JobPlan] = []
        for n, (created, company, kind, title) in enumerate(plans, start=1):
            internal = kind == 5
            started = datetime.combine((created + timedelta(days=rng.randrange(0, 22))).date(), datetime.min.time())
            weeks = {1: (6, 20), 2: (4, 10), 3: (13, 13), 4: (8, 16), 6: (2, 6)}.get(kind, (0, 0))
            due = None if internal else started + timedelta(weeks=rng.randint(*weeks), days=-3)
            status, commenced, completed, paused = self.job_state(started, due, internal)
            rate = "4" if internal else "3" if int(company["id"]) % 11 == 0 else "2" if int(company["id"]) % 7 == 0 \
                else "1"
            manager = owners[company["id"]] if rng.random() < 0.7 else rng.choice(managers)
            touched = max(t for t in (created, commenced, completed) if t is not None)
            modified = min(now - timedelta(minutes=rng.randrange(10, 300)), touched + timedelta(hours=rng.randrange(1, 72)))
            standing = JOB_STATUSES[int(status) - 1][2]
            record = {
                "id": str(n), "title": title, "against_type": "company", "against_id": company["id"],
                "against": f"companies/{company['id']}", "against_table": "companies",
                "custom_id": f"WB-{created.year}-{n:04d}" if JOB_TYPES[kind - 1][2] == "1" else None,
                "paused": str(paused), "staff_bookmarked": "1" if rng.random() < 0.12 else "0",
                "date_created": unix(created), "date_modified": unix(modified), "date_commenced": unix(commenced),
                "date_started": unix(started), "date_due": unix(due), "date_completed": unix(completed),
                "date_last_interacted": unix(modified), "type": str(kind), "job_type": str(kind), "rate": rate,
                "rate_charged": rates[rate]["charged"], "status": status, "standing": standing,
                "manager": manager, "modified_by": rng.choice([manager, manager, rng.choice(staff)["id"]]),
                "company": company["id"], "affiliation": company["default_affiliation"], "job_contract": None,
            }
            jobs.append(JobPlan(record, started, due, commenced, completed, rates[rate]["charged"] != "0.00"))
        return jobs

    def job_state(self, started: datetime, due: datetime | None,
                  internal: bool) -> tuple[str, datetime | None, datetime | None, int]:
        """(status id, date commenced, date completed, days paused) of a job as of now."""
        rng, now = self.rng, self.now
        commenced = self.at(started + timedelta(days=rng.randrange(-2, 4)))
        if internal:
            return "2", commenced, None, 0
        if started > now or (started > now - timedelta(days=20) and rng.random() < 0.15):
            return "1", None, None, 0
        if commenced > now:
            commenced = self.at(started)
        if rng.random() < 0.04:
            return "6", commenced, None, 0
        assert due is not None
        if due < now - timedelta(days=7) and rng.random() < 0.88:
            finished = min(now - timedelta(hours=2), self.at(due + timedelta(days=rng.randrange(-6, 21))))
            return "5", commenced, max(finished, commenced + _DAY), 0
        if rng.random() < 0.12:
            return "4", commenced, None, rng.randrange(3, 45)
        return rng.choice(["2", "2", "3"]), commenced, None, 0

    def tasks(self, jobs: list[JobPlan], workers: list[str]) -> list[Record]:
        rng, now = self.rng, self.now
        rows: list[tuple[datetime, int, int, Record]] = []
        for job in jobs:
            kind = int(job.record["type"])
            if kind == 5:
                continue
            count = {1: (4, 7), 2: (3, 5), 3: (3, 4), 4: (3, 5), 6: (2, 3)}[kind]
            titles = rng.sample(TASK_TITLES[kind], min(rng.randint(*count), len(TASK_TITLES[kind])))
            assert job.due is not None
            length = max(7.0, (job.due - job.started).total_seconds() / 86400)
            created = moment(job.record["date_created"])
            for k, (title, task_type) in enumerate(titles):
                start = job.started + timedelta(days=int(length * k / len(titles)))
                due = min(job.due, start + timedelta(days=max(3, int(length / len(titles)) + rng.randrange(0, 8))))
                status, commenced, done = self.task_state(job, start, due)
                made = min(now - timedelta(minutes=30), created + timedelta(minutes=rng.randrange(5, 600)))
                accepted = None if status == "1" else min(now - timedelta(minutes=20), made + timedelta(hours=rng.randrange(1, 48)))
                touched = max(t for t in (made, accepted, commenced, done) if t is not None)
                rows.append((made, int(job.record["id"]), k, {
                    "title": title, "description": f"{title} for {job.record['title']}.",
                    "billable": "0", "nonbillable": "0", "logged": "0",
                    "budgeted": str(rng.choice([2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 40]) * _HOUR), "remaining": "0",
                    "staff_bookmarked": "1" if rng.random() < 0.05 else "0",
                    "date_created": unix(made), "date_started": unix(start), "date_commenced": unix(commenced),
                    "date_accepted": unix(accepted), "date_due": unix(due), "date_completed": unix(done),
                    "date_modified": unix(min(now - timedelta(minutes=5), touched + timedelta(hours=rng.randrange(0, 30)))),
                    "against_type": "job", "against_id": job.record["id"], "against": f"jobs/{job.record['id']}",
                    "creator_type": "staff", "creator_id": job.record["manager"],
                    "creator": f"staff/{job.record['manager']}", "assignee": rng.choice(workers),
                    "type": str(task_type), "task_type": str(task_type), "status": status, "task_status": status,
                    "standing": TASK_STATUSES[int(status) - 1][2], "manager": job.record["manager"], "contact": None,
                    "affiliation": job.record["affiliation"], "company": None, "issue": None,
                    "job": job.record["id"], "task_job": job.record["id"], "milestone": None,
                    "task_priority": rng.choice(["2", "3", "3", "3", "4"]), "rate_id": job.record["rate"],
                    "rate_charged": job.record["rate_charged"], "custom_id": None, "ordering": str(k),
                }))
        rows.sort(key=lambda row: row[:3])
        return [{"id": str(n), **row[3]} for n, row in enumerate(rows, start=1)]

    def task_state(self, job: JobPlan, start: datetime, due: datetime) -> tuple[str, datetime | None, datetime | None]:
        """(status id, date commenced, date completed) of a task as of now."""
        rng, now = self.rng, self.now
        standing = job.record["standing"]
        if standing == "pending" or start > now:
            return ("1" if rng.random() < 0.6 else "2"), None, None
        commenced = self.at(start)
        if standing == "inactive":
            return "5", commenced, None
        if standing == "complete" or (due < now - timedelta(days=3) and rng.random() < 0.8):
            limit = job.completed or now - timedelta(hours=3)
            done = min(limit, max(commenced + timedelta(hours=2), self.at(due + timedelta(days=rng.randrange(-3, 5)))))
            return "4", commenced, done
        return "3", commenced, None


def build_agency(seed: int = 0, scale: str = "small", deployment: str = "demo") -> Agency:
    """Build the synthetic agency for ``seed`` at ``scale`` (``small``, ``medium`` or ``large``).

    The same seed and scale always give the same records, byte for byte.

    Args:
        seed: Seed of the random stream.
        scale: ``small`` (15 staff, 40 companies, 240 jobs), ``medium`` or ``large``.
        deployment: The deployment's name (``{deployment}.api.accelo.com``).

    Raises:
        ValueError: ``scale`` is not one of ``SCALES``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    b = _Builder(seed, SCALES[scale])
    staff = b.staff()
    managers = [s["id"] for s in staff[:5]]
    workers = [s["id"] for s in staff[2:]]
    companies, owners, countries = b.companies(managers[2:] or managers)
    jobs = b.jobs(companies, owners, managers, staff)
    tasks = b.tasks(jobs, workers)
    activities = Timesheets(b.rng, b.now, staff, jobs, tasks).activities()
    add_totals(tasks, jobs, companies, activities)
    tables: dict[str, list[Record]] = {
        "staff": staff, "companies": companies,
        "companies/statuses": status_records([("Active", "#2e7d32", "active"), ("Inactive", "#616161", "inactive")]),
        "jobs": [job.record for job in jobs], "jobs/statuses": status_records(JOB_STATUSES),
        "jobs/types": [{"id": str(n), "title": title, "standing": standing, "ordering": str(n - 1),
                        "has_custom_id": custom} for n, (title, standing, custom) in enumerate(JOB_TYPES, 1)],
        "tasks": tasks, "tasks/statuses": status_records(TASK_STATUSES),
        "tasks/types": [{"id": str(n), "title": title, "standing": "active", "ordering": str(n - 1)}
                        for n, title in enumerate(TASK_TYPES, 1)],
        "tasks/priorities": [{"id": str(n), "title": title, "icon": icon, "level": str(n)}
                             for n, (title, icon) in enumerate(TASK_PRIORITIES, 1)],
        "activities": activities,
        "activities/classes": [{"id": str(n), "title": title, "parent": "0", "status": "active"}
                               for n, title in enumerate(ACTIVITY_CLASSES, 1)],
        "rates": [dict(rate) for rate in RATES],
    }
    return Agency(seed=seed, scale=scale, now=b.now, deployment=deployment, name=AGENCY, tables=tables,
                  company_managers=owners, company_countries=countries, api_user=staff[0]["id"])
