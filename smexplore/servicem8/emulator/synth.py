"""The synthetic demo account: a trades business, deterministic from a seed.

``build_account(seed, scale)`` returns every record the emulator serves, in wire form (the field
names and JSON types of the vendor's spec). The account is anchored at a fixed "now"
(``ANCHOR``, Monday 2026-03-02 12:00) so that notebooks and tests never drift with the calendar:
history lies before it, scheduled bookings run a few weeks past it.

What it holds, and why it looks like a real account:
- 8–15 staff at ``small`` (an owner, an office manager who allocates work, tradespeople, an
  apprentice and one former employee, soft-deleted); more at larger scales;
- categories, clients (households and businesses), allocation windows, job queues;
- jobs whose status agrees with their dates (quotes that were accepted, lost or are pending; work
  orders, some with no booking yet; completed jobs with invoices and payments);
- job activities on working days in working hours: scheduled bookings with travel time and, for
  past visits, the time recorded on site; some double-bookings, some days off;
- job allocations in allocation windows, some read, some completed, some expired;
- a few percent of records soft-deleted (``active`` = 0);
- and, made after these from a random stream of their own (``extras.add_extras``), every other
  resource of the spec: contacts, notes, materials, forms, checklists, payments, tasks, badges,
  templates, the vendor record and the rest, hanging together with the schedule.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from ...emulation.synth import ANCHOR, seeded_uuid
from .account import FIRST_NAMES, LAST_NAMES, SCALES, STREETS, SUBURBS, ZERO, Account, Record, Scale
from .extras import add_extras

__all__ = ["ANCHOR", "SCALES", "Account", "Scale", "build_account"]

_CATEGORIES = [
    ("Plumbing", "1f77b4"), ("Electrical", "ff7f0e"), ("HVAC", "2ca02c"), ("Gas Fitting", "d62728"),
    ("Hot Water", "9467bd"), ("Drainage", "8c564b"), ("Maintenance", "e377c2"), ("Roofing", "7f7f7f"),
    ("Emergency", "bcbd22"), ("Carpentry", "17becf"),
]
_WORK = {
    "Plumbing": ["Leaking tap in kitchen", "Replace toilet cistern", "Burst pipe under house"],
    "Electrical": ["Install downlights", "Safety switch tripping", "Add power points to office"],
    "HVAC": ["Split system service", "Ducted heating not working", "Install split system"],
    "Gas Fitting": ["Gas leak check", "Connect new cooktop", "Gas heater service"],
    "Hot Water": ["Replace hot water system", "No hot water", "Hot water relief valve leaking"],
    "Drainage": ["Blocked drain in kitchen", "CCTV drain inspection", "Stormwater blockage"],
    "Maintenance": ["Quarterly maintenance visit", "Tenant repair list", "Pre-sale compliance check"],
    "Roofing": ["Roof leak over lounge", "Replace gutters", "Storm damage inspection"],
    "Emergency": ["After-hours call-out", "Flooded laundry", "Power outage in building"],
    "Carpentry": ["Replace rotten decking", "Hang internal doors", "Fix kitchen cabinet"],
}
_TRADES = ["Plumber", "Electrician", "HVAC Technician", "Gasfitter", "Plumber", "Electrician",
           "Drainer", "Roof Plumber", "Carpenter", "Maintenance Technician"]
_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]
_WINDOWS = [("Urgent", 0, 1440, 0), ("Early Morning", 360, 480, 360), ("Morning", 480, 720, 480),
            ("Afternoon", 720, 1020, 720), ("Business Hours", 480, 1020, 480),
            ("After Hours", 1020, 1320, 1020)]
_QUEUES = [("Awaiting Parts", 14, 0), ("Quotes to Follow Up", 7, 0), ("Warranty Claims", 14, 1),
           ("Return Visits", 7, 1), ("Workshop", 14, 0)]
_BUSINESS = ["Property Group", "Real Estate", "Body Corporate", "Cafe", "Dental", "Constructions",
             "Strata Management", "Childcare Centre", "Motors", "Bakery"]


def _ts(moment: datetime | None) -> str:
    return ZERO if moment is None else moment.isoformat(" ", "seconds")


class _Builder:
    """Holds the random stream and the account while it is built (one method per resource)."""

    def __init__(self, seed: int, scale: Scale) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.now = ANCHOR
        self.start = ANCHOR - timedelta(days=scale.history_days)

    def uuid(self) -> str:
        return seeded_uuid(self.rng)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def active(self, p_deleted: float) -> int:
        return 0 if self.chance(p_deleted) else 1

    def edit_date(self, *moments: datetime | None) -> str:
        latest = max((m for m in moments if m is not None), default=self.start)
        latest += timedelta(minutes=self.rng.randint(0, 90))
        return _ts(min(latest, self.now))

    # --- reference data -------------------------------------------------------------------
    def staff(self) -> list[Record]:
        rng = self.rng
        count = rng.randint(*self.scale.staff)
        names: set[tuple[str, str]] = set()
        while len(names) < count:
            names.add((rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
        ordered = sorted(names)  # a set's order changes with the hash seed: sort before shuffling
        rng.shuffle(ordered)
        rows = []
        for i, (first, last) in enumerate(ordered):
            title = "Owner" if i == 0 else "Office Manager" if i == 1 else (
                "Apprentice " + rng.choice(["Plumber", "Electrician"]) if i % 7 == 6 else _TRADES[i % len(_TRADES)]
            )
            joined = self.start - timedelta(days=rng.randint(30, 2000))
            rows.append({
                "uuid": self.uuid(), "active": 0 if i == count - 1 else 1,
                "edit_date": self.edit_date(joined), "first": first, "last": last,
                "email": f"{first}.{last}".lower().replace("'", "") + "@harbourtrades.com.au",
                "mobile": f"04{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                "job_title": title, "color": _COLOURS[i % len(_COLOURS)],
                "security_role_uuid": "", "labour_material_uuid": self.uuid(),
                "hide_from_schedule": 1 if title == "Office Manager" else 0,
                "status_message": "", "status_message_timestamp": ZERO,
                "lat": round(-37.81 + rng.uniform(-0.1, 0.1), 6), "lng": round(144.96 + rng.uniform(-0.1, 0.1), 6),
                "geo_timestamp": _ts(self.now - timedelta(minutes=rng.randint(5, 600))),
                "navigating_to_job_uuid": "", "navigating_timestamp": ZERO, "navigating_expiry_timestamp": ZERO,
                "can_receive_push_notification": "1", "custom_icon_url": "",
            })
        return rows

    def categories(self) -> list[Record]:
        chosen = _CATEGORIES[: self.rng.randint(6, 10)]
        return [{"uuid": self.uuid(), "active": 1, "edit_date": self.edit_date(self.start), "name": name,
                 "colour": colour} for name, colour in chosen]

    def windows(self) -> list[Record]:
        return [{"uuid": self.uuid(), "active": 1, "edit_date": self.edit_date(self.start), "name": name,
                 "start_time": start, "end_time": end, "sort_priority": priority}
                for name, start, end, priority in _WINDOWS]

    def queues(self, staff: list[Record]) -> list[Record]:
        rng = self.rng
        return [{"uuid": self.uuid(), "active": 1, "edit_date": self.edit_date(self.start), "name": name,
                 "default_timeframe": days,
                 "subscribed_staff": ";".join(s["uuid"] for s in rng.sample(staff[:4], 2)),
                 "requires_assignment": assign} for name, days, assign in _QUEUES]

    def companies(self) -> list[Record]:
        rng = self.rng
        rows = []
        for _ in range(max(60, self.scale.jobs // 4)):
            suburb, postcode = rng.choice(SUBURBS)
            street = f"{rng.randint(1, 240)} {rng.choice(STREETS)}"
            address = f"{street}, {suburb} VIC {postcode}"
            individual = self.chance(0.6)
            name = (f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" if individual
                    else f"{rng.choice(LAST_NAMES)} {rng.choice(_BUSINESS)}")
            rows.append({
                "uuid": self.uuid(), "active": self.active(0.02),
                "edit_date": self.edit_date(self.start + timedelta(days=rng.randint(0, self.scale.history_days))),
                "name": name, "abn_number": "" if individual else f"{rng.randint(10, 99)} {rng.randint(100, 999)} "
                f"{rng.randint(100, 999)} {rng.randint(100, 999)}",
                "address": address, "billing_address": address, "address_street": street,
                "address_city": suburb, "address_state": "VIC", "address_postcode": postcode,
                "address_country": "Australia",
                "website": "" if individual else f"www.{name.split()[0].lower().replace(chr(39), '')}.com.au",
                "fax_number": "", "badges": "[]", "is_individual": "1" if individual else "0",
                "tax_rate_uuid": "", "billing_attention": "", "payment_terms": rng.choice(["COD", "7 days", "14 days", "30 days"]),
                "parent_company_uuid": "",
            })
        return rows


class _Schedule:
    """Places visits in staff members' working days, keeping a per-day "next free" time."""

    def __init__(self, builder: _Builder, staff: list[Record]) -> None:
        self.b = builder
        self.free: dict[tuple[int, int], int] = {}
        self.last_start: dict[tuple[int, int], int] = {}
        self.salt = builder.rng.getrandbits(32)

    def day_off(self, staff_index: int, ordinal: int) -> bool:
        """About one working day in twenty is a day off (leave, training, sick)."""
        mixed = ((staff_index + 1) * 2654435761) ^ (ordinal * 40503) ^ self.salt
        return (mixed * 2246822519) % 1000 < 50

    def working_day(self, day: date) -> date:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    def place(self, staff_index: int, day: date, duration: int) -> tuple[datetime, datetime]:
        """Book ``duration`` minutes for a staff member on ``day`` or the next day with room."""
        rng = self.b.rng
        for _ in range(30):
            day = self.working_day(day)
            key = (staff_index, day.toordinal())
            if not self.day_off(*key):
                start = self.free.get(key, 420 + rng.choice((0, 15, 30, 60, 90)))
                if key in self.last_start and rng.random() < 0.03:
                    start = self.last_start[key] + 30  # a double-booking
                if start + duration <= 18 * 60:
                    self.last_start[key] = start
                    self.free[key] = max(self.free.get(key, 0), start + duration + rng.choice((15, 20, 30, 45)))
                    begin = datetime(day.year, day.month, day.day) + timedelta(minutes=start)
                    return begin, begin + timedelta(minutes=duration)
            day += timedelta(days=1)
        raise RuntimeError("no room to schedule a visit")  # pragma: no cover - 30 days always has room


def _jobs_and_schedule(b: _Builder, staff: list[Record], categories: list[Record], companies: list[Record],
                       windows: list[Record], queues: list[Record]) -> tuple[list[Record], list[Record], list[Record]]:
    rng, now = b.rng, b.now
    workers = [i for i, s in enumerate(staff) if s["hide_from_schedule"] == 0 and s["active"] == 1]
    office = [s["uuid"] for s in staff[:2]]
    schedule = _Schedule(b, staff)
    live_companies = [c for c in companies if c["active"] == 1]
    span = b.scale.history_days * 86400
    created = sorted(b.start + timedelta(seconds=rng.randrange(span)) for _ in range(b.scale.jobs))
    jobs: list[Record] = []
    activities: list[Record] = []
    allocations: list[Record] = []
    visit_counts = (1, 2, 2, 2, 3, 3, 3, 4)
    for number, c in enumerate(created, start=1001):
        c = min(c.replace(hour=rng.randint(7, 17), second=0), now - timedelta(minutes=rng.randint(5, 60)))
        company = rng.choice(live_companies)
        category = rng.choice(categories)
        job_uuid = b.uuid()
        worker = rng.choice(workers)
        quote_first = b.chance(0.35)
        quote_date = c if quote_first else None
        work_order = None if quote_first else c
        unsuccessful = None
        visits: list[tuple[int, datetime, datetime, bool]] = []  # staff, start, end, is_quote_visit
        if quote_first:
            if b.chance(0.5):
                begin, end = schedule.place(worker, c.date() + timedelta(days=rng.randint(1, 5)), 60)
                visits.append((worker, begin, end, True))
            outcome = rng.random()
            decided = c + timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 6))
            if decided < now and outcome < 0.6:
                work_order = decided
            elif decided < now and outcome < 0.9:
                unsuccessful = decided
        completion = None
        if work_order is not None and not b.chance(0.06):
            day = work_order.date() + timedelta(days=rng.randint(1, 10))
            for n in range(rng.choice(visit_counts)):
                who = worker if n == 0 or b.chance(0.7) else rng.choice(workers)
                begin, end = schedule.place(who, day, rng.choice((60, 90, 120, 120, 180, 240)))
                visits.append((who, begin, end, False))
                day = end.date() + timedelta(days=rng.randint(0, 3))
            last_end = max(v[2] for v in visits)
            if last_end < now and b.chance(0.9):
                completion = last_end + timedelta(minutes=rng.randint(5, 120))
                if completion > now:
                    completion = None
        status = ("Completed" if completion else "Unsuccessful" if unsuccessful else
                  "Work Order" if work_order else "Quote")
        scheduled_until = max((v[2] for v in visits if v[2] > now), default=None) or (
            max((v[2] for v in visits), default=None))
        hours = sum((v[2] - v[1]).total_seconds() for v in visits if not v[3]) / 3600
        amount = round(hours * 110 + rng.uniform(40, 900), 2) if status == "Completed" else 0.0
        invoiced = completion + timedelta(days=rng.randint(0, 3)) if completion and b.chance(0.9) else None
        invoiced = invoiced if invoiced and invoiced < now else None
        paid = invoiced + timedelta(days=rng.randint(1, 30)) if invoiced and b.chance(0.85) else None
        paid = paid if paid and paid < now else None
        in_queue = status == "Work Order" and not visits and b.chance(0.5)
        queue = rng.choice(queues) if in_queue else None
        suburb, postcode = company["address_city"], company["address_postcode"]
        street_number, _, street = company["address_street"].partition(" ")
        description = rng.choice(_WORK[category["name"]])
        edited = [c, quote_date, work_order, unsuccessful, completion, invoiced, paid]
        jobs.append({
            "uuid": job_uuid, "active": b.active(0.03), "edit_date": b.edit_date(*edited),
            "created_by_staff_uuid": rng.choice(office), "date": f"{c:%Y-%m-%d}",
            "company_uuid": company["uuid"], "billing_address": company["billing_address"],
            "status": status, "lng": round(144.96 + rng.uniform(-0.15, 0.15), 6),
            "lat": round(-37.81 + rng.uniform(-0.15, 0.15), 6),
            "payment_date": ZERO, "payment_actioned_by_uuid": "", "payment_method": "", "payment_amount": "",
            "category_uuid": category["uuid"], "payment_note": "", "geo_is_valid": 1,
            "purchase_order_number": "" if company["is_individual"] == "1" else f"PO-{rng.randint(10000, 99999)}",
            "invoice_sent": int(invoiced is not None), "invoice_sent_stamp": _ts(invoiced),
            "ready_to_invoice": "", "ready_to_invoice_stamp": ZERO,
            "geo_country": "Australia", "geo_postcode": postcode, "geo_state": "VIC", "geo_city": suburb,
            "geo_street": street, "geo_number": street_number,
            "queue_uuid": queue["uuid"] if queue else "",
            "queue_expiry_date": _ts(c + timedelta(days=queue["default_timeframe"])) if queue else ZERO,
            "queue_assigned_staff_uuid": staff[worker]["uuid"] if queue and queue["requires_assignment"] else "",
            "badges": "[]", "quote_date": _ts(quote_date),
            "quote_sent": int(quote_first), "quote_sent_stamp": _ts(quote_date + timedelta(hours=2)) if quote_date else ZERO,
            "work_order_date": _ts(work_order), "active_network_request_uuid": "", "related_knowledge_articles": "",
            "job_address": company["address"], "job_description": description,
            "work_done_description": f"{description}: completed, site left clean." if completion else "",
            "generated_job_id": str(number), "total_invoice_amount": f"{amount:.2f}",
            "payment_processed": int(paid is not None), "payment_processed_stamp": _ts(paid),
            "payment_received": int(paid is not None), "payment_received_stamp": _ts(paid),
            "completion_date": _ts(completion),
            "completion_actioned_by_uuid": staff[worker]["uuid"] if completion else "",
            "unsuccessful_date": _ts(unsuccessful), "job_is_scheduled_until_stamp": _ts(scheduled_until),
            "customfield_site_access": rng.choice(["", "", "Key in lockbox", "Call on arrival", "Tenant home"]),
        })
        for who, begin, end, _quote_visit in visits:
            activities.append(_activity(b, job_uuid, staff[who], begin, end, scheduled=True))
            if end < now and b.chance(0.85):
                late = timedelta(minutes=rng.randint(-10, 25))
                long = timedelta(minutes=rng.randint(-20, 40))
                activities.append(_activity(b, job_uuid, staff[who], begin + late, end + late + long, scheduled=False))
        if work_order is not None and (status == "Work Order" or b.chance(0.3)) and b.chance(0.55):
            allocations.append(_allocation(b, job_uuid, staff[worker]["uuid"], office[1], windows,
                                           work_order, visits, completion))
    return jobs, activities, allocations


def _activity(b: _Builder, job_uuid: str, staff: Record, begin: datetime, end: datetime, *, scheduled: bool) -> Record:
    rng, now = b.rng, b.now
    opened = scheduled and (begin < now or b.chance(0.5))
    opened_at = begin - timedelta(hours=rng.randint(1, 40)) if opened else None
    travel = rng.randint(5, 50) * 60 if scheduled else 0
    return {
        "uuid": b.uuid(), "active": b.active(0.03), "edit_date": b.edit_date(min(end, now) if not scheduled else begin - timedelta(days=1)),
        "edit_by_staff_uuid": staff["uuid"], "job_uuid": job_uuid, "staff_uuid": staff["uuid"],
        "start_date": _ts(begin), "end_date": _ts(end),
        "activity_was_scheduled": "1" if scheduled else "0", "activity_was_recorded": "0" if scheduled else "1",
        "activity_was_automated": "0", "has_been_opened": "1" if opened else "0",
        "has_been_opened_timestamp": _ts(min(opened_at, now)) if opened_at else ZERO,
        "travel_time_in_seconds": travel, "travel_distance_in_meters": travel * rng.randint(8, 14),
        "allocated_by_staff_uuid": "", "allocated_timestamp": ZERO, "material_uuid": staff["labour_material_uuid"],
    }


def _allocation(b: _Builder, job_uuid: str, staff_uuid: str, allocator: str, windows: list[Record],
                allocated: datetime, visits: list[tuple[int, datetime, datetime, bool]],
                completion: datetime | None) -> Record:
    rng, now = b.rng, b.now
    window = rng.choice(windows)
    first_visit = min((v[1] for v in visits if not v[3]), default=allocated + timedelta(days=rng.randint(1, 7)))
    day = first_visit.date()
    allocation_date = datetime(day.year, day.month, day.day) + timedelta(minutes=window["start_time"] % 1440)
    expiry = allocation_date + timedelta(days=rng.choice((3, 5, 7)))
    read = allocated + timedelta(minutes=rng.randint(10, 600)) if b.chance(0.85) else None
    read = read if read and read < now else None
    return {
        "uuid": b.uuid(), "active": b.active(0.03), "edit_date": b.edit_date(allocated, read, completion),
        "job_uuid": job_uuid, "queue_uuid": "", "staff_uuid": staff_uuid,
        "allocation_date": _ts(allocation_date), "allocation_window_uuid": window["uuid"],
        "allocated_by_staff_uuid": allocator, "allocated_timestamp": _ts(allocated),
        "expiry_timestamp": _ts(expiry), "read_timestamp": _ts(read),
        "completion_timestamp": _ts(completion) if completion and completion < expiry + timedelta(days=30) else ZERO,
        "estimated_duration": "", "revised_duration": "", "sort_priority": str(rng.randint(0, 9)),
        "requires_acceptance": "", "acceptance_status": "", "acceptance_timestamp": ZERO,
    }


def build_account(seed: int = 0, scale: str = "small") -> Account:
    """Build the synthetic account for ``seed`` at ``scale`` (``small``, ``medium`` or ``large``).

    The same seed and scale always give the same records, byte for byte. The eight schedule tables
    come first, from the seed's stream; the others are added after them from a stream of their own
    (``extras.add_extras``), so adding or changing those never changes the schedule (but for
    ``job.badges``, which they fill in).

    Raises:
        ValueError: ``scale`` is not one of ``SCALES``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    b = _Builder(seed, SCALES[scale])
    staff = b.staff()
    categories = b.categories()
    windows = b.windows()
    queues = b.queues(staff)
    companies = b.companies()
    jobs, activities, allocations = _jobs_and_schedule(b, staff, categories, companies, windows, queues)
    account = Account(seed=seed, scale=scale, now=b.now, tables={
        "staff": staff, "category": categories, "allocationwindow": windows, "queue": queues,
        "company": companies, "job": jobs, "jobactivity": activities, "joballocation": allocations,
    })

    return add_extras(account)
