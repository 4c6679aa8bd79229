"""``FilterBuilder``: build a filter by clicking, see its expression and plan, run it."""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
import traitlets

from ..core.errors import FilterError, SMExploreError
from ..core.filters.expr import Expr
from ..core.filters.values import FilterField, resolve_field
from ._editors import ConditionRow

if TYPE_CHECKING:
    from ..core.schema import Resource
    from ..core.session import BaseSession

__all__ = ["FilterBuilder", "error_html", "frame_preview"]

_PREVIEW_ROWS = 10


def frame_preview(frame: pd.DataFrame, rows: int = _PREVIEW_ROWS, *, first: Sequence[str] = (),
                  hidden: Collection[str] = ()) -> str:
    """The first ``rows`` rows of ``frame`` as a compact HTML table.

    Args:
        frame: The frame.
        rows: How many rows.
        first: Columns shown first (the names the Session added).
        hidden: Columns left out (ids: the names beside them say more).
    """
    names = [column for column in first if column in frame.columns]
    readable = names + [column for column in frame.columns if column not in hidden and column not in names]
    return frame[readable].head(rows).to_html(index=False, max_cols=12, na_rep="", classes="smexplore-table",
                                              border=0)


def _hidden_columns(spec: Resource) -> set[str]:
    """The columns a preview of ``spec``'s frames leaves out: ids (names say more) and lists."""
    return {name for name, field in spec.fields.items() if field.kind in ("uuid", "list")}


def error_html(text: str) -> str:
    return f"<div class='smexplore-error' style='color:#b00020'>{html.escape(text)}</div>"


class FilterBuilder(widgets.VBox):
    """A filter built from rows of (field, operator, value), with its plan and a Run button.

    Conditions are combined with *all* (and) or *any* (or). The builder shows the expression it
    builds (``.where``) and where each part runs; Run (or ``.run()``) pulls the result through the
    Session, and shows the row count and the first rows. Observe ``where`` or ``frame`` to react::

        builder = sm.FilterBuilder(s, "jobactivity")
        builder.observe(lambda change: print(len(change.new)), names="frame")

    Attributes:
        where: The current expression (``None``: no complete condition yet); a trait, so observable.
        frame: The last result (``None`` before the first run); a trait, so observable.
        session: The Session queries run on.
        resource: The resource's API name.
        combine: Toggle: ``"all"`` (and) or ``"any"`` (or).
        add_button: Adds a condition row.
        run_button: Runs the filter.
        expression: HTML widget showing ``where`` as Python.
        plan: HTML widget showing the plan (``Session.explain``) of ``where``.
        status: HTML widget: the row count and the server filter sent after a run (``$filter``, Ruddr's
            query parameters …), or the error.
        result: HTML widget: the first rows of the last result.
    """

    where = traitlets.Any(None, allow_none=True)
    frame = traitlets.Any(None, allow_none=True)

    def __init__(self, session: BaseSession, resource: str, **kwargs: Any) -> None:
        self.session = session
        spec = session._resource(resource)
        self.resource = spec.name
        self._fields: dict[str, FilterField] = {
            name: resolve_field(spec, name) for name in session.filter_columns(spec.name)
        }
        self._named = session.named_columns(spec.name)
        dialect = session._dialect(spec)
        self._sent_name = dialect.name if dialect is not None else "server filter"
        self._preview = (session.preview_columns(spec.name), _hidden_columns(spec))
        self._rows: list[ConditionRow] = []
        self.combine = widgets.ToggleButtons(options=[("all of", "all"), ("any of", "any")], value="all",
                                             style={"button_width": "5em"}, tooltips=["and", "or"])
        self.add_button = widgets.Button(description="add condition", icon="plus")
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.run_button.add_class("smexplore-run")
        self.conditions = widgets.VBox()
        self.expression = widgets.HTML()
        self.expression.add_class("smexplore-expression")
        self.plan = widgets.HTML()
        self.plan.add_class("smexplore-plan")
        self.status = widgets.HTML()
        self.status.add_class("smexplore-status")
        self.progress = widgets.Output()
        self.result = widgets.HTML()
        self.result.add_class("smexplore-result")
        self.add_button.on_click(lambda _: self.add_condition())
        self.run_button.on_click(lambda _: self._run_clicked())
        self.combine.observe(lambda _: self._refresh(), names="value")
        super().__init__(
            [widgets.HTML(f"<b>{html.escape(self.resource)}</b> where"), self.combine, self.conditions,
             widgets.HBox([self.add_button, self.run_button]), self.expression, self.plan, self.status,
             self.progress, self.result],
            **kwargs,
        )
        self.add_class("smexplore-filter-builder")
        self._refresh()

    # --- conditions -----------------------------------------------------------------------------
    def add_condition(self, field: str | None = None) -> ConditionRow:
        """Add a row (for ``field``, default the first) and return it."""
        if field is not None and field not in self._fields:
            known = resolve_field(self.session._resource(self.resource), field)  # raises, naming the valid ones
            raise FilterError(f"{field} is a {known.kind} field: the filter builder offers no condition on it; "
                              f"choose one of {', '.join(self._fields)}")
        row = ConditionRow(self._fields, self._names, self._refresh, field)
        row.remove.on_click(lambda _: self.remove_condition(row))
        self._rows.append(row)
        self.conditions.children = [r.box for r in self._rows]
        self._refresh()
        return row

    def remove_condition(self, row: ConditionRow) -> None:
        """Remove a row."""
        self._rows.remove(row)
        self.conditions.children = [r.box for r in self._rows]
        self._refresh()

    @property
    def rows(self) -> list[ConditionRow]:
        """The condition rows, in order."""
        return list(self._rows)

    def _names(self, field: str) -> list[tuple[str, Any]] | None:
        """The (label, value) choices of a field offered by name, or ``None``."""
        spec = self.session._resource(self.resource).fields.get(field)
        if spec is not None and spec.choices:
            return [(str(choice), choice) for choice in spec.choices]
        column = self._named.get(field)
        if column is None:
            return None
        try:
            names = self.session._names(column)
        except SMExploreError as exc:  # e.g. no scope to read staff: a text box instead of a list
            self.status.value = error_html(f"names for {field} unavailable ({type(exc).__name__}: {exc}); "
                                            "type the value instead")
            return None
        pairs = sorted(zip(names.astype(str), names.index), key=lambda pair: pair[0].casefold())
        return [(name, name if field == column else uuid) for name, uuid in pairs]

    # --- expression and plan ---------------------------------------------------------------------
    def _build(self) -> Expr | None:
        parts = [row.expression() for row in self._rows]
        if not parts:
            return None
        combined = parts[0]
        for part in parts[1:]:
            combined = (combined & part) if self.combine.value == "all" else (combined | part)
        return combined

    def _refresh(self) -> None:
        try:
            self.where = self._build()
        except ValueError as exc:
            self.where = None
            self.expression.value = error_html(str(exc))
            self.plan.value = ""
            return
        if self.where is None:
            self.expression.value = "<i>no conditions: every record</i>"
            self.plan.value = ""
            return
        self.expression.value = f"<code>{html.escape(str(self.where))}</code>"
        try:
            plan = self.session.explain(self.resource, self.where)
        except SMExploreError as exc:
            self.plan.value = error_html(str(exc))
            return
        self.plan.value = f"<pre style='font-size:85%;line-height:1.3'>{html.escape(str(plan))}</pre>"

    # --- running -----------------------------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        """Run the current filter through the Session, show the result, and return it.

        Raises:
            ValueError: A condition is incomplete.
            SMExploreError: The filter does not fit or the pull failed.
        """
        where = self._build()
        self.status.value = f"<i>pulling {html.escape(self.resource)}…</i>"
        with self.progress:  # the Session's progress bar shows here in a notebook
            result = self.session._display_frame(self.resource, where)
        self.progress.outputs = ()
        sent = result.attrs.get("filter") or "(none)"
        self.status.value = (f"<b class='smexplore-count'>{len(result):,} rows</b> "
                             f"({result.attrs.get('pulled', 0):,} records pulled; {html.escape(self._sent_name)} "
                             f"sent: <code>{html.escape(sent)}</code>)")
        first, hidden = self._preview
        self.result.value = frame_preview(result, first=first, hidden=hidden)
        self.frame = result
        return result

    def _run_clicked(self) -> None:
        try:
            self.run()
        except (ValueError, SMExploreError) as exc:  # shown in the widget, not as a traceback
            self.progress.outputs = ()
            self.status.value = error_html(f"{type(exc).__name__}: {exc}")
            self.result.value = ""

    def __repr__(self) -> str:
        rows = f"{len(self.frame):,} rows in the last run" if self.frame is not None else "not run yet"
        where = str(self.where) if self.where is not None else "everything"
        return f"<FilterBuilder {self.resource} where {where}; {rows}>"
