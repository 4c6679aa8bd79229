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
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock

from .errors import StoreError
from .log import get_logger
from .schema import Resource

__all__ = ["FILE_NAME", "Store", "SyncState", "loaded_frame", "stored_frame"]

log = get_logger("store")

FILE_NAME = "part-0.parquet"
_CHECKED = ".checked"  # hidden, as engines expect of files that are not data
_STATE_KEY = b"smexplore.sync"
_FORMAT = 1  # of the state; a file written by another format is pulled again


@dataclass(frozen=True)
class SyncState:
    """What a resource's file records about the sync that wrote it.

    Attributes:
        synced_at: When the sync finished (ISO 8601, UTC).
        high_water: The latest change time among the records (the account's wall clock, ISO 8601),
            or ``None`` for a system that cannot say what changed.
        rows: Records in the file.
        format: The layout version of the file.
    """

    synced_at: str
    high_water: str | None
    rows: int
    format: int = _FORMAT


class Store:
    """One account's part of the store folder.

    Args:
        root: The store folder (shared by every account and system).
        source: The system (``servicem8`` …): the ``source=`` partition.
        account: The account's one-way name (as its cache is keyed): the ``account=`` partition.
    """

    def __init__(self, root: Path, source: str, account: str) -> None:
        self.root = root
        self.source = source
        self.account = account

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
        path = self.file(resource)
        try:
            metadata = pq.read_schema(path).metadata or {}
        except FileNotFoundError:
            return None
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"the store file {path} cannot be read ({exc}); delete it and sync again") from None
        try:
            state = SyncState(**json.loads(metadata[_STATE_KEY]))
        except (KeyError, TypeError, ValueError):
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
        path = self.file(resource)
        if self.state(resource) is None:
            raise StoreError(f"the store holds no {self.source} {resource} of this account (looked in "
                             f"{self.folder(resource)}); run session.sync([{resource!r}]) or "
                             f"`smexplore sync --resources {resource}` first")
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
            raise StoreError(f"the store file {path} cannot be read ({exc}); delete it and sync again") from None
        return table.to_pandas()

    def columns(self, resource: str) -> list[str]:
        """The columns ``resource``'s file holds (none if it has no file)."""
        try:
            return list(pq.read_schema(self.file(resource)).names)
        except (OSError, pa.ArrowException):
            return []

    def write(self, resource: str, frame: pd.DataFrame, state: SyncState) -> None:
        """Replace ``resource``'s file with ``frame`` and ``state``, atomically."""
        folder = self.folder(resource)
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _STATE_KEY: json.dumps(asdict(state)).encode()})
        # Hidden (a leading dot): DuckDB's and Spark's globs skip it while it is written.
        temporary = folder / f".{FILE_NAME}.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            (folder / _CHECKED).unlink()  # the new file's own state is the newest
        try:
            with open(temporary, "wb") as sink:
                pq.write_table(table, sink, compression="snappy")
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, self.file(resource))
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        _sync_folder(folder)

    def checked(self, resource: str, synced_at: str) -> None:
        """Record that a sync at ``synced_at`` found ``resource`` unchanged (its file is kept as it is)."""
        folder = self.folder(resource)
        temporary = folder / f"{_CHECKED}.{os.getpid()}.tmp"
        temporary.write_text(synced_at, encoding="utf-8")
        os.replace(temporary, folder / _CHECKED)

    @contextlib.contextmanager
    def locked(self, timeout: float = 600.0) -> Iterator[None]:
        """Hold the account's sync lock (other processes' syncs of this account wait)."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        lock = FileLock(locks / f"{self.source}-{self.account}.lock", timeout=timeout)
        with lock:
            self._remove_leftovers()
            yield

    def synced(self) -> list[str]:
        """The resources this account has in the store."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
                      and self.file(p.name).exists())

    def _remove_leftovers(self) -> None:
        """Temporary files of a sync that was killed (only while holding the lock: none is being written)."""
        for leftover in self.root.glob(f"*/source={self.source}/account={self.account}/.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()


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
