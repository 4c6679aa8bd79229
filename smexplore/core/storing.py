"""The local store as a Session uses it: ``sync`` and store reads (the part of ``BaseSession`` that does them).

The store itself (files, partitions and parts, the sync lock) is ``store``; merging what a sync
pulled is ``sync``. Here: what a sync pulls and when it is full, which parts it reads and rewrites
(each resource's main date names a new record's part), the guards against an answer that looks
like a failure, the mark capped at the account's clock, Ctrl-C, and reading the store with a live
pull's dtypes and filter semantics.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import CacheMissError, StoreError, SyncRefusedError
from .filters.evaluate import evaluate
from .filters.expr import Expr, FieldRef
from .filters.plan import Dialect, plan
from .filters.scan import scan_filter
from .frames import column_dtype, localised, to_frame
from .log import get_logger
from .pages import Cancelled
from .paging import Paginator
from .parquet_files import loaded_frame, stored_frame
from .parts import UNDATED, part_names, part_tables
from .progress import progress_wanted
from .schema import Resource
from .settings import Settings
from .store import Store, SyncState, fingerprint
from .sync import SUMMARY_DTYPES, Counts, active_rows, arrange, merge, shrinkage
from .transport import Transport

__all__ = ["Source", "Storing"]

Source = Literal["api", "store"] | None
"""Where a query reads: ``"api"`` (through the cache), ``"store"`` (the local store; see ``sync``),
or ``None``: the store when the session is offline and the store holds the resource, else the API."""

log = get_logger("session")
_SYNC_THREADS = 4
_MAIN_DATES: dict[str, dict[str, str]] = {
    # The date that says when a record's work is: its month names the part a new record is stored in.
    # Real accounts edit recent work, so a re-sync rewrites few parts. Resources not listed: one part.
    "servicem8": {"jobactivity": "start_date", "joballocation": "allocation_date", "job": "date",
                  "note": "create_date", "task": "create_date", "attachment": "timestamp", "feedback": "timestamp",
                  "formresponse": "timestamp", "jobpayment": "timestamp", "staffmessage": "sent_timestamp"},
}
_SCHEMAS: dict[tuple[str, str, tuple[str, ...]], pa.Schema] = {}  # each resource's, by field table and custom fields


class _Rewrite(NamedTuple):
    """What one resource's sync writes."""

    writes: dict[str, tuple[pa.Table, np.ndarray]]  # part → every row it holds, and their places in the order
    before_files: list[str]  # files removed before writing (an earlier layout's, damaged ones)
    after_files: list[str]  # parts left without a record
    counts: Counts
    rows: int  # records stored after the sync
    before: int = 0  # active records stored before a full pull (for the guard)


def _schema(spec: Resource, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of every part of ``spec``: the field table's columns and types, and ``columns``'
    custom fields as text (so that a part of all-missing values still has typed columns)."""
    extras = tuple(sorted({name for name in columns if name not in spec.fields}))
    key = (spec.name, fingerprint(spec), extras)
    schema = _SCHEMAS.get(key)
    if schema is None:
        empty = stored_frame(to_frame([], spec, None, extra_columns=extras), spec)
        schema = _SCHEMAS[key] = pa.Schema.from_pandas(empty, preserve_index=False)
    return schema


class Storing:
    """Syncs and store reads: the part of ``BaseSession`` that keeps the local store (``BaseSession``
    supplies the attributes and the system's hooks declared here)."""

    settings: Settings
    emulator: Any
    methods: ClassVar[Mapping[str, str]]
    changed_field: ClassVar[str | None]
    sync_overlap: ClassVar[timedelta]
    _store: Store
    _transport: Transport

    def _resource(self, name: str) -> Resource:
        raise NotImplementedError

    def _dialect(self, spec: Resource) -> Dialect | None:
        raise NotImplementedError

    def _list_request(self, spec: Resource, params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def _prepare(self, spec: Resource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def paging(self, spec: Resource | None = None) -> Paginator:
        raise NotImplementedError

    @property
    def now(self) -> pd.Timestamp:
        raise NotImplementedError

    # --- the local store ------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        """The local store's folder, shared by accounts.

        This one's files are under ``<resource>/source=<system>/account=<account>/`` (see ``sync``)."""
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
        through the HTTP cache. A resource is stored in parts by the month of its records' main
        date (``store``); a sync rewrites only the parts holding records that changed or came new,
        each replaced atomically, and records its state last. One sync of an account runs at a
        time (other processes wait).

        A full pull whose answer would empty a resource, or leave fewer than half its active
        records (an empty answer after a permission change, an API glitch), is refused: that
        resource's files are left as they were, the others are synced, and ``SyncRefusedError``
        says which (its ``summary`` holds the frame). ``force=True`` stores such an answer.

        Ctrl-C stops the sync promptly: resources already written stay whole, the others keep
        their previous version, and the interrupt's note says which were left as they were.

        Args:
            resources: API names (default: those of the convenience methods, ``methods``).
            full: ``True``: pull every record and reconcile; ``False``: only what changed, where the
                API can say; ``None``: full when the last full sync is older than
                ``settings.full_sync_after``.
            force: Store a full pull's answer even when it empties a resource or halves it.

        Returns:
            One row per resource, with ``resource``, ``new``, ``changed``, ``deactivated`` (soft-deleted,
            or gone from a full pull), ``requests`` (pages asked for; retries not counted),
            ``seconds`` taken (resources are synced side by side, up to four at a time), ``full``
            (every record was pulled) and ``note`` (what else happened: a forced answer, a damaged
            file replaced, a store of an earlier layout pulled again).

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
        rewrite = _Rewrite({}, [], [], Counts(0, 0, 0), state.rows if state is not None else 0)
        if not (incremental and fresh.empty):  # else nothing changed: no need to read what is stored
            try:
                rewrite = self._rewrite(spec, stored_frame(fresh, spec), state, incremental)
            except StoreError as exc:  # a part damaged past its footer: pulled whole, and every part replaced
                if state is None:
                    raise
                log.warning("%s: %s; this sync pulls every record and replaces the files", spec.name, exc)
                return self._sync_one(spec, True, force, cancel, writing, afresh=True)
            shrunk = None if incremental else shrinkage(rewrite.before, active_rows(fresh, self._active(spec)))
            if shrunk is not None and not force:
                return {**row, **Counts(0, 0, 0)._asdict(), "seconds": round(time.perf_counter() - started, 3),
                        "note": f"refused: {shrunk}; the stored files are left as they were"}
            if shrunk is not None:
                note = "; ".join(filter(None, [note, f"forced: {shrunk}"]))
        counts = rewrite.counts
        with writing:
            if cancel.is_set():
                raise Cancelled(f"{spec.name}: not written")
            if state is not None and counts == (0, 0, 0) and not note and not rewrite.writes:
                # Nothing to write: the parts stay as they are, the state says when this sync looked.
                self._store.commit(spec.name, {}, dataclasses.replace(state, synced_at=synced_at))
            else:
                self._store.commit(spec.name, rewrite.writes, SyncState(
                    synced_at=synced_at, high_water=self._high_water(state, fresh, incremental, changed,
                                                                     pulled.server_time),
                    rows=rewrite.rows, fields=fingerprint(spec),
                    full_at=synced_at if not incremental else state.full_at if state is not None else None),
                    before=rewrite.before_files, after=rewrite.after_files, key=self._key(spec))
        return {**row, **counts._asdict(), "seconds": round(time.perf_counter() - started, 3), "note": note}

    def _rewrite(self, spec: Resource, fresh: pd.DataFrame, state: SyncState | None, incremental: bool) -> _Rewrite:
        """What a sync writes: the parts holding records that changed or came new, each whole.

        An incremental sync reads the key column of the parts (only those that changed since this
        session last did) to find the pulled records, then every row of the parts holding them, and
        of those new records go to; a full one reads every part; a sync that starts afresh (never
        synced, another layout or field table, a damaged part) reads only the keys, so that a
        record already stored keeps its part (a reader never sees it twice).

        Raises:
            StoreError: A part cannot be read (the caller starts afresh).
        """
        key, date, active = self._key(spec), self._main_date(spec), self._active(spec)
        parts = self._store.parts(spec.name, key)
        afresh = state is None
        if parts.unreadable and not afresh:
            raise StoreError(f"the store file {self._store.folder(spec.name) / parts.unreadable[0]} cannot be read")
        stored = list(dict.fromkeys(name for schema in parts.schemas() for name in schema.names))
        schema = _schema(spec, [*stored, *fresh.columns] if incremental and not afresh else list(fresh.columns))
        every = afresh or not parts.fit(schema)  # every part written anew
        if afresh:
            names: list[str] = []
        elif every or not incremental:
            names = list(parts.files)
        else:  # the parts holding the pulled records, and those the new ones go to
            located, _ = parts.locate(fresh[key])
            unknown = pd.isna(located)
            targets = part_names(fresh[date][unknown] if date is not None else None, int(unknown.sum()))
            names = sorted({*located[~unknown], *(name for name in targets if name in parts.files)})
        held = self._store.held(spec.name, names) if names else None
        merged = merge(held.frame if held is not None else None, fresh, key, full=not incremental, active=active)
        new = merged.origin < 0
        placed = np.full(len(merged.frame), UNDATED, dtype=object)
        placed[new] = part_names(merged.frame[date][new] if date is not None else None, int(new.sum()))
        placed_order = np.full(len(merged.frame), -1, dtype=np.int64)
        if afresh and parts.files:  # a record stored before keeps its part and place
            located, order = parts.locate(merged.frame[key][new])
            placed[new] = np.where(pd.isna(located), placed[new], located)
            placed_order[new] = order
        empty = np.zeros(0, dtype=object)
        writes, emptied = arrange(merged, held.part if held is not None else empty,
                                  held.order if held is not None else empty.astype(np.int64), placed, placed_order,
                                  parts.next_order, every=every, held=list(parts.files) if afresh else names,
                                  empty=UNDATED)
        rows = parts.rows([name for name in parts.files if name not in writes and name not in emptied])
        before = active_rows(held.frame, active) if held is not None and not incremental else 0
        tables = part_tables(merged.frame, {name: at for name, (at, _) in writes.items()}, schema) if writes else {}
        return _Rewrite({name: (tables[name], order) for name, (_, order) in writes.items()},
                        [*parts.outdated, *parts.unreadable], emptied, merged.counts,
                        rows + sum(len(at) for at, _ in writes.values()), before)

    def _key(self, spec: Resource) -> str:
        """The column identifying a record of ``spec``."""
        return "uuid" if "uuid" in spec.fields else "id"

    def _active(self, spec: Resource) -> str | None:
        """The flag soft deletes clear, if ``spec`` has one."""
        return "active" if getattr(spec.fields.get("active"), "kind", None) == "flag" else None

    def _main_date(self, spec: Resource) -> str | None:
        """The field whose month names a new record's part (``None``: every record undated)."""
        name = _MAIN_DATES.get(self._store.source, {}).get(spec.name)
        field = spec.fields.get(name) if name is not None else None
        return name if field is not None and field.kind in ("date", "timestamp") else None

    def _sync_state(self, spec: Resource, afresh: bool = False) -> tuple[SyncState | None, str]:
        """What the store holds of ``spec`` for a sync: its state, or ``None`` (never synced, written
        by another field table or an earlier layout, or damaged: the sync starts afresh, and its
        note says why where it is news)."""
        damaged = "a stored file was damaged; every record is pulled and the files replaced"
        if afresh:
            return None, damaged
        try:
            state = self._stored_state(spec)
        except StoreError as exc:
            log.warning("%s: %s; this sync pulls every record and replaces the files", spec.name, exc)
            return None, damaged
        if state is None and self._store.outdated(spec.name):
            return None, "stored by an earlier smexplore in one file: every record is pulled again into parts by month"
        return state, ""

    def _full_due(self, state: SyncState) -> bool:
        """Whether the last full sync is older than ``settings.full_sync_after`` (or unknown)."""
        after = self.settings.full_sync_after
        if after is None:
            return False
        if state.full_at is None:
            return True
        return datetime.now(UTC) - datetime.fromisoformat(state.full_at) >= after

    def _high_water(self, state: SyncState | None, fresh: pd.DataFrame, incremental: bool, changed: str | None,
                    server_time: datetime | None) -> str | None:
        """The latest change time stored (the last mark, or a later one pulled), but never later than
        the account's clock (one record stamped in the future must not stop every later sync from
        asking for what changed)."""
        if changed is None:
            return None
        marks = [fresh[changed].max()] if changed in fresh and fresh[changed].notna().any() else []
        if incremental and state is not None and state.high_water is not None:
            marks.append(pd.Timestamp(state.high_water))
        if not marks:
            return None
        return pd.Timestamp(min(max(marks), self._account_clock(server_time))).isoformat()

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
