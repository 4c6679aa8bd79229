"""The Ruddr Session end to end: real HTTP to the Ruddr emulator on loopback, through the real SQLite cache.

Nothing of our own HTTP layer is mocked. One emulator (its rate limit raised) and one Session serve
the module; tests that break things (faults, refused credentials, a slow rate limit, offline reads)
open Sessions of their own on cache folders of their own. Filters are checked against
``smexplore.core.filters.evaluate`` run on every record: a planned query (Ruddr's query parameters
plus a local remainder) must give exactly the rows, in the order, of the whole filter run locally.
What every connector does alike (typed frames, paging and the cache, a failing page, secrets, unknown
names, the timeline's dtypes, the demo) is tested once for all in ``test_connectors.py``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore import F
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.filters.values import ORDERED_KINDS, TEXT_KINDS
from smexplore.core.load import UTILISATION_DTYPES
from smexplore.core.timeline import TIMELINE_DTYPES
from smexplore.ruddr.dialect import PARAMETERS
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator, Workspace, build_workspace
from smexplore.ruddr.normalise import allocation_days
from smexplore.ruddr.resources import get_resource

matplotlib.use("Agg")

MELBOURNE = "Australia/Melbourne"
PAGE = 100


# --- the emulator, sessions and the workspace's frames ---------------------------------------------
@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return build_workspace(0, "small")


@pytest.fixture(scope="module")
def emu(workspace: Workspace) -> Iterator[RuddrEmulator]:
    with RuddrEmulator(workspace=workspace, per_second=1e6, burst=1_000_000) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _healthy(emu: RuddrEmulator) -> Iterator[None]:
    """Each test starts and ends with no fault queued and API access on."""
    emu.faults.clear()
    emu.api_access = True
    yield
    emu.faults.clear()
    emu.api_access = True


def _connect(emu: RuddrEmulator, folder: Path, token: str | None = DEMO_TOKEN, **options: Any) -> sm.ruddr.Session:
    options.setdefault("per_second", 1_000)  # the emulator's limit is raised: no need to pace
    return sm.ruddr.connect(token, base_url=emu.base_url, cache=folder, progress=False, **options)


@pytest.fixture(scope="module")
def session(emu: RuddrEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.ruddr.Session]:
    with _connect(emu, tmp_path_factory.mktemp("ruddr-cache")) as s:
        yield s


@pytest.fixture(scope="module")
def full(session: sm.ruddr.Session) -> dict[str, pd.DataFrame]:
    """Every record of the resources the filter tests cover, as the Session types and sorts them."""
    return {name: session.frame(name) for name in ("allocations", "time-entries", "members", "projects")}


def _lists(emu: RuddrEmulator, resource: str) -> list[Any]:
    return [e for e in emu.log.entries() if e.resource == resource]


def _first_pages(entries: list[Any]) -> list[dict[str, str]]:
    """The filter parameters of each first-page request (paging parameters left out)."""
    return [{k: v for k, v in e.query.items() if k != "limit"} for e in entries if "startingAfter" not in e.query]


def _assert_same(frame: pd.DataFrame, expected: pd.DataFrame, resource: str) -> None:
    """The same rows in the same order with the same dtypes (categories included: every category field
    declares its values, so two pulls agree on them)."""
    pd.testing.assert_frame_equal(frame, expected)
    assert all(field.choices for field in get_resource(resource).fields.values() if field.kind == "category")


# --- credentials ---------------------------------------------------------------------------------
def test_no_token_anywhere_is_a_clear_error(emu: RuddrEmulator, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUDDR_TOKEN", raising=False)
    with pytest.raises(sm.AuthenticationError, match=r"no Ruddr credentials: pass token=, or set RUDDR_TOKEN"):
        sm.ruddr.connect(base_url=emu.base_url, cache=tmp_path)
    with pytest.raises(sm.AuthenticationError, match="no Ruddr credentials"):
        sm.ruddr.connect("   ", base_url=emu.base_url, cache=tmp_path)
    monkeypatch.setenv("RUDDR_TOKEN", DEMO_TOKEN)  # and the environment is read when token= is not given
    with sm.ruddr.connect(base_url=emu.base_url, cache=tmp_path, progress=False) as s:
        assert len(s.members()) == 12


def test_api_access_turned_off_is_an_authentication_error(emu: RuddrEmulator, tmp_path: Path) -> None:
    emu.api_access = False
    emu.log.clear()
    with _connect(emu, tmp_path) as s, pytest.raises(sm.AuthenticationError, match="HTTP 423") as caught:
        s.projects()
    assert "API access is disabled" in str(caught.value)
    assert [e.status for e in emu.log.entries()] == [423]  # not retried


# --- paging and the cache --------------------------------------------------------------------------
def test_each_page_starts_after_the_last_id_of_the_page_before(emu: RuddrEmulator, workspace: Workspace,
                                                               tmp_path: Path) -> None:
    ids = [record["id"] for record in workspace.tables["allocations"]]
    emu.log.clear()
    with _connect(emu, tmp_path) as s:
        frame = s.allocations()
    sent = _lists(emu, "allocations")
    assert len(sent) == -(-len(ids) // PAGE) == 19  # one request per page of 100
    assert all(e.status == 200 and e.query["limit"] == str(PAGE) for e in sent)
    cursors = [e.query.get("startingAfter") for e in sent]
    assert cursors[0] is None and len(set(cursors[1:])) == len(cursors) - 1  # each page asked for once
    assert cursors[1:] == [ids[i * PAGE - 1] for i in range(1, len(sent))]  # the last id of the page before
    assert frame.attrs["pulled"] == len(ids) and frame.attrs["filter"] == ""


# --- errors ------------------------------------------------------------------------------------------
def test_a_filter_the_api_refuses_is_a_filter_error_naming_it(session: sm.ruddr.Session,
                                                                emu: RuddrEmulator) -> None:
    # The planner sends only what the API takes (a bad uuid is refused before any request) ...
    emu.log.clear()
    with pytest.raises(sm.FilterError, match=r"'nope' is not a uuid.*member_id eq 'nope'"):
        session.allocations("member_id eq 'nope'")
    with pytest.raises(sm.FilterError, match="not a date"):
        session.allocations(F.start >= "the first of March")
    assert emu.log.entries() == []
    # ... so a raw request through the Session's transport shows how a 400 reads.
    with pytest.raises(sm.FilterError) as caught:
        session._transport.pull("/allocations", {"memberId": "zzz", "limit": "100"}, label="allocations")
    assert "'memberId=zzz'" in str(caught.value) and "Parameter 'memberId' is not a valid UUID." in str(caught.value)
    assert [e.status for e in emu.log.entries()] == [400]  # a 400 is not retried


def test_unknown_names_and_missing_records(session: sm.ruddr.Session, emu: RuddrEmulator,
                                           workspace: Workspace) -> None:
    emu.log.clear()
    with pytest.raises(sm.UnknownFieldError, match=r"did you mean 'member_name'.*valid fields: id, "):
        session.allocations(F.membr_name == "Ann")
    with pytest.raises(sm.UnknownFieldError):
        session.members("nmae eq 'Ann'")
    assert emu.log.entries() == []  # refused before any request
    record = workspace.tables["allocations"][7]
    one = session.get("allocations", record["id"].upper().replace("-", ""))  # any usual spelling
    assert len(one) == 1 and one["id"].iloc[0] == record["id"]
    assert list(one.columns) == list(session.describe("allocations")["field"])
    assert one["total_hours"].iloc[0] == record["totalHours"]
    assert [e.path.rsplit("/", 1)[1] for e in emu.log.entries()] == [record["id"]]  # sent in the API's form
    with pytest.raises(sm.NotFoundError, match="HTTP 404"):
        session.get("allocations", "00000000-0000-4000-8000-000000000000")
    emu.log.clear()
    for bad in ("not-an-id", "", "1234"):
        with pytest.raises(ValueError):
            session.get("allocations", bad)
    assert emu.log.entries() == []


# --- rate limits and faults ----------------------------------------------------------------------------
def test_429s_are_retried_and_the_frame_is_complete(emu: RuddrEmulator, workspace: Workspace,
                                                    tmp_path: Path) -> None:
    emu.log.clear()
    emu.faults.rate_limit_next(2)
    with _connect(emu, tmp_path) as s:
        frame = s.allocations()
    assert sorted(frame["id"]) == sorted(r["id"] for r in workspace.tables["allocations"])
    statuses = [e.status for e in emu.log.entries()]
    assert statuses[:2] == [429, 429] and statuses.count(200) == 19


def test_the_workspace_rate_limit_is_waited_out(workspace: Workspace, tmp_path: Path) -> None:
    with RuddrEmulator(workspace=workspace, per_second=1, burst=1) as slow, _connect(slow, tmp_path) as s:
        members, projects = s.members(), s.projects()
        statuses = [e.status for e in slow.log.entries()]
    assert len(members) == len(workspace.tables["members"]) and len(projects) == len(workspace.tables["projects"])
    assert 429 in statuses and statuses.count(200) == 2


@pytest.mark.parametrize("fault", ["truncate_next", "cut_connection_next"])
def test_cut_short_bodies_are_retried(emu: RuddrEmulator, workspace: Workspace, tmp_path: Path, fault: str) -> None:
    emu.faults.fail_next(0, after=5)  # five pages go through, then the sixth is cut short
    getattr(emu.faults, fault)(1)
    emu.log.clear()
    with _connect(emu, tmp_path) as s:
        frame = s.allocations()
    assert sorted(frame["id"]) == sorted(r["id"] for r in workspace.tables["allocations"])
    cursors = [e.query.get("startingAfter") for e in emu.log.entries()]
    assert len(cursors) == 20 and cursors[5] == cursors[6]  # the sixth page asked for again


# --- typed frames ------------------------------------------------------------------------------------
def test_allocations_and_time_entries_come_in_date_order(full: dict[str, pd.DataFrame]) -> None:
    for resource, order in {"allocations": ["start", "end"], "time-entries": ["date"]}.items():
        frame = full[resource]
        assert frame[order].equals(frame[order].sort_values(order, ignore_index=True)), resource


def test_timestamps_are_naive_utc_or_aware_in_a_time_zone_session(session: sm.ruddr.Session, emu: RuddrEmulator,
                                                                  workspace: Workspace, tmp_path: Path) -> None:
    naive = session.allocations()
    wire = {r["id"]: r["createdAt"] for r in workspace.tables["allocations"]}
    expected = pd.to_datetime(naive["id"].map(wire), utc=True)
    assert str(naive["created_at"].dtype) == "datetime64[ns]"
    assert (naive["created_at"] == expected.dt.tz_localize(None)).all()  # naive UTC, milliseconds kept
    with _connect(emu, tmp_path, timezone=MELBOURNE) as local:
        aware = local.allocations()
        assert str(aware["created_at"].dtype) == f"datetime64[ns, {MELBOURNE}]"
        assert (aware["created_at"] == expected).all()  # the same instants
        assert str(aware["start"].dtype) == "datetime64[ns]"  # dates stay calendar days
        pd.testing.assert_series_equal(aware["start"], naive["start"])
        described = local.describe("allocations").set_index("field")["dtype"]
        assert described["created_at"] == f"datetime64[ns, {MELBOURNE}]"
        assert {c: str(t) for c, t in aware.dtypes.items()} == described.to_dict()
        assert pd.Timestamp(aware.attrs["now"]).tzinfo is not None


def test_nested_objects_are_columns(session: sm.ruddr.Session, workspace: Workspace) -> None:
    frame = session.allocations().set_index("id")
    for record in workspace.tables["allocations"][:200]:
        row = frame.loc[record["id"]]
        member, project = record.get("member"), record.get("project")
        if member is None:
            assert pd.isna(row["member_id"]) and pd.isna(row["member_name"])
        else:
            assert row["member_id"] == member["id"] and row["member_name"] == member["name"]
        if project:
            assert row["project_name"] == project["name"]
            assert row["project_client_name"] == project["client"]["name"]
        assert row["total_hours"] == record["totalHours"]
    entries = session.time_entries()
    assert {"member_name", "project_client_name", "role_name", "invoice_number"} <= set(entries.columns)
    assert entries["member_name"].notna().all()


def test_convenience_methods_pull_their_list(session: sm.ruddr.Session, workspace: Workspace) -> None:
    for method, resource in sm.ruddr.session.METHODS.items():
        frame = getattr(session, method)()
        assert frame.attrs["resource"] == resource and frame.attrs["source"] == "ruddr"
        assert sorted(frame["id"]) == sorted(r["id"] for r in workspace.tables[resource])
    assert list(session.resources()["method"]) == list(sm.ruddr.session.METHODS)  # in the resources' order


# --- filters: explicit examples -------------------------------------------------------------------------
def test_one_member_one_month_is_sent_and_pulls_fewer(session: sm.ruddr.Session, emu: RuddrEmulator,
                                                      full: dict[str, pd.DataFrame]) -> None:
    allocations = full["allocations"]
    member = allocations["member_id"].value_counts().index[0]
    where = (F.member_id == member) & (F.start <= "2026-03-31") & (F.end >= "2026-03-01")  # overlaps March
    plan = session.explain("allocations", where)
    assert plan.params == {"memberId": member, "startOnBefore": "2026-03-31", "endOnAfter": "2026-03-01"}
    assert plan.local is None
    emu.log.clear()
    frame = session.allocations(where)
    assert _first_pages(_lists(emu, "allocations")) == [plan.params]
    expected = allocations[allocations["member_id"].eq(member) & (allocations["start"] <= "2026-03-31")
                           & (allocations["end"] >= "2026-03-01")].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert 0 < frame.attrs["pulled"] == len(frame) < len(allocations) / 10
    assert len(_lists(emu, "allocations")) == 1  # one page instead of 19


def test_each_parameter_family_is_sent(session: sm.ruddr.Session, emu: RuddrEmulator,
                                       full: dict[str, pd.DataFrame]) -> None:
    members, projects = full["members"], full["projects"]
    person = members["name"].iloc[3]
    cases = [
        ("members", F.name.contains(person.split()[1].upper()), {"nameContains": person.split()[1].upper()}),
        ("members", F.email.startswith(members["email"].iloc[0][:3]), {"emailStartsWith": members["email"].iloc[0][:3]}),
        ("members", F.name == person.lower(), {"nameStartsWith": person.lower()}),  # and == checked here
        ("projects", F.status_id == "In_Progress", {"statusId": "in_progress"}),
        ("projects", F.client_id == projects["client_id"].iloc[0].upper(), {"clientId": projects["client_id"].iloc[0]}),
        ("time-entries", (F.date > "2025-12-01 13:30") & (F.type_id.isin(["time_off"])),
         {"dateAfter": "2025-12-01", "typeId": "time_off"}),
        ("allocations", F.placeholder_id.notna() & (F.resource_type_id == "placeholder") & (F.start == "2026-03-02"),
         {"resourceTypeId": "placeholder", "start": "2026-03-02"}),
        ("allocations", (F.assignment_type_id == "time_off") & (F.end < date(2025, 6, 1)),
         {"assignmentTypeId": "time_off", "endBefore": "2025-06-01"}),
    ]
    for resource, where, params in cases:
        plan = session.explain(resource, where)
        assert plan.params == params, (where, plan)
        emu.log.clear()
        frame = session.frame(resource, where)
        assert _first_pages(_lists(emu, resource)) == [params]
        whole = full[resource]
        expected = whole[evaluate(where, whole, get_resource(resource), None)].reset_index(drop=True)
        _assert_same(frame, expected, resource)
        assert len(frame) > 0 or resource == "allocations", where
    assert session.explain("members", F.name == person).local is not None  # name= is case-sensitive: checked here
    assert session.explain("allocations", (F.start >= "2026-01-01") & (F.start >= "2026-02-01")).params == {
        "startOnAfter": "2026-01-01"}  # each parameter once; the other runs here


def test_filters_the_api_cannot_run_stay_local(session: sm.ruddr.Session, emu: RuddrEmulator,
                                               full: dict[str, pd.DataFrame]) -> None:
    allocations = full["allocations"]
    for where in [(F.unit == "week") | (F.total_hours > 100), ~(F.assignment_type_id == "project"),
                  F.member_id.isin(list(allocations["member_id"].dropna().unique()[:2])), F.notes.isna(),
                  F.start == "2026-03-02 09:00", F.member_id != allocations["member_id"].dropna().iloc[0]]:
        plan = session.explain("allocations", where)
        assert plan.params == {} and plan.local is not None, where
        emu.log.clear()
        frame = session.allocations(where)
        assert not [e for e in emu.log.entries() if e.status != 200]
        expected = allocations[evaluate(where, allocations, get_resource("allocations"), None)].reset_index(drop=True)
        pd.testing.assert_frame_equal(frame, expected)


# --- filters: generated ---------------------------------------------------------------------------------
@dataclass
class Pool:
    """One resource's records (every one, as the Session types and sorts them) and what filters are built of."""

    resource: str
    full: pd.DataFrame
    kinds: dict[str, str]  # filterable field → kind (list fields left out)
    values: dict[str, list[Any]]  # field → some of its values

    def __repr__(self) -> str:
        return f"<Pool {self.resource} ({len(self.full)} records)>"


def _sample(values: pd.Series, limit: int = 40) -> list[Any]:
    unique = values.dropna().drop_duplicates()
    return unique.sample(min(limit, len(unique)), random_state=0).tolist() if len(unique) else []


@pytest.fixture(scope="module")
def pools(full: dict[str, pd.DataFrame]) -> dict[str, Pool]:
    built = {}
    for resource, frame in full.items():
        spec = get_resource(resource)
        kinds = {name: field.kind for name, field in spec.fields.items() if field.kind != "list"}
        built[resource] = Pool(resource, frame, kinds, {name: _sample(frame[name]) for name in kinds})
    return built


def _cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text, text.upper(), text.lower(), text.swapcase()])


def _day_forms(day: pd.Timestamp) -> st.SearchStrategy[Any]:
    return st.sampled_from([day, day.date(), day.strftime("%Y-%m-%d"), day.to_pydatetime()])


def _time_forms(stamp: pd.Timestamp) -> st.SearchStrategy[Any]:
    forms: list[Any] = [stamp, stamp.isoformat(sep=" ")]
    if stamp == stamp.floor("s"):
        forms += [stamp.strftime("%Y-%m-%d %H:%M:%S"), stamp.to_pydatetime()]
    if stamp == stamp.normalize():
        forms += [stamp.strftime("%Y-%m-%d"), stamp.date()]
    return st.sampled_from(forms)


_DAYS = st.sampled_from([0, 0, 0, 1, -1, 7, -7, 30, -30])
_HOURS = st.sampled_from([pd.Timedelta(0)] * 4 + [pd.Timedelta(hours=9, minutes=30), pd.Timedelta(hours=23)])
_SECONDS = st.sampled_from([0, 0, 1, -1, 3600, -86_400, 86_400 * 10]).map(lambda s: pd.Timedelta(seconds=s))


def _values(pool: Pool, field: str) -> st.SearchStrategy[Any]:
    kind, seen = pool.kinds[field], pool.values[field]
    if kind == "date":
        base = st.sampled_from([pd.Timestamp(v) for v in seen] or [pd.Timestamp("2026-03-02")])
        shifted = st.tuples(base, _DAYS, _HOURS).map(lambda p: p[0] + pd.Timedelta(days=p[1]) + p[2])
        return shifted.flatmap(lambda t: _day_forms(t) if t == t.normalize() else _time_forms(t))
    if kind == "timestamp":
        base = st.sampled_from([pd.Timestamp(v) for v in seen] or [pd.Timestamp("2026-03-02 12:00")])
        return st.tuples(base, _SECONDS).map(lambda p: p[0] + p[1]).flatmap(_time_forms)
    if kind in ("int", "float", "money"):
        numbers = [v.item() if hasattr(v, "item") else v for v in seen] or [0]
        nudged = st.tuples(st.sampled_from(numbers), st.sampled_from([0, 0, 1, -1, 0.5, -0.25])).map(sum)
        return nudged.map(lambda v: int(v) if kind == "int" and float(v).is_integer() else v)
    if kind == "flag":
        return st.sampled_from([True, False, 1, 0])
    if kind == "uuid":
        options = [st.just(""), st.uuids().map(str)]
        if seen:
            texts = st.sampled_from(seen)
            options += [texts, texts, texts.map(str.upper), texts.map(lambda u: u.replace("-", ""))]
        return st.one_of(options)
    if kind == "category":
        choices = get_resource(pool.resource).fields[field].choices or tuple(seen)
        return st.sampled_from([str(c) for c in choices] or ["x"]).flatmap(_cased)
    texts = [v for v in seen if isinstance(v, str) and v]
    odd = st.sampled_from(["", " ", "zz", "O'Brien", "a&b=c", "Café"])
    if not texts:
        return odd
    picked = st.sampled_from(texts)
    return st.one_of(picked.flatmap(_cased), picked.flatmap(lambda v: st.integers(0, len(v)).map(lambda k: v[:k])),
                     odd)


def _fragments(pool: Pool, field: str) -> st.SearchStrategy[str]:
    texts = [str(v) for v in pool.values[field] if isinstance(v, str) and v]
    if not texts:
        return st.sampled_from(["", "a", "zz"])
    piece = st.sampled_from(texts).flatmap(
        lambda v: st.tuples(st.integers(0, len(v)), st.integers(0, len(v))).map(lambda ij: v[min(ij):max(ij)]))
    return st.one_of(piece.flatmap(_cased), st.sampled_from(["", "zz", "&", "="]))


def _compare(field: str, op: str, value: Any) -> sm.Expr:
    return {"==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt, ">=": operator.ge,
            "<=": operator.le}[op](F[field], value)


def _leaf(pool: Pool, field: str) -> st.SearchStrategy[sm.Expr]:
    kind = pool.kinds[field]
    value = _values(pool, field)
    ordered = kind in ORDERED_KINDS
    ops = ["==", "==", "!="] + ([">", "<", ">=", "<="] if ordered else [])
    compare = st.tuples(st.sampled_from(ops), value).map(lambda p: _compare(field, *p))
    options = [compare, compare, compare, st.lists(value, min_size=1, max_size=3).map(F[field].isin),
               st.sampled_from([F[field].isna(), F[field].notna()])]
    if ordered:
        options.append(st.tuples(value, value).map(lambda lh: F[field].between(*lh)))
    if kind in TEXT_KINDS:
        options.append(st.tuples(st.sampled_from(["contains", "startswith"]), _fragments(pool, field))
                       .map(lambda p: getattr(F[field], p[0])(p[1])))
    return st.one_of(options)


def _row_leaf(pool: Pool, row: int, field: str) -> st.SearchStrategy[sm.Expr]:
    """A condition the record at ``row`` meets (so that filters keep some records)."""
    kind, value, ref = pool.kinds[field], pool.full[field].iloc[row], F[field]
    if pd.isna(value):
        return st.just(ref.isna())
    if kind == "date":
        day = pd.Timestamp(value)
        some = st.sampled_from([1, 3, 30]).map(lambda d: pd.Timedelta(days=d))
        return st.one_of(
            _day_forms(day).map(lambda v: ref == v),
            st.sampled_from([">=", "<="]).flatmap(lambda op: _day_forms(day).map(lambda v: _compare(field, op, v))),
            some.map(lambda d: ref > day - d + pd.Timedelta(hours=9)), some.map(lambda d: ref < day + d),
            st.tuples(some, some).map(lambda ab: ref.between(day - ab[0], day + ab[1])))
    if kind == "timestamp":
        stamp = pd.Timestamp(value)
        return st.sampled_from([ref == stamp, ref >= stamp, ref <= stamp, ref > stamp - pd.Timedelta(hours=1),
                                ref < stamp + pd.Timedelta(seconds=1)])
    if kind in ("int", "float", "money"):
        number = value.item() if hasattr(value, "item") else value
        return st.sampled_from([ref == number, ref >= number, ref <= number, ref < number + 0.5])
    if kind == "flag":
        return st.sampled_from([ref == bool(value), ref != (not value)])
    text = str(value)
    options = [_cased(text).map(lambda v: ref == v), _cased(text).map(lambda v: ref.isin([v]))]
    if kind in ("text", "category"):
        options.append(st.integers(0, len(text)).map(lambda k: ref.startswith(text[:k].upper())))
        options.append(st.integers(0, max(0, len(text) - 2)).map(lambda k: ref.contains(text[k:k + 2].lower())))
    return st.one_of(options)


def _sent_leaf(pool: Pool, row: int, column: str) -> st.SearchStrategy[sm.Expr]:
    """A condition the record at ``row`` meets, in a form the parameter of ``column`` runs."""
    parameter, value, ref = PARAMETERS[pool.resource][column], pool.full[column].iloc[row], F[column]
    if parameter.family == "dates":
        day = pd.Timestamp(value)
        return st.one_of(
            st.sampled_from(["==", ">=", "<="]).flatmap(
                lambda op: _day_forms(day).map(lambda v: _compare(column, op, v))),
            st.sampled_from([1, 3, 30]).map(lambda d: ref > day - pd.Timedelta(days=d) + pd.Timedelta(hours=9)),
            st.sampled_from([1, 3, 30]).map(lambda d: ref < day + pd.Timedelta(days=d)))
    text = str(value)
    if parameter.family == "text":
        return st.one_of(
            _cased(text).map(lambda v: ref == v),
            st.integers(1, len(text)).map(lambda k: ref.startswith(text[:k].swapcase())),
            st.integers(0, len(text) - 1).map(lambda k: ref.contains(text[k:k + 3].upper())))
    spelled = [text, text.upper()] + ([text.replace("-", "")] if parameter.family == "uuid" else [])
    return st.sampled_from(spelled).flatmap(lambda v: st.sampled_from([ref == v, ref.isin([v])]))


def _row_conjunction(pool: Pool, *, sendable: bool) -> st.SearchStrategy[tuple[sm.Expr, bool]]:
    """Conditions one record meets, joined by ``&``; with ``sendable``, the first is one a parameter runs."""
    names = list(pool.kinds)
    # the columns a parameter filters (``code`` is exact and case-sensitive: never sent)
    columns = [c for c, parameter in PARAMETERS[pool.resource].items() if parameter.family != "exact"]

    def conditions(row: int) -> st.SearchStrategy[tuple[sm.Expr, bool]]:
        rest = st.lists(st.sampled_from(names).flatmap(lambda n: _row_leaf(pool, row, n)), min_size=0, max_size=5)
        present = [c for c in columns if pd.notna(pool.full[c].iloc[row]) and str(pool.full[c].iloc[row]).strip()]
        if not (sendable and present):
            return rest.filter(bool).map(lambda parts: (reduce(operator.and_, parts), False))
        first = st.sampled_from(present).flatmap(lambda n: _sent_leaf(pool, row, n))
        return st.tuples(first, rest).map(lambda p: (reduce(operator.and_, [p[0], *p[1]]), True))

    return st.integers(0, len(pool.full) - 1).flatmap(conditions)


def _trees(leaves: st.SearchStrategy[sm.Expr]) -> st.SearchStrategy[sm.Expr]:
    return st.recursive(leaves, lambda kids: st.one_of(
        st.lists(kids, min_size=2, max_size=3).map(lambda parts: reduce(operator.and_, parts)),
        st.lists(kids, min_size=2, max_size=3).map(lambda parts: reduce(operator.or_, parts)),
        kids.map(operator.invert)), max_leaves=5)


def _narrowing(pool: Pool) -> st.SearchStrategy[sm.Expr]:
    """Time entries (71 pages) narrowed by a member or a fortnight, so that every example pulls a few pages."""
    members = sorted(pool.full["member_id"].dropna().unique())
    days = pool.full["date"].dropna()
    first = st.sampled_from(sorted(days.unique())).map(pd.Timestamp)
    return st.one_of(st.sampled_from(members).flatmap(_cased).map(lambda m: F.member_id == m),
                     first.map(lambda d: (F.date >= d) & (F.date < d + pd.Timedelta(days=14))))


def _filters(pool: Pool) -> st.SearchStrategy[tuple[sm.Expr, bool]]:
    """A filter and whether it was built to have a condition Ruddr runs (then ``explain`` must send one)."""
    leaves = st.sampled_from(list(pool.kinds)).flatmap(lambda n: _leaf(pool, n))
    free = _trees(leaves).map(lambda where: (where, False))
    anchored = st.tuples(_row_conjunction(pool, sendable=True), st.one_of(st.none(), _trees(leaves))).map(
        lambda p: (p[0][0] if p[1] is None else p[0][0] & p[1], p[0][1]))
    mixed = st.tuples(_row_conjunction(pool, sendable=False), _row_conjunction(pool, sendable=False)).map(
        lambda p: (p[0][0] | p[1][0], False))
    shapes = st.one_of(free, anchored, anchored, mixed)
    if pool.resource == "time-entries":
        return st.tuples(_narrowing(pool), shapes).map(lambda p: (p[0] & p[1][0], True))
    return shapes


@pytest.mark.parametrize("resource", ["allocations", "time-entries", "members", "projects"])
@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_planned_filters_return_what_local_evaluation_returns(session: sm.ruddr.Session, emu: RuddrEmulator,
                                                              pools: dict[str, Pool], resource: str,
                                                              data: st.DataObject) -> None:
    """Generated filters over the workspace's own values: the planned query equals the whole filter run locally."""
    pool = pools[resource]
    spec = get_resource(resource)
    where, sendable = data.draw(_filters(pool), label="where")
    plan = session.explain(resource, where)
    note(str(plan))
    if sendable:
        assert plan.params, f"nothing sent for {where}"
    emu.log.clear()
    frame = session.frame(resource, where)
    entries = _lists(emu, resource)
    assert [e for e in entries if e.status != 200] == []  # never a parameter the API refuses
    assert all(query == plan.params for query in _first_pages(entries))
    assert frame.attrs["filter"] == plan.filter and frame.attrs["pulled"] >= len(frame)
    if plan.local is None:
        assert frame.attrs["pulled"] == len(frame)
    expected = pool.full[evaluate(where, pool.full, spec, None)].reset_index(drop=True)
    _assert_same(frame, expected, resource)  # same rows, same order, same dtypes


# --- normalisation through the Session -------------------------------------------------------------------
def test_the_timeline_frame_is_typed_and_allocation_days_sum_to_total_hours(session: sm.ruddr.Session,
                                                                             full: dict[str, pd.DataFrame]) -> None:
    timeline = session.timeline_frame(start="2026-02-23", end="2026-03-09")
    assert {"allocation", "time_entry"} <= set(timeline["kind"])
    allocations = full["allocations"]
    planned_rows = timeline["kind"].isin(["allocation", "placeholder"])  # each row its record's id
    assert timeline.loc[planned_rows, "record_id"].isin(allocations["id"]).all()
    assert timeline.loc[timeline["kind"].eq("time_entry"), "record_id"].isin(full["time-entries"]["id"]).all()
    # every allocation: its days' hours (the expansion the timeline draws) sum to its totalHours
    days = allocation_days(allocations, full["members"])
    summed = days.groupby("id")["hours"].sum()
    totals = allocations.set_index("id")["total_hours"]
    assert set(summed.index) <= set(totals.index)
    assert ((summed - totals[summed.index]).abs() <= 0.011).all()
    assert (totals.drop(summed.index) == 0).all()  # only allocations of no hours have no day
    # and through the Session, one allocation of each kind of row on its own
    planned = allocations[allocations["entity"].eq("allocation")]
    picks = {
        "allocation": planned[planned["unit"].eq("ratio_of_capacity") & planned["resource_type_id"].eq("member")
                              & planned["assignment_type_id"].eq("project")],
        "placeholder": planned[planned["resource_type_id"].eq("placeholder")],
        "time_off": planned[planned["assignment_type_id"].eq("time_off")],
    }
    for kind, rows in picks.items():
        row = rows.iloc[0]
        one = session.timeline_frame(F.id == row["id"])  # one allocation's days (no time entry has its id)
        assert set(one["kind"]) == {kind} and len(one) > 0
        assert one["start"].min() >= row["start"] and one["end"].max() <= row["end"] + pd.Timedelta(days=1)
        assert ((one["end"] - one["start"]) == pd.Timedelta(days=1)).all()
        assert one["hours"].sum() == pytest.approx(row["total_hours"], abs=0.01), row["id"]
        assert one["record_id"].eq(row["id"]).all()  # every day of the allocation names it


def test_two_systems_concatenate_and_draw_one_timeline_and_one_utilisation(session: sm.ruddr.Session) -> None:
    week = {"start": "2026-03-02", "end": "2026-03-07"}
    ruddr = session.timeline_frame(**week)
    with sm.demo(progress=False) as servicem8:
        booked = servicem8.timeline_frame(**week)
    both = pd.concat([booked, ruddr], ignore_index=True)
    assert {c: str(t) for c, t in both.dtypes.items()} == TIMELINE_DTYPES
    assert set(both["source"]) == {"servicem8", "ruddr"}
    ax = sm.timeline(both, start=week["start"], end=week["end"], color_by="source")
    try:
        rows = [label.get_text() for label in ax.get_yticklabels()]
        assert any(r.endswith("(servicem8)") for r in rows) and any(r.endswith("(ruddr)") for r in rows)
    finally:
        import matplotlib.pyplot as plt

        plt.close(ax.figure)
    table = sm.utilisation(both, kinds=("booking", "allocation"), start=week["start"], end=week["end"])
    assert set(table["source"]) == {"servicem8", "ruddr"}  # each person with their system
    assert (table["planned_hours"] > 0).any() and table["utilisation"].notna().all()


def test_utilisation_columns_and_dtypes(session: sm.ruddr.Session) -> None:
    everyone = session.utilisation(start="2026-02-02", end="2026-03-02")
    assert {c: str(t) for c, t in everyone.dtypes.items()} == UTILISATION_DTYPES  # as on every system
    assert set(everyone["staff"]) == set(session.people()["staff"])  # every active member, busy or not
    table = session.billable_utilisation(start="2026-02-02", end="2026-03-01")
    assert {c: str(t) for c, t in table.dtypes.items()} == {
        "member_id": "string", "member": "string", "period": "datetime64[ns]", "availability_hours": "Float64",
        "time_off_hours": "Float64", "capacity_hours": "Float64", "allocated_hours": "Float64",
        "billable_allocated_hours": "Float64", "entry_hours": "Float64", "billable_hours": "Float64",
        "target": "Float64", "billable_utilisation": "Float64", "planned_billable_utilisation": "Float64",
        "allocated_utilisation": "Float64",
    }
    assert table["target"].dropna().between(0, 1).all()  # fractions, as every utilisation
    assert len(table) > 0 and table["member"].notna().all()
    assert set(table["period"].dt.day_of_week) == {0}  # weeks start on Monday
    assert (table["period"] >= pd.Timestamp("2026-02-02") - timedelta(days=6)).all()
