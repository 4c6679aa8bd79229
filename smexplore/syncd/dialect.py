"""Syncd's server dialect: what its lists can select, by path and parameter; everything else runs locally.

Syncd documents no filter expressions. What its API can select is which list is asked for, and a
few parameters (``shared/source-docs/syncd-jobs.txt``, ``shared/reference/other-systems.md`` §C):

=============================================== ============================================
condition (frame column)                        sent as
=============================================== ============================================
jobs ``F.effectively_active == True``           ``/jobs/active.xml``
jobs ``F.active == False``                      ``/jobs/inactive.xml``
jobs ``F.parent_id == 92``                      ``/jobs/92/children.xml``
jobs ``F.parent_id.isna()``                     ``/jobs/root/children.xml``
jobs ``F.allow_time_entries == True``           ``?for=time``
jobs ``F.allow_expense_entries == True``        ``?for=expenses``
users ``F.active == True`` / ``== False``       ``/users/active.xml`` / ``/users/inactive.xml``
time entries ``F.user_id == 5``, ``F.job_id``   ``?user_id=5``, ``?job_id=…``
time entries ``F.date >= d``, ``>``, ``<=``,    ``?start_date=…``, ``?end_date=…`` (whole days,
``<``, ``==``                                   both ends included)
=============================================== ============================================

Combined, they make one request: ``/jobs/92/children/active.xml?for=time``. Every condition sent is
checked again on the frame (``explain`` says "both"), so the answer is always the one a local
filter gives, whatever the server adds or reads differently: the documents say "ancestor jobs will
always be included, even if they don't meet the criteria of the filters", and they do not say
whether the active job list holds the jobs whose own ``active`` is set or those *effectively*
active (none of whose ancestors is inactive). The conditions sent for those paths are the ones
whose rows both readings include: every effectively active job is active, and every job whose own
flag is off is inactive under either reading; so ``F.active == True`` and
``F.effectively_active == False`` run locally. The time-entry parameters are not in the
documents' excerpt (the list section of the time-entries page was not seen): they are the
emulator's reading of "filter by user, job and date", sent because a server that ignores them
still answers a superset, which the local check then narrows.

Every other condition, and every condition on ``job_types`` and ``job_assignments`` (no filter in
the documents), runs on the frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..core.filters.expr import Compare, Expr, IsIn, Missing, Not, Or
from ..core.filters.plan import Context, Form
from ..core.filters.values import FilterField
from ..core.schema import Resource

__all__ = ["PATH_PARAMETERS", "SyncdDialect", "list_path"]

PATH_PARAMETERS = ("scope", "parent")
"""The dialect's parameters that choose the path (``list_path``), not the query."""

_AGAIN = "; checked again here"
_FLAGS: dict[str, dict[tuple[str, bool], tuple[str, str, str]]] = {
    "jobs": {
        ("effectively_active", True): (
            "scope", "active", "/jobs/active.xml holds every effectively active job (and their ancestors)"),
        ("active", False): (
            "scope", "inactive", "/jobs/inactive.xml holds every job whose own flag is off (and their ancestors)"),
        ("allow_time_entries", True): (
            "for", "time", "for=time holds the jobs that take time entries (and their ancestors)"),
        ("allow_expense_entries", True): (
            "for", "expenses", "for=expenses holds the jobs that take expense entries (and their ancestors)"),
    },
    "users": {
        ("active", True): ("scope", "active", "/users/active.xml holds the active users"),
        ("active", False): ("scope", "inactive", "/users/inactive.xml holds the inactive users"),
    },
}
_LOCAL_FLAGS = {
    ("active", True): "the active job list may hold the effectively active jobs only (the documents do not say): "
                      "active == True runs here",
    ("effectively_active", False): "the inactive job list may hold only the jobs whose own flag is off (the "
                                   "documents do not say): effectively_active == False runs here",
}
_IDS = {"time_entries": ("user_id", "job_id")}
_DAY = pd.Timedelta(days=1)


def list_path(base: str, params: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The path and query of a list with the dialect's parameters (``scope``, ``parent``, the rest in the query).

    ``list_path("/jobs.xml", {"parent": "92", "scope": "active", "for": "time"})`` →
    ``("/jobs/92/children/active.xml", {"for": "time"})``.
    """
    query = dict(params)
    scope, parent = query.pop("scope", None), query.pop("parent", None)
    stem = base.removesuffix(".xml")
    if parent is not None:
        stem = f"{stem}/{parent}/children"
    return (f"{stem}/{scope}.xml" if scope is not None else f"{stem}.xml"), query


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}"


def _whole_id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < 1:
        return None
    return int(value)


class SyncdDialect:
    """What one Syncd list can select (see the module)."""

    name = "request"
    max_conditions: int | None = None

    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def __repr__(self) -> str:
        return f"SyncdDialect({self.resource.name!r})"

    def form(self, condition: Expr, field: FilterField | None, value: Any, context: Context) -> Form:
        name = self.resource.name
        where = f"Syncd's {self.resource.path}"
        if name not in _FLAGS and name not in _IDS:
            return Form((), True, f"{where} takes no filter: it runs here")
        if isinstance(condition, (Or, Not)):
            return Form((), True, f"{where} takes one condition per parameter, joined by 'and': "
                                  f"'{'|' if isinstance(condition, Or) else '~'}' runs here")
        if field is None:
            return Form((), True, "no field to send it by")
        if isinstance(condition, IsIn) and len(condition.values) == 1:
            condition, value = Compare(condition.field, "==", condition.values[0]), value[0]
        if name == "jobs" and field.name == "parent_id":
            return self._parent(condition, value)
        if name == "time_entries" and field.name in _IDS[name]:
            return self._id(condition, field.name, value)
        if name == "time_entries" and field.name == "date" and isinstance(condition, Compare):
            return self._dates(condition.op, value)
        if isinstance(condition, Compare) and condition.op == "==" and isinstance(value, bool):
            key = (field.name, value)
            if key in _FLAGS.get(name, {}):
                slot, chosen, reason = _FLAGS[name][key]
                return Form((f"{slot}={chosen}",), True, reason + _AGAIN, 1)
            if name == "jobs" and key in _LOCAL_FLAGS:
                return Form((), True, _LOCAL_FLAGS[key])
        return Form((), True, f"{where} has no path or parameter for it: it runs here")

    def _parent(self, condition: Expr, value: Any) -> Form:
        if isinstance(condition, Missing) and condition.missing:
            return Form(("parent=root",), True, "/jobs/root/children.xml holds the top-level jobs" + _AGAIN, 0)
        job = _whole_id(value) if isinstance(condition, Compare) and condition.op == "==" else None
        if job is not None:
            return Form((f"parent={job}",), True, f"/jobs/{job}/children.xml holds the children of job {job}"
                                                  + _AGAIN, 0)
        return Form((), True, "only == one job id (or isna()) has a children list: it runs here")

    def _id(self, condition: Expr, column: str, value: Any) -> Form:
        chosen = _whole_id(value) if isinstance(condition, Compare) and condition.op == "==" else None
        if chosen is None:
            return Form((), True, f"{column}= takes one id: only == runs there, so this runs here")
        return Form((f"{column}={chosen}",), True, f"{column}={chosen} narrows the list" + _AGAIN, 0)

    def _dates(self, op: str, value: Any) -> Form:
        if op == "!=" or not isinstance(value, pd.Timestamp):
            return Form((), True, "start_date/end_date take a range of days: != runs here")
        day = value.normalize()
        midnight = day == value
        try:
            return self._days(op, day, midnight, value)
        except (OverflowError, ValueError):  # a day beyond what a timestamp holds (after 2262)
            return Form((), True, "a day beyond the frame's range of times: it runs here")

    def _days(self, op: str, day: pd.Timestamp, midnight: bool, value: pd.Timestamp) -> Form:
        if op == "==":
            if not midnight:
                return Form((), True, f"date is a day: none is at {value.time()}, so == matches nothing; it runs here")
            return Form((f"start_date={_day(day)}", f"end_date={_day(day)}"), True,
                        f"start_date and end_date {_day(day)} hold that day" + _AGAIN, 1)
        if op in (">", ">="):
            first = day if op == ">=" and midnight else day + _DAY
            return Form((f"start_date={_day(first)}",), True, f"days from {_day(first)} on" + _AGAIN, 1)
        last = day - _DAY if op == "<" and midnight else day
        return Form((f"end_date={_day(last)}",), True, f"days up to {_day(last)}" + _AGAIN, 1)

    def slot(self, sent: str) -> str:
        return sent.split("=", 1)[0]  # one scope, one parent, one for=, one of each parameter

    def query(self, sent: Sequence[str]) -> dict[str, str]:
        return dict(condition.split("=", 1) for condition in sent)

    def text(self, sent: Sequence[str]) -> str:
        path, query = list_path(self.resource.path, self.query(sent))
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
