"""The schedule board in Jupyter (and Voila): ``Board(*sessions)``, drawn from a ``BoardModel``.

The drawing is an anywidget (``BoardCanvas``: an SVG whose bars and cells name themselves on hover
and select on click); the controls around it are plain ipywidgets. anywidget was chosen over
ipympl for a light install (one small package, no matplotlib front-end extension), bars that are
DOM elements a browser test can hover and click, and redraws that send bar data, not PNGs.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as W
import pandas as pd
import traitlets

from ..core.errors import SMExploreError
from .model import PERIODS, BoardModel, system_name, text_of

__all__ = ["Board", "BoardCanvas"]


class BoardCanvas(anywidget.AnyWidget):
    """The board's drawing: rows, load cells and bars (see ``canvas.js``)."""

    _esm = Path(__file__).with_name("canvas.js")
    rows = traitlets.List(traitlets.Unicode()).tag(sync=True)
    bars = traitlets.List(traitlets.Dict()).tag(sync=True)
    cells = traitlets.List(traitlets.Dict()).tag(sync=True)
    days = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    hovered = traitlets.Unicode("").tag(sync=True)


def _table(frame: pd.DataFrame, css: str, empty: str) -> str:
    if frame.empty:
        return f'<div class="{css}"><em>{html.escape(empty)}</em></div>'
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%a %d %b %H:%M")
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].astype("float")  # nullable floats: NaN, shown blank
    shown = shown.astype(object).where(shown.notna(), "")
    return f'<div class="{css}">{shown.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.1f}")}</div>'


class Board(W.VBox):
    """A schedule board of one or several Sessions: a period's people, work and load, to move through,
    search, select from and (ServiceM8, ``writable=True``) act on.

    Args:
        sessions: The Sessions shown (one per system; ``sm.demo()``, ``sm.ruddr.demo()`` … work as they are).
        period: ``"day"``, ``"week"`` (default) or ``"month"``.
        start: A day of the first period shown (default: the first Session's today).
        hours_per_day: A working day's capacity where a system says nothing.

    Attributes:
        model: What is drawn (``BoardModel``): the same period, filters and selection, without a screen.
    """

    def __init__(self, *sessions: Any, period: str = "week", start: Any = None, hours_per_day: float = 8) -> None:
        self.model = BoardModel(*sessions, period=period, start=start,  # type: ignore[arg-type]
                                hours_per_day=hours_per_day)
        self.canvas = BoardCanvas()
        self.title = W.HTML(layout=W.Layout(min_width="260px"))
        self.title.add_class("smexplore-board-period")
        self.previous_button = self._button("◀ previous", "smexplore-board-prev", lambda: self.model.previous())
        self.today_button = self._button("today", "smexplore-board-today", lambda: self.model.today())
        self.next_button = self._button("next ▶", "smexplore-board-next", lambda: self.model.next())
        self.day = W.DatePicker(description="go to", layout=W.Layout(width="230px"))
        self.day.add_class("smexplore-board-date")
        self.day.observe(self._go_to, "value")
        self.length = W.Dropdown(options=list(PERIODS), value=self.model.period, description="period",
                                 layout=W.Layout(width="170px"))
        self.length.add_class("smexplore-board-length")
        self.length.observe(self._set_period, "value")
        self.system_boxes = {}
        for session in sessions:
            box = W.Checkbox(value=True, description=system_name(session.source), indent=False,
                             layout=W.Layout(width="auto"))
            box.add_class(f"smexplore-board-system-{session.source}")
            box.observe(self._set_systems, "value")
            self.system_boxes[session.source] = box
        self.kinds = W.SelectMultiple(options=sorted(self.model.kinds), value=sorted(self.model.kinds),
                                      description="kinds", rows=4, layout=W.Layout(width="230px"))
        self.kinds.add_class("smexplore-board-kinds")
        self.kinds.observe(self._set_kinds, "value")
        self.people = W.SelectMultiple(options=[], description="people", rows=4, layout=W.Layout(width="300px"))
        self.people.add_class("smexplore-board-people")
        self.people.observe(self._set_people, "value")
        self.search = W.Text(placeholder="search people, jobs, clients", description="search",
                             continuous_update=False, layout=W.Layout(width="300px"))
        self.search.add_class("smexplore-board-search")
        self.search.observe(self._set_search, "value")
        self.filter = W.Text(placeholder="client eq 'Acme'  (the timeline's columns)", description="filter",
                             continuous_update=False, layout=W.Layout(width="360px"))
        self.filter.add_class("smexplore-board-filter")
        self.filter.observe(self._set_filter, "value")
        self.hover = W.HTML(layout=W.Layout(height="1.6em", overflow="hidden"))  # a fixed height: no jump on hover
        self.hover.add_class("smexplore-board-hover")
        self.free_table = W.HTML(layout=W.Layout(max_height="560px", overflow="auto", min_width="230px"))
        self.free_table.add_class("smexplore-board-free")
        self.selected_table = W.HTML()
        self.selected_table.add_class("smexplore-board-selected")
        self.assignee = W.Dropdown(description="give to", options=[], layout=W.Layout(width="330px"))
        self.assignee.add_class("smexplore-board-assignee")
        self.reassign_button = self._button("reassign…", "smexplore-board-reassign", None)
        self.unallocate_button = self._button("unallocate…", "smexplore-board-unallocate", None)
        self.confirm_button = self._button("confirm", "smexplore-board-confirm", None)
        self.confirm_button.button_style = "warning"
        self.cancel_button = self._button("cancel", "smexplore-board-cancel", None)
        self.reassign_button.on_click(lambda _: self._ask("reassign"))
        self.unallocate_button.on_click(lambda _: self._ask("unallocate"))
        self.confirm_button.on_click(lambda _: self._confirm())
        self.cancel_button.on_click(lambda _: self._ask(None))
        self.message = W.HTML()
        self.message.add_class("smexplore-board-message")
        self.actions = W.HBox([self.assignee, self.reassign_button, self.unallocate_button, self.confirm_button,
                               self.cancel_button])
        self.actions.add_class("smexplore-board-actions")
        self._pending: str | None = None
        self._quiet = False  # options being replaced: not the user's choice
        self.canvas.observe(self._selected, "selected")
        self.canvas.observe(lambda change: setattr(self.hover, "value", html.escape(change["new"])), "hovered")
        navigation = W.HBox([self.previous_button, self.today_button, self.next_button, self.title, self.day,
                             self.length])
        filters = W.HBox([W.VBox([W.HBox(list(self.system_boxes.values())), self.search, self.filter]), self.kinds,
                          self.people])
        free = W.VBox([W.HTML("<b>Free in this period</b>"), self.free_table],
                      layout=W.Layout(flex="0 0 auto", min_width="280px"))
        super().__init__([navigation, filters, self.hover, W.HBox([self.canvas, free]), self.message,
                          self.actions, self.selected_table])
        self.add_class("smexplore-board")
        self.redraw()

    # --- what the notebook reads --------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<Board{repr(self.model).removeprefix('<BoardModel')}"

    @property
    def selected(self) -> pd.DataFrame:
        """The selected record and its related ones (the same job's), as timeline rows (``selected`` marks it)."""
        return self.model.selected

    def redraw(self) -> None:
        """Draw the model's period again (after a move, a filter or a write)."""
        model = self.model
        self.title.value = f"<b>{html.escape(model.title)}</b>"
        try:
            rows = model.rows()
            bars = model.bars()
            cells = model.cells()
            free = model.free()
        except SMExploreError as exc:
            self._say(f"could not draw {model.title}: {exc}", error=True)
            return
        labels = [row.label for row in rows]
        if model.people is None and list(self.people.options) != labels:  # whom to choose from: everyone shown
            self._quiet = True
            self.people.options = labels
            self._quiet = False
        with self.canvas.hold_sync():
            self.canvas.rows = [row.label for row in rows]
            self.canvas.cells = [cell.__dict__ for cell in cells]
            self.canvas.bars = [bar.__dict__ for bar in bars]
            self.canvas.days = self._days()
            if model.selected_key is not None and model.selected_key not in {bar.key for bar in bars}:
                model.selected_key = None
            self.canvas.selected = model.selected_key or ""
        free = free.assign(free_hours=free["free_hours"].astype("float"))
        free["system"] = free["source"].map(system_name)
        self.free_table.value = _table(free[["staff", "system", "free_hours"]].head(40) if len(self.model.sessions) > 1
                                       else free[["staff", "free_hours"]].head(40), "free", "nobody is free")
        self._show_selection()

    # --- controls ---------------------------------------------------------------------------------------
    def _button(self, text: str, css: str, move: Any) -> W.Button:
        button = W.Button(description=text, layout=W.Layout(width="auto"))
        button.add_class(css)
        if move is not None:
            def clicked(_: Any) -> None:
                move()
                self._say("")
                self.redraw()
            button.on_click(clicked)
        return button

    def _go_to(self, change: dict[str, Any]) -> None:
        if isinstance(change["new"], date):
            self.model.go_to(pd.Timestamp(change["new"]))
            self.redraw()

    def _set_period(self, change: dict[str, Any]) -> None:
        self.model.set_period(change["new"])
        self.redraw()

    def _set_systems(self, _: Any) -> None:
        self.model.systems = {source for source, box in self.system_boxes.items() if box.value}
        self.redraw()

    def _set_kinds(self, change: dict[str, Any]) -> None:
        self.model.kinds = set(change["new"])
        self.redraw()

    def _set_people(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self.model.people = set(change["new"]) or None  # none chosen: everyone
        self.redraw()

    def _set_search(self, change: dict[str, Any]) -> None:
        self.model.search = change["new"]
        self.redraw()

    def _set_filter(self, change: dict[str, Any]) -> None:
        try:
            self.model.set_filter(change["new"].strip() or None)
        except SMExploreError as exc:
            self._say(str(exc), error=True)
            return
        self._say("")
        self.redraw()

    def _selected(self, change: dict[str, Any]) -> None:
        key = change["new"] or None
        try:
            self.model.select(key)
        except KeyError:
            self.model.select(None)
        self._ask(None)
        self._show_selection()

    def _show_selection(self) -> None:
        selected = self.model.selected
        columns = ["source", "staff", "kind", "start", "end", "hours", "job", "client", "record_id"]
        self.selected_table.value = _table(selected[columns] if len(selected) else selected, "selection",
                                           "click a bar to see its record and the related ones")
        key = self.model.selected_key
        writable = key is not None and self.model.writable(key)
        self.actions.layout.display = "" if writable else "none"
        if writable and key is not None:
            options = [(f"{row.staff} ({row.free_hours:.1f} h free)", str(row.staff_id))
                       for row in self.model.suggestions(key).itertuples(index=False)]
            self.assignee.options = options
            self.assignee.value = options[0][1] if options else None  # the most free first

    def _ask(self, action: str | None) -> None:
        """Show the confirmation step for ``action`` (``None``: none)."""
        self._pending = action
        self.confirm_button.layout.display = "" if action else "none"
        self.cancel_button.layout.display = "" if action else "none"
        if action is not None and self.model.selected_key is not None:
            record = self.model.selected.iloc[0]
            whom = f" to {self.assignee.label}" if action == "reassign" and self.assignee.label else ""
            self._say(f"{action} {record['kind']} {text_of(record['job'])} of {text_of(record['staff'])} on "
                      f"{pd.Timestamp(record['start']):%a %d %b}{whom}? Confirm or cancel.")

    def _confirm(self) -> None:
        key, action = self.model.selected_key, self._pending
        self._ask(None)
        if key is None or action is None:
            return
        try:
            if action == "reassign":
                if self.assignee.value is None:
                    self._say("choose whom to give it to", error=True)
                    return
                self.model.reassign(key, self.assignee.value)
            else:
                self.model.unallocate(key)
        except (SMExploreError, KeyError) as exc:
            self._say(f"{action} refused: {exc}", error=True)
            return
        self._say(f"done: {action}")
        self.redraw()

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#b00020" if error else "#225"
        self.message.value = f'<span style="color:{colour}">{html.escape(text)}</span>' if text else ""

    def _days(self) -> list[dict[str, Any]]:
        model = self.model
        days = pd.date_range(model.start, model.end, freq="D", inclusive="left")
        width = (model.end - model.start).total_seconds()
        step = 1 if len(days) <= 14 else 7
        return [{"x0": (day - model.start).total_seconds() / width,
                 "label": f"{day:%a %d}" if step == 1 else f"{day:%d %b}"}
                for i, day in enumerate(days) if i % step == 0]
