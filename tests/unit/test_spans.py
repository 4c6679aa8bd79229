"""Spans and double-bookings on hand-built frames with known answers (utilisation: test_load.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import smexplore as sm
from smexplore.core.load import UTILISATION_DTYPES

T = pd.Timestamp


def _frame(rows: list[tuple[str, str, str]], **extra: list) -> pd.DataFrame:
    staff, start, end = zip(*rows) if rows else ((), (), ())
    return pd.DataFrame({"staff": list(staff), "start": pd.to_datetime(list(start)),
                         "end": pd.to_datetime(list(end)), **extra})


def test_overlapping_pairs_with_their_duration() -> None:
    frame = _frame([
        ("Ava", "2026-03-02 08:00", "2026-03-02 10:00"),
        ("Ava", "2026-03-02 09:30", "2026-03-02 11:00"),   # overlaps the first by 30 min
        ("Ava", "2026-03-02 11:00", "2026-03-02 12:00"),   # touches the second: not an overlap
        ("Leo", "2026-03-02 09:00", "2026-03-02 10:00"),   # other person, same time: not an overlap
    ], uuid=["a1", "a2", "a3", "l1"])
    found = sm.overlaps(frame)
    assert found[["staff", "first", "second"]].values.tolist() == [["Ava", "a1", "a2"]]
    assert found["overlap"].tolist() == [pd.Timedelta(minutes=30)]
    assert found["overlap_start"].tolist() == [T("2026-03-02 09:30")]


def test_a_long_span_overlapping_several_and_one_crossing_midnight() -> None:
    frame = _frame([
        ("Ava", "2026-03-02 20:00", "2026-03-03 02:00"),   # night shift across midnight
        ("Ava", "2026-03-02 21:00", "2026-03-02 22:00"),
        ("Ava", "2026-03-03 01:00", "2026-03-03 03:00"),
        ("Ava", "2026-03-03 02:30", "2026-03-03 04:00"),
    ], uuid=["n", "b", "c", "d"])
    found = sm.overlaps(frame).sort_values(["first", "second"])
    assert found[["first", "second"]].values.tolist() == [["c", "d"], ["n", "b"], ["n", "c"]]
    assert dict(zip(found["first"] + found["second"], found["overlap"])) == {
        "cd": pd.Timedelta(minutes=30), "nb": pd.Timedelta(hours=1), "nc": pd.Timedelta(hours=1)}


def test_bookings_and_recorded_time_of_one_visit_are_not_a_double_booking() -> None:
    activities = pd.DataFrame({
        "uuid": ["b", "r"], "staff_name": ["Ava", "Ava"],
        "start_date": [T("2026-03-02 08:00"), T("2026-03-02 08:10")],
        "end_date": [T("2026-03-02 10:00"), T("2026-03-02 10:05")],
        "activity_was_scheduled": [True, False], "activity_was_recorded": [False, True],
    })
    assert sm.overlaps(activities).empty
    assert sorted(sm.spans(activities)["kind"]) == ["booking", "recorded"]


def test_empty_input_gives_empty_typed_results() -> None:
    empty = _frame([])
    found = sm.overlaps(empty)
    assert found.empty and found["overlap"].dtype == "timedelta64[ns]"
    used = sm.utilisation(empty)
    assert used.empty and list(used.columns) == list(UTILISATION_DTYPES)


def test_allocations_run_to_completion_or_expiry() -> None:
    allocations = pd.DataFrame({
        "uuid": ["x", "y"], "staff_uuid": ["s1", "s1"],
        "allocation_date": [T("2026-03-02 08:00"), T("2026-03-03 08:00")],
        "completion_timestamp": [T("2026-03-02 15:00"), pd.NaT],
        "expiry_timestamp": [T("2026-03-05 17:00"), T("2026-03-06 17:00")],
    })
    spans = sm.spans(allocations)
    assert spans["end"].tolist() == [T("2026-03-02 15:00"), T("2026-03-06 17:00")]
    assert set(spans["kind"]) == {"allocation"} and list(spans["staff"]) == ["s1", "s1"]


def test_unknown_frame_shape_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="expected an activities frame"):
        sm.spans(pd.DataFrame({"a": [1]}))
