"""The query planner end to end: what ``where=`` sends as ``$filter`` and what it runs locally.

The planner's promise (``smexplore/_plan.py``) is that splitting a filter between the server and
the DataFrame never changes the answer. The property tests here check that against a real emulator
on loopback: for random filters over the small demo account's own values (real uuids, names,
statuses, times, numbers and flags; zero dates and blanks; conditions some record is known to meet,
often more of them than the API takes), ``Session.frame`` must return exactly the records that
evaluating the whole filter locally on *every* record returns; the server must never be sent a
``$filter`` it refuses, nor more than 10 conditions; and the ``$filter`` sent, given back as
``where=``, must answer as its own local evaluation.

Then the same in a session with a time zone (aware and naive values; times at clock changes), values
the ``$filter`` grammar cannot carry, and session-level behaviour: pulls, explain(), errors before
any request, enrichment columns, time zones.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore import F
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.expr import FieldRef
from smexplore.core.filters.text import MAX_CONDITIONS, FilterSyntaxError, parse_filter_text
from smexplore.core.filters.values import ORDERED_KINDS, TEXT_KINDS
from smexplore.emulator import Emulator
from smexplore.servicem8.enrich import enriched_columns
from smexplore.servicem8.resources import get_resource

ANCHOR = pd.Timestamp("2026-03-02 12:00:00")  # the demo account's "now"
SYDNEY = "Australia/Sydney"
ZERO_DATES = ("0000-00-00 00:00:00", "", "0000-00-00")
# Sydney's clock changes around the account's year: 03:00 → 02:00 (an hour twice), 02:00 → 03:00 (an hour missing).
DST_CHANGES = (pd.Timestamp("2025-04-06 02:00"), pd.Timestamp("2025-10-05 02:00"), pd.Timestamp("2026-04-05 02:00"))
_DST_MARGIN = pd.Timedelta(hours=2)


def _near_dst(stamp: Any) -> bool:
    """Whether a wall-clock time is within two hours of one of Sydney's clock changes."""
    if isinstance(stamp, str) or pd.isna(stamp):
        return False
    stamp = pd.Timestamp(stamp)
    stamp = stamp.tz_convert(SYDNEY).tz_localize(None) if stamp.tzinfo is not None else stamp
    return any(abs(stamp - change) <= _DST_MARGIN for change in DST_CHANGES)


PLANNED = ("jobactivity", "job", "joballocation")  # the resources the property tests cover


# --- sessions and the account's data ----------------------------------------------------------
def _connect(emulator: Emulator, folder: Path, timezone: str | None = None) -> sm.Session:
    # A cache of its own (repeat pulls come from SQLite and the frame memo) and no client-side throttling.
    return sm.connect(emulator.api_key, base_url=emulator.base_url, cache=folder, timezone=timezone, progress=False,
                      per_minute=1_000_000, per_day=10_000_000)


@pytest.fixture(scope="module")
def session(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.Session]:
    """A module-wide session (hypothesis tests cannot use function-scoped fixtures)."""
    with _connect(emulator, tmp_path_factory.mktemp("plan-cache")) as s:
        yield s


@pytest.fixture(scope="module")
def sydney(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.Session]:
    """A module-wide session whose timestamps are localised to Australia/Sydney."""
    with _connect(emulator, tmp_path_factory.mktemp("plan-cache-tz"), SYDNEY) as s:
        yield s


@dataclass
class Pool:
    """One resource's records (all of them, enriched) and the values a filter may be built from."""

    resource: str
    full: pd.DataFrame  # every record, deleted ones too, enriched, in the session's time zone
    plain: pd.DataFrame  # the same rows with naive wall times (what filter values are built from)
    values: dict[str, list[Any]]  # field → some of its values in the account (naive wall times for timestamps)
    kinds: dict[str, str]  # field (own, custom and enriched) → kind
    tz: str | None
    rows: list[int] = dataclass_field(default_factory=list)  # records conditions may be built to meet
    shared: dict[str, list[str]] = dataclass_field(default_factory=dict)  # enriched names several records have
    avoid_dst: bool = False  # build no time within two hours of a clock change (the session has a zone)

    def __repr__(self) -> str:  # hypothesis prints the fixtures of a failing example
        return f"<Pool {self.resource} tz={self.tz} ({len(self.full)} records)>"


def _sample(values: Any, limit: int = 60) -> list[Any]:
    unique = pd.Series(values).dropna().drop_duplicates()
    return unique.sample(min(limit, len(unique)), random_state=0).tolist() if len(unique) else []


def _build_pool(session: sm.Session, naive: sm.Session, resource: str) -> Pool:
    spec = get_resource(resource)
    full = session.frame(resource, include_inactive=True, enrich=True)
    plain = naive.frame(resource, include_inactive=True, enrich=True)  # wall times, to build values from
    kinds = {name: field.kind for name, field in spec.fields.items()}
    kinds.update({name: "text" for name in plain.columns if spec.has_custom_field(name)})
    values = {name: _sample(plain[name]) for name in kinds}
    if spec.has_custom_field("customfield_nobody_has"):  # a custom field no record carries
        kinds["customfield_nobody_has"] = "text"
        values["customfield_nobody_has"] = []
    names: dict[str, list[Any]] = {}
    shared: dict[str, list[str]] = {}
    staff = naive.staff(include_inactive=True)
    every = {
        "staff_name": (staff["first"] + " " + staff["last"]).tolist(),
        "client_name": naive.clients(include_inactive=True)["name"].tolist(),
        "category_name": naive.categories(include_inactive=True)["name"].tolist(),
    }
    for column in enriched_columns(spec.fields):
        kinds[column] = "enriched"
        shown = plain[column]
        assert shown.notna().any()
        # names shown on more than one related record (no single uuid to send) must come up often
        counts = pd.Series(every.get(column, [])).value_counts()
        shared[column] = sorted(counts[counts > 1].index)
        names[column] = _sample(shown, 40) + _sample(every.get(column, []), 20) + shared[column][:10]
    values.update(names)
    assert full["uuid"].tolist() == plain["uuid"].tolist()
    tz = session.settings.timezone
    rows = list(range(len(plain)))
    if tz is not None:  # values and records away from the clock changes (those have tests of their own)
        times = [n for n, k in kinds.items() if k in ("timestamp", "date")]
        values.update({n: [v for v in values[n] if not _near_dst(v)] for n in times})
        near = plain[times].apply(lambda column: column.map(_near_dst)).any(axis=1)
        rows = [i for i in rows if not near.iloc[i]]
    return Pool(resource, full, plain, values, kinds, tz, rows, shared, avoid_dst=tz is not None)


class Pools(dict):
    def __repr__(self) -> str:
        return "<Pools " + ", ".join(f"{tz or 'naive'}/{resource}" for tz, resource in self) + ">"


@pytest.fixture(scope="module")
def pools(session: sm.Session, sydney: sm.Session) -> dict[tuple[str | None, str], Pool]:
    built = Pools()
    for resource in PLANNED:
        built[None, resource] = _build_pool(session, session, resource)
    for resource in ("jobactivity", "joballocation"):
        built[SYDNEY, resource] = _build_pool(sydney, session, resource)
    return built


# --- strategies: values --------------------------------------------------------------------------
def _cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text, text.upper(), text.lower(), text.swapcase()])


def _text_values(pool: Pool, field: str) -> st.SearchStrategy[Any]:
    seen = [v for v in pool.values[field] if isinstance(v, str)]
    odd = st.sampled_from(["", "O'Brien", "Café ß", "zzz", " ", "a'b''c"])
    if not seen:
        return odd
    picked = st.sampled_from(seen)
    return st.one_of(
        picked.flatmap(_cased),
        picked.flatmap(lambda v: st.integers(0, len(v)).map(lambda k: v[:k])),  # prefixes: between real values
        picked.map(lambda v: v + "z"),
        odd,
    )


def _uuid_values(pool: Pool, field: str) -> st.SearchStrategy[str]:
    seen = pool.values[field]
    options = [st.just(""), st.uuids().map(str)]
    if seen:
        options = [st.sampled_from(seen), st.sampled_from(seen), st.sampled_from(seen).map(str.upper), *options]
    return st.one_of(options)


def _category_values(field: str, pool: Pool) -> st.SearchStrategy[str]:
    choices = get_resource(pool.resource).fields[field].choices or ()
    return st.sampled_from([str(c) for c in choices]).flatmap(_cased)


_OFFSETS = st.one_of(
    st.sampled_from([0, 0, 0, 1, -1, 59, 60, -60, 3600, -3600, 86_400, -86_400]).map(lambda s: pd.Timedelta(seconds=s)),
    st.integers(-3 * 86_400, 3 * 86_400).map(lambda s: pd.Timedelta(seconds=s)),
)
_FRACTIONS = st.sampled_from([pd.Timedelta(0)] * 6 + [pd.Timedelta(milliseconds=500), pd.Timedelta(microseconds=1),
                                                      pd.Timedelta(microseconds=999_999), pd.Timedelta(nanoseconds=1)])


def _time_forms(stamp: pd.Timestamp, tz: str | None) -> st.SearchStrategy[Any]:
    """The ways a user may write one wall-clock time (strings, Timestamps, datetimes, dates)."""
    forms: list[Any] = [stamp]
    if stamp.nanosecond == 0:
        forms.append(stamp.to_pydatetime())
        forms.append(stamp.isoformat(sep=" "))
    if stamp == stamp.floor("s"):
        forms += [stamp.strftime("%Y-%m-%d %H:%M:%S"), stamp.strftime("%Y-%m-%dT%H:%M:%S")]
    if stamp == stamp.floor("min"):
        forms.append(stamp.strftime("%Y-%m-%d %H:%M"))
    if stamp == stamp.floor("D"):
        forms += [stamp.strftime("%Y-%m-%d"), stamp.date()]
    if tz is not None:  # aware values: in the session's zone or in UTC
        aware = stamp.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        forms += [aware, aware.tz_convert("UTC")]
        if stamp.nanosecond == 0:
            forms.append(aware.tz_convert("UTC").to_pydatetime())
    return st.sampled_from(forms)


def _time_values(pool: Pool, field: str, *, around: tuple[pd.Timestamp, ...] = ()) -> st.SearchStrategy[Any]:
    seen = [pd.Timestamp(v) for v in pool.values[field]]
    days = st.integers(-400, 30).map(lambda d: ANCHOR.normalize() + pd.Timedelta(days=d))
    bases = [days, st.sampled_from([ANCHOR])]
    if seen:
        bases += [st.sampled_from(seen)] * 3
    if around:
        bases += [st.sampled_from(around).flatmap(
            lambda t: st.integers(-90, 90).map(lambda m: t + pd.Timedelta(minutes=m)))] * 3
    stamps = st.tuples(st.one_of(bases), _OFFSETS, _FRACTIONS).map(lambda parts: parts[0] + parts[1] + parts[2])
    if pool.avoid_dst and not around:
        stamps = stamps.filter(lambda stamp: not _near_dst(stamp))
    return st.one_of(stamps.flatmap(lambda s: _time_forms(s, pool.tz)), st.sampled_from(ZERO_DATES))


def _number_values(pool: Pool, field: str, whole: bool) -> st.SearchStrategy[Any]:
    seen = [v for v in pool.values[field] if v is not None]
    bases = st.sampled_from([v.item() if isinstance(v, np.generic) else v for v in seen] or [0])
    nudged = st.tuples(bases, st.sampled_from([0, 0, 1, -1, 0.5, -0.5, 0.01, -0.01])).map(lambda p: p[0] + p[1])
    plain = st.sampled_from([0, 1, -1, 0.0, 2.5, 100, -37.8, 145])
    values = st.one_of(nudged, nudged, plain)
    if whole:
        values = st.one_of(values, nudged.map(lambda v: int(v) if float(v).is_integer() else v))
    return st.one_of(values, values, values.map(str))


_FLAGS = st.sampled_from([True, False, 1, 0, "1", "0", np.True_, np.False_])


def _values(pool: Pool, field: str, around: tuple[pd.Timestamp, ...] = ()) -> st.SearchStrategy[Any]:
    kind = pool.kinds[field]
    if kind in ("timestamp", "date"):
        return _time_values(pool, field, around=around)
    if kind in ("int", "float", "money"):
        return _number_values(pool, field, whole=kind == "int")
    if kind == "flag":
        return _FLAGS
    if kind == "uuid":
        return _uuid_values(pool, field)
    if kind == "category":
        return _category_values(field, pool)
    if kind == "enriched":
        names = [v for v in pool.values[field] if isinstance(v, str)]
        options = [st.sampled_from(names).flatmap(_cased), st.sampled_from(["Nobody Here", "", "1"])]
        if pool.shared.get(field):  # no single uuid to send for these
            options += [st.sampled_from(pool.shared[field]).flatmap(_cased)] * 2
        return st.one_of(options)
    return _text_values(pool, field)


def _fragments(pool: Pool, field: str) -> st.SearchStrategy[str]:
    """Arguments for contains()/startswith(): pieces of real values, in any case."""
    seen = [str(v) for v in pool.values[field] if isinstance(v, str) and v]
    if not seen:
        return st.sampled_from(["", "a", "zz"])
    piece = st.sampled_from(seen).flatmap(
        lambda v: st.tuples(st.integers(0, len(v)), st.integers(0, len(v))).map(lambda ij: v[min(ij):max(ij)]))
    return st.one_of(piece.flatmap(_cased), st.sampled_from(["", "zz", " "]))


# --- strategies: expressions ---------------------------------------------------------------------
def _leaf(pool: Pool, field: str, around: tuple[pd.Timestamp, ...] = ()) -> st.SearchStrategy[sm.Expr]:
    kind = pool.kinds[field]
    ref = F[field]
    value = _values(pool, field, around)
    ordered = kind in ORDERED_KINDS or kind == "enriched"
    ops = ["==", "==", "!="] + ([">", "<", ">=", "<="] if ordered else [])
    compare = st.tuples(st.sampled_from(ops), value).map(lambda p: _compare(ref, *p))
    options = [compare, compare, compare,
               st.lists(value, max_size=4).map(ref.isin),
               st.sampled_from([ref.isna(), ref.notna()])]
    if ordered:
        options.append(st.tuples(value, value).map(lambda lh: ref.between(*lh)))
    if kind in TEXT_KINDS or kind == "enriched":
        options.append(st.tuples(st.sampled_from(["contains", "startswith"]), _fragments(pool, field))
                       .map(lambda p: getattr(ref, p[0])(p[1])))
    return st.one_of(options)


def _compare(ref: FieldRef, op: str, value: Any) -> sm.Expr:
    return {"==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt, ">=": operator.ge,
            "<=": operator.le}[op](ref, value)


_FAVOURED = {"uuid", "job_uuid", "staff_uuid", "status", "start_date", "date", "allocation_date", "active",
             "company_uuid", "edit_date", "read_timestamp"}


def _leaves(pool: Pool, fields: list[str] | None = None,
            around: tuple[pd.Timestamp, ...] = ()) -> st.SearchStrategy[sm.Expr]:
    names = fields or list(pool.kinds)
    weighted = [n for n in names for _ in range(4 if pool.kinds[n] == "enriched" else 3 if n in _FAVOURED else 1)]
    return st.sampled_from(weighted).flatmap(lambda name: _leaf(pool, name, around))


_SOME = [pd.Timedelta(seconds=1), pd.Timedelta(minutes=1), pd.Timedelta(hours=2), pd.Timedelta(days=3),
         pd.Timedelta(days=40)]


def _row_leaf(pool: Pool, row: int, field: str, compares_only: bool = False) -> st.SearchStrategy[sm.Expr]:
    """A condition that record ``row`` meets, so that filters built of them keep some records.

    ``compares_only``: only comparisons (the shapes the planner may send), for wide conjunctions.
    """
    kind = pool.kinds[field]
    ref = F[field]
    value = pool.plain[field].iloc[row]
    compares: list[st.SearchStrategy[sm.Expr]]
    others: list[st.SearchStrategy[sm.Expr]]
    if pd.isna(value) or (kind in TEXT_KINDS | {"enriched"} and value == ""):
        blank = ("0000-00-00 00:00:00" if kind in ("timestamp", "date")
                 else "" if kind in TEXT_KINDS | {"enriched"} else None)
        compares = [st.just(ref == blank)] if blank is not None else []
        others = [st.sampled_from([ref.isna(), ~ref.notna(), ref.isin([blank] if blank is not None else [])])]
        if blank is None:  # a missing number or flag: only != holds
            others = [st.just(ref.isna())]
            compares = [st.just(ref != (True if kind == "flag" else 0))]
    elif kind in ("timestamp", "date"):
        stamp = pd.Timestamp(value)
        some = st.sampled_from([d for d in _SOME
                                if not pool.avoid_dst or not (_near_dst(stamp - d) or _near_dst(stamp + d))])
        compares = [
            _time_forms(stamp, pool.tz).map(lambda v: ref == v),
            st.sampled_from([">=", "<="]).flatmap(
                lambda op: _time_forms(stamp, pool.tz).map(lambda v: _compare(ref, op, v))),
            some.flatmap(lambda d: _time_forms(stamp - d, pool.tz)).map(lambda v: ref > v),
            some.flatmap(lambda d: _time_forms(stamp + d, pool.tz)).map(lambda v: ref < v),
            some.flatmap(lambda d: _time_forms(stamp + d, pool.tz)).map(lambda v: ref != v),
            st.tuples(some, some).map(lambda ab: ref.between(stamp - ab[0], stamp + ab[1])),
            st.just(ref > "0000-00-00 00:00:00"),
        ]
        others = [st.just(ref.notna())]
    elif kind in ("int", "float", "money"):
        number = value.item() if isinstance(value, np.generic) else value
        compares = [st.sampled_from([ref == number, ref >= number, ref <= number, ref > number - 1, ref < number + 0.5,
                                     ref != number + 1, ref.between(number - 2, number)])]
        others = [st.just(ref.notna())]
    elif kind == "flag":
        compares = [st.sampled_from([ref == bool(value), ref != (not value), ref == int(value),
                                     ref.isin([bool(value)])])]
        others = [st.just(ref.notna())]
    else:
        text = str(value)
        other = "64d8c2a0-0000-4000-8000-000000000000" if kind == "uuid" else "zz"
        choices = [str(c) for c in get_resource(pool.resource).fields[field].choices or () if str(c) != text] \
            if kind == "category" else []
        if choices:
            other = choices[0]
        compares = [_cased(text).map(lambda v: ref == v)]
        others = [_cased(text).map(lambda v: ref.isin([v, other])),
                  st.integers(0, len(text)).map(lambda k: ref.startswith(text[:k].upper())), st.just(ref.notna())]
        if kind == "enriched":  # == and != are what may go to the server as a uuid
            compares *= 3
            compares.append(st.just(ref != text + "z"))
            others_named = [name for name in pool.shared.get(field, []) if name.casefold() != text.casefold()]
            if others_named:  # a name several records have: stays local
                compares.append(st.sampled_from(others_named).map(lambda v: ref != v))
        elif kind == "category":
            compares.append(st.sampled_from(choices).map(lambda v: ref != v))
        elif kind == "uuid":
            compares.append(st.uuids().map(lambda u: ref != str(u)))
        else:
            compares += [st.just(ref != text + "z"), st.just(ref > text[:-1]), st.just(ref < text + "z")]
            others += [st.just(ref >= text), st.just(ref <= text)]
    return st.one_of(compares if compares_only and compares else compares + others)


def _row_conjunctions(pool: Pool, fields: list[str] | None = None) -> st.SearchStrategy[sm.Expr]:
    """Several conditions one record meets (often more than the 10 the API takes), joined by &."""
    known = [n for n in pool.kinds if n in pool.plain]
    names = fields or [n for n in known if pool.kinds[n] != "enriched"] + [
        n for n in known if pool.kinds[n] == "enriched"] * 3

    def conditions(row: int) -> st.SearchStrategy[list[sm.Expr]]:
        leaf = st.sampled_from(names).flatmap(lambda name: _row_leaf(pool, row, name))
        compare = st.sampled_from(sorted(set(names))).flatmap(
            lambda name: _row_leaf(pool, row, name, compares_only=True))
        return st.one_of(st.lists(leaf, min_size=1, max_size=8),
                         st.lists(st.one_of(compare, compare, leaf), min_size=12, max_size=18))

    return st.sampled_from(pool.rows).flatmap(conditions).map(lambda parts: reduce(operator.and_, parts))


def _expressions(leaves: st.SearchStrategy[sm.Expr],
                 rows: st.SearchStrategy[sm.Expr] | None = None) -> st.SearchStrategy[sm.Expr]:
    trees = st.recursive(
        leaves,
        lambda kids: st.one_of(
            st.lists(kids, min_size=2, max_size=4).map(lambda parts: reduce(operator.and_, parts)),
            st.lists(kids, min_size=2, max_size=3).map(lambda parts: reduce(operator.or_, parts)),
            kids.map(operator.invert),
        ),
        max_leaves=8,
    )
    # Wide conjunctions: more conditions than the API takes (10), so the planner must choose.
    wide = st.lists(st.one_of(leaves, leaves, trees), min_size=9, max_size=14).map(
        lambda parts: reduce(operator.and_, parts))
    if rows is None:
        return st.one_of(leaves, trees, trees, wide)
    mixed = st.one_of(
        st.tuples(rows, trees).map(lambda p: p[0] & p[1]),
        st.tuples(rows, rows).map(lambda p: p[0] | p[1]),
        st.tuples(rows, rows).map(lambda p: p[0] & ~p[1]),
    )
    return st.one_of(leaves, trees, wide, rows, rows, rows, mixed)


# --- the property ----------------------------------------------------------------------------
def _check_planned_against_local(session: sm.Session, emulator: Emulator, pool: Pool, where: sm.Expr) -> None:
    spec = get_resource(pool.resource)
    note(f"where = {where}")
    plan = session.explain(pool.resource, where)
    note(str(plan))
    emulator.log.clear()
    planned = session.frame(pool.resource, where, include_inactive=True)
    entries = emulator.log.entries()

    # the server was never sent anything it refuses, nor more than 10 conditions
    assert [e for e in entries if e.status != 200] == [], entries
    sent = [e.query["$filter"] for e in entries if "$filter" in e.query]
    for text in sent:
        try:
            count = len(parse_filter_text(text))
        except FilterSyntaxError as exc:  # pragma: no cover - shown on failure only
            raise AssertionError(f"invalid $filter sent: {text!r}: {exc}") from None
        assert count <= MAX_CONDITIONS, text
    first_pages = [e for e in entries
                   if e.path.endswith(f"/{pool.resource}.json") and e.query.get("cursor", "-1") == "-1"]
    assert all(e.query.get("$filter", "") == plan.filter for e in first_pages), (plan.filter, first_pages)
    assert plan.filter == "" or len(parse_filter_text(plan.filter)) <= MAX_CONDITIONS
    assert planned.attrs["filter"] == plan.filter

    # the same records as the whole filter run locally on every record
    expected = pool.full.loc[evaluate(where, pool.full, spec, pool.tz), "uuid"]
    assert planned["uuid"].is_unique
    got = set(planned["uuid"])
    want = set(expected)
    assert got == want, (f"{len(got - want)} extra, e.g. {sorted(got - want)[:3]}; "
                         f"{len(want - got)} missing, e.g. {sorted(want - got)[:3]}")
    assert planned.attrs["pulled"] >= len(planned)
    if plan.local is None:  # nothing ran locally: the server's answer is the answer
        assert planned.attrs["pulled"] == len(planned)
    assert not set(enriched_columns(spec.fields)) & set(planned.columns)  # enrich=False

    # the $filter text that was sent, given back as where=, answers as its own local evaluation
    if plan.filter:
        again = session.frame(pool.resource, plan.filter, include_inactive=True)
        assert all(e.status == 200 for e in emulator.log.entries())
        by_text = pool.full.loc[evaluate(sm.parse_filter(plan.filter), pool.full, spec, pool.tz), "uuid"]
        assert set(again["uuid"]) == set(by_text)

    # what was exercised (see --hypothesis-show-statistics)
    sent_count = len(parse_filter_text(plan.filter)) if plan.filter else 0
    bucket = "0" if not sent_count else "1-3" if sent_count <= 3 else "4-9" if sent_count < 10 else "10"
    event(f"conditions sent: {bucket}")
    event(f"runs locally: {plan.local is not None}")
    event(f"records: {'none' if not want else 'all' if len(want) == len(pool.full) else 'some'}")
    if any("more than" in step.reason for step in plan.steps):
        event("more than 10 could be sent")
    if any(step.sent and "named" in step.reason for step in plan.steps):
        event("enriched name sent as a uuid")
    if any(not step.sent and "records are named" in step.reason and not step.reason.startswith("0 ")
           for step in plan.steps):
        event("enriched name several records have")
    if any("0000-00-00" in text for text in plan.steps for text in ()) or "0000-00-00" in plan.filter:
        event("zero date sent")


_PROPERTY = settings(max_examples=35, deadline=None, database=None,
                     phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("resource", PLANNED)
@_PROPERTY
@given(data=st.data())
def test_planned_query_returns_what_local_evaluation_returns(session: sm.Session, emulator: Emulator,
                                                             pools: dict, resource: str, data: st.DataObject) -> None:
    """Random filters over the account's own values: the planned query equals evaluating it all locally."""
    pool = pools[None, resource]
    enriched = [name for name, kind in pool.kinds.items() if kind == "enriched"]
    leaves = st.one_of(_leaves(pool), _leaves(pool), _leaves(pool, enriched))  # names: sent as a uuid, or not
    where = data.draw(_expressions(leaves, _row_conjunctions(pool)), label="where")
    _check_planned_against_local(session, emulator, pool, where)


@pytest.mark.parametrize("resource", ["joballocation", "jobactivity"])
@settings(_PROPERTY, max_examples=20)
@given(data=st.data())
def test_planned_query_in_a_time_zone_returns_what_local_evaluation_returns(
        sydney: sm.Session, emulator: Emulator, pools: dict, resource: str, data: st.DataObject) -> None:
    """As above in a session localised to Sydney, with aware (Sydney and UTC) and naive values.

    Times near Sydney's clock changes are left to the test after this one.
    """
    pool = pools[SYDNEY, resource]
    times = [n for n, k in pool.kinds.items() if k == "timestamp" and pool.values[n]]
    leaves = st.one_of(_leaves(pool, times), _leaves(pool))
    rows = st.one_of(_row_conjunctions(pool, times), _row_conjunctions(pool))
    where = data.draw(_expressions(leaves, rows), label="where")
    _check_planned_against_local(sydney, emulator, pool, where)


@pytest.fixture(scope="module")
def synced(session: sm.Session, sydney: sm.Session) -> dict[str | None, sm.Session]:
    """The two sessions, each with the planned resources and those enrichment reads in its store."""
    for each in (session, sydney):
        each.sync([*PLANNED, "staff", "company", "category"])
    return {None: session, SYDNEY: sydney}


@pytest.mark.parametrize(("tz", "resource"), [(None, r) for r in PLANNED] + [(SYDNEY, "jobactivity")])
@settings(_PROPERTY, max_examples=8)
@given(data=st.data())
def test_a_store_query_returns_what_the_live_query_returns(synced: dict, pools: dict, tz: str | None, resource: str,
                                                            data: st.DataObject) -> None:
    """Random filters (part pushed into the Parquet scan, all run as a live query runs its local part):
    the store answers with the live query's frame, row for row, dtype for dtype."""
    pool, session = pools[tz, resource], synced[tz]
    enriched = [name for name, kind in pool.kinds.items() if kind == "enriched"]
    leaves = st.one_of(_leaves(pool), _leaves(pool, enriched))
    where = data.draw(_expressions(leaves, _row_conjunctions(pool)), label="where")
    live = session.frame(resource, where, include_inactive=True)
    stored = session.frame(resource, where, include_inactive=True, source="store")
    pd.testing.assert_frame_equal(stored, live)
    event(f"records: {'none' if live.empty else 'some'}")


def _dst_leaves(pool: Pool) -> st.SearchStrategy[sm.Expr]:
    """Conditions on times within a couple of hours of a clock change, written naive or aware."""
    times = [n for n, k in pool.kinds.items() if k == "timestamp" and pool.values[n]]
    stamps = st.tuples(st.sampled_from(DST_CHANGES), st.integers(-8, 12)).map(
        lambda p: p[0] + pd.Timedelta(minutes=15 * p[1]))
    value = stamps.flatmap(lambda stamp: _time_forms(stamp, pool.tz))
    compare = st.tuples(st.sampled_from(times), st.sampled_from(["==", "!=", ">", "<", ">=", "<="]), value).map(
        lambda p: _compare(F[p[0]], p[1], p[2]))
    between = st.tuples(st.sampled_from(times), value, value).map(lambda p: F[p[0]].between(p[1], p[2]))
    return st.one_of(compare, compare, between)


@pytest.mark.parametrize("resource", ["joballocation"])  # activities: 8k records a query, and none in the skipped hour
@settings(_PROPERTY, max_examples=25)
@given(data=st.data())
def test_times_near_a_clock_change_in_a_time_zone_session(
        sydney: sm.Session, emulator: Emulator, pools: dict, resource: str, data: st.DataObject) -> None:
    """Wall-clock times in the hour Sydney skips or repeats are valid values; the answer must still match."""
    pool = replace(pools[SYDNEY, resource], avoid_dst=False)
    leaves = _dst_leaves(pool)
    # and conditions met by the account's own records whose times are near a clock change
    near = [(row, name) for name in pool.kinds if pool.kinds[name] == "timestamp" and name in pool.plain
            for row in np.flatnonzero(pool.plain[name].map(_near_dst).to_numpy(dtype=bool)).tolist()]
    assert near
    met = st.sampled_from(near).flatmap(lambda rf: _row_leaf(pool, rf[0], rf[1]))
    own_time = st.sampled_from(near).flatmap(  # found by its own time, however it is written
        lambda rf: _time_forms(pd.Timestamp(pool.plain[rf[1]].iloc[rf[0]]), pool.tz).map(lambda v: F[rf[1]] == v))
    leaves = st.one_of(leaves, met, own_time)
    where = data.draw(st.one_of(leaves, st.tuples(leaves, leaves).map(lambda p: p[0] & p[1])), label="where")
    _check_planned_against_local(sydney, emulator, pool, where)


# Values the API's $filter cannot carry (over 255 characters): such conditions must stay local.
_LONG_TEXT_FIELDS = ["job_description", "job_address", "generated_job_id", "customfield_site_access"]


def _unsendable_leaves(pool: Pool) -> st.SearchStrategy[sm.Expr]:
    numbers = [n for n, k in pool.kinds.items() if k in ("int", "float", "money")]
    extreme = st.tuples(st.sampled_from(numbers), st.sampled_from(["==", "!=", ">", "<", ">=", "<="]),
                        st.sampled_from([1e300, -1e300, 1e-300, 5e-324, 1.5e250])).map(
        lambda p: _compare(F[p[0]], p[1], p[2]))
    if pool.resource != "job":  # activities have no free text to filter on
        return extreme
    long_text = st.tuples(st.sampled_from(_LONG_TEXT_FIELDS), st.integers(256, 300),
                          st.sampled_from(["==", "!=", ">", "<"])).map(
        lambda p: _compare(F[p[0]], p[2], "x" * p[1]))
    return st.one_of(long_text, extreme)


@pytest.mark.parametrize("resource", ["job", "jobactivity"])
@settings(_PROPERTY, max_examples=15)
@given(data=st.data())
def test_values_the_api_cannot_carry_are_not_sent(session: sm.Session, emulator: Emulator, pools: dict,
                                                  resource: str, data: st.DataObject) -> None:
    """Text over 255 characters, and numbers whose plain form is that long, are valid filters too."""
    pool = pools[None, resource]
    odd = _unsendable_leaves(pool)
    where = data.draw(st.one_of(odd, st.tuples(odd, _row_conjunctions(pool)).map(lambda p: p[0] & p[1])),
                      label="where")
    _check_planned_against_local(session, emulator, pool, where)


# --- session-level behaviour -----------------------------------------------------------------------
@pytest.fixture
def log(emulator: Emulator) -> Emulator:
    emulator.log.clear()
    return emulator


def test_a_selective_pushed_filter_pulls_only_what_it_needs(session: sm.Session, emulator: Emulator) -> None:
    everything = session.activities(include_inactive=True)
    staff = emulator.account.tables["staff"][2]
    name = f"{staff['first']} {staff['last']}"
    where = (F.staff_name == name) & (F.start_date >= "2026-02-01") & F.end_date.notna()
    frame = session.activities(where, include_inactive=True)
    mine = everything[(everything["staff_uuid"] == staff["uuid"]) & (everything["start_date"] >= "2026-02-01")]
    assert frame.attrs["filter"] == f"staff_uuid eq '{staff['uuid']}' and start_date gt '2026-01-31 23:59:59'"
    assert frame.attrs["pulled"] == len(mine) < len(everything) / 10
    assert sorted(frame["uuid"]) == sorted(mine.loc[mine["end_date"].notna(), "uuid"])
    assert not {"staff_name", "client_name"} & set(frame.columns)


def test_an_expression_and_its_filter_text_give_the_same_frame(session: sm.Session) -> None:
    where = (F.status == "Work Order") & (F.date > "2026-01-01") & (F.total_invoice_amount < 900)
    text = "status eq 'Work Order' and date gt '2026-01-01' and total_invoice_amount lt 900"
    by_expression = session.jobs(where)
    by_text = session.jobs(text)
    assert 0 < len(by_expression) < len(session.jobs())
    pd.testing.assert_frame_equal(by_expression, by_text)
    assert by_expression.attrs["filter"] == by_text.attrs["filter"] == (
        "status eq 'Work Order' and date gt '2026-01-01 00:00:00' and total_invoice_amount lt 900")
    assert session.explain("job", text).filter == session.explain("job", where).filter
    assert sm.parse_filter(text) == where


def test_explain_sends_a_staff_name_as_its_staff_uuid(session: sm.Session, emulator: Emulator) -> None:
    staff = emulator.account.tables["staff"][5]
    name = f"{staff['first']} {staff['last']}"
    plan = session.explain("jobactivity", (F.staff_name == name.upper()) & (F.start_date >= "2026-03-01"))
    assert plan.filter == f"staff_uuid eq '{staff['uuid']}' and start_date gt '2026-02-28 23:59:59'"
    assert plan.local is None
    assert [step.place for step in plan.steps] == ["server", "server"]
    assert "staff_uuid" in plan.steps[0].reason and name.upper() in str(plan)
    # A client name two clients have (both with jobs): no single uuid to send, so it runs locally.
    tables = emulator.account.tables
    with_jobs = {j["company_uuid"] for j in tables["job"]}
    named: dict[str, set[str]] = {}
    for client in tables["company"]:
        named.setdefault(client["name"], set()).add(client["uuid"])
    shared, companies = next((n, u) for n, u in sorted(named.items()) if len(u) == 2 and u <= with_jobs)
    plan = session.explain("job", (F.client_name == shared) & (F.active == 1))
    assert plan.filter == "active eq 1"
    assert plan.local == (F.client_name == shared)
    assert plan.steps[0].place == "local" and "2 records" in plan.steps[0].reason
    frame = session.jobs(F.client_name == shared.lower(), include_inactive=True)
    assert set(frame["company_uuid"]) == companies
    assert sorted(frame["uuid"]) == sorted(j["uuid"] for j in tables["job"] if j["company_uuid"] in companies)


@pytest.mark.parametrize(("where", "error"), [
    (F.nope == 1, sm.UnknownFieldError),
    ("nope eq 1", sm.UnknownFieldError),
    ((F.staff_name == "Henry White") & (F.stat_date > "2026-01-01"), sm.UnknownFieldError),
    (F.start_date > "2026-02-30", sm.FilterError),
    (F.start_date == "yesterday", sm.FilterError),
    ((F.staff_name == "Henry White") & (F.start_date.between("2026-01-01", "2026-13-01")), sm.FilterError),
    (F.activity_was_scheduled > True, sm.FilterError),
    (F.active >= 1, sm.FilterError),
    (F.staff_uuid == "not-a-uuid", sm.FilterError),
    (F.staff_uuid > "864a7a50-b48d-43f1-967e-55fd642bfa42", sm.FilterError),
    (F.travel_time_in_seconds < "soon", sm.FilterError),
    (F.active.contains("1"), sm.FilterError),
    (F.start_date == pd.Timestamp("2026-03-02 09:00", tz="UTC"), sm.FilterError),  # aware, the session is naive
    ("start_date gt '2026-01-01' or active eq 1", sm.FilterError),
])
def test_bad_filters_raise_before_any_request(tmp_path: Path, log: Emulator, where: Any, error: type) -> None:
    with _connect(log, tmp_path) as fresh:  # nothing cached: a request would show in the log
        with pytest.raises(error):
            fresh.activities(where)
        with pytest.raises(error):
            fresh.explain("jobactivity", where)
    assert log.log.entries() == []


def test_bad_filter_errors_say_what_is_wrong(session: sm.Session) -> None:
    with pytest.raises(sm.UnknownFieldError, match="did you mean 'start_date'"):
        session.activities(F.stat_date > "2026-01-01")
    with pytest.raises(sm.FilterError, match="> does not fit activity_was_scheduled"):
        session.activities(F.activity_was_scheduled > True)
    with pytest.raises(sm.FilterError, match="2026-02-30"):
        session.activities("start_date gt '2026-02-30'")


def test_an_enriched_filter_adds_enriched_columns_only_when_asked(session: sm.Session) -> None:
    where = F.client_name.contains("harris") & (F.start_date >= "2026-01-01")
    plain = session.activities(where)
    enriched = session.activities(where, enrich=True)
    own = list(session.activities().columns)
    assert list(plain.columns) == own
    assert list(enriched.columns) == own + ["staff_name", "job_number", "client_name", "category_name"]
    assert len(plain) > 0
    assert plain["uuid"].tolist() == enriched["uuid"].tolist()
    assert enriched["client_name"].str.casefold().str.contains("harris").all()
    assert plain.attrs["filter"] == "start_date gt '2025-12-31 23:59:59'"
    # Sent as a uuid (nothing enriched locally) the result has no enriched columns either.
    sent = session.activities(F.category_name == enriched["category_name"].iloc[0])
    assert list(sent.columns) == own and len(sent) > 0


def test_a_time_zone_session_takes_aware_times(sydney: sm.Session, session: sm.Session, log: Emulator) -> None:
    wall = pd.Timestamp("2026-03-02 09:00")  # AEDT, UTC+11
    in_sydney = pd.Timestamp("2026-03-02 09:00", tz=SYDNEY)
    in_utc = pd.Timestamp("2026-03-01 22:00", tz="UTC")
    through = datetime(2026, 3, 2, 17, 0)
    by_zone = sydney.activities((F.start_date >= in_sydney) & (F.start_date < through), include_inactive=True)
    by_utc = sydney.activities((F.start_date >= in_utc.to_pydatetime()) & (F.start_date < through),
                               include_inactive=True)
    by_text = sydney.activities("start_date gt '2026-03-02 08:59:59' and start_date lt '2026-03-02 17:00:00'",
                                include_inactive=True)
    # Widened by 2 hours (and checked again locally): the frame moves times in a daylight-saving gap.
    assert by_zone.attrs["filter"] == by_utc.attrs["filter"] == by_text.attrs["filter"] == (
        "start_date gt '2026-03-02 06:59:59' and start_date lt '2026-03-02 17:00:00'")
    assert str(by_zone["start_date"].dt.tz) == SYDNEY
    assert 0 < len(by_zone)
    pd.testing.assert_frame_equal(by_zone, by_utc)
    pd.testing.assert_frame_equal(by_zone, by_text)
    naive = session.activities((F.start_date >= wall) & (F.start_date < through), include_inactive=True)
    assert by_zone["uuid"].tolist() == naive["uuid"].tolist()
    assert (by_zone["start_date"].dt.tz_localize(None) == naive["start_date"]).all()
    assert all(e.status == 200 for e in log.log.entries())
    # A time with a fraction of a second is not sent: it runs locally, in the zone too.
    local = sydney.activities(F.start_date == in_sydney + pd.Timedelta(milliseconds=1))
    assert local.attrs["filter"] == "" and len(local) == 0


def test_a_record_in_the_hour_sydney_skips_is_found_by_the_time_it_shows(sydney: sm.Session,
                                                                         emulator: Emulator) -> None:
    """The account has an allocation read at 02:07 on 2025-10-05, an hour Sydney's clocks skip.

    The frame shows it at 03:00 (shifted forward); filtering on the time the frame shows must find it,
    whether that condition is sent to the server or run locally.
    """
    skipped = [a for a in emulator.account.tables["joballocation"]
               if "2025-10-05 02:00:00" <= a["read_timestamp"] < "2025-10-05 03:00:00"]
    assert len(skipped) == 1
    target = skipped[0]["uuid"]
    full = sydney.allocations(include_inactive=True)
    shown = full.loc[full["uuid"] == target, "read_timestamp"].iloc[0]
    assert shown == pd.Timestamp("2025-10-05 03:00", tz=SYDNEY)
    spec = get_resource("joballocation")
    for where in (F.read_timestamp == shown, F.read_timestamp >= shown, F.read_timestamp.between(shown, shown),
                  F.read_timestamp.isin([shown, shown + pd.Timedelta(days=1)])):
        locally = set(full.loc[evaluate(where, full, spec, SYDNEY), "uuid"])
        planned = set(sydney.allocations(where, include_inactive=True)["uuid"])
        assert target in locally
        assert target in planned, f"{where}: sent {sydney.explain('joballocation', where).filter!r}"


@pytest.mark.parametrize("where", [
    F.read_timestamp < "2025-10-05 02:30",  # an hour Sydney skips
    F.read_timestamp <= "2025-04-06 02:30",  # an hour Sydney has twice
    F.read_timestamp == "2026-04-05 02:15:00.5",
    F.read_timestamp < pd.Timestamp("2025-04-06 02:30+11:00"),  # aware: the first 02:30 of the repeated hour
])
def test_a_wall_clock_time_at_a_clock_change_is_answered_as_locally(sydney: sm.Session, where: sm.Expr) -> None:
    """A time at a clock change is answered (as local evaluation answers it), not a pandas error."""
    full = sydney.allocations(include_inactive=True)
    planned = sydney.allocations(where, include_inactive=True)
    locally = full.loc[evaluate(where, full, get_resource("joballocation"), SYDNEY), "uuid"]
    assert planned["uuid"].is_unique
    assert set(planned["uuid"]) == set(locally)


def test_review_findings_stay_fixed(session: sm.Session, emulator: Emulator) -> None:
    """Found in review: soft-deleted records behind ``active``, uuid spellings, long quoted values."""
    deleted = session.jobs(F.active == False)
    everything = session.jobs(include_inactive=True)
    assert len(deleted) == int((everything["active"] == False).sum()) > 0
    uuid = str(everything["company_uuid"].dropna().iloc[0])
    plain = session.jobs(F.company_uuid == uuid)
    assert len(plain) > 0
    for spelling in (uuid.replace("-", ""), uuid.upper(), "{" + uuid + "}"):
        assert session.jobs(F.company_uuid == spelling)["uuid"].tolist() == plain["uuid"].tolist()
    emulator.log.clear()
    quoted = "'" + "a" * 254 + "'"  # 256 characters: too long for the API, whatever the quotes
    assert session.explain("job", F.job_address == quoted).steps[0].place == "local"
    assert len(session.jobs(F.job_address == quoted)) == 0
    assert all(entry.status == 200 for entry in emulator.log.entries())
