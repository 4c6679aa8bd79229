"""One condition of the filter builder: a field, an operator that fits it, and a value editor that fits both.

Operators per kind of field:

============================ ====================================================================
field                        operators (value editor)
============================ ====================================================================
timestamp, date              on, before, on or after, between (date pickers), is empty, is set
int, float, money            = ≠ > < ≥ ≤ (number box), is empty, is set
flag                         is (yes/no)
named (staff, client, …,     is one of, is not one of (multi-select of names), is empty, is set
status)
text, other uuids            contains, starts with, =, ≠ (text box), is empty, is set
============================ ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ipywidgets as widgets

from ..core.filters.expr import Expr, F, FieldRef
from ..core.filters.values import FilterField

__all__ = ["ConditionRow", "Operator", "operators_for"]

Build = Callable[[FieldRef, Sequence[Any]], Expr]


@dataclass(frozen=True)
class Operator:
    """An operator the builder offers: its label, how many values it takes, and the expression it makes."""

    label: str
    values: int  # 0: none, 1: one, 2: a range
    build: Build


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


_TIME_OPERATORS = [
    Operator("on", 1, lambda f, v: (f >= v[0]) & (f < _day_after(v[0]))),
    Operator("before", 1, lambda f, v: f < v[0]),
    Operator("on or after", 1, lambda f, v: f >= v[0]),
    Operator("between", 2, lambda f, v: (f >= v[0]) & (f < _day_after(v[1]))),
]
_NUMBER_OPERATORS = [
    Operator(label, 1, build) for label, build in [
        ("=", lambda f, v: f == v[0]), ("≠", lambda f, v: f != v[0]), (">", lambda f, v: f > v[0]),
        ("<", lambda f, v: f < v[0]), ("≥", lambda f, v: f >= v[0]), ("≤", lambda f, v: f <= v[0]),
    ]
]
_NAME_OPERATORS = [
    Operator("is one of", 1, lambda f, v: f.isin(v[0])),
    Operator("is not one of", 1, lambda f, v: ~f.isin(v[0])),
]
_TEXT_OPERATORS = [
    Operator("contains", 1, lambda f, v: f.contains(v[0])),
    Operator("starts with", 1, lambda f, v: f.startswith(v[0])),
    Operator("=", 1, lambda f, v: f == v[0]),
    Operator("≠", 1, lambda f, v: f != v[0]),
]
_FLAG_OPERATORS = [Operator("is", 1, lambda f, v: f == v[0])]
_MISSING_OPERATORS = [
    Operator("is empty", 0, lambda f, v: f.isna()),
    Operator("is set", 0, lambda f, v: f.notna()),
]


def operators_for(field: FilterField, named: bool) -> list[Operator]:
    """The operators that fit ``field`` (``named``: its values are offered as a list of names)."""
    if field.kind in ("timestamp", "date"):
        return _TIME_OPERATORS + _MISSING_OPERATORS
    if field.kind in ("int", "float", "money"):
        return _NUMBER_OPERATORS + _MISSING_OPERATORS
    if field.kind == "flag":
        return _FLAG_OPERATORS
    if named:
        return _NAME_OPERATORS + _MISSING_OPERATORS
    return _TEXT_OPERATORS + _MISSING_OPERATORS


def _editor(field: FilterField, named: Sequence[tuple[str, Any]] | None) -> widgets.ValueWidget:
    layout = widgets.Layout(width="auto")
    if field.kind in ("timestamp", "date"):
        return widgets.DatePicker(description="", layout=widgets.Layout(width="11em"))
    if field.kind == "int":
        return widgets.IntText(layout=widgets.Layout(width="9em"))
    if field.kind in ("float", "money"):
        return widgets.FloatText(layout=widgets.Layout(width="9em"))
    if field.kind == "flag":
        return widgets.Dropdown(options=[("yes", True), ("no", False)], value=True, layout=layout)
    if named is not None:
        return widgets.SelectMultiple(options=list(named), rows=min(6, max(2, len(named))),
                                      layout=widgets.Layout(width="16em"))
    return widgets.Text(placeholder="text", layout=widgets.Layout(width="14em"))


class ConditionRow:
    """A row of the builder: field, operator and value editors, and a remove button.

    Attributes:
        field: Dropdown of the resource's field names.
        operator: Dropdown of the operators that fit the chosen field.
        editors: The value editors for the chosen field and operator (none, one, or two for a range).
        remove: The ✕ button.
        box: The row as one widget.
    """

    def __init__(self, fields: dict[str, FilterField], names: Callable[[str], list[tuple[str, Any]] | None],
                 on_change: Callable[[], None], field: str | None = None) -> None:
        self._fields = fields
        self._names = names
        self._on_change = on_change
        self.field = widgets.Dropdown(options=list(fields), value=field or next(iter(fields)),
                                      layout=widgets.Layout(width="15em"))
        self.operator = widgets.Dropdown(layout=widgets.Layout(width="9em"))
        self.editors: list[widgets.ValueWidget] = []
        self.values = widgets.HBox()
        self.remove = widgets.Button(description="✕", tooltip="remove this condition",
                                     layout=widgets.Layout(width="3em"))
        self.box = widgets.HBox([self.field, self.operator, self.values, self.remove])
        self.box.add_class("smexplore-condition")
        self._filling = False
        self._fill_operators()
        self.field.observe(lambda _: self._fill_operators(), names="value")
        self.operator.observe(lambda _: None if self._filling else self._fill_editors(), names="value")

    def _fill_operators(self) -> None:
        spec = self._fields[self.field.value]
        self._named = self._names(spec.name)
        self._filling = True  # new options reset the operator: build the editors once, below
        try:
            self.operator.options = [(op.label, op) for op in operators_for(spec, self._named is not None)]
            self.operator.value = self.operator.options[0][1]
        finally:
            self._filling = False
        self._fill_editors()

    def _fill_editors(self) -> None:
        spec, op = self._fields[self.field.value], self.operator.value
        count = op.values if op is not None else 0
        self.editors = [_editor(spec, self._named) for _ in range(count)]
        for editor in self.editors:
            editor.observe(lambda _: self._on_change(), names="value")
        self.values.children = self.editors
        self._on_change()

    def expression(self) -> Expr:
        """The condition this row states.

        Raises:
            ValueError: A value is still missing (the message says which).
        """
        values = [editor.value for editor in self.editors]
        if any(value is None or value == "" or value == () for value in values):
            raise ValueError(f"choose a value for {self.field.value}")
        return self.operator.value.build(F[self.field.value], values)
