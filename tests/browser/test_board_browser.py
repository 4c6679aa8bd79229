"""The schedule board in a real browser, in JupyterLab and under Voila, on four emulators over loopback.

The test process runs the ServiceM8, Ruddr, Accelo and Syncd emulators; the notebook's first cell
connects to them with their demo credentials and shows ``sm.Board(s, r, a, y, start="2026-03-02")``.
In Debian's Chromium (Playwright) the board loads the four accounts, moves to the next week (the
emulators' request logs show only that week asked for) and back (no request: the week is in memory),
filters to one system, names a bar on hover and selects one on click. In JupyterLab a ServiceM8
allocation is reassigned through the board and the emulator's record changes; under Voila a write the
emulator refuses is shown in the board and changes nothing. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from smexplore.accelo.emulator import DEMO_CLIENT_SECRET, AcceloEmulator
from smexplore.board.model import system_name
from smexplore.emulation.log import LoggedRequest
from smexplore.emulator import DEMO_API_KEY, Emulator
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator
from smexplore.syncd.emulator import DEMO_PASSWORD, SyncdEmulator
from tests.browser.conftest import jupyter_lab, run_first_cell_in_lab, screenshot, voila, write_notebook

SOURCES = ("servicem8", "ruddr", "accelo", "syncd")
VIEWPORT = {"width": 1600, "height": 2000}  # the whole board (52 rows) fits: its screenshots are whole
WAIT = 30_000  # ms: one redraw of the board (a pull of four systems at most)
FIRST_WEEK, NEXT_WEEK, WEEK_BEFORE = "Week of Mon 2 Mar 2026", "Week of Mon 9 Mar 2026", "Week of Mon 23 Feb 2026"
# What the next week's pulls may name: its days (Mon 9 to Mon 16 exclusive) and the documented margins
# before it (ServiceM8 allocations from the day before: windows pass midnight; Ruddr time entries
# "after" two days before), never a day of the week shown before (Mon 2 to Fri 6).
EARLIEST, LATEST = pd.Timestamp("2026-03-07"), pd.Timestamp("2026-03-16")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2})?")
_EPOCH = re.compile(r"_(?:after|before)\((\d{9,11})\)")  # Accelo's date filters: Unix seconds


@dataclass(frozen=True)
class Emulators:
    servicem8: Emulator
    ruddr: RuddrEmulator
    accelo: AcceloEmulator
    syncd: SyncdEmulator

    def each(self) -> dict[str, Any]:
        return {source: getattr(self, source) for source in SOURCES}

    def clear_logs(self) -> None:
        for emulator in self.each().values():
            emulator.log.clear()


@pytest.fixture(scope="module")
def emulators() -> Iterator[Emulators]:
    with (Emulator(per_minute=100_000, per_day=1_000_000) as servicem8,
          RuddrEmulator(per_second=1e6, burst=1_000_000) as ruddr, AcceloEmulator() as accelo,
          SyncdEmulator() as syncd):
        yield Emulators(servicem8, ruddr, accelo, syncd)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory, emulators: Emulators) -> Path:
    """The board notebook: each kernel that runs it has a cache of its own (Lab's pulls are not Voila's)."""
    e, folder = emulators, tmp_path_factory.mktemp("board")
    cell = f"""import tempfile
import smexplore as sm
cache = tempfile.mkdtemp(prefix="cache-", dir={str(folder)!r})
s = sm.connect({DEMO_API_KEY!r}, base_url={e.servicem8.base_url!r}, writable=True, cache=cache + "/servicem8",
               progress=False, per_minute=100_000, per_day=1_000_000)
r = sm.ruddr.connect({DEMO_TOKEN!r}, base_url={e.ruddr.base_url!r}, cache=cache + "/ruddr", progress=False,
                     per_second=1_000)
a = sm.accelo.connect(base_url={e.accelo.base_url!r}, token_url={e.accelo.token_url!r},
                      client_id={e.accelo.client_id!r}, client_secret={DEMO_CLIENT_SECRET!r}, cache=cache + "/accelo",
                      progress=False)
y = sm.syncd.connect(user={e.syncd.user!r}, password={DEMO_PASSWORD!r}, base_url={e.syncd.base_url!r},
                     cache=cache + "/syncd", progress=False, per_second=1_000)
board = sm.Board(s, r, a, y, start="2026-03-02")
board"""
    return write_notebook(folder / "board.ipynb", [cell])


@pytest.fixture(scope="module")
def lab_url(notebook: Path) -> Iterator[str]:
    with jupyter_lab(notebook.parent) as lab:
        yield lab.notebook(notebook.name)


@pytest.fixture(scope="module")
def voila_url(notebook: Path) -> Iterator[str]:
    with voila(notebook) as url:
        yield url


# --- reading the board -----------------------------------------------------------------------------------
def _bar_sources(page: Any) -> set[str]:
    return set(page.evaluate("() => [...document.querySelectorAll('.smexplore-board rect.bar')]"
                             ".map(bar => bar.dataset.source)"))


def _row_labels(page: Any) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.smexplore-board text.smexplore-board-row title')]"
                         ".map(title => title.textContent)")


def _wait_for_week(page: Any, title: str) -> None:
    """Wait until the board shows ``title`` and its canvas has drawn that week (its first day's label)."""
    first_day = pd.Timestamp(title.removeprefix("Week of "))
    label = f"{first_day:%a %d}"
    page.wait_for_function(
        """([title, label]) => {
            const shown = document.querySelector('.smexplore-board-period');
            const days = [...document.querySelectorAll('.smexplore-board-canvas svg text')].map(t => t.textContent);
            return shown && shown.textContent.trim() === title && days.includes(label);
        }""", arg=[title, label], timeout=WAIT)


def _wait_for_sources(page: Any, sources: set[str]) -> None:
    page.wait_for_function(
        """(sources) => {
            const bars = [...document.querySelectorAll('.smexplore-board rect.bar')];
            const shown = new Set(bars.map(bar => bar.dataset.source));
            return bars.length > 0 && shown.size === sources.length && sources.every(s => shown.has(s));
        }""", arg=sorted(sources), timeout=WAIT)


def _clear_bar(page: Any, source: str | None = None, kind: str | None = None) -> str:
    """The key of a bar (of ``source`` and ``kind``) that no other bar covers at its centre."""
    key = page.evaluate(
        """([source, kind]) => {
            const bars = [...document.querySelectorAll('.smexplore-board rect.bar')];
            const box = (bar) => ['x', 'y', 'width', 'height'].map(name => parseFloat(bar.getAttribute(name)));
            for (const bar of bars) {
                if ((source && bar.dataset.source !== source) || (kind && bar.dataset.kind !== kind)) continue;
                const [x, y, w, h] = box(bar);
                if (w < 4) continue;
                const cx = x + w / 2, cy = y + h / 2;
                const covered = bars.some(other => {
                    if (other === bar) return false;
                    const [ox, oy, ow, oh] = box(other);
                    return cx >= ox && cx <= ox + ow && cy >= oy && cy <= oy + oh;
                });
                if (!covered) return bar.dataset.key;
            }
            return null;
        }""", [source, kind])
    assert key, f"no {kind or 'bar'} of {source or 'any system'} is drawn uncovered"
    return key


def _bar(page: Any, key: str) -> Any:
    return page.locator(f'.smexplore-board rect.bar[data-key="{key}"]')


# --- the emulators' logs ----------------------------------------------------------------------------------
def _moments(entry: LoggedRequest) -> list[pd.Timestamp]:
    """Every date or time a request's query names (ISO text, and Accelo's Unix seconds)."""
    found: list[pd.Timestamp] = []
    for value in entry.query.values():
        found += [pd.Timestamp(text) for text in _DATE.findall(value)]
        found += [pd.Timestamp(int(seconds), unit="s") for seconds in _EPOCH.findall(value)]
    return found


def _check_next_week_pulled(emulators: Emulators) -> None:
    logs = {source: emulator.log.entries() for source, emulator in emulators.each().items()}
    for source, entries in logs.items():
        assert entries, f"{source}: the next week was drawn without asking {source}"
        assert all(entry.method == "GET" and entry.status == 200 for entry in entries), (source, entries)
        moments = [moment for entry in entries for moment in _moments(entry)]
        assert moments, f"{source}: no request named a date: {entries}"
        outside = [str(moment) for moment in moments if not EARLIEST <= moment <= LATEST]
        assert not outside, f"{source} was asked for dates outside the next week: {outside} in {entries}"
    # ServiceM8: the bookings of the week exactly; the allocations from the day before (windows pass midnight).
    servicem8 = {entry.resource: _moments(entry) for entry in logs["servicem8"]}
    assert servicem8["jobactivity"] == [pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-16")], servicem8
    assert servicem8["joballocation"] == [pd.Timestamp("2026-03-07 23:59:59"), pd.Timestamp("2026-03-16")], \
        servicem8
    # Ruddr: allocations that start before Mon 16 and end on or after Mon 9; time entries of the days
    # after Sat 7 and before Mon 16 (two days' margin: an entry may end the next day).
    ruddr = {entry.resource: dict(entry.query) for entry in logs["ruddr"]}
    assert {k: ruddr["allocations"].get(k) for k in ("startBefore", "endOnAfter")} == \
        {"startBefore": "2026-03-16", "endOnAfter": "2026-03-09"}, ruddr
    assert {k: ruddr["time-entries"].get(k) for k in ("dateBefore", "dateAfter")} == \
        {"dateBefore": "2026-03-16", "dateAfter": "2026-03-07"}, ruddr


# --- the shared walk ----------------------------------------------------------------------------------------
def _browse(page: Any, emulators: Emulators, where: str) -> str:
    """Load, next, previous, filter, hover and click on the board open in ``page``; returns the key of
    the ServiceM8 allocation it selected (only ServiceM8's bars are shown then)."""
    board = page.locator(".smexplore-board")
    board.wait_for(timeout=120_000)
    _wait_for_week(page, FIRST_WEEK)
    _wait_for_sources(page, {"servicem8", "ruddr", "accelo"})  # Syncd records only the past: none this week
    systems = {label.rsplit(" (", 1)[-1].rstrip(")") for label in _row_labels(page)}
    assert systems == {system_name(source) for source in SOURCES}, systems  # everyone of the four accounts
    screenshot(page, f"board-{where}-loaded", board)

    emulators.clear_logs()
    page.locator(".smexplore-board-next").click()
    _wait_for_week(page, NEXT_WEEK)
    _check_next_week_pulled(emulators)

    emulators.clear_logs()
    page.locator(".smexplore-board-prev").click()
    _wait_for_week(page, FIRST_WEEK)
    asked = {source: emulator.log.entries() for source, emulator in emulators.each().items()}
    assert not any(asked.values()), f"a week seen before was asked for again: {asked}"

    page.locator(".smexplore-board-prev").click()  # a week of the past: Syncd's time entries show too
    _wait_for_week(page, WEEK_BEFORE)
    _wait_for_sources(page, set(SOURCES))

    key = _clear_bar(page, "ruddr")
    bar = _bar(page, key)
    text = bar.locator("title").text_content()
    assert text
    offset = ("() => document.querySelector('.smexplore-board-canvas').getBoundingClientRect().top"
              " - document.querySelector('.smexplore-board').getBoundingClientRect().top")
    before = page.evaluate(offset)
    bar.hover()
    page.wait_for_function(  # the kernel heard of it: the hover line names a record
        "() => document.querySelector('.smexplore-board-hover').textContent.trim() !== ''", timeout=WAIT)
    moved = page.evaluate(offset) - before
    assert moved == 0, f"the hover line pushed the drawing {moved}px under the pointer: it names another bar"
    page.wait_for_function("(text) => document.querySelector('.smexplore-board-tooltip').textContent === text",
                           arg=text, timeout=WAIT)
    page.wait_for_function(  # the kernel heard of it too
        "(text) => document.querySelector('.smexplore-board-hover').textContent.trim() === text", arg=text,
        timeout=WAIT)
    assert page.locator(".smexplore-board-tooltip").is_visible()  # floating beside the pointer
    screenshot(page, f"board-{where}-hover", board)

    for source in ("ruddr", "accelo", "syncd"):
        page.locator(f".smexplore-board-system-{source} input[type=checkbox]").uncheck()
    _wait_for_sources(page, {"servicem8"})
    assert all(label.endswith(f"({system_name('servicem8')})") for label in _row_labels(page))

    key = _clear_bar(page, "servicem8", "allocation")
    _bar(page, key).click()
    record_id = key.split(":")[2]
    page.locator(".smexplore-board-selected").get_by_text(record_id).wait_for(timeout=WAIT)
    page.wait_for_function("(key) => document.querySelector(`rect.bar[data-key=\"${key}\"]`)"
                           ".classList.contains('selected')", arg=key, timeout=WAIT)
    assert page.locator(".smexplore-board-actions").is_visible()  # a writable ServiceM8 allocation
    screenshot(page, f"board-{where}-selected", board)
    return key


def _allocation(emulators: Emulators, uuid: str) -> dict[str, Any]:
    return dict(next(row for row in emulators.servicem8.account.tables["joballocation"] if row["uuid"] == uuid))


def _message(page: Any, needle: str) -> str:
    """Wait until the board's message line holds ``needle``; returns the line."""
    message = page.locator(".smexplore-board-message")
    page.wait_for_function("(needle) => document.querySelector('.smexplore-board-message').textContent"
                           ".includes(needle)", arg=needle, timeout=WAIT)
    return message.inner_text()


# --- the tests ------------------------------------------------------------------------------------------------
def test_board_in_jupyterlab_reassigns_through_the_session(lab_url: str, chromium: Any,
                                                           emulators: Emulators) -> None:
    page = chromium.new_page(viewport=VIEWPORT)
    try:
        run_first_cell_in_lab(page, lab_url)
        key = _browse(page, emulators, "jupyterlab")
        record_id = key.split(":")[2]
        before = _allocation(emulators, record_id)

        page.wait_for_function(  # who could take it: the free-capacity suggestions
            "() => document.querySelectorAll('.smexplore-board-assignee select option').length >= 2", timeout=WAIT)
        shown = page.locator(".smexplore-board-assignee select option").all_text_contents()
        label = shown[1]  # not the first: the choice must reach the kernel
        page.locator(".smexplore-board-assignee select").select_option(label=label)
        choice = label.replace("\xa0", " ")  # ipywidgets shows an option's spaces as no-break spaces
        name = choice.split(" (", 1)[0]
        page.locator(".smexplore-board-reassign").click()
        asked = _message(page, f"to {choice}? Confirm or cancel.")
        assert page.locator(".smexplore-board-confirm").is_visible(), asked
        page.locator(".smexplore-board-confirm").click()
        _message(page, "done: reassign")
        page.wait_for_function(  # redrawn: the bar now names the new person
            "([key, name]) => (document.querySelector(`rect.bar[data-key=\"${key}\"] title`) || {})"
            ".textContent?.includes(name)", arg=[key, name], timeout=WAIT)
        screenshot(page, "board-jupyterlab-reassigned", page.locator(".smexplore-board"))
    except Exception:
        screenshot(page, "board-jupyterlab-failure")
        raise
    finally:
        page.close()
    staff = {f"{row['first']} {row['last']}".strip(): row["uuid"] for row in emulators.servicem8.account.tables["staff"]}
    after = _allocation(emulators, record_id)
    assert before["staff_uuid"] != staff[name]
    assert after["staff_uuid"] == staff[name], (before, after)
    assert after["active"] == 1 and after["job_uuid"] == before["job_uuid"]


def test_board_under_voila_shows_a_refused_write(voila_url: str, chromium: Any, emulators: Emulators) -> None:
    page = chromium.new_page(viewport=VIEWPORT)
    faults = emulators.servicem8.faults
    try:
        page.goto(voila_url, timeout=120_000)
        key = _browse(page, emulators, "voila")
        record_id = key.split(":")[2]
        before = _allocation(emulators, record_id)

        page.locator(".smexplore-board-unallocate").click()
        _message(page, "Confirm or cancel.")
        faults.only_paths = (f"/joballocation/{record_id}",)  # the write, whatever else the kernel asks
        faults.fail_next(1, 500)
        emulators.clear_logs()
        page.locator(".smexplore-board-confirm").click()
        shown = _message(page, "unallocate refused")
        screenshot(page, "board-voila-refused", page.locator(".smexplore-board"))
        selection = page.locator(".smexplore-board-selected").inner_text()
    except Exception:
        screenshot(page, "board-voila-failure")
        raise
    finally:
        faults.clear()
        faults.only_paths = ()
        page.close()
    deletes = [entry for entry in emulators.servicem8.log.entries() if entry.method == "DELETE"]
    assert [entry.status for entry in deletes] == [500]  # sent once, refused, not retried
    assert "500" in shown, shown
    assert _allocation(emulators, record_id) == before  # nothing changed
    assert record_id in selection  # the board still shows it


def test_notebook_09_opens_as_an_app_under_voila(chromium: Any, tmp_path: Path) -> None:
    """The notebook Binder opens as an app (``?urlpath=voila/render/notebooks/09-the-board.ipynb``): the
    board of the four demo accounts, this week, drawn with its load, hoverable."""
    notebook = tmp_path / "09-the-board.ipynb"
    notebook.write_bytes((Path(__file__).resolve().parents[2] / "notebooks" / "09-the-board.ipynb").read_bytes())
    with voila(notebook) as url:
        page = chromium.new_page(viewport=VIEWPORT)
        try:
            page.goto(url, timeout=120_000)
            page.locator(".smexplore-board rect.bar").first.wait_for(timeout=120_000)
            page.wait_for_function(  # the last cell ran: back to this week, nothing selected
                "(title) => document.querySelector('.smexplore-board-period').textContent.includes(title)",
                arg=FIRST_WEEK, timeout=120_000)
            rows = _row_labels(page)
            assert {label.rsplit("(", 1)[-1].rstrip(")") for label in rows} == {
                system_name(source) for source in SOURCES}
            assert page.locator("rect.cell").count() > 0
            bar = page.locator("rect.bar").first
            bar.hover()
            page.wait_for_function("() => document.querySelector('.smexplore-board-tooltip').textContent !== ''",
                                   timeout=WAIT)
            screenshot(page, "board-notebook-09-voila")
        finally:
            page.close()
