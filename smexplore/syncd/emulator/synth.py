"""The synthetic demo account: a design and restoration studio, deterministic from a seed.

``build_account(seed, scale)`` returns every record the Syncd emulator serves, anchored at
emulation's ``ANCHOR`` (Monday 2026-03-02 12:00, read as UTC). At ``small`` it holds:

- four job types, Client → Project → Phase → Task (time on projects and tasks, expenses on
  projects), and a job tree four levels deep: the studio's internal client ("General overhead")
  and 6 clients with 2 to 4 projects each, 2 to 4 phases per project, 2 to 4 tasks per phase;
  one client is inactive (its still-active descendants are effectively inactive), finished
  projects and some tasks are inactive; codes, descriptions and links are sometimes null and
  sometimes empty; names and notes hold ``&``, quotes, ``<``/``>`` and non-ASCII letters;
- 12 users (the owner, an administrator managing the root job type; a project-level manager; an
  activity manager; one who left, one who joined late; most in New York, one in Los Angeles and one
  in London), four user groups, six activities (one inactive);
- job assignments that exercise inheritance: all users on the internal client (overridden by a
  group on one of its phases), a user assigned to all jobs, groups and users on clients whose
  projects sometimes override them, ``users=none`` on a task (nobody but the all-jobs user), and
  a task assigned directly to the owner under a client nobody else assigned them to;
- a year of time entries per user up to the day before ``ANCHOR`` on the jobs each is assigned to:
  start/end entries in minutes with the user's UTC offset (daylight saving included), some
  duration-only entries (a date and minutes), a few that cross midnight.

Ids are integers like a shared multi-tenant database's: each table starts at its own number and
skips ids now and then (other accounts' rows); jobs are numbered in the order they were created,
so a parent's id is always smaller than its children's.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .account import (
    DEMO_USER,
    NOW,
    SCALES,
    Account,
    Activity,
    Assignment,
    Job,
    JobType,
    Rights,
    TimeEntry,
    User,
    UserGroup,
)

__all__ = ["STUDIO", "build_account"]

STUDIO = "Lantern & Loom Studio"
HOME_ZONE = "America/New_York"
YEAR_START = NOW.date() - timedelta(days=365)
LAST_DAY = NOW.date() - timedelta(days=1)

_PREFIXES = ["Riverside", "Halcyon", "Brightwater", "Smith & Sons", "O'Neill", "Café Lumière", "Northgate", "Kite & Key",
             "Moreau", "Thistle", "Harbour", "Juniper", "Ashgrove", "Delacroix", "Greenfield", "Ironbridge",
             "Pemberton", "Saffron", "Wexford", "Zephyr"]
_KINDS = ["Museum of Art", "Gallery", "Publishing", "Framers", "Antiques", "Hotels", "Theatre Company",
          "Heritage Trust", "Auction House", "Records"]
_PROJECTS = ["Spring exhibition", "Catalogue", "Brand refresh", "Website", "Conservation: Irises",
             "Restoration: The Harvest", "Annual report", "Photography archive", "Signage", "Gala invitations",
             "Conservation: Portrait of a Lady", "Collection survey"]
_PHASES = [
    ("Discovery", ["Kick-off meeting", "Site survey", "Research", "Condition report"]),
    ("Design", ["Concepts", "Layout", "Colour matching", "Revisions"]),
    ("Production", ["Photography", "Retouching", "Print proofs", "Framing", "Cleaning & varnish removal"]),
    ("Delivery", ["Installation", "Handover", "Invoicing"]),
]
_INTERNAL = [("Administration", ["Timesheets & admin", "Team meeting", "IT & equipment"]),
             ("Learning", ["Courses", "Conferences"]),
             ("Business development", ["Proposals", "Portfolio"])]
_FIRST = ["Iris", "Felix", "Marguerite", "Theo", "Anouk", "Rafael", "Wren", "Kofi", "Esme", "Lorenzo", "Saoirse", "Jun",
          "Beatriz", "Tobias", "Amara", "Henrik", "Zoë", "Oskar", "Nell", "Dmitri", "Leila", "Caspar", "Yuki",
          "Matilde", "Idris", "Freya", "Hugo", "Zainab", "Emil", "Rosalind"]
_LAST = ["Ashdown", "Bellamy", "Castellano", "Dunmore", "Eriksen", "Fairweather", "Gallagher", "Hollis", "Ishikawa",
         "Jovanović", "Kaminski", "Lindgren", "Marchetti", "Nakamura", "Oyelaran", "Pryce", "Quintero", "Rasmussen",
         "Sørensen", "Thibault", "Underwood", "Vasquez", "Whitcombe", "Yilmaz", "Zeller"]
_GROUPS = ["Designers", "Photographers", "Conservators", "Account managers"]
_ACTIVITIES = [("Design", "DES", True), ("Photography", "PHO", True), ("Conservation", "CON", True),
               ("Meetings", None, True), ("Admin", "", True), ("Travel", "TRV", False)]
_NOTES = ["Client call", "Revisions after feedback", 'Colour-match "Irises" <sample B> & sign-off', "Prep for review",
          "Café façade photos — ✓", "Proofs checked", "Emails & scheduling", "Site visit", "Varnish tests 3/4",
          "Layout tweaks (p. 12–14)", "Kick-off notes", "Invoice queries"]

TYPE_CLIENT, TYPE_PROJECT, TYPE_PHASE, TYPE_TASK = range(4)  # positions in the job-type list


class _Ids:
    """Ids of one table: a starting number, then +1, skipping a few now and then (other accounts' rows)."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.rng, self.current = rng, start

    def next(self) -> int:
        value = self.current
        self.current += self.rng.choice((1, 1, 1, 1, 2, 3))
        return value


@dataclass
class _Draft:
    """A job before its id is known (ids follow creation order)."""

    kind: int
    parent: _Draft | None
    name: str
    code: str | None
    description: str | None
    url: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
    window: tuple[date, date]
    id: int = 0


def _stamp(rng: random.Random, day: date, earliest: int = 13, latest: int = 23) -> datetime:
    """A UTC moment (whole seconds) on ``day`` between the hours ``earliest`` and ``latest``, before "now"."""
    moment = datetime.combine(day, time(), UTC) + timedelta(seconds=rng.randrange(earliest * 3600, latest * 3600))
    return min(moment, NOW - timedelta(minutes=rng.randrange(5, 600)))


def _ascii(text: str) -> str:
    """``text`` in plain ASCII letters (for logins, e-mail addresses and codes)."""
    text = text.replace("ø", "o").replace("Ø", "O")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _job_types() -> list[JobType]:
    return [JobType(7, None, "client", "clients", False, False, True, True, True, 1),
            JobType(8, 7, "project", "projects", True, True, True, True, True, 1),
            JobType(10, 8, "phase", "phases", False, False, False, False, True, 1),
            JobType(11, 10, "task", "tasks", True, False, False, False, True, 1)]


class _Builder:
    def __init__(self, seed: int, scale: str, login: str, name: str) -> None:
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        self.rng = random.Random(seed)
        self.seed, self.scale_name, self.scale = seed, scale, SCALES[scale]
        self.login, self.name = login, name
        self.types = _job_types()
        self.drafts: list[_Draft] = []

    # --- jobs --------------------------------------------------------------------------------
    def job(self, kind: int, parent: _Draft | None, name: str, window: tuple[date, date], *, created: date,
            code: str | None = None, description: str | None = None, url: str | None = None,
            active: bool = True) -> _Draft:
        created_at = _stamp(self.rng, min(created, LAST_DAY))
        if parent is not None:
            created_at = max(created_at, parent.created_at + timedelta(minutes=self.rng.randrange(1, 90)))
        updated_at = created_at
        if not active:
            updated_at = max(created_at, _stamp(self.rng, min(window[1] + timedelta(days=self.rng.randrange(1, 30)),
                                                              LAST_DAY)))
        elif self.rng.random() < 0.2:
            updated_at = max(created_at, _stamp(self.rng, min(created + timedelta(days=self.rng.randrange(1, 200)),
                                                              LAST_DAY)))
        draft = _Draft(kind, parent, name, code, description, url, active, created_at, updated_at, window)
        self.drafts.append(draft)
        return draft

    def phases(self, project: _Draft, templates: list[tuple[str, list[str]]], always_active: bool = False) -> None:
        first, last = project.window
        span = max(1, (last - first).days)
        cuts = sorted(self.rng.sample(range(1, span), len(templates) - 1)) if span > len(templates) else []
        bounds = [first, *(first + timedelta(days=c) for c in cuts), last]
        for i, (phase_name, task_names) in enumerate(templates):
            window = (bounds[min(i, len(bounds) - 2)], bounds[min(i + 1, len(bounds) - 1)])
            active = always_active or self.rng.random() > 0.03
            phase = self.job(TYPE_PHASE, project, phase_name, window, created=project.created_at.date(),
                             description=self.rng.choice([None, "", f"{phase_name} for {project.name}"]), active=active)
            count = len(task_names) if always_active else self.rng.randint(2, min(4, len(task_names)))
            for task_name in task_names[:count]:
                task_active = always_active or self.rng.random() > 0.08
                self.job(TYPE_TASK, phase, task_name, window, created=max(project.created_at.date(), window[0] - timedelta(days=3)),
                         code=self.rng.choice([None, None, None, ""]), active=task_active,
                         description=self.rng.choice([None, None, "", "Remove gum from corner of painting.",
                                                      "Check <frame> depth & \"hanging\" wire"]))

    def tree(self) -> tuple[_Draft, list[_Draft]]:
        """The internal client and the client jobs (with every descendant in ``self.drafts``)."""
        rng = self.rng
        far = NOW.date() + timedelta(days=3650)
        internal = self.job(TYPE_CLIENT, None, "Lantern & Loom (internal)", (date(2023, 1, 1), far),
                            created=date(2023, 1, 9), code="LLS", description="The studio's own time")
        overhead = self.job(TYPE_PROJECT, internal, "General overhead", internal.window, created=date(2023, 1, 9),
                            code="LLS-OH", description="")
        self.phases(overhead, _INTERNAL, always_active=True)
        forced = ["Smith & Sons Framers", "O'Neill Antiques", "Café Lumière Gallery"]
        names = forced + rng.sample([n for n in (f"{p} {k}" for p in _PREFIXES for k in _KINDS) if n not in forced],
                                    self.scale.clients - len(forced))
        clients: list[_Draft] = []
        codes: set[str] = set()
        for index, client_name in enumerate(names):
            code = "".join(w[0] for w in _ascii(client_name).replace("&", "").replace("'", "").split()).upper()[:4]
            while code in codes:
                code += str(rng.randrange(10))
            codes.add(code)
            retired = index == len(names) - 1 and len(names) >= 3  # the inactive client
            projects = rng.randint(2, 4)
            starts = sorted(NOW.date() - timedelta(days=rng.randint(200 if retired else 20, 480)) for _ in range(projects))
            created = starts[0] - timedelta(days=rng.randint(5, 60))
            client = self.job(TYPE_CLIENT, None, client_name, (created, far), created=created, code=code,
                              description=rng.choice([None, "", f"{client_name}, since {created.year}"]),
                              active=not retired)
            clients.append(client)
            used: set[str] = set()
            for start in starts:
                kind = rng.choice(_PROJECTS)
                project_name = f"{kind} {start.year}"
                while project_name in used:
                    project_name += " (2)"
                used.add(project_name)
                end = start + timedelta(days=rng.randint(45, 300))
                if retired:
                    end = min(end, NOW.date() - timedelta(days=rng.randint(60, 120)))
                finished = end < NOW.date() - timedelta(days=30)
                active = not (finished and rng.random() < 0.7 and not retired)
                slug = _ascii(project_name).lower().replace(" ", "-").replace(":", "")
                project = self.job(
                    TYPE_PROJECT, client, project_name, (start, end), created=start - timedelta(days=rng.randint(1, 14)),
                    code=rng.choice([f"{code}-{rng.randint(1, 99):02d}"] * 7 + [None, None, ""]),
                    description=rng.choice([None, "", f"{kind} for {client_name}", "Need to enlarge photograph"]),
                    url=rng.choice([None, None, "", f"https://intranet.example.com/projects?client={code}&p={slug}"]),
                    active=active)
                first = rng.randrange(0, 2)
                self.phases(project, _PHASES[first:first + rng.randint(2, 4 - first)])
        return internal, clients

    # --- people ------------------------------------------------------------------------------
    def users(self) -> list[User]:
        rng = self.rng
        ids = _Ids(rng, rng.randint(20, 40))
        pairs = [(f, last) for f in _FIRST for last in _LAST]
        chosen = rng.sample(pairs, self.scale.users - 1)
        people = [("Dana", "Whitlock"), *chosen]
        users: list[User] = []
        logins: set[str] = set()
        count = len(people)
        for index, (first, last) in enumerate(people):
            login = self.login if index == 0 else _ascii(f"{first}.{last}").lower()
            while login in logins:
                login += str(rng.randrange(10))
            logins.add(login)
            rights = Rights()
            if index == 0:
                rights = Rights(admin=True, billing_contact=True, user_group_manager=True, manager_for_job_type_id=7,
                                activity_manager=True, billing_rate_manager=True, view_billing_rates=True,
                                view_management_reports=True)
            elif index == 1:
                rights = Rights(manager_for_job_type_id=8, user_group_manager=True, view_management_reports=True,
                                view_billing_rates=True)
            elif index == 2:
                rights = Rights(activity_manager=True)
            joined = NOW.date() - timedelta(days=120 if index == count - 1 else rng.randint(400, 1100))
            created_at = _stamp(rng, joined)
            active = index != count - 2
            updated_at = _stamp(rng, NOW.date() - timedelta(days=150)) if not active else created_at
            zone = {3: "America/Los_Angeles", 4: "Europe/London"}.get(index, HOME_ZONE)
            initials = _ascii(first[0] + last[0]).upper()
            code = initials if index % 5 else rng.choice([None, ""])
            url = f"https://portfolio.example/~{login}?tab=work&lang=en" if index == 5 else None
            users.append(User(ids.next(), login, first, last, active, code,
                              f"{_ascii(first).lower()}.{_ascii(last).lower()}@lanternloom.example", url, zone, rights,
                              created_at, max(updated_at, created_at)))
        return users

    def groups(self, users: list[User]) -> list[UserGroup]:
        rng = self.rng
        ids = _Ids(rng, rng.randint(3, 9))
        names = _GROUPS + [f"Studio {chr(ord('A') + i)}" for i in range(max(0, len(users) // 10 - 1))]
        members: dict[str, list[int]] = {n: [] for n in names}
        members["Account managers"] += [users[0].id, users[1].id]
        craft = [n for n in names if n != "Account managers"]
        for index, user in enumerate(users[2:]):
            members[craft[index % len(craft)]].append(user.id)
            if rng.random() < 0.25:
                members[rng.choice(names)].append(user.id)
        created = _stamp(rng, date(2023, 1, 10))
        return [UserGroup(ids.next(), n, tuple(sorted(set(members[n]))), created, created) for n in names]

    def activities(self) -> list[Activity]:
        ids = _Ids(self.rng, self.rng.randint(1, 5))
        created = _stamp(self.rng, date(2023, 1, 9))
        return [Activity(ids.next(), n, active, code, None if n != "Travel" else "Mileage & fares", None, created,
                         created if active else _stamp(self.rng, date(2025, 6, 2)))
                for n, code, active in _ACTIVITIES]

    # --- assignments -------------------------------------------------------------------------
    def assignments(self, internal: _Draft, clients: list[_Draft], users: list[User],
                    groups: list[UserGroup]) -> list[Assignment]:
        rng = self.rng
        by_name = {g.name: g.id for g in groups}
        plan: list[tuple[datetime, tuple[str, int | None], int | None]] = []

        def assign(job: _Draft | None, who: tuple[str, int | None], when: datetime | None = None) -> None:
            moment = when or (job.created_at + timedelta(minutes=rng.randrange(2, 240)) if job else NOW)
            plan.append((min(moment, NOW - timedelta(minutes=1)), who, job.id if job else None))

        def pick() -> tuple[str, int | None]:
            if rng.random() < 0.5:
                return ("group", rng.choice(groups).id)
            return ("user", rng.choice(users[1:]).id)

        children: dict[int, list[_Draft]] = {id(d): [] for d in self.drafts}
        for d in self.drafts:
            if d.parent is not None:
                children[id(d.parent)].append(d)
        owner = users[0].id
        assign(internal, ("all", None))
        development = next(d for d in self.drafts if d.name == "Business development")
        assign(development, ("group", by_name["Account managers"]))
        assign(None, ("user", users[1].id), _stamp(rng, date(2024, 2, 5)))
        for index, client in enumerate(clients):
            projects = children[id(client)]
            if index == 0:  # the owner and the designers on the client; its second project overrides them
                assign(client, ("group", by_name["Designers"]))
                assign(client, ("user", owner))
                overriding = projects[1]
                assign(overriding, ("user", users[min(5, len(users) - 1)].id))
                assign(overriding, ("group", by_name["Photographers"]))
                phase = children[id(overriding)][0]
                assign(children[id(phase)][0], ("none", None))
                continue
            if index == 1:  # no client-level assignments; one task deep inside assigned to the owner alone
                assign(projects[0], ("group", by_name["Conservators"]))
                phase = children[id(projects[1])][0]
                assign(children[id(phase)][0], ("user", owner))
                continue
            has_own = rng.random() < 0.65
            if has_own:
                for _ in range(rng.randint(1, 2)):
                    assign(client, pick())
            for project in projects:
                if rng.random() < (0.25 if has_own else 0.8):
                    for _ in range(rng.randint(1, 3)):
                        assign(project, pick())
                for phase in children[id(project)]:
                    if rng.random() < 0.1:
                        assign(phase, pick())
                    for task in children[id(phase)]:
                        if rng.random() < 0.07:
                            assign(task, ("none", None) if rng.random() < 0.15 else pick())
        plan.sort(key=lambda p: p[0])
        ids = _Ids(rng, rng.randint(100, 140))
        made: list[Assignment] = []
        seen: set[tuple[tuple[str, int | None], int | None]] = set()
        for moment, who, job_id in plan:
            if (who, job_id) in seen:
                continue
            seen.add((who, job_id))
            kind, ref = who
            everyone: Literal["all", "none"] | None = "all" if kind == "all" else "none" if kind == "none" else None
            made.append(Assignment(ids.next(), everyone, ref if kind == "user" else None,
                                   ref if kind == "group" else None, job_id, moment, moment))
        return made

    # --- time entries ------------------------------------------------------------------------
    def time_entries(self, draft: Account, windows: dict[int, tuple[date, date]],
                     activities: list[Activity]) -> list[TimeEntry]:
        rng = self.rng
        assigned = draft.assigned_users()
        types = draft.job_types_by_id
        timed = [j for j in draft.ordered_jobs() if types[j.job_type_id].allow_time_entries]
        internal_ids = {j.id for j in timed if windows[j.id][1] > NOW.date() + timedelta(days=365)}
        live_activities = [a.id for a in activities if a.active]
        rows: list[tuple[datetime, int, int, tuple[object, ...]]] = []
        for user in draft.users:
            zone = ZoneInfo(user.time_zone)
            mine = [j for j in timed if user.id in assigned[j.id]]
            inside = [j for j in mine if j.id not in internal_ids]
            overhead = [j for j in mine if j.id in internal_ids] or mine
            first = max(YEAR_START, user.created_at.date() + timedelta(days=1))
            last = LAST_DAY if user.active else user.updated_at.date() - timedelta(days=1)
            day, sequence = first, 0
            focus: list[Job] = []
            while day <= last:
                if day.weekday() == 0 or not focus:
                    open_jobs = [j for j in inside if windows[j.id][0] <= day + timedelta(days=6)
                                 and windows[j.id][1] >= day]
                    focus = rng.sample(open_jobs, min(len(open_jobs), rng.randint(2, 3)))
                weekend = day.weekday() >= 5
                if (weekend and rng.random() > 0.02) or (not weekend and rng.random() < 0.06) or not overhead:
                    day += timedelta(days=1)
                    continue
                today = [j for j in focus if windows[j.id][0] <= day <= windows[j.id][1]]
                clock = datetime.combine(day, time(8)) + timedelta(minutes=rng.choice((0, 15, 30, 45, 60, 90, 105))
                                                                   + (rng.randrange(1, 14) if rng.random() < 0.2 else 0))
                budget = 120 if weekend else rng.randint(360, 510)
                blocks = 1 if weekend else rng.randint(1, 4)
                for block in range(blocks):
                    minutes = budget // blocks + rng.choice((-30, -15, 0, 0, 15, 30))
                    job = rng.choice(today) if today and rng.random() > 0.2 else rng.choice(overhead)
                    sequence += 1
                    rows.append(self._entry(zone, user, job, clock, minutes, rng.random() < 0.15, sequence,
                                            live_activities))
                    clock += timedelta(minutes=minutes + (rng.choice((0, 0, 5, 15, 45)) if block else 0))
                if not weekend and rng.random() < 0.006:  # a late session that runs past midnight
                    late = datetime.combine(day, time(22, 30))
                    sequence += 1
                    rows.append(self._entry(zone, user, rng.choice(overhead if not today else today), late,
                                            rng.randint(90, 150), False, sequence, live_activities))
                day += timedelta(days=1)
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        ids = _Ids(rng, rng.randint(3000, 4000))
        return [TimeEntry(ids.next(), *fields) for _, _, _, fields in rows]  # type: ignore[arg-type]

    def _entry(self, zone: ZoneInfo, user: User, job: Job, start: datetime, minutes: int, duration_only: bool,
               sequence: int, activities: list[int]) -> tuple[datetime, int, int, tuple[object, ...]]:
        """One entry's sort key (its start in UTC, user, sequence) and its fields after the id."""
        rng = self.rng
        begin = start.replace(tzinfo=zone)
        end = (begin.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
        minutes = int((end - begin).total_seconds() // 60)
        created_at = min(end.astimezone(UTC) + timedelta(seconds=rng.randrange(60, 4 * 3600)),
                         NOW - timedelta(seconds=rng.randrange(60, 3600)))
        created_at = created_at.replace(microsecond=0)
        updated_at = created_at + timedelta(days=rng.randint(1, 6), seconds=rng.randrange(3600)) \
            if rng.random() < 0.1 else created_at
        fields = (user.id, job.id, rng.choice(activities) if rng.random() < 0.8 else None,
                  None if duration_only else begin, None if duration_only else end,
                  begin.date() if duration_only else None, minutes, rng.choice([*_NOTES, None, ""]), created_at,
                  min(updated_at, NOW))
        return begin.astimezone(UTC), user.id, sequence, fields

    # --- the whole account -------------------------------------------------------------------
    def build(self) -> Account:
        internal, clients = self.tree()
        job_ids = _Ids(self.rng, self.rng.randint(80, 95))
        for made in sorted(self.drafts, key=lambda d: d.created_at):  # stable: a parent before its children
            made.id = job_ids.next()
        kinds = [t.id for t in self.types]
        jobs = {d.id: Job(d.id, kinds[d.kind], d.parent.id if d.parent else None, d.name, d.code, d.description,
                          d.url, d.active, d.created_at, d.updated_at) for d in sorted(self.drafts, key=lambda d: d.id)}
        windows = {d.id: d.window for d in self.drafts}
        users = self.users()
        groups = self.groups(users)
        activities = self.activities()
        assignments = self.assignments(internal, clients, users, groups)
        draft = Account(self.seed, self.scale_name, self.name, STUDIO, NOW, self.types, jobs, users, groups,
                        assignments, activities, [])
        return replace(draft, time_entries=self.time_entries(draft, windows, activities))


def build_account(seed: int = 0, scale: str = "small", *, login: str = DEMO_USER, name: str = "demo") -> Account:
    """The synthetic account for ``seed`` and ``scale`` (``small``, ``medium`` or ``large``).

    Args:
        seed: Seed of every random choice (the same seed gives the same account).
        scale: The account's size.
        login: The owner's user name (the login the emulator accepts for the owner).
        name: The account's subdomain.

    Raises:
        ValueError: ``scale`` is not one of ``SCALES``.
    """
    return _Builder(seed, scale, login, name).build()
