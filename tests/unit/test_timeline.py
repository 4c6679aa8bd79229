"""The timeline's drawn artists (rows, bars, colours, overlaps, limits), not its pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

import smexplore as sm

T = pd.Timestamp


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _activities() -> pd.DataFrame:
    rows = [
        ("Ava Lee", "Plumbing", "2026-03-02 08:00", "2026-03-02 10:00", True),
        ("Ava Lee", "Electrical", "2026-03-02 09:00", "2026-03-02 11:00", True),   # double-booked
        ("Ava Lee", "Plumbing", "2026-03-02 08:05", "2026-03-02 10:10", False),    # recorded time
        ("Leo Fraser", "HVAC", "2026-03-03 13:00", "2026-03-03 15:00", True),
        ("A very long staff member name indeed", "HVAC", "2026-03-04 07:00", "2026-03-04 08:00", True),
    ]
    name, category, start, end, scheduled = zip(*rows)
    return pd.DataFrame({"uuid": [f"u{i}" for i in range(len(rows))], "staff_name": name, "category_name": category,
                         "start_date": pd.to_datetime(start), "end_date": pd.to_datetime(end),
                         "activity_was_scheduled": scheduled, "activity_was_recorded": [not s for s in scheduled]})


def _bars(ax, kind: str) -> list:
    return [c for c in ax.collections if str(c.get_gid()).startswith(f"{kind}:")]


def test_one_row_per_staff_member_sorted_and_labels_truncated() -> None:
    ax = sm.timeline(_activities(), start="2026-03-02", end="2026-03-07", show_today=False)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["A very long staff member …", "Ava Lee", "Leo Fraser"]
    assert ax.get_ylim() == (2.5, -0.5)


def test_one_collection_per_row_and_kind_holding_every_bar() -> None:
    ax = sm.timeline(_activities(), start="2026-03-02", end="2026-03-07", show_today=False)
    bookings, recorded = _bars(ax, "booking"), _bars(ax, "recorded")
    assert len(bookings) == 3 and len(recorded) == 1  # per row, not per bar
    assert sum(len(c.get_paths()) for c in bookings) == 4
    assert sum(len(c.get_paths()) for c in recorded) == 1
    ava = next(c for c in bookings if c.get_gid() == "booking:Ava Lee")
    assert len({tuple(f) for f in ava.get_facecolors()}) == 2  # Plumbing and Electrical differ
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Plumbing", "Electrical", "HVAC", "double-booked"} <= set(legend)


def test_double_bookings_are_outlined() -> None:
    ax = sm.timeline(_activities(), start="2026-03-02", end="2026-03-07", show_today=False)
    marks = next(c for c in ax.collections if c.get_gid() == "overlaps")
    assert isinstance(marks, PolyCollection) and len(marks.get_paths()) == 1
    (x0, y0), (x1, _) = marks.get_paths()[0].vertices[:2]
    assert mdates.num2date(x0).replace(tzinfo=None) == T("2026-03-02 09:00")
    assert mdates.num2date(x1).replace(tzinfo=None) == T("2026-03-02 10:00")
    assert y0 == pytest.approx(1 - 0.45)  # Ava's row
    quiet = sm.timeline(_activities(), start="2026-03-02", end="2026-03-07", highlight_overlaps=False)
    assert not [c for c in quiet.collections if c.get_gid() == "overlaps"]


def test_axis_limits_and_today_line() -> None:
    frame = _activities()
    frame.attrs["now"] = T("2026-03-03 12:00")
    ax = sm.timeline(frame, start="2026-03-02", end="2026-03-05")
    assert ax.get_xlim() == (mdates.date2num(T("2026-03-02")), mdates.date2num(T("2026-03-05")))
    today = [line for line in ax.lines if line.get_gid() == "today"]
    assert len(today) == 1 and today[0].get_xdata()[0] == mdates.date2num(T("2026-03-03 12:00"))
    outside = sm.timeline(frame, start="2026-03-04", end="2026-03-05")
    assert not [line for line in outside.lines if line.get_gid() == "today"]


def test_colour_by_any_column_and_draw_on_given_axes() -> None:
    frame = _activities().assign(crew=["a", "b", "a", "b", "a"])
    _, ax = plt.subplots()
    assert sm.timeline(frame, color_by="crew", ax=ax) is ax
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"a", "b"} <= set(legend)


def test_normalised_frames_and_allocations_draw_too() -> None:
    normal = pd.DataFrame({"staff": ["x", "y"], "start": [T("2026-03-02 08:00")] * 2,
                           "end": [T("2026-03-02 09:00")] * 2, "project": ["p", "q"]})
    ax = sm.timeline(normal, color_by="project", show_today=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    allocations = pd.DataFrame({"uuid": ["a"], "staff_name": ["Ava"], "allocation_date": [T("2026-03-02 08:00")],
                                "completion_timestamp": [pd.NaT], "expiry_timestamp": [T("2026-03-05 17:00")]})
    ax = sm.timeline(allocations, show_today=False, color_by=None)
    (bars,) = _bars(ax, "allocation")
    assert bars.get_hatch() == "//"


def test_weekends_are_shaded() -> None:
    ax = sm.timeline(_activities(), start="2026-03-02", end="2026-03-10", show_today=False)
    weekend = next(c for c in ax.collections if c.get_label() == "_weekend")
    assert len(weekend.get_paths()) == 2  # Saturday and Sunday


def test_utilisation_heatmap_cells() -> None:
    used = sm.utilisation(_activities(), freq="D", start="2026-03-02", end="2026-03-07")  # Mon–Fri
    ax = sm.plot_utilisation(used)
    image = ax.get_images()[0].get_array()
    assert image.shape == (3, 5)
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "Ava Lee"
    assert image[1, 0] == pytest.approx(3 / 8)  # Ava, Monday: 08:00-11:00 booked (overlap counted once)


def _normalised(*rows: tuple) -> pd.DataFrame:
    """(staff, kind, start, end, hours, source)."""
    frame = pd.DataFrame([{"source": r[5], "staff_id": r[0], "staff": r[0], "start": T(r[2]), "end": T(r[3]),
                           "hours": r[4], "kind": r[1]} for r in rows])
    return frame.astype({"hours": "Float64"})


def test_amounts_of_work_are_cells_sized_by_their_hours_and_timed_work_stays_bars() -> None:
    frame = _normalised(("Ava", "allocation", "2026-03-02", "2026-03-03", 6.0, "ruddr"),
                        ("Ava", "allocation", "2026-03-03", "2026-03-04", 10.0, "ruddr"),
                        ("Role", "placeholder", "2026-03-02", "2026-03-03", 4.0, "ruddr"),
                        ("Leo", "booking", "2026-03-02 09:00", "2026-03-02 11:00", 2.0, "servicem8"),
                        ("Zed", "time_entry", "2026-03-02", "2026-03-03", 7.0, "syncd"))
    ax = sm.timeline(frame, start="2026-03-02", end="2026-03-07", show_today=False)
    frames = next(c for c in ax.collections if c.get_gid() == "cells")
    assert len(frames.get_paths()) == 3  # Ava's two days and the placeholder's: Leo's booking stays a bar
    fills = next(c for c in ax.collections if c.get_gid() == "cells-planned")
    heights = sorted(round(float(np.ptp(p.vertices[:, 1])), 3) for p in fills.get_paths())
    assert heights == [0.4, 0.6, 0.8]  # 4 h of 8 (placeholder), 6 h of 8, 10 h (over: full, red)
    texts = {t.get_text() for t in ax.texts if t.get_gid() == "cell-hours"}
    assert {"6h", "10h!", "4h"} <= texts
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Role (ruddr) · unfilled"  # demand, last, not a person
    assert "Leo (servicem8)" in labels and _bars(ax, "booking")
    untimed = [c for c in ax.collections if str(c.get_gid()).endswith(":untimed")]
    assert len(untimed) == 1  # Zed's 7 h with no time of day: a bar of 7 h, not the whole day
    (x0, width), = [(p.vertices[:, 0].min(), np.ptp(p.vertices[:, 0])) for p in untimed[0].get_paths()]
    assert width == pytest.approx(7 / 24) and mdates.num2date(x0).hour == 9


def test_labels_keep_the_system_and_colour_by_is_checked() -> None:
    frame = _normalised(("Alexandra Konstantinopoulou", "booking", "2026-03-02 09:00", "2026-03-02 10:00", 1.0,
                         "servicem8"), ("Ava", "booking", "2026-03-02 09:00", "2026-03-02 10:00", 1.0, "ruddr"))
    ax = sm.timeline(frame, show_today=False)
    assert ax.get_yticklabels()[0].get_text() == "Alexandra Kon… (servicem8)"
    assert {"servicem8", "ruddr"} <= {t.get_text() for t in ax.get_legend().get_texts()}  # auto: by system
    with pytest.raises(ValueError, match=r"color_by='categroy' is not a column of the frame \(did you mean "
                                         r"'category'\?\)"):
        sm.timeline(frame, color_by="categroy")
    with pytest.raises(ValueError, match=r"by='staf'.*did you mean 'staff'"):
        sm.timeline(frame, by="staf")


def test_an_empty_frame_draws_a_titled_chart_that_says_so() -> None:
    ax = sm.timeline(_normalised(("Ava", "booking", "2026-03-02 09:00", "2026-03-02 10:00", 1.0, "ruddr")),
                     start="2026-04-01", end="2026-04-08")
    assert [t.get_text() for t in ax.texts] == ["no rows to draw in this window"]
    assert ax.get_title(loc="left").startswith("nothing per staff, 01 Apr 2026")
