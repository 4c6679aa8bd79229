"""Regression tests for the Session's hardening: interrupted pulls, concurrent writes and reads,
a globally installed requests-cache, lookups that expire, offline reads of old answers, damaged,
read-only and shared caches. (An offline pull of a partly cached list and the columns of an empty
result are every connector's contract: ``test_connectors.py``.)

Everything talks real HTTP to emulators on loopback through a real requests-cache SQLite cache;
``_cache_worker`` is the second Python process where one is needed.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import requests_cache

import smexplore as sm
from smexplore.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]  # the checkout whose smexplore is under test
BIG_LIMITS = {"per_minute": 100_000, "per_day": 1_000_000}


def _connect(emu: Emulator, cache: Any, **options: Any) -> sm.Session:
    return sm.connect(emu.api_key, base_url=emu.base_url, cache=cache, progress=False, **options)


def _active_uuids(emu: Emulator, resource: str) -> list[str]:
    return sorted(r["uuid"] for r in emu.account.tables[resource] if r["active"] == 1)


def _worker(command: str, args: dict[str, Any], **options: Any) -> subprocess.Popen[str]:
    """Start ``_cache_worker`` in a second Python process, importing smexplore from ``ROOT``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TQDM_DISABLE": "1"}
    return subprocess.Popen([sys.executable, "-m", "tests.integration._cache_worker", command, json.dumps(args)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)


def _worker_result(process: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"the worker process died (exit code {process.returncode}):\n{err[-3000:]}"
    return json.loads(out.strip().splitlines()[-1])


# --- 1. a pull stuck failing after an interruption -------------------------------------------------
@pytest.fixture(scope="module")
def _paged() -> Iterator[Emulator]:
    with Emulator(page_size=500, cursor_ttl=2, **BIG_LIMITS) as emu:
        yield emu


@pytest.fixture
def paged_emulator(_paged: Emulator) -> Iterator[Emulator]:
    """~8,000 activities in pages of 500 (16 pages), cursors that expire after 2 s; no faults, empty log."""
    _paged.faults.clear()
    _paged.log.clear()
    yield _paged
    _paged.faults.clear()


@contextlib.contextmanager
def _fails_if_hung(seconds: float, what: str) -> Iterator[None]:
    """A guard, not a measurement: a block that never returns is interrupted and fails the test."""
    done, fired = threading.Event(), threading.Event()

    def watch() -> None:
        if not done.wait(seconds):
            fired.set()
            _thread.interrupt_main()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    except KeyboardInterrupt:
        if fired.is_set():
            pytest.fail(f"{what} had not returned after {seconds:.0f} s", pytrace=False)
        raise
    finally:
        done.set()
        watcher.join()


def _assert_complete_pull_without_stale_cursors(s: sm.Session, emu: Emulator) -> None:
    emu.faults.clear()
    time.sleep(3)  # every cursor handed out so far expires (cursor_ttl=2)
    start = len(emu.log.entries())
    # On the old code a Ctrl-C that lands inside requests-cache's write transaction leaves it
    # open, and the next answer stored spins forever on BEGIN IMMEDIATE.
    with _fails_if_hung(15, "the pull after the interruption"):
        frame = s.activities()
    assert sorted(frame["uuid"]) == _active_uuids(emu, "jobactivity")
    with sm.connect(emu.api_key, base_url=emu.base_url, cache=False, progress=False) as fresh:
        pd.testing.assert_frame_equal(frame, fresh.activities())
    rejected = [(e.query.get("cursor"), e.status) for e in emu.log.entries()[start:] if e.status == 400]
    assert rejected == [], "the pull sent cursors the server had expired"


def test_pull_after_a_failed_pull_completes_once_its_cursors_expired(paged_emulator: Emulator,
                                                                      tmp_path: Path) -> None:
    emu = paged_emulator
    with _connect(emu, tmp_path, retry_budget=1) as s:
        emu.faults.fail_next(50, 500, after=3)  # pages 1-3 answer (and are cached), page 4 keeps failing
        with pytest.raises(sm.IncompleteResultError, match="page 4"):
            s.activities()
        _assert_complete_pull_without_stale_cursors(s, emu)


def test_pull_after_ctrl_c_completes_once_its_cursors_expired(paged_emulator: Emulator, tmp_path: Path,
                                                              request: pytest.FixtureRequest) -> None:
    emu = paged_emulator
    s = _connect(emu, tmp_path, retry_budget=1)
    request.addfinalizer(s.close)
    emu.faults.latency = 0.05  # 16 pages take ~0.8 s: time enough to interrupt after the third
    pulling = threading.Event()

    def press_ctrl_c_after_three_pages() -> None:
        while pulling.is_set():
            if sum(e.resource == "jobactivity" for e in emu.log.entries()) >= 3:
                if pulling.is_set():
                    _thread.interrupt_main()  # a real KeyboardInterrupt in the main thread
                return
            time.sleep(0.005)

    pulling.set()
    presser = threading.Thread(target=press_ctrl_c_after_three_pages, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            s.activities()
    finally:
        pulling.clear()
        presser.join()
    assert 3 <= len(emu.log.entries()) < 16  # interrupted part way
    _assert_complete_pull_without_stale_cursors(s, emu)


# --- 2. a write that succeeded reported as failed ----------------------------------------------------
def test_creates_while_other_threads_read_the_same_session_all_succeed(tmp_path: Path) -> None:
    """Readers keep the shared SQLite connection busy while every write drops the cached allocations.

    On the old code ``forget()`` vacuums the cache (requests-cache does so whenever two or more
    answers are deleted: here the writer's own look at the allocations and the reader's list)
    after the server applied the write, and raises ``sqlite3.OperationalError: cannot VACUUM -
    SQL statements in progress`` whenever a reader is in the middle of a query. A race: about one
    create in five to seven fails on the old code (16 runs of 26 creates: 1 to 8 failed in each;
    stopping at the first failure, it came after 1 to 10 successful creates), so a run of 30
    passes there by luck well under once in a hundred. The writer stops at the first failure.
    """
    creates, readers_per_resource = 30, {"jobactivity": 3, "joballocation": 1}
    with Emulator(seed=0, scale="small", **BIG_LIMITS) as emu, _connect(emu, tmp_path, writable=True) as s:
        s.activities()
        s.allocations()
        job = next(r for r in emu.account.tables["job"] if r["active"] == 1)["uuid"]
        staff = next(r for r in emu.account.tables["staff"] if r["active"] == 1)["uuid"]
        before = {r["uuid"] for r in emu.account.tables["joballocation"]}
        stop = threading.Event()
        read_failures: list[str] = []
        made: list[str] = []
        write_failures: list[str] = []

        def read(resource: str) -> None:
            while not stop.is_set():
                try:
                    s.frame(resource)
                except Exception as exc:  # noqa: BLE001 - collected and asserted below
                    read_failures.append(f"{resource}: {type(exc).__name__}: {exc}")

        def write() -> None:
            for _ in range(creates):
                try:
                    # Look at the staff member's allocations, then allocate.
                    s.allocations(sm.F.staff_uuid == staff)
                except Exception as exc:  # noqa: BLE001
                    read_failures.append(f"writer's read: {type(exc).__name__}: {exc}")
                try:
                    made.append(s.create("joballocation", job_uuid=job, staff_uuid=staff,
                                         allocation_date="2026-03-03 08:00"))
                except Exception as exc:  # noqa: BLE001
                    write_failures.append(f"{type(exc).__name__}: {exc}")
                    return  # one is enough to fail the test: no need to wait for the rest

        readers = [threading.Thread(target=read, args=(resource,), daemon=True)
                   for resource, count in readers_per_resource.items() for _ in range(count)]
        writer = threading.Thread(target=write, daemon=True)
        for thread in readers:
            thread.start()
        writer.start()
        writer.join(300)
        stop.set()
        for thread in readers:
            thread.join(60)
        assert not writer.is_alive() and not any(t.is_alive() for t in readers), "a thread hung"
        new = {r["uuid"] for r in emu.account.tables["joballocation"]} - before
        assert write_failures == [], f"{len(made)} creates returned, {len(new)} records were created"
        assert len(made) == creates and all(made)
        assert len(new) == len(made) and set(made) == new
        assert read_failures == []
        assert new <= set(s.allocations()["uuid"])  # the cached answers were dropped: the read is fresh


# --- 3. requests_cache.install_cache() ------------------------------------------------------------
SECRET_KEY = "hardening-secret-key-7f3a9c51e2"


@pytest.fixture(scope="module")
def keyed_emulator() -> Iterator[Emulator]:
    """An account with a distinctive API key, and a bearer token without ``read_schedule``."""
    with Emulator(api_key=SECRET_KEY, tokens={"limited": ["read_jobs"]}, **BIG_LIMITS) as emu:
        yield emu


@pytest.fixture
def global_cache(tmp_path: Path) -> Iterator[Path]:
    requests_cache.install_cache(str(tmp_path / "global"), backend="sqlite")
    try:
        yield tmp_path
    finally:
        requests_cache.uninstall_cache()


def _files_holding(folder: Path, secret: str) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.parametrize(("first", "second"), [("cache=False", "cache=False"), ("cache=False", "session="),
                                               ("session=", "session=")])
def test_install_cache_neither_mixes_accounts_nor_stores_the_key(keyed_emulator: Emulator, global_cache: Path,
                                                                  first: str, second: str) -> None:
    emu = keyed_emulator
    opened: list[requests.Session] = []

    def open_session(how: str, **credential: str) -> sm.Session:
        if how == "session=":
            opened.append(requests.Session())  # made while the global cache is installed
            return sm.connect(**credential, base_url=emu.base_url, session=opened[-1], progress=False)
        return sm.connect(**credential, base_url=emu.base_url, cache=False, progress=False)

    try:
        one = open_session(first, api_key=SECRET_KEY)
        assert sorted(one.activities()["uuid"]) == _active_uuids(emu, "jobactivity")
        two = open_session(second, oauth_token="limited")  # no read_schedule
        with pytest.raises(sm.ForbiddenError, match="read_schedule"):
            two.activities()  # not the first account's answer
        while_open = _files_holding(global_cache, SECRET_KEY)  # the -wal and -shm files included
        one.close()
        two.close()
    finally:
        for session in opened:
            session.close()
    assert while_open == [] and _files_holding(global_cache, SECRET_KEY) == []


# --- 4. lookups for enriched columns expire like every other answer -----------------------------------
def test_enriched_columns_see_records_created_after_the_lookups_expired(tmp_path: Path) -> None:
    with Emulator(seed=0, scale="small", **BIG_LIMITS) as emu, _connect(emu, tmp_path, expire_after=1) as s:
        s.activities(enrich=True)  # pulls (and keeps) the jobs it looks job numbers up in
        with sm.connect(emu.api_key, base_url=emu.base_url, cache=False, progress=False, writable=True) as w:
            job = w.create("job", company_uuid=w.clients()["uuid"][0], status="Work Order",
                           job_address="1 Hardening Street")
            activity = w.create("jobactivity", job_uuid=job, staff_uuid=w.staff()["uuid"][0],
                                start_date="2026-03-03 08:00", end_date="2026-03-03 09:00",
                                activity_was_scheduled=1)
            # A fresh Session (it has looked no job up yet) finds the new job's number.
            number = w.get("job", job)["generated_job_id"][0]  # max + 1
            assert list(w.activities(sm.F.job_number == number)["uuid"]) == [activity]
        time.sleep(1.5)  # everything s has cached is now older than expire_after
        shown = s.activities(enrich=True).set_index("uuid").loc[activity, "job_number"]
        assert (None if pd.isna(shown) else shown) == number  # None: the jobs looked up in are stale
        assert list(s.activities(sm.F.job_number == number)["uuid"]) == [activity]


# --- 5. offline serves answers that are merely old ------------------------------------------------
def test_offline_serves_expired_answers_and_says_when_they_were_fetched(tmp_path: Path) -> None:
    with Emulator(page_size=3000, **BIG_LIMITS) as emu:
        with _connect(emu, tmp_path, expire_after=1) as s:
            online = s.activities()
        time.sleep(1.5)
        with _connect(emu, tmp_path, offline=True) as offline:
            frame = offline.activities()
    assert list(frame.columns) == list(online.columns)
    assert sorted(frame["uuid"]) == sorted(online["uuid"])
    fetched = frame.attrs.get("fetched_at")
    assert isinstance(fetched, str) and re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", fetched), fetched
    stamp = pd.Timestamp(fetched)
    assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
    assert pd.Timestamp.now(tz="UTC") - stamp >= pd.Timedelta(seconds=1)


# --- 6. damaged, read-only and shared caches -------------------------------------------------------
def test_a_cache_file_of_garbage_is_set_aside_and_pulls_work(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as s:
        expected = s.categories()
        path = Path(s.cache_info().path)
    garbage = b"not a database" * 1000
    path.write_bytes(garbage)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    start = len(emulator.log.entries())
    with _connect(emulator, tmp_path) as s:  # must not raise
        pd.testing.assert_frame_equal(s.categories(), expected)
    assert len(emulator.log.entries()) > start  # from the network
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(path.name) and "corrupt" in p.name]
    assert aside and any(p.read_bytes() == garbage for p in aside), sorted(p.name for p in tmp_path.iterdir())


def test_a_truncated_cache_file_still_gives_full_correct_frames(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as s:
        s.activities()
        s.jobs()
        path = Path(s.cache_info().path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with _connect(emulator, tmp_path) as s:
        activities, jobs = s.activities(), s.jobs()
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=False, progress=False) as fresh:
        pd.testing.assert_frame_equal(activities, fresh.activities())
        pd.testing.assert_frame_equal(jobs, fresh.jobs())


_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only calls into it


def _without_file_permission_override() -> None:  # pragma: no cover - runs in the child before exec
    """As root, drop the capabilities that let root ignore file modes (the child keeps uid 0).

    Dropping to an unprivileged uid (65534) does not work everywhere: the interpreter may live
    where that user cannot reach (here, under /root). Without these capabilities, root is held to
    the modes of the files it owns, so a folder of mode 555 and a file of mode 444 are read-only.
    """
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if _LIBC.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_a_read_only_cache_folder_is_read_and_never_written(emulator: Emulator, tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    with _connect(emulator, folder) as s:
        s.staff()
        s.categories()
    files = sorted(p for p in folder.rglob("*") if p.is_file())  # the typed frames kept beside it too
    folders = sorted(p for p in folder.rglob("*") if p.is_dir())
    before = {p: p.read_bytes() for p in files}
    for path in files:
        path.chmod(0o444)
    for path in [*folders, folder]:
        path.chmod(0o555)
    try:
        args = {"api_key": emulator.api_key, "base_url": emulator.base_url, "folder": str(folder),
                "offline": ["staff", "category"], "online": ["staff", "category", "queue"]}
        worker = _worker("read-only", args,
                         preexec_fn=_without_file_permission_override if os.geteuid() == 0 else None)
        result = _worker_result(worker)
    finally:
        for path in [folder, *folders]:
            path.chmod(0o755)
        for path in files:
            path.chmod(0o644)
    expected = {name: _active_uuids(emulator, name) for name in ("staff", "category", "queue")}
    assert "error" not in result["offline"], result["offline"]["error"]
    assert result["offline"] == {n: expected[n] for n in ("staff", "category")}
    assert "error" not in result["online"], result["online"]["error"]
    assert result["online"] == expected
    assert {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} == before


def test_clear_cache_in_another_process_never_breaks_a_pull(emulator: Emulator, tmp_path: Path) -> None:
    stop, failed = tmp_path / "stop", tmp_path / "failed"
    args = {"api_key": emulator.api_key, "base_url": emulator.base_url, "folder": str(tmp_path / "cache"),
            "stop": str(stop), "failed": str(failed)}
    puller = _worker("pull-loop", args)
    try:
        assert puller.stdout is not None and puller.stdout.readline().strip() == "ready"
        with _connect(emulator, tmp_path / "cache") as s:
            for _ in range(40):
                if failed.exists():
                    break  # the puller failed: enough to fail the test
                s.clear_cache()
                s.categories()
    finally:
        stop.touch()
    result = _worker_result(puller)
    assert result["errors"] == [] and result["error_count"] == 0
    assert result["pulls"] >= 2


@pytest.mark.parametrize("same", [False, True], ids=["second-session", "same-session"])
def test_clear_cache_in_another_thread_never_breaks_a_pull(emulator: Emulator, tmp_path: Path, same: bool) -> None:
    # In a worker process: on the old code the same-session case often crashes the interpreter
    # (SIGSEGV: requests-cache closes the connection the other thread is reading through).
    args = {"api_key": emulator.api_key, "base_url": emulator.base_url, "folder": str(tmp_path), "same": same,
            "clears": 60}
    result = _worker_result(_worker("threads-clear", args))
    assert not result["hung"]
    assert result["errors"] == [] and result["error_count"] == 0
    assert result["clears"] == 60 and result["pulls"] >= 60


def test_a_cache_folder_that_cannot_be_made_is_a_cache_error(emulator: Emulator, tmp_path: Path) -> None:
    cache_error = getattr(sm, "CacheError", None)
    assert cache_error is not None, "smexplore exports no CacheError"
    assert issubclass(cache_error, sm.SMExploreError)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(cache_error) as caught:
        _connect(emulator, blocker / "sub").categories()
    message = str(caught.value)
    assert str(blocker) in message  # names the path
    assert re.search(r"cache=|another folder|different folder", message), message  # and what to do


# --- a write transaction interrupted between BEGIN and COMMIT ---------------------------------------
def _within(seconds: float, action: Any) -> Any:
    """Run ``action`` in a thread; fail (not hang) if it has not returned after ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: a cache lock was left held"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_ctrl_c_inside_a_cache_write_rolls_back_and_nothing_hangs(emulator: Emulator, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from smexplore.core.cache import _Responses

    s = _connect(emulator, tmp_path)
    connection = _Responses.connection
    calls = {"n": 0}

    @contextlib.contextmanager
    def interrupted(self: Any, commit: bool = False) -> Iterator[Any]:
        with connection(self, commit) as con:
            if commit and not calls["n"]:  # Ctrl-C arrives inside the write transaction, after BEGIN
                calls["n"] += 1
                raise KeyboardInterrupt
            yield con

    monkeypatch.setattr(_Responses, "connection", interrupted)
    with pytest.raises(KeyboardInterrupt):
        s.staff()
    assert not s._http.cache.responses._connection.in_transaction  # rolled back, lock released
    staff = _within(15, s.staff)  # the same session stores answers again
    assert sorted(staff["uuid"]) == _active_uuids(emulator, "staff")
    other = _connect(emulator, tmp_path)  # and so does another session on the same file
    assert len(_within(15, other.categories)) == len(_active_uuids(emulator, "category"))
    assert other.cache_info().responses >= 2


def test_a_transaction_left_open_on_the_connection_is_rolled_back_not_waited_for(emulator: Emulator,
                                                                                   tmp_path: Path) -> None:
    s = _connect(emulator, tmp_path)
    s.staff()
    table = s._http.cache.responses
    with table.connection() as con:  # what an interrupt between BEGIN and the bookkeeping leaves behind
        con.execute("BEGIN IMMEDIATE")
    assert len(_within(15, s.categories)) == len(_active_uuids(emulator, "category"))
    assert s.cache_info().responses == 2


def test_ctrl_c_that_leaves_the_connection_pool_locked_does_not_hang_the_next_pull(
        emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An interrupt between a lock's acquire and its ``with`` block leaves the lock taken (CPython
    # checks for signals there); in urllib3's pool queue that would block every later request.
    s = _connect(emulator, tmp_path)
    s.staff()
    send = requests.adapters.HTTPAdapter.send
    calls = {"n": 0}

    def interrupted(self: Any, request: Any, **options: Any) -> Any:
        if not calls["n"]:
            calls["n"] += 1
            self.poolmanager.connection_from_url(request.url).pool.mutex.acquire()  # the state Ctrl-C leaves
            raise KeyboardInterrupt
        return send(self, request, **options)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", interrupted)
    with pytest.raises(KeyboardInterrupt):
        s.categories()
    assert len(_within(15, s.categories)) == len(_active_uuids(emulator, "category"))
