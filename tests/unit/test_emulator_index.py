"""The ServiceM8 emulator's ``edit_date`` index keeps exactly the records the filter's predicate keeps,
through creates, updates and deletes (``Table``), whatever the stamps: ties, the zero date, dates alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smexplore.servicem8.emulator.store import Table
from smexplore.servicem8.resources import get_resource
from smexplore.servicem8.wire_filter import compile_filter

RESOURCE = get_resource("category")
# Few distinct values, so that ties and bounds that hit a stamp exactly are common.
STAMPS = st.sampled_from(["0000-00-00 00:00:00", "", "2026-01-01", "2026-01-01 00:00:00", "2026-01-01 09:30:00",
                          "2026-01-02 00:00:00", "2026-02-01 12:00:00", "2026-03-02 12:00:00"])
BOUNDS = ("2025-12-31", "2026-01-01", "2026-01-01 09:30", "2026-01-01 09:30:00", "2026-01-02", "2026-02-01 12:00:01",
          "2026-03-02 12:00:00", "2027-01-01")
VALUES = st.sampled_from(BOUNDS)
CONDITIONS = st.tuples(st.sampled_from(["gt", "lt", "eq", "ne"]), VALUES)
# Minutes after 2026-01-01 09:00 a write is stamped: on existing stamps (09:00, 09:30, the 2nd's midnight,
# 2026-02-01 12:00) and beside them.
WRITES = st.lists(st.tuples(st.sampled_from(["create", "update", "delete"]), st.integers(0, 10_000),
                            st.sampled_from([0, 1, 30, 900, 901, 44_820, 86_400])), max_size=12)


def _record(n: int, stamp: str) -> dict[str, object]:
    return {"uuid": f"00000000-0000-4000-8000-{n:012d}", "name": f"c{n}", "active": 1, "edit_date": stamp}


@settings(max_examples=80, deadline=None)
@given(stamps=st.lists(STAMPS, max_size=30), writes=WRITES, conditions=st.lists(CONDITIONS, min_size=1, max_size=3),
       active=st.booleans())
def test_the_index_keeps_what_a_full_scan_keeps(stamps: list[str], writes: list[tuple[str, int, int]],
                                                conditions: list[tuple[str, str]], active: bool) -> None:
    records = [_record(n, stamp) for n, stamp in enumerate(stamps)]
    table = Table(RESOURCE, records, {})
    table.edits()  # built before the writes: the writes must keep it right
    for n, (kind, pick, minutes) in enumerate(writes):
        now = datetime(2026, 1, 1, 9, 0) + timedelta(minutes=minutes)
        if kind == "create" or not records:
            table.create({"name": f"new {n}"}, now)
        elif kind == "update":
            table.update(records[pick % len(records)], {"name": f"changed {n}"}, now)
        else:
            table.delete(records[pick % len(records)], now)
    text = " and ".join([f"edit_date {op} '{value}'" for op, value in conditions] + (["active eq 1"] if active else []))
    if all(op == "ne" for op, _ in conditions):
        assert table.edited(text) is None  # nothing the index can bound: the table is read in order
    sweep = [f"edit_date {op} '{value}'" for op in ("gt", "lt", "eq") for value in BOUNDS]
    for each in [text, *sweep]:
        predicate, positions = compile_filter(RESOURCE, each), table.edited(each)
        assert table.scan(predicate, 0, None, positions) == table.scan(predicate, 0, None), each
        for start, limit in ((0, 2), (3, 1)):
            assert table.scan(predicate, start, limit, positions) == table.scan(predicate, start, limit), each
