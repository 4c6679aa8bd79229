"""The normalised timeline frame: its columns and dtypes are public API, kept by ``pd.concat``.

Also ``conform``'s and ``normalise``'s errors, the registry's dispatch, and the span functions on
frames of several systems.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import smexplore as sm
from smexplore.core import timeline as timeline_module
from smexplore.core.spans import day_spans
from smexplore.core.timeline import (
    KINDS,
    TIMELINE_COLUMNS,
    TIMELINE_DTYPES,
    conform,
    empty_timeline,
    normalisers,
    register_normaliser,
)

T = pd.Timestamp
DTYPES = {"source": "string", "staff_id": "string", "staff": "string", "start": "datetime64[ns]",
          "end": "datetime64[ns]", "hours": "Float64", "kind": "string", "record_id": "string",
          "job_id": "string", "job": "string", "client": "string", "billable": "boolean"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict:
    """A copy of the registry for one test: registrations made in it go with the test."""
    copy = dict(timeline_module._REGISTRY)
    monkeypatch.setattr(timeline_module, "_REGISTRY", copy)
    return copy


def _rows(source: str, rows: list[tuple]) -> pd.DataFrame:
    """A plain frame (object columns, text times) of ``(staff, start, end, kind)`` rows."""
    staff, start, end, kind = zip(*rows)
    return pd.DataFrame({
        "source": source, "staff_id": [f"{source}-{name}" for name in staff], "staff": list(staff),
        "start": list(start), "end": list(end),
        "hours": [(T(b) - T(a)) / pd.Timedelta(hours=1) for a, b in zip(start, end)],
        "kind": list(kind), "record_id": None, "job_id": None, "job": None, "client": None, "billable": None,
    })


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


# --- the shape -------------------------------------------------------------------------------
def test_columns_and_dtypes_are_exactly_the_documented_ones() -> None:
    assert TIMELINE_COLUMNS == tuple(DTYPES)
    assert TIMELINE_DTYPES == DTYPES
    assert KINDS == ("booking", "recorded", "allocation", "placeholder", "time_off", "time_entry", "task", "job")
    empty = empty_timeline()
    assert len(empty) == 0
    assert list(empty.columns) == list(DTYPES)
    assert _dtypes(empty) == DTYPES


def test_conform_casts_plain_values_orders_columns_and_drops_others() -> None:
    plain = _rows("alpha", [("Ava", "2026-03-02 08:00", "2026-03-02 10:30", "booking")])
    plain = plain[list(reversed(plain.columns))].assign(extra=1)
    plain.attrs["now"] = "2026-03-02T12:00:00"
    frame = conform(plain)
    assert list(frame.columns) == list(TIMELINE_COLUMNS)
    assert _dtypes(frame) == DTYPES
    assert frame.loc[0, "start"] == T("2026-03-02 08:00") and frame.loc[0, "hours"] == 2.5
    assert frame["billable"].isna().all() and frame["job"].isna().all()
    assert frame.attrs["now"] == "2026-03-02T12:00:00"


def test_aware_times_keep_their_own_wall_clock() -> None:
    plain = _rows("alpha", [("Ava", "2026-03-02 08:00", "2026-03-02 10:00", "booking")])
    plain["start"] = plain["start"].map(lambda t: T(t, tz="Australia/Melbourne"))
    plain["end"] = pd.to_datetime(plain["end"]).dt.tz_localize("Australia/Melbourne").dt.tz_convert("UTC")
    frame = conform(plain)
    assert _dtypes(frame) == DTYPES
    assert frame.loc[0, "start"] == T("2026-03-02 08:00")  # Melbourne's wall clock
    assert frame.loc[0, "end"] == T("2026-03-01 23:00")  # the column's own zone: UTC


def test_dates_and_times_written_in_several_ways() -> None:
    plain = _rows("alpha", [("Ava", "2026-03-02", "2026-03-02 10:00", "booking"),
                            ("Leo", "2026-03-02T08:00:00", "2026-03-03", "task")])
    frame = conform(plain)
    assert frame["start"].tolist() == [T("2026-03-02"), T("2026-03-02 08:00")]
    assert frame["end"].tolist() == [T("2026-03-02 10:00"), T("2026-03-03")]


def test_other_resolutions_become_nanoseconds() -> None:
    plain = _rows("alpha", [("Ava", "2026-03-02 08:00", "2026-03-02 10:00", "booking")])
    plain["start"] = pd.to_datetime(plain["start"]).astype("datetime64[s]")
    plain["end"] = pd.to_datetime(plain["end"]).astype("datetime64[us]")
    assert _dtypes(conform(plain)) == DTYPES


def test_conform_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="missing columns staff_id, hours, billable"):
        conform(_rows("a", [("Ava", "2026-03-02", "2026-03-03", "booking")]).drop(
            columns=["staff_id", "hours", "billable"]))
    with pytest.raises(ValueError, match="missing column kind "):
        conform(_rows("a", [("Ava", "2026-03-02", "2026-03-03", "booking")]).drop(columns=["kind"]))
    with pytest.raises(TypeError, match="DataFrame"):
        conform([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("kind", "meeting", "kind must be one of booking, .*; found meeting"),
    ("kind", None, "kind must be one of"),
    ("hours", "two", "column 'hours' cannot be read as Float64"),
    ("start", "not a time", "column 'start'"),
    ("billable", "perhaps", "column 'billable' cannot be read as boolean"),
])
def test_conform_refuses_values_that_do_not_fit(column: str, value: object, message: str) -> None:
    frame = _rows("a", [("Ava", "2026-03-02", "2026-03-03", "booking")])
    frame[column] = [value]
    with pytest.raises(ValueError, match=message):
        conform(frame)


def test_times_in_several_zones_are_refused() -> None:
    frame = _rows("a", [("Ava", "2026-03-02", "2026-03-03", "booking"), ("Leo", "2026-03-02", "2026-03-03", "task")])
    frame["start"] = [T("2026-03-02 08:00", tz="Australia/Melbourne"), T("2026-03-02 08:00", tz="Europe/London")]
    with pytest.raises(ValueError, match="mixes time zones"):
        conform(frame)


def test_concat_of_two_sources_keeps_every_dtype() -> None:
    first = conform(_rows("alpha", [("Ava", "2026-03-02 08:00", "2026-03-02 10:00", "booking"),
                                    ("Leo", "2026-03-02 09:00", "2026-03-02 17:00", "recorded")]))
    second = conform(_rows("beta", [("Ava", "2026-03-03 08:00", "2026-03-03 12:00", "allocation")]).assign(
        hours=None, billable=True, job="J-1", client="Harris"))
    first.attrs, second.attrs = {"source": "alpha"}, {"source": "beta"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning about empty or all-NA columns either
        for parts in ([first, second], [second, first], [first, empty_timeline()], [empty_timeline(), second]):
            both = pd.concat(parts, ignore_index=True)
            assert list(both.columns) == list(TIMELINE_COLUMNS)
            assert _dtypes(both) == DTYPES
    both = pd.concat([first, second], ignore_index=True)
    assert both["kind"].tolist() == ["booking", "recorded", "allocation"]
    assert both["billable"].tolist()[2] is True and both["hours"].isna().tolist() == [False, False, True]
    assert sm.normalise(both).equals(both)  # already normalised: conformed, unchanged


# --- normalise(): dispatch and errors ------------------------------------------------------
def test_servicem8_registers_its_normalisers_on_import() -> None:
    assert ("servicem8", "jobactivity") in normalisers()
    assert ("servicem8", "joballocation") in normalisers()


def test_unknown_frames_are_refused_naming_what_is_accepted() -> None:
    with pytest.raises(TypeError, match="needs a pandas DataFrame, not list"):
        sm.normalise([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"does not know this frame \(columns: a, b\).*servicem8 jobactivity"):
        sm.normalise(pd.DataFrame({"a": [1], "b": [2]}))
    tagged = pd.DataFrame({"a": [1]})
    tagged.attrs.update(source="servicem8", resource="job")
    with pytest.raises(ValueError, match="no normaliser for servicem8 job frames.*normalised timeline frame"):
        sm.normalise(tagged)


def test_dispatch_on_attrs_then_on_columns(registry: dict) -> None:
    def shifts(frame: pd.DataFrame, *, hours: float = 1.0) -> pd.DataFrame:
        return pd.DataFrame({"source": "rota", "staff_id": frame["who"], "staff": frame["who"], "start": frame["from"],
                             "end": frame["to"], "hours": hours, "kind": "booking", "record_id": frame["id"],
                             "job_id": None, "job": None, "client": None, "billable": False, "ignored": 1})

    register_normaliser("rota", "shift", shifts, recognise=lambda f: {"who", "from", "to"} <= set(f.columns))
    frame = pd.DataFrame({"id": [7], "who": ["Ava"], "from": ["2026-03-02 08:00"], "to": ["2026-03-02 09:00"]})
    frame.attrs["now"] = "2026-03-02T12:00:00"
    normalised = sm.normalise(frame, hours=0.5)  # untagged: recognised by its columns; options passed on
    assert _dtypes(normalised) == DTYPES and normalised.loc[0, "hours"] == 0.5
    assert normalised["record_id"].tolist() == ["7"]  # an integer id becomes text
    assert normalised.attrs == {"now": "2026-03-02T12:00:00", "source": "rota", "resource": "timeline"}
    frame.attrs.update(resource="shift")  # a resource alone is enough when one system has it
    assert sm.normalise(frame)["source"].tolist() == ["rota"]

    register_normaliser("other", "shift", shifts, recognise=lambda f: "who" in f.columns)
    with pytest.raises(ValueError, match="cannot tell which system.*rota shift.*attrs"):
        sm.normalise(frame)
    frame.attrs.update(source="other")
    assert sm.normalise(frame).attrs["source"] == "other"
    with pytest.raises(ValueError, match="non-empty"):
        register_normaliser("", "x", shifts)
    with pytest.raises(TypeError, match="callable"):
        register_normaliser("x", "y", "not a function")  # type: ignore[arg-type]


def test_untagged_servicem8_frames_are_recognised_by_their_columns() -> None:
    activities = pd.DataFrame({
        "uuid": ["a1", "a2", "a3"], "job_uuid": ["j1", "j1", "j2"], "staff_uuid": ["s1", "s1", "s2"],
        "start_date": pd.to_datetime(["2026-03-02 08:00", "2026-03-02 08:10", "2026-03-03 09:00"]),
        "end_date": pd.to_datetime(["2026-03-02 10:00", "2026-03-02 09:40", "2026-03-03 09:30"]),
        "activity_was_scheduled": pd.array([True, False, True], dtype="boolean"),
        "activity_was_recorded": pd.array([False, True, False], dtype="boolean"),
        "active": pd.array([True, True, False], dtype="boolean"),
    })
    frame = sm.normalise(activities)
    assert _dtypes(frame) == DTYPES
    assert frame["kind"].tolist() == ["booking", "recorded"]  # the deleted one is gone
    assert frame["hours"].tolist() == [2.0, 1.5]
    assert frame["staff"].isna().all() and frame["staff_id"].tolist() == ["s1", "s1"]
    assert frame["source"].unique().tolist() == ["servicem8"]
    assert frame["record_id"].tolist() == ["a1", "a2"]  # each row's own activity
    allocations = pd.DataFrame({"uuid": ["l1"], "job_uuid": ["j1"], "staff_uuid": ["s1"],
                                "allocation_date": [T("2026-03-04 08:00")]})
    day = sm.normalise(allocations)
    assert (day.loc[0, "start"], day.loc[0, "end"]) == (T("2026-03-04"), T("2026-03-05"))
    assert day.loc[0, "kind"] == "allocation" and pd.isna(day.loc[0, "hours"])
    assert day["record_id"].tolist() == ["l1"]


def test_day_spans_whole_days_windows_and_windows_past_midnight() -> None:
    moments = pd.Series([T("2026-03-02 08:00"), T("2026-03-03 17:00"), T("2026-03-04 00:00"), T("2026-03-05")])
    start, end = day_spans(moments)
    assert start.tolist() == [T("2026-03-02"), T("2026-03-03"), T("2026-03-04"), T("2026-03-05")]
    assert (end - start).eq(pd.Timedelta(days=1)).all()
    start, end = day_spans(moments, pd.Series([480, 1320, 0, None]), pd.Series([720, 120, 1440, 600]))
    assert start.tolist() == [T("2026-03-02 08:00"), T("2026-03-03 22:00"), T("2026-03-04"), T("2026-03-05")]
    assert end.tolist() == [T("2026-03-02 12:00"), T("2026-03-04 02:00"), T("2026-03-05"), T("2026-03-06")]


# --- the span functions on normalised frames ---------------------------------------------
def _two_systems() -> pd.DataFrame:
    alpha = conform(_rows("alpha", [("Ava Lee", "2026-03-02 08:00", "2026-03-02 12:00", "booking"),
                                    ("Ava Lee", "2026-03-02 10:00", "2026-03-02 11:00", "booking"),
                                    ("Leo Fraser", "2026-03-03 08:00", "2026-03-03 16:00", "booking")]))
    beta = conform(_rows("beta", [("Ava Lee", "2026-03-02 11:00", "2026-03-02 15:00", "booking"),
                                  ("Ava Lee", "2026-03-04 08:00", "2026-03-04 12:00", "time_off")]))
    return pd.concat([alpha, beta], ignore_index=True)


def test_people_of_two_systems_are_kept_apart_unless_the_sources_are_made_one() -> None:
    both = _two_systems()
    table = sm.utilisation(both, freq="W", hours_per_day=8)
    booked = dict(zip(table["staff"] + " (" + table["source"] + ")", table["planned_hours"]))
    assert booked == {"Ava Lee (alpha)": 4.0, "Ava Lee (beta)": 4.0, "Leo Fraser (alpha)": 8.0}
    merged = sm.utilisation(both.assign(source="all"), freq="W", hours_per_day=8)
    assert dict(zip(merged["staff"], merged["planned_hours"])) == {"Ava Lee": 7.0, "Leo Fraser": 8.0}
    pairs = sm.overlaps(both)
    assert pairs["staff"].tolist() == ["Ava Lee (alpha)"]  # beta's 11:00 booking is another person's
    assert sm.overlaps(both.assign(source="all"))["staff"].tolist() == ["Ava Lee", "Ava Lee"]
    one_system = both[both["source"] == "alpha"]
    assert sorted(sm.utilisation(one_system)["staff"].unique()) == ["Ava Lee", "Leo Fraser"]


def test_a_missing_name_falls_back_to_the_id() -> None:
    frame = conform(_rows("alpha", [("Ava", "2026-03-02 08:00", "2026-03-02 10:00", "booking")]).assign(staff=None))
    assert sm.spans(frame)["staff"].tolist() == ["alpha-Ava"]
    assert sm.utilisation(frame)["staff"].tolist() == ["alpha-Ava"]


def test_timeline_and_heatmap_draw_a_normalised_frame_of_two_systems() -> None:
    both = _two_systems()
    ax = sm.timeline(both, start="2026-03-02", end="2026-03-05", color_by="source", show_today=False)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Ava Lee (alpha)", "Ava Lee (beta)", "Leo Fraser (alpha)"]
    gids = {str(c.get_gid()) for c in ax.collections}
    assert {"booking:Ava Lee (alpha)", "booking:Ava Lee (beta)", "time_off:Ava Lee (beta)"} <= gids
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"alpha", "beta", "time off", "bookings"}
    heat = sm.plot_utilisation(both, freq="W")
    assert [t.get_text() for t in heat.get_yticklabels()] == labels
