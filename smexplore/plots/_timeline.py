"""The timeline: one row per staff member, their bookings and allocations as bars over time.

Drawn with collections (one ``broken_barh`` per row and kind, one collection for all double-booking
marks, one each for nights and weekends), never an artist per bar, so a quarter of a busy team
draws as fast as a day. matplotlib is imported by the functions that draw, so importing this module
(and ``smexplore``) costs nothing until a timeline is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..core.spans import as_moment, overlaps, require_frame, spans

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["timeline"]

_COLOUR_COLUMNS = {"category": "category_name", "client": "client_name", "status": "status", "staff": "staff"}
_OTHER = "other"
_MAX_LEGEND = 12
_LABEL_CHARS = 22
# How each kind of span is drawn: (height in the row, alpha, hatch); thin kinds sit at the top of the row, outlined.
_STYLE = {"booking": (0.7, 0.9, None), "allocation": (0.7, 0.35, "//"), "recorded": (0.25, 1.0, None),
          "placeholder": (0.7, 0.3, ".."), "time_off": (0.7, 0.45, "xx"), "time_entry": (0.25, 1.0, None),
          "task": (0.7, 0.6, "\\\\"), "job": (0.7, 0.25, "--")}
_THIN = ("recorded", "time_entry")
_KIND_LABELS = {"booking": "bookings", "recorded": "recorded time (thin)", "allocation": "allocations",
                "placeholder": "placeholders", "time_off": "time off", "time_entry": "time entries (thin)",
                "task": "tasks", "job": "jobs"}
WORK_START_HOUR, WORK_END_HOUR = 7, 18


def _wall_clock(moments: pd.Series, tz: str | None) -> pd.Series:
    """Naive wall-clock times: aware ones shown in ``tz`` (or in their own zone), naive ones as they are."""
    if getattr(moments.dt, "tz", None) is None:
        return moments
    return (moments.dt.tz_convert(tz) if tz else moments).dt.tz_localize(None)


def _wall_moment(value: Any, name: str, tz: str | None, zone: Any) -> pd.Timestamp:
    """``start``/``end`` as a naive wall-clock time on the chart's axis.

    An aware one is shown in ``tz``, else in the spans' ``zone``, else in its own zone; a naive one
    is taken as it is (wall time, like the spans).
    """
    stamp = as_moment(value, name)
    if stamp.tzinfo is not None:
        shown_in = tz or zone
        stamp = (stamp.tz_convert(shown_in) if shown_in else stamp).tz_localize(None)
    return stamp


def _check_by(frame: pd.DataFrame, by: Any) -> None:
    """``ValueError`` unless ``by`` is ``"staff"`` or a column of ``frame``, naming the choices."""
    if by == "staff" or (isinstance(by, str) and by in frame.columns):
        return
    choices = ", ".join(repr(str(c)) for c in ["staff", *frame.columns])
    raise ValueError(f"by={by!r} is not a column of the frame; choose one of {choices}")


def _label(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _colours(values: pd.Series) -> tuple[pd.Series, dict[str, Any]]:
    """A colour per value: the most frequent ones get their own, the rest share grey."""
    import matplotlib.pyplot as plt

    counts = values.fillna(_OTHER).astype(str).value_counts()
    named = list(counts.index[:_MAX_LEGEND])
    palette = plt.get_cmap("tab20" if len(named) > 10 else "tab10")
    mapping: dict[str, Any] = {name: palette(i % palette.N) for i, name in enumerate(sorted(named))}
    keys = values.fillna(_OTHER).astype(str)
    keys = keys.where(keys.isin(list(mapping)), _OTHER)
    if (keys == _OTHER).any():
        mapping.setdefault(_OTHER, (0.6, 0.6, 0.6, 1.0))
    return keys.map(mapping), mapping


def _shade(ax: Axes, start: pd.Timestamp, end: pd.Timestamp, rows: int) -> None:
    """Weekends and out-of-hours as two background collections spanning every row."""
    import matplotlib.dates as mdates

    days = pd.date_range(start.normalize(), end.normalize() + pd.Timedelta(days=1), freq="D")
    weekend = [(mdates.date2num(d), 1.0) for d in days if d.day_of_week >= 5]
    night = [(mdates.date2num(d + pd.Timedelta(hours=WORK_END_HOUR - 24)), (24 - WORK_END_HOUR + WORK_START_HOUR) / 24)
             for d in days if d.day_of_week < 5]
    span = (-0.5, rows)
    if len(days) <= 31:  # out-of-hours shading only where a day is wide enough to see it
        ax.broken_barh(night, span, facecolors=(0.5, 0.5, 0.5, 0.08), zorder=0, label="_out of hours")
    ax.broken_barh(weekend, span, facecolors=(0.5, 0.5, 0.5, 0.18), zorder=0, label="_weekend")


def timeline(frame: pd.DataFrame, *, by: str = "staff", start: Any = None, end: Any = None,
             color_by: str | None = "category", ax: Axes | None = None, tz: str | None = None,
             highlight_overlaps: bool = True, show_today: bool | Any = True) -> Axes:
    """Draw a timeline of bookings, recorded time and allocations, one row per staff member.

    Args:
        frame: An activities frame, an allocations frame, a normalised timeline frame
            (``sm.normalise``; several systems concatenated draw each person once per system), or
            any frame with ``staff``, ``start`` and ``end`` (enrich it for names; see
            ``smexplore.core.spans``).
        by: The column that makes the rows (``staff`` by default).
        start: First moment shown (default: the earliest span).
        end: Last moment shown (default: the latest span).
        color_by: ``category``, ``client``, ``status``, ``staff`` or any column (``source``, ``job``,
            ``kind`` in a normalised frame); ``None`` for one colour.
        ax: Axes to draw on (a new figure sized to the rows when ``None``).
        tz: Show aware timestamps in this zone (default: each in its own zone); naive ones are account time.
        highlight_overlaps: Outline double-bookings (overlapping scheduled bookings of one person) in red.
        show_today: Draw a line at "now": ``True`` uses ``frame.attrs["now"]`` (set by the Session:
            the demo account's anchored now) or the clock; a timestamp draws it there.

    Returns:
        The matplotlib Axes.

    Raises:
        TypeError: ``frame`` is not a DataFrame.
        ValueError: ``by`` is neither ``"staff"`` nor a column of the frame; ``start``/``end`` is no time.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    require_frame(frame, "timeline")
    _check_by(frame, by)
    data = spans(frame)
    if by != "staff":
        data["staff"] = data[by].astype("string")
    zone = data["start"].dt.tz
    for column in ("start", "end"):
        data[column] = _wall_clock(data[column], tz)
    data = data[["staff", "start", "end", "kind", *[c for c in data.columns if c not in
                                                     ("staff", "start", "end", "kind", "start_date", "end_date")]]]
    first = (_wall_moment(start, "start", tz, zone) if start is not None
             else data["start"].min() if len(data) else pd.Timestamp.now())
    last = (_wall_moment(end, "end", tz, zone) if end is not None
            else data["end"].max() if len(data) else first + pd.Timedelta(days=1))
    data = data[(data["end"] > first) & (data["start"] < last)]
    rows = sorted(data["staff"].unique(), key=lambda s: str(s).casefold()) or ["(nobody)"]
    row_of = {name: i for i, name in enumerate(rows)}

    if ax is None:
        _, ax = plt.subplots(figsize=(12, max(2.5, 0.38 * len(rows) + 1.6)), layout="constrained")
    colour_column = _COLOUR_COLUMNS.get(color_by or "", color_by)
    if colour_column not in data:  # a normalised frame names them plainly: client, job, source
        colour_column = color_by
    if colour_column and colour_column in data:
        colours, legend = _colours(data[colour_column])
    else:
        colours, legend = pd.Series([(0.2, 0.45, 0.7, 1.0)] * len(data), index=data.index, dtype=object), {}

    left = mdates.date2num(data["start"].to_numpy())
    width = mdates.date2num(data["end"].to_numpy()) - left
    for key, index in data.groupby(["staff", "kind"], sort=False).indices.items():
        name, kind = cast(tuple[str, str], key)
        height, alpha, hatch = _STYLE.get(kind, _STYLE["booking"])
        base = row_of[name] - 0.35 if kind in _THIN else row_of[name] - height / 2
        ax.broken_barh(list(zip(left[index], width[index])), (base, height),
                       facecolors=[(*c[:3], alpha) for c in colours.iloc[index]],
                       edgecolor="black" if kind in _THIN else "none", linewidth=0.3, hatch=hatch,
                       label=f"_{kind} {name}", gid=f"{kind}:{name}")
    if highlight_overlaps and len(data):
        doubled = overlaps(data[["staff", "start", "end", "kind"] + (["uuid"] if "uuid" in data else [])])
        doubled = doubled[doubled["kind"] == "booking"]  # recorded time that overruns is not a double-booking
        x0 = mdates.date2num(doubled["overlap_start"].to_numpy())
        x1 = x0 + (doubled["overlap"].dt.total_seconds() / 86400).to_numpy()
        ys = doubled["staff"].map(row_of).to_numpy()
        boxes = [[(a, r - 0.45), (b, r - 0.45), (b, r + 0.45), (a, r + 0.45)] for a, b, r in zip(x0, x1, ys)]
        wide = (last - first) > pd.Timedelta(days=31)
        ax.add_collection(PolyCollection(boxes, facecolors="none", edgecolors="red", linewidths=0.7 if wide else 1.4,
                                         zorder=5,
                                         label="_double-bookings", gid="overlaps"))
        if boxes:
            legend["double-booked"] = "red"
    _shade(ax, first, last, len(rows))
    now = None if show_today is False else frame.attrs.get("now", pd.Timestamp.now()) if show_today is True \
        else show_today
    if now is not None:
        now = _wall_clock(pd.Series([pd.Timestamp(now)]), tz)[0]
    if now is not None and first <= now <= last:
        ax.axvline(mdates.date2num(pd.Timestamp(now)), color="crimson", linewidth=1.2, linestyle="--",
                   label="_today", gid="today")
        legend["now"] = "crimson"

    ax.set_xlim(mdates.date2num(first), mdates.date2num(last))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(np.arange(len(rows)), [_label(str(r)) for r in rows])
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    kinds_shown = sorted(set(data["kind"]))
    if legend or len(kinds_shown) > 1:
        handles = [Patch(facecolor="none" if k == "double-booked" else c, edgecolor=c if k in ("double-booked", "now")
                         else "none", label=k) for k, c in legend.items()]
        handles += [Patch(facecolor=(0.5, 0.5, 0.5, _STYLE[k][1]), hatch=_STYLE[k][2],
                          edgecolor="black" if k in _THIN else "none", label=_KIND_LABELS[k])
                    for k in kinds_shown if k in _STYLE and len(kinds_shown) > 1]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False,
                  title=color_by if colour_column and colour_column in data else None)
    kinds = ", ".join(_KIND_LABELS.get(k, k) for k in kinds_shown) or "nothing"
    ax.set_title(f"{kinds} per {by}, {first:%d %b %Y} – {last:%d %b %Y}", loc="left", fontsize="medium")
    return ax
