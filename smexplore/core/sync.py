"""Merging what a sync pulled into what the store holds: upserts by key, and what changed.

An incremental pull (records changed since the high-water mark) replaces the stored rows with
the same key and adds the others; a full pull (a system that cannot say what changed) replaces
everything, and records it no longer lists leave the store. Either way the counts say what the
sync changed: new records, changed ones (any value differs; not those deactivated), and
deactivated ones (``active`` went false, or, after a full pull, the record is gone).

A full pull that would empty a resource, or leave fewer than half its active records
(``shrinkage``), looks more like a failed answer than a change: the Session refuses to store it
unless forced.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["GUARD_LEAST", "GUARD_SHARE", "SUMMARY_DTYPES", "Counts", "active_rows", "shrinkage", "upsert"]

SUMMARY_DTYPES = {"resource": "string", "new": "Int64", "changed": "Int64", "deactivated": "Int64",
                  "requests": "Int64", "seconds": "Float64", "full": "boolean", "note": "string"}
"""The columns and dtypes of ``Session.sync()``'s summary frame."""

GUARD_SHARE = 0.5
"""A full pull that would leave fewer than this share of the active records stored is refused (unless forced)."""
GUARD_LEAST = 10
"""…once the store holds at least this many active records (a small list may well halve)."""


def active_rows(frame: pd.DataFrame | None, active: str | None) -> int:
    """How many of ``frame``'s records are active (all of them where records carry no ``active`` flag)."""
    if frame is None:
        return 0
    if active is None or active not in frame:
        return len(frame)
    return int(frame[active].fillna(True).astype(bool).sum())


def shrinkage(before: int, after: int) -> str | None:
    """Why a full pull that leaves ``after`` of ``before`` active records looks like a failure (an
    empty answer, a permission lost, a glitch) rather than a change; ``None`` if it does not."""
    if before and not after:
        return f"the answer holds none of the {before:,} active records stored"
    if before >= GUARD_LEAST and after < before * GUARD_SHARE:
        return f"the answer holds {after:,} of the {before:,} active records stored"
    return None


class Counts(NamedTuple):
    """What one sync changed in one resource."""

    new: int
    changed: int
    deactivated: int


def upsert(old: pd.DataFrame | None, fresh: pd.DataFrame, key: str, *, full: bool,
           active: str | None = None) -> tuple[pd.DataFrame, Counts]:
    """``old`` with ``fresh`` merged in by ``key``, and what that changed.

    Stored rows keep their places (a changed record stays where it was, new ones follow), so the
    store lists records in the order the API first listed them.

    Args:
        old: The stored frame (``None``: nothing stored yet).
        fresh: The pulled records, typed like ``old``.
        key: The column identifying a record (``uuid``, ``id``).
        full: ``fresh`` is every record (records missing from it are gone); else only changed ones.
        active: The flag column soft deletes clear, if the resource has one.
    """
    # Keys as plain objects, matched by hash: pandas' isin on Arrow strings walks them in Python.
    fresh = fresh[~pd.Index(fresh[key].to_numpy(dtype=object)).duplicated(keep="last")]
    if old is None or old.empty:
        return fresh.reset_index(drop=True), Counts(len(fresh), 0, 0)
    old = _aligned(old, fresh)
    old_keys, fresh_keys = old[key].to_numpy(dtype=object), fresh[key].to_numpy(dtype=object)
    place = pd.Index(old_keys).get_indexer(fresh_keys)  # each pulled record's stored row, or -1
    known = place >= 0
    before = old.iloc[place[known]].set_index(key)
    after = fresh[known].set_index(key)
    differs = _differs(before, after)
    deactivated = np.zeros(len(after), dtype=bool)
    if active is not None and active in after:
        was, now = before[active].fillna(True).astype(bool), after[active].fillna(True).astype(bool)
        deactivated = was.to_numpy() & ~now.to_numpy()
    changed, deactivated_count = int((differs & ~deactivated).sum()), int(deactivated.sum())
    # Stored records keep their places, new ones follow in pulled order.
    rank = np.where(known, place, len(old) + np.cumsum(~known) - 1)
    if full:
        deactivated_count += int((pd.Index(fresh_keys).get_indexer(old_keys) < 0).sum())  # gone from the account
        merged = fresh
    else:
        untouched = np.ones(len(old), dtype=bool)
        untouched[place[known]] = False
        merged = pd.concat([old[untouched], fresh], ignore_index=True)
        rank = np.concatenate([np.flatnonzero(untouched), rank])
    merged = merged.iloc[np.argsort(rank, kind="stable")]
    return merged.reset_index(drop=True), Counts(int((~known).sum()), changed, deactivated_count)


def _aligned(old: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """``old`` with ``fresh``'s dtypes where both have a column (a stored file's string storage may differ)."""
    shared = {name: fresh[name].dtype for name in fresh if name in old and old[name].dtype != fresh[name].dtype}
    return old.astype(shared) if shared else old


def _differs(before: pd.DataFrame, after: pd.DataFrame) -> np.ndarray:
    """Per row (same index, same order): whether any shared column's value differs (missing equals missing)."""
    differs = np.zeros(len(after), dtype=bool)
    for name in after.columns:
        if name not in before:
            differs |= after[name].notna().to_numpy()
            continue
        a, b = before[name].reset_index(drop=True), after[name].reset_index(drop=True)
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
        differs |= ~same
    return differs
