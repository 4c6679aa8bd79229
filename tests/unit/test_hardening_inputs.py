"""Bad or unusual arguments become clear errors at the call, or work (issue 12, items 8, 9 and 11).

Dates before year 1000 (zero-padded on the wire, or refused for writes), uuid spellings (one
canonical form wherever the client sends a uuid), numbers too large for a float, and the plain
functions (``timeline``, ``utilisation``, ``connect``) given the wrong kind of argument.
"""

from __future__ import annotations

import math
import uuid as uuidlib
from datetime import date, datetime

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import smexplore as sm
from smexplore import (
    F,
    FilterError,
    ValidationError,
    parse_filter,
)
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.expr import Compare
from smexplore.core.filters.values import FilterField, coerce, wire_text
from smexplore.core.schema import canonical_uuid
from smexplore.servicem8.auth import resolve_credential
from smexplore.servicem8.dialect import plan
from smexplore.servicem8.resources import get_resource
from smexplore.servicem8.writes import to_wire
from tests.unit.test_filters import FRAMES, JOB, _assert_plan_sound

U = "28e7222e-24c7-4c02-915c-d165ef530f4f"
SPELLINGS = [U, U.upper(), "{" + U + "}", "{" + U.upper() + "}", "urn:uuid:" + U, U.replace("-", ""),
             f"  {U}\n"]
ZONE = "Australia/Melbourne"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- item 9: one uuid form -----------------------------------------------------------------------
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_canonical_uuid_gives_the_lower_case_hyphenated_form(spelling: str) -> None:
    assert canonical_uuid(spelling) == U
    assert canonical_uuid(uuidlib.UUID(U)) == U


@pytest.mark.parametrize("bad", ["", "not-a-uuid", U[:-1], U + "0", "{" + U, "g" * 32, None, 42, b"x" * 16])
def test_canonical_uuid_refuses_anything_else_naming_it(bad: object) -> None:
    with pytest.raises(ValueError, match="not a uuid") as caught:
        canonical_uuid(bad)  # type: ignore[arg-type]
    assert repr(bad) in str(caught.value)


@pytest.mark.parametrize("spelling", SPELLINGS[1:])
def test_writes_send_uuid_fields_in_the_canonical_form(spelling: str) -> None:
    body = to_wire(get_resource("joballocation"), {"job_uuid": spelling, "staff_uuid": spelling.upper()})
    assert body == {"job_uuid": U, "staff_uuid": U}


def test_a_bad_uuid_field_is_still_refused_before_sending() -> None:
    with pytest.raises(ValidationError, match="staff_uuid must be a uuid"):
        to_wire(get_resource("jobactivity"), {"staff_uuid": "Ava"})
    assert to_wire(get_resource("jobactivity"), {"staff_uuid": ""}) == {"staff_uuid": ""}  # '' clears it


@pytest.mark.parametrize("spelling", SPELLINGS[1:])
def test_filters_use_the_shared_canonical_form(spelling: str) -> None:
    assert (F.job_uuid == spelling).to_filter("jobactivity") == f"job_uuid eq '{U}'"
    assert coerce(FilterField("uuid", "uuid"), spelling, None) == U


# --- item 8: years before 1000 and the edges of the calendar --------------------------------------
@pytest.mark.parametrize("where", [F.date > "0001-01-01", parse_filter("date gt '0001-01-01'"),
                                   F.date > date(1, 1, 1), F.date > datetime(1, 1, 1)])
def test_early_dates_are_sent_with_four_digit_years(where: sm.Expr) -> None:
    assert where.to_filter("job") == "date gt '0001-01-01 00:00:00'"
    _assert_plan_sound(where, "job")


@pytest.mark.parametrize("where, sent", [
    (F.date == "0999-03-03", "date eq '0999-03-03 00:00:00'"),
    (F.edit_date < "0099-12-31 23:59:59", "edit_date lt '0099-12-31 23:59:59'"),
    (F.date >= "0999-03-03 08:00", "date gt '0999-03-03 07:59:59'"),
    (F.date <= "9999-12-31 23:59:58", "date lt '9999-12-31 23:59:59'"),
])
def test_years_below_1000_keep_their_zeros_everywhere_a_literal_is_written(where: sm.Expr, sent: str) -> None:
    assert where.to_filter("job") == sent
    _assert_plan_sound(where, "job")


@pytest.mark.parametrize("where", [F.date >= date(1, 1, 1), F.date >= "0001-01-01", F.date <= "9999-12-31 23:59:59",
                                   parse_filter("date gt '0001-01-01'") & (F.date >= pd.Timestamp("0001-01-01"))])
def test_a_bound_beyond_the_calendar_runs_locally(where: sm.Expr) -> None:
    planned = plan(where, "job")
    assert "0000-" not in planned.filter and "10000-" not in planned.filter
    assert planned.local is not None
    assert any("outside the years 0001 to 9999" in step.reason for step in planned.steps)
    _assert_plan_sound(where, "job")


@pytest.mark.parametrize("where", [F.date > "0001-01-01", F.date >= date(1, 1, 1), F.date == "0001-01-01 01:00",
                                   F.date < "0001-01-01 03:00"])
def test_early_dates_plan_and_evaluate_in_a_time_zone_session(where: sm.Expr) -> None:
    planned = plan(where, JOB, tz=ZONE)
    assert "'0000-" not in planned.filter
    _assert_plan_sound(where, "job", tz=ZONE)


def test_local_evaluation_of_early_dates_keeps_every_real_date() -> None:
    frame = FRAMES["job"]
    kept = evaluate(F.date >= date(1, 1, 1), frame, JOB)
    assert kept.tolist() == frame["date"].notna().tolist()


@pytest.mark.parametrize("value", [pd.Timestamp(np.datetime64("12000-01-01")),
                                   pd.Timestamp(np.datetime64("0000-06-01"))])
def test_times_the_api_cannot_hold_are_refused(value: pd.Timestamp) -> None:
    with pytest.raises(FilterError, match="years 0001 to 9999"):
        (F.date > value).to_filter("job")


def test_wire_text_pads_the_year() -> None:
    assert wire_text("timestamp", pd.Timestamp("0999-03-03 08:00")) == "'0999-03-03 08:00:00'"
    assert wire_text("timestamp", pd.Timestamp(date(1, 1, 1))) == "'0001-01-01 00:00:00'"


@pytest.mark.parametrize("field, value", [
    ("start_date", "0999-03-03 08:00"),
    ("start_date", date(1, 1, 1)),
    ("start_date", "1677-09-21 00:12:43"),      # one second before a frame's earliest time
    ("start_date", "2262-04-11 23:47:17"),      # one second after its latest
    ("start_date", datetime(9999, 12, 31)),
])
def test_writes_refuse_times_a_frame_cannot_hold(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match="outside the times a frame can hold"):
        to_wire(get_resource("jobactivity"), {field: value})


def test_writes_refuse_days_a_frame_cannot_hold_and_keep_the_edges_that_fit() -> None:
    with pytest.raises(ValidationError, match="outside the times a frame can hold"):
        to_wire(JOB, {"date": "1677-09-21"})  # midnight is before the earliest time
    assert to_wire(JOB, {"date": "1677-09-22"}) == {"date": "1677-09-22"}
    activity = get_resource("jobactivity")
    assert to_wire(activity, {"start_date": "1677-09-21 00:12:44"}) == {"start_date": "1677-09-21 00:12:44"}
    assert to_wire(activity, {"end_date": "2262-04-11 23:47:16.9"}) == {"end_date": "2262-04-11 23:47:16"}


# --- item 11: numbers too large for a float ------------------------------------------------------
@pytest.mark.parametrize("build", [lambda: F.total_invoice_amount > 10**400,
                                   lambda: F.total_invoice_amount.isin([1, -10**400]),
                                   lambda: F.travel_time_in_seconds == 10**5000])
def test_a_number_too_large_for_a_float_is_a_filter_error(build) -> None:
    with pytest.raises(FilterError, match="too large"):
        build().to_filter("job")


def test_coerce_refuses_a_huge_int_without_quoting_all_its_digits() -> None:
    with pytest.raises(FilterError, match="about 401 digits") as caught:
        coerce(FilterField("total_invoice_amount", "money"), 10**400, JOB)
    assert len(str(caught.value)) < 300


def test_a_huge_number_built_without_f_is_refused_when_planned_and_evaluated() -> None:
    leaf = Compare("total_invoice_amount", ">", 10**400)
    with pytest.raises(FilterError, match="1.8e308"):
        plan(leaf, "job")
    with pytest.raises(FilterError, match="1.8e308"):
        evaluate(leaf, FRAMES["job"], JOB)


def test_large_numbers_that_fit_a_float_still_plan_and_evaluate() -> None:
    where = (F.total_invoice_amount < 10**300) & (F.generated_job_id != 2**70)
    _assert_plan_sound(where, "job")


# --- item 11: plain functions given the wrong argument --------------------------------------------
@pytest.mark.parametrize("key", [b"smexplore-demo-key-0000", bytearray(b"smexplore-demo-key-0000"), 12345678])
@pytest.mark.parametrize("argument", ["api_key", "oauth_token"])
def test_a_credential_that_is_not_a_str_is_a_type_error_that_never_shows_it(argument: str, key: object) -> None:
    with pytest.raises(TypeError, match=f"{argument} must be a str") as caught:
        resolve_credential(**{"api_key": None, "oauth_token": None, argument: key})
    assert "demo-key" not in str(caught.value) and "5678" not in str(caught.value)
    with pytest.raises(TypeError, match=f"{argument} must be a str"):
        sm.connect(**{argument: key}, progress=False, cache=False)


def _week(tz: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({
        "staff": ["Ava", "Ava", "Leo"],
        "start": pd.to_datetime(["2026-03-02 08:00", "2026-03-03 09:00", "2026-03-04 10:00"]),
        "end": pd.to_datetime(["2026-03-02 12:00", "2026-03-03 13:00", "2026-03-04 18:00"]),
    })
    if tz:
        frame["start"], frame["end"] = frame["start"].dt.tz_localize(tz), frame["end"].dt.tz_localize(tz)
    return frame


@pytest.mark.parametrize("call", [sm.timeline, sm.overlaps, sm.utilisation, sm.plot_utilisation])
@pytest.mark.parametrize("frame", [None, [1, 2], "frame"])
def test_frame_functions_need_a_dataframe(call, frame: object) -> None:
    with pytest.raises(TypeError, match="needs a pandas DataFrame"):
        call(frame)


def test_timeline_by_an_unknown_column_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"by='nope' is not a column of the frame; choose one of 'staff'.*'start'"):
        sm.timeline(_week(), by="nope")
    assert sm.timeline(_week().assign(team=["a", "a", "b"]), by="team").get_yticklabels()


@pytest.mark.parametrize("hours", [0, -8, math.nan, math.inf, -math.inf])
def test_utilisation_refuses_hours_per_day_that_are_not_a_positive_finite_number(hours: float) -> None:
    with pytest.raises(ValueError, match="hours_per_day must be a finite number of hours above 0"):
        sm.utilisation(_week(), hours_per_day=hours)
    with pytest.raises(ValueError, match="hours_per_day"):
        sm.plot_utilisation(_week(), hours_per_day=hours)


@pytest.mark.parametrize("hours", ["8", None, True])
def test_utilisation_hours_per_day_must_be_a_number(hours: object) -> None:
    with pytest.raises(TypeError, match="hours_per_day must be a number"):
        sm.utilisation(_week(), hours_per_day=hours)


def test_utilisation_takes_numpy_hours() -> None:
    assert sm.utilisation(_week(), hours_per_day=np.int64(8)).equals(sm.utilisation(_week(), hours_per_day=8))


def test_utilisation_of_an_aware_frame_takes_a_naive_start_as_wall_time_in_its_zone() -> None:
    aware = sm.utilisation(_week(ZONE), freq="D", start="2026-03-02", end="2026-03-06")
    explicit = sm.utilisation(_week(ZONE), freq="D", start=pd.Timestamp("2026-03-02", tz=ZONE),
                              end=pd.Timestamp("2026-03-06", tz=ZONE))
    naive = sm.utilisation(_week(), freq="D", start="2026-03-02", end="2026-03-06")
    assert aware.equals(explicit)
    assert aware["planned_hours"].tolist() == naive["planned_hours"].tolist()
    assert aware["capacity_hours"].tolist() == naive["capacity_hours"].tolist()


def test_utilisation_of_a_naive_frame_refuses_an_aware_start() -> None:
    with pytest.raises(ValueError, match="start=.* has a time zone but the frame's times are naive"):
        sm.utilisation(_week(), start=pd.Timestamp("2026-03-02", tz=ZONE))


def test_timeline_takes_an_aware_start_for_a_naive_or_aware_frame() -> None:
    start, end = pd.Timestamp("2026-03-02", tz=ZONE), pd.Timestamp("2026-03-07", tz=ZONE)
    for frame in (_week(), _week(ZONE)):
        ax = sm.timeline(frame, start=start, end=end, show_today=False)
        assert ax.get_xlim()[0] == pytest.approx(matplotlib.dates.date2num(pd.Timestamp("2026-03-02")))
    ax = sm.timeline(_week(ZONE), start="2026-03-02", end="2026-03-07", show_today=False)
    assert ax.get_xlim()[1] == pytest.approx(matplotlib.dates.date2num(pd.Timestamp("2026-03-07")))
