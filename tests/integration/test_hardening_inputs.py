"""Hardening over real HTTP (issue 12, items 7 to 11): bodies that must be 400s, queued faults one per
request, early dates and uuid spellings end to end through a Session and the emulator."""

from __future__ import annotations

import json
import socket
import uuid as uuidlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import requests

import smexplore as sm
from smexplore import F
from smexplore.core.filters.expr import Compare
from smexplore.emulator import Emulator

ERROR_KEYS = {"errorCode", "message"}
BAD_REQUEST_CODE = "1000"  # ServiceM8's 400 errorCode, as its spec's examples write it


def _assert_400(response: requests.Response, *words: str) -> None:
    assert response.status_code == 400, (response.status_code, response.text[:200])
    body = response.json()
    assert set(body) == ERROR_KEYS and body["errorCode"] == BAD_REQUEST_CODE
    for word in words:
        assert word in body["message"], body["message"]


def _raw(emu: Emulator, request: bytes) -> bytes:
    """Send ``request`` as is on a new connection; return everything the server answers."""
    host, port = emu.base_url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _parse_raw(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def _post_raw(emu: Emulator, path: str, headers: str, body: bytes) -> tuple[int, dict]:
    request = (f"POST /api_1.0{path} HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: {emu.api_key}\r\n"
               f"Content-Type: application/json\r\n{headers}\r\n").encode() + body
    return _parse_raw(_raw(emu, request))


# --- item 7: every bad body is a 400 in the API's shape ------------------------------------------
def test_a_deeply_nested_json_body_is_400_not_500(fresh_emulator: Emulator, session_for) -> None:
    api = session_for(fresh_emulator)
    target = fresh_emulator.account.tables["category"][0]["uuid"]
    for path in ("/category.json", f"/category/{target}.json"):
        _assert_400(api.post(fresh_emulator.base_url + path, data="[" * 100_000,
                             headers={"Content-Type": "application/json"}), "JSON", "nests too deeply")
    assert [e.status for e in fresh_emulator.log.entries()] == [400, 400]


def test_a_malformed_chunked_body_is_400_not_500(fresh_emulator: Emulator) -> None:
    status, body = _post_raw(fresh_emulator, "/category.json", "Transfer-Encoding: chunked\r\n",
                             b"zz\r\n{\"name\": \"x\"}\r\n0\r\n\r\n")
    assert (status, set(body), body["errorCode"]) == (400, ERROR_KEYS, BAD_REQUEST_CODE)
    assert "could not be read" in body["message"]
    assert [e.status for e in fresh_emulator.log.entries()] == [400]


def test_a_body_shorter_than_its_content_length_is_400_not_500(fresh_emulator: Emulator) -> None:
    status, body = _post_raw(fresh_emulator, "/category.json", "Content-Length: 500\r\n", b'{"name": "x"}')
    assert (status, body["errorCode"]) == (400, BAD_REQUEST_CODE)
    assert "could not be read" in body["message"]


def test_a_lone_surrogate_is_400_and_never_poisons_the_listing(fresh_emulator: Emulator, session_for) -> None:
    api = session_for(fresh_emulator)
    count = len(fresh_emulator.account.tables["category"])
    response = api.post(fresh_emulator.base_url + "/category.json", data='{"name": "a\\ud800b"}',
                        headers={"Content-Type": "application/json"})
    _assert_400(response, "surrogate")
    listing = api.get(fresh_emulator.base_url + "/category.json")
    assert listing.status_code == 200 and len(listing.json()) == count


# --- item 10: each request consumes at most one queued fault -------------------------------------
def _bodies(emu: Emulator, count: int) -> list[bytes]:
    return [requests.get(emu.base_url + "/category.json", headers={"X-Api-Key": emu.api_key}).content
            for _ in range(count)]


def _whole(content: bytes) -> bool:
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def test_truncate_after_passes_hits_the_answer_after_them(fresh_emulator: Emulator) -> None:
    """fail_next(0, after=2); truncate_next(1): the third answer is cut, not the second."""
    fresh_emulator.faults.fail_next(0, after=2)
    fresh_emulator.faults.truncate_next(1)
    assert [_whole(body) for body in _bodies(fresh_emulator, 4)] == [True, True, False, True]


def test_cut_connection_after_a_pass_hits_the_next_request(fresh_emulator: Emulator) -> None:
    fresh_emulator.faults.fail_next(0, after=1)
    fresh_emulator.faults.cut_connection_next(1)
    url, headers = fresh_emulator.base_url + "/category.json", {"X-Api-Key": fresh_emulator.api_key}
    assert _whole(requests.get(url, headers=headers).content)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.get(url, headers=headers)
    assert _whole(requests.get(url, headers=headers).content)


def test_one_queued_fault_per_request_whatever_the_mix(fresh_emulator: Emulator) -> None:
    faults = fresh_emulator.faults
    faults.fail_next(1, status=503, after=1)   # pass, 503
    faults.truncate_next(1)
    faults.fail_next(0, after=1)                # pass
    faults.truncate_next(1)
    url, headers = fresh_emulator.base_url + "/category.json", {"X-Api-Key": fresh_emulator.api_key}
    responses = [requests.get(url, headers=headers) for _ in range(6)]
    assert [r.status_code for r in responses] == [200, 503, 200, 200, 200, 200]
    assert [_whole(r.content) for r in responses] == [True, True, False, True, False, True]


# --- item 8: early dates through a Session ---------------------------------------------------------
@pytest.fixture
def session(fresh_emulator: Emulator, tmp_path: Path) -> Iterator[sm.Session]:
    with sm.connect(fresh_emulator.api_key, base_url=fresh_emulator.base_url, cache=tmp_path, progress=False,
                    writable=True) as opened:
        yield opened


@pytest.fixture
def zoned(fresh_emulator: Emulator, tmp_path: Path) -> Iterator[sm.Session]:
    with sm.connect(fresh_emulator.api_key, base_url=fresh_emulator.base_url, cache=tmp_path / "zoned",
                    progress=False, timezone="Australia/Melbourne") as opened:
        yield opened


@pytest.mark.parametrize("where", [F.date > "0001-01-01", "date gt '0001-01-01'", F.date >= date(1, 1, 1),
                                   F.date > pd.Timestamp("0999-12-31 23:59:59")])
@pytest.mark.parametrize("which", ["session", "zoned"])
def test_early_dates_plan_send_and_agree_with_a_local_filter(where, which: str, request,
                                                             fresh_emulator: Emulator) -> None:
    s: sm.Session = request.getfixturevalue(which)
    explained = s.explain("job", where)
    assert "'0000-" not in explained.filter and " '1-" not in explained.filter and " '999-" not in explained.filter
    everything = s.jobs()
    got = s.jobs(where)
    assert sorted(got["uuid"]) == sorted(everything.loc[everything["date"].notna(), "uuid"])
    assert all(e.status == 200 for e in fresh_emulator.log.entries())


def test_a_number_too_large_for_a_float_is_refused_by_the_session_before_sending(
        session: sm.Session, fresh_emulator: Emulator) -> None:
    with pytest.raises(sm.FilterError, match="too large"):
        session.jobs(F.total_invoice_amount > 10**400)
    leaf = Compare("total_invoice_amount", ">", 10**400)  # built without F's check
    for call in (lambda: session.explain("job", leaf), lambda: session.jobs(leaf)):
        with pytest.raises(sm.FilterError, match="1.8e308"):
            call()
    with pytest.raises(sm.FilterError, match="finite"):
        session.explain("job", "total_invoice_amount gt '1e400'")
    assert fresh_emulator.log.entries() == []


def test_booking_before_a_frames_earliest_time_is_refused_before_sending(session: sm.Session,
                                                                        fresh_emulator: Emulator) -> None:
    job = session.jobs().iloc[0]
    staff = session.staff().uuid.iloc[0]
    with pytest.raises(sm.ValidationError, match="start_date: 0999-03-03 08:00:00 is outside the times a frame"):
        session.book(job["uuid"], staff, "0999-03-03 08:00", "0999-03-03 10:00")
    with pytest.raises(sm.ValidationError, match="outside the times a frame can hold"):
        session.update("jobactivity", session.activities().uuid.iloc[0], end_date=date(1, 1, 1))
    assert [e for e in fresh_emulator.log.entries() if e.method != "GET"] == []  # nothing was sent


# --- item 9: uuid spellings wherever the client sends one -----------------------------------------
def _braced(value: str) -> str:
    return "{" + value.upper() + "}"


def test_create_update_delete_restore_take_any_uuid_spelling(session: sm.Session, fresh_emulator: Emulator) -> None:
    job = session.jobs().uuid.iloc[0]
    staff = session.staff().uuid.iloc[0]
    mine = str(uuidlib.uuid4())
    made = session.create("joballocation", uuid=_braced(mine), job_uuid=_braced(job), staff_uuid="urn:uuid:" + staff,
                          allocation_date="2026-03-03 08:00")
    assert made == mine
    stored = next(r for r in fresh_emulator.account.tables["joballocation"] if r["uuid"].lower() == mine)
    assert (stored["uuid"], stored["job_uuid"], stored["staff_uuid"]) == (mine, job, staff)
    session.update("joballocation", mine.replace("-", "").upper(), allocation_window_uuid="")
    session.delete("joballocation", _braced(mine))
    assert not stored["active"]
    session.restore("joballocation", "urn:uuid:" + mine)
    assert stored["active"] == 1
    paths = [e.path for e in fresh_emulator.log.entries() if e.method in ("POST", "DELETE")]
    assert paths == ["/api_1.0/joballocation.json"] + [f"/api_1.0/joballocation/{mine}.json"] * 3


def test_allocate_and_book_take_braced_and_urn_uuids(session: sm.Session, fresh_emulator: Emulator) -> None:
    job = session.jobs().uuid.iloc[0]
    staff = session.staff().uuid.iloc[0]
    window = session.allocation_windows().uuid.iloc[0]
    allocation = session.allocate(_braced(job), "urn:uuid:" + staff.upper(), "2026-03-03 08:00",
                                  window=_braced(window))
    booking = session.book("urn:uuid:" + job, _braced(staff), "2026-03-03 13:00", "2026-03-03 15:00")
    tables = fresh_emulator.account.tables
    record = next(r for r in tables["joballocation"] if r["uuid"] == allocation)
    assert (record["job_uuid"], record["staff_uuid"], record["allocation_window_uuid"]) == (job, staff, window)
    record = next(r for r in tables["jobactivity"] if r["uuid"] == booking)
    assert (record["job_uuid"], record["staff_uuid"]) == (job, staff)


def test_filters_on_uuids_take_any_spelling(session: sm.Session) -> None:
    job = session.jobs().uuid.iloc[0]
    expected = session.activities(F.job_uuid == job)
    for spelling in (_braced(job), "urn:uuid:" + job, job.replace("-", "")):
        assert session.activities(F.job_uuid == spelling)["uuid"].tolist() == expected["uuid"].tolist()


def test_get_takes_a_braced_uuid(session: sm.Session) -> None:
    """Depends on Session.get normalising its uuid (the lead's change to _session.py)."""
    job = session.jobs().uuid.iloc[0]
    assert session.get("job", _braced(job))["uuid"].tolist() == [job]
