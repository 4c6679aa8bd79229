"""Filters run on a typed DataFrame, with the API's comparison semantics.

The same answers the server gives for the conditions it runs (see ``_wire_filter``):

- text, uuids and categories compare case-insensitively, blanks (``''`` or missing) as ``''``;
- a missing number, flag or time satisfies ``!=`` and nothing else;
- ``isna`` is true for NaT, ``<NA>`` and blank text; ``contains``/``startswith`` ignore case;
- a comparison with the zero date behaves as on the server: ``== zero`` means missing.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from ..schema import Resource
from .expr import And, Compare, Expr, IsIn, Leaf, Missing, Not, Or, TextMatch
from .values import TEXT_KINDS, ZERO, FilterField, coerce, resolve_field

__all__ = ["evaluate"]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le,
}
# A comparison with the zero date, for each operator: rows that are missing, present, all or none.
_ZERO_ANSWERS = {"==": "missing", "!=": "present", ">": "present", "<": "none", ">=": "all", "<=": "missing"}


def _folded(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("").str.casefold()


def _missing(column: pd.Series, field: FilterField) -> np.ndarray:
    if field.kind in TEXT_KINDS:
        return (_folded(column) == "").to_numpy(dtype=bool)
    return column.isna().to_numpy(dtype=bool)


class _Evaluator:
    def __init__(self, frame: pd.DataFrame, resource: Resource, tz: str | None) -> None:
        self.frame = frame
        self.resource = resource
        self.tz = tz

    def column(self, field: FilterField) -> pd.Series:
        if field.name in self.frame:
            return self.frame[field.name]
        return pd.Series(pd.NA, index=self.frame.index, dtype="string")  # a custom field no record has

    def mask(self, node: Expr) -> np.ndarray:
        if isinstance(node, And):
            return reduce(np.logical_and, (self.mask(part) for part in node.parts))
        if isinstance(node, Or):
            return reduce(np.logical_or, (self.mask(part) for part in node.parts))
        if isinstance(node, Not):
            return ~self.mask(node.part)
        assert isinstance(node, Leaf)
        field = resolve_field(self.resource, node.field)
        column = self.column(field)
        if isinstance(node, Missing):
            missing = _missing(column, field)
            return missing if node.missing else ~missing
        if isinstance(node, TextMatch):
            folded, text = _folded(column), node.text.casefold()
            found = folded.str.contains(text, regex=False) if node.how == "contains" else folded.str.startswith(text)
            return found.to_numpy(dtype=bool)
        if isinstance(node, IsIn):
            masks = [self.compare(column, field, "==", value) for value in node.values]
            return reduce(np.logical_or, masks, np.zeros(len(self.frame), dtype=bool))
        assert isinstance(node, Compare)
        return self.compare(column, field, node.op, node.value)

    def compare(self, column: pd.Series, field: FilterField, op: str, raw: Any) -> np.ndarray:
        value = coerce(field, raw, self.resource, self.tz)
        if field.kind in TEXT_KINDS:
            return _OPS[op](_folded(column), value.casefold()).to_numpy(dtype=bool)
        if field.kind in ("timestamp", "date"):
            if value is ZERO:
                answer = _ZERO_ANSWERS[op]
                if answer in ("all", "none"):
                    return np.full(len(column), answer == "all")
                missing = column.isna().to_numpy(dtype=bool)
                return missing if answer == "missing" else ~missing
            if getattr(column.dtype, "tz", None) is not None:
                column = column.dt.tz_localize(None)  # compare wall clocks, as the server compares its strings
        result = _OPS[op](column, value)
        # Missing values (NaT, <NA>) satisfy != and nothing else, as on the server.
        return result.fillna(op == "!=").to_numpy(dtype=bool) if hasattr(result, "fillna") else np.asarray(result)


def evaluate(where: Expr, frame: pd.DataFrame, resource: Resource, tz: str | None = None) -> np.ndarray:
    """Which rows of ``frame`` (a typed frame of ``resource``) ``where`` keeps, as a boolean array.

    Enriched columns the filter names must be in the frame (``enrich`` adds them).
    """
    return _Evaluator(frame, resource, tz).mask(where)
