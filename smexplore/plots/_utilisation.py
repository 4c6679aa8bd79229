"""The utilisation heatmap and the load view: people down, periods across, planned work against capacity.

``plot_utilisation`` colours each person's share of available hours per week (or any period);
``plot_load`` draws each person's days as load cells (``_cells``), with their free hours in the
period beside them. Both read any system's timeline frame, or a table ``sm.utilisation`` /
``sm.load`` made. matplotlib is imported when a picture is drawn, not with this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..core.load import LOAD_DTYPES, load, utilisation
from ..core.spans import check_hours_per_day, require_frame
from ._cells import DEMAND_COLOUR, LEVELS, draw_cells

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_load", "plot_utilisation"]


def _people(table: pd.DataFrame) -> pd.Series:
    """Each row's person as shown: the name, with the system where the table holds several."""
    name = table["staff"].fillna(table["staff_id"]) if "staff_id" in table else table["staff"]
    if "source" in table and table["source"].nunique(dropna=True) > 1:
        return name + " (" + table["source"].fillna("?") + ")"
    return name


def _nothing(ax: Axes, title: str, why: str) -> Axes:
    ax.set_axis_off()
    ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", fontsize="large", color="0.4",
            gid="empty")
    ax.set_title(title, loc="left", fontsize="medium")
    return ax


def plot_utilisation(frame: pd.DataFrame, *, freq: str = "W", hours_per_day: float = 8, ax: Axes | None = None,
                     annotate: bool = True, column: str = "utilisation", **options: Any) -> Axes:
    """Draw utilisation per person per period as a heatmap (a fraction of available hours: 0.85 is 85 %).

    Args:
        frame: A ``utilisation()`` result (a Session's or ``sm.utilisation``'s), or anything
            ``utilisation()`` takes (it is computed).
        freq: Period length, as for ``utilisation`` (``"W"`` weeks, ``"D"`` days, ``"M"`` months).
        hours_per_day: Capacity of a working day.
        ax: Axes to draw on (a new figure when ``None``).
        annotate: Write each cell's percentage in it.
        column: What colours the cells: ``utilisation`` (planned) or ``recorded_utilisation``.
        **options: Passed to ``utilisation`` (``start``, ``end``, ``kinds``, ``capacity``).

    Raises:
        TypeError, ValueError: As ``utilisation`` (a frame is needed; hours above 0), or ``column``
            is neither measure.

    A table with no rows, or nothing but zeros, draws a titled chart that says so (not a blank).
    """
    import matplotlib.pyplot as plt

    require_frame(frame, "plot_utilisation")
    hours_per_day = check_hours_per_day(hours_per_day)
    if column not in ("utilisation", "recorded_utilisation"):
        raise ValueError(f"column must be 'utilisation' or 'recorded_utilisation', not {column!r}")
    given = {column, "period", "staff"} <= set(frame.columns)
    table = frame if given else utilisation(frame, freq=freq, hours_per_day=hours_per_day, **options)
    what = "planned" if column == "utilisation" else "recorded"
    title = f"Utilisation per person ({what} ÷ available hours" + (
        ")" if given else f", {freq}, {hours_per_day:g} h a working day)")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.7 * table["period"].nunique() + 3),
                                      max(2.5, 0.38 * table["staff"].nunique() + 1.5)), layout="constrained")
    if table.empty:
        return _nothing(ax, title, "no one to show: the table has no rows")
    values = pd.to_numeric(table[column].astype(object), errors="coerce").astype(float)
    if not (values.fillna(0) > 0).any():
        other = "recorded_utilisation" if column == "utilisation" else "utilisation"
        hint = f"\n(column={other!r} has some)" if other in table and (
            pd.to_numeric(table[other].astype(object), errors="coerce").fillna(0) > 0).any() else ""
        return _nothing(ax, title, f"nothing {what} in these periods: every cell would be 0 %{hint}")
    shown = table.assign(person=_people(table), value=values)
    grid = shown.pivot(index="person", columns="period", values="value")
    grid = grid.loc[:, grid.notna().any()]  # periods with no available hours at all (weekends by day) left out
    grid = grid.sort_index(key=lambda names: names.str.casefold())
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="RdYlGn_r", vmin=0, vmax=1.2,
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=f"{what} ÷ available hours", format=lambda v, _: f"{v:.0%}")
    ax.set_yticks(np.arange(grid.shape[0]), list(grid.index))
    ax.set_xticks(np.arange(grid.shape[1]), [f"{p:%d %b}" for p in grid.columns], rotation=45, ha="right")
    if annotate and grid.size <= 600:
        for (row, col), value in np.ndenumerate(grid.to_numpy(dtype=float)):
            if not np.isnan(value):
                ax.text(col, row, f"{value:.0%}", ha="center", va="center", fontsize="x-small")
    ax.set_title(title, loc="left", fontsize="medium")
    return ax


def plot_load(frame: pd.DataFrame, *, start: Any = None, end: Any = None, hours_per_day: float = 8,
              capacity: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """The load view: each person's days as cells filled by planned hours ÷ available hours (green
    under 85 %, amber to 100 %, red over and outlined), with the hours written in, time off greyed,
    recorded hours as a tick, placeholders (unfilled demand) last; and each person's free hours in
    the window at the right.

    Args:
        frame: A timeline frame of any systems (or an activities or allocations frame), or a daily
            ``sm.load`` table (``Session.load()``).
        start: First day shown (default: the frame's first).
        end: Last moment shown (default: the frame's last).
        hours_per_day: A working day's capacity where ``capacity`` says nothing.
        capacity: Capacity per person and day (``Session.capacity``).
        ax: Axes to draw on (a new figure sized to the rows when ``None``).

    Raises:
        TypeError, ValueError: As ``load``.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    require_frame(frame, "plot_load")
    hours_per_day = check_hours_per_day(hours_per_day)
    table = frame if set(LOAD_DTYPES) <= set(frame.columns) else load(
        frame, freq="D", start=start, end=end, hours_per_day=hours_per_day, capacity=capacity)
    if start is not None:
        table = table[table["period"] >= pd.Timestamp(start).tz_localize(None).normalize()]
    if end is not None:
        table = table[table["period"] < pd.Timestamp(end).tz_localize(None)]
    label = _people(table)
    demand = table["placeholder"].fillna(False).to_numpy(dtype=bool)
    people = sorted(set(label[~demand]), key=str.casefold)
    wanted = sorted(set(label[demand]) - set(people), key=str.casefold)
    rows = [*people, *wanted]
    made = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(12, max(2.5, 0.38 * len(rows) + 1.6)), layout="constrained")
    title = "Load per person and day (planned ÷ available hours)"
    if table.empty:
        return _nothing(ax, title, "no one to show in this window")
    first, last = table["period"].min(), table["period"].max() + pd.Timedelta(days=1)
    row_of = {name: i for i, name in enumerate(rows)}
    ax.set_xlim(mdates.date2num(first), mdates.date2num(last))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    box = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())
    something = (table["planned_hours"].gt(0) | table["placeholder_hours"].gt(0) | table["time_off_hours"].gt(0)
                 | table["recorded_hours"].gt(0) | table["available_hours"].gt(0)).fillna(False).to_numpy(dtype=bool)
    draw_cells(ax, table[something], row_of, label[something], box.width / max((last - first).days, 1))
    weekend = [(mdates.date2num(d), 1.0) for d in pd.date_range(first, last - pd.Timedelta(days=1)) if d.day_of_week >= 5]
    ax.broken_barh(weekend, (-0.5, len(rows)), facecolors=(0.5, 0.5, 0.5, 0.15), zorder=0, gid="weekend")
    free = table[~demand].assign(person=label[~demand]).groupby("person")["free_hours"].sum()
    for name, hours in free.items():
        ax.text(1.01, row_of[name], f"{hours:+.1f} h free" if hours < 0 else f"{hours:.1f} h free",
                transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize="small",
                color="red" if hours < 0 else "black", gid="free")
    if wanted:
        ax.axhline(len(people) - 0.5, color=DEMAND_COLOUR, linewidth=0.8, linestyle="--")
    ax.set_yticks(np.arange(len(rows)), [r + (" · unfilled" if r in wanted else "") for r in rows])
    for tick, name in zip(ax.get_yticklabels(), rows, strict=True):
        if name in wanted:
            tick.set_color(DEMAND_COLOUR)
            tick.set_fontstyle("italic")
    days = (last - first).days
    if days <= 14:  # a label a day
        ax.xaxis.set_major_locator(mdates.DayLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d"))
    elif days <= 62:  # a label each Monday
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
    else:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize="small")
    from matplotlib.lines import Line2D

    handles: list[Any] = [Patch(facecolor=colour, edgecolor="red" if bound == float("inf") else "none", label=text)
                          for bound, colour, text in LEVELS]
    handles.append(Line2D([], [], color="black", linewidth=1.2, label="recorded hours (tick)"))
    if wanted:
        handles.append(Patch(facecolor=(0.48, 0.31, 0.63, 0.25), edgecolor=DEMAND_COLOUR, linestyle="dotted",
                             label="unfilled demand"))
    if made:  # below the axes, whatever their height (constrained layout makes room)
        cast("Figure", ax.figure).legend(handles=handles, loc="outside lower left", ncols=len(handles),
                                         fontsize="small", frameon=False)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.08), ncols=len(handles),
                  fontsize="small", frameon=False)
    ax.set_title(f"{title}, {first:%d %b} – {last - pd.Timedelta(days=1):%d %b %Y}; free hours in the window at the "
                 "right", loc="left", fontsize="medium")
    return ax
