"""ServiceM8 activities and allocations as normalised timeline frames, against a real emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import smexplore as sm
from smexplore.core.timeline import TIMELINE_DTYPES, conform
from smexplore.emulator import Emulator
from smexplore.servicem8.normalise import timeline_frame

T = pd.Timestamp
DTYPES = {c: str(t) for c, t in TIMELINE_DTYPES.items()}


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def session(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.Session]:
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path_factory.mktemp("cache"),
                    progress=False) as s:
        yield s


@pytest.fixture(scope="module")
def activities(session: sm.Session) -> pd.DataFrame:
    return session.activities(enrich=True)


@pytest.fixture(scope="module")
def allocations(session: sm.Session) -> pd.DataFrame:
    return session.allocations(enrich=True)


def test_activities_normalise(activities: pd.DataFrame, emulator: Emulator) -> None:
    frame = sm.normalise(activities)
    assert _dtypes(frame) == DTYPES
    live = [r for r in emulator.account.tables["jobactivity"] if r["active"] == 1]
    assert len(frame) == len(live) == len(activities)
    assert frame["source"].unique().tolist() == ["servicem8"]
    by_start = activities.sort_values(["staff_uuid", "start_date", "uuid"]).reset_index(drop=True)
    ordered = frame.sort_values(["staff_id", "start"], kind="stable").reset_index(drop=True)
    assert ordered["staff_id"].tolist() == by_start["staff_uuid"].tolist()
    assert ordered["start"].tolist() == by_start["start_date"].tolist()
    recorded = activities["activity_was_recorded"].fillna(False).to_numpy(dtype=bool)
    assert sorted(frame["kind"]) == sorted(["recorded" if r else "booking" for r in recorded])
    assert frame["kind"].value_counts().to_dict() == {
        "booking": int(activities["activity_was_scheduled"].sum()),
        "recorded": int(activities["activity_was_recorded"].sum())}
    assert ((frame["end"] - frame["start"]).dt.total_seconds() / 3600 == frame["hours"]).all()
    names = dict(zip(activities["staff_uuid"], activities["staff_name"]))
    assert (frame["staff"] == frame["staff_id"].map(names)).all()
    assert set(frame["job"]) == set(activities["job_number"])
    assert set(frame["client"].dropna()) == set(activities["client_name"].dropna())
    assert set(frame["job_id"]) == set(activities["job_uuid"])
    assert frame["billable"].isna().all()
    assert frame["record_id"].is_unique and set(frame["record_id"]) == set(activities["uuid"])  # one row each
    assert frame.attrs["source"] == "servicem8" and frame.attrs["now"] == activities.attrs["now"]


def test_deleted_rows_are_gone(session: sm.Session, activities: pd.DataFrame, allocations: pd.DataFrame) -> None:
    everything = session.activities(include_inactive=True)
    assert (~everything["active"]).sum() > 0
    assert len(sm.normalise(everything)) == len(activities)
    every_allocation = session.allocations(include_inactive=True)
    assert (~every_allocation["active"]).sum() > 0
    assert len(sm.normalise(every_allocation)) == len(allocations)


def test_empty_frames_normalise_to_the_same_shape(session: sm.Session) -> None:
    for frame in (session.activities("edit_date lt '1990-01-01'"), session.allocations("edit_date lt '1990-01-01'")):
        assert len(frame) == 0
        assert _dtypes(sm.normalise(frame)) == DTYPES
    nothing = timeline_frame(session, start="1990-01-01", end="1990-01-02")
    assert len(nothing) == 0 and _dtypes(nothing) == DTYPES


def test_unenriched_frames_have_ids_and_no_names(session: sm.Session) -> None:
    frame = sm.normalise(session.activities())
    assert _dtypes(frame) == DTYPES
    assert frame["staff"].isna().all() and frame["job"].isna().all() and frame["client"].isna().all()
    assert frame["staff_id"].notna().all()
    assert set(sm.utilisation(frame)["staff"]) <= set(frame["staff_id"])  # the id stands in for the name


def test_allocations_without_a_time_are_day_long(allocations: pd.DataFrame) -> None:
    frame = sm.normalise(allocations)
    assert _dtypes(frame) == DTYPES
    assert len(frame) == len(allocations) and set(frame["kind"]) == {"allocation"}
    assert (frame["start"] == frame["start"].dt.normalize()).all()
    assert (frame["end"] - frame["start"]).eq(pd.Timedelta(days=1)).all()
    assert sorted(frame["start"]) == sorted(allocations["allocation_date"].dt.normalize())
    assert frame["hours"].isna().all()
    assert frame["record_id"].tolist() == allocations["uuid"].tolist()  # each row its allocation's uuid


def test_allocations_in_their_windows(session: sm.Session, allocations: pd.DataFrame) -> None:
    windows = session.allocation_windows(include_inactive=True)
    frame = sm.normalise(allocations, windows=windows)
    assert _dtypes(frame) == DTYPES
    times = windows.set_index("uuid")
    expected_start = allocations["allocation_date"].dt.normalize() + pd.to_timedelta(
        allocations["allocation_window_uuid"].map(times["start_time"]).astype(float), unit="min")
    expected_end = allocations["allocation_date"].dt.normalize() + pd.to_timedelta(
        allocations["allocation_window_uuid"].map(times["end_time"]).astype(float), unit="min")
    assert frame["start"].tolist() == expected_start.tolist()
    assert frame["end"].tolist() == expected_end.tolist()
    urgent = allocations["allocation_window_uuid"].map(times["name"]) == "Urgent"  # 0 to 1440 minutes
    assert urgent.any()
    assert (frame.loc[urgent.to_numpy(), "end"] - frame.loc[urgent.to_numpy(), "start"]).eq(pd.Timedelta(days=1)).all()


def test_timeline_utilisation_and_overlaps_take_the_normalised_frame(activities: pd.DataFrame) -> None:
    frame = sm.normalise(activities)
    # the same numbers (an activities frame names people by name only: its staff_id is the name)
    same = {"check_like": False}
    pd.testing.assert_frame_equal(sm.utilisation(frame).drop(columns="staff_id"),
                                  sm.utilisation(activities).drop(columns="staff_id"), **same)
    pd.testing.assert_frame_equal(
        sm.utilisation(frame, freq="D", kinds=("booking", "recorded")).drop(columns="staff_id"),
        sm.utilisation(activities, freq="D", kinds=("booking", "recorded")).drop(columns="staff_id"), **same)
    assert len(sm.overlaps(frame)) == len(sm.overlaps(activities)) > 0
    week = frame[(frame["start"] >= "2026-02-23") & (frame["start"] < "2026-02-28")]
    ax = sm.timeline(week, start="2026-02-23", end="2026-02-28", color_by="client")
    original = sm.timeline(activities[(activities["start_date"] >= "2026-02-23")
                                      & (activities["start_date"] < "2026-02-28")],
                           start="2026-02-23", end="2026-02-28", color_by="client")
    assert [t.get_text() for t in ax.get_yticklabels()] == [t.get_text() for t in original.get_yticklabels()]
    gids = sorted(str(c.get_gid()) for c in ax.collections if ":" in str(c.get_gid()))
    assert gids == sorted(str(c.get_gid()) for c in original.collections if ":" in str(c.get_gid()))
    assert any(g.startswith("recorded:") for g in gids) and any(g.startswith("booking:") for g in gids)
    sm.plot_utilisation(frame)


def test_timeline_frame_of_a_week(session: sm.Session) -> None:
    frame = timeline_frame(session, start="2026-03-02", end="2026-03-07")
    assert _dtypes(frame) == DTYPES
    assert set(frame["kind"]) == {"booking", "recorded", "allocation"}
    assert (frame["end"] > T("2026-03-02")).all() and (frame["start"] < T("2026-03-07")).all()
    assert frame["staff"].notna().all() and frame["job"].notna().all()
    assert frame["start"].is_monotonic_increasing
    assert abs(T(frame.attrs["now"]) - session.now) < pd.Timedelta(minutes=1)  # the account's clock
    name = frame["staff"].iloc[0]
    one = timeline_frame(session, sm.F.staff_name == name, start="2026-03-02", end="2026-03-07")
    assert set(one["staff"]) == {name}
    assert one.reset_index(drop=True).equals(frame[frame["staff"] == name].reset_index(drop=True))
    uuid = one["staff_id"].iloc[0]
    text = timeline_frame(session, f"staff_uuid eq '{uuid}'", start="2026-03-02", end="2026-03-07")
    assert text.equals(one)
    ax = sm.timeline(frame)
    assert {str(c.get_gid()).split(":")[0] for c in ax.collections} >= {"booking", "allocation"}
    with pytest.raises(ValueError, match="before start"):
        timeline_frame(session, start="2026-03-07", end="2026-03-02")


def test_record_ids_lead_back_to_the_records(session: sm.Session) -> None:
    frame = timeline_frame(session, start="2026-03-02", end="2026-03-07")
    assert frame["record_id"].notna().all()
    booked = frame[frame["kind"].isin(["booking", "recorded"])]
    allocated = frame[frame["kind"] == "allocation"]
    assert len(booked) > 0 and len(allocated) > 0
    assert booked["record_id"].isin(session.frame("jobactivity")["uuid"]).all()
    assert allocated["record_id"].isin(session.frame("joballocation")["uuid"]).all()
    for resource, rows, field in (("jobactivity", booked, "staff_uuid"), ("joballocation", allocated, "staff_uuid")):
        row = rows.iloc[0]
        record = session.get(resource, row["record_id"])  # the id goes back to the API as it is
        assert record["uuid"].tolist() == [row["record_id"]]
        assert record.loc[0, field] == row["staff_id"] and record.loc[0, "job_uuid"] == row["job_id"]


def test_two_systems_concatenated_keep_their_dtypes_and_people_apart(activities: pd.DataFrame) -> None:
    ours = sm.normalise(activities)
    person = ours["staff"].iloc[0]
    theirs = conform(pd.DataFrame({
        "source": "rota", "staff_id": "r-1", "staff": person, "start": [T("2026-03-02 08:00")],
        "end": [T("2026-03-02 16:00")], "hours": 8.0, "kind": "booking", "record_id": "r-9", "job_id": None,
        "job": None, "client": None, "billable": True}))
    both = pd.concat([ours, theirs], ignore_index=True)
    assert _dtypes(both) == DTYPES
    table = sm.utilisation(both, start="2026-03-02", end="2026-03-06")
    people = set(zip(table["source"], table["staff"], strict=True))
    assert ("rota", person) in people and ("servicem8", person) in people  # the same name: two people
    rota = table[table["source"] == "rota"]
    assert rota["planned_hours"].sum() == 8.0


def test_a_timezone_session_gives_the_same_wall_clock(emulator: Emulator, tmp_path_factory, activities) -> None:
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path_factory.mktemp("tz"),
                    timezone="Australia/Melbourne", progress=False) as zoned:
        aware = zoned.activities(enrich=True)
    assert str(aware["start_date"].dt.tz) == "Australia/Melbourne"
    pd.testing.assert_frame_equal(sm.normalise(aware).drop(columns="hours"),
                                  sm.normalise(activities).drop(columns="hours"), check_like=False)


def test_the_explorers_timeline_draws_a_normalised_frame(activities: pd.DataFrame) -> None:
    from smexplore.widgets._explorer import _timeline_png

    png = _timeline_png(sm.normalise(activities), date(2026, 2, 23), date(2026, 2, 27))
    assert png.startswith(b"\x89PNG")


def test_frames_say_their_source_and_resource_and_the_session_method_matches_the_function(
        session: sm.Session, activities: pd.DataFrame, allocations: pd.DataFrame) -> None:
    assert (activities.attrs["source"], activities.attrs["resource"]) == ("servicem8", "jobactivity")
    assert (allocations.attrs["source"], allocations.attrs["resource"]) == ("servicem8", "joballocation")
    week = session.timeline_frame(start="2026-02-23", end="2026-03-02")
    assert week.equals(timeline_frame(session, start="2026-02-23", end="2026-03-02"))
    assert len(week) > 0 and set(week["kind"]) <= {"booking", "recorded", "allocation"}
    assert (week["end"] > pd.Timestamp("2026-02-23")).all() and (week["start"] < pd.Timestamp("2026-03-02")).all()
