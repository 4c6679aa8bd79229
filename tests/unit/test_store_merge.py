"""Merging a sync's records into the store (``core.sync.upsert``) and narrowing a store scan (``core.filters.scan``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore.core import sync
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.scan import scan_filter
from smexplore.core.frames import to_frame
from smexplore.core.sync import arrange, merge, upsert
from smexplore.servicem8.resources import get_resource


def _frame(rows: list[tuple[str, int, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["uuid", "value", "active"]).astype(
        {"uuid": "string", "value": "Int64", "active": "boolean"})


def test_the_first_sync_takes_every_record_as_new() -> None:
    fresh = _frame([("a", 1, True), ("b", 2, False)])
    merged, counts = upsert(None, fresh, "uuid", full=False, active="active")
    pd.testing.assert_frame_equal(merged, fresh)
    assert counts == (2, 0, 0)


def test_an_incremental_merge_keeps_places_and_counts_what_changed() -> None:
    old = _frame([("a", 1, True), ("b", 2, True), ("c", 3, True), ("d", 4, True)])
    # b changed, c soft-deleted, d pulled again unchanged (the overlap), e new
    fresh = _frame([("d", 4, True), ("e", 5, True), ("b", 20, True), ("c", 3, False)])
    merged, counts = upsert(old, fresh, "uuid", full=False, active="active")
    assert merged["uuid"].tolist() == ["a", "b", "c", "d", "e"]  # stored order, new ones after
    assert merged["value"].tolist() == [1, 20, 3, 4, 5]
    assert merged["active"].tolist() == [True, True, False, True, True]
    assert counts == (1, 1, 1)


def test_a_full_merge_drops_records_the_account_no_longer_has() -> None:
    old = _frame([("a", 1, True), ("b", 2, True), ("c", 3, True)])
    fresh = _frame([("c", 3, True), ("new", 9, True), ("a", 1, True)])
    merged, counts = upsert(old, fresh, "uuid", full=True)
    assert merged["uuid"].tolist() == ["a", "c", "new"]
    assert counts == (1, 0, 1)  # "b" is gone


def test_a_record_pulled_twice_is_merged_once_the_last_copy_winning() -> None:
    fresh = _frame([("a", 1, True), ("a", 2, True)])
    merged, counts = upsert(_frame([("a", 0, True)]), fresh, "uuid", full=False)
    assert merged["value"].tolist() == [2] and counts == (0, 1, 0)


def test_missing_equals_missing_when_counting_changes() -> None:
    old = _frame([("a", 1, True)]).astype({"value": "Int64"})
    old.loc[0, "value"] = pd.NA
    merged, counts = upsert(old, old.copy(), "uuid", full=False)
    assert counts == (0, 0, 0) and merged["value"].isna().all()


_CELLS = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["x", "y", ""]))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_CELLS, _CELLS, _CELLS, _CELLS), min_size=1, max_size=12))
def test_a_few_records_are_compared_as_many_are(rows: list[tuple]) -> None:
    """Cell by cell (a few records) and column by column (many) say the same: missing equals missing,
    whether None, NA or NaN, and a column the stored rows lack differs where the pulled ones have a value."""
    before = pd.DataFrame({"n": pd.array([r[0] if isinstance(r[0], int) else None for r in rows], dtype="Int64"),
                           "t": pd.array([r[1] if isinstance(r[1], str) else None for r in rows], dtype="string")})
    after = pd.DataFrame({"n": pd.array([r[2] if isinstance(r[2], int) else None for r in rows], dtype="Int64"),
                          "t": pd.array([r[3] if isinstance(r[3], str) else None for r in rows], dtype="string"),
                          "extra": pd.array([r[3] if isinstance(r[3], int) else None for r in rows], dtype="Float64")})
    few = sync._differs(before, after)
    previous, sync._FEW = sync._FEW, -1
    try:
        many = sync._differs(before, after)
    finally:
        sync._FEW = previous
    assert few.tolist() == many.tolist()
    expected = [(r[0] if isinstance(r[0], int) else None) != (r[2] if isinstance(r[2], int) else None)
                or (r[1] if isinstance(r[1], str) else None) != (r[3] if isinstance(r[3], str) else None)
                or isinstance(r[3], int) for r in rows]
    assert few.tolist() == expected


def test_arrange_rewrites_only_the_parts_holding_what_changed() -> None:
    """A changed record stays in its part (even when its date moved), a new one goes to its own;
    untouched parts are not written; a full merge that leaves a part empty removes it."""
    old = _frame([("a", 1, True), ("b", 2, True), ("c", 3, True), ("d", 4, True)])
    part = np.array(["p-1", "p-1", "p-2", "p-3"], dtype=object)
    order = np.array([0, 2, 1, 3])
    fresh = _frame([("b", 20, True), ("e", 5, True)])
    merged = merge(old, fresh, "uuid", full=False, active="active")
    placed = np.array(["p-9"] * len(merged.frame), dtype=object)
    writes, removed = arrange(merged, part, order, placed, np.full(len(merged.frame), -1), 10, every=False,
                              held=["p-1", "p-2", "p-3"], empty="undated")
    assert sorted(writes) == ["p-1", "p-9"] and removed == []
    at, places = writes["p-1"]
    rows = merged.frame.iloc[at]
    assert rows["uuid"].tolist() == ["a", "b"] and rows["value"].tolist() == [1, 20] and places.tolist() == [0, 2]
    assert merged.frame.iloc[writes["p-9"][0]]["uuid"].tolist() == ["e"] and writes["p-9"][1].tolist() == [10]
    gone = merge(old, _frame([("a", 1, True), ("b", 2, True), ("d", 4, True)]), "uuid", full=True)
    writes, removed = arrange(gone, part, order, np.array(["p-9"] * 3, dtype=object), np.full(3, -1), 10,
                              every=False, held=["p-1", "p-2", "p-3"], empty="undated")
    assert writes == {} and removed == ["p-2"]  # "c" left the account: its part is left empty
    nothing = merge(old, _frame([]), "uuid", full=True)
    writes, removed = arrange(nothing, part, order, np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64), 10,
                              every=False, held=["p-1", "p-2", "p-3"], empty="undated")
    assert list(writes) == ["undated"] and not len(writes["undated"][0]) and sorted(removed) == ["p-1", "p-2", "p-3"]


# --- the scan narrows, never loses: every row the filter keeps passes the scan ---------------------
ACTIVITY = get_resource("jobactivity")
_RECORDS = [
    {"uuid": f"0000000{i}-0000-4000-8000-00000000000{i}", "job_uuid": "AAAAAAAA-0000-4000-8000-000000000000"
     if i % 2 else "bbbbbbbb-0000-4000-8000-000000000000", "start_date": f"2026-03-0{i + 1} 0{i}:00:00",
     "travel_time_in_seconds": str(i * 60) if i != 3 else "", "active": "1" if i % 3 else "0"}
    for i in range(8)
]
_FRAME = to_frame(_RECORDS, ACTIVITY)
_TABLE = pa.Table.from_pandas(_FRAME, preserve_index=False)
_FIELDS = {
    "start_date": st.sampled_from(["2026-03-01", "2026-03-03 02:00:00", "2026-03-05 04:00:00", "2026-03-09"]),
    "travel_time_in_seconds": st.sampled_from([0, 60, 120.5, 180, 300, 1000]),
    "active": st.sampled_from([True, False]),
    "job_uuid": st.sampled_from(["aaaaaaaa-0000-4000-8000-000000000000", "BBBBBBBB-0000-4000-8000-000000000000",
                                 "cccccccc-0000-4000-8000-000000000000"]),
}
_OPS = st.sampled_from(["==", "!=", ">", "<", ">=", "<="])


@st.composite
def _conditions(draw: st.DrawFn) -> sm.Expr:
    name = draw(st.sampled_from(sorted(_FIELDS)))
    ref = sm.F[name]
    if draw(st.booleans()):
        return ref.isin(draw(st.lists(_FIELDS[name], max_size=3)))
    op = draw(_OPS) if name in ("start_date", "travel_time_in_seconds") else draw(st.sampled_from(["==", "!="]))
    value = draw(_FIELDS[name])
    return {"==": ref == value, "!=": ref != value, ">": ref > value, "<": ref < value, ">=": ref >= value,
            "<=": ref <= value}[op]


_WHERE = st.recursive(_conditions(), lambda kids: st.one_of(
    st.lists(kids, min_size=2, max_size=3).map(lambda parts: parts[0] & parts[1]),
    st.lists(kids, min_size=2, max_size=3).map(lambda parts: parts[0] | parts[1]),
    kids.map(lambda part: ~part)), max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(where=_WHERE)
def test_the_scan_keeps_every_row_the_filter_keeps(where: sm.Expr) -> None:
    scan = scan_filter(where, ACTIVITY, _TABLE.column_names, None)
    kept = set(_FRAME.loc[evaluate(where, _FRAME, ACTIVITY), "uuid"])
    scanned = set(ds.dataset(_TABLE).to_table(filter=scan).column("uuid").to_pylist()) if scan is not None \
        else set(_FRAME["uuid"])
    assert kept <= scanned


def test_what_goes_into_the_scan() -> None:
    columns = _TABLE.column_names
    assert scan_filter(sm.F.travel_time_in_seconds > 60, ACTIVITY, columns, None) is not None
    assert scan_filter(sm.F.job_uuid == "AAAAAAAA-0000-4000-8000-000000000000", ACTIVITY, columns, None) is not None
    # case-insensitive text, != (missing values satisfy it), negation, enriched names: left to the local run
    assert scan_filter(sm.F.travel_time_in_seconds != 60, ACTIVITY, columns, None) is None
    assert scan_filter(~(sm.F.travel_time_in_seconds > 60), ACTIVITY, columns, None) is None
    assert scan_filter(sm.F.staff_name == "Ava Lee", ACTIVITY, columns, None) is None
    # an instant cannot be compared in a session's zone by the naive stored wall time: not pushed
    assert scan_filter(sm.F.start_date > "2026-03-01", ACTIVITY, columns, "Australia/Sydney") is not None
    both = scan_filter((sm.F.travel_time_in_seconds > 60) & (sm.F.staff_name == "x"), ACTIVITY, columns, None)
    assert both is not None and "travel_time_in_seconds" in str(both) and "staff_name" not in str(both)


@pytest.mark.parametrize("where", [sm.F.travel_time_in_seconds >= 120, sm.F.start_date < "2026-03-04",
                                   sm.F.job_uuid.isin(["aaaaaaaa-0000-4000-8000-000000000000"])])
def test_the_scan_narrows(where: sm.Expr) -> None:
    scan = scan_filter(where, ACTIVITY, _TABLE.column_names, None)
    assert ds.dataset(_TABLE).to_table(filter=scan).num_rows < _TABLE.num_rows
