"""The local store: each resource a Parquet dataset, partitioned hive-style by source and account, and
inside an account's folder split into parts by the month of each record's main date.

Layout (one table per resource, as DuckDB, Spark, Dask and Trino expect one)::

    <store folder>/<resource>/source=<system>/account=<account>/part-2026-02.parquet
                                                               /part-2026-03.parquet …
                                                               /part-undated.parquet
                                                               /.state

so ``read_parquet('<store>/jobactivity/**/*.parquet', hive_partitioning=true)`` in DuckDB,
``spark.read.parquet('<store>/jobactivity')`` or ``pd.read_parquet('<store>/jobactivity')`` reads every
account's job activities, one row per record, with ``source`` and ``account`` columns (the parts add
no column: their names are no ``key=value``; files whose names start with ``.`` are no data to any
of them).

**Parts.** A record's part is chosen when the store first sees it: the month of its main date (a job
activity's ``start_date``: ``storing`` names each resource's), or ``undated``; it never changes
afterwards (a rescheduled record stays where it was). So no record ever moves between files, and a
sync rewrites only the parts holding records that changed or came new. Each part is written to a
hidden temporary file and moved into place (``os.replace``): a reader, or a kill, sees each part old
or new, never half of one, and so never a record twice nor one missing. Every part has the same
Arrow schema (the field table's), and in its metadata the place of each of its rows in the store's
order (the order the API first listed the records), so reading every part gives the rows in that
order. To place pulled records a sync reads only the key column of each part, once per process (kept,
by each file's identity, for the next sync).

**State.** What the last sync recorded (``SyncState``: high-water mark, when, the field table's
fingerprint) is a hidden JSON file written last, atomically: a sync killed between parts and state
leaves the older state, and the next sync asks for more than it needs, never less (merging is
idempotent). One sync of an account at a time: a file lock (``filelock``) beside the datasets.

The ``account=`` name is a keyed hash (HMAC, ``core.keys``) of what identifies the account, under a
random key kept in the store folder (``.key``): it travels with every export of the data, so it must
not let anyone test guesses of the credential it may be derived from.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from .errors import StoreError
from .keys import folder_key, keyed_name
from .log import get_logger
from .parquet_files import file_stamp, sync_folder, write_table, write_text
from .parts import (
    FORMAT,
    PART_FILE,
    READERS,
    UNDATED,
    Held,
    PartKeys,
    Parts,
    concat,
    kept_schema,
    part_names,
    part_tables,
    read_keys,
    read_parts,
    to_pandas,
    with_order,
)
from .schema import Resource

__all__ = ["Store", "SyncState", "fingerprint"]

log = get_logger("store")

_OUTDATED = ("part-0.parquet", ".checked")  # an earlier smexplore's file per resource, and its note
_STATE = ".state"  # hidden, as engines expect of files that are not data
_ORDER = "__smexplore_order"  # a read's column for the store's order (never stored)
_LOCK_WAIT = 3600.0  # seconds a sync waits for another process's sync of the same account
_POOLED_ROWS = 20_000  # parts written side by side once they hold this many rows together


@dataclass(frozen=True)
class SyncState:
    """What the last sync of a resource recorded.

    Attributes:
        synced_at: When the sync finished (ISO 8601, UTC).
        high_water: The latest change time among the records (the account's wall clock, ISO 8601),
            or ``None`` for a system that cannot say what changed.
        rows: Records stored.
        fields: The field table's ``fingerprint`` the parts were written with (another: sync again).
        format: The layout version of the store.
        full_at: When every record was last pulled and reconciled (ISO 8601, UTC; ``None``: not
            recorded, as by stores of an earlier smexplore).
    """

    synced_at: str
    high_water: str | None
    rows: int
    fields: str = ""
    format: int = FORMAT
    full_at: str | None = None


def fingerprint(spec: Resource) -> str:
    """A short hash of ``spec``'s field names and kinds: a store written with another table is stale."""
    text = json.dumps([(f.name, f.kind, f.wire_format) for f in spec.fields.values()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Store:
    """One account's part of the store folder.

    Args:
        root: The store folder (shared by every account and system).
        source: The system (``servicem8`` …): the ``source=`` partition.
        identity: What identifies the account; its keyed hash names the ``account=`` partition.
    """

    def __init__(self, root: Path, source: str, identity: str) -> None:
        self.root = root
        self.source = source
        self._identity = identity
        self._account: str | None = None
        self._known: dict[str, dict[str, PartKeys]] = {}  # resource → part → its keys, while the file is the same
        self._sound: dict[Path, tuple[int, int, int]] = {}  # parts whose footer read, while the file is the same

    @property
    def account(self) -> str:
        """The ``account=`` partition's name (the store folder's key is made on first use)."""
        account = self._name(create=True)
        assert account is not None
        return account

    def _name(self, create: bool) -> str | None:
        """The ``account=`` name; ``None`` when the folder has no key and ``create`` is false
        (nothing was ever stored there: reading never writes, so a read-only folder is fine)."""
        if self._account is None:
            key = folder_key(self.root, create=create)
            if key is None:
                return None
            self._account = keyed_name(key, self._identity)
        return self._account

    def __repr__(self) -> str:
        return f"<smexplore Store {self.root} source={self.source} account={self.account}>"

    def folder(self, resource: str) -> Path:
        """The account's partition of ``resource``'s dataset (its parts and state)."""
        return self.root / resource / f"source={self.source}" / f"account={self.account}"

    def files(self, resource: str) -> list[Path]:
        """``resource``'s parts (data files), in name order (none if this folder holds none)."""
        if self._name(create=False) is None:
            return []
        try:
            names = sorted(entry.name for entry in os.scandir(self.folder(resource)) if PART_FILE.fullmatch(entry.name))
        except OSError:
            return []
        return [self.folder(resource) / name for name in names]

    def outdated(self, resource: str) -> bool:
        """Whether ``resource`` is stored in an earlier smexplore's layout (the next sync pulls it again)."""
        if self._name(create=False) is None:
            return False
        folder = self.folder(resource)
        if (folder / _OUTDATED[0]).exists():
            return True
        try:
            return json.loads((folder / _STATE).read_text(encoding="utf-8")).get("format") != FORMAT
        except (OSError, ValueError, AttributeError):
            return False

    def state(self, resource: str) -> SyncState | None:
        """What the last sync of ``resource`` recorded (``None``: never synced, or in another layout).

        Raises:
            StoreError: The state file cannot be read.
        """
        if self._name(create=False) is None:
            return None
        folder = self.folder(resource)
        path = folder / _STATE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"the store's sync state {path} cannot be read ({exc}); the next sync replaces it") from None
        try:
            saved = json.loads(text)
            if saved.get("format") != FORMAT:
                return None
            state = SyncState(**{f.name: saved[f.name] for f in dataclasses.fields(SyncState) if f.name in saved})
        except (ValueError, TypeError, AttributeError) as exc:
            raise StoreError(f"the store's sync state {path} cannot be read ({exc}); the next sync replaces it") from None
        if (folder / _OUTDATED[0]).exists():  # an earlier smexplore wrote its file since
            return None
        return state

    def read(self, resource: str, where: ds.Expression | None = None) -> pd.DataFrame:
        """The stored records of ``resource`` that ``where`` may keep (a Parquet scan filter), in the store's order.

        Raises:
            StoreError: ``resource`` was never synced, or a part cannot be read.
        """
        paths = self.files(resource) if self.state(resource) is not None else []
        if not paths:
            earlier = " (it was stored by an earlier smexplore)" if self.outdated(resource) else ""
            raise StoreError(f"the store at {self.root} holds no {self.source} {resource} of this account{earlier}; "
                             f"run session.sync([{resource!r}]) or `smexplore sync --resources {resource}` first")
        tables = []
        for path, (table, order) in zip(paths, read_parts(paths, missing_ok=True), strict=True):
            if table is None:  # removed since listed: a full sync found its records gone
                continue
            table = table.append_column(_ORDER, pa.array(order, type=pa.int64()))
            if where is not None:
                try:
                    table = table.filter(where)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                    log.debug("the scan filter %s does not fit %s (%s); reading every row", where, path, exc)
            tables.append(table)
        table = concat(tables, paths[0])
        order = table.column(_ORDER).to_numpy()
        frame = to_pandas(table.remove_column(table.schema.get_field_index(_ORDER)))
        if len(order) > 1 and not (order[1:] > order[:-1]).all():  # parts overlap in the order: sort
            frame = frame.take(np.argsort(order, kind="stable")).reset_index(drop=True)
        return frame

    def columns(self, resource: str) -> list[str]:
        """The columns ``resource``'s parts hold (none if it has none)."""
        for path in self.files(resource)[:1]:
            try:
                return list(pq.read_schema(path).names)
            except (OSError, pa.ArrowException):
                return []
        return []

    def parts(self, resource: str, key: str) -> Parts:
        """``resource``'s parts as a sync places records: the key column and order of each (read
        only where the file changed since this Store last read it)."""
        known = self._known.setdefault(resource, {})
        files: dict[str, PartKeys] = {}
        unreadable, outdated = [], []
        folder = self.folder(resource)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except FileNotFoundError:
            entries = []
        except OSError as exc:
            raise StoreError(f"the store folder {folder} cannot be read ({exc})") from None
        for entry in entries:
            if entry.name in _OUTDATED:
                outdated.append(entry.name)
            if not PART_FILE.fullmatch(entry.name):
                continue
            part = known.get(entry.name)
            try:
                stamp = file_stamp(entry.stat())
                if part is None or part.stamp != stamp or part.key != key:
                    part = known[entry.name] = read_keys(Path(entry.path), key, stamp)
            except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
                log.warning("%s: the part %s cannot be read (%s)", resource, entry.path, exc)
                known.pop(entry.name, None)
                unreadable.append(entry.name)
                continue
            files[entry.name] = part
        for name in set(known) - set(files):
            del known[name]
        return Parts(key, files, tuple(unreadable), tuple(outdated))

    def held(self, resource: str, names: Collection[str]) -> Held:
        """Every row of the parts ``names`` (as a sync merges into them).

        Raises:
            StoreError: A part cannot be read (the sync then pulls every record and replaces them all).
        """
        paths = [self.folder(resource) / name for name in sorted(names)]
        read = read_parts(paths)
        tables = [table for table, _ in read if table is not None]
        table = concat(tables, paths[0] if paths else self.folder(resource))
        part = np.repeat(np.array([path.name for path in paths], dtype=object), [t.num_rows for t in tables])
        order = np.concatenate([order for _, order in read]) if read else np.zeros(0, dtype=np.int64)
        return Held(to_pandas(table), part, order)

    def commit(self, resource: str, writes: Mapping[str, tuple[pa.Table, np.ndarray]], state: SyncState, *,
               before: Collection[str] = (), after: Collection[str] = (), key: str | None = None) -> None:
        """Write the parts ``writes`` (file name → every row it holds, and their places in the order),
        then the state, durably.

        Each part is replaced atomically on its own; the files ``before`` are removed first (an
        earlier layout's, damaged ones) and ``after`` last (parts left without a record); the state
        goes last of all. A failure or a kill at any point leaves every part whole and one row per
        record, under the previous state.

        Args:
            resource: The resource.
            writes: The parts to write (``part_tables``), each with every one of its rows.
            state: The sync state to record.
            before: Files to remove before writing.
            after: Files to remove after writing.
            key: The key column, to keep the written parts' keys for the next sync's placing.

        Raises:
            StoreError: A file cannot be written (those already written are whole; the state is the previous one).
        """
        folder = self.folder(resource)
        known = self._known.setdefault(resource, {})
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name in before:
                known.pop(name, None)
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
            names = sorted(writes)
            tables = [with_order(*writes[name]) for name in names]
            paths = [folder / name for name in names]
            if len(names) > 1 and sum(table.num_rows for table in tables) >= _POOLED_ROWS:
                with ThreadPoolExecutor(min(READERS, len(names))) as pool:  # compressing releases the GIL
                    list(pool.map(lambda at: write_table(at[0], at[1], durable=True, dictionaries=False),
                                  zip(paths, tables, strict=True)))
            else:
                for path, table in zip(paths, tables, strict=True):
                    write_table(path, table, durable=True, dictionaries=False)
            for name, path, table in zip(names, paths, tables, strict=True):
                if key is not None and key in table.column_names:
                    known[name] = PartKeys(file_stamp(path.stat()), key, table.column(key).combine_chunks(),
                                        np.asarray(writes[name][1], dtype=np.int64), kept_schema(table.schema.remove_metadata()))
            for name in after:
                known.pop(name, None)
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
            changed = bool(writes or before or after)
            if changed:
                sync_folder(folder)  # every part in place before the state that says so
            write_text(folder / _STATE, json.dumps(asdict(state)), durable=changed)  # else: when a sync last looked
        except OSError as exc:
            raise StoreError(f"the store folder {folder} cannot be written ({exc}); the files already replaced are "
                             "whole, and the next sync catches up") from None

    def write(self, resource: str, frame: pd.DataFrame, state: SyncState, *, key: str | None = None,
              date: str | None = None) -> None:
        """Replace everything ``resource`` holds with ``frame`` and ``state``.

        Records already stored keep their parts and places; others go by ``date`` (a column of
        ``frame``; ``None``: undated) and follow in ``frame``'s order.

        Raises:
            StoreError: A file cannot be written.
        """
        key = key or ("uuid" if "uuid" in frame else "id")
        parts = self.parts(resource, key)
        placed, order = parts.locate(frame[key])
        new = order < 0
        dated = part_names(frame[date] if date is not None and date in frame else None, len(frame))
        placed = np.where(new, dated, placed)
        order = np.where(new, parts.next_order + np.cumsum(new) - 1, order)
        rows = {name: np.flatnonzero(placed == name) for name in dict.fromkeys(placed)} or \
            {UNDATED: np.zeros(0, dtype=np.int64)}
        tables = part_tables(frame, rows, pa.Schema.from_pandas(frame, preserve_index=False))
        self.commit(resource, {name: (tables[name], order[at]) for name, at in rows.items()}, state,
                    before=[*parts.outdated, *parts.unreadable], after=[n for n in parts.files if n not in rows],
                    key=key)

    @contextlib.contextmanager
    def locked(self, timeout: float = _LOCK_WAIT) -> Iterator[None]:
        """Hold the account's sync lock (other processes' syncs of this account wait, up to ``timeout``).

        Raises:
            StoreError: The folder cannot be written, or another sync held the lock past ``timeout``.
        """
        locks = self.root / ".locks"
        try:
            locks.mkdir(parents=True, exist_ok=True)
            lock = FileLock(locks / f"{self.source}-{self.account}.lock", timeout=timeout)
            lock.acquire()
        except Timeout:
            raise StoreError(f"another sync of this account has held the store at {self.root} for "
                             f"{timeout:.0f} s; try again when it ends") from None
        except OSError as exc:
            raise StoreError(f"the store folder {self.root} cannot be used ({exc})") from None
        try:
            self._remove_leftovers()
            yield
        finally:
            lock.release()

    def synced(self) -> list[str]:
        """The resources this account has in the store, readable or not (see ``damaged``)."""
        if not self.root.is_dir() or self._name(create=False) is None:
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
                      and self._holds(p.name))

    def _holds(self, resource: str) -> bool:
        folder = self.folder(resource)
        return (folder / _STATE).exists() or (folder / _OUTDATED[0]).exists() or bool(self.files(resource))

    def damaged(self) -> list[str]:
        """The resources whose state or a part cannot be read (the next sync of each replaces them)."""
        return [resource for resource in self.synced() if not self._sound_files(resource)]

    def _sound_files(self, resource: str) -> bool:
        """Whether ``resource``'s state and every part's footer read (a footer is read again only once its file changed)."""
        try:
            self.state(resource)
            for path in self.files(resource):
                stamp = file_stamp(path.stat())
                if self._sound.get(path) != stamp:
                    pq.read_schema(path)
                    self._sound[path] = stamp
        except (StoreError, OSError, pa.ArrowException, ValueError):
            return False
        return True

    def _remove_leftovers(self) -> None:
        """Temporary files of a sync that was killed (only while holding the lock: none is being written)."""
        for leftover in self.root.glob(f"*/source={self.source}/account={self.account}/.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()


