"""The Accelo Session: a deployment's jobs, staff, logged time and tasks as typed DataFrames.

``connect()`` opens a deployment (``https://{deployment}.api.accelo.com/api/v0``) with a service
application's client id and secret, or a bearer token; ``demo()`` the embedded emulator's
synthetic agency. Everything but the field table (with its ``_fields``), the paging style
(``_limit`` pages bounded by the last id, or by ``_offset``; records under ``response``; see
``paging``), the filter dialect (``_filters``), the envelope's errors and the token renewal is
the shared core's (``smexplore.core.session.BaseSession``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, cast
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import requests

from ..core.errors import APIError, FilterError, NotFoundError
from ..core.filters.expr import Expr, as_expression
from ..core.filters.plan import Dialect, Plan
from ..core.frames import to_frame
from ..core.limits import Limits
from ..core.paging import Keyset, Offset, Paginator
from ..core.retry import RetryPolicy
from ..core.schedule import people_frame
from ..core.schema import Resource
from ..core.session import DEFAULT_EXPIRE_AFTER, BaseSession, Source, Where, cache_dir, demo_session, store_dir
from ..core.session import Settings as BaseSettings
from ..core.settings import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from ..core.timeline import normalise
from ..core.wire import ErrorKind, Wire
from .auth import DEFAULT_SCOPE, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_TOKEN, BearerToken, ClientCredentials
from .auth import resolve_credentials as _resolve
from .dialect import FILTERS, check_server_only, dialect_for, server_only
from .dialect import plan as plan_filters
from .filter_text import parse_filters
from .flatten import flatten_all
from .normalise import activity_filters, job_ids, span_filter, task_ids, timeline_frame, union, window
from .resources import WIRE, get_resource, resource_names

__all__ = ["ENV_DEPLOYMENT", "PAGE_SIZE", "Session", "Settings", "connect", "demo"]

ENV_DEPLOYMENT = "ACCELO_DEPLOYMENT"
PAGE_SIZE = 100
"""Records asked for per page: the most Accelo's ``_limit`` allows (a server may send fewer)."""
METHODS = {"jobs": "jobs", "staff": "staff", "activities": "activities", "tasks": "tasks", "companies": "companies",
           "job_statuses": "job_statuses", "job_types": "job_types"}
_DEPLOYMENT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_RECORD_PATH = re.compile(r"/\d+(?:\.json)?/?$")


@dataclass(frozen=True)
class Settings(BaseSettings):
    """Every behaviour flag of an Accelo Session (see :class:`smexplore.core.settings.Settings`).

    Accelo allows 5,000 requests an hour per deployment: the client keeps to ``per_hour`` (and
    waits for ``X-RateLimit-Reset`` when the API says the hour is spent); the minute and day
    budgets are wide (the API sets none).

    Attributes:
        deployment: The deployment's name (``{deployment}.api.accelo.com``).
        scope: The OAuth scope asked for.
        token_url: The token endpoint.
    """

    limits: Limits = Limits(per_minute=5_000, per_hour=5_000, per_day=120_000)
    deployment: str = ""
    scope: str = DEFAULT_SCOPE
    token_url: str = ""


def _filters_sent(params: Mapping[str, str]) -> str | None:
    """The ``_filters`` a request sends, if any."""
    return params.get("_filters") or None


def describe_error(response: requests.Response, base_url: str) -> tuple[ErrorKind | None, str] | None:
    """Accelo's envelope: ``meta.status`` names the error (``invalid_request`` is a 400 for a bad
    filter and for an id with no record alike), ``meta.message`` says it."""
    try:
        body = response.json()
    except ValueError:
        return None
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(meta, dict):
        return None
    status = str(meta.get("status") or "")
    message = str(meta.get("message") or "")[:300]
    text = f"{status}: {message}" if status and message else status or message
    kind: ErrorKind | None = None
    if status in ("invalid_client", "too_many_failed_logins"):
        kind = "authentication"
    elif status in ("invalid_permission", "invalid_scope"):
        kind = "forbidden"
    elif status == "invalid_request":
        url = urlsplit(response.url or "")
        if parse_qs(url.query).get("_filters"):
            kind = "filter"
        elif _RECORD_PATH.search(url.path):
            kind = "not_found"
    return kind, text


API_WIRE = Wire(credential_hint=(f"check client_id= and client_secret= ({ENV_CLIENT_ID}, {ENV_CLIENT_SECRET}) "
                                 f"or token= ({ENV_TOKEN})"),
                filter_of=_filters_sent, describe_error=describe_error)
"""How Accelo's API speaks (``core.wire``): JSON in its ``meta`` envelope, ``_filters``."""


class Session(BaseSession):
    """A connection to one Accelo deployment that returns typed pandas DataFrames (read-only).

    Linked objects are flattened into columns (``manager_id``, ``manager_firstname``,
    ``company_name`` …), unix times are datetimes, seconds are hours (``*_hours``); see
    ``smexplore.accelo.resources``. Filters are expressions or ``_filters`` text
    (``smexplore.accelo.filter_text``); what Accelo runs exactly goes to the server as
    ``_filters`` (``smexplore.accelo.dialect``).

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    source: ClassVar[str] = "accelo"
    display_name: ClassVar[str] = "smexplore.accelo.Session"
    wire: ClassVar[Wire] = API_WIRE
    methods: ClassVar[Mapping[str, str]] = METHODS
    timeline_resources: ClassVar[tuple[str, ...]] = ("activities", "tasks", "jobs")
    settings: Settings

    def __init__(self, credential: ClientCredentials | BearerToken, settings: Settings, *,
                 session: requests.Session | None = None, emulator: Any = None) -> None:
        super().__init__(credential, settings, session=session, emulator=emulator)
        if isinstance(credential, ClientCredentials):
            credential.bind(self._http, settings.timeout)

    # --- lists ------------------------------------------------------------------------------------
    def jobs(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Jobs, Accelo's projects (``/jobs``), with manager, company, type and status names."""
        return self.frame("jobs", where, source=source)

    def staff(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Staff (``/staff``)."""
        return self.frame("staff", where, source=source)

    def activities(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Activities (``/activities``): logged time in ``billable_hours`` and ``nonbillable_hours``."""
        return self.frame("activities", where, source=source)

    def tasks(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Tasks (``/tasks``): assignee, budgeted, logged and remaining hours."""
        return self.frame("tasks", where, source=source)

    def companies(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Companies (``/companies``)."""
        return self.frame("companies", where, source=source)

    def job_statuses(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Job statuses (``/jobs/statuses``), each with the standing it gives a job."""
        return self.frame("job_statuses", where, source=source)

    def job_types(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Job types (``/jobs/types``)."""
        return self.frame("job_types", where, source=source)

    def count(self, resource: str, where: Where = None) -> int:
        """How many records of ``resource`` match ``where``.

        Asked of Accelo's ``/count`` (one request, the filter sent as ``_filters``) when the server
        runs the whole filter exactly; otherwise the records are pulled and counted after the local
        part of the filter (``explain`` says which).

        Raises:
            UnknownResourceError, FilterError: As for ``frame``.
        """
        spec = self._resource(resource)
        planned = self._plan(spec, where, self._related_lookup())
        if planned.local is not None:
            return len(self.frame(resource, where))
        body, _ = self._transport.get(f"{spec.path}/count", planned.params, what=f"{spec.name} count")
        try:
            return int(body["response"]["count"])
        except (KeyError, TypeError, ValueError):
            raise APIError(f"{spec.name} count: the answer holds no count") from None

    def get(self, resource: str, record_id: Any) -> pd.DataFrame:
        """One record by its id, as a one-row frame (the same columns as the list's).

        Raises:
            NotFoundError: No record has this id (Accelo answers ``invalid_request``).
            ValueError: ``record_id`` is no id (nothing is sent).
        """
        spec = self._resource(resource)
        record_id = self._check_id(record_id)
        body, _ = self._transport.get(f"{spec.path}/{record_id}", {"_fields": WIRE[spec.name].fields_param},
                                      what=f"{spec.name} {record_id}")
        record = body.get("response") if isinstance(body, dict) else None
        if not isinstance(record, dict):
            raise NotFoundError(f"{spec.name} {record_id}: not found")
        frame = to_frame(self._prepare(spec, [record]), spec, self.settings.timezone)
        frame.attrs.update(source=self.source, resource=spec.name)
        return frame

    def timeline_frame(self, where: Where = None, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Logged time, tasks and jobs as one normalised timeline frame (see ``sm.normalise``).

        Activities become ``time_entry`` rows (billable and non-billable time apart), tasks
        ``task`` spans of their assignee (``hours``: budgeted), jobs ``job`` spans of their manager;
        job titles and client names come from the jobs. Rows are kept when they end after
        ``start`` and begin before ``end``. ``where`` narrows the logged time: a filter on the
        activities (an expression, or ``_filters`` text), as ``activities(where)`` takes it.

        The window goes to Accelo as ``_filters`` (see ``smexplore.accelo.normalise``): the
        activities of its days (``activity_filters``: two requests), then the tasks and the jobs
        whose spans end after its start together with those its rows name (``span_filter``). The
        frame is the one the whole history gives, trimmed to the window (an activity is taken to
        run at most ``ACTIVITY_SPAN``).
        """
        first, last = window(start, end)
        if isinstance(where, str):  # Accelo's _filters text, joined with the window as an expression
            where = parse_filters(where, self._resource("activities"), self.settings.timezone)
        if first is None and last is None:
            activities, tasks, jobs = self.activities(where), self.tasks(), self.jobs()
        else:
            activities = union([self.activities(bound if where is None else cast(Expr, as_expression(where)) & bound)
                                for bound in activity_filters(first, last)])
            tasks = self.tasks(span_filter(first, last, task_ids(activities)))
            jobs = self.jobs(span_filter(first, last, job_ids(activities, tasks, first, last)))
        frame = timeline_frame(activities, tasks, jobs, start=first, end=last)
        frame.attrs.update(source=self.source, resource="timeline", now=self.now.isoformat())
        return frame

    def people(self) -> pd.DataFrame:
        """The deployment's active staff: ``staff_id`` and ``staff`` (first name and surname)."""
        staff = self.staff()
        if "standing" in staff:
            staff = staff[staff["standing"].astype("string").fillna("active").eq("active").to_numpy()]
        names = (staff["firstname"].astype("string").fillna("") + " " + staff["surname"].astype("string").fillna(""))
        return people_frame(staff["id"], names.str.strip())

    @property
    def now(self) -> pd.Timestamp:
        """The deployment's "now" (the demo agency's anchored clock), in the frames' time.

        That is naive UTC, or the session's zone when it has one."""
        if self.emulator is not None:
            now = pd.Timestamp(self.emulator.agency.now).tz_localize("UTC")
        else:
            now = pd.Timestamp.now(tz="UTC")
        now = now.floor("s")
        return now.tz_convert(self.settings.timezone) if self.settings.timezone else now.tz_localize(None)

    # --- what Accelo says -------------------------------------------------------------------------
    def _account_identity(self) -> str:
        """The deployment (its API's URL): one store partition whichever client or token opens it."""
        return f"accelo\n{self.settings.base_url}"

    def paging(self, spec: Resource | None = None) -> Paginator:
        """Pages bounded by the last id (``_filters=…,id_greater_than(<last id>)``) where the list has
        the id range filter, else by ``_offset`` counted in records received; both end only at an
        empty page, never at a short one.

        A page shorter than the ``_limit`` asked for does not mean the end: the document we were
        given caps ``_limit`` at 50 (its 2017 wording), the current docs at 100 (since November 2020:
        Accelo/docs ``source/includes/_configuring_responses.md``, commit f91e70c), and a deployment
        or a proxy may cap lower still. Bounds by id also keep pages from shifting when records
        change between them (offsets and ``_page`` numbers do). Pages are fetched several at a time by
        ``_offset``, each overlapping the one before by a record, and taken only where that record is
        the last one received (``Keyset``'s ``offset_param``): a shift makes the walk ask by the bound.
        """
        if spec is not None and "id" in FILTERS.get(spec.name, {}) and FILTERS[spec.name]["id"].ranges == "id":
            return Keyset(limit=PAGE_SIZE, limit_param="_limit", filter_param="_filters", bound="id_greater_than",
                          envelope="response", offset_param="_offset")
        return Offset(limit=PAGE_SIZE, offset_param="_offset", limit_param="_limit", envelope="response")

    def _get_resource(self, name: str) -> Resource:
        return get_resource(name)

    def _resource_names(self) -> tuple[str, ...]:
        return tuple(resource_names())

    def _dialect(self, spec: Resource) -> Dialect:
        return dialect_for(spec.name)

    def _check_id(self, record_id: Any) -> str:
        text = str(record_id).strip() if isinstance(record_id, (str, int)) and not isinstance(record_id, bool) else ""
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"an Accelo id is a whole number above 0, not {record_id!r}")
        return str(int(text))

    def _prepare(self, spec: Resource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return flatten_all(records, spec)

    def _list_request(self, spec: Resource, params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        return spec.path, {**params, "_fields": WIRE[spec.name].fields_param}

    def _plan(self, spec: Resource, where: Where, related: Callable[[str], pd.DataFrame]) -> Plan:
        if isinstance(where, str):  # Accelo's own _filters text (not ServiceM8's $filter)
            return plan_filters(parse_filters(where, spec, self.settings.timezone), spec, tz=self.settings.timezone,
                                text=where)
        planned = super()._plan(spec, where, related)
        check_server_only(planned)
        return planned

    def _rows(self, spec: Resource, planned: Plan, stored: bool) -> tuple[pd.DataFrame, Expr | None]:
        """As the core's, but a filter only Accelo's server runs (``ServerFilter``) cannot read the local store."""
        found = server_only(planned.where) if stored else None
        if found is not None:
            raise FilterError(f"{found.sent} runs only on Accelo's server (the frame has no column for it), so it "
                              "cannot filter the local store: read from the API (source='api')", found.position)
        return super()._rows(spec, planned, stored)

    def _timeline_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Activities as logged time, tasks and jobs as spans (``sm.normalise``)."""
        return normalise(frame)


def _base_urls(deployment: str | None, base_url: str | None, token_url: str | None) -> tuple[str, str, str]:
    """(deployment, API base URL, token URL) from what ``connect`` was given."""
    import os

    if deployment is None and base_url is None:
        deployment = os.environ.get(ENV_DEPLOYMENT) or None
    if deployment is not None:
        if not isinstance(deployment, str):
            raise TypeError(f"deployment must be a str, not {type(deployment).__name__}")
        name = deployment.strip().removeprefix("https://").removeprefix("http://").split("/")[0]
        name = name.removesuffix(".accelo.com").removesuffix(".api")
        if not _DEPLOYMENT.match(name):
            raise ValueError(f"{deployment!r} is not a deployment name: give the part before .api.accelo.com "
                             "(for https://planet-express.api.accelo.com, 'planet-express')")
        deployment = name
    elif base_url is None:
        raise ValueError(f"which Accelo deployment? pass connect('name') (as in name.api.accelo.com), base_url=, "
                         f"or set {ENV_DEPLOYMENT}")
    host = f"https://{deployment}.api.accelo.com"
    api = (base_url or f"{host}/api/v0").rstrip("/")
    if token_url is None:
        root = api.removesuffix("/api/v0") if api.endswith("/api/v0") else \
            f"{urlsplit(api).scheme}://{urlsplit(api).netloc}"
        token_url = f"{root}/oauth2/v0/token"
    return deployment or urlsplit(api).hostname or "", api, token_url


def connect(deployment: str | None = None, *, client_id: str | None = None, client_secret: str | None = None,
            token: str | None = None, scope: str = DEFAULT_SCOPE, base_url: str | None = None,
            token_url: str | None = None, session: requests.Session | None = None,
            cache: str | Path | bool | None = None, expire_after: Any = DEFAULT_EXPIRE_AFTER,
            timezone: str | None = None, offline: bool = False, progress: bool = True,
            per_hour: int | None = Settings.limits.per_hour, retry_budget: float = RetryPolicy.budget,
            timeout: float = DEFAULT_TIMEOUT, concurrency: int = DEFAULT_CONCURRENCY,
            store: str | Path | None = None) -> Session:
    """Open an Accelo deployment.

    Args:
        deployment: The deployment's name, as in ``https://{deployment}.api.accelo.com``
            (``$ACCELO_DEPLOYMENT`` when ``None`` and no ``base_url``).
        client_id: A service application's client id (Configuration → API in Accelo);
            ``$ACCELO_CLIENT_ID`` when neither it, ``client_secret`` nor ``token`` is given.
        client_secret: Its client secret (``$ACCELO_CLIENT_SECRET``). With a client id and secret,
            the Session asks for a token on its first request and for a new one when it expires.
        token: A bearer token instead (``$ACCELO_TOKEN``, used when no client id is set); never renewed.
        scope: The scope asked for (``read(all)``).
        base_url: The API's base URL (default ``https://{deployment}.api.accelo.com/api/v0``).
        token_url: The token endpoint (default: ``/oauth2/v0/token`` beside ``/api/v0``).
        session: Your own ``requests.Session`` or ``requests_cache.CachedSession`` (used as given).
        cache: Folder for the cache files; default the user cache folder; ``False`` for none.
        expire_after: How long cached answers stay fresh; default one hour.
        timezone: IANA zone for timestamps; ``None`` keeps them naive UTC (Accelo sends unix times).
        offline: Serve from the cache only (no token is asked for).
        progress: Show a progress bar on pulls of more than one page, in Jupyter or on a terminal.
        per_hour: Client-side limit of requests an hour (Accelo allows 5,000 per deployment).
        retry_budget: Seconds to keep retrying 429 and 5xx answers (and to wait for a spent hour's
            reset) before raising.
        timeout: Seconds to wait for each answer.
        concurrency: Pages of one list in flight at most, where its paging allows (1: one after
            another); every request still keeps to the client's limits.
        store: Folder of the local store ``sync`` keeps; default: ``store`` inside ``cache`` when
            you give a cache folder, else the user data folder.

    Raises:
        AuthenticationError: No credentials given or in the environment (the message never shows one).
        ValueError: No deployment, or one that is no name; a token and client credentials both given.
    """
    name, api, tokens = _base_urls(deployment, base_url, token_url)
    credential = _resolve(client_id=client_id, client_secret=client_secret, token=token, token_url=tokens,
                          scope=scope, offline=offline)
    settings = Settings(base_url=api, cache_dir=None if session is not None else cache_dir(cache),
                        store_dir=store_dir(store, cache),
                        expire_after=expire_after, timezone=timezone, offline=offline, progress=progress,
                        limits=replace(Settings.limits, per_hour=per_hour), retry=RetryPolicy(budget=retry_budget),
                        timeout=timeout, concurrency=concurrency, deployment=name,
                        scope=scope, token_url=tokens)
    return Session(credential, settings, session=session)


def demo(*, seed: int = 0, scale: str = "small", timezone: str | None = None, progress: bool = True,
         cache: str | Path | None = None, store: str | Path | None = None,
         offline: bool = False, **emulator_options: Any) -> Session:
    """A Session on the embedded Accelo emulator's synthetic agency (no account needed).

    The emulator runs on a free loopback port and the Session, with the demo service
    application's public client id and secret, has a cache of its own in a temporary folder; both
    go when the Session is closed or Python exits.

    Args:
        seed: Seed of the synthetic agency.
        scale: ``small`` (default), ``medium`` or ``large``.
        timezone: As for ``connect``.
        progress: As for ``connect``.
        cache: A folder of your own for the cache and the local store (kept after the Session
            closes: a later demo of the same seed and scale finds its store there); default: a
            temporary folder.
        store: A folder of your own for the local store (default: ``store`` in the cache folder).
        offline: Answer from the cache and the store only (see ``connect``).
        **emulator_options: Passed to ``smexplore.accelo.emulator.AcceloEmulator`` (``token_ttl``,
            ``per_hour``, ``faults`` …).
    """
    from .emulator import AcceloEmulator  # imported here: live sessions never load the emulator

    emulator = AcceloEmulator(seed=seed, scale=scale, **emulator_options)  # type: ignore[arg-type]

    def make(folder: Path) -> Session:
        credential = ClientCredentials(emulator.client_id, emulator.client_secret, emulator.token_url)
        settings = Settings(base_url=emulator.base_url, cache_dir=folder, offline=offline,
                 store_dir=store_dir(store, folder), timezone=timezone, progress=progress,
                            mode="demo", deployment=emulator.agency.deployment, token_url=emulator.token_url)
        return Session(credential, settings, emulator=emulator)

    return demo_session(emulator, "smexplore-accelo-demo-", make, cache=cache)
