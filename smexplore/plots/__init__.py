"""Plots: per-person timelines, the load view and the utilisation heatmap (matplotlib)."""

from ._timeline import timeline
from ._utilisation import plot_load, plot_utilisation

__all__ = ["plot_load", "plot_utilisation", "timeline"]
