"""The rule behind a Ruddr allocation's ``totalHours``, unit by unit (``smexplore.ruddr.allocation_hours``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smexplore.ruddr.allocation_hours import (
    DEFAULT_CAPACITY,
    UNITS,
    capacity_from_periods,
    daily_hours,
    total_hours,
)

FULL_TIME = (8, 8, 8, 8, 8, 0, 0)
THREE_DAYS = (8, 8, 8, 0, 0, 0, 0)  # Monday to Wednesday


# --- the documents' worked examples -----------------------------------------------------------
def test_the_documented_day_example_is_422_5_hours() -> None:
    """docs.ruddr.io: unit day, 6.5 h a day, 2025-03-01..2025-05-31 → totalHours 422.5 (65 weekdays)."""
    assert total_hours("day", "2025-03-01", "2025-05-31", 6.5) == 422.5
    assert len(daily_hours("day", date(2025, 3, 1), date(2025, 5, 31), 6.5)) == 65


def test_the_source_documents_day_example_is_528_hours() -> None:
    """The allocation object document: a placeholder, 8 h a day, 2022-06-01..2022-08-31 → 528 (66 weekdays).

    Public holidays (4 July 2022 is in range) are not removed by themselves.
    """
    assert total_hours("day", "2022-06-01", "2022-08-31", 8) == 528


# --- day ------------------------------------------------------------------------------------
def test_day_counts_only_days_with_capacity() -> None:
    assert total_hours("day", "2025-03-08", "2025-03-09", 8) == 0.0  # a weekend
    assert total_hours("day", "2025-03-03", "2025-03-16", 5, capacity=THREE_DAYS) == 30.0  # 6 working days
    assert total_hours("day", "2025-03-03", "2025-03-09", 6, capacity=(6, 6, 6, 6, 6, 0, 0)) == 30.0


def test_day_off_days_get_nothing() -> None:
    days_off = {date(2025, 3, 4), date(2025, 3, 8)}  # a Tuesday, and a Saturday (no capacity anyway)
    hours = daily_hours("day", "2025-03-03", "2025-03-07", 8, days_off=days_off)
    assert sorted(hours) == [date(2025, 3, 3), date(2025, 3, 5), date(2025, 3, 6), date(2025, 3, 7)]
    assert total_hours("day", "2025-03-03", "2025-03-07", 8, days_off=days_off) == 32.0


# --- week -----------------------------------------------------------------------------------
def test_week_full_weeks_total_the_weekly_hours() -> None:
    assert total_hours("week", "2025-03-03", "2025-03-30", 20) == 80.0  # four Monday-to-Sunday weeks
    hours = daily_hours("week", "2025-03-03", "2025-03-09", 20)
    assert set(hours.values()) == {4.0} and len(hours) == 5


def test_week_a_cut_week_gets_its_share() -> None:
    """Wednesday to Friday of a five-day week: three fifths of the week's hours."""
    assert total_hours("week", "2025-03-05", "2025-03-07", 20) == 12.0
    assert total_hours("week", "2025-03-05", "2025-03-11", 20) == 20.0  # Wed-Fri then Mon-Tue: 3/5 + 2/5


def test_week_shares_among_the_resources_working_days() -> None:
    """A three-day week carries the whole weekly amount on its three days."""
    hours = daily_hours("week", "2025-03-03", "2025-03-09", 24, capacity=THREE_DAYS)
    assert hours == {date(2025, 3, 3): 8.0, date(2025, 3, 4): 8.0, date(2025, 3, 5): 8.0}


def test_week_a_day_off_loses_its_share() -> None:
    assert total_hours("week", "2025-03-03", "2025-03-09", 20, days_off={date(2025, 3, 5)}) == 16.0


# --- month ----------------------------------------------------------------------------------
def test_month_whole_months_total_the_monthly_hours() -> None:
    assert total_hours("month", "2025-03-01", "2025-03-31", 100) == 100.0
    assert total_hours("month", "2025-03-01", "2025-04-30", 100) == 200.0


def test_month_a_cut_month_is_prorated_by_working_days() -> None:
    """March 2025 has 21 weekdays; the 1st to the 14th hold 10 of them."""
    assert total_hours("month", "2025-03-01", "2025-03-14", 100) == round(100 * 10 / 21, 2) == 47.62
    assert total_hours("month", "2025-03-20", "2025-04-10", 84) == round(84 * 8 / 21 + 84 * 8 / 22, 2)


# --- allocation (an absolute number of hours) -------------------------------------------------
def test_allocation_total_is_the_amount_spread_over_working_days() -> None:
    hours = daily_hours("allocation", "2025-03-03", "2025-03-09", 30)
    assert total_hours("allocation", "2025-03-03", "2025-03-09", 30) == 30.0
    assert len(hours) == 5 and set(hours.values()) == {6.0}


def test_allocation_days_off_move_hours_but_keep_the_total() -> None:
    hours = daily_hours("allocation", "2025-03-03", "2025-03-07", 30, days_off={date(2025, 3, 3)})
    assert len(hours) == 4 and sum(hours.values()) == 30
    assert total_hours("allocation", "2025-03-03", "2025-03-07", 30, days_off={date(2025, 3, 3)}) == 30.0


def test_allocation_without_a_working_day_spreads_over_every_date() -> None:
    hours = daily_hours("allocation", "2025-03-08", "2025-03-09", 10)
    assert hours == {date(2025, 3, 8): 5.0, date(2025, 3, 9): 5.0}
    assert total_hours("allocation", "2025-03-08", "2025-03-09", 10) == 10.0


# --- ratio_of_capacity ------------------------------------------------------------------------
def test_ratio_of_capacity_takes_that_share_of_each_days_capacity() -> None:
    assert total_hours("ratio_of_capacity", "2025-03-03", "2025-03-09", 0.5) == 20.0
    assert total_hours("ratio_of_capacity", "2025-03-03", "2025-03-09", 0.25, capacity=(6, 6, 6, 6, 6, 0, 0)) == 7.5
    assert total_hours("ratio_of_capacity", "2025-03-03", "2025-03-09", 1, capacity=THREE_DAYS,
                       days_off={date(2025, 3, 4)}) == 16.0
    assert total_hours("ratio_of_capacity", "2025-03-03", "2025-03-09", 0.3333) == round(0.3333 * 40, 2)


# --- capacity ---------------------------------------------------------------------------------
def test_capacity_from_periods_follows_each_period_and_is_zero_outside() -> None:
    cap = capacity_from_periods([
        {"start": "2025-01-06", "end": "2025-09-30", "hoursPerDay": [8, 8, 8, 8, 8, 0, 0]},
        {"start": "2025-10-01", "end": None, "hoursPerDay": [8, 8, 8, 8, 0, 0, 0]},
    ])
    assert cap(date(2025, 9, 26)) == 8 and cap(date(2025, 10, 3)) == 0  # Fridays either side
    assert cap(date(2025, 1, 3)) == 0  # before the first period
    assert cap(date(2030, 1, 7)) == 8  # an open end
    assert total_hours("day", "2025-09-22", "2025-10-05", 8, capacity=cap) == 72.0  # 5 + 4 days
    default = capacity_from_periods([])
    assert [default(date(2025, 3, 3) + timedelta(days=k)) for k in range(7)] == list(DEFAULT_CAPACITY)


# --- arguments --------------------------------------------------------------------------------
@pytest.mark.parametrize(("unit", "start", "end", "amount", "message"), [
    ("fortnight", "2025-03-01", "2025-03-31", 8, "unit must be one of"),
    ("day", "2025-03-31", "2025-03-01", 8, "before start"),
    ("day", "2025-03-01", "2025-03-31", -1, "negative"),
    ("day", "2025-02-30", "2025-03-31", 8, "start must be a date"),
    ("day", "2025-03-01", "31/03/2025", 8, "end must be a date"),
])
def test_bad_arguments_are_value_errors(unit: str, start: str, end: str, amount: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        total_hours(unit, start, end, amount)  # type: ignore[arg-type]


def test_a_capacity_needs_seven_days() -> None:
    with pytest.raises(ValueError, match="seven numbers"):
        total_hours("day", "2025-03-03", "2025-03-07", 8, capacity=(8, 8, 8, 8, 8))


# --- properties -------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(unit=st.sampled_from(UNITS), start=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
       length=st.integers(0, 120), amount=st.floats(0, 200, allow_nan=False),
       week=st.lists(st.sampled_from([0, 4, 6, 8]), min_size=7, max_size=7),
       off=st.sets(st.integers(0, 120), max_size=10))
def test_total_is_the_rounded_sum_of_the_days(unit: str, start: date, length: int, amount: float,
                                               week: list[int], off: set[int]) -> None:
    end = start + timedelta(days=length)
    days_off = {start + timedelta(days=k) for k in off}
    amount = min(amount, 1.0) if unit == "ratio_of_capacity" else amount
    hours = daily_hours(unit, start, end, amount, capacity=week, days_off=days_off)  # type: ignore[arg-type]
    assert all(start <= day <= end and value >= 0 for day, value in hours.items())
    total = total_hours(unit, start, end, amount, capacity=week, days_off=days_off)  # type: ignore[arg-type]
    assert total == round(sum(hours.values()), 2)
    if unit == "allocation":
        assert total == pytest.approx(round(amount, 2), abs=0.011)
    else:
        assert not set(hours) & days_off
        assert all(week[day.weekday()] > 0 for day in hours)
