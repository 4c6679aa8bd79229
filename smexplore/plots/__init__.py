"""Plots: per-staff timelines and the utilisation heatmap (matplotlib)."""

from ._timeline import timeline
from ._utilisation import plot_utilisation

__all__ = ["plot_utilisation", "timeline"]
