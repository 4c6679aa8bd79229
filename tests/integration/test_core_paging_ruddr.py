"""The core transport walks a second paging style: Ruddr's JSON cursor, over HTTP to its emulator, through the cache.

This is the plug-in seam of "one core": nothing in ``smexplore.core`` names Ruddr, yet a whole Ruddr list
comes back complete, once each, and a repeat is served from the SQLite cache without a request.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import smexplore as sm
from smexplore.core.auth import Credential
from smexplore.core.cache import make_cached_session
from smexplore.core.limits import Limits, RequestBudget
from smexplore.core.paging import JsonCursor
from smexplore.core.transport import Transport
from smexplore.core.wire import Wire
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator


def _transport(emu: RuddrEmulator, cache: Path, token: str = DEMO_TOKEN) -> Transport:
    session = make_cached_session(cache / "ruddr.sqlite", timedelta(hours=1), emu.base_url)
    return Transport(session, emu.base_url, Credential(token, "token"),
                     RequestBudget(Limits(per_minute=10_000, per_day=100_000, per_second=20)), progress=False,
                     paging=JsonCursor(limit=100), wire=Wire(credential_hint="check the Ruddr token"))


def test_a_json_cursor_list_is_pulled_whole_then_served_from_the_cache(tmp_path: Path) -> None:
    with RuddrEmulator(seed=0, scale="small") as emu:
        expected = [record["id"] for record in emu.workspace.tables["allocations"]]
        transport = _transport(emu, tmp_path)
        first = transport.pull("/allocations", label="allocations")
        assert first.records is not None
        ids = [record["id"] for record in first.records]
        assert ids == expected  # every record, once, in the API's order (newest createdAt first)
        assert first.pages == -(-len(expected) // 100) and first.pages > 10
        assert first.fetched == first.pages and not first.first.from_cache
        sent = len(emu.log)
        again = transport.pull("/allocations", label="allocations")
        assert again.records is not None and [r["id"] for r in again.records] == ids
        assert again.fetched == 0 and again.first.from_cache and len(emu.log) == sent  # no request at all
        assert DEMO_TOKEN.encode() not in (tmp_path / "ruddr.sqlite").read_bytes()


def test_a_refused_token_is_an_authentication_error_naming_where_tokens_come_from(tmp_path: Path) -> None:
    with RuddrEmulator(seed=0, scale="small") as emu:
        transport = _transport(emu, tmp_path, token="not-the-token")
        with pytest.raises(sm.AuthenticationError, match="check the Ruddr token") as caught:
            transport.pull("/members")
        assert "not-the-token" not in str(caught.value)


def test_a_later_page_failing_gives_no_partial_list(tmp_path: Path) -> None:
    with RuddrEmulator(seed=0, scale="small") as emu:
        transport = _transport(emu, tmp_path)
        transport.retry = type(transport.retry)(budget=0.5)
        emu.faults.fail_next(20, 500, after=3)
        with pytest.raises(sm.IncompleteResultError, match="page 4"):
            transport.pull("/allocations", label="allocations")
