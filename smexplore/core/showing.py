"""What the widgets ask a Session (FilterBuilder, Explorer): the part of ``BaseSession`` a system
overrides to show its resources well (which columns to offer, which hold names, what to preview,
what a timeline draws)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd

from .schema import Resource

__all__ = ["Showing"]


class Showing:
    """The widget hooks, with defaults that suit any system (``BaseSession`` has them)."""

    display_name: ClassVar[str]
    frame: Callable[..., pd.DataFrame]  # BaseSession.frame

    def _resource(self, name: str) -> Resource:
        raise NotImplementedError

    def filter_columns(self, resource: str) -> list[str]:
        """The columns a FilterBuilder offers for ``resource``: its fields in the table's order, then
        the columns the Session adds (``staff_name`` …). List fields (arrays kept as sent) are left
        out: no filter compares them.

        Raises:
            UnknownResourceError: No such resource.
        """
        spec = self._resource(resource)
        return [name for name, field in spec.fields.items() if field.kind != "list"] + list(spec.enriched)

    def named_columns(self, resource: str) -> dict[str, str]:
        """Columns of ``resource`` whose values a FilterBuilder offers as a list of names: column → the
        name column listing them (``staff_uuid`` → ``staff_name``; a name column maps to itself).
        None by default (fields with a fixed set of values are offered as a list anyway)."""
        return {}

    def preview_columns(self, resource: str) -> list[str]:
        """The columns the widgets' preview of a result shows first: those the Session adds (``staff_name`` …)."""
        return list(self._resource(resource).enriched)

    def _names(self, column: str) -> pd.Series:
        """The names a name column of ``named_columns`` shows, indexed by the related record's id."""
        raise KeyError(f"{self.display_name} lists no names for {column!r}")

    def _display_frame(self, resource: str, where: Any) -> pd.DataFrame:
        """The frame the widgets show for ``where``: ``frame(resource, where)``, with the names a system adds."""
        return self.frame(resource, where)

    def _timeline_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """What ``sm.timeline`` draws for a result of one of ``timeline_resources`` (the frame itself by default)."""
        return frame

