"""The local store: each resource a Parquet dataset, partitioned hive-style by source and account.

Layout (one table per resource, as DuckDB, Spark, Dask and Trino expect one)::

    <store folder>/<resource>/source=<system>/account=<account>/part-0.parquet

so ``read_parquet('<store>/jobactivity/**/*.parquet', hive_partitioning=true)`` in DuckDB, or
``spark.read.parquet('<store>/jobactivity')``, reads every account's job activities with ``source``
and ``account`` columns. An account's file holds every record of the resource as a Session's
frame types it without a time zone (list columns as JSON text), and, in its schema metadata, the
sync state (``SyncState``): both change together, written to a hidden temporary file and moved into
place (``os.replace``), so a reader sees the old file or the new one, never half of one. One sync
of an account at a time: a file lock (``filelock``) beside the datasets.

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
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from .errors import StoreError
from .keys import folder_key, keyed_name
from .log import get_logger
from .schema import Resource

__all__ = ["FILE_NAME", "Store", "SyncState", "fingerprint", "loaded_frame", "read_metadata", "stored_frame",
           "write_atomically"]

log = get_logger("store")

FILE_NAME = "part-0.parquet"
_CHECKED = ".checked"  # hidden, as engines expect of files that are not data
_STATE_KEY = b"smexplore.sync"
_FORMAT = 1  # of the state; a file written by another format is pulled again
_LOCK_WAIT = 3600.0  # seconds a sync waits for another process's sync of the same account


@dataclass(frozen=True)
class SyncState:
    """What a resource's file records about the sync that wrote it.

    Attributes:
        synced_at: When the sync finished (ISO 8601, UTC).
        high_water: The latest change time among the records (the account's wall clock, ISO 8601),
            or ``None`` for a system that cannot say what changed.
        rows: Records in the file.
        fields: The field table's ``fingerprint`` the file was written with (another: sync again).
        format: The layout version of the file.
        full_at: When every record was last pulled and reconciled (ISO 8601, UTC; ``None``: not
            recorded, as by files of an earlier smexplore).
    """

    synced_at: str
    high_water: str | None
    rows: int
    fields: str = ""
    format: int = _FORMAT
    full_at: str | None = None


def fingerprint(spec: Resource) -> str:
    """A short hash of ``spec``'s field names and kinds: a stored file of another table is stale."""
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

    def _stored_file(self, resource: str) -> Path | None:
        """``resource``'s file, if this folder could hold one (without making the folder's key)."""
        return self.file(resource) if self._name(create=False) is not None else None

    def __repr__(self) -> str:
        return f"<smexplore Store {self.root} source={self.source} account={self.account}>"

    def folder(self, resource: str) -> Path:
        """The account's partition of ``resource``'s dataset."""
        return self.root / resource / f"source={self.source}" / f"account={self.account}"

    def file(self, resource: str) -> Path:
        """The file holding ``resource`` for this account."""
        return self.folder(resource) / FILE_NAME

    def state(self, resource: str) -> SyncState | None:
        """What the last sync of ``resource`` recorded (``None``: never synced, or another format)."""
        path = self._stored_file(resource)
        if path is None:
            return None
        try:
            state = SyncState(**read_metadata(path, _STATE_KEY))
        except FileNotFoundError:
            return None
        except (OSError, pa.ArrowException) as exc:  # before ValueError: pyarrow's errors are ValueErrors too
            raise StoreError(f"the store file {path} cannot be read ({exc}); the next sync replaces it") from None
        except (KeyError, TypeError, ValueError):  # no state, or another format's
            return None
        if state.format != _FORMAT:
            return None
        try:  # a later sync that found nothing changed
            checked = (self.folder(resource) / _CHECKED).read_text(encoding="utf-8").strip()
        except OSError:
            return state
        return dataclasses.replace(state, synced_at=max(state.synced_at, checked))

    def read(self, resource: str, where: ds.Expression | None = None) -> pd.DataFrame:
        """The stored records of ``resource`` that ``where`` may keep (a Parquet scan filter).

        Raises:
            StoreError: ``resource`` was never synced, or its file cannot be read.
        """
        path = self._stored_file(resource)
        if path is None or self.state(resource) is None:
            raise StoreError(f"the store at {self.root} holds no {self.source} {resource} of this account; run "
                             f"session.sync([{resource!r}]) or `smexplore sync --resources {resource}` first")
        try:
            # The file alone, not the folder: a partition's columns are in its path, not its rows.
            dataset = ds.dataset(path, format="parquet")
            try:
                table = dataset.to_table(filter=where)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                if where is None:
                    raise
                log.debug("the scan filter %s does not fit %s (%s); reading every row", where, path, exc)
                table = dataset.to_table()
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"the store file {path} cannot be read ({exc}); the next sync replaces it") from None
        return table.to_pandas()

    def columns(self, resource: str) -> list[str]:
        """The columns ``resource``'s file holds (none if it has no file)."""
        path = self._stored_file(resource)
        if path is None:
            return []
        try:
            return list(pq.read_schema(path).names)
        except (OSError, pa.ArrowException):
            return []

    def write(self, resource: str, frame: pd.DataFrame, state: SyncState) -> None:
        """Replace ``resource``'s file with ``frame`` and ``state``, atomically and durably.

        Raises:
            StoreError: The file cannot be written (the previous one is left as it was).
        """
        folder = self.folder(resource)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                (folder / _CHECKED).unlink()  # the new file's own state is the newest
            write_atomically(self.file(resource), frame, {_STATE_KEY: asdict(state)}, durable=True)
        except OSError as exc:
            raise StoreError(f"the store file {self.file(resource)} cannot be written ({exc}); the previous "
                             "one is left as it was") from None

    def checked(self, resource: str, synced_at: str) -> None:
        """Record that a sync at ``synced_at`` found ``resource`` unchanged (its file is kept as it is)."""
        folder = self.folder(resource)
        try:
            descriptor, name = tempfile.mkstemp(dir=folder, prefix=f"{_CHECKED}.", suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
                sink.write(synced_at)
            os.replace(name, folder / _CHECKED)
        except OSError as exc:
            raise StoreError(f"the store folder {folder} cannot be written ({exc})") from None

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
                      and self.file(p.name).exists())

    def damaged(self) -> list[str]:
        """The resources whose stored file cannot be read (the next sync of each replaces it)."""
        damaged = []
        for resource in self.synced():
            try:
                if self.state(resource) is None:
                    read_metadata(self.file(resource), _STATE_KEY)  # no state, or another format?
            except (KeyError, ValueError, TypeError, StoreError, OSError, pa.ArrowException):
                damaged.append(resource)
        return damaged

    def _remove_leftovers(self) -> None:
        """Temporary files of a sync that was killed (only while holding the lock: none is being written)."""
        for leftover in self.root.glob(f"*/source={self.source}/account={self.account}/.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()


def write_atomically(path: Path, frame: pd.DataFrame, metadata: dict[bytes, Any], *, durable: bool) -> None:
    """Write ``frame`` to the Parquet file ``path`` with ``metadata`` (JSON values) in its schema, atomically.

    The file is written beside ``path`` under a hidden, unique name (DuckDB's and Spark's globs skip
    it; threads and processes never share one) and moved into place. ``durable``: synced to disk
    first, and the rename too (a crash then loses nothing a reader saw).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           **{key: json.dumps(value).encode() for key, value in metadata.items()}})
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as sink:
            pq.write_table(table, sink, compression="zstd")
            if durable:
                sink.flush()
                os.fsync(sink.fileno())
        os.replace(name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
    if durable:
        _sync_folder(path.parent)


def read_metadata(path: Path, key: bytes) -> Any:
    """The JSON value under ``key`` in a Parquet file's schema metadata.

    Raises:
        FileNotFoundError: No such file.
        OSError, pyarrow.ArrowException: The file cannot be read.
        KeyError, ValueError: It holds no (readable) value under ``key``.
    """
    return json.loads((pq.read_schema(path).metadata or {})[key])


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def stored_frame(frame: pd.DataFrame, spec: Resource) -> pd.DataFrame:
    """``frame`` as the store holds it: list columns as JSON text (Parquet has no type for any JSON)."""
    lists = [name for name, field in spec.fields.items() if field.kind == "list" and name in frame]
    if not lists:
        return frame
    frame = frame.copy()
    for name in lists:
        frame[name] = frame[name].map(json.dumps, na_action="ignore").astype("string")
    return frame


def loaded_frame(frame: pd.DataFrame, spec: Resource) -> pd.DataFrame:
    """A stored frame as the Session types it: list columns decoded again."""
    for name, field in spec.fields.items():
        if field.kind == "list" and name in frame:
            frame[name] = frame[name].astype(object).map(_decoded)
    return frame


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else None
