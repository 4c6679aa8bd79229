"""Merging what a sync pulled into what the store holds: upserts by key, and what changed.

An incremental pull (records changed since the high-water mark) replaces the stored rows with
the same key and adds the others; a full pull (a system that cannot say what changed) replaces
everything, and records it no longer lists leave the store. Either way the counts say what the
sync changed: new records, changed ones (any value differs; not those deactivated), and
deactivated ones (``active`` went false, or, after a full pull, the record is gone).

The store keeps a resource in parts (``store``): ``merge`` says where each merged row came from,
and ``arrange`` which parts hold a record that changed or came new (only those are rewritten,
each with every row it holds; a record stays in its part).

A full pull that would empty a resource, or leave fewer than half its active records
(``shrinkage``), looks more like a failed answer than a change: the Session refuses to store it
unless forced.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["GUARD_LEAST", "GUARD_SHARE", "SUMMARY_DTYPES", "Counts", "Merged", "active_rows", "arrange", "merge",
           "shrinkage", "upsert"]

SUMMARY_DTYPES = {"resource": "string", "new": "Int64", "changed": "Int64", "deactivated": "Int64",
                  "requests": "Int64", "seconds": "Float64", "full": "boolean", "note": "string"}
"""The columns and dtypes of ``Session.sync()``'s summary frame."""

GUARD_SHARE = 0.5
"""A full pull that would leave fewer than this share of the active records stored is refused (unless forced)."""
GUARD_LEAST = 10
"""…once the store holds at least this many active records (a small list may well halve)."""
_FEW = 200  # records compared cell by cell (more: column by column)


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


class Merged(NamedTuple):
    """A merge's result, and where each row came from."""

    frame: pd.DataFrame  # the merged records: stored ones in their places, then new ones in pulled order
    counts: Counts
    origin: np.ndarray  # per merged row: its row in the stored frame, or -1 (new to it)
    touched: np.ndarray  # per stored row: changed, deactivated, or (after a full pull) gone


def upsert(old: pd.DataFrame | None, fresh: pd.DataFrame, key: str, *, full: bool,
           active: str | None = None) -> tuple[pd.DataFrame, Counts]:
    """``old`` with ``fresh`` merged in by ``key``, and what that changed (``merge`` without the origins)."""
    merged = merge(old, fresh, key, full=full, active=active)
    return merged.frame, merged.counts


def merge(old: pd.DataFrame | None, fresh: pd.DataFrame, key: str, *, full: bool,
          active: str | None = None) -> Merged:
    """``old`` with ``fresh`` merged in by ``key``, what that changed, and where each row came from.

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
        return Merged(fresh.reset_index(drop=True), Counts(len(fresh), 0, 0), np.full(len(fresh), -1, dtype=np.int64),
                      np.zeros(0 if old is None else len(old), dtype=bool))
    old_keys, fresh_keys = old[key].to_numpy(dtype=object), fresh[key].to_numpy(dtype=object)
    place = pd.Index(old_keys).get_indexer(fresh_keys)  # each pulled record's stored row, or -1
    known = place >= 0
    before = _aligned(old.iloc[place[known]], fresh)  # the stored versions of the pulled records, row for row
    after = fresh[known]
    differs = _differs(before, after)
    deactivated = np.zeros(len(after), dtype=bool)
    if active is not None and active in after:
        was, now = before[active].fillna(True).astype(bool), after[active].fillna(True).astype(bool)
        deactivated = was.to_numpy() & ~now.to_numpy()
    changed, deactivated_count = int((differs & ~deactivated).sum()), int(deactivated.sum())
    touched = np.zeros(len(old), dtype=bool)
    touched[place[known]] = differs | deactivated
    counts = Counts(int((~known).sum()), changed, deactivated_count)
    if not full and known.all() and not touched.any():  # nothing new, nothing changed: the stored rows as they are
        return Merged(old.reset_index(drop=True), counts, np.arange(len(old), dtype=np.int64), touched)
    old = _aligned(old, fresh)
    # Stored records keep their places, new ones follow in pulled order.
    rank = np.where(known, place, len(old) + np.cumsum(~known) - 1)
    origin = np.where(known, place, -1)
    if full:
        gone = pd.Index(fresh_keys).get_indexer(old_keys) < 0  # gone from the account
        deactivated_count += int(gone.sum())
        touched |= gone
        merged = fresh
    else:
        untouched = np.ones(len(old), dtype=bool)
        untouched[place[known]] = False
        merged = pd.concat([old[untouched], fresh], ignore_index=True)
        rank = np.concatenate([np.flatnonzero(untouched), rank])
        origin = np.concatenate([np.flatnonzero(untouched), origin])
    ordered = np.argsort(rank, kind="stable")
    counts = Counts(counts.new, counts.changed, deactivated_count)
    return Merged(merged.iloc[ordered].reset_index(drop=True), counts, origin[ordered].astype(np.int64), touched)


def arrange(merged: Merged, part: np.ndarray, order: np.ndarray, placed: np.ndarray, placed_order: np.ndarray,
            next_order: int, *, every: bool, held: Collection[str], empty: str
            ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]]:
    """Which parts a merge rewrites, with which of its rows (positions, and places in the order), and
    which it leaves empty (to remove).

    A stored record stays in its part with its place in the order; a new one goes to its ``placed``
    part, with its ``placed_order`` if it has one (a record stored before, in a part the merge did
    not read), else the next free place. Only the parts holding a touched or new record are
    written, with every row they hold.

    Args:
        merged: The merge of the ``held`` parts' rows with what was pulled.
        part: Per stored row (``merged``'s old frame): its part.
        order: Per stored row: its place in the order.
        placed: Per merged row: the part a new record goes to (read where ``origin`` is -1).
        placed_order: Per merged row: a new record's place in the order, or -1 for the next free one.
        next_order: The first free place.
        every: Write every part holding a row (another schema, or a store begun afresh).
        held: The parts whose every row was merged (one left without a row is removed).
        empty: The part that keeps the columns when no record is left.
    """
    new = merged.origin < 0
    source = np.maximum(merged.origin, 0)
    row_part = np.where(new, placed, part[source] if len(part) else placed)
    fresh_order = np.where(placed_order >= 0, placed_order, next_order + np.cumsum(new & (placed_order < 0)) - 1)
    row_order = np.where(new, fresh_order, order[source] if len(order) else fresh_order).astype(np.int64)
    dirty = set(part[merged.touched]) | set(row_part[new])
    codes, names = pd.factorize(row_part)
    writes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for code, name in enumerate(names):
        if every or name in dirty:
            rows = np.flatnonzero(codes == code)
            rows = rows[np.argsort(row_order[rows], kind="stable")]
            writes[name] = (rows, row_order[rows])
    if merged.frame.empty:
        writes = {empty: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))}
    left = set(names) | set(writes)
    return writes, [name for name in held if name not in left]


def _aligned(old: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """``old`` with ``fresh``'s dtypes where both have a column (a stored file's string storage may differ)."""
    wanted, have = fresh.dtypes.to_dict(), old.dtypes.to_dict()
    shared = {name: dtype for name, dtype in wanted.items() if name in have and have[name] != dtype}
    return old.astype(shared) if shared else old


def _differs(before: pd.DataFrame, after: pd.DataFrame) -> np.ndarray:
    """Per row (the same records in the same order): whether any of ``after``'s columns differs from
    ``before``'s (missing equals missing; a column ``before`` lacks differs where ``after`` has a value)."""
    if len(after) <= _FEW:  # a few records (an overlap, a small change): cell by cell beats a pass per column
        same_columns = list(before.columns) == list(after.columns)
        left = (before if same_columns else before.reindex(columns=after.columns)).to_numpy(dtype=object)
        right = after.to_numpy(dtype=object)
        return np.array([any(not _same(x, y) for x, y in zip(old, new, strict=True))
                         for old, new in zip(left, right, strict=True)], dtype=bool).reshape(len(after))
    differs = np.zeros(len(after), dtype=bool)
    for name in after.columns:
        if name not in before:
            differs |= after[name].notna().to_numpy()
            continue
        a, b = before[name].reset_index(drop=True), after[name].reset_index(drop=True)
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
        differs |= ~same
    return differs


def _same(x: Any, y: Any) -> bool:
    """Whether two cells hold the same value (missing equals missing, whatever its spelling)."""
    x_missing, y_missing = _missing(x), _missing(y)
    if x_missing or y_missing:
        return x_missing and y_missing
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return False


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
