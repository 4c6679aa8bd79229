"""The utilisation heatmap: staff members down, periods across, booked share of capacity as colour.

matplotlib is imported when a heatmap is drawn, not with this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.spans import check_hours_per_day, require_frame, utilisation

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_utilisation"]


def plot_utilisation(frame: pd.DataFrame, *, freq: str = "W", hours_per_day: float = 8, ax: Axes | None = None,
                     annotate: bool = True, **options: Any) -> Axes:
    """Draw utilisation per staff member per period as a heatmap.

    Args:
        frame: A ``utilisation()`` result, or anything ``utilisation()`` takes (it is computed).
        freq: Period length, as for ``utilisation`` (``"W"`` weeks, ``"D"`` days, ``"M"`` months).
        hours_per_day: Capacity of a working day.
        ax: Axes to draw on (a new figure when ``None``).
        annotate: Write each cell's percentage in it.
        **options: Passed to ``utilisation`` (``start``, ``end``, ``kinds``).

    Raises:
        TypeError, ValueError: As ``utilisation`` (a frame is needed; hours above 0).
    """
    import matplotlib.pyplot as plt

    require_frame(frame, "plot_utilisation")
    hours_per_day = check_hours_per_day(hours_per_day)
    table = frame if {"utilisation", "period", "staff"} <= set(frame.columns) else utilisation(
        frame, freq=freq, hours_per_day=hours_per_day, **options)
    grid = table.pivot(index="staff", columns="period", values="utilisation").astype(float)
    grid = grid.sort_index(key=lambda names: names.str.casefold())
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.7 * grid.shape[1] + 3), max(2.5, 0.38 * grid.shape[0] + 1.5)),
                             layout="constrained")
    image = ax.imshow(grid.to_numpy(), aspect="auto", cmap="RdYlGn_r", vmin=0, vmax=1.2, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="booked ÷ capacity", format=lambda v, _: f"{v:.0%}")
    ax.set_yticks(np.arange(grid.shape[0]), list(grid.index))
    ax.set_xticks(np.arange(grid.shape[1]), [f"{p:%d %b}" for p in grid.columns], rotation=45, ha="right")
    if annotate and grid.size <= 600:
        for (row, col), value in np.ndenumerate(grid.to_numpy()):
            if not np.isnan(value):
                ax.text(col, row, f"{value:.0%}", ha="center", va="center", fontsize="x-small")
    ax.set_title(f"Utilisation per staff member ({freq}, {hours_per_day:g} h a working day)", loc="left",
                 fontsize="medium")
    return ax
