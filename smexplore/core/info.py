"""What a Session reports about itself: its cache (``CacheInfo``), and the two-column tables Jupyter shows."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["CacheInfo", "html_table"]


class CacheInfo(NamedTuple):
    """What the cache holds and how it has served this session."""

    path: str | None
    """The cache file (``None`` when the session does not cache)."""
    size_bytes: int
    """Its size on disk, with SQLite's journal files."""
    responses: int
    """How many answers it holds."""
    hits: int
    """Requests this session answered from the cache."""
    misses: int
    """Requests this session sent to the server (not answered from the cache)."""
    expire_after: Any
    """How long cached answers stay fresh (as ``connect(expire_after=...)`` took it, ``-1`` for never)."""
    store_path: str | None = None
    """The local store's folder (``sync``)."""

    def _repr_html_(self) -> str:
        """A two-column table (Jupyter): where the cache is, its size, what it holds, hits and misses."""
        expire = self.expire_after
        rows = {
            "path": self.path if self.path is not None else "(no cache file)",
            "size": f"{self.size_bytes / 1e6:.1f} MB",
            "answers held": f"{self.responses:,}",
            "hits / misses": f"{self.hits:,} / {self.misses:,}",
            "expire after": "—" if expire is None else "never" if expire == -1 else str(expire),
            "store": self.store_path or "—",
        }
        return html_table("smexplore.CacheInfo", rows)


def html_table(caption: str, rows: Mapping[str, str]) -> str:
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                   f"{html.escape(v)}</td></tr>" for k, v in rows.items())
    return f"<table><caption style='text-align:left'><b>{html.escape(caption)}</b></caption>{body}</table>"
