"""A strict Syncd server: what ``shared/source-docs/syncd-jobs.txt`` says about jobs, and nothing more.

``StrictSyncd`` is a WSGI app (wrap it in ``strict.StrictServer`` to record requests, serve it with
``strict.serve``) over a small fixed account built around the document's own examples (jobs 88,
90, 92, 93 and 95; job types 7, 8 and 9):

- **HTTP Basic** with a user's login; anything else is 401 with a ``Basic`` challenge.
- **Show** ``GET /jobs/{id}.xml``: the sample's fields in its order (``<code/>`` for no code, a
  top-level job's ``<parent-id type="integer" nil="true"/>`` as in the list sample);
  ``include=job_ancestors`` nests ``<parent>`` (recursively) in place of ``<parent-id>``;
  ``include=timestamps`` adds ``created-at``/``updated-at`` (``include`` is a comma list: §C.3).
- **Lists**: the document's twelve paths; the root is ``<jobs type="array">`` and nothing else
  (no ``total``, ``start`` or ``end``: the document shows none); ``start``/``end`` select exactly
  the items asked for, both ends included, however many (no cap); without them, all jobs.
  ``for=time``/``for=expenses`` keep the jobs whose type allows time/expense entries, add
  ``allow-time-entries``/``allow-expense-entries`` (the job type's value), and always include
  ancestors; the ``my_…`` lists add ``assigned`` (true for jobs assigned to the user and their
  descendants, false for the ancestors that come along). ``active``/``inactive`` are read as the
  words say: the job's own ``active`` flag (the emulator reads them as *effectively* active; the
  client must do right by both). Lists are in id order.
- **Who**: managers of the root job type list every job; other users their assigned jobs (and
  their descendants), with the ancestors, and see no other job (404). A manager of a job type
  manages it and every level beneath; writes by anyone else are 403.
- **Create** ``POST /jobs.xml``: ``<job>`` with name (required, unique for parent-id, at most 50),
  parent-id (optional), active (optional boolean, default true), code (at most 50), description
  and url (at most 255); the type is inferred from the parent; 201 with the sample's fields. A new
  job inherits its parent's assignments (it is assigned to whoever the parent is).
- **Update** ``PUT /jobs/{id}.xml``: ANY of name, active, code, description, url (the same
  limits); 200 with no body.
- **Delete** ``DELETE /jobs/{id}.xml``: 200 with no body; a job with time or expense entries (or
  with descendants that have them) is refused, and nothing is deleted.

The document gives no error bodies: refusals are §C.10's inferred Rails form, ``<errors><error>
…</error></errors>``, with 422 for a failed validation. ``/job_types.xml`` is served too (the
fields of the Job Types page, §C.4; the same bare ``type="array"`` root and item ranges), because
the client names each job's type from it. ``maintenance`` (a media type) makes every answer a
maintenance page served as that type.
"""

from __future__ import annotations

import base64
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

__all__ = ["MAINTENANCE_PAGE", "StrictJob", "StrictSyncd", "StrictUser"]

MAINTENANCE_PAGE = (b"<html><head><title>Down for maintenance</title></head>"
                    b"<body><h1>Syncd is down for maintenance</h1><p>Back soon.</p></body></html>")
STAMP = datetime(2010, 2, 21, 18, 18, 11, tzinfo=UTC)  # the document's created-at
_LIMITS = {"name": 50, "code": 50, "description": 255, "url": 255}
_SCOPES = {"": ("all", False), "active": ("active", False), "inactive": ("inactive", False),
           "my_assignments": ("all", True), "my_active_assignments": ("active", True),
           "my_inactive_assignments": ("inactive", True)}
_LIST = re.compile(r"/jobs(?:/(?P<parent>\d{1,9}|root)/children)?(?:/(?P<scope>[a-z_]+))?\.xml")
_ONE = re.compile(r"/jobs/(?P<id>\d{1,9})\.xml")


@dataclass(frozen=True)
class StrictType:
    """A job type (the Job Types page's fields that matter here)."""

    id: int
    parent_id: int | None
    name: str
    name_plural: str
    allow_time_entries: bool
    allow_expense_entries: bool


@dataclass
class StrictJob:
    """A job, as the document's fields hold it (``None`` for no code, description or url)."""

    id: int
    job_type_id: int
    parent_id: int | None
    name: str
    code: str | None = None
    description: str | None = None
    url: str | None = None
    active: bool = True


@dataclass(frozen=True)
class StrictUser:
    """A login: who may do what (``manager_for`` a job type id, or ``None``) and which jobs are assigned to them."""

    name: str
    password: str
    manager_for: int | None
    assigned: frozenset[int] = frozenset()


TYPES = [StrictType(7, None, "Client", "Clients", False, False),
         StrictType(8, 7, "Project", "Projects", True, True),
         StrictType(9, 8, "Task", "Tasks", True, False)]
"""Client → Project → Task (the document's 7, 8 and the 9 of its create example)."""


def _account() -> dict[int, StrictJob]:
    """The document's jobs (88 → 90 "UFO #7856", 88 → 95, 92 "Artworks" → 93 "General overhead"),
    then three clients of four projects of ten tasks: 140 jobs, more than any page size."""
    jobs = [StrictJob(88, 7, None, "UFO Investigations"),
            StrictJob(90, 8, 88, "UFO #7856", description="Need to enlarge photograph to look for wires"),
            StrictJob(92, 7, None, "Artworks"), StrictJob(93, 8, 92, "General overhead"),
            StrictJob(95, 8, 88, "Interviews", code="INT", url="www.test.com")]
    next_id = 100
    for client in range(3):
        client_id = next_id
        jobs.append(StrictJob(client_id, 7, None, f"Client {client} & Sons", active=client != 2))
        next_id += 1
        for project in range(4):
            project_id = next_id
            jobs.append(StrictJob(project_id, 8, client_id, f"Project {client}.{project}", active=project != 3))
            next_id += 1
            for task in range(10):
                jobs.append(StrictJob(next_id, 9, project_id, f"Task {task}", code=f"T{task}" if task % 2 else None,
                                      active=task != 9))
                next_id += 1
    return {job.id: job for job in jobs}


def _users() -> dict[str, StrictUser]:
    return {user.name: user for user in (
        StrictUser("manager", "manager-pw-1", 7),  # manages the root type: every job
        StrictUser("lead", "lead-pw-2", 8, frozenset({88})),  # manages projects and tasks; assigned to a client
        StrictUser("worker", "worker-pw-3", None, frozenset({93, 102})),  # no manager: assigned jobs only
    )}


@dataclass
class StrictSyncd:
    """The strict server's WSGI app (see the module).

    Attributes:
        jobs: The account's jobs by id (writes change them).
        users: Logins by name.
        with_entries: Ids of jobs associated with time or expense entries (they cannot be deleted).
        maintenance: A media type: every request is answered with ``MAINTENANCE_PAGE`` served as it.
    """

    jobs: dict[int, StrictJob] = field(default_factory=_account)
    users: dict[str, StrictUser] = field(default_factory=_users)
    with_entries: set[int] = field(default_factory=lambda: {90, 103})
    maintenance: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- the account's rules --------------------------------------------------------------------
    @property
    def types(self) -> dict[int, StrictType]:
        return {t.id: t for t in TYPES}

    def ancestors(self, job: StrictJob) -> list[StrictJob]:
        chain: list[StrictJob] = []
        while job.parent_id is not None:
            job = self.jobs[job.parent_id]
            chain.append(job)
        return chain

    def descendants(self, job_id: int) -> set[int]:
        below: set[int] = set()
        for candidate in sorted(self.jobs):  # a parent's id is smaller than its children's
            parent = self.jobs[candidate].parent_id
            if parent == job_id or parent in below:
                below.add(candidate)
        return below

    def effectively_active(self, job: StrictJob) -> bool:
        return job.active and all(a.active for a in self.ancestors(job))

    def assigned(self, user: StrictUser) -> set[int]:
        """The jobs assigned to ``user``: those assigned directly and their descendants."""
        return set().union(*({i} | self.descendants(i) for i in user.assigned if i in self.jobs))

    def with_ancestors(self, ids: Iterable[int]) -> set[int]:
        return {a.id for i in ids for a in [self.jobs[i], *self.ancestors(self.jobs[i])]}

    def visible(self, user: StrictUser) -> set[int]:
        if user.manager_for == TYPES[0].id:
            return set(self.jobs)
        return self.with_ancestors(self.assigned(user))

    def _depth(self, type_id: int) -> int:
        return next(i for i, t in enumerate(TYPES) if t.id == type_id)

    def manages(self, user: StrictUser, type_id: int) -> bool:
        return user.manager_for is not None and self._depth(type_id) >= self._depth(user.manager_for)

    # --- WSGI -----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        if self.maintenance is not None:
            return Response(MAINTENANCE_PAGE, 200, content_type=self.maintenance)
        user = self._login(request.headers.get("Authorization", ""))
        if user is None:
            return _errors(401, "HTTP Basic: Access denied.", headers={"WWW-Authenticate": 'Basic realm="Syncd"'})
        with self.lock:
            return self._route(request, user)

    def _login(self, header: str) -> StrictUser | None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            name, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        user = self.users.get(name)
        return user if user is not None and user.password == password else None

    def _route(self, request: Request, user: StrictUser) -> Response:
        path, method = request.path, request.method
        if path == "/job_types.xml" and method == "GET":
            return _xml(_ranged(request, "job-types", [_type_element(t) for t in TYPES]))
        if path == "/jobs.xml" and method == "POST":
            return self._create(request, user)
        one = _ONE.fullmatch(path)
        if one:
            job = self.jobs.get(int(one["id"]))
            if job is None or job.id not in self.visible(user):
                return _errors(404, f"Couldn't find Job with ID={one['id']}")
            if method == "GET":
                return self._show(request, job)
            if method == "PUT":
                return self._update(request, user, job)
            if method == "DELETE":
                return self._delete(user, job)
            return _errors(405, f"{method} is not allowed here")
        listed = _LIST.fullmatch(path)
        if listed and method == "GET" and (listed["scope"] or "") in _SCOPES:
            return self._list(request, user, listed["parent"], listed["scope"] or "")
        return _errors(404, f"No route matches {path}")

    # --- reads ----------------------------------------------------------------------------------
    def _element(self, job: StrictJob, *, ancestors: bool = False, timestamps: bool = False,
                 tag: str = "job") -> ET.Element:
        element = ET.Element(tag)
        _typed(element, "id", job.id)
        _typed(element, "job-type-id", job.job_type_id)
        if ancestors and job.parent_id is not None:
            element.append(self._element(self.jobs[job.parent_id], ancestors=True, tag="parent"))
        else:
            _typed(element, "parent-id", job.parent_id)
        for name in ("name", "code", "description", "url"):
            ET.SubElement(element, name).text = getattr(job, name)
        _typed(element, "active", job.active)
        _typed(element, "effectively-active", self.effectively_active(job))
        if timestamps:
            for name in ("created-at", "updated-at"):
                ET.SubElement(element, name, {"type": "datetime"}).text = STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
        return element

    def _show(self, request: Request, job: StrictJob) -> Response:
        includes = {n.strip() for n in request.args.get("include", "").split(",")}
        return _xml(self._element(job, ancestors="job_ancestors" in includes, timestamps="timestamps" in includes))

    def _list(self, request: Request, user: StrictUser, parent: str | None, scope_name: str) -> Response:
        scope, mine = _SCOPES[scope_name]
        purpose = request.args.get("for")
        if purpose not in (None, "time", "expenses"):
            return _errors(422, "for must be time or expenses")
        if parent not in (None, "root") and (int(parent) not in self.jobs or int(parent) not in self.visible(user)):
            return _errors(404, f"Couldn't find Job with ID={parent}")
        assigned = self.assigned(user)
        matched = []
        for job_id in self.visible(user):
            job, kind = self.jobs[job_id], self.types[self.jobs[job_id].job_type_id]
            if (scope == "active" and not job.active) or (scope == "inactive" and job.active) or \
                    (mine and job_id not in assigned) or (purpose == "time" and not kind.allow_time_entries) or \
                    (purpose == "expenses" and not kind.allow_expense_entries):
                continue
            matched.append(job_id)
        chosen = sorted(self.with_ancestors(matched))  # "ancestor jobs will always be included"
        if parent is not None:
            wanted = None if parent == "root" else int(parent)
            chosen = [i for i in chosen if self.jobs[i].parent_id == wanted]
        items = []
        for job_id in chosen:
            element, kind = self._element(self.jobs[job_id]), self.types[self.jobs[job_id].job_type_id]
            if purpose == "time":
                _typed(element, "allow-time-entries", kind.allow_time_entries)
            if purpose == "expenses":
                _typed(element, "allow-expense-entries", kind.allow_expense_entries)
            if mine:
                _typed(element, "assigned", job_id in assigned)
            items.append(element)
        return _xml(_ranged(request, "jobs", items))

    # --- writes ---------------------------------------------------------------------------------
    def _create(self, request: Request, user: StrictUser) -> Response:
        fields = _job_fields(request)
        if isinstance(fields, Response):
            return fields
        parent_id: int | None = None
        raw_parent = fields.get("parent-id")
        if raw_parent is not None:
            if not raw_parent.strip().isdigit() or int(raw_parent) not in self.jobs:
                return _errors(422, "Parent does not exist")
            parent_id = int(raw_parent)
        parent_type = self.jobs[parent_id].job_type_id if parent_id is not None else None
        kind = next((t for t in TYPES if t.parent_id == parent_type), None)  # "inferred from its parent-id"
        if kind is None:
            return _errors(422, "Parent can not have children")
        if not self.manages(user, kind.id) or (parent_id is not None and parent_id not in self.visible(user)):
            return _errors(403, "You are not a manager of this job type")
        problems = self._problems(fields, parent_id, None, creating=True)
        if problems:
            return _errors(422, *problems)
        active = _boolean(fields["active"]) if fields.get("active") is not None else True
        if active is None:
            return _errors(422, "Active must be true or false")
        job = StrictJob(max(self.jobs) + 1, kind.id, parent_id, fields["name"] or "", fields.get("code"),
                        fields.get("description"), fields.get("url"), active)
        self.jobs[job.id] = job
        return _xml(self._element(job), 201)

    def _update(self, request: Request, user: StrictUser, job: StrictJob) -> Response:
        if not self.manages(user, job.job_type_id):
            return _errors(403, "You are not a manager of this job type")
        fields = _job_fields(request)
        if isinstance(fields, Response):
            return fields
        problems = self._problems(fields, job.parent_id, job.id, creating=False)
        active = _boolean(fields["active"]) if "active" in fields else job.active
        if active is None:
            problems.append("Active must be true or false")
        if problems:
            return _errors(422, *problems)
        for name in ("name", "code", "description", "url"):
            if name in fields:
                setattr(job, name, fields[name])
        job.active = active
        return Response(b"", 200, content_type="application/xml")

    def _delete(self, user: StrictUser, job: StrictJob) -> Response:
        if not self.manages(user, job.job_type_id):
            return _errors(403, "You are not a manager of this job type")
        doomed = {job.id} | self.descendants(job.id)
        if doomed & self.with_entries:
            return _errors(422, "Jobs associated with time or expense entries can not be deleted. Instead, "
                                "deactivate them (update the job, setting active to false).")
        for job_id in doomed:
            del self.jobs[job_id]
        return Response(b"", 200, content_type="application/xml")

    def _problems(self, fields: dict[str, str | None], parent_id: int | None, job_id: int | None, *,
                  creating: bool) -> list[str]:
        problems: list[str] = []
        if creating or "name" in fields:
            name = fields.get("name")
            if name is None or not name.strip():
                problems.append("Name can't be blank")
            elif any(j.name == name and j.parent_id == parent_id and j.id != job_id for j in self.jobs.values()):
                problems.append("Name has already been taken")  # "unique for parent-id"
        for name, limit in _LIMITS.items():
            value = fields.get(name)
            if value is not None and len(value) > limit:
                problems.append(f"{name.capitalize()} is too long (maximum is {limit} characters)")
        return problems


# --- XML -------------------------------------------------------------------------------------------
def _typed(parent: ET.Element, name: str, value: int | bool | None) -> None:
    if value is None:
        ET.SubElement(parent, name, {"type": "integer", "nil": "true"})
    elif isinstance(value, bool):
        ET.SubElement(parent, name, {"type": "boolean"}).text = "true" if value else "false"
    else:
        ET.SubElement(parent, name, {"type": "integer"}).text = str(value)


def _type_element(kind: StrictType) -> ET.Element:
    element = ET.Element("job-type")
    _typed(element, "id", kind.id)
    _typed(element, "parent-id", kind.parent_id)
    ET.SubElement(element, "name").text = kind.name
    ET.SubElement(element, "name-plural").text = kind.name_plural
    _typed(element, "allow-time-entries", kind.allow_time_entries)
    _typed(element, "allow-expense-entries", kind.allow_expense_entries)
    return element


def _ranged(request: Request, tag: str, items: list[ET.Element]) -> ET.Element:
    """``<tag type="array">`` around the items ``start``/``end`` select (1-based, both included; all without them)."""
    start, end = request.args.get("start"), request.args.get("end")
    first = int(start) if start and start.isdigit() else 1
    last = int(end) if end and end.isdigit() else len(items)
    root = ET.Element(tag, {"type": "array"})
    root.extend(items[max(first, 1) - 1:max(last, 0)])
    return root


def _xml(root: ET.Element, status: int = 200) -> Response:
    body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return Response(body, status, content_type="application/xml; charset=utf-8")


def _errors(status: int, *messages: str, headers: dict[str, str] | None = None) -> Response:
    root = ET.Element("errors")
    for message in messages:
        ET.SubElement(root, "error").text = message
    response = _xml(root, status)
    response.headers.update(headers or {})
    return response


def _boolean(text: str | None) -> bool | None:
    value = (text or "").strip().lower()
    return True if value in ("true", "1") else False if value in ("false", "0") else None


def _job_fields(request: Request) -> dict[str, str | None] | Response:
    """The ``<job>`` body's fields by their dashed names (an empty or ``nil="true"`` element is ``None``, as
    Rails reads it)."""
    try:
        root = ET.fromstring(request.get_data())
    except ET.ParseError as exc:
        return _errors(400, f"The body is not well-formed XML ({exc})")
    if root.tag != "job":
        return _errors(422, f"Expected a <job> element, not <{root.tag}>")
    return {child.tag: None if child.get("nil") == "true" or not child.text else child.text for child in root}
