"""Load, utilisation and free capacity on hand-built frames with known answers (core.load)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import smexplore as sm
from smexplore.core.load import LOAD_DTYPES, UTILISATION_DTYPES

T = pd.Timestamp


def _rows(*rows: tuple) -> pd.DataFrame:
    """A normalised timeline frame: (staff, kind, start, end, hours[, source])."""
    records = [{"source": row[5] if len(row) > 5 else "ruddr", "staff_id": row[0].lower(), "staff": row[0],
                "start": T(row[2]), "end": T(row[3]), "hours": row[4], "kind": row[1]} for row in rows]
    frame = pd.DataFrame(records, columns=["source", "staff_id", "staff", "start", "end", "hours", "kind"])
    return frame.astype({"hours": "Float64", "start": "datetime64[ns]", "end": "datetime64[ns]"})


MON = "2026-03-02"


def test_amounts_of_work_are_hours_per_day_against_capacity_and_over_is_flagged() -> None:
    frame = _rows(("Ava", "allocation", MON, "2026-03-03", 6.5), ("Ava", "allocation", MON, "2026-03-03", 3.0),
                  ("Ava", "allocation", "2026-03-03", "2026-03-04", 4.0),
                  ("Leo", "task", MON, "2026-03-07", 10.0))  # Mon–Fri: 2 h a working day
    table = sm.load(frame, start=MON, end="2026-03-07").set_index(["staff", "period"])
    assert list(sm.load(frame).columns) == list(LOAD_DTYPES)
    assert table.loc[("Ava", T(MON)), "allocation_hours"] == 9.5  # two allocations on one day add up
    assert bool(table.loc[("Ava", T(MON)), "over"]) and table.loc[("Ava", T(MON)), "free_hours"] == -1.5
    assert table.loc[("Ava", T(MON)), "load"] == pytest.approx(9.5 / 8)
    assert not bool(table.loc[("Ava", T("2026-03-03")), "over"])
    assert table.xs("Leo")["task_hours"].tolist() == [2.0] * 5  # an amount shared among its working days
    # the table's hours add up to the rows' hours
    assert table["planned_hours"].sum() == pytest.approx(frame["hours"].sum())


def test_timed_rows_count_their_span_once_and_weekends_have_no_capacity() -> None:
    frame = _rows(("Ava", "booking", "2026-03-02 08:00", "2026-03-02 12:00", 4.0),
                  ("Ava", "booking", "2026-03-02 10:00", "2026-03-02 13:00", 3.0),  # overlaps: 1 h more
                  ("Ava", "recorded", "2026-03-02 08:10", "2026-03-02 11:10", 3.0),
                  ("Ava", "booking", "2026-03-07 09:00", "2026-03-07 11:00", 2.0))  # Saturday
    table = sm.load(frame, start=MON, end="2026-03-09").set_index("period")
    assert table.loc[T(MON), "booking_hours"] == 5.0 and table.loc[T(MON), "recorded_hours"] == 3.0
    assert table.loc[T("2026-03-07"), "capacity_hours"] == 0 and bool(table.loc[T("2026-03-07"), "over"])
    week = sm.load(frame, freq="W", start=MON, end="2026-03-09")
    assert week["capacity_hours"].tolist() == [40.0] and week["planned_hours"].tolist() == [7.0]


def test_time_off_placeholders_and_allocations_without_hours() -> None:
    frame = _rows(("Ava", "time_off", MON, "2026-03-03", 8.0), ("Ava", "allocation", MON, "2026-03-03", 2.0),
                  ("Designer", "placeholder", MON, "2026-03-03", 6.0),
                  ("Leo", "allocation", MON, "2026-03-03", None))  # a ServiceM8 allocation: no amount
    table = sm.load(frame, start=MON, end="2026-03-03").set_index("staff")
    assert table.loc["Ava", "available_hours"] == 0 and bool(table.loc["Ava", "over"])
    assert bool(table.loc["Designer", "placeholder"]) and table.loc["Designer", "placeholder_hours"] == 6.0
    assert table.loc["Designer", "capacity_hours"] == 0 and pd.isna(table.loc["Designer", "free_hours"])
    assert table.loc["Leo", "unsized"] == 1 and table.loc["Leo", "planned_hours"] == 0
    used = sm.utilisation(frame, start=MON, end="2026-03-03", freq="D")
    assert "Designer" not in set(used["staff"])  # demand, not a person


def test_capacity_given_per_person_and_day_names_everyone_free_or_not() -> None:
    frame = _rows(("Ava", "allocation", MON, "2026-03-03", 3.0))
    capacity = pd.DataFrame({"source": "ruddr", "staff_id": ["ava", "zoe"], "staff": ["Ava", "Zoe"],
                             "day": [T(MON), T(MON)], "capacity_hours": [6.0, 4.0]})
    table = sm.load(frame, start=MON, end="2026-03-03", capacity=capacity).set_index("staff")
    assert table["capacity_hours"].to_dict() == {"Ava": 6.0, "Zoe": 4.0}
    free = sm.free_capacity(frame, start=MON, end="2026-03-03", capacity=capacity, at_least=3.5)
    assert free[["staff", "free_hours"]].values.tolist() == [["Zoe", 4.0]]
    assert sm.free_capacity(frame, start=MON, end="2026-03-03", capacity=capacity)["staff"].tolist() == ["Zoe", "Ava"]


def test_utilisation_is_a_fraction_of_available_hours_planned_and_recorded_apart() -> None:
    frame = _rows(("Ava", "allocation", MON, "2026-03-03", 6.0), ("Ava", "time_entry", MON, "2026-03-03", 2.0),
                  ("Leo", "allocation", "2026-03-03", "2026-03-04", 8.0, "accelo"))
    used = sm.utilisation(frame, freq="W", start=MON, end="2026-03-07").set_index("staff")
    assert list(sm.utilisation(frame).columns) == list(UTILISATION_DTYPES)
    assert used.loc["Ava", "utilisation"] == pytest.approx(6 / 40)
    assert used.loc["Ava", "recorded_utilisation"] == pytest.approx(2 / 40)
    assert used.loc["Leo", "source"] == "accelo"  # each person kept with the system they come from


def test_an_unknown_kind_names_the_kinds_the_frame_holds() -> None:
    frame = _rows(("Ava", "allocation", MON, "2026-03-03", 6.0))
    with pytest.raises(ValueError, match=r"unknown kind 'bookings' \(did you mean 'booking'\?\); this frame holds "
                                         r"'allocation'"):
        sm.utilisation(frame, kinds=("bookings",))
    assert sm.utilisation(frame, kinds="allocation", freq="D", start=MON, end="2026-03-03")["utilisation"][0] == 0.75
    with pytest.raises(ValueError, match="freq"):
        sm.load(frame, freq="Q")


def test_empty_or_all_zero_utilisation_says_so_without_a_warning() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    empty = sm.utilisation(_rows())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = sm.plot_utilisation(empty)
        assert [t.get_text() for t in ax.texts] == ["no one to show: the table has no rows"]
        recorded_only = sm.utilisation(_rows(("Ava", "time_entry", MON, "2026-03-03", 2.0)), start=MON,
                                       end="2026-03-03", freq="D")
        ax = sm.plot_utilisation(recorded_only)
        assert "nothing planned" in ax.texts[0].get_text() and "recorded_utilisation" in ax.texts[0].get_text()
        assert ax.get_title(loc="left").startswith("Utilisation per person")
    plt.close("all")
