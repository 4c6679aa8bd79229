"""The Syncd Session: an account's job tree, job assignments, users and time entries as typed DataFrames.

``connect()`` opens an account (``https://<account>.syncd.com``) with the web user's name and
password (HTTP Basic: Syncd has no API tokens), ``demo()`` the embedded emulator's synthetic
studio. Everything but the field table, the paging style (the job lists whole in one answer, as
the document's "All jobs: GET /jobs.xml"; the other lists by ``start``/``end`` item ranges), the
body format (XML, read by ``core.xml``'s hardened parser, and only a Syncd document of the kind
asked for: ``answers``), what the job lists can select by path (``dialect``) and the job writes
(``writes``) is the shared core's (``smexplore.core.session.BaseSession``).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import requests

from ..core import xml
from ..core.auth import BasicCredential, resolve_basic
from ..core.errors import APIError, NotFoundError
from ..core.filters.expr import Expr, F, as_expression
from ..core.frames import to_frame
from ..core.limits import Limits
from ..core.paging import ItemRange, Paginator, Unpaged
from ..core.retry import RetryPolicy
from ..core.schedule import people_frame
from ..core.schema import Resource
from ..core.session import DEFAULT_EXPIRE_AFTER, BaseSession, Source, Where, cache_dir, demo_session, store_dir
from ..core.session import Settings as BaseSettings
from ..core.settings import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from ..core.timeline import normalise
from ..core.wire import ErrorKind, Wire
from .answers import LIST_ROOTS, RECORD_ROOTS, ListOf, decode
from .dialect import SyncdDialect, list_path
from .normalise import timeline_frame, window_filter
from .records import ancestors, row
from .resources import get_resource, resource_names
from .tree import job_tree, resolve_assignments
from .writes import JobWrites

__all__ = ["DOMAIN", "ENV_PASSWORD", "ENV_USER", "PAGE_SIZE", "Session", "Settings", "account_url", "connect", "demo"]

DOMAIN = "syncd.com"
ENV_USER = "SYNCD_USER"
ENV_PASSWORD = "SYNCD_PASSWORD"
PAGE_SIZE = 100
"""Items asked for per request (``start``/``end``) of the lists other than jobs; the API may send fewer, and the
pull goes on from there. The job lists are asked for whole (no range), in one request."""
METHODS = {"jobs": "jobs", "job_types": "job_types", "assignments": "job_assignments", "users": "users",
           "time_entries": "time_entries"}
# What each list always asks to include: the assignments' users, groups and jobs (names in place of ids), and
# the audit stamps where they come only when asked for.
_INCLUDES = {"jobs": "timestamps", "users": "timestamps", "job_assignments": "users,user_groups,jobs,timestamps"}
_PREVIEW = {
    "jobs": ("path", "job_type_name", "active", "effectively_active"),
    "job_types": ("name", "depth", "allow_time_entries"),
    "job_assignments": ("job_path", "users", "user_name", "user_group_name", "jobs"),
    "users": ("full_name", "name", "email", "active"),
    "time_entries": ("user_name", "job_path", "date", "start_time", "end_time", "hours"),
}


@dataclass(frozen=True)
class Settings(BaseSettings):
    """Every behaviour flag of a Syncd Session (see :class:`smexplore.core.settings.Settings`).

    Syncd documents no rate limit: the client keeps to 25 requests a second and 1,500 a minute, a
    courtesy limit (10 a second until pages were fetched several at a time).
    """

    limits: Limits = Limits(per_second=25, per_minute=1_500, per_day=100_000)


def account_url(account: str) -> str:
    """``https://<account>.syncd.com`` for an account's subdomain (``"artworks"``).

    Raises:
        ValueError: ``account`` is not a subdomain (letters, digits and inner hyphens).
    """
    if not isinstance(account, str):
        raise TypeError(f"account must be a str, not {type(account).__name__}")
    name = account.strip().lower()
    if not name or not all(c.isascii() and (c.isalnum() or c == "-") for c in name) or name[0] == "-" \
            or name[-1] == "-" or len(name) > 63:
        raise ValueError(f"account must be the account's subdomain (as in https://<account>.{DOMAIN}): letters, "
                         f"digits and inner hyphens; got {account!r}")
    return f"https://{name}.{DOMAIN}"


def describe_error(response: requests.Response, base_url: str) -> tuple[ErrorKind | None, str] | None:
    """Rails' error document (``<errors><error>…</error></errors>``): its messages, joined."""
    try:
        document = xml.decode(response.content)
    except ValueError:
        return None
    if document.tag != "errors":
        return None
    values = document.value if isinstance(document.value, list) else [document.value]
    messages = [str(v).strip() for v in values if isinstance(v, str) and v.strip()]
    return (None, "; ".join(messages)) if messages else None


API_WIRE = Wire(credential_hint=(f"check the user name and password (user=/password=, or {ENV_USER}/"
                                 f"{ENV_PASSWORD}): they are the web login's"),
                media_types=("application/xml", "text/xml"), decode=decode, describe_error=describe_error)
"""How Syncd's API speaks (``core.wire``): XML documents (refused unread when they are no Syncd
document: ``answers.decode``), Rails' error documents."""


class Session(BaseSession, JobWrites):  # the base's methods first: JobWrites only declares them
    """A connection to one Syncd account that returns typed pandas DataFrames.

    Jobs come with their place in the tree (``depth``, ``path``, ``root_id``, ``root_name``) and
    job type; assignments with the names of who and what; time entries with their user's name, their
    job's path and ``hours``. What a web user may see is what the API shows: a user who manages no
    job type sees only the jobs assigned to them. Job writes (``create_job``, ``update_job``,
    ``delete_job``) need ``writable=True`` and a job manager's login.

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    source: ClassVar[str] = "syncd"
    display_name: ClassVar[str] = "smexplore.syncd.Session"
    wire: ClassVar[Wire] = API_WIRE
    methods: ClassVar[Mapping[str, str]] = METHODS
    frame_order: ClassVar[Mapping[str, tuple[str, ...]]] = {"time_entries": ("date", "start_time", "id")}
    timeline_resources: ClassVar[tuple[str, ...]] = ("time_entries",)
    settings: Settings

    # --- queries ------------------------------------------------------------------------------
    def jobs(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Jobs (``/jobs.xml``), with ``depth``, ``path``, ``root_id``, ``root_name`` and ``job_type_name``."""
        return self.frame("jobs", where, source=source)

    def children(self, job_id: int | None = None, where: Where = None) -> pd.DataFrame:
        """The children of one job (``/jobs/{id}/children.xml``), or the top-level jobs (``None``: ``/jobs/root/children.xml``)."""
        parent = F.parent_id.isna() if job_id is None else F.parent_id == int(self._check_id(job_id))
        more = as_expression(where)
        return self.frame("jobs", parent if more is None else parent & more)

    def ancestors(self, job_id: int | str) -> pd.DataFrame:
        """One job and its ancestors (``/jobs/{id}.xml?include=job_ancestors``), top-level job first.

        Raises:
            NotFoundError: No such job (or not one this user may see).
        """
        return self._job_chain(job_id)

    def job_types(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """The levels of the work structure (``/job_types.xml``): client, project, task …"""
        return self.frame("job_types", where, source=source)

    def assignments(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Job assignments as stored (``/job_assignments.xml?include=users,user_groups,jobs``): who to what."""
        return self.frame("job_assignments", where, source=source)

    def resolved_assignments(self, *, expand_users: bool = True) -> pd.DataFrame:
        """Which assignments hold for every job, inheritance resolved down the tree (see ``smexplore.syncd.tree``).

        Args:
            expand_users: Make an assignment to all users one row per user (and fill ``user_name``).
        """
        return resolve_assignments(self.jobs(), self.assignments(), self.users() if expand_users else None)

    def users(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Users (``/users.xml``), with ``full_name``."""
        return self.frame("users", where, source=source)

    def time_entries(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Time entries (``/time_entries.xml``), by date, with ``hours``, ``user_name``, ``job_path`` and ``root_name``.

        ``start_time``/``end_time`` are naive wall-clock times as the user wrote them (their offset
        is in ``utc_offset``), or, in a session with a ``timezone``, the instants in that zone;
        ``date`` is the day as the user wrote it either way.
        """
        return self.frame("time_entries", where, source=source)

    def timeline_frame(self, where: Where = None, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Time entries (one ``time_entry`` row each, per user) as a normalised timeline frame (see ``sm.normalise``).

        The window goes to Syncd with ``where``: only the time entries of its days are pulled
        (``start_date``/``end_date``: ``smexplore.syncd.normalise.window_filter``), with the jobs,
        job types and users that name them. The frame is the one the whole history gives, trimmed
        to the window. Assignments are not pulled: Syncd gives them no dates, so they add no rows.

        Args:
            where: A filter on the time entries (``user_id``, ``job_path``, ``date`` …).
            start: Keep rows ending after this moment.
            end: Keep rows starting before this moment.
        """
        query = as_expression(where)
        days = window_filter(start, end, self.settings.timezone)
        if days is not None:
            query = days if query is None else query & days
        frame = timeline_frame(self.time_entries(query), start=start, end=end)
        frame.attrs.update(source=self.source, resource="timeline", now=self.now.isoformat())
        return frame

    def people(self) -> pd.DataFrame:
        """The account's active users: ``staff_id`` and ``staff`` (their full name, as time entries name them)."""
        users = self.users()
        if "active" in users:
            users = users[users["active"].fillna(True).astype(bool).to_numpy()]
        return people_frame(users["id"], users["full_name"])

    def get(self, resource: str, record_id: Any) -> pd.DataFrame:
        """One record by its id, as a one-row frame (a job's path and depth from its ancestors).

        Raises:
            NotFoundError: No record has this id.
            ValueError: ``record_id`` is no id (nothing is sent).
        """
        spec = self._resource(resource)
        if spec.name == "jobs":
            return self._job_chain(record_id).tail(1).reset_index(drop=True)
        record_id = self._check_id(record_id)
        include = _INCLUDES.get(spec.name)
        body, _ = self._transport.get(self._record_path(spec, record_id), {"include": include} if include else {},
                                      what=f"{spec.name} {record_id}")
        return self._complete(spec, to_frame(self._prepare(spec, self._records(body, spec)), spec,
                                             self.settings.timezone))

    # --- what Syncd says ----------------------------------------------------------------------
    def _account_identity(self) -> str:
        """The account and the login's user name (each user sees their own records; a new password
        keeps the partition)."""
        return f"syncd\n{self.settings.base_url}\n{self._credential.hint}"

    def paging(self, spec: Resource | None = None) -> Paginator:
        """Item ranges of ``PAGE_SIZE``; the job lists whole in one request ("All jobs: GET /jobs.xml").
        Each answer of a list must be that list (``answers.ListOf``)."""
        ranges = ItemRange(size=PAGE_SIZE)
        if spec is None:
            return ranges
        if spec.name == "jobs":
            return ListOf(Unpaged(ranges), LIST_ROOTS[spec.name], whole=True)
        return ListOf(ranges, LIST_ROOTS[spec.name])

    def _get_resource(self, name: str) -> Resource:
        return get_resource(name)

    def _resource_names(self) -> tuple[str, ...]:
        return tuple(resource_names())

    def _dialect(self, spec: Resource) -> SyncdDialect:
        return SyncdDialect(spec)

    def _list_request(self, spec: Resource, params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        path, query = list_path(spec.path, params)
        if spec.name in _INCLUDES:
            query["include"] = _INCLUDES[spec.name]
        return path, query

    def _record_path(self, spec: Resource, record_id: str) -> str:
        return f"{spec.path.removesuffix('.xml')}/{record_id}.xml"

    def _check_id(self, record_id: Any) -> str:
        """``record_id`` (a whole number, numpy's too, or its digits) as the API writes it; ``ValueError`` if none."""
        whole = isinstance(record_id, (str, numbers.Integral)) and not isinstance(record_id, bool)
        text = str(int(record_id) if isinstance(record_id, numbers.Integral) else record_id).strip() if whole else ""
        if not (text.isascii() and text.isdigit() and int(text) > 0):
            raise ValueError(f"a Syncd id is a whole number of at least 1, not {record_id!r}")
        return str(int(text))

    def _demo_now(self) -> Any:
        return self.emulator.data.now

    def _prepare(self, spec: Resource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [row(record, spec) for record in records]

    def preview_columns(self, resource: str) -> list[str]:
        """Names and paths first (``path``, ``user_name``, ``job_path`` …)."""
        return list(_PREVIEW.get(self._resource(resource).name, ()))

    def _timeline_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Time entries as their spans (``sm.normalise``)."""
        return normalise(frame)

    # --- internals ----------------------------------------------------------------------------
    def _records(self, body: Any, spec: Resource) -> list[dict[str, Any]]:
        """The record of a one-record answer (``<job>`` for ``/jobs/90.xml``).

        Raises:
            APIError: The answer is another document (a list, another record); the cached answers
                about ``spec`` are dropped with it, so asking again asks the API.
        """
        root = RECORD_ROOTS[spec.name]
        tag = getattr(body, "tag", None)
        if tag != root:
            self._transport.forget(self._transport.topic(spec.path))
            raise APIError(f"{spec.name}: the API answered a <{tag}> where a <{root}> record was asked for", 200)
        try:
            return list(body.records)
        except (AttributeError, ValueError) as exc:
            raise APIError(f"{spec.name}: the answer holds no {spec.name} record ({exc})", 200) from None

    def _pull(self, spec: Resource, params: Mapping[str, str]) -> pd.DataFrame:
        """A list pull, then the columns the Session adds (``_complete``). A job with no children list
        (404: no such job) has no children, and no day is on or after a ``start_date`` and on or
        before an earlier ``end_date``: empty frames, as a local filter would give."""
        if params.get("start_date", "") > params.get("end_date", "9999"):  # no day between: nothing to ask for
            return self._complete(spec, self._nothing(spec))
        try:
            frame = super()._pull(spec, params)
        except NotFoundError:
            if spec.name != "jobs" or "parent" not in params:
                raise
            frame = self._nothing(spec)
        return self._complete(spec, frame)

    def _read_store(self, spec: Resource, where: Expr | None = None) -> pd.DataFrame:
        """The stored records (as the API sent them), then the columns the Session adds, from the store."""
        return self._complete(spec, super()._read_store(spec, where), stored=True)

    def _nothing(self, spec: Resource) -> pd.DataFrame:
        frame = to_frame([], spec, self.settings.timezone)
        frame.attrs["fetched_at"] = pd.Timestamp.now(tz="UTC").isoformat()
        return frame

    def _raw(self, name: str, stored: bool = False) -> pd.DataFrame:
        """Every record of a list, without the columns the Session adds (from the store: ``stored``)."""
        spec = get_resource(name)
        return BaseSession._read_store(self, spec) if stored else BaseSession._pull(self, spec, {})

    def _complete(self, spec: Resource, frame: pd.DataFrame, tree: pd.DataFrame | None = None,
                  stored: bool = False) -> pd.DataFrame:
        """The computed columns of ``spec``'s frame (see ``resources``), from related lists as cached
        (or as stored: ``stored``)."""
        attrs = dict(frame.attrs)
        if spec.name == "jobs":
            frame = self._complete_jobs(frame, tree, stored)
        elif spec.name == "job_types":
            frame = _type_depths(frame)
        elif spec.name == "job_assignments":
            paths = self._lookup_column(self._related_frame("jobs", stored), "path")
            frame = frame.assign(job_path=frame["job_id"].map(paths).astype("string"))
        elif spec.name == "time_entries":
            jobs = self._related_frame("jobs", stored).set_index("id")
            users = self._lookup_column(self._related_frame("users", stored), "full_name")
            frame = frame.assign(user_name=frame["user_id"].map(users).astype("string"),
                                 job_name=frame["job_id"].map(jobs["name"]).astype("string"),
                                 job_path=frame["job_id"].map(jobs["path"]).astype("string"),
                                 root_name=frame["job_id"].map(jobs["root_name"]).astype("string"))
        frame.attrs = attrs
        return frame

    @staticmethod
    def _lookup_column(frame: pd.DataFrame, column: str) -> pd.Series:
        return frame.drop_duplicates("id").set_index("id")[column]

    def _complete_jobs(self, frame: pd.DataFrame, tree: pd.DataFrame | None, stored: bool = False) -> pd.DataFrame:
        types = self._related_frame("job_types", stored).drop_duplicates("id").set_index("id")
        frame = frame.assign(job_type_name=frame["job_type_id"].map(types["name"]).astype("string"))
        for flag in ("allow_time_entries", "allow_expense_entries"):
            by_type = frame["job_type_id"].map(types[flag]).astype("boolean")
            frame[flag] = frame[flag].fillna(by_type)
        if tree is None:
            ids = set(frame["id"].dropna())
            complete = frame["parent_id"].dropna().isin(ids).all()
            tree = frame if complete else self._raw("jobs", stored)
        return job_tree(frame, tree)

    def _job_chain(self, job_id: Any) -> pd.DataFrame:
        spec = get_resource("jobs")
        record_id = self._check_id(job_id)
        body, _ = self._transport.get(self._record_path(spec, record_id), {"include": "job_ancestors,timestamps"},
                                      what=f"job {record_id}")
        records = self._records(body, spec)
        chain = [*reversed(ancestors(records[0])), records[0]] if records else []
        frame = to_frame(self._prepare(spec, chain), spec, self.settings.timezone)
        return self._complete(spec, frame, tree=frame)


def _type_depths(frame: pd.DataFrame) -> pd.DataFrame:
    parents = dict(zip(frame["id"], frame["parent_id"], strict=True))
    depths: list[Any] = []
    for type_id in frame["id"]:
        depth, current, seen = 0, parents.get(type_id), {type_id}
        while current is not None and not pd.isna(current) and current in parents and current not in seen:
            seen.add(current)
            depth, current = depth + 1, parents.get(current)
        depths.append(depth)
    return frame.assign(depth=pd.array(depths, dtype="Int64"))


def connect(account: str | None = None, user: str | None = None, password: str | None = None, *,
            base_url: str | None = None, session: requests.Session | None = None,
            cache: str | Path | bool | None = None, expire_after: Any = DEFAULT_EXPIRE_AFTER,
            timezone: str | None = None, offline: bool = False, progress: bool = True,
            per_second: int | None = Settings.limits.per_second, retry_budget: float = RetryPolicy.budget,
            timeout: float = DEFAULT_TIMEOUT, concurrency: int = DEFAULT_CONCURRENCY,
            store: str | Path | None = None, writable: bool = False) -> Session:
    """Open a Syncd account.

    Args:
        account: The account's subdomain (``"artworks"`` for ``https://artworks.syncd.com``).
        user: The web login's user name; ``$SYNCD_USER`` when ``None``.
        password: Its password; ``$SYNCD_PASSWORD`` when ``None``. Sent as HTTP Basic, over HTTPS;
            never cached, logged or shown.
        base_url: The API's base URL, in place of the account's (an emulator, a proxy).
        session: Your own ``requests.Session`` or ``requests_cache.CachedSession`` (used as given).
        cache: Folder for the cache files; default the user cache folder; ``False`` for none.
        expire_after: How long cached answers stay fresh; default one hour.
        timezone: IANA zone for times: ``None`` keeps the wall time each was written with (a time
            entry's, the user's own; an audit stamp's, UTC).
        offline: Serve from the cache only.
        progress: Show a progress bar on pulls of more than one page, in Jupyter or on a terminal.
        per_second: Client-side limit of requests per second (Syncd documents none).
        retry_budget: Seconds to keep retrying 429 and 5xx answers before raising.
        timeout: Seconds to wait for each answer.
        concurrency: Pages of one list in flight at most, where its paging allows (1: one after
            another); every request still keeps to the client's limits.
        store: Folder of the local store ``sync`` keeps; default: ``store`` inside ``cache`` when
            you give a cache folder, else the user data folder.
        writable: Allow job writes (``create_job``, ``update_job``, ``delete_job``); the login must
            be a job manager's.

    Raises:
        AuthenticationError: No user name or password given or in the environment (the message
            never shows the password).
        ValueError: Neither ``account`` nor ``base_url`` is given, or ``account`` is no subdomain.
    """
    if base_url is None:
        if account is None:
            raise ValueError(f"give the account's subdomain (account='artworks' for https://artworks.{DOMAIN}), "
                             "or base_url=")
        base_url = account_url(account)
    credential = resolve_basic(user, password, env_user=ENV_USER, env_password=ENV_PASSWORD, system="Syncd")
    settings = Settings(base_url=base_url.rstrip("/"), cache_dir=None if session is not None else cache_dir(cache),
                        store_dir=store_dir(store, cache),
                        expire_after=expire_after, timezone=timezone, offline=offline, progress=progress,
                        limits=replace(Settings.limits, per_second=per_second), retry=RetryPolicy(budget=retry_budget),
                        timeout=timeout, concurrency=concurrency, writable=writable)
    return Session(credential, settings, session=session)


def demo(*, seed: int = 0, scale: str = "small", timezone: str | None = None, progress: bool = True,
         cache: str | Path | None = None, store: str | Path | None = None,
         offline: bool = False, writable: bool = False, **emulator_options: Any) -> Session:
    """A Session on the embedded Syncd emulator's synthetic account (no login needed).

    The emulator runs on a free loopback port and the Session has a cache of its own in a
    temporary folder; both go when the Session is closed or Python exits. The emulator sets no
    rate limit, so neither does the Session.

    Args:
        seed: Seed of the synthetic account.
        scale: ``small`` (default) or a larger scale the emulator knows.
        timezone: As for ``connect``.
        progress: As for ``connect``.
        cache: A folder of your own for the cache and the local store (kept after the Session
            closes: a later demo of the same seed and scale finds its store there); default: a
            temporary folder.
        store: A folder of your own for the local store (default: ``store`` in the cache folder).
        offline: Answer from the cache and the store only (see ``connect``).
        writable: As for ``connect`` (writes change only the emulator's copy of the account; the
            demo's owner manages every job).
        **emulator_options: Passed to ``smexplore.syncd.emulator.SyncdEmulator``.
    """
    from .emulator import DEMO_PASSWORD, DEMO_USER, SyncdEmulator  # here: live sessions never load the emulator

    login = BasicCredential(emulator_options.get("user", DEMO_USER), emulator_options.get("password", DEMO_PASSWORD))
    emulator = SyncdEmulator(seed=seed, scale=scale, **emulator_options)
    return demo_session(emulator, "smexplore-syncd-demo-", lambda folder: Session(
        login, Settings(base_url=emulator.base_url, cache_dir=folder, offline=offline,
                 store_dir=store_dir(store, folder), timezone=timezone, progress=progress,
                        mode="demo", limits=Limits(per_minute=60_000, per_day=Settings.limits.per_day),
                        writable=writable),
        emulator=emulator), cache=cache)
