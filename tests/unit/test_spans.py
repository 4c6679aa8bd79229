"""Double-bookings and utilisation on hand-built frames with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

import smexplore as sm

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
    assert used.empty and list(used.columns) == ["staff", "period", "booked_hours", "capacity_hours", "utilisation"]


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


def test_utilisation_counts_working_days_only_and_splits_at_midnight() -> None:
    frame = _frame([
        ("Ava", "2026-03-02 08:00", "2026-03-02 12:00"),   # Mon 4 h
        ("Ava", "2026-03-02 10:00", "2026-03-02 13:00"),   # overlaps: only 1 h more (booked time counts once)
        ("Ava", "2026-03-06 22:00", "2026-03-07 02:00"),   # Fri 2 h + Sat 2 h (weekend: not counted)
        ("Ava", "2026-03-08 09:00", "2026-03-08 17:00"),   # Sunday: not counted
        ("Leo", "2026-03-10 08:00", "2026-03-10 16:00"),   # next week, Tue 8 h
    ])
    used = sm.utilisation(frame, freq="W", hours_per_day=8, start="2026-03-02", end="2026-03-13")
    table = used.set_index(["staff", "period"])
    assert table.loc[("Ava", T("2026-03-02")), "booked_hours"] == 7.0
    assert table.loc[("Ava", T("2026-03-02")), "capacity_hours"] == 40.0
    assert table.loc[("Ava", T("2026-03-09")), "booked_hours"] == 0.0
    assert table.loc[("Leo", T("2026-03-09")), "utilisation"] == pytest.approx(0.2)
    assert len(used) == 4  # two people × two weeks, idle weeks included


def test_utilisation_by_day_with_a_partial_week_capacity() -> None:
    frame = _frame([("Ava", "2026-03-04 09:00", "2026-03-04 13:00")])
    used = sm.utilisation(frame, freq="D", start="2026-03-04", end="2026-03-05")
    assert used["period"].tolist() == [T("2026-03-04"), T("2026-03-05")]
    assert used["utilisation"].tolist() == [0.5, 0.0]


def test_unknown_frame_shape_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="expected an activities frame"):
        sm.spans(pd.DataFrame({"a": [1]}))
