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
from typing import Any, ClassVar, NamedTuple, Self, TypeVar

import pandas as pd
import platformdirs
import requests
from requests_cache import CacheMixin
from requests_cache.session import OriginalSession

from .auth import Credentials
from .cache import ACCOUNT_HEADER, AUTH_HEADERS, GuardedSQLiteCache, make_cached_session
from .errors import UnknownResourceError, did_you_mean
from .filters.evaluate import evaluate
from .filters.expr import Expr, as_expression
from .filters.plan import Dialect, Lookup, Plan, plan
from .frames import column_dtype, to_frame
from .http import ErrorKind, Page, RequestBudget, RetryPolicy, Transport
from .paging import HeaderCursor, Paginator
from .schema import Resource

__all__ = ["DEFAULT_EXPIRE_AFTER", "BaseSession", "CacheInfo", "Settings", "Where", "cache_dir", "demo_session"]

DEFAULT_EXPIRE_AFTER = timedelta(hours=1)
Where = Expr | str | None
"""A filter: an expression (``F.status == "Quote"``), filter text (``"status eq 'Quote'"``), or ``None``."""
_MEMO_SIZE = 16


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


_S = TypeVar("_S", bound="BaseSession")


def demo_session(emulator: Any, prefix: str, make: Callable[[Path], _S]) -> _S:
    """Start ``emulator`` and make a Session on it, its cache in a new temporary folder.

    The emulator stops and the folder goes when the Session is closed, collected, or Python
    exits, whichever comes first; if the Session cannot be made, at once.

    Args:
        emulator: An emulator (its ``start()`` and ``stop()`` are called).
        prefix: The temporary folder's name prefix.
        make: Makes the Session, given the cache folder.
    """
    emulator.start()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        session = make(folder)
    except BaseException:
        _stop_demo(emulator, folder)
        raise
    session._cleanup.append(weakref.finalize(session, _stop_demo, emulator, folder))
    return session


def _stop_demo(emulator: Any, folder: Path) -> None:
    emulator.stop()
    shutil.rmtree(folder, ignore_errors=True)


class BaseSession:
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

    def __init__(self, credential: Credentials, settings: Settings, *, session: requests.Session | None = None,
                 emulator: Any = None) -> None:
        self.settings = settings
        self.emulator = emulator
        self._credential = credential
        self._owns_http = session is None
        namespace = credential.namespace(settings.base_url)
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
        )
        self._memo: OrderedDict[tuple[str, str], _Memo] = OrderedDict()  # by (resource, query)
        self._memo_lock = threading.Lock()
        self._cleanup: list[Any] = []

    # --- what a system says (override) ------------------------------------------------------
    def paging(self) -> Paginator:
        """How the system's lists are paged."""
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
    def frame(self, resource: str, where: Where = None) -> pd.DataFrame:
        """Records of any supported resource as a typed DataFrame.

        Args:
            resource: The API name (see ``resources()``).
            where: A filter expression (``sm.F.status == "Active"``) or filter text. It is checked
                against the resource before any request; the part the server runs exactly is sent,
                the rest runs on the frame (see ``explain``).

        Raises:
            UnknownResourceError: No such resource.
            FilterError: ``where`` is malformed, names an unknown field (``UnknownFieldError``), or
                an operator or value does not fit a field's type.
            SMExploreError: The API refused or failed (a subclass says how).
        """
        spec = self._resource(resource)
        planned = self._plan(spec, where, self._related_lookup())
        result = self._pull(spec, planned.params)
        pulled, fetched_at = len(result), result.attrs["fetched_at"]
        if planned.local is not None:
            result = result[evaluate(planned.local, result, spec, self.settings.timezone)].reset_index(drop=True)
        return self._finish(result, spec, planned, pulled, fetched_at)

    def _finish(self, result: pd.DataFrame, spec: Resource, planned: Plan, pulled: int,
                fetched_at: str) -> pd.DataFrame:
        """The frame's attrs: where it comes from, the filter sent, how many records were pulled, how old."""
        # JSON-serialisable only (Parquet and Feather store attrs as JSON): ``now`` as ISO-8601 text.
        result.attrs.update(source=self.source, resource=spec.name, now=self.now.isoformat(),
                            filter=planned.filter, pulled=int(pulled), fetched_at=fetched_at)
        return result

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
        """Every supported resource: its method, path and number of fields."""
        by_resource = {r: m for m, r in self.methods.items()}
        rows = [{"resource": name, "method": by_resource.get(name, f'frame("{name}")'),
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
        credential = self._credential.label
        return {
            "account": f"{self.settings.mode}, {credential} {self._credential.hint}, "
                       f"{'writable' if self.settings.writable else 'read-only'}",
            "base URL": self.settings.base_url,
            "cache": cache + (" — offline" if self.settings.offline else ""),
            "cache hits / misses": f"{info.hits} / {info.misses}",
            "requests this minute": f"{self._budget.sent_last_minute()} of {self.settings.per_minute}",
            "requests today": f"{self._budget.sent_today():,} of {self.settings.per_day:,}",
        }

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
        try:
            return self._get_resource(name)
        except KeyError:
            names = self._resource_names()
            raise UnknownResourceError(
                f"unknown resource {name!r}{did_you_mean(name, names)}; supported resources: {', '.join(names)}"
            ) from None

    def _plan(self, spec: Resource, where: Where, related: Callable[[str], pd.DataFrame]) -> Plan:
        return plan(as_expression(where), spec, dialect=self._dialect(spec), tz=self.settings.timezone,
                    lookup=self._lookup(related), text=where if isinstance(where, str) else None)

    def _related_frame(self, name: str) -> pd.DataFrame:
        """Every record of a related resource, pulled like any other (as fresh as the cache allows)."""
        return self._pull(self._get_resource(name), {})

    def _related_lookup(self) -> Callable[[str], pd.DataFrame]:
        """``_related_frame`` that pulls each resource at most once: for the span of one query."""
        frames: dict[str, pd.DataFrame] = {}

        def related(name: str) -> pd.DataFrame:
            if name not in frames:
                frames[name] = self._related_frame(name)
            return frames[name]

        return related

    def _pull(self, spec: Resource, params: Mapping[str, str]) -> pd.DataFrame:
        """All records for the query, typed; ``attrs["fetched_at"]`` says how old.

        A repeat pull reuses the frame built last time while the cache still serves the same first
        page (no parsing); the transport serves every page from the cache or every page from the
        network (see ``Transport.pull``).
        """
        path, query = self._list_request(spec, params)
        key = (spec.name, json.dumps([path, sorted(query.items())]))
        with self._memo_lock:
            memo = self._memo.get(key)
        before = self._transport.version(path)
        reuse: Callable[[Page], bool] | None = None
        if memo is not None and before is not None:  # valid while nothing about the resource was stored since
            reuse = lambda page: (page.digest, before) == (memo.digest, memo.version)
        pulled = self._transport.pull(path, query, label=spec.name, reuse=reuse)
        if pulled.records is None and memo is not None:
            frame, fetched_at = memo.frame, memo.fetched_at
        else:
            records = self._prepare(spec, pulled.records or [])
            frame = to_frame(records, spec, self.settings.timezone,
                             extra_columns=self._extra_columns(spec, params, bool(records)))
            fetched_at = pulled.fetched_at.isoformat()
            self._learn(spec, frame)
            after = self._transport.version(path)
            # Valid only if the cache changed by exactly the pages this pull stored (no one else's).
            if before is not None and after is not None and after - before == pulled.fetched:
                with self._memo_lock:
                    self._memo[key] = _Memo(pulled.first.digest, after, frame, fetched_at)
                    while len(self._memo) > _MEMO_SIZE:
                        self._memo.popitem(last=False)
        result = frame.copy()
        result.attrs["fetched_at"] = fetched_at
        return result
