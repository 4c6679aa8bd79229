"""The Session against a real emulator on loopback, through a real requests-cache SQLite cache.

What every connector does alike (typed frames, paging and the cache, a failing page, secrets, unknown
names, the timeline's dtypes, the demo) is tested once for all in ``test_connectors.py``; here, what
is ServiceM8's own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
import requests_cache

import smexplore as sm
from smexplore.emulator import Emulator
from smexplore.servicem8.resources import resource_names

GOLDEN = json.loads((Path(__file__).resolve().parent.parent / "golden" / "frame_columns.json").read_text())


def _sent(emu: Emulator) -> list[str]:
    return [f"{e.method} {e.resource} {e.query.get('cursor', '')}" for e in emu.log.entries()]


@pytest.fixture
def session(emulator: Emulator, tmp_path: Path) -> Iterator[sm.Session]:
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path, progress=False) as s:
        yield s


# --- columns and dtypes are public API ---------------------------------------------------------
@pytest.mark.parametrize("resource", resource_names())
def test_columns_and_dtypes_match_the_golden_file(session: sm.Session, resource: str) -> None:
    frame = session.frame(resource)
    assert len(frame) > 0
    assert {c: str(t) for c, t in frame.dtypes.items()} == GOLDEN[resource]


@pytest.mark.parametrize("resource", resource_names())
def test_empty_result_keeps_columns_and_dtypes(session: sm.Session, resource: str) -> None:
    empty = session.frame(resource, "edit_date lt '1990-01-01'")
    assert len(empty) == 0
    # custom fields included: the session learns the account's custom fields (#12, item 12)
    assert {c: str(t) for c, t in empty.dtypes.items()} == GOLDEN[resource]


@pytest.mark.parametrize(("method", "resource"), [("jobs", "job"), ("allocations", "joballocation"),
                                                   ("activities", "jobactivity"), ("staff", "staff"),
                                                   ("clients", "company"), ("categories", "category"),
                                                   ("allocation_windows", "allocationwindow"), ("queues", "queue"),
                                                   ("job_contacts", "jobcontact"),
                                                   ("client_contacts", "companycontact"),
                                                   ("notes", "note"), ("job_materials", "jobmaterial"),
                                                   ("materials", "material"), ("badges", "badge"), ("tasks", "task"),
                                                   ("forms", "form"), ("form_responses", "formresponse")])
def test_convenience_methods_pull_their_resource(session: sm.Session, emulator: Emulator, method: str,
                                                 resource: str) -> None:
    frame = getattr(session, method)()
    live = [r for r in emulator.account.tables[resource] if r["active"] == 1]
    assert live and sorted(frame["uuid"]) == sorted(r["uuid"] for r in live)
    assert frame.attrs["resource"] == resource and getattr(sm.Session, method).__doc__


def test_enriched_columns(session: sm.Session, emulator: Emulator) -> None:
    frame = session.activities(enrich=True)
    assert {c: str(frame[c].dtype) for c in frame.columns[-4:]} == GOLDEN["jobactivity+enrich"]
    tables = emulator.account.tables
    row = frame.iloc[100]
    staff = next(s for s in tables["staff"] if s["uuid"] == row["staff_uuid"])
    job = next(j for j in tables["job"] if j["uuid"] == row["job_uuid"])
    client = next(c for c in tables["company"] if c["uuid"] == job["company_uuid"])
    assert row["staff_name"] == f"{staff['first']} {staff['last']}"
    assert row["job_number"] == job["generated_job_id"]
    assert row["client_name"] == client["name"]
    assert frame["staff_name"].notna().all()
    assert {c: str(t) for c, t in session.allocations(enrich=True).dtypes.items()
            if c in GOLDEN["joballocation+enrich"]} == GOLDEN["joballocation+enrich"]
    jobs = session.jobs(enrich=True)
    assert {c: str(jobs[c].dtype) for c in GOLDEN["job+enrich"]} == GOLDEN["job+enrich"]
    assert list(jobs.columns[-3:]) == ["client_name", "category_name", "badge_names"]


def _by_uuid(rows: list[dict]) -> dict[str, dict]:
    return {row["uuid"]: row for row in rows}


def test_enrichment_names_materials_contacts_notes_and_tasks(session: sm.Session, emulator: Emulator) -> None:
    """Where a field of a new resource names another record, ``enrich=True`` names it (issue 23)."""
    tables = emulator.account.tables
    jobs, staff = _by_uuid(tables["job"]), _by_uuid(tables["staff"])
    clients, materials = _by_uuid(tables["company"]), _by_uuid(tables["material"])
    used = session.job_materials(enrich=True)
    assert used["material_name"].notna().any()
    for row in used.dropna(subset=["material_uuid"]).head(20).itertuples():
        assert row.material_name == materials[row.material_uuid]["name"]
        assert row.job_number == jobs[row.job_uuid]["generated_job_id"]
    assert str(used["material_name"].dtype) == "string"
    contacts = session.client_contacts(enrich=True)
    assert contacts["client_name"].notna().all()
    assert all(row.client_name == clients[row.company_uuid]["name"] for row in contacts.head(20).itertuples())
    notes = session.notes(enrich=True)
    on_jobs = notes[notes["related_object"].str.casefold() == "job"]
    assert len(on_jobs) > 0 and on_jobs["job_number"].notna().all()
    row = on_jobs.iloc[0]
    job = jobs[row["related_object_uuid"]]
    assert (row["job_number"], row["client_name"]) == (job["generated_job_id"], clients[job["company_uuid"]]["name"])
    tasks = session.tasks(enrich=True)
    assigned = tasks.dropna(subset=["assigned_to_staff_uuid"])
    assert len(assigned) > 0
    person = staff[assigned["assigned_to_staff_uuid"].iloc[0]]
    assert assigned["assigned_to_staff_name"].iloc[0] == f"{person['first']} {person['last']}"
    # a name filter on a new enriched column goes to the server as the uuid, as staff_name does
    name = used["material_name"].dropna().iloc[0]
    plan = session.explain("jobmaterial", sm.F.material_name == name)
    assert "material_uuid eq" in plan.filter
    assert set(session.job_materials(sm.F.material_name == name, enrich=True)["material_name"]) == {name}
    # a job activity's material_uuid (its labour rate) is left unnamed: activity frames keep their columns
    assert "material_name" not in session.activities(enrich=True)
    assert "material_uuid" not in session.named_columns("jobactivity")


def test_badge_names_name_a_jobs_badges_in_order(session: sm.Session, emulator: Emulator) -> None:
    badges = {b["uuid"]: b["name"] for b in emulator.account.tables["badge"]}
    jobs = session.jobs(enrich=True).set_index("uuid")
    carrying = [j for j in emulator.account.tables["job"] if j["active"] == 1 and json.loads(j["badges"] or "[]")]
    for job in carrying[:20]:
        names = [badges[u] for u in json.loads(job["badges"]) if u in badges]
        assert jobs.loc[job["uuid"], "badge_names"] == ", ".join(names)
    bare = [j["uuid"] for j in emulator.account.tables["job"] if j["active"] == 1 and j["badges"] in ("", "[]")]
    assert jobs.loc[bare, "badge_names"].isna().all()
    if carrying:  # a local filter on the names (a list of uuids cannot be sent)
        first = badges[json.loads(carrying[0]["badges"])[0]]
        found = session.jobs(sm.F.badge_names.contains(first))
        assert carrying[0]["uuid"] in set(found["uuid"])
        assert "badge" not in session.explain("job", sm.F.badge_names.contains(first)).filter


def test_soft_deleted_records_only_on_request(session: sm.Session, emulator: Emulator) -> None:
    rows = emulator.account.tables["jobactivity"]
    assert len(session.activities()) == sum(r["active"] == 1 for r in rows)
    everything = session.activities(include_inactive=True)
    assert len(everything) == len(rows)
    assert (~everything["active"]).sum() == sum(r["active"] == 0 for r in rows)


def test_filter_text_goes_to_the_server(session: sm.Session, emulator: Emulator) -> None:
    emulator.log.clear()
    frame = session.jobs("status eq 'Work Order' and date gt '2026-01-01'")
    assert set(frame["status"]) == {"Work Order"}
    assert (frame["date"] > pd.Timestamp("2026-01-01")).all()
    sent = emulator.log.entries()
    assert sent[0].query["$filter"] == "status eq 'Work Order' and date gt '2026-01-01 00:00:00'"  # canonical form


def test_get_one_record(session: sm.Session, emulator: Emulator) -> None:
    job = emulator.account.tables["job"][5]
    one = session.get("job", job["uuid"])
    assert one.shape[0] == 1 and one["generated_job_id"][0] == job["generated_job_id"]
    note = emulator.account.tables["note"][3]
    emulator.log.clear()
    got = session.get("note", note["uuid"].upper())
    assert [e.path for e in emulator.log.entries()] == [f"/api_1.0/dbonote/{note['uuid']}.json"]  # the spec's path
    assert got["note"][0] == note["note"] and list(got.columns) == list(session.notes().columns)
    with pytest.raises(sm.NotFoundError, match="not found"):
        session.get("job", "11111111-1111-4111-8111-111111111111")
    with pytest.raises(ValueError, match="not a uuid"):
        session.get("job", "1001")


# --- bad input fails before any request -------------------------------------------------------
@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda s: s.jobs("stauts eq 'Quote'"), sm.UnknownFieldError, "did you mean 'status'"),
    (lambda s: s.jobs("status eq 'Quote' or status eq 'Completed'"), sm.FilterError, "position 18"),
    (lambda s: s.activities("start_date gt 'March'"), sm.FilterError, "not a date"),
    (lambda s: s.activities("travel_time_in_seconds gt 'long'"), sm.FilterError, "not a number"),
    (lambda s: s.jobs("status ge 'Quote'"), sm.FilterError, "unsupported operator 'ge'"),
])
def test_bad_input_is_refused_before_any_request(session: sm.Session, emulator: Emulator, call, error,
                                                  words: str) -> None:
    emulator.log.clear()
    with pytest.raises(error, match=words):
        call(session)
    assert emulator.log.entries() == []


# --- paging -----------------------------------------------------------------------------------
def test_paging_over_several_pages_loses_and_repeats_nothing(tmp_path: Path) -> None:
    with Emulator(page_size=900, per_minute=10_000) as emu, \
            sm.connect(emu.api_key, base_url=emu.base_url, cache=tmp_path, progress=False) as s:
        frame = s.activities(include_inactive=True)
        rows = emu.account.tables["jobactivity"]
        assert len(frame) == len(rows) and frame["uuid"].is_unique
        assert list(frame["uuid"]) == [r["uuid"] for r in rows]
        cursors = [e.query["cursor"] for e in emu.log.entries()]
        assert len(cursors) == -(-len(rows) // 900) and cursors[0] == "-1" and len(set(cursors)) == len(cursors)


def test_default_listing_spans_two_pages(session: sm.Session, emulator: Emulator) -> None:
    emulator.log.clear()
    session.activities()
    assert [e.query.get("cursor") for e in emulator.log.entries()][:1] == ["-1"]
    assert len(emulator.log.entries()) == 2


# --- the cache --------------------------------------------------------------------------------
def test_returned_frames_can_be_changed_without_touching_the_cache(session: sm.Session) -> None:
    first = session.staff()
    first.loc[:, "first"] = "changed"
    assert (session.staff()["first"] != "changed").all()


def test_two_keys_never_share_cached_answers(tmp_path: Path) -> None:
    with Emulator(api_key="key-one-aaaaaaaa", tokens={"token-two-bbbbbbbb": ["read_staff"]}) as emu:
        with sm.connect("key-one-aaaaaaaa", base_url=emu.base_url, cache=tmp_path, progress=False) as one:
            one.staff()
        emu.log.clear()
        with sm.connect(oauth_token="token-two-bbbbbbbb", base_url=emu.base_url, cache=tmp_path,
                        progress=False) as two:
            two.staff()  # same URL, other account: must go to the server
            assert len(emu.log.entries()) == 1
            with pytest.raises(sm.ForbiddenError, match="read_jobs"):
                two.jobs()  # and its refusals are its own
        assert len({p.name for p in tmp_path.glob("*.sqlite")}) == 2


def test_users_own_cached_session_is_used_and_kept_per_account(tmp_path: Path) -> None:
    mine = requests_cache.CachedSession(str(tmp_path / "mine.sqlite"))
    with Emulator(api_key="key-one-aaaaaaaa", tokens={"token-two-bbbbbbbb": ["read_staff"]}) as emu:
        one = sm.connect("key-one-aaaaaaaa", base_url=emu.base_url, session=mine, progress=False)
        one.staff()
        one.staff()
        two = sm.connect(oauth_token="token-two-bbbbbbbb", base_url=emu.base_url, session=mine, progress=False)
        two.staff()
        assert [e.status for e in emu.log.entries()] == [200, 200]  # the second account was not served one's
        assert len(mine.cache.responses) == 2
    assert b"key-one-aaaaaaaa" not in (tmp_path / "mine.sqlite").read_bytes()


def test_plain_requests_session_works_without_cache(emulator: Emulator) -> None:
    with requests.Session() as plain:
        s = sm.connect(emulator.api_key, base_url=emulator.base_url, session=plain, progress=False)
        emulator.log.clear()
        assert len(s.categories()) > 0 and len(s.categories()) > 0
        assert len(emulator.log.entries()) == 2
        assert s.cache_info().path is None
        assert "X-Api-Key" not in plain.headers  # the key is sent per request, never left on the session


# --- errors, retries, faults --------------------------------------------------------------------
def _connect(emu: Emulator, tmp_path: Path, **options) -> sm.Session:
    return sm.connect(emu.api_key, base_url=emu.base_url, cache=tmp_path, progress=False, **options)


def test_missing_scope_is_a_forbidden_error_naming_it(tmp_path: Path) -> None:
    with Emulator(tokens={"tok-read-jobs-only": ["read_jobs"]}) as emu:
        s = sm.connect(oauth_token="tok-read-jobs-only", base_url=emu.base_url, cache=tmp_path, progress=False)
        assert len(s.jobs()) > 0
        with pytest.raises(sm.ForbiddenError, match="read_schedule"):
            s.activities()


def test_5xx_is_retried_then_succeeds(fresh_emulator: Emulator, tmp_path: Path) -> None:
    fresh_emulator.faults.fail_next(2, status=503)
    s = _connect(fresh_emulator, tmp_path)
    assert len(s.categories()) > 0
    assert [e.status for e in fresh_emulator.log.entries()] == [503, 503, 200]


def test_429_is_retried_then_succeeds_honouring_retry_after(tmp_path: Path) -> None:
    with Emulator(per_minute=100_000, retry_after=True) as emu:
        emu.faults.rate_limit_next(2)
        assert len(_connect(emu, tmp_path).categories()) > 0
        assert [e.status for e in emu.log.entries()] == [429, 429, 200]


@pytest.mark.parametrize("body", ["json", "text"])
def test_429_past_the_retry_budget_raises_rate_limit_error(tmp_path: Path, body: str) -> None:
    with Emulator(rate_limit_body=body) as emu:
        emu.faults.rate_limit_next(50)
        s = _connect(emu, tmp_path, retry_budget=1.5)
        with pytest.raises(sm.RateLimitError, match="per minute exceeded"):
            s.categories()
        assert 2 <= len(emu.log.entries()) <= 4


def test_500_past_the_retry_budget_raises_api_error(fresh_emulator: Emulator, tmp_path: Path) -> None:
    fresh_emulator.faults.error_rate = 1.0
    fresh_emulator.faults.error_statuses = (500,)
    with pytest.raises(sm.APIError, match="HTTP 500") as caught:
        _connect(fresh_emulator, tmp_path, retry_budget=1.0).categories()
    assert caught.value.status == 500


def test_truncated_body_is_retried_and_never_cached(fresh_emulator: Emulator, tmp_path: Path) -> None:
    fresh_emulator.faults.truncate_next()
    s = _connect(fresh_emulator, tmp_path)
    frame = s.categories()
    assert len(frame) == sum(r["active"] for r in fresh_emulator.account.tables["category"])
    assert len(fresh_emulator.log.entries()) == 2
    fresh_emulator.log.clear()
    pd.testing.assert_frame_equal(s.categories(), frame)
    assert fresh_emulator.log.entries() == []


def test_cut_connection_is_retried(fresh_emulator: Emulator, tmp_path: Path) -> None:
    fresh_emulator.faults.cut_connection_next()
    frame = _connect(fresh_emulator, tmp_path).categories()
    assert len(frame) > 0 and len(fresh_emulator.log.entries()) == 2


def test_repeated_cursor_is_an_error_not_a_loop(tmp_path: Path) -> None:
    with Emulator(page_size=2000) as emu:
        emu.app._issue_cursor = lambda resource, filter_text, position: emu.app.__class__._issue_cursor(
            emu.app, resource, filter_text, 2000)  # always the same cursor
        with pytest.raises(sm.IncompleteResultError, match="twice"):
            _connect(emu, tmp_path).activities()
        assert len(emu.log.entries()) == 2  # page 2 repeats page 1's cursor: stop there


# --- progress bar -----------------------------------------------------------------------------
def test_progress_bar_only_on_multi_page_pulls_and_switchable(emulator: Emulator, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # bars show where someone watches: a terminal
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path / "a", progress=True) as s:
        s.categories()
        assert "records" not in capsys.readouterr().err
        s.activities()
        assert "jobactivity" in capsys.readouterr().err
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path / "b", progress=False) as s:
        s.activities()
        assert capsys.readouterr().err == ""


# --- display ----------------------------------------------------------------------------------
def test_repr_and_html_show_the_useful_state(session: sm.Session) -> None:
    session.staff()
    text = repr(session)
    for words in ("live", "…0000", "base URL", "cache hits / misses: 0 / 1", "requests this minute: 1 of 180",
                  "of 20,000", "MB"):
        assert words in text, words
    assert "<table>" in session._repr_html_() and "…0000" in session._repr_html_()


def test_resources_and_describe(session: sm.Session) -> None:
    listing = session.resources()
    assert list(listing["resource"]) == list(resource_names()) and len(listing) == 38
    assert list(listing.columns) == ["resource", "method", "path", "read_scope", "fields", "writable"]
    listing = listing.set_index("resource")
    assert listing.loc["jobactivity", "method"] == "activities, bookings"
    assert listing.loc["jobmaterial", "method"] == "job_materials"
    assert listing.loc["vendor", "method"] == 'frame("vendor")'
    assert listing.loc["note", "read_scope"] == "read_job_notes"
    assert set(listing.index[listing["writable"]]) == {"job", "jobactivity", "joballocation", "staff", "company",
                                                       "category", "allocationwindow", "queue", "note",
                                                       "jobcontact", "task"}
    assert str(listing["writable"].dtype) == "boolean"
    described = session.describe("joballocation").set_index("field")
    assert described.loc["allocation_date", "dtype"] == "datetime64[ns]"
    assert described.loc["staff_uuid", "kind"] == "uuid"
    assert len(described) == len(GOLDEN["joballocation"])
