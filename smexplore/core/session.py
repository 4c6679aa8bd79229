"""The Session every system shares: typed frames through a real HTTP cache, filters planned per dialect.

A system's Session subclasses ``BaseSession`` and says what differs about it: how its API speaks
(``wire``, a ``core.wire.Wire``: bodies, error answers, filters, the credential hint), its field
table (``_get_resource``, ``_resource_names``), its paging style (``paging``), its server dialect
(``_dialect``), how a record is addressed (``_record_path``) and, where its records need it, how
they are prepared before typing (``_prepare``); its schedule (``timeline_frame``, ``people``) for
what ``Schedule`` draws on. Everything else (the cache per account, the request budget, retries,
offline reads, frames reused while the cache is unchanged, ``explain``, ``describe``,
``cache_info``, the repr) is written once, here and in the mixins it is built from (``Storing``,
``Showing``, ``Schedule``)."""

from __future__ import annotations

import json
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Self

import pandas as pd
import requests
from requests_cache import CacheMixin

from .auth import Credentials
from .cache import ACCOUNT_HEADER, GuardedSQLiteCache, names_key, session_for
from .catalogue import Catalogue
from .demo import demo_session
from .errors import SMExploreError, StoreError
from .filters.evaluate import evaluate
from .filters.expr import Expr, as_expression
from .filters.names import warn_unknown_names
from .filters.plan import Dialect, Lookup, Plan, plan
from .frame_cache import FrameCache, Kept
from .frames import column_dtype, joined, to_frame
from .info import CacheInfo, html_table
from .keys import keyed_name
from .limits import RequestBudget
from .log import get_logger
from .pages import Page
from .paging import HeaderCursor, Paginator
from .parquet_files import loaded_frame, stored_frame
from .redact import watch
from .schedule import Schedule
from .schema import Resource
from .settings import DEFAULT_EXPIRE_AFTER, Settings, cache_dir, store_dir
from .showing import Showing
from .store import Store, fingerprint
from .storing import Source, Storing
from .transport import Transport
from .wire import Wire

__all__ = ["DEFAULT_EXPIRE_AFTER", "BaseSession", "CacheInfo", "Settings", "Source", "Where", "cache_dir",
           "demo_session", "store_dir"]

Where = Expr | str | None
"""A filter: an expression (``F.status == "Quote"``), filter text (``"status eq 'Quote'"``), or ``None``."""
log = get_logger("session")
_MEMO_SIZE = 16


class _Memo(NamedTuple):
    """A frame built from cached answers, and what makes it still valid."""

    digest: str  # of the first page
    version: int  # of the resource's cached answers (see ``Transport.version``)
    frame: pd.DataFrame | None  # None: kept on disk (see ``FrameCache``), not read yet
    fetched_at: str


class BaseSession(Storing, Showing, Schedule):
    """A connection to one account of one system that returns typed pandas DataFrames.

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    source: ClassVar[str] = ""
    """The system's name, as frames' ``attrs["source"]`` and the normalised timeline say it."""
    display_name: ClassVar[str] = "smexplore.Session"
    wire: ClassVar[Wire] = Wire()
    """How the system's API speaks (bodies, error answers, filters, the credential hint; ``core.wire``)."""
    methods: ClassVar[Mapping[str, str]] = {}
    """Convenience method → resource, for ``resources()``."""
    timeline_resources: ClassVar[tuple[str, ...]] = ()
    """Resources whose frames the Explorer draws as a timeline (the first is the one it shows first)."""
    frame_order: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Resource → the columns its frames are sorted by (stably; those the frame has), where the API's
    own order is not the one a reader expects (Ruddr's allocations by start, not by id)."""
    changed_field: ClassVar[str | None] = None
    """The field that says when a record last changed, if the API filters on it (``sync`` then pulls
    only what changed; ``None``: every sync pulls every record)."""
    sync_overlap: ClassVar[timedelta] = timedelta(minutes=65)
    """How far before the high-water mark an incremental sync asks again, so that edits stamped in
    the same second as the mark, committed late, or (an account's wall clock) in the hour the clocks
    go back and repeat are not lost; records seen twice are merged once."""

    def __init__(self, credential: Credentials, settings: Settings, *, session: requests.Session | None = None,
                 emulator: Any = None) -> None:
        self.settings = settings
        self.emulator = emulator
        self._credential = credential
        watch(credential)  # a server echoing its secrets never gets them into a message
        self._owns_http = session is None
        # A demo account is the same account whatever port its emulator has today.
        identity = credential.identity(settings.base_url if emulator is None else
                                       f"demo:{self.source}:{emulator.describe()}")
        # Names on disk and the account header are keyed hashes: none lets a credential be guessed offline.
        namespace = keyed_name(names_key(settings, session), identity)
        self._http = session_for(session, settings, f"{self.source}-{namespace}")
        if settings.offline and not isinstance(self._http, CacheMixin):
            raise ValueError("offline=True needs a cache: pass cache=<folder> or a requests_cache.CachedSession")
        self._budget = RequestBudget(settings.limits, max_wait=settings.retry.budget)
        self._transport = Transport(
            self._http, settings.base_url, credential, self._budget, wire=self.wire, paging=self.paging(),
            concurrency=settings.concurrency, retry=settings.retry, offline=settings.offline, progress=settings.progress, timeout=settings.timeout,
            headers={ACCOUNT_HEADER: namespace},
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

    def _lookup(self, related: Callable[[str], pd.DataFrame]) -> Lookup | None:
        """Finds the ids behind a name, for filters on added name columns (``None``: none)."""
        return None

    def _extra_columns(self, spec: Resource, params: Mapping[str, str], any_records: bool) -> tuple[str, ...]:
        """Columns a frame should have beyond the field table (per-account fields)."""
        return ()

    def _learn(self, spec: Resource, frame: pd.DataFrame) -> None:
        """Called with every frame built from records (to learn per-account fields)."""

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
        result = self._finish(result, spec, planned, pulled, fetched_at, stored)
        order = [column for column in self.frame_order.get(spec.name, ()) if column in result]
        if order and len(result):
            result = result.sort_values(order, kind="stable", ignore_index=True)
        return result

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
        """The account's "now", the demo account's anchored clock or this machine's for a live one."""
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
            self._frames.wait()  # a frame still being written would come back after the folder went
            shutil.rmtree(self._frames.folder, ignore_errors=True)
        with self._memo_lock:
            self._memo.clear()

    def _forget_frames(self, name: str) -> None:
        """Drop the frames kept for one resource (after a write to it)."""
        with self._memo_lock:
            for key in [k for k in self._memo if k[0] == name]:
                del self._memo[key]

    def on_close(self, action: Callable[[], Any]) -> None:
        """Call ``action`` when the session is closed (the last added first): a demo stops its emulator."""
        self._cleanup.append(action)

    def close(self) -> None:
        """Release the cache file and, for a demo, stop its emulator (safe to call twice).

        A requests session you passed in (``session=``) is yours: it is left open.
        """
        if self._frames is not None:
            self._frames.wait()
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
            **self._requests_sent(),
        }

    def _requests_sent(self) -> dict[str, str]:
        """Requests sent in each window the client limits, of how many."""
        limits, budget = self.settings.limits, self._budget
        windows = (("minute", limits.per_minute, budget.sent_last_minute),
                   ("hour", limits.per_hour, budget.sent_last_hour), ("today", limits.per_day, budget.sent_today))
        return {f"requests {'this ' * (name != 'today')}{name}": f"{sent():,} of {limit:,}"
                for name, limit, sent in windows if limit is not None}

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
        return html_table(self.display_name, self._summary())

    # --- internals ----------------------------------------------------------------------------
    def _resource(self, name: str) -> Resource:
        """The resource ``name`` names: its API name, its path, or its convenience method's name, in
        any case and with ``-``, ``_`` or ``/`` between words (``Catalogue.resource``).

        Raises:
            UnknownResourceError: No resource answers to ``name`` (the message lists them, and the closest).
        """
        return Catalogue(self._resource_names(), self._get_resource, self.methods).resource(name)

    def _plan(self, spec: Resource, where: Where, related: Callable[[str], pd.DataFrame]) -> Plan:
        """``where`` planned for ``spec`` (see ``explain``); an ``==``/``isin`` on a name column that
        names no one the session knows warns (``_warn_unknown_names``)."""
        planned = plan(as_expression(where), spec, dialect=self._dialect(spec), tz=self.settings.timezone,
                       lookup=self._lookup(related), text=where if isinstance(where, str) else None)
        self._warn_unknown_names(spec, planned.where, related)
        return planned

    def _warn_unknown_names(self, spec: Resource, where: Expr | None, related: Callable[[str], pd.DataFrame]) -> None:
        """Warn for an ``==``/``isin`` on a name column (one ``named_columns`` maps to itself) that names no
        one the session knows (``filters.names``: what it costs, and why a list that cannot be had
        means no check)."""
        columns = {column for column, names in self.named_columns(spec.name).items() if column == names}
        if where is None or not columns:
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
        extra = self._extra_columns(spec, params, True)

        def typed(records: list[dict[str, Any]]) -> pd.DataFrame:  # a batch, while the next page is on its way
            return to_frame(self._prepare(spec, records), spec, self.settings.timezone, extra_columns=extra)

        pulled = self._transport.pull(path, query, label=spec.name, reuse=reuse, paging=self.paging(spec),
                                      convert=typed)
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
            frame = joined(pulled.parts, spec) if pulled.parts else None
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
                    built = frame  # written after this returns: the pull's caller does not wait for it
                    self._frames.save_later(kept_key, lambda: stored_frame(built, spec),
                                            Kept(pulled.first.digest, after, fetched_at))
        result = frame.copy()
        result.attrs["fetched_at"] = fetched_at
        return result

    def _remember(self, key: tuple[str, str], memo: _Memo) -> None:
        with self._memo_lock:
            self._memo[key] = memo
            while len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
