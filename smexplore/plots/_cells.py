"""Load cells: hours given as amounts of work drawn as hours, one cell per person and day.

A Ruddr allocation of 6.5 h on a day, an Accelo task's budget, a Syncd entry of 7 h with no start
time have no times of day: drawn as bars they would fill the day whatever their size. Instead each
person's day gets a cell (``core.load``) whose fill rises with planned hours ÷ that day's available
hours, coloured by where that leaves the person (``LEVELS``: green under 85 %, amber up to 100 %,
red over, and outlined in red); the hours are written in it where a day is wide enough, time off
greys the cell's top, recorded hours are a black tick at their level on the cell's right, and a
placeholder's cells (demand, not a person) are dotted outlines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DEMAND_COLOUR", "LEVELS", "draw_cells", "has_amounts", "level_colour"]

LEVELS: tuple[tuple[float, str, str], ...] = (
    (0.85, "#8bc34a", "under 85 % of capacity"),
    (1.0 + 1e-9, "#ffb300", "85–100 % of capacity"),
    (float("inf"), "#e53935", "over capacity (!)"),
)
"""(upper bound of planned ÷ available, colour, legend text), from the least loaded."""
DEMAND_COLOUR = "#7b4fa0"


def level_colour(fraction: float) -> str:
    """The colour of a day planned to ``fraction`` of its available hours."""
    return next(colour for bound, colour, _ in LEVELS if fraction < bound)
_INSET = 0.08  # of a day, each side
_HALF = 0.4  # of a row, each side of its centre


def _hours(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") + "h"


def draw_cells(ax: Axes, table: pd.DataFrame, row_of: dict[str, int], label_of: pd.Series, day_width: float) -> int:
    """Draw ``core.load``'s daily rows of the people in ``row_of`` as cells; returns how many.

    Args:
        ax: The timeline's axes (dates on x, rows on y, y inverted).
        table: ``load(..., freq="D")`` rows to draw (only days with something to show).
        row_of: Row label → row number.
        label_of: ``table``'s row label for each of its rows (same index).
        day_width: Inches one day takes on the axes (hours are written when they fit).
    """
    import matplotlib.dates as mdates
    from matplotlib.collections import LineCollection, PolyCollection

    if table.empty:
        return 0
    Colour = str | tuple[float, float, float, float]
    fills: list[list[tuple[float, float]]] = []
    fill_colours: list[Colour] = []
    frames: list[list[tuple[float, float]]] = []
    frame_styles: list[tuple[Colour, str, float]] = []
    offs: list[list[tuple[float, float]]] = []
    ticks: list[list[tuple[float, float]]] = []
    for row, label in zip(table.to_dict("records"), label_of.tolist(), strict=True):
        y = row_of[str(label)]
        x0 = mdates.date2num(row["period"]) + _INSET
        x1 = x0 + 1 - 2 * _INSET
        top, bottom = y - _HALF, y + _HALF
        height = bottom - top
        demand = bool(row["placeholder"])
        planned = float(row["placeholder_hours"] if demand else row["planned_hours"])
        available = float(row["available_hours"]) if pd.notna(row["available_hours"]) else 0.0
        capacity = float(row["capacity_hours"]) if pd.notna(row["capacity_hours"]) else 0.0
        frames.append([(x0, top), (x1, top), (x1, bottom), (x0, bottom)])
        if demand:
            frame_styles.append((DEMAND_COLOUR, "dotted", 1.0))
            share = min(planned / 8, 1.0)
            fills.append([(x0, bottom - share * height), (x1, bottom - share * height), (x1, bottom), (x0, bottom)])
            fill_colours.append((0.48, 0.31, 0.63, 0.25))
        else:
            over = bool(row["over"])
            frame_styles.append(("red", "solid", 1.6) if over else ((0.45, 0.45, 0.45, 0.6), "solid", 0.5))
            fraction = planned / available if available > 0 else (float("inf") if planned > 0 else 0.0)
            share = min(fraction, 1.0)
            if share > 0:
                fills.append([(x0, bottom - share * height), (x1, bottom - share * height), (x1, bottom),
                              (x0, bottom)])
                fill_colours.append(level_colour(fraction))
            if capacity > 0 and float(row["time_off_hours"]) > 0:
                off = min(float(row["time_off_hours"]) / capacity, 1.0) * height
                offs.append([(x0, top), (x1, top), (x1, top + off), (x0, top + off)])
            recorded = float(row["recorded_hours"])
            if recorded > 0 and available > 0:
                level = bottom - min(recorded / available, 1.0) * height
                ticks.append([(x1 - (x1 - x0) * 0.3, level), (x1, level)])
        if day_width >= 0.32 and (planned > 0 or demand):
            over_text = "!" if not demand and bool(row["over"]) else ""
            ax.text((x0 + x1) / 2, y, _hours(planned) + over_text, ha="center", va="center",
                    fontsize="x-small" if day_width >= 0.55 else 6, color="black",
                    fontweight="bold" if over_text else "normal", zorder=7, gid="cell-hours")
    if offs:
        ax.add_collection(PolyCollection(offs, facecolors=(0.55, 0.55, 0.55, 0.45), edgecolors="none", hatch="xx",
                                         zorder=3, gid="cells-time-off"))
    if fills:
        ax.add_collection(PolyCollection(fills, facecolors=fill_colours, edgecolors="none", zorder=3,
                                         gid="cells-planned"))
    edge, style, width = zip(*frame_styles)
    ax.add_collection(PolyCollection(frames, facecolors="none", edgecolors=list(edge), linestyles=list(style),
                                     linewidths=list(width), zorder=4, gid="cells"))
    if ticks:
        ax.add_collection(LineCollection(ticks, colors="black", linewidths=1.2, zorder=6, gid="cells-recorded"))
    return len(frames)


def has_amounts(data: pd.DataFrame) -> np.ndarray:
    """Which span rows hold an amount of work (``hours`` not their span's length), for ``draw_cells``."""
    if "hours" not in data:
        return np.zeros(len(data), dtype=bool)
    hours = pd.to_numeric(data["hours"].astype(object), errors="coerce").astype(float)
    length = (data["end"] - data["start"]).dt.total_seconds() / 3600
    return (hours.notna() & ~np.isclose(hours, length, rtol=1e-9, atol=1e-6)).to_numpy()
