"""The Syncd emulator's WSGI application: ``https://{account}.syncd.com`` over a synthetic account.

The pipeline, in order: a path the API does not have is 404; a method the path does not take is
405 (with ``Allow``); missing or wrong HTTP Basic credentials are 401 (with a ``Basic`` challenge);
a path without ``.xml`` is 406; then injected faults; then the answer. Errors are Rails' XML
``<errors><error>…</error></errors>``: 403 (not allowed to this user), 404 (no such record, or
one the user may not see), 422 (a query value or a job write that fails validation), 400/413 (a
body that is not XML or is too big). The answer is never a traceback.
"""

from __future__ import annotations

import hmac
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from xml.parsers import expat

from werkzeug.wrappers import Request, Response

from ...emulation.auth import basic_credentials
from ...emulation.faults import Faults
from ...emulation.log import RequestLog
from ...emulation.wsgi import EmulatorApp
from .account import Account, Assignment, TimeEntry, User
from .jobs import (
    JobList,
    Scope,
    WriteError,
    create_job,
    delete_job,
    read_job_fields,
    select_jobs,
    update_job,
    visible_jobs,
)
from .query import QueryError, parse_date, parse_id, parse_includes, parse_purpose, parse_range
from .wire import (
    activity_element,
    assignment_element,
    errors_response,
    job_element,
    job_type_element,
    list_element,
    time_entry_element,
    user_element,
    user_group_element,
    xml_response,
)

__all__ = ["MAX_BODY", "REALM", "SyncdApp"]

REALM = "Syncd"
MAX_BODY = 64 * 1024
"""The largest request body read (bytes); a bigger one is 413."""

MSG_UNAUTHORIZED = "HTTP Basic: Access denied."
MSG_SERVER_ERROR = "We're sorry, but something went wrong."
MSG_UNAVAILABLE = "The service is temporarily unavailable. Please try again later."

_JOB_SCOPES: dict[str, tuple[Scope, bool]] = {"active": ("active", False), "inactive": ("inactive", False), "my_assignments": ("all", True),
               "my_active_assignments": ("active", True), "my_inactive_assignments": ("inactive", True)}
_SCOPE = "|".join(_JOB_SCOPES)
_GET = ("GET", "HEAD")
_ROUTES: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(pattern + r"(?:\.(?P<fmt>[A-Za-z0-9_]+))?"), endpoint, methods)
    for pattern, endpoint, methods in [
        (rf"/jobs(?:/(?P<scope>{_SCOPE}))?", "jobs", (*_GET, "POST")),
        (rf"/jobs/(?P<id>[0-9]{{1,18}}|root)/children(?:/(?P<scope>{_SCOPE}))?", "children", _GET),
        (r"/jobs/(?P<id>[0-9]{1,18})", "job", (*_GET, "PUT", "DELETE")),
        (r"/jobs/(?P<id>[0-9]{1,18})/job_assignments", "job_assignments_of_job", _GET),
        (r"/job_types", "job_types", _GET),
        (r"/job_types/(?P<id>[0-9]{1,18})", "job_type", _GET),
        (r"/job_assignments(?:/(?P<scope>my_assignments))?", "job_assignments", _GET),
        (r"/job_assignments/(?P<id>[0-9]{1,18})", "job_assignment", _GET),
        (r"/users(?:/(?P<scope>active|inactive))?", "users", _GET),
        (r"/users/(?P<id>[0-9]{1,18})", "user", _GET),
        (r"/users/(?P<id>[0-9]{1,18})/job_assignments", "job_assignments_of_user", _GET),
        (r"/user_groups", "user_groups", _GET),
        (r"/user_groups/(?P<id>[0-9]{1,18})", "user_group", _GET),
        (r"/activities(?:/(?P<scope>active|inactive))?", "activities", _GET),
        (r"/activities/(?P<id>[0-9]{1,18})", "activity", _GET),
        (r"/time_entries", "time_entries", _GET),
        (r"/time_entries/(?P<id>[0-9]{1,18})", "time_entry", _GET),
        (r"/info/user", "info_user", _GET),
        (r"/info/account", "info_account", _GET),
    ]
]
_ASSIGNMENT_INCLUDES = ("users", "user_groups", "jobs", "timestamps")
_ENTRY_INCLUDES = ("users", "activities", "jobs", "job_ancestors", "billing")
_ACCOUNT_INCLUDES = ("all", "billing_settings", "time_settings", "expense_settings", "user_settings", "currencies",
                     "job_types")

Args = Mapping[str, Sequence[str]]
T = TypeVar("T")


class _NotFound(LookupError):
    """No such record, or one the user may not see (answered 404)."""


class _Forbidden(PermissionError):
    """Something the user's rights do not allow (answered 403)."""


class _BadBody(ValueError):
    """A request body that cannot be read as XML (answered 400, or 413 when too big)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _match(path: str) -> tuple[str, tuple[str, ...], dict[str, str | None]] | None:
    for pattern, endpoint, methods in _ROUTES:
        found = pattern.fullmatch(path)
        if found:
            return endpoint, methods, found.groupdict()
    return None


def _is_job_manager(user: User) -> bool:
    """Job managers (of any level) and administrators see every job assignment."""
    return user.rights.admin or user.rights.manager_for_job_type_id is not None


def _sees_users(user: User) -> bool:
    """Administrators, job managers and activity managers see other users."""
    return _is_job_manager(user) or user.rights.activity_manager


class SyncdApp(EmulatorApp):
    """A WSGI app that answers like Syncd's XML API over ``account``.

    Args:
        account: The records served (jobs can be created, updated and deleted).
        logins: User name → password of the users who may log in (inactive users are refused).
        page_size: The most items a list answers at once (``start``/``end`` select further ones; a job
            list without a range answers every job).
        clock: Unix seconds, for the timestamps of job writes.
        faults: Faults to inject.
        log: Where requests are logged (never credentials).
    """

    def __init__(self, account: Account, *, logins: Mapping[str, str], page_size: int = 100,
                 clock: Callable[[], float], faults: Faults | None = None, log: RequestLog | None = None) -> None:
        super().__init__(faults=faults if faults is not None else Faults(), log=log if log is not None else RequestLog())
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.account = account
        self.logins = dict(logins)
        self.page_size = page_size
        self.clock = clock

    def _server_error(self) -> Response:
        return errors_response(500, MSG_SERVER_ERROR)

    def _secrets(self) -> Iterable[str]:
        return self.logins.values()

    # --- the pipeline -------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        matched = _match(request.path)
        if matched is None:
            return errors_response(404, f"No route matches {request.path}")
        endpoint, methods, params = matched
        if params.get("scope") and endpoint == "jobs":
            methods = _GET
        if request.method not in methods:
            return errors_response(405, f"{request.method} is not allowed here",
                                   headers={"Allow": ", ".join(methods)})
        user = self._login(request.headers.get("Authorization"))
        if user is None:
            return errors_response(401, MSG_UNAUTHORIZED, headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
        if params.get("fmt") != "xml":
            return errors_response(406, "Only XML is served: end the path with .xml")
        faulty = self.faults.applies_to(request.path)
        fault = self._fault_before(faulty)
        if fault is not None and fault.kind != "pass":
            if fault.kind == "rate_limit":
                return errors_response(429, "Too many requests")
            return errors_response(fault.status, MSG_UNAVAILABLE if fault.status == 503 else MSG_SERVER_ERROR)
        response = self._answer(request, endpoint, params, user)
        if faulty and fault is None and response.status_code == 200 and request.method in _GET:
            response = self._spoil(response)  # only when no fault was taken: one queued fault per request
        return response

    def _login(self, authorization: str | None) -> User | None:
        sent = basic_credentials(authorization)
        if sent is None:
            return None
        login, password = sent
        expected = self.logins.get(login)
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            return None
        user = self.account.user_by_login(login)
        return user if user is not None and user.active else None

    def _answer(self, request: Request, endpoint: str, params: dict[str, str | None], user: User) -> Response:
        handler: Callable[[Request, dict[str, str | None], User], Response] = getattr(self, f"_{endpoint}")
        try:
            with self.account.lock:
                return handler(request, params, user)
        except QueryError as exc:
            return errors_response(422, str(exc))
        except WriteError as exc:
            return errors_response(422, *exc.messages)
        except _BadBody as exc:
            return errors_response(exc.status, str(exc))
        except _NotFound as exc:
            return errors_response(404, str(exc))
        except PermissionError as exc:
            return errors_response(403, str(exc) or "You are not allowed to do this")

    # --- helpers ------------------------------------------------------------------------------
    def _page(self, tag: str, records: Sequence[T], args: Args, render: Callable[[T], ET.Element], *,
              whole: bool = False) -> Response:
        """A list answer: the items ``start``/``end`` ask for (``whole``: every item when neither is given)."""
        items = parse_range(args, self.page_size, whole=whole)
        chosen: list[Any] = items.select(records)
        return xml_response(list_element(tag, (render(r) for r in chosen), total=len(records), start=items.start))

    @staticmethod
    def _args(request: Request) -> dict[str, list[str]]:
        return request.args.to_dict(flat=False)

    @staticmethod
    def _find(table: Mapping[int, T], raw: str | None, what: str) -> T:
        record = table.get(int(raw or 0))
        if record is None:
            raise _NotFound(f"Couldn't find {what} with ID={raw}")
        return record

    def _now(self) -> datetime:
        return datetime.fromtimestamp(int(self.clock()), UTC)

    def _visible_job(self, user: User, raw: str | None) -> Any:
        job = self._find(self.account.jobs, raw, "Job")
        if job.id not in visible_jobs(self.account, user):
            raise _NotFound(f"Couldn't find Job with ID={raw}")
        return job

    def _assignments_for(self, user: User, assignments: Iterable[Assignment]) -> list[Assignment]:
        """``assignments`` the user may see: all for a job manager, else those that name the user."""
        if _is_job_manager(user):
            return list(assignments)
        return [a for a in assignments if self.account.concerns(a, user.id)]

    # --- jobs ---------------------------------------------------------------------------------
    def _job_list(self, request: Request, user: User, scope_name: str | None,
                  parent: int | Literal["root"] | None) -> Response:
        args = self._args(request)
        includes = parse_includes(args, ("job_ancestors", "timestamps"))
        purpose = parse_purpose(args)
        scope, mine = _JOB_SCOPES.get(scope_name or "", ("all", False))
        query = JobList(scope, mine, purpose, parent)
        jobs, assigned = select_jobs(self.account, user, query)
        types = self.account.job_types_by_id

        def render(job: Any) -> ET.Element:
            extras: dict[str, bool] = {}
            if purpose == "time":
                extras["allow-time-entries"] = types[job.job_type_id].allow_time_entries
            if purpose == "expenses":
                extras["allow-expense-entries"] = types[job.job_type_id].allow_expense_entries
            if mine:
                extras["assigned"] = assigned[job.id]
            return job_element(self.account, job, ancestors="job_ancestors" in includes,
                               timestamps="timestamps" in includes, extras=extras)

        return self._page("jobs", jobs, args, render, whole=True)  # "All jobs: GET /jobs.xml"

    def _jobs(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        if request.method == "POST":
            job = create_job(self.account, user, read_job_fields(self._body(request)), self._now())
            location = f"{request.host_url.rstrip('/')}/jobs/{job.id}.xml"
            return xml_response(job_element(self.account, job), 201, {"Location": location})
        return self._job_list(request, user, params.get("scope"), None)

    def _children(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        parent: int | Literal["root"] = "root"
        if params["id"] != "root":
            parent = self._visible_job(user, params["id"]).id
        return self._job_list(request, user, params.get("scope"), parent)

    def _job(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        job = self._visible_job(user, params["id"])
        if request.method == "PUT":
            update_job(self.account, user, job, read_job_fields(self._body(request)), self._now())
            return Response(b"", 200, content_type="application/xml; charset=utf-8")
        if request.method == "DELETE":
            delete_job(self.account, user, job)
            return Response(b"", 200, content_type="application/xml; charset=utf-8")
        includes = parse_includes(self._args(request), ("job_ancestors", "timestamps"))
        return xml_response(job_element(self.account, job, ancestors="job_ancestors" in includes,
                                        timestamps="timestamps" in includes))

    def _body(self, request: Request) -> ET.Element:
        """The request's XML body, read safely: no DOCTYPE (hence no entities), at most ``MAX_BODY`` bytes."""
        if (request.content_length or 0) > MAX_BODY:
            raise _BadBody(f"The request body is larger than {MAX_BODY} bytes", 413)
        try:
            body = request.stream.read(MAX_BODY + 1)
        except (OSError, ValueError) as exc:
            raise _BadBody(f"The request body could not be read ({exc or type(exc).__name__})") from None
        if len(body) > MAX_BODY:
            raise _BadBody(f"The request body is larger than {MAX_BODY} bytes", 413)
        if not body.strip():
            raise _BadBody("The request body is empty: send a <job> element")
        scanner = expat.ParserCreate()

        def refuse(*_: object) -> None:
            raise _BadBody("The request body may not hold a DOCTYPE or entity declarations")

        scanner.StartDoctypeDeclHandler = refuse
        scanner.EntityDeclHandler = refuse
        try:
            scanner.Parse(body, True)
            return ET.fromstring(body)
        except (expat.ExpatError, ET.ParseError) as exc:
            raise _BadBody(f"The request body is not well-formed XML ({exc})") from None

    # --- job types and assignments -----------------------------------------------------------
    def _job_types(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        args = self._args(request)
        parse_includes(args, ())
        return self._page("job-types", self.account.job_types, args, job_type_element)

    def _job_type(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        parse_includes(self._args(request), ())
        return xml_response(job_type_element(self._find(self.account.job_types_by_id, params["id"], "JobType")))

    def _assignment_list(self, request: Request, user: User, assignments: Iterable[Assignment]) -> Response:
        args = self._args(request)
        includes = parse_includes(args, _ASSIGNMENT_INCLUDES)
        return self._page("job-assignments", self._assignments_for(user, assignments), args,
                          lambda a: assignment_element(self.account, a, includes))

    def _job_assignments(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        assignments = self.account.assignments
        if params.get("scope") == "my_assignments":
            assignments = [a for a in assignments if self.account.concerns(a, user.id)]
        return self._assignment_list(request, user, assignments)

    def _job_assignment(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        includes = parse_includes(self._args(request), _ASSIGNMENT_INCLUDES)
        assignment = self._find(self.account.assignments_by_id, params["id"], "JobAssignment")
        if not self._assignments_for(user, [assignment]):
            raise _NotFound(f"Couldn't find JobAssignment with ID={params['id']}")
        return xml_response(assignment_element(self.account, assignment, includes))

    def _job_assignments_of_job(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        job = self._visible_job(user, params["id"])
        return self._assignment_list(request, user, self.account.applicable_assignments(job.id))

    def _job_assignments_of_user(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        other = self._visible_user(user, params["id"])
        concerning = [a for a in self.account.assignments if self.account.concerns(a, other.id)]
        return self._assignment_list(request, user, concerning)

    # --- users, groups, activities ------------------------------------------------------------
    def _visible_user(self, viewer: User, raw: str | None) -> User:
        other = self._find(self.account.users_by_id, raw, "User")
        if other.id != viewer.id and not _sees_users(viewer):
            raise _NotFound(f"Couldn't find User with ID={raw}")
        return other

    def _user_includes(self, args: Args, viewer: User, offered: Collection[str] = ("rights", "timestamps")) -> \
            frozenset[str]:
        includes = parse_includes(args, offered)
        if "rights" in includes and not viewer.rights.admin:
            raise _Forbidden("include=rights is for administrators only")
        return includes

    def _users(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        args = self._args(request)
        includes = self._user_includes(args, user)
        users = self.account.users if _sees_users(user) else [user]
        scope = params.get("scope")
        if scope:
            users = [u for u in users if u.active == (scope == "active")]
        return self._page("users", users, args, lambda u: user_element(u, rights="rights" in includes,
                                                                         timestamps="timestamps" in includes))

    def _user(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        includes = self._user_includes(self._args(request), user)
        other = self._visible_user(user, params["id"])
        return xml_response(user_element(other, rights="rights" in includes, timestamps="timestamps" in includes))

    def _user_groups(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        args = self._args(request)
        stamps = "timestamps" in parse_includes(args, ("timestamps",))
        return self._page("user-groups", self.account.user_groups, args,
                          lambda g: user_group_element(g, timestamps=stamps))

    def _user_group(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        stamps = "timestamps" in parse_includes(self._args(request), ("timestamps",))
        group = self._find(self.account.user_groups_by_id, params["id"], "UserGroup")
        return xml_response(user_group_element(group, timestamps=stamps))

    def _activities(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        args = self._args(request)
        stamps = "timestamps" in parse_includes(args, ("timestamps",))
        activities = self.account.activities
        if params.get("scope"):
            activities = [a for a in activities if a.active == (params["scope"] == "active")]
        return self._page("activities", activities, args, lambda a: activity_element(a, timestamps=stamps))

    def _activity(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        stamps = "timestamps" in parse_includes(self._args(request), ("timestamps",))
        return xml_response(activity_element(self._find(self.account.activities_by_id, params["id"], "Activity"),
                                             timestamps=stamps))

    # --- time entries -------------------------------------------------------------------------
    def _time_entries(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        args = self._args(request)
        includes = parse_includes(args, _ENTRY_INCLUDES)
        user_id, job_id = parse_id(args, "user_id"), parse_id(args, "job_id")
        first, last = parse_date(args, "start_date"), parse_date(args, "end_date")
        if first and last and last < first:
            raise QueryError(f"end_date ({last}) must not be before start_date ({first})")
        everyone = user.rights.view_management_reports

        def wanted(e: TimeEntry) -> bool:
            return ((everyone or e.user_id == user.id) and (user_id is None or e.user_id == user_id)
                    and (job_id is None or e.job_id == job_id) and (first is None or e.day >= first)
                    and (last is None or e.day <= last))

        entries = [e for e in self.account.time_entries if wanted(e)]
        return self._page("time-entries", entries, args, lambda e: time_entry_element(self.account, e, includes))

    def _time_entry(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        includes = parse_includes(self._args(request), _ENTRY_INCLUDES)
        entry = self._find(self.account.time_entries_by_id, params["id"], "TimeEntry")
        if entry.user_id != user.id and not user.rights.view_management_reports:
            raise _NotFound(f"Couldn't find TimeEntry with ID={params['id']}")
        return xml_response(time_entry_element(self.account, entry, includes))

    # --- information --------------------------------------------------------------------------
    def _info_user(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        includes = parse_includes(self._args(request), ("all", "rights", "preferences", "timestamps"))
        every = "all" in includes
        return xml_response(user_element(user, rights=every or "rights" in includes,
                                         preferences=every or "preferences" in includes,
                                         timestamps="timestamps" in includes))

    def _info_account(self, request: Request, params: dict[str, str | None], user: User) -> Response:
        includes = parse_includes(self._args(request), _ACCOUNT_INCLUDES)
        every = "all" in includes
        root = ET.Element("account")
        ET.SubElement(root, "name").text = self.account.name
        ET.SubElement(root, "display-name").text = self.account.display_name
        if every or "time_settings" in includes:
            settings = ET.SubElement(root, "time-settings")
            for name in ("enable-time-tracking", "show-activities"):
                ET.SubElement(settings, name, {"type": "boolean"}).text = "true"
        if every or "job_types" in includes:
            types = ET.SubElement(root, "job-types", {"type": "array"})
            types.extend(job_type_element(t) for t in self.account.job_types)
        return xml_response(root)
