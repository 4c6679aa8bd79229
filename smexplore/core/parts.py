"""The parts of a resource's dataset in the store: which part a record goes to, what placing records
needs of each part (its keys and their places in the store's order, not its rows), and reading and
writing parts (see ``store``'s docstring for the layout).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import zlib
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import StoreError
from .parquet_files import file_size

__all__ = ["FORMAT", "PART_FILE", "READERS", "REPLACE", "UNDATED", "Held", "PartKeys", "Parts", "concat", "kept_schema",
           "part_names", "part_tables", "read_keys", "read_part", "read_parts", "to_pandas", "with_order"]

UNDATED = "part-undated.parquet"
"""The part of records without a main date (and of every record of a resource that has none)."""
PART_FILE = re.compile(r"part-(?:\d{4}-\d{2}|undated)\.parquet")
"""The name of a part's file."""
FORMAT = 2
"""Of the layout; a resource stored in another is pulled again."""
REPLACE = "session.sync(full=True) replaces it (as does any sync that has to read it)"
"""What a message about a part that cannot be read says to do."""
READERS = 4
"""Parts read (or written) side by side at most…"""
_POOLED = 2 << 20  # …once they hold this many bytes together
_PART_KEY = b"smexplore.part"

_DTYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow"),
           pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype()}




def part_names(dates: pd.Series | None, count: int) -> np.ndarray:
    """The part each of ``count`` records goes to when first stored: the month of its date
    (``part-2026-03.parquet``), or ``UNDATED`` without one (``dates`` ``None``: the resource has none)."""
    if dates is None or not count:
        return np.full(count, UNDATED, dtype=object)
    values = pd.to_datetime(dates, errors="coerce")
    if getattr(values.dtype, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    months = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    unique, inverse = np.unique(months, return_inverse=True)
    names = np.array([UNDATED if np.isnat(month) else f"part-{np.datetime_as_string(month, unit='M')}.parquet"
                      for month in unique], dtype=object)
    return names[inverse.reshape(-1)]


@dataclass(frozen=True)
class PartKeys:
    """What placing records needs of one part, without its rows: the file's identity when read, its keys and order."""

    stamp: tuple[int, int, int]
    key: str
    keys: pa.Array
    order: np.ndarray
    schema: pa.Schema


@dataclass(frozen=True)
class Parts:
    """A resource's parts as a sync places records in them (keys and order, not rows).

    Attributes:
        key: The key column (``uuid``, ``id``).
        files: Each readable part by file name, in name order.
        unreadable: Parts that cannot be read (damaged; the next sync replaces them).
        outdated: Files of an earlier layout (removed by the next sync, which pulls every record).
    """

    key: str
    files: Mapping[str, PartKeys]
    unreadable: tuple[str, ...] = ()
    outdated: tuple[str, ...] = ()

    @property
    def next_order(self) -> int:
        """The first place in the store's order no stored record has."""
        return max((int(part.order.max()) + 1 for part in self.files.values() if len(part.order)), default=0)

    def rows(self, names: Collection[str]) -> int:
        """Records in the parts ``names``."""
        return sum(len(self.files[name].order) for name in names if name in self.files)

    def schemas(self) -> list[pa.Schema]:
        """Each part's Arrow schema (without metadata)."""
        return [part.schema for part in self.files.values()]

    def fit(self, schema: pa.Schema) -> bool:
        """Whether every part was written with ``schema`` (as Parquet gives it back: the types a file
        keeps; dictionaries of large strings, say, come back as dictionaries of strings)."""
        kept = kept_schema(schema)
        return all(part.schema.equals(kept) for part in self.files.values())

    def locate(self, keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Where each of ``keys`` is stored: its part's name (``None``: nowhere) and its place in the order (-1)."""
        names = np.full(len(keys), None, dtype=object)
        order = np.full(len(keys), -1, dtype=np.int64)
        if not self.files or not len(keys):
            return names, order
        parts = list(self.files.values())
        try:
            types = {part.keys.type for part in parts}
            stored = pa.chunked_array([part.keys if len(types) == 1 else part.keys.cast(pa.large_string())
                                       for part in parts])
            wanted = pa.array(keys.to_numpy(dtype=object), from_pandas=True).cast(stored.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return names, order  # keys of another type than those stored: none of them is stored
        # Probe every stored key against the few pulled (hashing the pulled ones only), then match those found.
        hits = np.flatnonzero(pc.is_in(stored, value_set=wanted).to_numpy(zero_copy_only=False))
        if not hits.size:
            return names, order
        found_keys = stored.take(pa.array(hits)).to_numpy(zero_copy_only=False)
        sizes = [len(part.order) for part in parts]
        part_of = np.repeat(np.arange(len(parts)), sizes)[hits]
        order_of = np.concatenate([part.order for part in parts])[hits]
        index = pd.Index(found_keys)
        if not index.is_unique:  # never, by design; the first copy wins
            keep = ~index.duplicated()
            index, part_of, order_of = index[keep], part_of[keep], order_of[keep]
        at = index.get_indexer(keys.to_numpy(dtype=object))
        found = at >= 0
        labels = np.array(list(self.files), dtype=object)
        names[found] = labels[part_of[at[found]]]
        order[found] = order_of[at[found]]
        return names, order


class Held(NamedTuple):
    """Every row of some parts, as a sync merges into them."""

    frame: pd.DataFrame
    part: np.ndarray  # per row: its part's file name
    order: np.ndarray  # per row: its place in the store's order


def kept_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` as a Parquet file gives it back (without metadata): the types a file keeps
    (dictionaries of large strings, say, come back as dictionaries of strings)."""
    return _kept(schema.remove_metadata())  # a schema with metadata cannot be hashed (pyarrow 14)


@functools.lru_cache(maxsize=128)
def _kept(schema: pa.Schema) -> pa.Schema:
    sink = pa.BufferOutputStream()
    pq.write_table(schema.remove_metadata().empty_table(), sink,
                   use_dictionary=[field.name for field in schema if pa.types.is_dictionary(field.type)])
    return pq.read_schema(pa.BufferReader(sink.getvalue())).remove_metadata()


def read_keys(path: Path, key: str, stamp: tuple[int, int, int]) -> PartKeys:
    """A part's key column and order, without its other columns."""
    with pq.ParquetFile(path) as file:
        schema = file.schema_arrow
        order = _order(schema.metadata, path)
        keys = file.read(columns=[key], use_threads=False).column(0).combine_chunks()
    if len(keys) != len(order):
        raise ValueError(f"{len(keys)} rows but {len(order)} places in the order")
    return PartKeys(stamp, key, keys, order, schema.remove_metadata())


def read_part(path: Path, missing_ok: bool = False, threads: bool = False) -> tuple[pa.Table | None, np.ndarray]:
    """A part's rows and their places in the order (from one open file: a part replaced meanwhile is read whole, old or new)."""
    try:
        with pq.ParquetFile(path) as file:
            order = _order(file.schema_arrow.metadata, path)
            table = file.read(use_threads=threads)
    except FileNotFoundError:
        if missing_ok:
            return None, np.zeros(0, dtype=np.int64)
        raise StoreError(f"the store file {path} is gone; {REPLACE}") from None
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise StoreError(f"the store file {path} cannot be read ({str(exc).strip()}); {REPLACE}") from None
    if table.num_rows != len(order):
        raise StoreError(f"the store file {path} holds {table.num_rows} rows but {len(order)} places in the order; "
                         f"{REPLACE}")
    return table, order


def read_parts(paths: Sequence[Path], missing_ok: bool = False) -> list[tuple[pa.Table | None, np.ndarray]]:
    """Several parts, side by side when they are large (Parquet decoding releases the GIL; small ones
    are read faster one after another than a pool is started)."""
    if len(paths) <= 1 or sum(file_size(path) for path in paths) < _POOLED:
        return [read_part(path, missing_ok, threads=True) for path in paths]
    with ThreadPoolExecutor(min(READERS, len(paths))) as pool:
        return list(pool.map(lambda path: read_part(path, missing_ok), paths))


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """``table`` as a frame with the nullable dtypes a Session's frames have (no cast to make afterwards)."""
    return table.to_pandas(types_mapper=_DTYPES.get)


def concat(tables: list[pa.Table], where: Path) -> pa.Table:
    """Parts' rows as one table (parts of one sync share their schema; a part written by another
    field table, before its sync rewrote every part, is widened to fit)."""
    if not tables:
        raise StoreError(f"the store at {where} holds no part; run a sync first")
    try:
        return pa.concat_tables(tables)
    except pa.ArrowInvalid:
        try:
            return pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise StoreError(f"the parts at {where.parent if where.is_file() else where} differ in their columns "
                             f"({exc}); run session.sync(full=True)") from None


def _order(metadata: Mapping[bytes, bytes] | None, path: Path) -> np.ndarray:
    """The places of a part's rows in the store's order, from its metadata."""
    try:
        saved = json.loads((metadata or {})[_PART_KEY])
    except KeyError:
        raise ValueError(f"{path.name} is no part of this layout (no {_PART_KEY.decode()} metadata)") from None
    if saved.get("format") != FORMAT:
        raise ValueError(f"{path.name} is a part of another layout ({saved.get('format')})")
    steps = np.frombuffer(zlib.decompress(base64.b64decode(saved["order"])), dtype="<i8")
    return np.cumsum(steps, dtype=np.int64)


def _order_text(order: np.ndarray) -> str:
    """Places in the order as short text: steps (mostly 1: records first listed together stay together), zlib, base64."""
    steps = np.diff(np.asarray(order, dtype=np.int64), prepend=0).astype("<i8")
    return base64.b64encode(zlib.compress(steps.tobytes())).decode()


def part_tables(frame: pd.DataFrame, rows: Mapping[str, np.ndarray], schema: pa.Schema | None) -> dict[str, pa.Table]:
    """The rows of ``frame`` each part holds (positions), as Arrow tables of ``schema`` (every part
    alike; converted from pandas in one pass, each part a slice of it)."""
    positions = np.concatenate([np.asarray(at, dtype=np.int64) for at in rows.values()]) if rows else \
        np.zeros(0, dtype=np.int64)
    if len(positions) != len(frame) or (positions != np.arange(len(frame))).any():
        frame = frame.iloc[positions]
    if schema is not None and list(frame.columns) != schema.names:
        frame = frame.reindex(columns=schema.names)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    tables, offset = {}, 0
    for name, at in rows.items():
        tables[name] = table.slice(offset, len(at))
        offset += len(at)
    return tables


def with_order(table: pa.Table, order: np.ndarray) -> pa.Table:
    """A part's table with its rows' places in the order in its metadata."""
    if table.num_rows != len(order):
        raise ValueError(f"{table.num_rows} rows but {len(order)} places in the order")
    return table.replace_schema_metadata({**(table.schema.metadata or {}), _PART_KEY: json.dumps(
        {"format": FORMAT, "order": _order_text(order)}).encode()})
