"""What a Session reports about itself: its cache (``CacheInfo``), and the two-column tables Jupyter shows."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["CacheInfo", "html_table"]


class CacheInfo(NamedTuple):
    """What the cache holds and how it has served this session."""

    path: str | None
    size_bytes: int
    responses: int
    hits: int
    misses: int
    expire_after: Any
    store_path: str | None = None

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
