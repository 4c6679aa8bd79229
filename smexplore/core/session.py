"""The Session every system shares: typed frames through a real HTTP cache, filters planned per dialect.

A system's Session subclasses ``BaseSession`` and says five things: its field table
(``_get_resource``, ``_resource_names``), its paging style (``paging``), its server dialect
(``_dialect``), how a record is addressed (``_record_path``) and, where its records need it, how
they are prepared before typing (``_prepare``). Everything else (the cache per account, the
request budget, retries, offline reads, frames reused while the cache is unchanged, ``explain``,
``describe``, ``cache_info``, the repr) is written once, here.
"""

from __future__ import annotations

import html
import json
import math
import re
import secrets
import shutil
import tempfile
import threading
import time
import weakref
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, NamedTuple, Self, TypeVar

import pandas as pd
import platformdirs
import requests
from requests_cache import CacheMixin
from requests_cache.session import OriginalSession

from .auth import Credentials
from .cache import ACCOUNT_HEADER, AUTH_HEADERS, GuardedSQLiteCache, make_cached_session
from .errors import CacheMissError, SMExploreError, StoreError, SyncRefusedError, UnknownResourceError, did_you_mean
from .filters.evaluate import evaluate
from .filters.expr import Expr, FieldRef, as_expression
from .filters.names import warn_unknown_names
from .filters.plan import Dialect, Lookup, Plan, plan
from .filters.scan import scan_filter
from .frame_cache import FrameCache, Kept
from .frames import column_dtype, localised, to_frame
from .http import Cancelled, ErrorKind, Page, RequestBudget, RetryPolicy, Transport, progress_wanted
from .keys import folder_key, keyed_name
from .log import get_logger
from .paging import HeaderCursor, Paginator
from .redact import watch
from .schedule import Schedule
from .schema import Resource
from .store import Store, SyncState, fingerprint, loaded_frame, stored_frame
from .sync import SUMMARY_DTYPES, Counts, active_rows, shrinkage, upsert

__all__ = ["DEFAULT_EXPIRE_AFTER", "BaseSession", "CacheInfo", "Settings", "Source", "Where", "cache_dir",
           "demo_session", "store_dir"]

DEFAULT_EXPIRE_AFTER = timedelta(hours=1)
Where = Expr | str | None
"""A filter: an expression (``F.status == "Quote"``), filter text (``"status eq 'Quote'"``), or ``None``."""
Source = Literal["api", "store"] | None
"""Where a query reads: ``"api"`` (through the cache), ``"store"`` (the local store; see ``sync``),
or ``None``: the store when the session is offline and the store holds the resource, else the API."""
log = get_logger("session")
_MEMO_SIZE = 16
_SYNC_THREADS = 4


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
        writable: Whether writes are allowed (on systems that have them).
        per_second: Client-side limit of requests per second (``None``: none).
        per_hour: Client-side limit of requests per hour (``None``: none).
        store_dir: Folder of the local store (see ``store_dir``); ``None``: beside the cache.
        full_sync_after: How old the last full sync may be before ``sync`` makes the next one full
            by itself (``None``: only when asked, ``sync(full=True)``).
    """

    base_url: str = ""
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
    per_second: int | None = None
    per_hour: int | None = None
    store_dir: Path | None = None
    full_sync_after: timedelta | None = timedelta(days=7)

    def __post_init__(self) -> None:
        for name in ("per_minute", "per_day", "per_second", "per_hour"):
            value = getattr(self, name)
            if name in ("per_second", "per_hour") and value is None:
                continue
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
    frame: pd.DataFrame | None  # None: kept on disk (see ``FrameCache``), not read yet
    fetched_at: str


class CacheInfo(NamedTuple):
    """What the cache holds and how it has served this session."""

    path: str | None
    size_bytes: int
    responses: int
    hits: int
    misses: int
    expire_after: Any
    store_path: str | None = None

    def _repr_html_(self) -> str:
        """A two-column table (Jupyter): where the cache is, its size, what it holds, hits and misses."""
        expire = self.expire_after
        rows = {
            "path": self.path if self.path is not None else "(no cache file)",
            "size": f"{self.size_bytes / 1e6:.1f} MB",
            "answers held": f"{self.responses:,}",
            "hits / misses": f"{self.hits:,} / {self.misses:,}",
            "expire after": "—" if expire is None else "never" if expire == -1 else str(expire),
            "store": self.store_path or "—",
        }
        return _html_table("smexplore.CacheInfo", rows)


def _html_table(caption: str, rows: Mapping[str, str]) -> str:
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                   f"{html.escape(v)}</td></tr>" for k, v in rows.items())
    return f"<table><caption style='text-align:left'><b>{html.escape(caption)}</b></caption>{body}</table>"


def cache_dir(cache: str | Path | bool | None) -> Path | None:
    """The folder of the cache files for ``connect(cache=...)``: ``None``/``True`` → the user cache folder."""
    if cache is False:
        return None
    if cache is None or cache is True:
        return Path(platformdirs.user_cache_dir("smexplore"))
    return Path(cache).expanduser()


def store_dir(store: str | Path | None, cache: str | Path | bool | None) -> Path:
    """The local store's folder for ``connect(store=..., cache=...)``: ``store`` if given; else
    ``store`` inside a cache folder you chose; else the user data folder
    (``platformdirs.user_data_dir("smexplore")/store``), which, unlike the cache folder, no cleaner empties."""
    if store is not None:
        return Path(store).expanduser()
    if cache is not None and not isinstance(cache, bool):
        return Path(cache).expanduser() / "store"
    return Path(platformdirs.user_data_dir("smexplore")) / "store"


_S = TypeVar("_S", bound="BaseSession")


def _names_key(settings: Settings, session: requests.Session | None) -> bytes:
    """The key of the names a Session gives an account's files and cached answers (``core.keys``):
    the cache folder's; for your own caching session, the user data folder's (its answers are kept
    under the same names in a later process); with no cache, one of this Session's own."""
    if settings.cache_dir is not None and session is None:
        folder: Path | None = settings.cache_dir
    elif isinstance(session, CacheMixin):
        folder = Path(platformdirs.user_data_dir("smexplore"))
    else:
        folder = None
    try:
        key = folder_key(folder, create=True) if folder is not None else None
    except StoreError as exc:
        log.warning("%s: this session names its cached answers with a key of its own, so a later session "
                    "will not find them", exc)
        key = None
    return key if key is not None else secrets.token_bytes(32)


def demo_session(emulator: Any, prefix: str, make: Callable[[Path], _S], cache: str | Path | None = None) -> _S:
    """Start ``emulator`` and make a Session on it, its cache (and store) in ``cache``, or in a new
    temporary folder.

    The emulator stops, and a temporary folder goes, when the Session is closed, collected, or
    Python exits, whichever comes first; if the Session cannot be made, at once. A ``cache``
    folder is kept: a later demo of the same seed and scale finds its store there (written by a
    demo with ``writable=True``, it holds that demo's changes, which a new emulator does not have:
    a full sync, into a new folder, starts afresh).

    Args:
        emulator: An emulator (its ``start()`` and ``stop()`` are called).
        prefix: The temporary folder's name prefix.
        make: Makes the Session, given the cache folder.
        cache: A folder of your own for the cache and the store (made if missing).
    """
    temporary = cache is None
    folder = Path(tempfile.mkdtemp(prefix=prefix)) if cache is None else Path(cache).expanduser()
    try:
        emulator.start()
        folder.mkdir(parents=True, exist_ok=True)
        session = make(folder)
    except BaseException:
        _stop_demo(emulator, folder if temporary else None)
        raise
    session._cleanup.append(weakref.finalize(session, _stop_demo, emulator, folder if temporary else None))
    return session


def _stop_demo(emulator: Any, folder: Path | None) -> None:
    emulator.stop()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class BaseSession(Schedule):
    """A connection to one account of one system that returns typed pandas DataFrames.

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    source: ClassVar[str] = ""
    """The system's name, as frames' ``attrs["source"]`` and the normalised timeline say it."""
    display_name: ClassVar[str] = "smexplore.Session"
    credential_hint: ClassVar[str] = "check the credentials"
    methods: ClassVar[Mapping[str, str]] = {}
    """Convenience method → resource, for ``resources()``."""
    timeline_resources: ClassVar[tuple[str, ...]] = ()
    """Resources whose frames the Explorer draws as a timeline (the first is the one it shows first)."""
    media_types: ClassVar[tuple[str, ...]] = ("application/json",)
    """What the API's answers are (another type, such as a maintenance page, is refused unread)."""
    changed_field: ClassVar[str | None] = None
    """The field that says when a record last changed, if the API filters on it (``sync`` then pulls
    only what changed; ``None``: every sync pulls every record)."""
    sync_overlap: ClassVar[timedelta] = timedelta(minutes=65)
    """How far before the high-water mark an incremental sync asks again: edits stamped in the same
    second as the mark, committed late, or (an account's wall clock) in the hour the clocks go back
    and repeat are not lost; records seen twice are merged once."""

    def __init__(self, credential: Credentials, settings: Settings, *, session: requests.Session | None = None,
                 emulator: Any = None) -> None:
        self.settings = settings
        self.emulator = emulator
        self._credential = credential
        watch(credential)  # a server echoing its secrets never gets them into a message
        self._owns_http = session is None
        # A demo account is the same account whatever port its emulator has today.
        identity = credential.identity(settings.base_url if emulator is None else
                                       f"demo:{self.source}:{emulator._describe()}")
        # Names on disk and the account header are keyed hashes: none lets a credential be guessed offline.
        namespace = keyed_name(_names_key(settings, session), identity)
        self._http = self._make_session(session, settings, f"{self.source}-{namespace}")
        if settings.offline and not isinstance(self._http, CacheMixin):
            raise ValueError("offline=True needs a cache: pass cache=<folder> or a requests_cache.CachedSession")
        account = {ACCOUNT_HEADER: namespace}
        self._budget = RequestBudget(settings.per_minute, settings.per_day, per_second=settings.per_second,
                                     per_hour=settings.per_hour, max_wait=settings.retry_budget)
        self._transport = Transport(
            self._http, settings.base_url, lambda: {**credential.headers(), **account}, self._budget,
            retry=RetryPolicy(budget=settings.retry_budget), offline=settings.offline,
            progress=settings.progress, timeout=settings.timeout, paging=self.paging(),
            credential_hint=self.credential_hint, filter_of=self._filter_of,
            describe_error=self._describe_error, renew=credential.renew, decode=self._decode,
            media_types=self.media_types,
        )
        self._memo: OrderedDict[tuple[str, str], _Memo] = OrderedDict()  # by (resource, query)
        self._memo_lock = threading.Lock()
        self._frames = (FrameCache(settings.cache_dir / "frames" / f"{self.source}-{namespace}")
                        if settings.cache_dir is not None and session is None else None)
        owner = None if emulator is not None else self._account_identity()
        self._store = Store(settings.store_dir or store_dir(None, settings.cache_dir), self.source, owner or identity)
        self._cleanup: list[Any] = []

    # --- what a system says (override) ------------------------------------------------------
    def _account_identity(self) -> str | None:
        """What identifies the account without a secret, where the connection says it (an Accelo
        deployment, a Syncd account and login): the store keeps one partition per account, whichever
        key or secret opened it. ``None``: the credential identifies it (``Credentials.identity``)."""
        return None

    def paging(self, spec: Resource | None = None) -> Paginator:
        """How the system's lists are paged (``spec``'s list, where lists differ; ``None``: most lists)."""
        return HeaderCursor()

    def _get_resource(self, name: str) -> Resource:
        """The resource called ``name`` (``KeyError`` if none)."""
        raise NotImplementedError

    def _resource_names(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _dialect(self, spec: Resource) -> Dialect | None:
        """The server's filter language for ``spec`` (``None``: every filter runs locally)."""
        return None

    def _decode(self, content: bytes) -> Any:
        """A 200 answer's body as Python values (JSON by default; see ``Transport``'s ``decode``)."""
        return json.loads(content)

    def _list_request(self, spec: Resource, params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """The path and query a list pull of ``spec`` with the planned ``params`` is sent as (by
        default ``spec.path`` and ``params``; a system whose server selects by path says so here)."""
        return spec.path, dict(params)

    def _record_path(self, spec: Resource, record_id: str) -> str:
        """The path of one record (``get``)."""
        return f"{spec.path}/{record_id}"

    def _demo_now(self) -> Any:
        """The demo account's anchored clock (naive: account time; aware: converted to UTC wall time)."""
        return self.emulator.app.now()

    def _check_id(self, record_id: str) -> str:
        """``record_id`` checked and in the API's spelling (``ValueError`` if it is none)."""
        if not isinstance(record_id, str) or not record_id.strip():
            raise ValueError(f"a record id is a non-empty str, not {record_id!r}")
        return record_id.strip()

    def _prepare(self, spec: Resource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Records as the field table names them (a system with nested records flattens them here)."""
        return records

    def _filter_of(self, params: Mapping[str, str]) -> str | None:
        """The filter a list request's query carries, if any (a 400 to it is a ``FilterError``)."""
        return None

    def _describe_error(self, response: requests.Response) -> tuple[ErrorKind | None, str] | None:
        """What an error answer means and says, for an API that does not say it by status and
        ``message`` alone (see ``core.http.ErrorDescriber``); ``None``: read it the default way."""
        return None

    def _lookup(self, related: Callable[[str], pd.DataFrame]) -> Lookup | None:
        """Finds the ids behind a name, for filters on added name columns (``None``: none)."""
        return None

    def _extra_columns(self, spec: Resource, params: Mapping[str, str], any_records: bool) -> tuple[str, ...]:
        """Columns a frame should have beyond the field table (per-account fields)."""
        return ()

    def _learn(self, spec: Resource, frame: pd.DataFrame) -> None:
        """Called with every frame built from records (to learn per-account fields)."""

    # --- what the widgets ask (FilterBuilder, Explorer) ---------------------------------------
    def filter_columns(self, resource: str) -> list[str]:
        """The columns a FilterBuilder offers for ``resource``: its fields in the table's order, then
        the columns the Session adds (``staff_name`` …). List fields (arrays kept as sent) are left
        out: no filter compares them.

        Raises:
            UnknownResourceError: No such resource.
        """
        spec = self._resource(resource)
        return [name for name, field in spec.fields.items() if field.kind != "list"] + list(spec.enriched)

    def named_columns(self, resource: str) -> dict[str, str]:
        """Columns of ``resource`` whose values a FilterBuilder offers as a list of names: column → the
        name column listing them (``staff_uuid`` → ``staff_name``; a name column maps to itself).
        None by default (fields with a fixed set of values are offered as a list anyway)."""
        return {}

    def preview_columns(self, resource: str) -> list[str]:
        """The columns the widgets' preview of a result shows first: those the Session adds (``staff_name`` …)."""
        return list(self._resource(resource).enriched)

    def _names(self, column: str) -> pd.Series:
        """The names a name column of ``named_columns`` shows, indexed by the related record's id."""
        raise KeyError(f"{self.display_name} lists no names for {column!r}")

    def _display_frame(self, resource: str, where: Where) -> pd.DataFrame:
        """The frame the widgets show for ``where``: ``frame(resource, where)``, with the names a system adds."""
        return self.frame(resource, where)

    def _timeline_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """What ``sm.timeline`` draws for a result of one of ``timeline_resources`` (the frame itself by default)."""
        return frame

    # --- queries ----------------------------------------------------------------------------
    def frame(self, resource: str, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Records of any supported resource as a typed DataFrame.

        Args:
            resource: The API name (see ``resources()``), its path, or its convenience method's name
                (``time_entries`` and ``time-entries`` alike).
            where: A filter expression (``sm.F.status == "Active"``) or filter text. It is checked
                against the resource before any request; the part the server runs exactly is sent,
                the rest runs on the frame (see ``explain``). An ``==`` or ``isin`` on a name column
                (``staff_name``, ``member_name`` …) that names no one the session knows warns
                (``UserWarning``, with the closest names) and still runs.
            source: ``"api"``, ``"store"`` (the local copy ``sync`` keeps: same columns, dtypes and
                filter semantics, no request), or ``None``: the store when the session is offline
                and the store holds ``resource``, else the API.

        Raises:
            UnknownResourceError: No such resource.
            FilterError: ``where`` is malformed, names an unknown field (``UnknownFieldError``), or
                an operator or value does not fit a field's type.
            StoreError: ``source="store"``, and the store does not hold ``resource``.
            SMExploreError: The API refused or failed (a subclass says how).
        """
        spec = self._resource(resource)
        stored = self._reads_store(spec, source)
        planned = self._plan(spec, where, self._related_lookup(stored))
        result, local = self._rows(spec, planned, stored)
        pulled, fetched_at = len(result), result.attrs["fetched_at"]
        if local is not None:
            result = result[evaluate(local, result, spec, self.settings.timezone)].reset_index(drop=True)
        return self._finish(result, spec, planned, pulled, fetched_at, stored)

    def _finish(self, result: pd.DataFrame, spec: Resource, planned: Plan, pulled: int,
                fetched_at: str, stored: bool = False) -> pd.DataFrame:
        """The frame's attrs: where it comes from, the filter sent, how many records were pulled, how old."""
        # JSON-serialisable only (Parquet and Feather store attrs as JSON): ``now`` as ISO-8601 text.
        result.attrs.update(source=self.source, resource=spec.name, now=self.now.isoformat(),
                            filter="" if stored else planned.filter, pulled=int(pulled), fetched_at=fetched_at,
                            read_from="store" if stored else "api")
        return result

    def _rows(self, spec: Resource, planned: Plan, stored: bool) -> tuple[pd.DataFrame, Expr | None]:
        """The records a planned query starts from, and the part of its filter still to run on them."""
        if stored:
            return self._read_store(spec, planned.where), planned.where
        return self._pull(spec, planned.params), planned.local

    def explain(self, resource: str, where: Where) -> Plan:
        """How a filter would run: what is sent to the server, the local remainder, and why.

        Nothing is pulled, except the related records a name column is looked up in.
        """
        return self._plan(self._resource(resource), where, self._related_lookup())

    def get(self, resource: str, record_id: str) -> pd.DataFrame:
        """One record by its id, as a one-row frame.

        Raises:
            NotFoundError: No record has this id.
            ValueError: ``record_id`` is no id (nothing is sent).
        """
        spec = self._resource(resource)
        record_id = self._check_id(record_id)
        body, _ = self._transport.get(self._record_path(spec, record_id), what=f"{spec.name} {record_id}")
        return to_frame(self._prepare(spec, [body]), spec, self.settings.timezone)

    @property
    def now(self) -> pd.Timestamp:
        """The account's "now": the demo account's anchored clock, or this machine's for a live one."""
        if self.emulator is not None:
            now = pd.Timestamp(self._demo_now()).floor("s")  # the account's wall clock
            now = now.tz_convert("UTC").tz_localize(None) if now.tzinfo is not None else now
            return now if self.settings.timezone is None else now.tz_localize(
                self.settings.timezone, ambiguous=True, nonexistent="shift_forward")
        now = pd.Timestamp.now(tz=self.settings.timezone)
        return now.tz_localize(None) if self.settings.timezone is None else now

    # --- what can be queried ------------------------------------------------------------------
    def resources(self) -> pd.DataFrame:
        """Every supported resource: its methods (``activities, bookings``), path and number of fields."""
        by_resource: dict[str, list[str]] = {}
        for method, resource in self.methods.items():
            by_resource.setdefault(resource, []).append(method)
        rows = [{"resource": name, "method": ", ".join(by_resource.get(name, [])) or f'frame("{name}")',
                 "path": self._get_resource(name).path, "fields": len(self._get_resource(name).fields)}
                for name in self._resource_names()]
        return pd.DataFrame(rows).astype({"resource": "string", "method": "string", "path": "string",
                                          "fields": "Int64"})

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
        store = str(self.store_path)
        if not self._transport.cached:
            return CacheInfo(None, 0, 0, hits, misses, None, store)
        cache = self._http.cache  # type: ignore[attr-defined]
        path = getattr(cache, "db_path", None)
        size = sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal", "-shm")
                   if path and Path(f"{path}{suffix}").exists())
        answers = cache.count() if isinstance(cache, GuardedSQLiteCache) else len(cache.responses)
        return CacheInfo(str(path) if path else None, size, answers, hits, misses,
                         self._http.settings.expire_after, store)  # type: ignore[attr-defined]

    def clear_cache(self) -> None:
        """Forget every cached answer of this session's cache (and the frames built from them).

        Other sessions and processes reading the same cache are not disturbed: they simply pull
        again from the network. The local store (``sync``) is kept.

        Raises:
            CacheError: The cache is read-only, or cannot be used.
        """
        if self._transport.cached:
            self._http.cache.clear()  # type: ignore[attr-defined]
        if self._frames is not None:
            shutil.rmtree(self._frames.folder, ignore_errors=True)
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
        credential = self._credential.label
        return {
            "account": f"{self.settings.mode}, {credential} {self._credential.hint}, "
                       f"{'writable' if self.settings.writable else 'read-only'}",
            "base URL": self.settings.base_url,
            "cache": cache + (" — offline" if self.settings.offline else ""),
            "cache hits / misses": f"{info.hits} / {info.misses}",
            "store": f"{self.store_path} ({self._store_contents()})",
            "requests this minute": f"{self._budget.sent_last_minute()} of {self.settings.per_minute}",
            "requests today": f"{self._budget.sent_today():,} of {self.settings.per_day:,}",
        }

    def _store_contents(self) -> str:
        """What the store holds of this account, in words (a store that cannot be read says so: a
        repr never raises)."""
        try:
            synced, damaged = self._store.synced(), self._store.damaged()
        except StoreError as exc:
            return f"cannot be read: {exc}"
        whole = [name for name in synced if name not in damaged]
        said = ", ".join(whole) or "nothing synced"
        return f"{said}; damaged: {', '.join(damaged)} (the next sync replaces them)" if damaged else said

    def __repr__(self) -> str:
        parts = "; ".join(f"{k}: {v}" for k, v in self._summary().items())
        return f"<{self.display_name} {parts}>"

    def _repr_html_(self) -> str:
        return _html_table(self.display_name, self._summary())

    # --- internals ----------------------------------------------------------------------------
    @staticmethod
    def _make_session(session: requests.Session | None, settings: Settings, name: str) -> requests.Session:
        if session is None:
            if settings.cache_dir is None:  # requests' own class, even under requests_cache.install_cache()
                return OriginalSession()
            return make_cached_session(settings.cache_dir / f"{name}.sqlite", settings.expire_after,
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

    def _resource(self, name: str) -> Resource:
        """The resource ``name`` names: its API name, its path, or the name of its convenience method
        (``time_entries``, ``time-entries``, ``allocations`` …), in any case and with ``-``, ``_`` or
        ``/`` between words.

        Raises:
            UnknownResourceError: No resource answers to ``name`` (the message lists them, and the closest).
        """
        try:
            return self._get_resource(name)
        except KeyError:
            pass
        spellings = self._spellings()
        alias = next((spellings[key] for key in self._spelling(name) if key in spellings), None) \
            if isinstance(name, str) else None
        if alias is not None:
            return self._get_resource(alias)
        names = self._resource_names()
        methods = [method for method in self.methods if method not in names]
        also = f" (or by their methods' names: {', '.join(methods)})" if methods else ""
        raise UnknownResourceError(f"unknown resource {name!r}{did_you_mean(str(name), [*names, *methods])}; "
                                   f"supported resources: {', '.join(names)}{also}") from None

    def _spellings(self) -> dict[str, str]:
        """Every spelling a resource answers to (``_spelling`` of its name, path and methods) → its API name.

        A spelling two resources share names neither."""
        found: dict[str, set[str]] = {}
        for name in self._resource_names():
            for said in (name, self._get_resource(name).path):
                for key in self._spelling(said):
                    found.setdefault(key, set()).add(name)
        for method, name in self.methods.items():
            for key in self._spelling(method):
                found.setdefault(key, set()).add(name)
        return {key: next(iter(names)) for key, names in found.items() if len(names) == 1}

    @staticmethod
    def _spelling(name: str) -> tuple[str, ...]:
        """The forms of a resource's name that match however it is written: in lower case, without
        ``/`` around it or an extension (``.json``, ``.xml``), its words joined by ``_`` and by nothing
        (``/time-entries`` → ``time_entries``, ``timeentries``)."""
        key = re.sub(r"\.(json|xml)$", "", name.strip().strip("/").casefold())
        words = [word for word in re.split(r"[\s/_.-]+", key) if word]
        return ("_".join(words), "".join(words)) if words else ()

    def _plan(self, spec: Resource, where: Where, related: Callable[[str], pd.DataFrame]) -> Plan:
        """``where`` planned for ``spec`` (see ``explain``); an ``==``/``isin`` on a name column that
        names no one the session knows warns (``_warn_unknown_names``)."""
        planned = plan(as_expression(where), spec, dialect=self._dialect(spec), tz=self.settings.timezone,
                       lookup=self._lookup(related), text=where if isinstance(where, str) else None)
        self._warn_unknown_names(spec, planned.where, related)
        return planned

    def _warn_unknown_names(self, spec: Resource, where: Expr | None, related: Callable[[str], pd.DataFrame]) -> None:
        """Warn (``UserWarning``) for each ``==`` or ``isin`` that every record must meet, on a name column
        of ``spec`` (one ``named_columns`` maps to itself: ``staff_name``, ``member_name`` …), whose
        values are none of the names the session knows (``F.staff_name == "Ethan Kely"``): the
        message suggests the closest names. The query still runs.

        What it costs: the related list that names the column (``_known_names``), read through
        ``related``, the query's own reads: where the filter looks names up or adds them (ServiceM8's
        enriched columns) it needs that list anyway, so no request is added; elsewhere (Ruddr's
        members and projects) the list is pulled once through the cache. A list that cannot be had
        (offline and not cached, no permission) means no check, never a failed query.
        """
        if where is None:
            return
        columns = {column for column, names in self.named_columns(spec.name).items() if column == names}
        if not columns:
            return

        def names_of(column: str) -> Any:
            try:
                return self._known_names(column, related)
            except (SMExploreError, KeyError) as exc:
                log.debug("%s: the names of %s cannot be checked (%s)", spec.name, column, exc)
                return None

        warn_unknown_names(where, columns, names_of)

    def _known_names(self, column: str, related: Callable[[str], pd.DataFrame]) -> pd.Series:
        """The names a name column shows (as ``_names``), read through a query's ``related`` (a system
        whose names come from related lists overrides this; by default, ``_names``)."""
        return self._names(column)

    def _related_frame(self, name: str, stored: bool = False) -> pd.DataFrame:
        """Every record of a related resource, pulled like any other (as fresh as the cache allows),
        or, for a query of the store (``stored``), read from the store where it holds them (a
        related resource never synced is pulled: through the cache, or from it when offline)."""
        spec = self._get_resource(name)
        if (stored and self._stored_state(spec) is not None) or self._reads_store(spec, None):
            return self._read_store(spec)
        return self._pull(spec, {})

    def _related_lookup(self, stored: bool = False) -> Callable[[str], pd.DataFrame]:
        """``_related_frame`` that pulls each resource at most once: for the span of one query."""
        frames: dict[str, pd.DataFrame] = {}

        def related(name: str) -> pd.DataFrame:
            if name not in frames:
                frames[name] = self._related_frame(name, stored)
            return frames[name]

        return related

    # --- the local store ------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        """The local store's folder (shared by accounts: this one's files are under
        ``<resource>/source=<system>/account=<account>/``; see ``sync``)."""
        return self._store.root

    def sync(self, resources: Sequence[str] | str | None = None, *, full: bool | None = None,
             force: bool = False) -> pd.DataFrame:
        """Bring the local store up to date with the account, and say what changed.

        The first sync of a resource pulls every record; later ones, on a system whose API filters
        on a change time (``changed_field``: ServiceM8's ``edit_date``), pull only the records
        changed since the last (less ``sync_overlap``), and merge them by id: soft deletes arrive
        as ``active`` false. Other systems pull every record each time. A full sync pulls every
        record again and reconciles: records gone from the account leave the store, and records an
        incremental sync could not see (stamped before the mark) come in; one runs by itself once
        the last is older than ``settings.full_sync_after``. Pages go straight to the store, not
        through the HTTP cache. Each resource's file is replaced atomically, and one sync of an
        account runs at a time (other processes wait).

        A full pull whose answer would empty a resource, or leave fewer than half its active
        records (an empty answer after a permission change, an API glitch), is refused: that
        resource's file is left as it was, the others are synced, and ``SyncRefusedError`` says
        which (its ``summary`` holds the frame). ``force=True`` stores such an answer.

        Ctrl-C stops the sync promptly: files already written stay whole, the others keep their
        previous version, and the interrupt's note says which were left as they were.

        Args:
            resources: API names (default: those of the convenience methods, ``methods``).
            full: ``True``: pull every record and reconcile; ``False``: only what changed, where the
                API can say; ``None``: full when the last full sync is older than
                ``settings.full_sync_after``.
            force: Store a full pull's answer even when it empties a resource or halves it.

        Returns:
            One row per resource: ``resource``, ``new``, ``changed``, ``deactivated`` (soft-deleted,
            or gone from a full pull), ``requests`` (pages asked for; retries not counted),
            ``seconds`` taken (resources are synced side by side, up to four at a time), ``full``
            (every record was pulled) and ``note`` (what else happened: a forced answer, a damaged
            file replaced).

        Raises:
            UnknownResourceError: A name is no resource (nothing is pulled).
            CacheMissError: The session is offline.
            SyncRefusedError: A full pull's answer looked like a failure (see above).
            StoreError: The store folder cannot be written, or another sync held it too long.
            SMExploreError: The API refused or failed; the store keeps what it held before.
        """
        if self.settings.offline:
            raise CacheMissError("sync needs the network, and this session is offline")
        if full not in (None, True, False) or not isinstance(force, bool):
            raise ValueError("full must be True, False or None, and force True or False")
        names = [resources] if isinstance(resources, str) else list(resources or dict.fromkeys(self.methods.values()))
        specs = list({spec.name: spec for spec in map(self._resource, names)}.values())  # each once (aliases too)
        bar: Any = None
        if progress_wanted(self.settings.progress) and len(specs) > 1:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(specs), desc="sync", unit=" resources", leave=False)
        cancel, writing = threading.Event(), threading.Lock()
        try:
            with self._store.locked():
                # Resources side by side: their requests overlap, and Parquet releases the GIL.
                pool = ThreadPoolExecutor(min(_SYNC_THREADS, len(specs)) or 1)
                futures = {pool.submit(self._sync_one, spec, full, force, cancel, writing): spec for spec in specs}
                try:
                    for _ in as_completed(futures):
                        if bar is not None:
                            bar.update()
                except BaseException as interrupt:  # Ctrl-C: stop now, not after every page in flight
                    cancel.set()
                    pool.shutdown(wait=False, cancel_futures=True)
                    with writing:  # a file being written is finished (a moment); no other is started
                        left = [spec.name for future, spec in futures.items()
                                if not future.done() or future.cancelled() or future.exception() is not None]
                    if left:
                        log.warning("sync interrupted: %s left as they were", ", ".join(left))
                        interrupt.add_note(f"smexplore: the sync stopped; {', '.join(left)} left as they were "
                                           "(their stored files are whole)")
                    raise
                pool.shutdown(wait=True)
                rows = [future.result() for future in futures]
        finally:
            if bar is not None:
                bar.close()
        summary = pd.DataFrame(rows, columns=list(SUMMARY_DTYPES)).astype(SUMMARY_DTYPES)
        refused = summary[summary["note"].str.startswith("refused", na=False)]
        if not refused.empty:
            said = "; ".join(f"{row.resource}: {row.note}" for row in refused.itertuples())
            raise SyncRefusedError(f"sync refused to store what looks like a failed answer ({said}); the other "
                                   "resources were synced. Check the account (a permission lost?), or sync again "
                                   "with force=True to store it", summary)
        return summary

    def _sync_one(self, spec: Resource, full: bool | None, force: bool, cancel: threading.Event,
                  writing: threading.Lock, afresh: bool = False) -> dict[str, Any]:
        started = time.perf_counter()
        state, note = self._sync_state(spec, afresh)
        changed = self.changed_field if self.changed_field in spec.fields else None
        where = None
        if state is not None and state.high_water is not None and changed is not None and \
                not (full or (full is None and self._full_due(state))):
            where = FieldRef(changed) > pd.Timestamp(state.high_water) - self.sync_overlap
        incremental = where is not None
        planned = plan(where, spec, dialect=self._dialect(spec))  # no time zone: the store's times are naive
        path, query = self._list_request(spec, planned.params)
        pulled = self._transport.pull(path, query, label=spec.name, keep=False, paging=self.paging(spec),
                                      cancel=cancel)
        fresh = to_frame(self._prepare(spec, pulled.records or []), spec, None)
        if planned.local is not None:
            fresh = fresh[evaluate(planned.local, fresh, spec)]
        synced_at = datetime.now(UTC).isoformat(timespec="seconds")
        row = {"resource": spec.name, "requests": pulled.pages, "full": not incremental}
        if incremental and fresh.empty:  # nothing changed: no need to read what is stored
            merged, counts = fresh, Counts(0, 0, 0)
        else:
            try:
                old = self._store.read(spec.name) if state is not None else None
            except StoreError as exc:  # damaged past its footer: pulled whole, and the file replaced
                log.warning("%s: %s; this sync pulls every record and replaces the file", spec.name, exc)
                return self._sync_one(spec, True, force, cancel, writing, afresh=True)
            active = "active" if getattr(spec.fields.get("active"), "kind", None) == "flag" else None
            key = "uuid" if "uuid" in spec.fields else "id"
            merged, counts = upsert(old, stored_frame(fresh, spec), key, full=not incremental, active=active)
            shrunk = None if incremental else shrinkage(active_rows(old, active), active_rows(fresh, active))
            if shrunk is not None and not force:
                return {**row, **Counts(0, 0, 0)._asdict(), "seconds": round(time.perf_counter() - started, 3),
                        "note": f"refused: {shrunk}; the stored file is left as it was"}
            if shrunk is not None:
                note = "; ".join(filter(None, [note, f"forced: {shrunk}"]))
        with writing:
            if cancel.is_set():
                raise Cancelled(f"{spec.name}: not written")
            if state is not None and counts == (0, 0, 0) and not note:
                self._store.checked(spec.name, synced_at)  # nothing to write: the file stays as it is
            else:
                self._store.write(spec.name, merged, SyncState(
                    synced_at=synced_at, high_water=self._high_water(merged, changed, pulled.server_time),
                    rows=len(merged), fields=fingerprint(spec),
                    full_at=synced_at if not incremental else state.full_at if state is not None else None))
        return {**row, **counts._asdict(), "seconds": round(time.perf_counter() - started, 3), "note": note}

    def _sync_state(self, spec: Resource, afresh: bool = False) -> tuple[SyncState | None, str]:
        """What the store holds of ``spec`` for a sync: its state, or ``None`` (never synced, written
        by another field table, or a damaged file: the sync starts afresh and its note says so)."""
        damaged = "the stored file was damaged and is replaced"
        if afresh:
            return None, damaged
        try:
            return self._stored_state(spec), ""
        except StoreError as exc:
            log.warning("%s: %s; this sync pulls every record and replaces the file", spec.name, exc)
            return None, damaged

    def _full_due(self, state: SyncState) -> bool:
        """Whether the last full sync is older than ``settings.full_sync_after`` (or unknown)."""
        after = self.settings.full_sync_after
        if after is None:
            return False
        if state.full_at is None:
            return True
        return datetime.now(UTC) - datetime.fromisoformat(state.full_at) >= after

    def _high_water(self, merged: pd.DataFrame, changed: str | None, server_time: datetime | None) -> str | None:
        """The latest change time stored, but never later than the account's clock (one record
        stamped in the future must not stop every later sync from asking for what changed)."""
        if changed is None or merged.empty or merged[changed].isna().all():
            return None
        return pd.Timestamp(min(merged[changed].max(), self._account_clock(server_time))).isoformat()

    def _account_clock(self, server_time: datetime | None) -> pd.Timestamp:
        """The account's wall clock (naive), from the server's own clock (its ``Date``; this machine's
        is only a fallback) in the account's zone: the session's ``timezone``, else the zone the API
        says the account keeps (``_account_zone``), else the earliest wall time any place on Earth
        shows at that instant (UTC−12: never in the account's future, at worst hours behind it)."""
        if self.emulator is not None:
            now = self.now
            return now.tz_localize(None) if now.tzinfo is not None else now
        utc = pd.Timestamp(server_time) if server_time is not None else pd.Timestamp.now(tz="UTC")
        zone = self.settings.timezone or self._account_zone()
        if zone:
            return utc.tz_convert(zone).tz_localize(None)
        return (utc - pd.Timedelta(hours=12)).tz_convert("UTC").tz_localize(None)

    def _account_zone(self) -> str | None:
        """The IANA zone the account's wall times are in, where the API says (``None``: it does not)."""
        return None

    def _stored_state(self, spec: Resource) -> SyncState | None:
        """The store's state of ``spec``, if its file was written with today's field table."""
        state = self._store.state(spec.name)
        return state if state is not None and state.fields == fingerprint(spec) else None

    def _reads_store(self, spec: Resource, source: Source) -> bool:
        """Whether a query of ``spec`` from ``source`` reads the store (see ``Source``)."""
        if source not in (None, "api", "store"):
            raise ValueError(f"source must be 'api', 'store' or None, not {source!r}")
        if source is None:
            if not self.settings.offline:
                return False
            try:
                return self._stored_state(spec) is not None
            except StoreError as exc:  # the store cannot say: the HTTP cache may still hold the answer
                log.warning("%s: the store cannot be read (%s); answering from the cache", spec.name, exc)
                return False
        return source == "store"

    def _read_store(self, spec: Resource, where: Expr | None = None) -> pd.DataFrame:
        """The stored records of ``spec`` (at least those ``where`` keeps), typed as a live pull types them."""
        state = self._store.state(spec.name)
        if state is not None and state.fields != fingerprint(spec):
            raise StoreError(f"the store's {spec.name} was written with another version of its fields "
                             f"(another smexplore); run session.sync([{spec.name!r}]) to bring it up to date")
        scan = scan_filter(where, spec, self._store.columns(spec.name), self.settings.timezone) \
            if where is not None and state is not None else None
        frame = self._typed(loaded_frame(self._store.read(spec.name, scan), spec), spec)
        frame.attrs["fetched_at"] = state.synced_at if state is not None else ""
        return frame

    def _typed(self, frame: pd.DataFrame, spec: Resource) -> pd.DataFrame:
        """A frame read from Parquet with exactly the dtypes ``to_frame`` gives in this session."""
        tz = self.settings.timezone
        for name in frame.columns:
            field = spec.fields.get(name)
            column = frame[name]
            if field is not None and field.kind == "timestamp" and tz is not None and \
                    getattr(column.dtype, "tz", None) is None:
                try:
                    column = localised(column, field, tz)
                except ValueError as exc:
                    raise StoreError(f"{spec.name}: {exc}; read the store in a session without a time zone, "
                                     "or pull from the API") from None
            dtype = pd.api.types.pandas_dtype(column_dtype(field, tz) if field is not None else "string")
            if column.dtype != dtype:
                column = column.astype(dtype)
            frame[name] = column
        return frame

    def _pull(self, spec: Resource, params: Mapping[str, str]) -> pd.DataFrame:
        """All records for the query, typed; ``attrs["fetched_at"]`` says how old.

        A repeat pull reuses the frame built last time while the cache still serves the same first
        page (no parsing): the one this session holds, or, in a new process, the one kept on disk
        beside the cache (``FrameCache``). The transport serves every page from the cache or every
        page from the network (see ``Transport.pull``).
        """
        path, query = self._list_request(spec, params)
        key = (spec.name, json.dumps([path, sorted(query.items())]))
        kept_key = json.dumps([*key, self.settings.timezone, fingerprint(spec)])
        with self._memo_lock:
            memo = self._memo.get(key)
        if memo is None and self._frames is not None:
            kept = self._frames.kept(kept_key)
            memo = _Memo(kept.digest, kept.version, None, kept.fetched_at) if kept is not None else None
        before = self._transport.version(path)
        reuse: Callable[[Page], bool] | None = None
        if memo is not None and before is not None:  # valid while nothing about the resource was stored since
            reuse = lambda page: (page.digest, before) == (memo.digest, memo.version)
        pulled = self._transport.pull(path, query, label=spec.name, reuse=reuse, paging=self.paging(spec))
        frame: pd.DataFrame | None = None
        if pulled.records is None and memo is not None:
            frame, fetched_at = memo.frame, memo.fetched_at
            if frame is None and self._frames is not None:
                loaded = self._frames.load(kept_key)
                frame = self._typed(loaded_frame(loaded, spec), spec) if loaded is not None else None
                if frame is not None:
                    self._learn(spec, frame)
                    self._remember(key, _Memo(memo.digest, memo.version, frame, fetched_at))
            if frame is None:  # the kept frame could not be read: pull it whole
                pulled = self._transport.pull(path, query, label=spec.name, paging=self.paging(spec))
        if frame is None:
            records = self._prepare(spec, pulled.records or [])
            frame = to_frame(records, spec, self.settings.timezone,
                             extra_columns=self._extra_columns(spec, params, bool(records)))
            fetched_at = pulled.fetched_at.isoformat()
            self._learn(spec, frame)
            after = self._transport.version(path)
            # Valid only if the cache changed by exactly the pages this pull stored (no one else's).
            if before is not None and after is not None and after - before == pulled.fetched:
                self._remember(key, _Memo(pulled.first.digest, after, frame, fetched_at))
                if self._frames is not None and pulled.pages > 1:  # one page parses as fast as a file reads
                    self._frames.save(kept_key, stored_frame(frame, spec), Kept(pulled.first.digest, after, fetched_at))
        result = frame.copy()
        result.attrs["fetched_at"] = fetched_at
        return result

    def _remember(self, key: tuple[str, str], memo: _Memo) -> None:
        with self._memo_lock:
            self._memo[key] = memo
            while len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
