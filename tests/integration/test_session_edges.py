"""Edge cases found in review: expired cursors, later-page failures, odd keys, clean-up, time zones."""

from __future__ import annotations

import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import pandas as pd
import pytest
import requests
import requests_cache

import smexplore as sm
from smexplore.emulator import Emulator
from tests.conftest import FakeClock


def test_expired_cursor_after_a_cached_first_page_restarts_without_duplicates(tmp_path: Path) -> None:
    clock = FakeClock()
    with Emulator(page_size=3000, clock=clock, per_minute=100_000) as emu:
        with sm.connect(emu.api_key, base_url=emu.base_url, cache=tmp_path, progress=False) as first:
            expected = len(first.activities(include_inactive=True))
            cache = first._http.cache
            cache.delete(*[r.cache_key for r in cache.filter() if "cursor=-1" not in r.url])  # later pages lost
        clock.advance(700)  # the cached first page's cursor has expired (ttl 600 s)
        for where in (None, "start_date gt '2020-01-01'"):
            with sm.connect(emu.api_key, base_url=emu.base_url, cache=tmp_path, progress=False) as again:
                frame = again.activities(where, include_inactive=True)
            assert len(frame) == expected and frame["uuid"].is_unique


@pytest.mark.parametrize("status", [401, 404])
def test_any_failure_after_the_first_page_is_an_incomplete_result(tmp_path: Path, status: int) -> None:
    with Emulator(page_size=3000, per_minute=100_000) as emu:
        session = sm.connect(emu.api_key, base_url=emu.base_url, cache=tmp_path, progress=False)
        original = emu.app._handle

        def refuse_later_pages(request, resource, operation, record_uuid):
            if request.args.get("cursor", "-1") != "-1":
                from smexplore.servicem8.emulator.app import _error
                return _error(status, "refused")
            return original(request, resource, operation, record_uuid)

        emu.app._handle = refuse_later_pages
        with pytest.raises(sm.IncompleteResultError, match="page 2 failed after 3,000 records"):
            session.activities()


@pytest.mark.parametrize("key", ["abc\ndef-0123456789", "clé-secrète-0123456789", "tab\tkey-0123456789"])
def test_keys_a_header_cannot_carry_are_refused_without_echoing_them(key: str) -> None:
    with pytest.raises(sm.AuthenticationError, match="copy it again") as caught:
        sm.connect(key)
    assert key not in str(caught.value) and key.split()[0] not in str(caught.value)


def test_a_failed_demo_start_leaves_no_emulator_running() -> None:
    with pytest.raises(Exception, match="Nope"):
        sm.demo(timezone="Nope/Zone")
    assert not [t for t in threading.enumerate() if t.name == "smexplore-emulator"]


def test_a_closed_demo_stops_its_emulator_and_a_users_session_stays_open(emulator: Emulator, tmp_path: Path) -> None:
    demo = sm.demo(progress=False)
    url = demo.settings.base_url
    demo.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/job.json", timeout=2)
    mine = requests_cache.CachedSession(str(tmp_path / "mine.sqlite"))
    sm.connect(emulator.api_key, base_url=emulator.base_url, session=mine, progress=False).close()
    assert len(mine.get(emulator.base_url + "/category.json", headers={"X-Api-Key": emulator.api_key}).json()) > 0


def test_clearing_a_timestamp_and_refusing_an_aware_time_without_a_zone(fresh_emulator: Emulator,
                                                                        tmp_path: Path) -> None:
    with sm.connect(fresh_emulator.api_key, base_url=fresh_emulator.base_url, cache=tmp_path, progress=False,
                    writable=True) as session:
        target = next(r for r in fresh_emulator.account.tables["joballocation"] if r["read_timestamp"][0] != "0")
        session.update("joballocation", target["uuid"], read_timestamp=None)
        assert target["read_timestamp"] == "0000-00-00 00:00:00"
        assert pd.isna(session.get("joballocation", target["uuid"])["read_timestamp"][0])
        with pytest.raises(sm.ValidationError, match="has a time zone"):
            session.update("joballocation", target["uuid"], read_timestamp=pd.Timestamp("2026-03-02 08:00", tz="UTC"))


def test_timeline_of_a_session_with_a_timezone_draws_in_wall_clock_time() -> None:
    with sm.demo(progress=False, timezone="Australia/Melbourne") as session:
        week = session.activities("start_date gt '2026-03-02' and start_date lt '2026-03-07'", enrich=True)
        assert str(week["start_date"].dt.tz) == "Australia/Melbourne"
        ax = sm.timeline(week)  # the Session's "now" is aware too
        earliest = min(p.vertices[:, 0].min() for c in ax.collections if str(c.get_gid()).startswith("booking:")
                       for p in c.get_paths())
        booked = week.loc[week["activity_was_scheduled"], "start_date"]
        assert mdates.num2date(earliest).replace(tzinfo=None) == booked.min().tz_localize(None)
        today = [line for line in ax.lines if line.get_gid() == "today"]
        assert today and mdates.num2date(today[0].get_xdata()[0]).replace(tzinfo=None).date() == pd.Timestamp(
            "2026-03-02").date()
