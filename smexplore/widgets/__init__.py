"""ipywidgets for people who would rather click than type: a filter builder and an explorer."""

from ._builder import FilterBuilder
from ._explorer import Explorer

__all__ = ["Explorer", "FilterBuilder"]
