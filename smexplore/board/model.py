"""What the schedule board shows, selects and writes, without a screen (``BoardModel``).

The board (``smexplore.Board``) draws this model: one period (a day, a week or a month) of every
Session's normalised timeline, one row per person, each record a bar (timed work at its times,
amounts of work as a day-long strip under them) and each person-day a load cell (planned hours
against the day's capacity). Moving to another period pulls only that period, once: a period seen
before is drawn from memory (and its pull was through the HTTP cache anyway). Tests, the
benchmark and the widget all use this model, so what the board would draw, select and write is
tested without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from ..core.errors import FilterError, InputError, ReadOnlyError, did_you_mean
from ..core.filters.evaluate import evaluate
from ..core.filters.expr import Expr, as_expression
from ..core.load import free_capacity, load
from ..core.schema import Field, Kind, Resource
from ..core.spans import as_moment, naive
from ..core.timeline import KINDS, TIMELINE_DTYPES, empty_timeline
from ..systems import SYSTEMS

__all__ = ["PERIODS", "Bar", "BoardModel", "Cell", "Row", "system_name", "text_of"]

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")
"""The lengths of period the board shows."""

WRITABLE_KINDS = {"booking": "jobactivity", "allocation": "joballocation"}
"""What a reassignment can move on a writable ServiceM8 Session: the resource behind each kind."""

_FILTER_KINDS: dict[str, Kind] = {"string": "text", "datetime64[ns]": "timestamp", "Float64": "float", "boolean": "flag"}
TIMELINE_RESOURCE = Resource(
    name="timeline", schema="timeline", scopes={}, required_on_create=(),
    fields={name: Field(name, _FILTER_KINDS[dtype], "str")
            for name, dtype in TIMELINE_DTYPES.items()})
"""The timeline's columns as a resource, so the board's filter is checked and run as any frame's."""


@dataclass(frozen=True)
class Row:
    """One person's row (or a placeholder's): ``label`` is ``"Name (System)"`` when several systems show."""

    source: str
    staff_id: str
    staff: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One record drawn: ``x0``/``x1`` are fractions of the period's width, ``lane`` ``"timed"`` (at its
    times) or ``"amount"`` (an amount of work for the day, drawn as a strip under the timed lane)."""

    key: str
    row: int
    x0: float
    x1: float
    lane: str
    kind: str
    source: str
    label: str
    text: str


@dataclass(frozen=True)
class Cell:
    """One person-day's load: planned hours against capacity (``level``: none, under, near, over)."""

    row: int
    x0: float
    x1: float
    level: str
    text: str


def _period_start(moment: pd.Timestamp, period: Period) -> pd.Timestamp:
    day = moment.normalize()
    if period == "week":
        return day - pd.Timedelta(days=day.day_of_week)
    if period == "month":
        return day.replace(day=1)
    return day


def _period_end(first: pd.Timestamp, period: Period) -> pd.Timestamp:
    if period == "month":
        return first + pd.offsets.MonthBegin(1)
    return first + pd.Timedelta(days=7 if period == "week" else 1)


def _hours(value: Any) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        else f"{float(value):.1f} h"


def _number(value: Any) -> float:
    """A number, 0 where missing."""
    return 0.0 if value is None or value is pd.NA or pd.isna(value) else float(value)


def text_of(value: Any) -> str:
    """A value as text, empty where missing."""
    return "" if value is None or value is pd.NA else str(value)


class BoardModel:
    """One period of one or several Sessions' schedules, as rows, bars and load cells.

    Args:
        sessions: The Sessions shown (any systems; the demo sessions work as they are).
        period: ``"day"``, ``"week"`` (from Monday) or ``"month"``.
        start: A moment in the first period shown (default: the first Session's now).
        hours_per_day: A working day's capacity where a system says nothing (see ``Session.capacity``).

    Raises:
        ValueError: No Session, two Sessions of one system, or an unknown period.
    """

    def __init__(self, *sessions: Any, period: Period = "week", start: Any = None, hours_per_day: float = 8) -> None:
        if not sessions:
            raise ValueError("give the board at least one Session, as in Board(sm.demo())")
        sources = [session.source for session in sessions]
        doubled = sorted({source for source in sources if sources.count(source) > 1})
        if doubled:
            raise ValueError(f"one Session per system: {', '.join(doubled)} is given twice")
        self.sessions: tuple[Any, ...] = tuple(sessions)
        self.hours_per_day = hours_per_day
        self.period: Period = self._check_period(period)
        first = naive(as_moment(start, "start")) if start is not None else naive(sessions[0].now)
        self.start = _period_start(first, self.period)
        self.systems: set[str] = set(sources)
        self.kinds: set[str] = set(KINDS)
        self.people: set[str] | None = None  # row labels; None: everyone
        self.search = ""
        self.where: Expr | None = None
        self.selected_key: str | None = None
        self.pulls: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []  # what was pulled, in order
        self._frames: dict[tuple[str, pd.Timestamp, pd.Timestamp], pd.DataFrame] = {}
        self._capacities: dict[tuple[str, pd.Timestamp, pd.Timestamp], pd.DataFrame] = {}
        self._writes = 0  # writes made: what was pulled before one is stale
        self._shown: tuple[tuple[Any, ...], tuple[pd.DataFrame, list[Row]]] | None = None
        self._free: tuple[tuple[Any, ...], pd.DataFrame] | None = None

    def __repr__(self) -> str:
        shown = ", ".join(session.source for session in self.sessions if session.source in self.systems) or "no system"
        selected = self.selected_key if self.selected_key is not None else "nothing"
        return f"<BoardModel {self.title}: {shown}; selected {selected}>"

    # --- the period --------------------------------------------------------------------------------
    @staticmethod
    def _check_period(period: Any) -> Period:
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}; got {period!r}"
                             f"{did_you_mean(str(period), PERIODS)}")
        return period

    @property
    def end(self) -> pd.Timestamp:
        """The end of the period shown (exclusive)."""
        return _period_end(self.start, self.period)

    @property
    def title(self) -> str:
        """The period in words, such as ``"Week of Mon 2 Mar 2026"``, ``"Tue 3 Mar 2026"`` or ``"March 2026"``."""
        if self.period == "month":
            return f"{self.start:%B %Y}"
        day = f"{self.start:%a} {self.start.day} {self.start:%b %Y}"
        return f"Week of {day}" if self.period == "week" else day

    def next(self) -> None:
        """Move to the next period."""
        self.start = _period_end(self.start, self.period)

    def previous(self) -> None:
        """Move to the previous period."""
        self.start = _period_start(self.start - pd.Timedelta(days=1), self.period)

    def today(self) -> None:
        """Move to the period holding the first Session's now."""
        self.go_to(naive(self.sessions[0].now))

    def go_to(self, moment: Any) -> None:
        """Move to the period holding ``moment`` (a date, a timestamp or ISO text)."""
        self.start = _period_start(naive(as_moment(moment, "date")), self.period)

    def set_period(self, period: Period) -> None:
        """Show a day, a week or a month, from the start of the one holding today's first day."""
        self.period = self._check_period(period)
        self.start = _period_start(self.start, self.period)

    # --- what is shown ------------------------------------------------------------------------------
    def set_filter(self, where: Expr | str | None) -> None:
        """A filter on the timeline's columns (``F.client == "Acme"``, or filter text).

        Raises:
            FilterError: It is malformed or names a column the timeline has not (the message names them).
        """
        expr = as_expression(where)
        if expr is not None:
            unknown = sorted(expr.fields() - set(TIMELINE_DTYPES))
            if unknown:
                raise FilterError(f"the board filters the timeline's columns; {', '.join(unknown)} is none of "
                                  f"them{did_you_mean(unknown[0], list(TIMELINE_DTYPES))} (columns: "
                                  f"{', '.join(TIMELINE_DTYPES)})")
        self.where = expr

    def frame(self) -> pd.DataFrame:
        """The period's timeline rows of every Session shown, after the filters (``source``, ``staff`` …,
        ``record_id``), in the timeline frame's columns and dtypes (a copy: yours to change)."""
        return self._shown_now()[0].copy()

    def _shown_now(self) -> tuple[pd.DataFrame, list[Row]]:
        """The frame and rows of the current period and filters: computed once per state, shared by
        ``rows``, ``bars``, ``cells`` and the selection (not to be changed)."""
        state = (self.start, self.period, frozenset(self.systems), frozenset(self.kinds),
                 None if self.people is None else frozenset(self.people), self.search, repr(self.where),
                 self._writes)
        if self._shown is None or self._shown[0] != state:
            frame = self._filtered()
            self._shown = (state, (frame, self._rows_of(frame)))
        return self._shown[1]

    def _filtered(self) -> pd.DataFrame:
        parts = [self._pulled(session) for session in self.sessions if session.source in self.systems]
        parts = [part for part in parts if len(part)]
        frame = pd.concat(parts, ignore_index=True) if parts else empty_timeline()
        keep = frame["kind"].isin(self.kinds).fillna(False).to_numpy(dtype=bool, copy=True)
        if self.search.strip():
            needle = self.search.strip().casefold()
            text = (frame["staff"].fillna("") + " " + frame["job"].fillna("") + " " + frame["client"].fillna(""))
            keep &= text.str.casefold().str.contains(needle, regex=False).fillna(False).to_numpy(dtype=bool)
        if self.where is not None and len(frame):
            keep &= evaluate(self.where, frame, TIMELINE_RESOURCE)
        frame = frame[keep]
        if self.people is not None:
            labels = self._labels(frame)
            frame = frame[labels.isin(self.people).to_numpy(dtype=bool)]
        return frame.reset_index(drop=True)

    def rows(self) -> list[Row]:
        """The people shown, in order: every person of the Sessions shown (so free people show too),
        then placeholders; only those with work in the period when a search or filter narrows it."""
        return list(self._shown_now()[1])

    def _rows_of(self, frame: pd.DataFrame) -> list[Row]:
        several = len({session.source for session in self.sessions}) > 1
        found: dict[tuple[str, str], Row] = {}
        narrowed = bool(self.search.strip()) or self.where is not None
        if not narrowed:
            for session in self.sessions:
                if session.source not in self.systems:
                    continue
                capacity = self._capacity(session)
                for staff_id, staff in _records(capacity[["staff_id", "staff"]].drop_duplicates()):
                    found[(session.source, str(staff_id))] = Row(session.source, str(staff_id), text_of(staff),
                                                                 self._label(text_of(staff), session, several))
        for source, staff_id, staff in _records(frame[["source", "staff_id", "staff"]].drop_duplicates()):
            key = (str(source), text_of(staff_id) or text_of(staff))
            if key not in found:
                session = self._session(str(source))
                found[key] = Row(str(source), key[1], text_of(staff), self._label(text_of(staff), session, several))
        rows = sorted(found.values(), key=lambda row: row.label.casefold())
        return [row for row in rows if self.people is None or row.label in self.people]

    def bars(self) -> list[Bar]:
        """Every record of the period as a bar (see ``Bar``)."""
        frame, rows = self._shown_now()
        row_of = {(row.source, row.staff_id): i for i, row in enumerate(rows)}
        first, width = self.start, (self.end - self.start).total_seconds()
        bars = []
        for index, record in enumerate(_records(frame)):
            row = row_of.get((str(record.source), text_of(record.staff_id) or text_of(record.staff)))
            if row is None:
                continue
            start, end = record.start, record.end
            hours = record.hours
            amount = hours is not pd.NA and not pd.isna(hours) and not math.isclose(
                float(hours), (end - start).total_seconds() / 3600, rel_tol=1e-9, abs_tol=1e-6)
            if amount:  # an amount of work for each day of its span: a strip over those days
                start, end = start.normalize(), max(end, start.normalize() + pd.Timedelta(days=1))
            x0 = max(0.0, (start - first).total_seconds() / width)
            x1 = min(1.0, (end - first).total_seconds() / width)
            if x1 <= x0:
                continue
            bars.append(Bar(key=self._key(record, index), row=row, x0=x0, x1=x1, lane="amount" if amount else "timed",
                            kind=str(record.kind), source=str(record.source),
                            label=text_of(record.job) or text_of(record.client) or str(record.kind),
                            text=self._describe(record, amount)))
        return bars

    def cells(self) -> list[Cell]:
        """Each person-day's load (planned hours ÷ available hours), for the rows shown."""
        frame, rows = self._shown_now()
        if not rows or self.period == "month" and len(rows) > 200:
            return []
        capacity = pd.concat([self._capacity(s) for s in self.sessions if s.source in self.systems], ignore_index=True)
        table = load(frame, freq="D", start=self.start, end=self.end - pd.Timedelta(microseconds=1),
                     hours_per_day=self.hours_per_day, capacity=capacity)
        row_of = {(row.source, row.staff_id): i for i, row in enumerate(rows)}
        width = (self.end - self.start).total_seconds()
        cells = []
        for entry in _records(table):
            row = row_of.get((str(entry.source), text_of(entry.staff_id)))
            if row is None:
                continue
            day = pd.Timestamp(entry.period)
            fraction = entry.load
            level = "none" if fraction is pd.NA or pd.isna(fraction) else \
                "over" if entry.over else "near" if float(fraction) >= 0.85 else "under"
            planned, available, free = (_number(entry.planned_hours), _number(entry.available_hours),
                                        _number(entry.free_hours))
            share = "" if level == "none" else f" ({float(fraction):.0%})"
            text = (f"{rows[row].label}, {day:%a} {day.day} {day:%b}: {planned:.1f} h planned of {available:.1f} h"
                    f"{share}; {free:.1f} h free")
            cells.append(Cell(row=row, x0=(day - self.start).total_seconds() / width,
                              x1=(day + pd.Timedelta(days=1) - self.start).total_seconds() / width,
                              level=level, text=text))
        return cells

    def free(self, at_least: float = 0.0) -> pd.DataFrame:
        """Who is free in the period, most free first: ``source``, ``staff_id``, ``staff`` and
        ``free_hours`` (capacity less time off and planned work, summed over the period's days)."""
        state = (self.start, self.period, frozenset(self.systems), self._writes, at_least)
        if self._free is None or self._free[0] != state:
            self._free = (state, self._free_hours(at_least))
        return self._free[1].copy()

    def _free_hours(self, at_least: float) -> pd.DataFrame:
        capacity = [self._capacity(s) for s in self.sessions if s.source in self.systems]
        columns = {"source": "string", "staff_id": "string", "staff": "string", "free_hours": "Float64"}
        if not capacity:
            return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
        parts = [self._pulled(s) for s in self.sessions if s.source in self.systems]
        frame = pd.concat([p for p in parts if len(p)] or [empty_timeline()], ignore_index=True)
        table = free_capacity(frame, freq="D", start=self.start, end=self.end - pd.Timedelta(microseconds=1),
                              hours_per_day=self.hours_per_day, capacity=pd.concat(capacity, ignore_index=True))
        summed = (table.groupby(["source", "staff_id", "staff"], dropna=False, sort=False)["free_hours"].sum()
                  .reset_index())
        summed = summed[summed["free_hours"] >= at_least].sort_values(
            ["free_hours", "staff"], ascending=[False, True], kind="stable")
        return summed.astype(columns).reset_index(drop=True)

    # --- selection ------------------------------------------------------------------------------------
    def bar(self, key: str) -> Bar:
        """The bar with this key (``KeyError`` if it is not shown)."""
        for bar in self.bars():
            if bar.key == key:
                return bar
        raise KeyError(f"no record {key!r} is shown in {self.title}")

    def select(self, key: str | None) -> pd.DataFrame:
        """Select a record by its bar's key (``None``: nothing); returns ``selected``."""
        if key is not None:
            self._row(key)  # KeyError when it is not shown
        self.selected_key = key
        return self.selected

    @property
    def selected(self) -> pd.DataFrame:
        """The selected record and the related ones shown (the same job's other bookings and allocations),
        the selected first, as timeline rows; empty when nothing is selected."""
        if self.selected_key is None:
            return empty_timeline().assign(selected=pd.Series(dtype="boolean"))
        frame = self._shown_now()[0]
        index = self._index_of(self.selected_key, frame)
        if index is None:
            return empty_timeline().assign(selected=pd.Series(dtype="boolean"))
        record = frame.iloc[index]
        same_job = (frame["source"] == record["source"]) & (frame["job_id"] == record["job_id"]).fillna(False)
        related = frame[same_job.to_numpy(dtype=bool)].copy()
        related["selected"] = pd.array(related.index == index, dtype="boolean")
        if pd.isna(record["job_id"]):
            related = frame.iloc[[index]].assign(selected=pd.array([True], dtype="boolean"))
        return related.sort_values(["selected", "start"], ascending=[False, True], kind="stable").reset_index(drop=True)

    # --- writes ---------------------------------------------------------------------------------------
    def writable(self, key: str) -> bool:
        """Whether the board can reassign or unallocate this record: a booking or allocation of a
        ServiceM8 Session opened with ``writable=True`` (the other systems are read-only)."""
        record = self._row(key)
        session = self._session(str(record["source"]))
        return bool(getattr(session.settings, "writable", False)) and str(record["kind"]) in WRITABLE_KINDS \
            and hasattr(session, "update") and not pd.isna(record["record_id"])

    def suggestions(self, key: str) -> pd.DataFrame:
        """Who could take the record: people of its system with free hours on its day, most free first
        (``staff_id``, ``staff``, ``free_hours``), its own person left out."""
        record = self._row(key)
        session = self._session(str(record["source"]))
        day = pd.Timestamp(record["start"]).normalize()
        frame = self._pulled(session)
        table = free_capacity(frame if len(frame) else empty_timeline(), freq="D", start=day,
                              end=day + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1),
                              hours_per_day=self.hours_per_day, capacity=self._capacity(session))
        table = table[(table["staff_id"] != record["staff_id"]).fillna(True).to_numpy(dtype=bool)]
        table = table.sort_values(["free_hours", "staff"], ascending=[False, True], kind="stable")
        return table[["staff_id", "staff", "free_hours"]].reset_index(drop=True)

    def reassign(self, key: str, staff_id: str) -> None:
        """Give the record to another person of its system (through the Session: checks, cache invalidated).

        Raises:
            ReadOnlyError: The record's Session cannot write it (see ``writable``).
            InputError: ``staff_id`` is nobody of that system.
            SMExploreError: The API refused the write; nothing changed here.
        """
        record, session = self._writable(key)
        people = set(self._capacity(session)["staff_id"].astype(str))
        if str(staff_id) not in people:
            raise InputError(f"{staff_id!r} is nobody on {session.source}'s schedule")
        session.update(WRITABLE_KINDS[str(record["kind"])], str(record["record_id"]), staff_uuid=str(staff_id))
        self._forget(session)

    def unallocate(self, key: str) -> None:
        """Take the record off the schedule (deleted through the Session; ServiceM8 keeps it, inactive).

        Raises:
            ReadOnlyError: The record's Session cannot write it.
            SMExploreError: The API refused the write; nothing changed here.
        """
        record, session = self._writable(key)
        session.delete(WRITABLE_KINDS[str(record["kind"])], str(record["record_id"]))
        self.selected_key = None
        self._forget(session)

    # --- internals ------------------------------------------------------------------------------------
    def _writable(self, key: str) -> tuple[pd.Series, Any]:
        record = self._row(key)
        if not self.writable(key):
            raise ReadOnlyError(f"{record['kind']} of {record['source']} cannot be changed from the board: only "
                                "ServiceM8 bookings and allocations, on a Session opened with writable=True")
        return record, self._session(str(record["source"]))

    def _pulled(self, session: Any) -> pd.DataFrame:
        """The period's timeline of one Session: pulled once per period (through its HTTP cache)."""
        memo = (session.source, self.start, self.end)
        if memo not in self._frames:
            self._frames[memo] = session.timeline_frame(start=self.start, end=self.end)
            self.pulls.append(memo)
        return self._frames[memo]

    def _capacity(self, session: Any) -> pd.DataFrame:
        memo = (session.source, self.start, self.end)
        if memo not in self._capacities:
            self._capacities[memo] = session.capacity(self.start, self.end, hours_per_day=self.hours_per_day)
        return self._capacities[memo]

    def _forget(self, session: Any) -> None:
        """Drop what was pulled of ``session``: the next draw asks it again (its cache was invalidated)."""
        for memo in [memo for memo in self._frames if memo[0] == session.source]:
            del self._frames[memo]
        self._writes += 1

    def _session(self, source: str) -> Any:
        for session in self.sessions:
            if session.source == source:
                return session
        raise KeyError(source)

    @staticmethod
    def _label(staff: str, session: Any, several: bool) -> str:
        name = staff or "(unnamed)"
        return f"{name} ({system_name(session.source)})" if several else name

    def _labels(self, frame: pd.DataFrame) -> pd.Series:
        several = len({session.source for session in self.sessions}) > 1
        names = frame["staff"].fillna("(unnamed)").astype(str)
        if not several:
            return names
        return names + " (" + frame["source"].map(lambda s: system_name(str(s))).astype(str) + ")"

    @staticmethod
    def _key(record: Any, index: int) -> str:
        ident = text_of(record.record_id) or f"row{index}"
        return f"{record.source}:{record.kind}:{ident}:{pd.Timestamp(record.start):%Y%m%dT%H%M}"

    def _index_of(self, key: str, frame: pd.DataFrame) -> int | None:
        for index, record in enumerate(_records(frame)):
            if self._key(record, index) == key:
                return index
        return None

    def _row(self, key: str) -> pd.Series:
        frame = self._shown_now()[0]
        index = self._index_of(key, frame)
        if index is None:
            raise KeyError(f"no record {key!r} is shown in {self.title}")
        return frame.iloc[index]

    def _describe(self, record: Any, amount: bool) -> str:
        what = text_of(record.job) or "(no job)"
        client = text_of(record.client)
        start, end = pd.Timestamp(record.start), pd.Timestamp(record.end)
        whole_days = start == start.normalize() and end == end.normalize()
        when = (f"{start:%a %d %b}" + (f" to {end - pd.Timedelta(days=1):%a %d %b}" if end - start > pd.Timedelta(days=1)
                                        and not amount else "") if amount or whole_days
                else f"{start:%a %d %b %H:%M}–{end:%H:%M}")
        hours = _hours(record.hours)
        parts = [f"{what}{' · ' + client if client else ''}", f"{text_of(record.staff) or '(unnamed)'}",
                 f"{str(record.kind).replace('_', ' ')}{' · ' + hours if hours else ''}", when,
                 system_name(str(record.source))]
        return " — ".join(parts)


def system_name(source: str) -> str:
    """A system's display name from the registry (``ServiceM8``), or ``source`` itself."""
    system = SYSTEMS.get(source)
    return system.display_name if system is not None else source


def _records(frame: pd.DataFrame) -> Iterator[Any]:
    """The frame's rows as named tuples (read by column name)."""
    return iter(frame.itertuples(index=False))
