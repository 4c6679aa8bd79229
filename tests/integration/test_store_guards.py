"""The store keeps what it has, the cache gives nothing away (issue 22).

Each numbered item of the issue, reproduced over HTTP through the real cache and store: a scripted
ServiceM8 account whose clock is not this machine's (``_account.Account``), the hostile list
servers (``_hostile``), and the emulators.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request, Response

import smexplore as sm
from smexplore.core.keys import folder_key, keyed_name
from tests.conformance.strict import StrictServer, serve
from tests.integration._account import Account
from tests.integration._hostile import SYSTEMS, ListServer, Trouble, running

KEY = "sm8-store-guards-key-0001"


def _connect(url: str, folder: Path, **options: Any) -> sm.Session:
    return sm.connect(KEY, base_url=url, cache=folder, progress=False, **options)


def _stored(session: sm.Session) -> pd.DataFrame:
    return session.frame("category", include_inactive=True, source="store").sort_values("uuid", ignore_index=True)


def _expected(account: Account) -> list[tuple[str, str, bool]]:
    return sorted((r["uuid"], r["name"], bool(r["active"])) for r in account.records.values())


def _rows(frame: pd.DataFrame) -> list[tuple[str, str, bool]]:
    return sorted(zip(frame["uuid"], frame["name"], frame["active"].astype(bool), strict=True))


# --- 1. an empty (or sharply smaller) answer does not wipe the store --------------------------------------
@pytest.mark.parametrize("after", [0, 5])
def test_a_full_pull_that_empties_or_halves_a_resource_is_refused(after: int, tmp_path: Path) -> None:
    server = ListServer("ruddr", 40, Trouble("honest", size=100))
    with running(server) as url, SYSTEMS["ruddr"].open(url, tmp_path) as session:
        session.sync(["clients"])
        server.ids = server.ids[:after]
        with pytest.raises(sm.SyncRefusedError, match=rf"holds {'none' if not after else after} of the 40") as caught:
            session.sync(["clients", "members"])
        assert len(session.frame("clients", source="store")) == 40  # left as it was
        summary = caught.value.summary
        notes = dict(zip(summary["resource"], summary["note"], strict=True))
        assert notes["clients"].startswith("refused") and notes["members"] == ""  # the other one was synced
        forced = session.sync(["clients"], force=True)
        assert forced["note"][0].startswith("forced") and forced["deactivated"][0] == 40 - after
        assert len(session.frame("clients", source="store")) == after


def test_a_small_list_may_shrink_and_an_incremental_sync_is_never_refused(tmp_path: Path) -> None:
    account = Account()
    keys = [account.insert() for _ in range(4)]
    with serve(account) as url, _connect(url, tmp_path) as session:
        session.sync(["category"])
        for key in keys[:3]:
            account.hard_delete(key)
        assert session.sync(["category"], full=True)["deactivated"][0] == 3  # 4 → 1: below the guard's floor
        account.soft_delete(keys[3])
        assert session.sync(["category"])["deactivated"][0] == 1  # a soft delete of every record is news


# --- 2. a mark in the account's future cannot stop later syncs -------------------------------------------------
@pytest.mark.parametrize("how", ["no zone known", "timezone=", "vendor.json"])
def test_a_future_stamped_record_and_a_clock_hours_ahead_do_not_stop_later_syncs(how: str, tmp_path: Path) -> None:
    """This machine's clock (UTC) is 7–8 hours ahead of the account's wall clock (Los Angeles); one
    record is stamped 5 hours in the account's future. Every later edit must still be synced."""
    account = Account(zone_known=how == "vendor.json")
    keys = [account.insert() for _ in range(3)]
    account.insert(account.wall(timedelta(hours=5)))
    options = {"timezone": account.zone} if how == "timezone=" else {}
    with serve(account) as url, _connect(url, tmp_path, **options) as session:
        session.sync(["category"])
        for key in keys:
            account.edit(key)
            summary = session.sync(["category"])
            assert summary["changed"][0] == 1 and not summary["full"][0]
        assert _rows(_stored(session)) == _expected(account)
        mark = pd.Timestamp(session._store.state("category").high_water)
        future = pd.Timestamp(account.wall(timedelta(hours=5)))
        assert mark < future - timedelta(hours=4)  # never the future stamp


# --- 3. reconciling: sync(full=True), and by itself after an age -------------------------------------------------
def test_a_full_sync_reconciles_what_incremental_syncs_cannot_see(tmp_path: Path) -> None:
    account = Account()
    keys = [account.insert() for _ in range(12)]
    with serve(account) as url, _connect(url, tmp_path, full_sync_after=None) as session:
        session.sync(["category"])
        account.hard_delete(keys[0])  # gone from the account: no incremental answer shows it
        old = account.insert(stamp="2020-01-01 00:00:00")  # stamped long before the mark
        incremental = session.sync(["category"])
        assert not incremental["full"][0] and keys[0] in set(_stored(session)["uuid"])
        assert old not in set(_stored(session)["uuid"])
        full = session.sync(["category"], full=True)
        assert full["full"][0] and full["new"][0] == 1 and full["deactivated"][0] == 1
        assert _rows(_stored(session)) == _expected(account)
        assert account.served[-1] == ""  # the full sync sent no $filter


def test_a_sync_is_full_by_itself_once_the_last_full_one_is_old(tmp_path: Path) -> None:
    account = Account()
    for _ in range(3):
        account.insert()
    with serve(account) as url, _connect(url, tmp_path, full_sync_after=timedelta(0)) as session:
        session.sync(["category"])
        assert session.sync(["category"])["full"][0]
    with serve(account) as url, _connect(url, tmp_path / "other", full_sync_after=timedelta(days=7)) as session:
        session.sync(["category"])
        assert not session.sync(["category"])["full"][0]


# --- 4. no name or stored header lets a secret be tested offline ---------------------------------------------------
def _unkeyed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_no_cache_frame_or_store_name_and_no_stored_header_is_an_unkeyed_hash(emulator: Any, tmp_path: Path) -> None:
    """The names the old code gave (an unkeyed hash of URL and secret) let a word list find a Syncd
    password in a third of a second; none is left anywhere in the cache or store folder."""
    from smexplore.syncd.emulator import DEMO_PASSWORD, DEMO_USER, SyncdEmulator

    with SyncdEmulator() as syncd:
        with sm.syncd.connect(user=DEMO_USER, password=DEMO_PASSWORD, base_url=syncd.base_url, cache=tmp_path,
                              progress=False) as session:
            session.users()
            session.sync(["users"])
        old_syncd = _unkeyed(f"{syncd.base_url}\nbasic\n{DEMO_USER}\n{DEMO_PASSWORD}")
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path, progress=False) as live:
        live.activities()  # several pages: a kept frame too
        live.sync(["staff"])
    old_servicem8 = _unkeyed(f"{emulator.base_url}\napi_key\n{emulator.api_key}")
    key = folder_key(tmp_path, create=False)
    assert key is not None
    files = list(tmp_path.rglob("*"))
    for old in (old_syncd, old_servicem8):  # each cache is named by the keyed hash of the old name
        assert any(keyed_name(key, old) in path.name for path in files)
    assert any(path.parent.name == "frames" for path in files)
    for path in files:
        for secret in (old_syncd, old_servicem8, DEMO_PASSWORD, emulator.api_key):
            assert secret not in str(path.relative_to(tmp_path))
            assert not path.is_file() or secret.encode() not in path.read_bytes()


# --- 5. a damaged store degrades; a sync replaces a damaged file ---------------------------------------------------
def test_a_bad_store_key_breaks_neither_the_repr_nor_an_offline_read_of_the_cache(tmp_path: Path) -> None:
    account = Account()
    for _ in range(3):
        account.insert()
    with serve(account) as url:
        with _connect(url, tmp_path) as session:
            session.sync(["category"])
            live = session.frame("category", include_inactive=True)  # into the HTTP cache
        (tmp_path / "store" / ".key").write_text("not hex at all")
        with _connect(url, tmp_path, offline=True) as offline:
            assert "cannot be read" in repr(offline)
            pd.testing.assert_frame_equal(offline.frame("category", include_inactive=True), live)
            with pytest.raises(sm.StoreError, match=r"\.key"):
                offline.frame("category", source="store")


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_a_damaged_file_is_shown_as_damaged_and_the_next_sync_replaces_it(damage: str, tmp_path: Path) -> None:
    account = Account()
    keys = [account.insert() for _ in range(30)]
    with serve(account) as url, _connect(url, tmp_path) as session:
        session.sync(["category"])
        [path] = session._store.files("category")
        content = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(content[: len(content) // 2])
        else:  # the data pages garbled, the footer whole: the schema and the sync state still read
            path.write_bytes(content[:4] + b"\0" * 400 + content[404:])
        if damage == "truncated":
            assert "damaged: category" in repr(session)
        account.edit(keys[0])  # a change: the sync reads what is stored to merge it
        summary = session.sync(["category"])
        assert summary["full"][0] and "damaged" in summary["note"][0]
        assert _rows(_stored(session)) == _expected(account)
        assert "damaged:" not in repr(session)


# --- 6. a demo's cache folder serves the next demo ----------------------------------------------------------------
def test_a_demo_cache_folder_is_reused_by_the_next_demo_and_offline(tmp_path: Path) -> None:
    with sm.demo(cache=tmp_path, progress=False) as first:
        bookings = first.activities()
        size = first.cache_info().size_bytes
    with sm.demo(cache=tmp_path, progress=False) as second:  # a new emulator on another port
        second.emulator.log.clear()
        pd.testing.assert_frame_equal(second.activities(), bookings)
        assert second.emulator.log.entries() == [] and second.cache_info().misses == 0
        assert second.cache_info().size_bytes <= size * 1.05  # nothing stored twice
    with sm.demo(cache=tmp_path, progress=False, offline=True) as offline:
        pd.testing.assert_frame_equal(offline.activities(), bookings)


# --- 7. `smexplore pull -o FILE` checks FILE first and never leaves half a file ----------------------------------
def test_pull_checks_its_output_before_pulling_and_never_leaves_half_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from smexplore import cli
    from smexplore.cli import pull as cli_pull

    with pytest.raises(SystemExit) as exit:  # argparse: before any session is opened
        cli.main(["pull", "jobs", "--demo", "-o", str(tmp_path / "missing" / "jobs.csv")])
    assert exit.value.code == 2 and "does not exist" in capsys.readouterr().err
    target = tmp_path / "jobs.csv"
    target.write_text("the previous good file")

    def fail(path: Path) -> None:  # a disk that fills up half way
        path.write_text("half a fi")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        cli_pull.write_in_place(target, fail)
    assert target.read_text() == "the previous good file" and sorted(p.name for p in tmp_path.iterdir()) == ["jobs.csv"]
    assert cli.main(["pull", "staff", "--demo", "-o", str(target)]) == 0
    assert "first" in target.read_text().splitlines()[0]


# --- 8. Ctrl-C stops a sync promptly, and says what was left -------------------------------------------------------
def test_ctrl_c_during_a_sync_stops_promptly_and_keeps_every_file_whole(tmp_path: Path) -> None:
    slow = threading.Event()

    def handle(request: Request) -> Response:
        if request.path.endswith("/members"):
            slow.set()
            time.sleep(2.5)  # a slow page
        rows = [{"id": f"00000000-0000-4000-8000-{n:012d}", "name": f"n{n}"} for n in range(1, 4)]
        return Response(json.dumps({"results": rows, "hasMore": False}), 200, content_type="application/json")

    def interrupt(session: Any) -> None:  # Ctrl-C once clients is stored and members' page is under way
        slow.wait(10)
        deadline = time.monotonic() + 10
        while session._store.state("clients") is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job may ignore it
    try:
        with serve(StrictServer(handle)) as url, SYSTEMS["ruddr"].open(url, tmp_path) as session:
            threading.Thread(target=interrupt, args=(session,), daemon=True).start()
            started = time.monotonic()
            with pytest.raises(KeyboardInterrupt) as caught:
                session.sync(["clients", "members"])
            assert time.monotonic() - started < 2  # not the slow page's 2.5 s
            assert any("members left as they were" in note for note in getattr(caught.value, "__notes__", []))
            assert len(session.frame("clients", source="store")) == 3  # finished before: whole
            with pytest.raises(sm.StoreError):
                session.frame("members", source="store")  # never written
            time.sleep(3)  # the slow page ends; its worker writes nothing
            assert session._store.synced() == ["clients"]
    finally:
        signal.signal(signal.SIGINT, previous)


# --- 9. a Syncd store read in a session with a time zone -------------------------------------------------------------
def test_syncd_users_and_jobs_read_from_the_store_in_a_time_zone(tmp_path: Path) -> None:
    with sm.syncd.demo(cache=tmp_path, progress=False) as session:
        session.sync(["users", "jobs"])
    with sm.syncd.demo(cache=tmp_path, progress=False, timezone="Europe/Berlin") as zoned:
        users = zoned.users(source="store")
        assert str(users["created_at"].dt.tz) == "Europe/Berlin"
        assert len(zoned.jobs(source="store")) > 0


# --- the property: any interleaving leaves the store as a full pull, or refused and unchanged -----------------------
_STEPS = st.lists(st.sampled_from(["insert", "edit", "soft", "hard", "glitch", "old", "sync", "full", "forced"]),
                  min_size=3, max_size=10)


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS, seed=st.integers(0, 10**6))
def test_any_interleaving_leaves_the_store_equal_to_a_full_pull_or_refused_and_unchanged(
        steps: list[str], seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    import random

    chance = random.Random(seed)
    account = Account()
    for _ in range(12):
        account.insert()
    account.insert(account.wall(timedelta(hours=3)))  # one stamped in the account's future
    folder = tmp_path_factory.mktemp("interleaving")
    with serve(account) as url, _connect(url, folder, full_sync_after=None) as session:
        session.sync(["category"])
        gone: set[str] = set()  # deleted outright: an incremental sync cannot see it go
        hidden: set[str] = set()  # inserted with a stamp before the mark: nor see it come
        for step in steps:
            keys = sorted(account.records)
            if step == "insert":
                account.insert()
            elif step == "old":
                hidden.add(account.insert(stamp="2019-05-01 08:00:00"))
            elif step in ("edit", "soft", "hard") and keys:
                key = chance.choice(keys)
                {"edit": account.edit, "soft": account.soft_delete, "hard": account.hard_delete}[step](key)
                (gone.add if step == "hard" else hidden.discard)(key)
            elif step == "glitch":
                account.glitch = True
            elif step in ("sync", "full", "forced"):
                before = _stored(session)
                glitched = account.glitch
                try:
                    session.sync(["category"], full=step != "sync" or None, force=step == "forced")
                except sm.SyncRefusedError:
                    assert glitched and step != "forced"
                    pd.testing.assert_frame_equal(_stored(session), before)  # unchanged
                    continue
                stored = _rows(_stored(session))
                if glitched and step == "forced":
                    assert stored == []  # what the server answered, as asked
                elif glitched and step == "sync":
                    assert stored == _rows(before)  # an empty incremental answer: nothing changed
                elif step == "sync":
                    live = {row for row in _expected(account) if row[0] not in hidden}
                    assert live <= set(stored)  # every record as the account has it now …
                    # … besides only those deleted outright, or stamped before the mark (a sync with no mark sees them)
                    assert {row[0] for row in set(stored) - live} <= gone | hidden
                elif not glitched:
                    assert stored == _expected(account)  # a full pull, row for row
                if step in ("full", "forced") and not glitched:
                    gone.clear()
                    hidden.clear()


def test_ruddr_numbers_that_are_nan_raise_no_warning(tmp_path: Path) -> None:
    """JSON allows NaN (Python's json writes and reads it): every Ruddr number NaN, through pulls,
    the timeline, utilisation, a sync and a store read, with warnings as errors."""
    from smexplore.ruddr.emulator.synth import build_workspace

    def nan(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: nan(item) for key, item in value.items()}
        if isinstance(value, list):
            return [nan(item) for item in value]
        return float("nan") if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    tables = {name: nan(rows[:30]) for name, rows in build_workspace(0, "small").tables.items()}

    def handle(request: Request) -> Response:
        rows = tables.get(request.path.rsplit("/", 1)[-1], [])
        return Response(json.dumps({"results": rows, "hasMore": False}), 200, content_type="application/json")

    with serve(StrictServer(handle)) as url, SYSTEMS["ruddr"].open(url, tmp_path) as session:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            session.allocations()
            session.timeline_frame()
            session.utilisation()
            session.sync()
            for resource in dict.fromkeys(session.methods.values()):
                session.frame(resource, source="store")
