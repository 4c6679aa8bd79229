"""The schedule board without a browser: what it would draw, select and write (``BoardModel``), and the
widget's controls driven from Python (``Board``), over the demo accounts through real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import smexplore as sm
from smexplore.board import Board, BoardModel
from smexplore.core.timeline import KINDS

MONDAY = pd.Timestamp("2026-03-02")  # the demo accounts' week


@pytest.fixture(scope="module")
def servicem8() -> Iterator[Any]:
    with sm.demo(writable=True, progress=False) as session:
        yield session


@pytest.fixture(scope="module")
def ruddr() -> Iterator[Any]:
    with sm.ruddr.demo(progress=False) as session:
        yield session


def _allocation(model: BoardModel) -> Any:
    return next(bar for bar in model.bars() if bar.source == "servicem8" and bar.kind == "allocation")


def test_periods_start_on_their_first_day_and_move_whole(servicem8: Any) -> None:
    model = BoardModel(servicem8, start="2026-03-04 15:00")
    assert (model.start, model.end, model.title) == (MONDAY, MONDAY + pd.Timedelta(days=7), "Week of Mon 2 Mar 2026")
    assert repr(model) == "<BoardModel Week of Mon 2 Mar 2026: servicem8; selected nothing>"
    model.next()
    assert model.start == pd.Timestamp("2026-03-09")
    model.previous()
    model.previous()
    assert model.start == pd.Timestamp("2026-02-23")
    model.set_period("month")
    assert (model.start, model.end, model.title) == (pd.Timestamp("2026-02-01"), pd.Timestamp("2026-03-01"),
                                                     "February 2026")
    model.set_period("day")
    model.go_to("2026-03-05 10:00")
    assert (model.start, model.end) == (pd.Timestamp("2026-03-05"), pd.Timestamp("2026-03-06"))
    model.today()
    now = servicem8.now
    assert model.start == (now.tz_localize(None) if now.tzinfo else now).normalize()
    with pytest.raises(ValueError, match="period must be one of day, week, month; got 'fortnight'"):
        model.set_period("fortnight")  # type: ignore[arg-type]


def test_a_board_needs_sessions_one_per_system(servicem8: Any) -> None:
    with pytest.raises(ValueError, match="at least one Session"):
        BoardModel()
    with pytest.raises(ValueError, match="servicem8 is given twice"):
        BoardModel(servicem8, servicem8)


def test_each_move_pulls_only_its_period_and_a_period_seen_again_pulls_nothing(servicem8: Any, ruddr: Any) -> None:
    model = BoardModel(servicem8, ruddr, start=MONDAY)
    model.bars()
    assert model.pulls == [("servicem8", MONDAY, MONDAY + pd.Timedelta(days=7)),
                           ("ruddr", MONDAY, MONDAY + pd.Timedelta(days=7))]
    servicem8.emulator.log.clear()
    ruddr.emulator.log.clear()
    model.next()
    model.bars()
    sent = [e for e in servicem8.emulator.log.entries() if e.resource in ("jobactivity", "joballocation")]
    assert sent, "the next week was pulled"
    windows = " ".join(e.query.get("$filter", "") for e in sent)
    assert "2026-03-09" in windows and "2026-03-02" not in windows  # only that week asked for
    assert all(("2026-03-09" <= e.query.get("startDate", "2026-03-09") <= "2026-03-16")
               for e in ruddr.emulator.log.entries())
    before = len(servicem8.emulator.log) + len(ruddr.emulator.log)
    model.previous()
    model.bars()
    model.cells()
    assert len(servicem8.emulator.log) + len(ruddr.emulator.log) == before  # drawn from what was pulled
    assert len(model.pulls) == 4


def test_rows_are_everyone_of_the_systems_shown_and_bars_name_their_record(servicem8: Any, ruddr: Any) -> None:
    model = BoardModel(servicem8, ruddr, start=MONDAY)
    rows = model.rows()
    people = len(servicem8.people()) + len(ruddr.people())
    assert len(rows) >= people  # free people have a row too (placeholders may add more)
    assert all(row.label.endswith(("(ServiceM8)", "(Ruddr)")) for row in rows)
    bars = model.bars()
    assert {bar.source for bar in bars} == {"servicem8", "ruddr"}
    assert all(0 <= bar.x0 < bar.x1 <= 1 and 0 <= bar.row < len(rows) for bar in bars)
    frame = model.frame()
    allocation = _allocation(model)
    record = frame[frame["record_id"] == allocation.key.split(":")[2]].iloc[0]
    assert rows[allocation.row].staff_id == record["staff_id"]
    assert str(record["job"]) in allocation.text and str(record["staff"]) in allocation.text
    assert "allocation" in allocation.text and allocation.text.endswith("ServiceM8")
    assert {bar.lane for bar in bars if bar.source == "ruddr" and bar.kind == "allocation"} == {"amount"}


def test_cells_say_each_person_days_load(servicem8: Any, ruddr: Any) -> None:
    model = BoardModel(servicem8, ruddr, start=MONDAY)
    cells = model.cells()
    assert cells and {cell.level for cell in cells} <= {"none", "under", "near", "over"}
    assert all(0 <= cell.x0 < cell.x1 <= 1 for cell in cells)
    over = [cell for cell in cells if cell.level == "over"]
    table = sm.load(model.frame(), freq="D", start=MONDAY, end=MONDAY + pd.Timedelta(days=7) - pd.Timedelta(1),
                    capacity=pd.concat([servicem8.capacity(MONDAY, model.end), ruddr.capacity(MONDAY, model.end)]))
    assert len(over) == int(table["over"].fillna(False).sum())
    assert all("h planned of" in cell.text and "h free" in cell.text for cell in cells)


def test_filters_narrow_what_is_shown(servicem8: Any, ruddr: Any) -> None:
    model = BoardModel(servicem8, ruddr, start=MONDAY)
    everything = len(model.bars())
    model.systems = {"ruddr"}
    assert {bar.source for bar in model.bars()} == {"ruddr"}
    assert all(row.source == "ruddr" for row in model.rows())
    model.systems = {"ruddr", "servicem8"}
    model.kinds = {"booking"}
    assert {bar.kind for bar in model.bars()} == {"booking"}
    model.kinds = set(KINDS)
    client = str(model.frame()["client"].dropna().iloc[0])
    model.search = client.upper()
    shown = model.frame()
    assert len(shown) and (shown["client"].str.casefold() == client.casefold()).fillna(False).sum() >= 1
    assert len(model.bars()) < everything
    model.search = ""
    model.set_filter(f"client eq '{client}'")
    assert set(model.frame()["client"]) == {client}
    with pytest.raises(sm.FilterError, match="clientt is none of them.*did you mean 'client'"):
        model.set_filter("clientt eq 'x'")


def test_selecting_a_record_shows_it_first_with_its_jobs_other_records(servicem8: Any) -> None:
    model = BoardModel(servicem8, start=MONDAY)
    assert model.selected.empty
    bar = _allocation(model)
    selected = model.select(bar.key)
    assert bool(selected["selected"].iloc[0]) and selected["record_id"].iloc[0] == bar.key.split(":")[2]
    assert selected["job_id"].nunique() == 1 and int(selected["selected"].sum()) == 1
    job = servicem8.frame("joballocation", sm.F.job_uuid == selected["job_id"].iloc[0])
    in_week = job[(job["allocation_date"] >= MONDAY) & (job["allocation_date"] < model.end)]
    assert len(selected[selected["kind"] == "allocation"]) == len(in_week)
    with pytest.raises(KeyError, match="no record 'nothing' is shown"):
        model.select("nothing")


def test_only_servicem8_bookings_and_allocations_of_a_writable_session_can_be_changed(
        servicem8: Any, ruddr: Any) -> None:
    model = BoardModel(servicem8, ruddr, start=MONDAY)
    assert model.writable(_allocation(model).key)
    ruddr_bar = next(bar for bar in model.bars() if bar.source == "ruddr")
    assert not model.writable(ruddr_bar.key)
    with pytest.raises(sm.ReadOnlyError, match="only ServiceM8 bookings and allocations"):
        model.reassign(ruddr_bar.key, "anyone")
    with sm.demo(progress=False) as read_only:  # writable=False
        assert not BoardModel(read_only, start=MONDAY).writable(_allocation(BoardModel(read_only, start=MONDAY)).key)


def test_a_reassignment_goes_through_the_session_and_the_board_redraws_it(servicem8: Any) -> None:
    model = BoardModel(servicem8, start=MONDAY)
    bar = _allocation(model)
    uuid = bar.key.split(":")[2]
    was = model.rows()[bar.row].staff_id
    suggestions = model.suggestions(bar.key)
    assert len(suggestions) and was not in set(suggestions["staff_id"])
    assert list(suggestions["free_hours"]) == sorted(suggestions["free_hours"], reverse=True)
    with pytest.raises(sm.InputError, match="nobody on servicem8's schedule"):
        model.reassign(bar.key, "00000000-0000-4000-8000-000000000000")
    to = str(suggestions["staff_id"].iloc[0])
    model.reassign(bar.key, to)
    table = servicem8.emulator.account.tables["joballocation"]
    assert next(r for r in table if r["uuid"] == uuid)["staff_uuid"] == to  # in the emulator's records
    moved = next(b for b in model.bars() if b.key.split(":")[2] == uuid)
    assert model.rows()[moved.row].staff_id == to  # drawn in the new person's row


def test_a_refused_write_raises_and_changes_nothing(servicem8: Any) -> None:
    model = BoardModel(servicem8, start=MONDAY)
    bar = _allocation(model)
    uuid = bar.key.split(":")[2]
    row = model.rows()[bar.row].staff_id
    servicem8.emulator.faults.fail_next(1, 400)
    with pytest.raises(sm.SMExploreError):
        model.unallocate(bar.key)
    assert next(r for r in servicem8.emulator.account.tables["joballocation"] if r["uuid"] == uuid)["active"] == 1
    assert model.rows()[next(b for b in model.bars() if b.key == bar.key).row].staff_id == row


def test_free_lists_who_is_free_most_first(servicem8: Any) -> None:
    model = BoardModel(servicem8, start=MONDAY)
    free = model.free()
    assert list(free.columns) == ["source", "staff_id", "staff", "free_hours"]
    assert {str(t) for t in free.dtypes} == {"string", "Float64"}
    assert list(free["free_hours"]) == sorted(free["free_hours"], reverse=True)
    assert len(model.free(at_least=1_000)) == 0


def test_the_widget_moves_selects_and_shows_a_refused_write(servicem8: Any, ruddr: Any) -> None:
    board = Board(servicem8, ruddr, start=MONDAY)
    assert "Week of Mon 2 Mar 2026" in board.title.value and board.canvas.bars and board.canvas.cells
    board.next_button.click()
    assert "Week of Mon 9 Mar 2026" in board.title.value
    board.previous_button.click()
    board.system_boxes["ruddr"].value = False
    assert {bar["source"] for bar in board.canvas.bars} == {"servicem8"}
    bar = next(b for b in board.canvas.bars if b["kind"] == "allocation")
    board.canvas.selected = bar["key"]  # what a click in the browser sets
    uuid = bar["key"].split(":")[2]
    assert repr(board) == f"<Board Week of Mon 2 Mar 2026: servicem8; selected {bar['key']}>"
    assert uuid in board.selected_table.value and board.selected["record_id"].iloc[0] == uuid
    assert board.actions.layout.display != "none" and board.assignee.options
    board.unallocate_button.click()
    assert "Confirm or cancel" in board.message.value
    servicem8.emulator.faults.fail_next(1, 400)
    board.confirm_button.click()
    assert "unallocate refused" in board.message.value  # shown, not swallowed
    assert next(r for r in servicem8.emulator.account.tables["joballocation"] if r["uuid"] == uuid)["active"] == 1
    label = board.people.options[0]
    board.people.value = (label,)
    assert board.canvas.rows == [label]
    board.people.value = ()
    assert len(board.canvas.rows) == len(board.people.options) > 1
    board.search.value = "no such person or job"
    assert board.canvas.bars == [] and board.canvas.rows == []


def test_frames_the_model_hands_out_are_the_callers_to_change(servicem8: Any) -> None:
    model = BoardModel(servicem8, start=MONDAY)
    frame, free = model.frame(), model.free()
    frame["note"] = "mine"
    free.iloc[:, :] = None
    assert "note" not in model.frame().columns and model.free().notna().all(axis=None)  # what is drawn is unchanged
