"""``Explorer``: pick a resource, filter it, see the rows and (for bookings and allocations) the timeline."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..core.errors import SMExploreError
from ._builder import FilterBuilder, error_html

if TYPE_CHECKING:
    import pandas as pd

    from ..core.session import BaseSession

__all__ = ["Explorer"]


class Explorer(widgets.VBox):
    """A small app in one widget: a resource, its filter, the row count, the first rows, a timeline.

    The timeline (of the resources the Session draws: ServiceM8's activities and allocations,
    Ruddr's allocations and time entries) covers the chosen date range. Errors show in the widget,
    readable; pulls show the Session's progress bar.

    Args:
        session: The Session queries run on (any system's).
        resource: The resource shown first (API name); default the first the Session draws as a
            timeline (``jobactivity``, ``allocations``), or its first resource.

    Attributes:
        session: The Session queries run on.
        builder: The FilterBuilder of the chosen resource (a new one for each resource).
        resource: Dropdown of the resources.
        start: DatePicker: first day of the timeline.
        end: DatePicker: last day of the timeline.
        timeline: Image widget: the timeline (PNG) of the last result, for the resources drawn as one.
        message: HTML widget: why there is no timeline, if something is wrong.
    """

    def __init__(self, session: BaseSession, resource: str | None = None, **kwargs: Any) -> None:
        self.session = session
        names = list(session._resource_names())
        if resource is None:
            resource = (session.timeline_resources or names)[0]
        self.resource = widgets.Dropdown(options=names, value=session._resource(resource).name,
                                         description="resource")
        today = session.now.date()
        monday = today - timedelta(days=today.weekday())
        self.start = widgets.DatePicker(value=monday, description="from")
        self.end = widgets.DatePicker(value=monday + timedelta(days=6), description="to")
        self.timeline = widgets.Image(format="png", layout=widgets.Layout(display="none"))
        self.timeline.add_class("smexplore-timeline")
        self.message = widgets.HTML()
        self.message.add_class("smexplore-explorer-message")
        self.builder = FilterBuilder(session, self.resource.value)
        self._slot = widgets.VBox([self.builder])
        self._range = widgets.HBox([self.start, self.end])
        self.resource.observe(lambda change: self._use(change.new), names="value")
        for picker in (self.start, self.end):
            picker.observe(lambda _: self._draw(), names="value")
        super().__init__([self.resource, self._slot, self._range, self.message, self.timeline], **kwargs)
        self.add_class("smexplore-explorer")
        self._use(self.resource.value)

    def _use(self, resource: str) -> None:
        self.builder = FilterBuilder(self.session, resource)
        self.builder.observe(lambda _: self._draw(), names="frame")
        self._slot.children = [self.builder]
        self._range.layout.display = None if resource in self.session.timeline_resources else "none"
        self._picture(b"")
        self.message.value = ""

    def run(self) -> pd.DataFrame:
        """Run the builder's filter (as its Run button does) and draw the timeline."""
        return self.builder.run()

    def _draw(self) -> None:
        frame = self.builder.frame
        self._picture(b"")
        if frame is None or self.builder.resource not in self.session.timeline_resources:
            return
        if self.start.value is None or self.end.value is None or self.end.value < self.start.value:
            self.message.value = error_html("choose a date range (from ≤ to) for the timeline")
            return
        try:
            self._picture(_timeline_png(self.session._timeline_rows(frame), self.start.value, self.end.value))
            self.message.value = ""
        except (ValueError, SMExploreError) as exc:
            self.message.value = error_html(f"timeline: {exc}")

    def _picture(self, png: bytes) -> None:
        """Show the timeline, or no image at all while there is none (not an empty, broken one)."""
        self.timeline.value = png
        self.timeline.layout.display = None if png else "none"

    def __repr__(self) -> str:
        return f"<Explorer {self.builder!r}>"


def _timeline_png(frame: pd.DataFrame, first: date, last: date) -> bytes:
    """The timeline of ``frame`` from ``first`` to the end of ``last``, as PNG bytes."""
    from matplotlib.figure import Figure

    from ..plots import timeline

    figure = Figure(figsize=(10, 4))
    ax = figure.add_subplot()
    timeline(frame, start=first, end=last + timedelta(days=1), ax=ax)
    ax.set_title(f"{len(frame):,} rows, {first} to {last}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=80)
    return buffer.getvalue()
