"""Parquet files written and read as the store and the kept frames need them: atomically (a hidden
temporary file beside the target, moved into place), with JSON metadata in the schema, and frames
converted to what Parquet holds (list columns as JSON text) and back.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .schema import Resource

__all__ = ["file_size", "file_stamp", "loaded_frame", "read_metadata", "stored_frame", "sync_folder", "write_atomically",
           "write_table", "write_text"]


@contextlib.contextmanager
def _replacing(path: Path, mode: str, *, durable: bool) -> Iterator[IO[Any]]:
    """A hidden, unique temporary file beside ``path`` (DuckDB's and Spark's globs skip it; threads
    and processes never share one), moved into place once written (``durable``: synced to disk first)."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, mode, encoding=None if "b" in mode else "utf-8") as sink:
            yield sink
            if durable:
                sink.flush()
                os.fsync(sink.fileno())
        os.replace(name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def write_table(path: Path, table: pa.Table, *, durable: bool, dictionaries: bool = True) -> None:
    """Write ``table`` to the Parquet file ``path``, atomically: a hidden, unique temporary file beside it,
    moved into place (DuckDB's and Spark's globs skip it; threads and processes never share one).
    ``dictionaries``: dictionary-encode every column; else only categories (which keep their order
    of categories so). Parts are not: written a few thousand rows at a time, their many short
    column chunks write a third faster without, and come out no larger."""
    encoded: bool | list[str] = dictionaries or [field.name for field in table.schema
                                                 if pa.types.is_dictionary(field.type)]
    with _replacing(path, "wb", durable=durable) as sink:
        pq.write_table(table, sink, compression="zstd", use_dictionary=encoded)


def write_text(path: Path, text: str, *, durable: bool) -> None:
    """Write ``text`` to ``path`` atomically (``durable``: and on disk, the rename too)."""
    with _replacing(path, "w", durable=durable) as sink:
        sink.write(text)
    if durable:
        sync_folder(path.parent)


def write_atomically(path: Path, frame: pd.DataFrame, metadata: dict[bytes, Any], *, durable: bool) -> None:
    """Write ``frame`` to the Parquet file ``path`` with ``metadata`` (JSON values) in its schema, atomically.

    The file is written beside ``path`` under a hidden, unique name and moved into place.
    ``durable``: synced to disk first, and the rename too (a crash then loses nothing a reader saw).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           **{key: json.dumps(value).encode() for key, value in metadata.items()}})
    write_table(path, table, durable=durable)
    if durable:
        sync_folder(path.parent)


def read_metadata(path: Path, key: bytes) -> Any:
    """The JSON value under ``key`` in a Parquet file's schema metadata.

    Raises:
        FileNotFoundError: No such file.
        OSError, pyarrow.ArrowException: The file cannot be read.
        KeyError, ValueError: It holds no (readable) value under ``key``.
    """
    return json.loads((pq.read_schema(path).metadata or {})[key])


def sync_folder(folder: Path) -> None:
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


def file_stamp(stat: os.stat_result) -> tuple[int, int, int]:
    """A file's identity: a part replaced is a new file (``os.replace``), so its inode, size or time differs."""
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
