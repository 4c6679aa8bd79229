"""The timeline: one row per person, their schedule over time, from any mix of systems.

Work at times of day (a booking 09:00–11:30, recorded time, a timed entry) is drawn as bars; work
given as an amount for a day or a range (a Ruddr allocation of 6.5 h, an Accelo task's budget, a
Syncd entry of 7 h) as load cells, one per person and day, filled by hours ÷ that day's capacity
(``_cells``). Placeholders (roles not yet staffed) come last, as demand.

Drawn with collections (one ``broken_barh`` per row and kind, one collection for all double-booking
marks, one each for cells, nights and weekends), never an artist per bar, so a quarter of a busy
team draws as fast as a day. matplotlib is imported by the functions that draw, so importing this
module (and ``smexplore``) costs nothing until a timeline is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..core.errors import did_you_mean
from ..core.load import RECORDED, load
from ..core.spans import as_moment, check_hours_per_day, overlaps, require_frame, spans
from ._cells import DEMAND_COLOUR, LEVELS, draw_cells, has_amounts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["timeline"]

_COLOUR_COLUMNS = {"category": "category_name", "client": "client_name", "status": "status", "staff": "staff"}
_OTHER = "other"
_MAX_LEGEND = 12
_LABEL_CHARS = 26
# How each kind of span is drawn: (height in the row, alpha, hatch); thin kinds sit at the top of the row, outlined.
_STYLE = {"booking": (0.7, 0.9, None), "allocation": (0.2, 0.5, "//"), "recorded": (0.25, 1.0, None),
          "placeholder": (0.7, 0.3, ".."), "time_off": (0.7, 0.45, "xx"), "time_entry": (0.25, 1.0, None),
          "task": (0.7, 0.6, "\\\\"), "job": (0.08, 0.35, None)}
_THIN = ("recorded", "time_entry")
# Work given for a day without hours (ServiceM8's allocations) and a job under its manager: a strip
# along the bottom of the row, so the bookings of the same day stay in view.
_BOTTOM = ("allocation", "job")
_KIND_LABELS = {"booking": "bookings", "recorded": "recorded time (thin)", "allocation": "allocations (strip)",
                "placeholder": "placeholders", "time_off": "time off", "time_entry": "time entries (thin)",
                "task": "tasks", "job": "jobs"}
WORK_START_HOUR, WORK_END_HOUR = 7, 18
UNTIMED_FROM_HOUR = 9  # where hours recorded with no time of day are drawn from


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


def _check_column(frame: pd.DataFrame, name: str, value: Any, extra: tuple[str, ...]) -> None:
    """``ValueError`` unless ``value`` is one of ``extra`` or a column of ``frame``, naming the
    choices and the closest."""
    if value in extra or (isinstance(value, str) and value in frame.columns):
        return
    choices = list(dict.fromkeys([*extra, *map(str, frame.columns)]))
    raise ValueError(f"{name}={value!r} is not a column of the frame{did_you_mean(str(value), choices)}; choose "
                     f"one of {', '.join(map(repr, choices))}")


def _label(text: str) -> str:
    """A row label that fits: the name cut short, never the system it comes from (``"name (ruddr)"``)."""
    if len(text) <= _LABEL_CHARS:
        return text
    name, tag = text, ""
    if text.endswith(")") and " (" in text:
        name, _, rest = text.rpartition(" (")
        tag = f" ({rest}"
    room = max(_LABEL_CHARS - len(tag) - 1, 4)
    return (name[:room] + "…" if len(name) > room else name) + tag


def _auto_colour(data: pd.DataFrame) -> str | None:
    """What to colour by when nothing is said: the system for a mixed frame, else the category (or
    client), else the kind."""
    if "source" in data and data["source"].nunique(dropna=True) > 1:
        return "source"
    for column in ("category_name", "category", "client_name", "client"):
        if column in data and data[column].notna().any():
            return column
    return "kind"


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


def _shade(ax: Axes, start: pd.Timestamp, end: pd.Timestamp, rows: int, nights: bool = True) -> None:
    """Weekends and (with ``nights``: there are bars at times of day) out-of-hours as two background
    collections spanning every row."""
    import matplotlib.dates as mdates

    days = pd.date_range(start.normalize(), end.normalize() + pd.Timedelta(days=1), freq="D")
    weekend = [(mdates.date2num(d), 1.0) for d in days if d.day_of_week >= 5]
    night = [(mdates.date2num(d + pd.Timedelta(hours=WORK_END_HOUR - 24)), (24 - WORK_END_HOUR + WORK_START_HOUR) / 24)
             for d in days if d.day_of_week < 5]
    span = (-0.5, rows)
    if nights and len(days) <= 31:  # out-of-hours shading only where a day is wide enough to see it
        ax.broken_barh(night, span, facecolors=(0.5, 0.5, 0.5, 0.08), zorder=0, label="_out of hours")
    ax.broken_barh(weekend, span, facecolors=(0.5, 0.5, 0.5, 0.18), zorder=0, label="_weekend")


def timeline(frame: pd.DataFrame, *, by: str = "staff", start: Any = None, end: Any = None,
             color_by: str | None = "auto", ax: Axes | None = None, tz: str | None = None,
             highlight_overlaps: bool = True, show_today: bool | Any = True, hours_per_day: float = 8,
             capacity: pd.DataFrame | None = None) -> Axes:
    """Draw a timeline of everyone's schedule, one row per person (per system, in a mixed frame).

    Work at times of day (bookings, recorded time, timed entries) is drawn as bars; work given as an
    amount (allocation days, tasks, placeholders, entries with only a duration) as one cell per
    person and day, filled by planned hours ÷ that day's capacity and coloured on the utilisation
    heatmap's scale (green under, amber near, red over capacity, outlined in red), with the hours
    written where a day is wide enough; time off greys a cell's top, recorded hours are a black
    tick. Placeholders (unfilled demand) come last, in dotted cells.

    Args:
        frame: A normalised timeline frame (``sm.normalise``, ``Session.timeline_frame``; several
            systems concatenated draw each person once per system), an activities or allocations
            frame, or any frame with ``staff``, ``start`` and ``end``.
        by: The column that makes the rows (``staff`` by default).
        start: First moment shown (default: the earliest span).
        end: Last moment shown (default: the latest span).
        color_by: What colours the bars: ``"auto"`` (the system in a mixed frame, else the
            category or client, else the kind), ``category``, ``client``, ``status``, ``staff`` or
            any column (``source``, ``job``, ``kind``); ``None`` for one colour.
        ax: Axes to draw on (a new figure sized to the rows when ``None``).
        tz: Show aware timestamps in this zone (default: each in its own zone); naive ones are account time.
        highlight_overlaps: Outline double-bookings (overlapping scheduled bookings of one person) in red.
        show_today: Draw a line at "now": ``True`` uses ``frame.attrs["now"]`` (set by the Session:
            the demo account's anchored now) or the clock; a timestamp draws it there.
        hours_per_day: A working day's capacity for the cells, where ``capacity`` says nothing.
        capacity: Capacity per person and day (``Session.capacity``) for the cells.

    Returns:
        The matplotlib Axes.

    Raises:
        TypeError: ``frame`` is not a DataFrame.
        ValueError: ``by`` or ``color_by`` is no column of the frame (the message names the choices
            and the closest); ``start``/``end`` is no time.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    require_frame(frame, "timeline")
    _check_column(frame, "by", by, ("staff",))
    if color_by is not None:
        _check_column(frame, "color_by", color_by, ("auto", *_COLOUR_COLUMNS))
    hours_per_day = check_hours_per_day(hours_per_day)
    data = spans(frame)
    if by != "staff":
        data["staff"] = data[by].astype("string")
    zone = data["start"].dt.tz
    for column in ("start", "end"):
        data[column] = _wall_clock(data[column], tz)
    data = data[["staff", "start", "end", "kind", *[c for c in data.columns if c not in
                                                     ("staff", "start", "end", "kind", "start_date", "end_date")]]]
    first = (_wall_moment(start, "start", tz, zone) if start is not None
             else data["start"].min() if len(data) else pd.Timestamp.now().normalize())
    last = (_wall_moment(end, "end", tz, zone) if end is not None
            else data["end"].max() if len(data) else first + pd.Timedelta(days=7))
    data = data[(data["end"] > first) & (data["start"] < last)]
    amounts = has_amounts(data)
    # recorded hours with no time of day: bars of their length from the work start, for people without
    # cells (in a cell, recorded hours are its tick)
    with_cells = set(data.loc[amounts & ~data["kind"].isin(RECORDED).fillna(False).to_numpy(dtype=bool), "staff"])
    untimed = _untimed(data, amounts) & ~data["staff"].isin(with_cells).fillna(False).to_numpy(dtype=bool)
    if untimed.any():
        day_start = data.loc[untimed, "start"].dt.normalize() + pd.Timedelta(hours=UNTIMED_FROM_HOUR)
        data = data.copy()
        data.loc[untimed, "start"] = day_start
        data.loc[untimed, "end"] = day_start + pd.to_timedelta(
            pd.to_numeric(data.loc[untimed, "hours"].astype(object)).astype(float), unit="h")
    amounts = amounts & ~untimed
    data = data.assign(_untimed=untimed)
    demand = data["kind"].eq("placeholder").fillna(False).to_numpy(dtype=bool)
    people = sorted(data.loc[~demand, "staff"].unique(), key=lambda s: str(s).casefold())
    wanted = sorted(set(data.loc[demand, "staff"]) - set(people), key=lambda s: str(s).casefold())
    rows = [*people, *wanted] or ["(nobody)"]
    row_of = {name: i for i, name in enumerate(rows)}

    made = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(12, max(2.5, 0.38 * len(rows) + 1.6)), layout="constrained")
    if data.empty:
        _empty(ax, first, last, by)
        return ax
    chosen = _auto_colour(data) if color_by == "auto" else color_by
    colour_column = _COLOUR_COLUMNS.get(chosen or "", chosen)
    if colour_column not in data:  # a normalised frame names them plainly: client, job, source
        colour_column = chosen
    bars = data[~amounts]
    if colour_column and colour_column in bars:
        colours, legend = _colours(bars[colour_column])
    else:
        colours, legend = pd.Series([(0.2, 0.45, 0.7, 1.0)] * len(bars), index=bars.index, dtype=object), {}

    left = mdates.date2num(bars["start"].to_numpy())
    width = mdates.date2num(bars["end"].to_numpy()) - left
    for key, index in bars.groupby(["staff", "kind", "_untimed"], sort=False).indices.items():
        name, kind, no_time = cast(tuple[str, str, bool], key)
        height, alpha, hatch = _STYLE.get(kind, _STYLE["booking"])
        base = row_of[name] - 0.35 if kind in _THIN else row_of[name] + 0.42 - height if kind in _BOTTOM \
            else row_of[name] - height / 2
        ax.broken_barh(list(zip(left[index], width[index])), (base, height),
                       facecolors=[(*c[:3], alpha * (0.45 if no_time else 1)) for c in colours.iloc[index]],
                       edgecolor="black" if kind in _THIN else "none", linewidth=0.3,
                       linestyle="dotted" if no_time else "solid", hatch="...." if no_time else hatch,
                       label=f"_{kind} {name}", gid=f"{kind}:{name}" + (":untimed" if no_time else ""))
    cells = _draw_load(ax, frame, data, amounts, row_of, first, last, hours_per_day, capacity)
    if highlight_overlaps and len(bars):
        doubled = overlaps(bars[["staff", "start", "end", "kind"] + (["uuid"] if "uuid" in bars else [])])
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
    _shade(ax, first, last, len(rows), nights=len(bars) > 0)
    if wanted:  # a rule between the people and the demand for people
        ax.axhline(len(people) - 0.5, color=DEMAND_COLOUR, linewidth=0.8, linestyle="--", gid="demand-rule")
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
    ax.set_yticks(np.arange(len(rows)), [_label(str(r)) + (" · unfilled" if r in wanted else "") for r in rows])
    for tick, name in zip(ax.get_yticklabels(), rows):
        if name in wanted:
            tick.set_color(DEMAND_COLOUR)
            tick.set_fontstyle("italic")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    kinds_shown = sorted(set(bars["kind"]))
    handles = [Patch(facecolor="none" if k == "double-booked" else c, edgecolor=c if k in ("double-booked", "now")
                     else "none", label=k) for k, c in legend.items()]
    handles += [Patch(facecolor=(0.5, 0.5, 0.5, _STYLE[k][1]), hatch=_STYLE[k][2],
                      edgecolor="black" if k in _THIN else "none", label=_KIND_LABELS[k])
                for k in kinds_shown if k in _STYLE and len(kinds_shown) > 1]
    if bars["_untimed"].any():
        handles.append(Patch(facecolor=(0.5, 0.5, 0.5, 0.3), hatch="....", linestyle="dotted", edgecolor="black",
                             label=f"hours with no time of day (from {UNTIMED_FROM_HOUR:02d}:00)"))
    if cells:
        from matplotlib.lines import Line2D

        handles += [Patch(facecolor=colour, edgecolor="red" if bound == float("inf") else "none", label=text)
                    for bound, colour, text in LEVELS]
        handles.append(cast(Patch, Line2D([], [], color="black", linewidth=1.2, label="recorded hours (tick)")))
        if wanted:
            handles.append(Patch(facecolor=(0.48, 0.31, 0.63, 0.25), edgecolor=DEMAND_COLOUR, linestyle="dotted",
                                 label="unfilled demand"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False,
                  title=chosen if colour_column and colour_column in bars and legend else None)
        if made:  # a figure of ours: tall enough for its legend too (a few rows, many keys)
            figure = cast("Figure", ax.figure)
            width, height = figure.get_size_inches()
            figure.set_size_inches(width, max(height, 0.24 * (len(handles) + 1) + 1.0))
    drawn = [_KIND_LABELS.get(k, k) for k in kinds_shown]
    if cells:
        drawn.append("hours per day")
    ax.set_title(f"{', '.join(drawn) or 'nothing'} per {by}, {first:%d %b %Y} – {last:%d %b %Y}", loc="left",
                 fontsize="medium")
    return ax


def _untimed(data: pd.DataFrame, amounts: np.ndarray) -> np.ndarray:
    """Recorded hours with no time of day (an entry of 7 h on a day): amounts of recorded kinds within one day."""
    within_a_day = ((data["end"] - data["start"]) <= pd.Timedelta(days=1)).to_numpy()
    hours = pd.to_numeric(data["hours"].astype(object), errors="coerce").to_numpy(dtype=float) if "hours" in data \
        else np.full(len(data), np.nan)
    return amounts & data["kind"].isin(RECORDED).fillna(False).to_numpy(dtype=bool) & within_a_day & (hours > 0) & (hours <= 24)


def _draw_load(ax: Axes, frame: pd.DataFrame, data: pd.DataFrame, amounts: np.ndarray, row_of: dict[str, int],
               first: pd.Timestamp, last: pd.Timestamp, hours_per_day: float,
               capacity: pd.DataFrame | None) -> int:
    """The load cells of the people whose rows hold amounts of work (see ``_cells``); how many were drawn."""
    import matplotlib.dates as mdates

    if not amounts.any():
        return 0
    table = load(frame, freq="D", start=first, end=last, hours_per_day=hours_per_day, capacity=capacity)
    label = _row_labels(table, set(row_of))
    something = (table["planned_hours"].gt(0) | table["placeholder_hours"].gt(0) | table["time_off_hours"].gt(0)
                 | table["recorded_hours"].gt(0)).fillna(False)
    shown = (label.isin(set(data.loc[amounts, "staff"])) & something).to_numpy(dtype=bool)
    box = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())
    days = max(mdates.date2num(last) - mdates.date2num(first), 1e-9)
    return draw_cells(ax, table[shown], row_of, label[shown], box.width / days)


def _row_labels(table: pd.DataFrame, rows: set[str]) -> pd.Series:
    """Each load row's timeline row: the name, or ``"name (source)"`` where rows are kept apart by system."""
    tagged = table["staff"].fillna(table["staff_id"]) + " (" + table["source"].fillna("?") + ")"
    plain = table["staff"].fillna(table["staff_id"])
    return tagged.where(tagged.isin(rows), plain)


def _empty(ax: Axes, first: pd.Timestamp, last: pd.Timestamp, by: str) -> None:
    """A titled chart that says there is nothing to draw (not a blank one)."""
    import matplotlib.dates as mdates

    ax.set_xlim(mdates.date2num(first), mdates.date2num(last))
    ax.set_yticks([])
    ax.text(0.5, 0.5, "no rows to draw in this window", transform=ax.transAxes, ha="center", va="center",
            fontsize="large", color="0.4", gid="empty")
    ax.set_title(f"nothing per {by}, {first:%d %b %Y} – {last:%d %b %Y}", loc="left", fontsize="medium")
