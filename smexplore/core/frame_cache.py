"""Typed frames kept beside the HTTP cache, so a new process repeats a pull without re-parsing pages.

A frame built from a pull is written (Parquet, atomically) with what makes it valid: the digest
of the pull's first page and the cache's version of its topic (``Transport.version``). A later
process that is served the same first page by an unchanged cache reads the frame instead of
every cached page. A frame that cannot be read is simply built again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .log import get_logger

__all__ = ["FrameCache", "Kept"]

log = get_logger("cache")
_META_KEY = b"smexplore.frame"


class Kept(NamedTuple):
    """What a kept frame was built from."""

    digest: str  # of the first page
    version: int  # of the topic's cached answers
    fetched_at: str


class FrameCache:
    """Frames of one account's pulls, one Parquet file per query, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.parquet"

    def kept(self, key: str) -> Kept | None:
        """What the frame kept for ``key`` was built from (``None``: none kept, or unreadable)."""
        try:
            metadata = pq.read_schema(self._file(key)).metadata or {}
            return Kept(**json.loads(metadata[_META_KEY]))
        except FileNotFoundError:
            return None
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as exc:
            log.debug("a kept frame cannot be read (%s); it is built again", exc)
            return None

    def load(self, key: str) -> pd.DataFrame | None:
        """The frame kept for ``key`` (``None`` if it cannot be read)."""
        try:
            return pq.read_table(self._file(key)).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            log.debug("a kept frame cannot be read (%s); it is built again", exc)
            return None

    def save(self, key: str, frame: pd.DataFrame, kept: Kept) -> None:
        """Keep ``frame`` for ``key`` (failures are logged: the frame is only a shortcut)."""
        path = self._file(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   _META_KEY: json.dumps(kept._asdict()).encode()})
            pq.write_table(table, temporary, compression="zstd")
            os.replace(temporary, path)
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            log.info("could not keep the typed frame in %s (%s)", self.folder, exc)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
