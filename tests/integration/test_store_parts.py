"""The store's parts (issue 27): a re-sync rewrites only the parts holding what changed, and the store
still reads as a full re-pull, row for row, in pandas and in DuckDB.

Over HTTP from a real ServiceM8 emulator on loopback, through real Sessions, into real Parquet files.
A sync "killed" between two parts is simulated by failing the store's own file writer after some
parts (a real SIGKILL is ``test_store.test_a_killed_sync_leaves_the_previous_state_readable``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore.core import store as store_module
from smexplore.core.parquet_files import write_atomically
from smexplore.emulator import Emulator

RESOURCE = "joballocation"  # parts by the month of allocation_date; 383 records over 13 months
FAST = {"per_minute": 1_000_000, "per_day": 10_000_000}
MONTHS = [f"{year}-{month:02d}" for year, month in itertools.product((2025, 2026), range(1, 13))][:18]
_folders = itertools.count()


class _Killed(Exception):
    """The process dies here (raised by the store's file writer after some parts)."""


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0, scale="small", **FAST) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def writer(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.Session]:
    with _connect(emu, tmp_path_factory.mktemp("writer"), writable=True) as session:
        yield session


def _connect(emu: Emulator, folder: Path, **options: object) -> sm.Session:
    return sm.connect(emu.api_key, base_url=emu.base_url, cache=folder, progress=False,
                      **{**FAST, **options})  # type: ignore[arg-type]


def _stored(session: sm.Session) -> pd.DataFrame:
    return session.frame(RESOURCE, include_inactive=True, source="store")


def _parts(session: sm.Session) -> dict[str, tuple[int, int]]:
    """Each part's identity: inode and modification time (a part rewritten is a new file)."""
    return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in session._store.files(RESOURCE)}


def _part_of(session: sm.Session) -> dict[str, str]:
    """Each stored record's part."""
    return {uuid: path.name for path in session._store.files(RESOURCE)
            for uuid in pq.read_table(path, columns=["uuid"]).column(0).to_pylist()}


def _killed_sync(session: sm.Session, parts: int) -> bool:
    """Sync, the process dying once ``parts`` parts are written; whether it died (else the sync ended)."""
    written = 0
    real = store_module.write_table  # as the store calls it

    def dying(*args: object, **kwargs: object) -> None:
        nonlocal written
        if written >= parts:
            raise _Killed
        written += 1
        real(*args, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(store_module, "write_table", dying):
        try:
            session.sync([RESOURCE])
        except _Killed:
            return True
    return False


def _duckdb(root: Path) -> pd.DataFrame:
    pattern = (root / RESOURCE / "**" / "*.parquet").as_posix()
    return duckdb.sql(f"select uuid, allocation_date, active, staff_uuid, source, account "
                      f"from read_parquet('{pattern}', hive_partitioning = true) order by uuid").df()


_STEP = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(MONTHS)),
    st.tuples(st.just("move"), st.sampled_from(MONTHS)),  # a date change: another month
    st.tuples(st.just("edit"), st.integers(1, 9)),
    st.tuples(st.just("delete"), st.none()),
    st.tuples(st.just("sync"), st.none()),
    st.tuples(st.just("killed"), st.integers(0, 2)),  # a sync that dies after writing this many parts
)


@settings(max_examples=16, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(_STEP, min_size=1, max_size=6), seed=st.integers(0, 2**32))
def test_any_sequence_of_incremental_syncs_reads_as_a_full_repull(
        emu: Emulator, writer: sm.Session, tmp_path_factory: pytest.TempPathFactory, steps: list, seed: int) -> None:
    """Creates, edits, date changes and soft deletes between incremental syncs (some of them killed
    between two parts): the store always reads one row per record, a sync rewrites only the parts
    holding what changed (the others keep inode and mtime), a record stays in its first part, and
    at the end the store reads row for row as a full re-pull into an empty store, in pandas and DuckDB."""
    base = tmp_path_factory.mktemp(f"parts{next(_folders)}")
    picks = random.Random(seed)  # which records (the account changes from one example to the next)
    jobs, staff = writer.jobs()["uuid"].tolist(), writer.staff()["uuid"].tolist()
    with _connect(emu, base / "incremental") as session:
        session.sync([RESOURCE])
        pending: set[str] = set()  # records changed since the last whole sync
        first_part = _part_of(session)
        stored = _stored(session)
        active = sorted(stored.loc[stored["active"].astype(bool), "uuid"])
        killed = False
        for step, arg in [*steps, ("sync", None)]:
            if step == "create":
                uuid = writer.allocate(picks.choice(jobs), picks.choice(staff), f"{arg}-{picks.randint(1, 28):02d}")
                active.append(uuid)
            elif step == "move":
                uuid = picks.choice(active)
                writer.update(RESOURCE, uuid, allocation_date=f"{arg}-{picks.randint(1, 28):02d}")
            elif step == "edit":
                uuid = picks.choice(active)
                writer.update(RESOURCE, uuid, sort_priority=str(picks.randint(100, 10_000) * arg))
            elif step == "delete":
                uuid = active.pop(picks.randrange(len(active)))
                writer.delete(RESOURCE, uuid)
            else:
                before = _parts(session)
                if step == "killed":
                    held, state = set(_stored(session)["uuid"]), session._store.state(RESOURCE)
                if step == "killed" and _killed_sync(session, arg):
                    stored = _stored(session)  # readable, one row per record, none lost
                    assert stored["uuid"].is_unique and held <= set(stored["uuid"])
                    assert session._store.state(RESOURCE) == state  # the state comes last
                    killed = True
                    continue
                if step == "sync":
                    session.sync([RESOURCE])
                after, part_of = _parts(session), _part_of(session)
                rewritten = {name for name in after if before.get(name) != after[name]}
                assert rewritten <= {part_of[uuid] for uuid in pending}  # only parts holding what changed
                assert all(after[name] == before[name] for name in set(after) - rewritten)
                assert all(part_of[uuid] == part for uuid, part in first_part.items())  # records never move
                first_part.update(part_of)
                pending.clear()
                continue
            pending.add(uuid)
        stored, account = _stored(session), session._store.account
    with _connect(emu, base / "again") as again:  # a full re-pull into an empty store
        again.sync([RESOURCE])
        expected = _stored(again)
    if killed:  # records new to a sync that died were kept in the order their parts were written
        stored, expected = stored.sort_values("uuid", ignore_index=True), expected.sort_values("uuid", ignore_index=True)
    pd.testing.assert_frame_equal(stored, expected)  # row for row: values, order, dtypes
    read = _duckdb(base / "incremental" / "store")
    assert read["uuid"].tolist() == sorted(expected["uuid"])  # one row per record
    mine = expected.sort_values("uuid", ignore_index=True)
    assert pd.Series(read["allocation_date"]).astype("datetime64[ns]").tolist() == mine["allocation_date"].tolist()
    assert read["active"].astype(bool).tolist() == mine["active"].astype(bool).tolist()
    assert read["staff_uuid"].fillna("").tolist() == mine["staff_uuid"].fillna("").tolist()
    assert set(read["source"]) == {"servicem8"} and set(read["account"]) == {account}
    frame = pd.read_parquet(base / "incremental" / "store" / RESOURCE)  # pandas: the parts add no column
    assert sorted(frame.columns) == sorted([*expected.columns, "source", "account"])
    assert len(frame) == len(expected) and frame["uuid"].is_unique


def test_a_store_of_the_earlier_layout_is_pulled_again_into_parts(emu: Emulator, tmp_path: Path) -> None:
    """A resource stored by an earlier smexplore (one ``part-0.parquet`` with the state in its
    metadata) is not read as synced; the next sync pulls it whole, says so, and leaves no old file."""
    with _connect(emu, tmp_path) as session:
        session.sync([RESOURCE])
        expected = _stored(session)
        folder = session._store.folder(RESOURCE)
        for path in folder.iterdir():
            path.unlink()
        write_atomically(folder / "part-0.parquet", expected, {b"smexplore.sync": {
            "synced_at": "2026-01-01T00:00:00+00:00", "high_water": "2026-01-01T00:00:00", "rows": len(expected),
            "fields": "", "format": 1}}, durable=False)
        assert session._store.state(RESOURCE) is None and session._store.outdated(RESOURCE)
        with pytest.raises(sm.StoreError, match="earlier smexplore"):
            _stored(session)
        summary = session.sync([RESOURCE])
        assert summary["full"][0] and summary["new"][0] == len(expected) and "earlier smexplore" in summary["note"][0]
        assert not (folder / "part-0.parquet").exists() and len(session._store.files(RESOURCE)) > 5
        pd.testing.assert_frame_equal(_stored(session), expected)


def test_a_resource_without_a_main_date_is_one_undated_part_with_typed_columns(emu: Emulator, tmp_path: Path) -> None:
    """Every part has the field table's schema, even one of no record (a forced empty answer leaves
    one undated part, so every engine still sees the columns)."""
    with _connect(emu, tmp_path) as session:
        session.sync(["staff", "queue"])
        assert [path.name for path in session._store.files("staff")] == ["part-undated.parquet"]
        state = session._store.state("queue")
        assert state is not None
        session._store.write("queue", _stored_of(session, "queue").iloc[:0], state)
        [part] = session._store.files("queue")
        assert part.name == "part-undated.parquet" and pq.read_metadata(part).num_rows == 0
        schema = pq.read_schema(part)
        assert "edit_date" in schema.names and str(schema.field("edit_date").type) == "timestamp[ns]"


def _stored_of(session: sm.Session, resource: str) -> pd.DataFrame:
    return session._store.read(resource)


def test_a_damaged_part_fails_a_read_and_the_next_sync_that_reads_it_replaces_it(emu: Emulator, tmp_path: Path) -> None:
    """A part whose pages are garbled (its footer whole) cannot be read: a store read says what to
    run, and a full sync pulls every record and replaces the parts, saying so."""
    with _connect(emu, tmp_path) as session:
        session.sync([RESOURCE])
        expected = _stored(session).sort_values("uuid", ignore_index=True)
        path = session._store.files(RESOURCE)[0]
        content = path.read_bytes()
        path.write_bytes(content[:4] + b"\0" * 200 + content[204:])
        with pytest.raises(sm.StoreError, match=r"(?s)cannot be read .*session\.sync\(full=True\) replaces it"):
            _stored(session)
        summary = session.sync([RESOURCE], full=True)
        assert summary["full"][0] and "damaged" in summary["note"][0]
        pd.testing.assert_frame_equal(_stored(session).sort_values("uuid", ignore_index=True), expected)
        assert _stored(session)["uuid"].is_unique
