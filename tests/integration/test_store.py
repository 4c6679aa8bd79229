"""The local store (issue 17): sync, incremental sync, atomic files, concurrent syncs, reads, DuckDB.

Every test syncs over HTTP from a real emulator on loopback into real Parquet files; live queries
go through the real requests-cache SQLite cache.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

import smexplore as sm
from smexplore import cli
from smexplore.core.sync import SUMMARY_DTYPES
from smexplore.emulator import Emulator
from smexplore.servicem8.resources import resource_names
from tests.conftest import FakeClock

WORKER = Path(__file__).with_name("_store_worker.py")
FAST = {"per_minute": 1_000_000, "per_day": 10_000_000}
PART = re.compile(r"part-(\d{4}-\d{2}|undated)\.parquet")


def _connect(emu: Emulator, folder: Path, **options: object) -> sm.Session:
    return sm.connect(emu.api_key, base_url=emu.base_url, cache=folder, progress=False,
                      **{**FAST, **options})  # type: ignore[arg-type]


def _by_uuid(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("uuid", ignore_index=True)


def _live(session: sm.Session, resource: str) -> pd.DataFrame:
    """Every record, deleted ones too, pulled afresh from the API (not from the cache)."""
    session.clear_cache()
    return session.frame(resource, include_inactive=True, source="api")


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[tuple[Emulator, sm.Session]]:
    """An emulator of its own and a writable session with a cache and store in ``tmp_path``."""
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000) as emu:
        with _connect(emu, tmp_path, writable=True) as session:
            yield emu, session


# --- first sync, layout, reads ---------------------------------------------------------------------
def test_a_sync_stores_nothing_in_the_http_cache(emulator: Emulator, tmp_path: Path) -> None:
    """The store keeps the records: the pages a sync pulls are neither read from nor written to the
    HTTP cache (requests-cache's per-request ``expire_after`` skipped the read only, and stored them)."""
    with _connect(emulator, tmp_path) as session:
        session.sync(["staff", "category"])
        assert session.cache_info().responses == 0
        emulator.log.clear()
        session.staff(source="api")  # so a live read goes to the API
        assert any(entry.path.endswith("/staff.json") for entry in emulator.log.entries())


def test_first_sync_stores_every_record_as_hive_partitions(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as session:
        summary = session.sync()
        assert list(summary.columns) == list(SUMMARY_DTYPES)
        assert {c: str(t) for c, t in summary.dtypes.items()} == {
            "resource": "string", "new": "Int64", "changed": "Int64", "deactivated": "Int64",
            "requests": "Int64", "seconds": "Float64", "full": "boolean", "note": "string"}
        # every resource (all have edit_date), those of the convenience methods first
        assert list(summary["resource"]) == list(dict.fromkeys([*session.methods.values(), *resource_names()]))
        assert len(summary) == 38 and summary["full"].all()
        assert (summary[["changed", "deactivated"]] == 0).all().all()
        for row in summary.itertuples():
            live = session.frame(row.resource, include_inactive=True)
            assert row.new == len(live) > 0
            assert row.requests == math.ceil(len(live) / 5000)  # one request per page of 5,000
            stored = session.frame(row.resource, include_inactive=True, source="store")
            pd.testing.assert_frame_equal(stored, live)  # same rows, order, columns and dtypes
            assert stored.attrs["read_from"] == "store" and live.attrs["read_from"] == "api"
        account = session._store.account
        for resource in summary["resource"]:  # parts by month of the main date, or one undated part; a hidden state
            folder = tmp_path / "store" / resource / "source=servicem8" / f"account={account}"
            names = sorted(p.name for p in folder.iterdir())
            assert names[0] == ".state" and all(PART.fullmatch(name) for name in names[1:]), names
        files = {p.parent.parent.parent.name for p in (tmp_path / "store").rglob("*.parquet")}
        assert files == set(summary["resource"])
        months = session.activities(include_inactive=True)["start_date"].dt.strftime("part-%Y-%m.parquet")
        assert [p.name for p in session._store.files("jobactivity")] == sorted(set(months))
        assert [p.name for p in session._store.files("staff")] == ["part-undated.parquet"]
        assert session.store_path == tmp_path / "store"
        assert f"store: {tmp_path / 'store'}" in repr(session)
        assert session.cache_info().store_path == str(tmp_path / "store")


def test_the_store_keeps_the_frames_dtypes_as_its_parquet_schema(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as session:
        session.sync(["jobactivity"])
        live = session.activities(include_inactive=True)
        schemas = [pq.read_schema(path) for path in session._store.files("jobactivity")]
        assert len(schemas) > 10 and all(other.equals(schemas[0]) for other in schemas)  # every part alike
        schema = schemas[0]
        assert schema.names == list(live.columns)
        kinds = {name: str(schema.field(name).type) for name in schema.names}
        assert kinds["start_date"] == "timestamp[ns]" and kinds["active"] == "bool"
        assert kinds["uuid"] in ("string", "large_string")


def test_duckdb_reads_the_store_with_its_partitions(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as session:
        session.sync(["jobactivity"])
        stored = session.frame("jobactivity", include_inactive=True, source="store")
        pattern = (tmp_path / "store" / "jobactivity" / "**" / "*.parquet").as_posix()
        read = duckdb.sql(f"select * from read_parquet('{pattern}', hive_partitioning = true) order by uuid").df()
    assert set(read["source"]) == {"servicem8"} and set(read["account"]) == {session._store.account}
    mine = _by_uuid(stored)
    assert read["uuid"].tolist() == mine["uuid"].tolist()
    for column in ("start_date", "end_date", "edit_date"):
        assert pd.Series(read[column]).astype("datetime64[ns]").tolist() == mine[column].tolist()
    assert read["active"].astype(bool).tolist() == mine["active"].astype(bool).tolist()
    assert read["staff_uuid"].fillna("").tolist() == mine["staff_uuid"].fillna("").tolist()
    assert read["travel_time_in_seconds"].fillna(-1).tolist() == mine["travel_time_in_seconds"].fillna(-1).tolist()


def test_store_reads_localise_as_live_reads_do(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as naive:
        naive.sync(["jobactivity", "staff"])
    with _connect(emulator, tmp_path, timezone="Australia/Sydney") as sydney:
        where = (sm.F.start_date >= "2025-10-01") & (sm.F.staff_name != "")
        live = sydney.activities(where, enrich=True)
        stored = sydney.activities(where, enrich=True, source="store")
        pd.testing.assert_frame_equal(stored, live)
        assert str(stored["start_date"].dtype) == "datetime64[ns, Australia/Sydney]"


def test_reading_an_unsynced_resource_says_what_to_do(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as session:
        with pytest.raises(sm.StoreError, match=r"run session.sync\(\['queue'\]\)"):
            session.queues(source="store")
        with pytest.raises(ValueError, match="source must be 'api', 'store' or None"):
            session.queues(source="disk")  # type: ignore[arg-type]
        with pytest.raises(sm.UnknownResourceError, match="jobactivity"):
            session.sync(["jobactivty"])
        assert not (tmp_path / "store").exists() or not list((tmp_path / "store").rglob("*.parquet"))


def test_an_offline_session_reads_the_store_with_the_api_gone(tmp_path: Path) -> None:
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000) as emu:
        with _connect(emu, tmp_path) as online:
            online.sync(["jobactivity", "staff", "job", "company", "category"])
            where = sm.F.staff_name.startswith("A") & (sm.F.travel_time_in_seconds > 600)
            expected = online.activities(where, enrich=True)
        base_url = emu.base_url
    # The emulator is stopped: an offline session answers from the store alone.
    with sm.connect(emu.api_key, base_url=base_url, cache=tmp_path, offline=True, progress=False) as offline:
        got = offline.activities(where, enrich=True)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs["read_from"] == "store"
        with pytest.raises(sm.CacheMissError, match="offline"):
            offline.sync()


# --- incremental sync -------------------------------------------------------------------------------
def test_incremental_sync_applies_inserts_updates_and_soft_deletes(writable: tuple[Emulator, sm.Session]) -> None:
    emu, session = writable
    first = session.sync(["jobactivity", "job"])
    jobs = session.jobs()
    staff = session.staff()["uuid"].tolist()
    booked = [session.book(jobs["uuid"][i], staff[i % len(staff)], "2026-03-03 08:00", "2026-03-03 10:00")
              for i in range(3)]
    activities = session.activities()
    changed = activities["uuid"].iloc[:4].tolist()
    for uuid in changed:
        session.update("jobactivity", uuid, end_date="2026-03-04 17:00:00")
    deleted = activities["uuid"].iloc[10:12].tolist()
    for uuid in deleted:
        session.delete("jobactivity", uuid)
    session.update("job", jobs["uuid"][0], status="Completed" if jobs["status"][0] != "Completed" else "Quote")

    emu.log.clear()
    second = session.sync(["jobactivity", "job"]).set_index("resource")
    assert second.loc["jobactivity", ["new", "changed", "deactivated"]].tolist() == [3, 4, 2]
    assert second.loc["job", ["new", "changed", "deactivated"]].tolist() == [0, 1, 0]
    # One request per resource: only what changed since the high-water mark is asked for.
    sent = [e for e in emu.log.entries() if e.path.endswith(("/jobactivity.json", "/job.json"))]
    assert len(sent) == 2 and all("edit_date gt" in e.query.get("$filter", "") for e in sent)
    assert second.loc["jobactivity", "requests"] == 1
    assert first.set_index("resource").loc["jobactivity", "requests"] >= 1
    # The store equals a full re-pull, row for row.
    for resource in ("jobactivity", "job"):
        stored = session.frame(resource, include_inactive=True, source="store")
        pd.testing.assert_frame_equal(_by_uuid(stored), _by_uuid(_live(session, resource)))
    stored = session.activities(include_inactive=True, source="store").set_index("uuid")
    assert set(booked) <= set(stored.index)
    assert not stored.loc[deleted, "active"].any()
    assert session.activities(source="store")["uuid"].isin(deleted).sum() == 0  # soft-deleted: hidden by default


def test_a_quiet_sync_in_a_new_session_sends_one_request_per_resource(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as first:
        first.sync(["job", "company"])
    emulator.log.clear()
    with _connect(emulator, tmp_path) as again:  # knows nothing of the account's custom fields
        summary = again.sync(["job", "company", "job"])  # a name given twice is synced once
    assert summary["resource"].tolist() == ["job", "company"]
    assert summary[["new", "changed", "deactivated"]].sum().sum() == 0
    sent = emulator.log.entries()
    assert len(sent) == 2 and all("edit_date gt" in e.query.get("$filter", "") for e in sent), sent
    assert not list((tmp_path / "frames").rglob("*.parquet"))  # nothing went through the HTTP cache


def test_every_resource_syncs_incrementally_and_the_cli_takes_every_name(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The resources beyond the schedule sync as the schedule's do (a second sync asks only for what
    changed), and ``smexplore sync``/``pull`` take any of them: they read the resource table."""
    names = ["note", "jobmaterial", "badge", "vendor"]
    cache = tmp_path / "cache"
    assert cli.main(["sync", "--resources", *names, "--demo", "--cache", str(cache)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed[1:]] == names
    out = tmp_path / "notes.parquet"
    assert cli.main(["pull", "notes", "--source", "store", "--offline", "--demo", "--cache", str(cache),
                     "-o", str(out)]) == 0
    capsys.readouterr()
    with sm.demo(progress=False, writable=True, cache=cache) as session:
        pd.testing.assert_frame_equal(pd.read_parquet(out), session.notes(), check_like=False)
        note = session.notes().uuid[0]
        session.update("note", note, note="changed after the first sync")
        session.emulator.log.clear()
        summary = session.sync(names).set_index("resource")
        assert summary.loc["note", "changed"] == 1 and summary["requests"].tolist() == [1, 1, 1, 1]
        assert not summary["full"].any()
        sent = session.emulator.log.entries()
        assert all("edit_date gt" in entry.query.get("$filter", "") for entry in sent), sent
        stored = session.notes(source="store").set_index("uuid")
        assert stored.loc[note, "note"] == "changed after the first sync"


def test_a_store_of_another_field_table_is_pulled_afresh(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as session:
        session.sync(["staff"])
        state = session._store.state("staff")
        assert state is not None
        session._store.write("staff", session._store.read("staff"), dataclasses.replace(state, fields="0" * 16))
        with pytest.raises(sm.StoreError, match="another version of its fields"):
            session.staff(source="store")
        assert session.sync(["staff"])["new"].tolist() == [len(session.staff(include_inactive=True))]
        pd.testing.assert_frame_equal(session.staff(source="store"), session.staff())


def test_an_edit_in_the_same_second_as_the_high_water_mark_is_not_lost(tmp_path: Path) -> None:
    clock = FakeClock()  # the account's clock stands still: every write is stamped with the same second
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000, clock=clock) as emu:
        with _connect(emu, tmp_path, writable=True) as session:
            first, second = session.activities()["uuid"].iloc[:2]
            session.update("jobactivity", first, end_date="2026-03-05 09:00:00")
            session.sync(["jobactivity"])
            mark = session._store.state("jobactivity").high_water
            session.update("jobactivity", second, end_date="2026-03-05 10:00:00")
            edited = session.get("jobactivity", second)["edit_date"].iloc[0]
            assert edited == pd.Timestamp(mark)  # the same second as the mark
            summary = session.sync(["jobactivity"])
            assert summary["changed"].tolist() == [1]
            stored = session.frame("jobactivity", sm.F.uuid == second, source="store")
            assert stored["end_date"].tolist() == [pd.Timestamp("2026-03-05 10:00:00")]


def test_records_of_a_full_pull_system_that_are_gone_leave_the_store(tmp_path: Path) -> None:
    with sm.ruddr.demo(progress=False) as session:
        first = session.sync(["members"])
        assert first["requests"].tolist() == [1]
        members = session._store.read("members")
        # As if a member had been deleted in Ruddr after the last sync: the stored file has one more.
        extra = members.iloc[[0]].assign(id="00000000-0000-4000-8000-000000000000")
        state = session._store.state("members")
        session._store.write("members", pd.concat([members, extra], ignore_index=True), state)
        again = session.sync(["members"])
        assert again[["new", "changed", "deactivated"]].iloc[0].tolist() == [0, 0, 1]
        pd.testing.assert_frame_equal(session.members(source="store"), session.members())


# --- faults, kills and two processes ---------------------------------------------------------------
def _store_bytes(session: sm.Session, resource: str) -> bytes:
    return b"".join(path.read_bytes() for path in session._store.files(resource))


def test_a_sync_failing_mid_pull_leaves_the_store_as_it_was(writable: tuple[Emulator, sm.Session],
                                                             tmp_path: Path) -> None:
    emu, session = writable
    session.sync(["jobactivity"])
    session.book(session.jobs()["uuid"][0], session.staff()["uuid"][0], "2026-03-03 08:00", "2026-03-03 09:00")
    state = session._store.state("jobactivity")
    assert state is not None
    session._store.write("jobactivity", session._store.read("jobactivity"),
                         dataclasses.replace(state, high_water=None))  # the next sync pulls every page
    before = _store_bytes(session, "jobactivity")
    with _connect(emu, tmp_path, retry_budget=0.5) as impatient:
        emu.faults.fail_next(20, 503, after=1)  # page 1 answers, page 2 keeps failing
        with pytest.raises(sm.IncompleteResultError, match="no partial result"):
            impatient.sync(["jobactivity"])
        emu.faults.clear()
    assert _store_bytes(session, "jobactivity") == before
    assert not list(session._store.folder("jobactivity").glob("*.tmp"))


def _worker(emu: Emulator, folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), emu.base_url, emu.api_key, str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


def _keep_editing(session: sm.Session, stop: threading.Event) -> None:
    """Edit activities until ``stop`` is set, so that every sync has a file to write."""
    uuids = session.activities()["uuid"].tolist()
    for step in itertools.count():
        if stop.wait(0.05):
            return
        session.update("jobactivity", uuids[step % len(uuids)], end_date=f"2026-03-07 {8 + step % 10:02d}:00:00")


def test_a_killed_sync_leaves_the_previous_state_readable(writable: tuple[Emulator, sm.Session],
                                                           tmp_path: Path) -> None:
    emu, session = writable
    session.sync(["jobactivity"])
    uuids = set(session.activities(include_inactive=True)["uuid"])
    stop = threading.Event()
    editor = threading.Thread(target=_keep_editing, args=(session, stop))
    editor.start()
    try:
        for delay in (0.3, 0.7, 1.2):
            worker = _worker(emu, tmp_path)  # syncs one after another, each with a file to write
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
            time.sleep(delay)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            stored = session.frame("jobactivity", include_inactive=True, source="store")  # readable, whole
            assert set(stored["uuid"]) == uuids and stored["uuid"].is_unique
    finally:
        stop.set()
        editor.join()
    # The next sync clears what a killed one left behind (hidden temporary files), and catches up.
    session.sync(["jobactivity"])
    assert not list(session._store.folder("jobactivity").glob("*.tmp"))
    stored = session.frame("jobactivity", include_inactive=True, source="store")
    pd.testing.assert_frame_equal(_by_uuid(stored), _by_uuid(_live(session, "jobactivity")))


def test_two_processes_syncing_one_account_lose_nothing(writable: tuple[Emulator, sm.Session],
                                                        tmp_path: Path) -> None:
    emu, session = writable
    session.sync(["jobactivity"])
    job, staff = session.jobs()["uuid"][0], session.staff()["uuid"][0]
    workers = [_worker(emu, tmp_path) for _ in range(2)]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    booked = []
    for hour in range(8):  # writes while both processes keep syncing
        booked.append(session.book(job, staff, f"2026-03-06 {8 + hour:02d}:00", f"2026-03-06 {8 + hour:02d}:30"))
        time.sleep(0.15)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        _, errors = worker.communicate(timeout=60)
        assert worker.returncode == 0, errors
    session.sync(["jobactivity"])
    stored = session.frame("jobactivity", include_inactive=True, source="store")
    assert set(booked) <= set(stored["uuid"])
    pd.testing.assert_frame_equal(_by_uuid(stored), _by_uuid(_live(session, "jobactivity")))


# --- a new process repeats a pull from the typed frame kept beside the cache -----------------------
def test_a_new_session_repeats_a_pull_from_the_kept_frame(tmp_path: Path) -> None:
    with Emulator(seed=0, scale="small", page_size=500, per_minute=100_000, per_day=1_000_000) as emu:
        with _connect(emu, tmp_path) as first:
            expected = first.activities(sm.F.travel_time_in_seconds >= 0, include_inactive=True)
            pages = first.cache_info().misses
        assert pages > 10
        with _connect(emu, tmp_path) as second:
            again = second.activities(sm.F.travel_time_in_seconds >= 0, include_inactive=True)
            assert (second.cache_info().hits, second.cache_info().misses) == (1, 0)  # page 1 only: its digest matches
        pd.testing.assert_frame_equal(again, expected)
        with _connect(emu, tmp_path) as third:
            third.clear_cache()  # the kept frames go with the cache
            assert not (tmp_path / "frames").exists() or not list((tmp_path / "frames").rglob("*.parquet"))
