"""The Session: ServiceM8 records as typed DataFrames, through a real HTTP cache.

``connect()`` opens a live account, ``demo()`` an embedded emulator with the synthetic demo
account. Both return a ``Session``, whose query methods return pandas DataFrames.
"""

from __future__ import annotations

import html
import math
import shutil
import tempfile
import threading
import weakref
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple, Self

import pandas as pd
import platformdirs
import requests
from requests_cache import CacheMixin
from requests_cache.session import OriginalSession

from ..core.auth import Credential, resolve_credential
from ..core.cache import ACCOUNT_HEADER, AUTH_HEADERS, GuardedSQLiteCache, make_cached_session
from ..core.errors import CacheMissError, UnknownResourceError, did_you_mean
from ..core.filters.evaluate import evaluate
from ..core.filters.expr import Expr, as_expression
from ..core.filters.plan import Plan
from ..core.frames import column_dtype, to_frame
from ..core.http import Page, RequestBudget, RetryPolicy, Transport
from ..core.paging import HeaderCursor
from .dialect import plan
from .enrich import enrich as add_enrichment
from .enrich import enriched_columns, names_by_uuid
from .normalise import timeline_frame
from .resources import CUSTOM_FIELD_PREFIX, Resource, canonical_uuid, get_resource, resource_names
from .writes import WritesMixin

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_EXPIRE_AFTER", "CacheInfo", "Session", "Settings", "connect", "demo"]

DEFAULT_BASE_URL = "https://api.servicem8.com/api_1.0"
DEFAULT_EXPIRE_AFTER = timedelta(hours=1)
Where = Expr | str | None
"""A filter: an expression (``F.status == "Quote"``), ServiceM8 ``$filter`` text, or ``None``."""
_MEMO_SIZE = 16
# Query method → resource, for the convenience methods and ``resources()``.
METHODS = {
    "jobs": "job",
    "allocations": "joballocation",
    "activities": "jobactivity",
    "staff": "staff",
    "clients": "company",
    "categories": "category",
    "allocation_windows": "allocationwindow",
    "queues": "queue",
}


@dataclass(frozen=True)
class Settings:
    """Every behaviour flag of a Session, in one place (read it as ``session.settings``).

    Attributes:
        base_url: The API's base URL.
        cache_dir: Folder of the cache files, or ``None`` when not caching (or the user's
            own session decides).
        expire_after: How long cached answers stay fresh.
        timezone: IANA zone to localise timestamps to; ``None`` keeps them naive account time.
        offline: Serve from the cache only.
        progress: Show progress bars on multi-page pulls where someone watches (Jupyter or a terminal).
        per_minute: Client-side limit of requests per minute.
        per_day: Client-side budget of requests per day.
        retry_budget: Seconds to keep retrying 429/5xx before giving up.
        timeout: Seconds to wait for each answer.
        mode: ``"live"`` or ``"demo"``.
        writable: Whether ``create``/``update``/``delete``/``restore`` are allowed.
    """

    base_url: str = DEFAULT_BASE_URL
    cache_dir: Path | None = None
    expire_after: Any = DEFAULT_EXPIRE_AFTER
    timezone: str | None = None
    offline: bool = False
    progress: bool = True
    per_minute: int = 180
    per_day: int = 20_000
    retry_budget: float = 120.0
    timeout: float = 60.0
    mode: str = "live"
    writable: bool = False

    def __post_init__(self) -> None:
        for name in ("per_minute", "per_day"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of requests, at least 1; got {value!r}")
        for name in ("retry_budget", "timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0 or (name == "timeout" and value == 0):
                raise ValueError(f"{name} must be a positive number of seconds; got {value!r}")
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
                raise ValueError(f"unknown time zone {self.timezone!r}; give an IANA name such as "
                                 "'Australia/Melbourne'") from None


class _Memo(NamedTuple):
    """A frame built from cached answers, and what makes it still valid."""

    digest: str  # of the first page
    version: int  # of the resource's cached answers (see ``Transport.version``)
    frame: pd.DataFrame
    fetched_at: str


class CacheInfo(NamedTuple):
    """What the cache holds and how it has served this session."""

    path: str | None
    size_bytes: int
    responses: int
    hits: int
    misses: int
    expire_after: Any

    def _repr_html_(self) -> str:
        """A two-column table (Jupyter): where the cache is, its size, what it holds, hits and misses."""
        expire = self.expire_after
        rows = {
            "path": self.path if self.path is not None else "(no cache file)",
            "size": f"{self.size_bytes / 1e6:.1f} MB",
            "answers held": f"{self.responses:,}",
            "hits / misses": f"{self.hits:,} / {self.misses:,}",
            "expire after": "—" if expire is None else "never" if expire == -1 else str(expire),
        }
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                       f"{html.escape(v)}</td></tr>" for k, v in rows.items())
        return f"<table><caption style='text-align:left'><b>smexplore.CacheInfo</b></caption>{body}</table>"


class Session(WritesMixin):
    """A connection to one ServiceM8 account that returns typed pandas DataFrames.

    Make one with ``smexplore.connect()`` or ``smexplore.demo()``. Writes (``create``, ``update``,
    ``delete``, ``restore``, ``allocate``, ``book``) need ``writable=True``.

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    def __init__(self, credential: Credential, settings: Settings, *, session: requests.Session | None = None,
                 emulator: Any = None) -> None:
        self.settings = settings
        self.emulator = emulator
        self._credential = credential
        self._owns_http = session is None
        namespace = credential.namespace(settings.base_url)
        self._http = self._make_session(session, settings, namespace)
        if settings.offline and not isinstance(self._http, CacheMixin):
            raise ValueError("offline=True needs a cache: pass cache=<folder> or a requests_cache.CachedSession")
        headers = {**credential.headers(), ACCOUNT_HEADER: namespace}
        self._budget = RequestBudget(settings.per_minute, settings.per_day)
        self._transport = Transport(
            self._http, settings.base_url, lambda: dict(headers), self._budget,
            retry=RetryPolicy(budget=settings.retry_budget), offline=settings.offline,
            progress=settings.progress, timeout=settings.timeout, paging=HeaderCursor(),
            credential_hint="check the API key (api_key= or SERVICEM8_API_KEY) or OAuth token",
            filter_of=_filter_sent,
        )
        self._memo: OrderedDict[tuple[str, str], _Memo] = OrderedDict()  # by (resource, $filter)
        self._memo_lock = threading.Lock()
        self._custom_fields: dict[str, tuple[str, ...]] = {}
        self._cleanup: list[Any] = []

    @staticmethod
    def _make_session(session: requests.Session | None, settings: Settings, namespace: str) -> requests.Session:
        if session is None:
            if settings.cache_dir is None:  # requests' own class, even under requests_cache.install_cache()
                return OriginalSession()
            return make_cached_session(settings.cache_dir / f"servicem8-{namespace}.sqlite", settings.expire_after,
                                       settings.base_url)
        if isinstance(session, CacheMixin):  # a CachedSession, or any session install_cache() patched
            # The user's cache may hold several accounts: keep credentials out of it, and key
            # every answer by the account (a one-way hash sent as a header, matched by the cache).
            ignored = list(session.settings.ignored_parameters or ())
            session.settings.ignored_parameters = ignored + [h for h in AUTH_HEADERS if h not in ignored]
            matched = session.settings.match_headers
            if matched is not True and ACCOUNT_HEADER not in (matched or ()):
                session.settings.match_headers = [*(matched or ()), ACCOUNT_HEADER]
        return session

    # --- queries ----------------------------------------------------------------------------
    def frame(self, resource: str, where: Where = None, *, include_inactive: bool = False,
              enrich: bool = False) -> pd.DataFrame:
        """Records of any supported resource as a typed DataFrame.

        Args:
            resource: The API name, e.g. ``"jobactivity"`` (see ``resources()``).
            where: A filter expression (``sm.F.status == "Work Order"``) or ServiceM8 ``$filter``
                text (``"status eq 'Work Order'"``). It is checked against the resource before any
                request; the part the API can run is sent as ``$filter``, the rest runs on the
                frame (see ``explain``). Enriched columns (``staff_name`` …) may be used.
            include_inactive: Keep soft-deleted records (``active`` is 0); implied when ``where``
                names ``active`` (``F.active == False`` finds the deleted ones).
            enrich: Add ``staff_name``, ``job_number``, ``client_name``, ``category_name``.

        Raises:
            UnknownResourceError: No such resource.
            FilterError: ``where`` is malformed, names an unknown field (``UnknownFieldError``), or
                an operator or value does not fit a field's type.
            SMExploreError: The API refused or failed (a subclass says how).
        """
        spec = self._resource(resource)
        related = self._related_lookup()
        planned = self._plan(spec, where, related)
        result = self._pull(spec, planned.filter)
        pulled, fetched_at = len(result), result.attrs["fetched_at"]
        local = planned.local
        # Enriched columns the local filter reads are added for it, and dropped after unless asked for.
        borrowed = (local.fields() & set(enriched_columns(spec.fields))) if local is not None and not enrich else set()
        if enrich or borrowed:
            result = add_enrichment(result, related, None if enrich else borrowed)
        if local is not None:
            result = result[evaluate(local, result, spec, self.settings.timezone)].reset_index(drop=True)
        result = result.drop(columns=list(borrowed))
        # A filter that names ``active`` decides about soft-deleted records itself.
        if not include_inactive and "active" in result and "active" not in planned.fields:
            result = result[result["active"].fillna(True).astype(bool)].reset_index(drop=True)
        # JSON-serialisable only (Parquet and Feather store attrs as JSON): ``now`` as ISO-8601 text.
        result.attrs.update(source="servicem8", resource=spec.name, now=self.now.isoformat(),
                            filter=planned.filter, pulled=int(pulled), fetched_at=fetched_at)
        return result

    def timeline_frame(self, where: Where = None, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Bookings, recorded time and allocations as one normalised timeline frame (see ``sm.normalise``).

        Args:
            where: A filter both job activities and allocations can run (``staff_name``,
                ``staff_uuid``, ``job_uuid`` …).
            start: Keep spans that end after this moment.
            end: Keep spans that start before this moment.
        """
        return timeline_frame(self, where, start, end)

    def explain(self, resource: str, where: Where) -> Plan:
        """How a filter would run: the ``$filter`` sent, the local remainder, and why.

        Nothing is pulled, except the related records an enriched column's name is looked up in.

        >>> s.explain("jobactivity", (F.staff_name == "Ava Smith") & (F.start_date >= "2026-03-01"))
        """
        return self._plan(self._resource(resource), where, self._related_lookup())

    def jobs(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Jobs (``/job.json``); same arguments as ``frame``."""
        return self.frame("job", where, **options)

    def allocations(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job allocations (``/joballocation.json``); same arguments as ``frame``."""
        return self.frame("joballocation", where, **options)

    def activities(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job activities: bookings and recorded time (``/jobactivity.json``); same arguments as ``frame``."""
        return self.frame("jobactivity", where, **options)

    def staff(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Staff members (``/staff.json``); same arguments as ``frame``."""
        return self.frame("staff", where, **options)

    def clients(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Clients (``/company.json``); same arguments as ``frame``."""
        return self.frame("company", where, **options)

    def categories(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job categories (``/category.json``); same arguments as ``frame``."""
        return self.frame("category", where, **options)

    def allocation_windows(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Allocation windows (``/allocationwindow.json``); same arguments as ``frame``."""
        return self.frame("allocationwindow", where, **options)

    def queues(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job queues (``/queue.json``); same arguments as ``frame``."""
        return self.frame("queue", where, **options)

    def get(self, resource: str, uuid: str) -> pd.DataFrame:
        """One record by uuid, as a one-row frame.

        Raises:
            NotFoundError: No record has this uuid.
            ValueError: ``uuid`` is not a uuid (nothing is sent).
        """
        spec = self._resource(resource)
        uuid = canonical_uuid(uuid)  # the API's spelling, whichever was given (ValueError if none)
        body, _ = self._transport.get(f"/{spec.name}/{uuid}.json", what=f"{spec.name} {uuid}")
        return to_frame([body], spec, self.settings.timezone)

    @property
    def now(self) -> pd.Timestamp:
        """The account's "now": the demo account's anchored clock, or this machine's for a live one."""
        if self.emulator is not None:
            now = pd.Timestamp(self.emulator.app.now()).floor("s")  # the account's wall clock
            return now if self.settings.timezone is None else now.tz_localize(
                self.settings.timezone, ambiguous=True, nonexistent="shift_forward")
        now = pd.Timestamp.now(tz=self.settings.timezone)
        return now.tz_localize(None) if self.settings.timezone is None else now

    # --- what can be queried ------------------------------------------------------------------
    def resources(self) -> pd.DataFrame:
        """Every supported resource: its method, path, read scope and number of fields."""
        by_resource = {r: m for m, r in METHODS.items()}
        rows = [
            {"resource": name, "method": by_resource.get(name, f'frame("{name}")'), "path": get_resource(name).path,
             "read_scope": get_resource(name).scopes["list"], "fields": len(get_resource(name).fields)}
            for name in resource_names()
        ]
        return pd.DataFrame(rows).astype({"resource": "string", "method": "string", "path": "string",
                                          "read_scope": "string", "fields": "Int64"})

    def describe(self, resource: str) -> pd.DataFrame:
        """Each field of ``resource``: name, dtype in frames, kind, read-only flag and meaning."""
        spec = self._resource(resource)
        rows = [
            {"field": f.name, "dtype": str(column_dtype(f, self.settings.timezone)), "kind": f.kind,
             "read_only": f.read_only, "description": f.description}
            for f in spec.fields.values()
        ]
        return pd.DataFrame(rows).astype({"field": "string", "dtype": "string", "kind": "string",
                                          "read_only": "boolean", "description": "string"})

    # --- cache ---------------------------------------------------------------------------------
    def cache_info(self) -> CacheInfo:
        """Where the cache is, how big, how many answers it holds, and hits/misses this session."""
        hits, misses = self._transport.hits, self._transport.misses
        if not self._transport.cached:
            return CacheInfo(None, 0, 0, hits, misses, None)
        cache = self._http.cache  # type: ignore[attr-defined]
        path = getattr(cache, "db_path", None)
        size = sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal", "-shm")
                   if path and Path(f"{path}{suffix}").exists())
        answers = cache.count() if isinstance(cache, GuardedSQLiteCache) else len(cache.responses)
        return CacheInfo(str(path) if path else None, size, answers, hits, misses,
                         self._http.settings.expire_after)  # type: ignore[attr-defined]

    def clear_cache(self) -> None:
        """Forget every cached answer of this session's cache (and the frames built from them).

        Other sessions and processes reading the same cache are not disturbed: they simply pull
        again from the network.

        Raises:
            CacheError: The cache is read-only, or cannot be used.
        """
        if self._transport.cached:
            self._http.cache.clear()  # type: ignore[attr-defined]
        with self._memo_lock:
            self._memo.clear()

    def _forget_frames(self, name: str) -> None:
        """Drop the frames kept for one resource (after a write to it)."""
        with self._memo_lock:
            for key in [k for k in self._memo if k[0] == name]:
                del self._memo[key]

    def close(self) -> None:
        """Release the cache file and, for a demo, stop its emulator (safe to call twice).

        A requests session you passed in (``session=``) is yours: it is left open.
        """
        if self._owns_http:
            self._http.close()
        for action in reversed(self._cleanup):
            action()
        self._cleanup.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- display -----------------------------------------------------------------------------
    def _summary(self) -> dict[str, str]:
        info = self.cache_info()
        cache = (f"{info.path} ({info.size_bytes / 1e6:.1f} MB, {info.responses} answers)" if info.path
                 else "user session" if self._transport.cached else "off")
        return {
            "account": f"{self.settings.mode}, {'OAuth token' if self._credential.kind == 'oauth' else 'API key'} "
                       f"{self._credential.hint}, {'writable' if self.settings.writable else 'read-only'}",
            "base URL": self.settings.base_url,
            "cache": cache + (" — offline" if self.settings.offline else ""),
            "cache hits / misses": f"{info.hits} / {info.misses}",
            "requests this minute": f"{self._budget.sent_last_minute()} of {self.settings.per_minute}",
            "requests today": f"{self._budget.sent_today():,} of {self.settings.per_day:,}",
        }

    def __repr__(self) -> str:
        parts = "; ".join(f"{k}: {v}" for k, v in self._summary().items())
        return f"<smexplore.Session {parts}>"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                       f"{html.escape(v)}</td></tr>" for k, v in self._summary().items())
        return f"<table><caption style='text-align:left'><b>smexplore.Session</b></caption>{rows}</table>"

    # --- internals ----------------------------------------------------------------------------
    def _resource(self, name: str) -> Resource:
        try:
            return get_resource(name)
        except KeyError:
            raise UnknownResourceError(
                f"unknown resource {name!r}{did_you_mean(name, resource_names())}; "
                f"supported resources: {', '.join(resource_names())}"
            ) from None

    def _plan(self, spec: Resource, where: Where, related: Callable[[str], pd.DataFrame]) -> Plan:
        def uuids_named(column: str, name: str) -> list[str]:
            """The uuids of the related records an enriched ``column`` shows as ``name`` (any case)."""
            names = names_by_uuid(column, related)
            return sorted(set(names.index[names.astype("string").str.casefold() == name.casefold()]))

        return plan(as_expression(where), spec, tz=self.settings.timezone, lookup=uuids_named,
                    text=where if isinstance(where, str) else None)

    def _names(self, column: str) -> pd.Series:
        """The names an enriched ``column`` shows, by the related record's uuid."""
        return names_by_uuid(column, self._related_frame)

    def _related_frame(self, name: str) -> pd.DataFrame:
        """Every record of a related resource, pulled like any other (as fresh as the cache allows)."""
        return self._pull(get_resource(name), "")

    def _related_lookup(self) -> Callable[[str], pd.DataFrame]:
        """``_related_frame`` that pulls each resource at most once: for the span of one query."""
        frames: dict[str, pd.DataFrame] = {}

        def related(name: str) -> pd.DataFrame:
            if name not in frames:
                frames[name] = self._related_frame(name)
            return frames[name]

        return related

    def _pull(self, spec: Resource, text: str) -> pd.DataFrame:
        """All records (deleted ones too) for the filter, typed; ``attrs["fetched_at"]`` says how old.

        A repeat pull reuses the frame built last time while the cache still serves the same first
        page (no parsing); the transport serves every page from the cache or every page from the
        network (see ``Transport.pull``).
        """
        key = (spec.name, text)
        with self._memo_lock:
            memo = self._memo.get(key)
        before = self._transport.version(spec.path)
        reuse: Callable[[Page], bool] | None = None
        if memo is not None and before is not None:  # valid while nothing about the resource was stored since
            reuse = lambda page: (page.digest, before) == (memo.digest, memo.version)
        pulled = self._transport.pull(spec.path, {"$filter": text} if text else {}, label=spec.name, reuse=reuse)
        if pulled.records is None and memo is not None:
            frame, fetched_at = memo.frame, memo.fetched_at
        else:
            frame = to_frame(pulled.records or [], spec, self.settings.timezone,
                             extra_columns=self._custom_columns(spec, text, bool(pulled.records)))
            fetched_at = pulled.fetched_at.isoformat()
            self._custom_fields[spec.name] = tuple(sorted({*self._custom_fields.get(spec.name, ()),
                                                           *(c for c in frame.columns if spec.has_custom_field(c))}))
            after = self._transport.version(spec.path)
            # Valid only if the cache changed by exactly the pages this pull stored (no one else's).
            if before is not None and after is not None and after - before == pulled.fetched:
                with self._memo_lock:
                    self._memo[key] = _Memo(pulled.first.digest, after, frame, fetched_at)
                    while len(self._memo) > _MEMO_SIZE:
                        self._memo.popitem(last=False)
        result = frame.copy()
        result.attrs["fetched_at"] = fetched_at
        return result

    def _custom_columns(self, spec: Resource, text: str, any_records: bool) -> tuple[str, ...]:
        """The account's custom fields of ``spec``, for a frame that would otherwise lack them.

        Learnt from every pull; an empty filtered result of a resource with custom fields, before
        any pull has shown them, looks at the whole resource (through the cache) once.
        """
        known = self._custom_fields.get(spec.name)
        if known is None and not any_records and text and spec.has_custom_field(f"{CUSTOM_FIELD_PREFIX}probe"):
            try:
                self._related_frame(spec.name)
            except CacheMissError:
                return ()
            known = self._custom_fields.get(spec.name)
        return known or ()


def _filter_sent(params: Mapping[str, str]) -> str | None:
    """The ``$filter`` of a first-page request (a 400 to a later page is about its cursor, not the filter)."""
    return params.get("$filter") if params.get("cursor", "-1") == "-1" else None


def _cache_dir(cache: str | Path | bool | None) -> Path | None:
    if cache is False:
        return None
    if cache is None or cache is True:
        return Path(platformdirs.user_cache_dir("smexplore"))
    return Path(cache).expanduser()


def connect(api_key: str | None = None, *, oauth_token: str | None = None, base_url: str = DEFAULT_BASE_URL,
            session: requests.Session | None = None, cache: str | Path | bool | None = None,
            expire_after: Any = DEFAULT_EXPIRE_AFTER, timezone: str | None = None, offline: bool = False,
            progress: bool = True, per_minute: int = 180, per_day: int = 20_000, retry_budget: float = 120.0,
            timeout: float = 60.0, writable: bool = False) -> Session:
    """Open a ServiceM8 account.

    Args:
        api_key: The account's API key; ``$SERVICEM8_API_KEY`` when ``None``.
        oauth_token: An OAuth access token instead of an API key (sent as a bearer token).
        base_url: The API's base URL.
        session: Your own ``requests.Session`` or ``requests_cache.CachedSession`` (used as given;
            a plain Session does not cache, and ``cache`` is then ignored).
        cache: Folder for the cache files (created when missing); default: the user cache folder
            (``platformdirs.user_cache_dir("smexplore")``); ``False`` for no cache.
        expire_after: How long cached answers stay fresh (seconds, ``timedelta``, or requests-cache's
            constants); default one hour.
        timezone: IANA zone name to localise timestamps to; ``None`` keeps naive account time.
        offline: Serve from the cache only; a miss raises ``CacheMissError``.
        progress: Show a progress bar on pulls of more than one page, in Jupyter or on a terminal.
        per_minute: Client-side limit of requests per minute (the API allows 180).
        per_day: Client-side budget of requests per day (the API allows 20,000).
        retry_budget: Seconds to keep retrying 429 and 5xx answers before raising.
        timeout: Seconds to wait for each answer.
        writable: Allow writes (``create``, ``update``, ``delete``, ``restore``, ``allocate``, ``book``);
            sessions are read-only by default.
    """
    credential = resolve_credential(api_key, oauth_token)
    settings = Settings(
        base_url=base_url.rstrip("/"), cache_dir=None if session is not None else _cache_dir(cache),
        expire_after=expire_after, timezone=timezone, offline=offline, progress=progress, per_minute=per_minute,
        per_day=per_day, retry_budget=retry_budget, timeout=timeout, writable=writable,
    )
    return Session(credential, settings, session=session)


def demo(*, seed: int = 0, scale: str = "small", timezone: str | None = None, progress: bool = True,
         writable: bool = False, **emulator_options: Any) -> Session:
    """A Session on the embedded emulator serving the synthetic demo account (no key needed).

    The emulator runs in a background thread on a free loopback port and the Session has a cache
    of its own in a temporary folder; both go when the Session is closed or Python exits.

    Args:
        seed: Seed of the synthetic account (the same seed gives the same records).
        scale: ``small`` (default), ``medium`` or ``large``.
        timezone: As for ``connect``.
        progress: As for ``connect``.
        writable: As for ``connect`` (writes change only the emulator's copy of the account).
        **emulator_options: Passed to ``smexplore.emulator.Emulator`` (``page_size``,
            ``per_minute``, ``faults``, ``tokens`` …).
    """
    from .emulator import Emulator  # imported here: live sessions never load the emulator

    emulator = Emulator(seed=seed, scale=scale, **emulator_options).start()  # type: ignore[arg-type]
    folder = Path(tempfile.mkdtemp(prefix="smexplore-demo-"))
    try:
        settings = Settings(base_url=emulator.base_url, cache_dir=folder, timezone=timezone, progress=progress,
                            mode="demo", expire_after=DEFAULT_EXPIRE_AFTER, writable=writable)
        result = Session(resolve_credential(emulator.api_key, None), settings, emulator=emulator)
    except BaseException:
        _stop_demo(emulator, folder)
        raise
    # Runs on close(), when the Session is collected, or at interpreter exit, whichever comes first.
    result._cleanup.append(weakref.finalize(result, _stop_demo, emulator, folder))
    return result


def _stop_demo(emulator: Any, folder: Path) -> None:
    emulator.stop()
    shutil.rmtree(folder, ignore_errors=True)
