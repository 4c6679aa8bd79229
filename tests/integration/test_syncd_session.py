"""The Syncd Session end to end: real HTTP to the Syncd emulator on loopback, through the real SQLite cache.

Nothing of our own HTTP layer is mocked. One emulator (pages of 50 items, so lists span several
pages) and one Session serve the module; tests that break things (faults, a wrong password) open
Sessions of their own on cache folders of their own. Answers are checked against the emulator's
account (``emu.data``), the ground truth; filters against ``smexplore.core.filters.evaluate`` run
on every record. Time entries (6,677 in the small account) are pulled per user or per week. What
every connector does alike (typed frames, paging and the cache, a failing page, the password never
shown, unknown names, the timeline's dtypes, the demo) is tested once for all in ``test_connectors.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from werkzeug.wrappers import Response

import smexplore as sm
from smexplore import F
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.timeline import TIMELINE_DTYPES
from smexplore.syncd.emulator import Account, SyncdEmulator
from smexplore.syncd.resources import get_resource
from smexplore.syncd.session import PAGE_SIZE
from tests.conformance.strict import serve

PAGE = 50  # the emulator's pages: fewer than the client asks for (PAGE_SIZE), so it goes on from where they end
SECRET = "syncd-secret-password-4c1d"  # the owner's password here
WEEK = {"start": "2026-02-23", "end": "2026-02-28"}
USER = 24  # Oskar Ishikawa: about 600 entries in the year


@pytest.fixture(scope="module")
def emu() -> Iterator[SyncdEmulator]:
    with SyncdEmulator(page_size=PAGE, password=SECRET) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _healthy(emu: SyncdEmulator) -> Iterator[None]:
    emu.faults.clear()
    yield
    emu.faults.clear()


def _connect(emu: SyncdEmulator, folder: Path, password: str = SECRET, **options: Any) -> sm.syncd.Session:
    options = {"per_second": 1_000, "base_url": emu.base_url} | options  # the emulator has no rate limit
    return sm.syncd.connect(user=emu.user, password=password, cache=folder, progress=False, **options)


@pytest.fixture(scope="module")
def session(emu: SyncdEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.syncd.Session]:
    with _connect(emu, tmp_path_factory.mktemp("syncd-cache")) as s:
        yield s


@pytest.fixture(scope="module")
def account(emu: SyncdEmulator) -> Account:
    return emu.data


def _requests(emu: SyncdEmulator) -> list[tuple[str, dict[str, str]]]:
    return [(e.path, dict(e.query)) for e in emu.log.entries()]


def _path(account: Account, job_id: int) -> str:
    job = account.jobs[job_id]
    return " / ".join([a.name for a in reversed(account.ancestors(job))] + [job.name])


# --- the login -------------------------------------------------------------------------------------
def test_the_login_comes_from_the_environment(emu: SyncdEmulator, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_USER", emu.user)
    monkeypatch.setenv("SYNCD_PASSWORD", SECRET)
    with sm.syncd.connect(base_url=emu.base_url, cache=False, progress=False) as s:
        assert len(s.users()) == 12


# --- each path -----------------------------------------------------------------------------------
def test_jobs_are_the_tree_with_paths(session: sm.syncd.Session, emu: SyncdEmulator, account: Account) -> None:
    emu.log.clear()
    jobs = session.jobs()
    assert jobs["id"].tolist() == sorted(account.jobs)
    paths = dict(zip(jobs["id"], jobs["path"], strict=True))
    assert all(paths[i] == _path(account, i) for i in account.jobs)
    depth = dict(zip(jobs["id"], jobs["depth"], strict=True))
    assert all(depth[i] == len(account.ancestors(account.jobs[i])) for i in account.jobs)
    effective = dict(zip(jobs["id"], jobs["effectively_active"], strict=True))
    assert all(effective[i] == account.effectively_active(account.jobs[i]) for i in account.jobs)
    assert set(jobs["job_type_name"]) == {"client", "project", "phase", "task"}
    assert jobs["created_at"].notna().all()  # include=timestamps
    sent = [q for p, q in _requests(emu) if p == "/jobs.xml"]
    assert sent == [{"include": "timestamps"}]  # "All jobs: GET /jobs.xml": one request, no range
    assert len(account.jobs) > PAGE  # more than the emulator's pages of the other lists


def test_children_roots_and_ancestors(session: sm.syncd.Session, emu: SyncdEmulator, account: Account) -> None:
    emu.log.clear()
    parent = 93
    children = session.children(parent)
    assert children["id"].tolist() == [j.id for j in account.children(parent)]
    top = session.children()
    assert top["id"].tolist() == [j.id for j in account.children(None)] and (top["depth"] == 0).all()
    paths = [p for p, _ in _requests(emu)]
    assert f"/jobs/{parent}/children.xml" in paths and "/jobs/root/children.xml" in paths
    leaf = max(account.jobs, key=lambda i: len(account.ancestors(account.jobs[i])))
    chain = session.ancestors(leaf)
    expected = [a.id for a in reversed(account.ancestors(account.jobs[leaf]))] + [leaf]
    assert chain["id"].tolist() == expected and chain["depth"].tolist() == list(range(len(expected)))
    one = session.get("jobs", leaf)
    assert len(one) == 1 and one.loc[0, "path"] == _path(account, leaf) and one.loc[0, "created_at"] is not pd.NaT
    assert (f"/jobs/{leaf}.xml", {"include": "job_ancestors,timestamps"}) in _requests(emu)
    assert session.children(999_999).empty  # no such job: no children, as a local filter says


def test_job_types_users_and_assignments(session: sm.syncd.Session, account: Account, emu: SyncdEmulator) -> None:
    emu.log.clear()
    types = session.job_types()
    assert types["name"].tolist() == ["client", "project", "phase", "task"] and types["depth"].tolist() == [0, 1, 2, 3]
    users = session.users()
    assert users["id"].tolist() == [u.id for u in account.users]
    assert users["full_name"].tolist() == [f"{u.first_name} {u.last_name}" for u in account.users]
    assignments = session.assignments()
    assert assignments["id"].tolist() == [a.id for a in account.assignments]
    assert ("/job_assignments.xml", {"include": "users,user_groups,jobs,timestamps", "start": "1",
                                     "end": str(PAGE_SIZE)}) in _requests(emu)
    named = assignments.dropna(subset=["user_id"])
    logins = {u.id: u.name for u in account.users}
    assert all(logins[u] == n for u, n in zip(named["user_id"], named["user_name"], strict=True))
    assert assignments.loc[assignments["jobs"] == "all", "job_id"].isna().all()
    on_a_job = assignments.dropna(subset=["job_id"])
    assert all(p == _path(account, j) for j, p in zip(on_a_job["job_id"], on_a_job["job_path"], strict=True))
    assert session.get("job_assignments", int(assignments.loc[0, "id"]))["id"].tolist() == [assignments.loc[0, "id"]]


def test_assignments_resolved_down_the_tree_match_the_account(session: sm.syncd.Session, account: Account) -> None:
    resolved = session.resolved_assignments()
    found = resolved.dropna(subset=["user_id"]).groupby("job_id")["user_id"].agg(lambda s: set(s.astype(int)))
    expected = {job: set(users) for job, users in account.assigned_users().items() if users}
    assert found.to_dict() == expected
    inherited = resolved[resolved["inherited"].fillna(False)]
    assert len(inherited) and (inherited["assigned_on"] != inherited["job_id"]).all()
    nobody = next(a for a in account.assignments if a.users == "none")
    own = resolved[(resolved["job_id"] == nobody.job_id) & ~resolved["all_jobs"]]
    assert own["assignment_id"].tolist() == [nobody.id]  # "none" stopped the parent's


def test_time_entries_are_typed_with_hours_and_offsets(session: sm.syncd.Session, account: Account) -> None:
    entries = session.time_entries(F.user_id == USER)
    truth = {e.id: e for e in account.time_entries if e.user_id == USER}
    assert set(entries["id"]) == set(truth)
    timed = entries.dropna(subset=["start_time"]).iloc[0]
    entry = truth[int(timed["id"])]
    assert entry.start_time is not None
    assert timed["start_time"] == pd.Timestamp(entry.start_time.replace(tzinfo=None))  # the wall time written
    assert timed["utc_offset"] == entry.start_time.isoformat()[-6:]
    assert timed["hours"] == pytest.approx(entry.duration / 60)
    assert timed["user_name"] == "Oskar Ishikawa" and timed["job_path"] == _path(account, entry.job_id)
    only_date = entries[entries["start_time"].isna()]
    assert len(only_date) and (only_date["date"] == only_date["start_date"]).all()
    assert entries["date"].is_monotonic_increasing


def test_a_time_zone_session_shows_instants_in_its_zone(emu: SyncdEmulator, account: Account, tmp_path: Path) -> None:
    with _connect(emu, tmp_path, timezone="Europe/London") as s:
        entries = s.time_entries((F.user_id == USER) & (F.date == "2026-02-24"))
    truth = {e.id: e for e in account.time_entries if e.user_id == USER}
    row = entries.dropna(subset=["start_time"]).iloc[0]
    start = truth[int(row["id"])].start_time
    assert start is not None and row["start_time"] == pd.Timestamp(start).tz_convert("Europe/London")
    assert str(entries["start_time"].dtype) == "datetime64[ns, Europe/London]"
    assert str(entries["date"].dtype) == "datetime64[ns]"


# --- filters: sent vs local -------------------------------------------------------------------------
@pytest.mark.parametrize(("where", "path", "query"), [
    (F.effectively_active == True, "/jobs/active.xml", {}),
    (F.active == False, "/jobs/inactive.xml", {}),
    (F.active == True, "/jobs.xml", {}),  # local: the documents leave the active list's reading open
    (F.allow_time_entries == True, "/jobs.xml", {"for": "time"}),
    ((F.parent_id == 93) & (F.effectively_active == True), "/jobs/93/children/active.xml", {}),
    ((F.parent_id.isna()) & (F.allow_expense_entries == True), "/jobs/root/children.xml", {"for": "expenses"}),
    ((F.depth == 2) & F.path.contains("gallery"), "/jobs.xml", {}),
    ((F.parent_id == 93) | (F.parent_id == 92), "/jobs.xml", {}),
])
def test_job_filters_sent_and_local_give_the_local_answer(session: sm.syncd.Session, emu: SyncdEmulator,
                                                          where: sm.Expr, path: str, query: dict[str, str]) -> None:
    everything = session.jobs()
    expected = everything[evaluate(where, everything, get_resource("jobs"))].reset_index(drop=True)
    session.clear_cache()
    emu.log.clear()
    frame = session.jobs(where)
    pd.testing.assert_frame_equal(frame, expected, check_like=False)
    assert len(expected) or where is not None
    sent = [(p, {k: v for k, v in q.items() if k not in ("start", "end", "include")}) for p, q in _requests(emu)]
    assert (path, query) in sent
    assert frame.attrs["filter"] == session.explain("jobs", where).filter


def test_time_entry_filters_sent_and_local(session: sm.syncd.Session, emu: SyncdEmulator, account: Account) -> None:
    where = (F.user_id == USER) & (F.date >= "2026-02-01") & (F.date < "2026-03-01") & (F.hours > 2)
    emu.log.clear()
    frame = session.time_entries(where)
    expected = {e.id for e in account.time_entries if e.user_id == USER and "2026-02-01" <= e.day.isoformat()
                < "2026-03-01" and e.duration > 120}
    assert set(frame["id"]) == expected and len(expected)
    (sent,) = [q for p, q in _requests(emu) if p == "/time_entries.xml"]
    assert sent == {"user_id": str(USER), "start_date": "2026-02-01", "end_date": "2026-02-28", "start": "1",
                    "end": str(PAGE_SIZE)}
    assert frame.attrs["pulled"] > len(frame)  # hours > 2 ran here
    emu.log.clear()
    assert session.time_entries((F.date >= "2026-03-01") & (F.date < "2026-02-01")).empty
    assert not emu.log.entries()  # no day between: nothing asked


# --- errors and faults ----------------------------------------------------------------------------
def test_errors_are_read_from_the_xml(session: sm.syncd.Session) -> None:
    with pytest.raises(sm.NotFoundError, match="Couldn't find Job with ID=999999"):
        session.get("jobs", 999_999)
    with pytest.raises(sm.APIError, match="start must be a whole number") as caught:
        session._transport.get("/jobs.xml", {"start": "0"})
    assert caught.value.status == 422
    with pytest.raises(ValueError, match="whole number"):
        session.get("users", "abc")


def test_a_body_cut_short_every_time_names_the_path(emu: SyncdEmulator, tmp_path: Path) -> None:
    with _connect(emu, tmp_path, retry_budget=0.5) as s:
        emu.faults.fail_next(0, after=1)
        emu.faults.truncate_next(50)
        with pytest.raises(sm.IncompleteResultError,
                           match=r"GET /time_entries\.xml was cut short .*not well-formed XML"):
            s.time_entries(F.user_id == USER)
        emu.faults.clear()
        expected = sorted(e.id for e in emu.data.time_entries if e.user_id == USER)
        assert sorted(s.time_entries(F.user_id == USER)["id"]) == expected  # nothing broken was cached


@pytest.mark.parametrize("fault", ["truncate_next", "cut_connection_next", "rate_limit_next", "fail_next"])
def test_transient_faults_are_retried(emu: SyncdEmulator, tmp_path: Path, fault: str) -> None:
    with _connect(emu, tmp_path, retry_budget=10) as s:
        getattr(emu.faults, fault)(1)
        assert len(s.jobs()) == len(emu.data.jobs)


# --- odd answers (issue 21) -------------------------------------------------------------------------
MAINTENANCE = (b"<html><head><title>Down for maintenance</title></head><body><p>Back at 6 pm.</p></body></html>")


class _Gate:
    """The emulator behind a gate that can answer every request with an odd 200 of its own (``answer``)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.answer: tuple[bytes, str] | None = None
        self.served = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.answer is None:
            return self.app(environ, start_response)
        self.served += 1
        body, media = self.answer
        return Response(body, 200, content_type=media)(environ, start_response)


@pytest.fixture(scope="module")
def gate(emu: SyncdEmulator) -> Iterator[tuple[_Gate, str]]:
    keeper = _Gate(emu.app)
    with serve(keeper) as url:
        yield keeper, url


@pytest.mark.parametrize(("body", "media", "refused", "said"), [
    (MAINTENANCE, "text/html; charset=utf-8", sm.APIError, "text/html titled 'Down for maintenance'"),
    (MAINTENANCE, "application/xml", sm.APIError, "an HTML page titled 'Down for maintenance'"),
    (b'<?xml version="1.0"?>\n<html><head><title>Down for maintenance</title></head><body/></html>',
     "text/xml", sm.APIError, "HTML page titled 'Down for maintenance'"),
    (b"<!DOCTYPE html><html><head><title>Down for maintenance</title><body>Back at 6<br></body></html>",
     "application/xml", sm.APIError, "HTML page titled 'Down for maintenance'"),  # not even well-formed
    (b"<error><message>Down for maintenance</message></error>", "application/xml", sm.APIError,
     "root is <error>, not a Syncd answer"),
    (b"<errors><error>Down for maintenance</error></errors>", "application/xml", sm.APIError,
     r"an error document with HTTP 200 \(Down for maintenance\)"),
    # Refused by the paging (a PageError): IncompleteResultError until the core makes a first page's APIError.
    (b'<user><id type="integer">1</id><name>x</name></user>', "application/xml",
     (sm.APIError, sm.IncompleteResultError), "<user> record where the <users> list was asked for"),
])
def test_an_odd_answer_is_refused_and_the_store_kept(gate: tuple[_Gate, str], emu: SyncdEmulator, tmp_path: Path,
                                                     body: bytes, media: str, refused: Any, said: str) -> None:
    """A 200 that is no list of users (a maintenance page as HTML or as XML, another document) is never one
    all-missing user: ``users()`` and ``sync(["users"])`` refuse it at once (one request, no retry), the store
    keeps what it held (no "deactivated=12"), and nothing of it is cached."""
    keeper, url = gate
    with _connect(emu, tmp_path, base_url=url, retry_budget=30) as s:
        assert s.sync(["users"]).loc[0, "new"] == len(emu.data.users)
        stored, state = s.users(source="store"), s._store.state("users")
        s.clear_cache()  # the sync's answer is in the HTTP cache too (see the report on Transport's bypass)
        keeper.answer, keeper.served = (body, media), 0
        try:
            with pytest.raises(refused, match=said):
                s.users()
            assert keeper.served == 1
            with pytest.raises(refused, match=said):
                s.sync(["users"])
            assert keeper.served == 2
        finally:
            keeper.answer = None
        assert s._store.state("users") == state
        pd.testing.assert_frame_equal(s.users(source="store"), stored)
        assert s.users()["id"].tolist() == [u.id for u in emu.data.users]


def test_a_list_where_one_record_was_asked_for_is_refused(gate: tuple[_Gate, str], emu: SyncdEmulator,
                                                          tmp_path: Path) -> None:
    """One record asked for (``/users/24.xml``), a list answered: an ``APIError`` naming both."""
    keeper, url = gate
    with _connect(emu, tmp_path, base_url=url) as s:
        keeper.answer = (b'<users type="array"><user><id type="integer">24</id></user></users>', "application/xml")
        try:
            with pytest.raises(sm.APIError, match="the API answered a <users> where a <user> record was asked for"):
                s.get("users", 24)
        finally:
            keeper.answer = None
        assert s.get("users", 24)["id"].tolist() == [24]


# --- normalisation -------------------------------------------------------------------------------
def test_the_timeline_frame_is_typed_and_holds_the_weeks_entries(session: sm.syncd.Session, account: Account) -> None:
    days = (F.date >= "2026-02-22") & (F.date <= "2026-02-28")
    timeline = session.timeline_frame(days, **WEEK)
    assert set(timeline["kind"]) == {"time_entry"}
    names = {u.id: f"{u.first_name} {u.last_name}" for u in account.users}
    assert all(names[int(i)] == n for i, n in zip(timeline["staff_id"], timeline["staff"], strict=True))
    week = [e for e in account.time_entries if "2026-02-23" <= e.day.isoformat() <= "2026-02-27"]
    assert float(timeline["hours"].sum()) == pytest.approx(sum(e.duration for e in week) / 60)
    roots = {j.id: _path(account, j.id).split(" / ")[0] for j in account.jobs.values()}
    assert all(roots[int(j)] == c for j, c in zip(timeline["job_id"], timeline["client"], strict=True))
    by_id = {e.id: e for e in account.time_entries}  # each row names its entry: same user, job and minutes
    assert timeline["record_id"].is_unique and timeline["record_id"].notna().all()
    assert all((by_id[int(r)].user_id, by_id[int(r)].job_id, by_id[int(r)].duration) == (int(u), int(j), round(h * 60))
               for r, u, j, h in zip(timeline["record_id"], timeline["staff_id"], timeline["job_id"],
                                     timeline["hours"], strict=True))
    entries = session.time_entries(days)
    pd.testing.assert_frame_equal(sm.normalise(entries).reset_index(drop=True)[list(TIMELINE_DTYPES)].pipe(
        lambda f: f[(f["end"] > pd.Timestamp(WEEK["start"])) & (f["start"] < pd.Timestamp(WEEK["end"]))])
        .sort_values(["start", "staff", "end"], kind="stable", ignore_index=True), timeline, check_like=True,
        check_flags=False)
    assert sm.normalise(session.assignments()).empty  # assignments carry no dates


def test_concatenated_with_a_servicem8_timeline_frame_every_dtype_is_kept(session: sm.syncd.Session) -> None:
    syncd = session.timeline_frame((F.date >= "2026-02-22") & (F.date <= "2026-02-28"), **WEEK)
    with sm.demo(progress=False) as servicem8:
        booked = servicem8.timeline_frame(**WEEK)
    both = pd.concat([booked, syncd], ignore_index=True)
    assert {c: str(t) for c, t in both.dtypes.items()} == TIMELINE_DTYPES
    assert set(both["source"]) == {"servicem8", "syncd"}
    table = sm.utilisation(both, kinds=("booking", "time_entry"), start=WEEK["start"], end=WEEK["end"])
    assert set(table["source"]) == {"servicem8", "syncd"}  # each person with their system
    syncd_rows = table[table["source"] == "syncd"]
    assert (syncd_rows["recorded_utilisation"] > 0).any() and (syncd_rows["planned_hours"] == 0).all()
