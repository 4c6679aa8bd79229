"""The Accelo Session over real HTTP to the Accelo emulator, through a real requests-cache SQLite cache.

The OAuth grant and its renewal mid-pull, a bearer token never renewed, ``_page``/``_limit``
paging, ``/count``, filters sent as ``_filters`` (and their answers equal to local filtering),
errors from the envelope, the hourly rate limit and its headers (on fake clocks: no real waiting),
faults, typed frames and the normalised timeline. What every connector does alike (typed frames,
paging and the cache, offline reads, a failing page, secrets never shown, unknown names, the
timeline's dtypes, the demo) is tested once for all in ``test_connectors.py``.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore import F, accelo
from smexplore.accelo.emulator import DEMO_CLIENT_ID, AcceloEmulator
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.timeline import TIMELINE_DTYPES


class _Wall:
    """A unix clock the test moves by hand (the emulator's tokens and hourly windows follow it)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def _connect(emu: AcceloEmulator, cache: Path | bool, **options: Any) -> accelo.Session:
    options.setdefault("progress", False)
    return accelo.connect(base_url=emu.base_url, token_url=emu.token_url, client_id=emu.client_id,
                          client_secret=emu.client_secret, cache=cache, **options)


def _api(emu: AcceloEmulator, path: str = "") -> list[Any]:
    return [e for e in emu.log.entries() if e.path.startswith("/api/v0" + path)]


@pytest.fixture(scope="module")
def emu() -> Iterator[AcceloEmulator]:
    with AcceloEmulator(seed=0, scale="small") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def session(emu: AcceloEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[accelo.Session]:
    with _connect(emu, tmp_path_factory.mktemp("accelo-cache")) as s:
        yield s


# --- the grant ------------------------------------------------------------------------------------
def test_the_grant_gets_one_token_for_every_request(emu: AcceloEmulator, tmp_path: Path) -> None:
    s = _connect(emu, tmp_path)
    jobs = s.jobs()
    assert len(jobs) == len(emu.agency.tables["jobs"])
    s.staff()
    credential = s._credential
    assert isinstance(credential, accelo.session.ClientCredentials) and credential.grants == 1
    token = credential._token
    assert token and token in s._transport.credential.headers()["Authorization"]
    s.close()
    assert "OAuth client" in repr(s) and DEMO_CLIENT_ID not in repr(s)  # the secret and the token: test_connectors
    assert all(not e.path.startswith("/oauth2") or e.method == "POST" for e in emu.log.entries())


def test_a_token_that_expires_mid_pull_is_renewed_once_and_the_pull_completes(tmp_path: Path) -> None:
    clock = _Wall(time.time())
    with AcceloEmulator(seed=0, scale="small", clock=clock, token_ttl=600) as emu:
        s = _connect(emu, tmp_path)
        inner = s.paging(s._resource("tasks"))

        class Expiring:  # the token expires after the third page
            pages = 0
            id_key = inner.id_key

            def first(self) -> dict[str, str]:
                return inner.first()

            def records(self, body: Any) -> list[dict[str, Any]]:
                return inner.records(body)

            def total(self, body: Any) -> int | None:
                return inner.total(body)

            def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> Any:
                Expiring.pages += 1
                if Expiring.pages == 3:
                    clock.advance(601)
                return inner.next(body, response, records)

        s.paging = lambda spec=None: Expiring()  # type: ignore[method-assign]
        tasks = s.tasks()
        assert list(tasks["id"]) == [int(t["id"]) for t in emu.agency.tables["tasks"]]
        refused = [e for e in _api(emu, "/tasks") if e.status == 401]
        third_last = emu.agency.tables["tasks"][299]["id"]  # the fourth page starts after the 300th task
        assert len(refused) == 1 and refused[0].query["_filters"] == f"id_greater_than({third_last})"
        assert s._credential.grants == 2  # type: ignore[attr-defined]

        # Knowing when its token expires, the credential renews it before it is refused.
        s._credential._clock = clock  # type: ignore[attr-defined]
        s._credential._expires = clock.now + 500  # type: ignore[attr-defined]
        clock.advance(700)
        emu.log.clear()
        s.staff()
        # one page of staff, then the empty page that ends the list
        assert [e.status for e in _api(emu)] == [200, 200] and s._credential.grants == 3  # type: ignore[attr-defined]
        s.close()


def test_a_bearer_token_is_used_as_given_and_a_refused_one_is_not_renewed(tmp_path: Path) -> None:
    clock = _Wall(time.time())
    with AcceloEmulator(seed=0, scale="small", clock=clock, token_ttl=60) as emu:
        granted = requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret),
                                data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
        s = accelo.connect(base_url=emu.base_url, token=granted, cache=False, progress=False)
        assert len(s.staff()) == len(emu.agency.tables["staff"])
        clock.advance(61)
        with pytest.raises(sm.AuthenticationError, match="ACCELO_TOKEN") as caught:
            s.jobs()
        assert granted not in str(caught.value) and granted not in repr(s)
        assert [e.status for e in _api(emu, "/jobs")] == [401]  # refused once, no renewal
        s.close()


# --- paging, count, get -----------------------------------------------------------------------------
def test_lists_are_paged_by_hundreds_above_the_last_id_until_an_empty_page(emu: AcceloEmulator,
                                                                          tmp_path: Path) -> None:
    emu.log.clear()
    with _connect(emu, tmp_path, concurrency=1) as one_by_one:  # each page waits for the one before
        tasks = one_by_one.tasks()
    records = emu.agency.tables["tasks"]
    total = len(records)
    assert len(tasks) == total and tasks["id"].is_unique
    pages = [e.query for e in _api(emu, "/tasks")]
    bounds = [None] + [f"id_greater_than({records[min(n, total - 1)]['id']})" for n in range(99, total + 99, 100)]
    assert [p.get("_filters") for p in pages] == bounds  # a short last page is asked past once: it may be a cap
    assert {p["_limit"] for p in pages} == {"100"} and all("_fields" in p for p in pages)
    assert not any("_page" in p or "_offset" in p for p in pages)


def test_pages_fetched_ahead_by_offset_overlap_by_a_record_and_the_list_ends_at_the_bound(
        emu: AcceloEmulator, session: accelo.Session) -> None:
    emu.log.clear()
    tasks = session.tasks()  # four pages in flight at most (the default)
    records = emu.agency.tables["tasks"]
    total = len(records)
    assert list(tasks["id"]) == [int(r["id"]) for r in records]  # nothing lost, repeated or out of order
    sent = [e.query for e in _api(emu, "/tasks")]
    assert sent[0].get("_filters") is None and "_offset" not in sent[0]
    ahead = [p for p in sent[1:] if "_offset" in p]
    assert sorted(int(p["_offset"]) for p in ahead) == list(range(99, 99 * (len(ahead) + 1), 99))  # overlapping by one
    assert len(ahead) * 99 >= total - 100 and len(ahead) <= -(-total // 99) + 4  # at most four guesses past the end
    last = f"id_greater_than({records[-1]['id']})"
    assert [p.get("_filters") for p in sent[1:] if "_offset" not in p] == [last]  # the empty page ends it, by the bound
    assert len({tuple(sorted(p.items())) for p in sent}) == len(sent)  # each page asked for once
    emu.log.clear()
    statuses = session.job_statuses()  # no id range filter on statuses: offsets counted in records received
    assert [e.query["_offset"] for e in _api(emu, "/jobs/statuses")] == ["0", str(len(statuses))]
    emu.log.clear()
    assert len(session.tasks()) == total and not _api(emu)  # the repeat comes from the cache


def test_count_asks_accelo_when_it_runs_the_whole_filter(emu: AcceloEmulator, session: accelo.Session) -> None:
    emu.log.clear()
    active = session.count("jobs", F.standing == "active")
    assert [e.path for e in _api(emu)] == ["/api/v0/jobs/count"]
    assert active == sum(1 for j in emu.agency.tables["jobs"] if j["standing"] == "active") > 0
    assert session.count("jobs") == len(emu.agency.tables["jobs"])
    assert session.count("job_statuses", "standing(complete)") == 1
    emu.log.clear()
    mixed = session.count("jobs", (F.standing == "active") & F.title.contains("site"))
    assert mixed == len(session.jobs((F.standing == "active") & F.title.contains("site")))
    assert all(not e.path.endswith("/count") for e in _api(emu))  # the local part needs the records


def test_get_returns_one_typed_row_and_a_missing_id_is_not_found(session: accelo.Session) -> None:
    row = session.get("jobs", 5)
    assert len(row) == 1 and row.loc[0, "id"] == 5 and list(row.columns) == list(session.jobs().columns)
    assert row.loc[0, "manager_firstname"] == session.jobs(F.id == 5).loc[0, "manager_firstname"]
    with pytest.raises(sm.NotFoundError, match="jobs 99999"):
        session.get("jobs", "99999")
    with pytest.raises(ValueError, match="whole number"):
        session.get("jobs", "abc")


# --- filters ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", [
    (F.manager_id.isin([1, 2])) & (F.date_due >= "2025-06-01"),
    ((F.manager_id == 1) | (F.status_id == 2) | ((F.standing == "active") & (F.rate_id == 1))),
    F.date_completed.isna() & ~F.standing.isin(["pending"]),
    (F.rate_charged > 150) & F.title.contains("web"),
    "manager(3,4),standing_not(complete),date_started_after(1735689600)",
    "_OR(against(company(2,3)),empty(date_due))",
])
def test_filters_go_to_the_server_and_give_the_local_answer(emu: AcceloEmulator, session: accelo.Session,
                                                          where: Any) -> None:
    planned = session.explain("jobs", where)
    emu.log.clear()
    got = session.jobs(where)
    sent = [e.query.get("_filters") for e in _api(emu, "/jobs")]
    # every page sends the planned filter; pages after the first add the bound above the last id
    assert sent and sent[0] == planned.filter and planned.filter
    assert all(re.fullmatch(re.escape(planned.filter) + r",id_greater_than\(\d+\)", text) for text in sent[1:])
    everything = session.jobs()
    expected = everything[evaluate(planned.where, everything, session._resource("jobs"))]  # type: ignore[arg-type]
    assert list(got["id"]) == list(expected["id"])
    assert got.attrs["filter"] == planned.filter and got.attrs["pulled"] >= len(got)


def test_bad_filters_and_refusals_are_clear_errors(emu: AcceloEmulator, session: accelo.Session) -> None:
    emu.log.clear()
    with pytest.raises(sm.FilterError, match="at position 11"):
        session.jobs("manager(3),managr(4)")
    assert not _api(emu)  # refused before any request
    with pytest.raises(sm.FilterError, match="rejected the filter 'bogus\\(1\\)'.*invalid_request"):
        session._transport.get("/jobs", {"_filters": "bogus(1)"})
    narrow = _connect(emu, False, scope="read(staff)")
    assert len(narrow.staff()) == len(emu.agency.tables["staff"])
    with pytest.raises(sm.ForbiddenError, match="invalid_permission"):
        narrow.jobs()
    narrow.close()


# --- rate limits and faults -------------------------------------------------------------------------
def test_the_hourly_limit_and_its_headers_are_honoured(tmp_path: Path) -> None:
    hour = 1_800_000_000.0  # a whole hour in unix time
    clock = _Wall(hour + 3600 - 100)  # 100 s before the hour's window ends
    with AcceloEmulator(seed=0, scale="small", clock=clock, per_hour=6, token_ttl=10**8) as emu:
        s = _connect(emu, False, retry_budget=300, concurrency=1)  # pages one by one: the fake clocks tick in order
        s._transport._wall_clock = clock
        s._transport._sleep = clock.advance
        s._budget._clock, s._budget._sleep = clock, clock.advance
        # 11 pages (the last empty): 6 in this hour, then X-RateLimit-Remaining 0 holds the rest until the reset
        tasks = s.tasks()
        assert len(tasks) == len(emu.agency.tables["tasks"])
        assert [e.status for e in _api(emu)] == [200] * 11  # no request wasted on a 429
        assert clock.now == pytest.approx(hour + 3600, abs=1)
        headers = requests.get(emu.base_url + "/staff", timeout=10).headers
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(headers)

        clock.now = hour + 7200 - 20  # 20 s before the next reset, a 429: waited out, then asked again
        emu.log.clear()
        emu.faults.rate_limit_next(1)
        assert len(s.staff()) == len(emu.agency.tables["staff"])
        assert [e.status for e in _api(emu)] == [429, 200, 200] and clock.now >= hour + 7200  # and the empty page

        clock.now = hour + 10800 - 1000  # a reset further away than the retry budget: refused at once
        emu.faults.rate_limit_next(1)
        with pytest.raises(sm.RateLimitError):
            s.companies()
        s.close()


# --- frames and the timeline ------------------------------------------------------------------------
def test_frames_are_typed_and_a_timezone_shows_instants_in_it(emu: AcceloEmulator, session: accelo.Session) -> None:
    activities = session.activities(F.staff_id == 3)
    dtypes = {c: str(t) for c, t in activities.dtypes.items()}
    assert dtypes["id"] == "Int64" and dtypes["date_started"] == "datetime64[ns]"
    assert dtypes["billable_hours"] == "Float64" and dtypes["is_billable"] == "boolean"
    assert dtypes["standing"] == "category" and dtypes["staff_firstname"] == "string"
    raw = {r["id"]: r for r in emu.agency.tables["activities"] if r["staff"] == "3"}
    first = activities.iloc[0]
    record = raw[str(first["id"])]
    assert first["date_started"] == pd.Timestamp(int(record["date_started"]), unit="s")
    assert first["billable_hours"] + first["nonbillable_hours"] == pytest.approx(
        (int(record["billable"]) + int(record["nonbillable"])) / 3600)
    assert activities.attrs["source"] == "accelo" and activities.attrs["resource"] == "activities"
    zoned = _connect(emu, False, timezone="Australia/Melbourne")
    local = zoned.activities(F.id == int(first["id"]))
    assert local.loc[0, "date_started"] == first["date_started"].tz_localize("UTC").tz_convert("Australia/Melbourne")
    zoned.close()


def test_the_timeline_frame_normalises_and_concatenates_with_servicem8(session: accelo.Session) -> None:
    frame = session.timeline_frame(start="2026-02-02", end="2026-02-07")
    assert set(frame["kind"]) == {"time_entry", "task", "job"}
    logged = frame[frame["kind"] == "time_entry"]
    assert logged["billable"].notna().all() and logged["job"].notna().mean() > 0.9
    assert logged["hours"].sum() > 0
    logged_ids = sorted({int(i) for i in logged["record_id"]})[:20]  # each row names its activity
    sources = session.activities(F.id.isin(logged_ids))
    assert sorted(sources["id"].astype(int)) == logged_ids
    staff = dict(zip(sources["id"].astype(int).astype(str), sources["staff_id"].astype(int).astype(str), strict=True))
    picked = logged[logged["record_id"].isin(list(staff))]
    assert (picked["staff_id"] == picked["record_id"].map(staff)).all()
    spans = frame[frame["kind"] == "job"]
    assert (spans["record_id"] == spans["job_id"]).all()  # a job's row is the job's own record
    assigned = session.tasks(F.assignee_id == 3)
    tasks = sm.normalise(assigned)
    assert set(tasks["kind"]) == {"task"} and (tasks["staff_id"] == "3").all()
    assert set(tasks["record_id"]) <= set(assigned["id"].astype(int).astype(str)) and tasks["record_id"].is_unique
    with sm.demo(progress=False) as servicem8:
        booked = sm.normalise(servicem8.activities("start_date gt '2026-03-01 00:00:00'"))
    both = pd.concat([booked, frame], ignore_index=True)
    assert {c: str(t) for c, t in both.dtypes.items()} == TIMELINE_DTYPES
    assert set(both["source"]) == {"servicem8", "accelo"}
    assert not sm.utilisation(both, kinds=("booking", "time_entry")).empty


# --- every filter family, generated, over HTTP --------------------------------------------------------------
_IDS = st.integers(min_value=0, max_value=16)
_DAYS = st.dates(min_value=date(2023, 6, 1), max_value=date(2026, 6, 1)).map(pd.Timestamp)
_STANDINGS = st.sampled_from(["pending", "active", "paused", "complete", "inactive"])
_LEAVES = st.one_of(
    st.builds(lambda v: F.manager_id == v, _IDS),
    st.builds(lambda v: F.manager_id != v, _IDS),
    st.builds(lambda vs: F.status_id.isin(vs), st.lists(_IDS, min_size=1, max_size=3)),
    st.builds(lambda v: F.standing == v, _STANDINGS),
    st.builds(lambda vs: ~F.standing.isin(vs), st.lists(_STANDINGS, min_size=1, max_size=2)),
    st.builds(lambda d: F.date_started >= d, _DAYS),
    st.builds(lambda d: F.date_started < d, _DAYS),
    st.builds(lambda d: F.date_due > d, _DAYS),
    st.builds(lambda v: F.rate_charged >= v, st.sampled_from([0, 90.5, 150, 200])),
    st.just(F.date_completed.isna()),
    st.builds(lambda v: F.company_id <= v, _IDS),
    st.builds(lambda v: F.title.contains(v), st.sampled_from(["web", "site", "audit", "a"])),
)
_WHERE = st.recursive(_LEAVES, lambda inner: st.one_of(st.builds(lambda a, b: a & b, inner, inner),
                                                       st.builds(lambda a, b: a | b, inner, inner)),
                      max_leaves=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=_WHERE)
def test_generated_filters_pulled_equal_the_whole_list_filtered_here(emu: AcceloEmulator, session: accelo.Session,
                                                                    where: Any) -> None:
    """Whatever the planner sends as ``_filters`` (any-of, ``_not``, date and number bounds, ``empty``,
    ``_OR``), the emulator's answer plus the local remainder is exactly the whole list filtered locally."""
    planned = session.explain("jobs", where)
    note(f"sent: {planned.filter!r}; local: {planned.local}")
    emu.log.clear()
    got = session.jobs(where)
    assert all(e.status == 200 for e in _api(emu, "/jobs"))
    everything = session.jobs()
    expected = everything[evaluate(where, everything, session._resource("jobs"))]
    assert sorted(got["id"]) == sorted(expected["id"])
    assert got.attrs["pulled"] >= len(got)


def test_pages_fetched_ahead_are_read_back_from_the_cache_offline_and_one_at_a_time(
        emu: AcceloEmulator, tmp_path: Path) -> None:
    with _connect(emu, tmp_path) as first:  # pages fetched ahead by offset, stored under those queries
        tasks = first.tasks()
    shutil.rmtree(tmp_path / "frames", ignore_errors=True)  # no kept frame: every cached page is read
    emu.log.clear()
    with _connect(emu, tmp_path, offline=True) as offline, _connect(emu, tmp_path, concurrency=1) as one:
        pd.testing.assert_frame_equal(offline.tasks(), tasks)
        pd.testing.assert_frame_equal(one.tasks(), tasks)
    assert not _api(emu, "/tasks")  # the guesses the pull followed are followed again, in the cache
