"""Typed frames kept beside the HTTP cache, so a new process repeats a pull without re-parsing pages.

A frame built from a pull of several pages is written (Parquet, atomically) with what makes it
valid: the digest of the pull's first page and the cache's version of its topic
(``Transport.version``). A later process that is served the same first page by an unchanged cache
reads the frame instead of every cached page. A frame that cannot be read is simply built again;
the least recently written go once more than ``limit`` are kept. Frames are written on a thread of
their own (``save_later``), after the pull has returned its frame: ``wait`` (at the Session's close,
or at the interpreter's exit) sees the writes done.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .log import get_logger
from .parquet_files import read_metadata, write_atomically

__all__ = ["FrameCache", "Kept"]

log = get_logger("cache")
_META_KEY = b"smexplore.frame"


class Kept(NamedTuple):
    """What a kept frame was built from."""

    digest: str  # of the first page
    version: int  # of the topic's cached answers
    fetched_at: str


class FrameCache:
    """Frames of one account's pulls, one Parquet file per query, in ``folder`` (at most ``limit``)."""

    def __init__(self, folder: Path, limit: int = 64) -> None:
        self.folder = folder
        self.limit = limit
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def _file(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.parquet"

    def kept(self, key: str) -> Kept | None:
        """What the frame kept for ``key`` was built from (``None``: none kept, or unreadable)."""
        try:
            return Kept(**read_metadata(self._file(key), _META_KEY))
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

    def save_later(self, key: str, frame: Callable[[], pd.DataFrame], kept: Kept) -> None:
        """``save`` the frame ``frame()`` gives, on the writer's thread (one write at a time, in order)."""
        with self._lock:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="smexplore-frames")
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._writer.submit(self._save_built, key, frame, kept))

    def wait(self) -> None:
        """Return once every frame handed to ``save_later`` is written (or failed, logged)."""
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            future.exception()  # never raised: _save_built logs what goes wrong

    def _save_built(self, key: str, frame: Callable[[], pd.DataFrame], kept: Kept) -> None:
        try:
            built = frame()
        except (TypeError, ValueError) as exc:  # only a shortcut: a frame that cannot be kept is built again
            log.info("could not keep the typed frame (%s)", exc)
            return
        self.save(key, built, kept)

    def save(self, key: str, frame: pd.DataFrame, kept: Kept) -> None:
        """Keep ``frame`` for ``key`` (failures are logged: the frame is only a shortcut)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self._file(key), frame, {_META_KEY: kept._asdict()}, durable=False)
            files = sorted(self.folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
            for old in files[:-self.limit]:
                with contextlib.suppress(OSError):
                    old.unlink()
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            log.info("could not keep the typed frame in %s (%s)", self.folder, exc)
