"""Rate limits (on a fake clock), injected faults, and the request log, over real HTTP.

To stay fast, the emulators here serve a slim copy of the small account (staff, category, queue,
allocationwindow): rate limits and faults do not depend on which records are served.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from smexplore.emulator import Account, Emulator, Faults

SLIM = ("staff", "category", "queue", "allocationwindow")

PER_MINUTE = {"errorCode": 429, "message": "Number of allowed API requests per minute exceeded"}
PER_DAY = {"errorCode": 429, "message": "Number of allowed API requests per day exceeded"}


def _get(emu: Emulator, path: str = "/category.json", headers: dict[str, str] | None = None,
         **params: str) -> requests.Response:
    return requests.get(emu.base_url + path, params=params, headers=headers or {"X-Api-Key": emu.api_key})


def _statuses(emu: Emulator, count: int, path: str = "/category.json",
              headers: dict[str, str] | None = None) -> list[int]:
    return [_get(emu, path, headers).status_code for _ in range(count)]


class _Clock:
    """A module-wide monotonic clock (the conftest ``fake_clock`` is per test)."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slim(small_account_records: Account) -> Account:
    """A private copy of a few small-account tables (writes to it stay in the test)."""
    tables = {name: copy.deepcopy(small_account_records.tables[name]) for name in SLIM}
    return Account(seed=0, scale="small", now=small_account_records.now, tables=tables)


@pytest.fixture
def limited(fake_clock: Any, slim: Account) -> Iterator[Emulator]:
    """5 requests a minute and 12 a day for the account, on a clock the test moves."""
    with Emulator(account=slim, per_minute=5, per_day=12, clock=fake_clock, extra_api_keys=["key-b"],
                  tokens={"tok-a": ["read_job_categories"], "tok-b": ["read_job_categories"]}) as emu:
        yield emu


@pytest.fixture(scope="module")
def _faulty_server(small_account_records: Account) -> Iterator[Emulator]:
    tables = {name: copy.deepcopy(small_account_records.tables[name]) for name in SLIM}
    account = Account(seed=0, scale="small", now=small_account_records.now, tables=tables)
    with Emulator(account=account, per_minute=100_000, per_day=1_000_000, clock=_Clock()) as emu:
        yield emu


@pytest.fixture
def faulty(_faulty_server: Emulator) -> Iterator[Emulator]:
    """A read-only emulator shared by the fault tests, its faults and log reset around each test."""
    emu = _faulty_server
    emu.faults.clear()
    emu.faults.only_paths = ()
    emu.log.clear()
    yield emu
    emu.faults.clear()
    emu.faults.only_paths = ()


# --- rate limits ------------------------------------------------------------------------------
def test_sixth_request_in_a_minute_is_429_with_the_documented_body(limited: Emulator) -> None:
    """Five requests pass; the sixth in the same minute answers 429 and the documented JSON body."""
    assert _statuses(limited, 5) == [200] * 5
    refused = _get(limited)
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("application/json")
    assert refused.json() == PER_MINUTE
    assert "Retry-After" not in refused.headers  # the real API documents none; off by default


def test_waiting_a_minute_lets_requests_through_again(limited: Emulator, fake_clock: Any) -> None:
    """The minute window slides: after 61 s the next five pass; refused requests are not counted."""
    assert _statuses(limited, 7) == [200] * 5 + [429] * 2
    fake_clock.advance(30)
    assert _get(limited).status_code == 429
    fake_clock.advance(31)
    assert _statuses(limited, 6) == [200] * 5 + [429]


def test_the_day_limit_gives_the_per_day_message(limited: Emulator, fake_clock: Any) -> None:
    """Twelve requests spread over minutes pass; the thirteenth in the day is refused per day."""
    assert _statuses(limited, 5) == [200] * 5
    fake_clock.advance(61)
    assert _statuses(limited, 5) == [200] * 5
    fake_clock.advance(61)
    assert _statuses(limited, 2) == [200] * 2
    refused = _get(limited)
    assert refused.status_code == 429
    assert refused.json() == PER_DAY
    fake_clock.advance(3600)
    assert _get(limited).json() == PER_DAY
    fake_clock.advance(86_400)
    assert _get(limited).status_code == 200


def test_limits_are_per_account_not_per_credential(limited: Emulator, fake_clock: Any) -> None:
    """"Limits are per Addon per account" (the spec): the account's keys and tokens share one budget, so
    one of them spending it throttles the others too."""
    token_a, token_b = {"Authorization": "Bearer tok-a"}, {"Authorization": "Bearer tok-b"}
    key_b = {"X-Api-Key": "key-b"}
    assert _statuses(limited, 2, headers=token_a) + _statuses(limited, 2, headers=key_b) == [200] * 4
    assert _statuses(limited, 1) == [200]
    for headers in (token_a, token_b, key_b, None):
        refused = _get(limited, headers=headers)
        assert (refused.status_code, refused.json()) == (429, PER_MINUTE)
    fake_clock.advance(61)
    assert _statuses(limited, 5, headers=token_b) == [200] * 5
    assert _get(limited).status_code == 429


def test_rejected_credentials_do_not_spend_the_budget(limited: Emulator) -> None:
    """401 answers are not counted against the account's limit."""
    assert _statuses(limited, 8, headers={"X-Api-Key": "wrong"}) == [401] * 8
    assert _statuses(limited, 5) == [200] * 5


def test_every_verb_counts(limited: Emulator) -> None:
    """Writes and reads share the same budget."""
    key = {"X-Api-Key": limited.api_key}
    target = limited.account.tables["category"][0]["uuid"]
    assert requests.post(f"{limited.base_url}/category.json", json={"name": "A"}, headers=key).status_code == 200
    assert requests.post(f"{limited.base_url}/category/{target}.json", json={"colour": "000000"},
                         headers=key).status_code == 200
    assert requests.delete(f"{limited.base_url}/category/{target}.json", headers=key).status_code == 200
    assert _statuses(limited, 2, path=f"/category/{target}.json") == [200, 200]
    refused = requests.post(f"{limited.base_url}/category.json", json={"name": "B"}, headers=key)
    assert refused.status_code == 429
    assert refused.json() == PER_MINUTE


def test_text_rate_limit_body(fake_clock: Any, slim: Account) -> None:
    """rate_limit_body="text" answers the documented sentence as text/plain."""
    with Emulator(account=slim, per_minute=1, per_day=3, clock=fake_clock, rate_limit_body="text") as emu:
        assert _get(emu).status_code == 200
        refused = _get(emu)
        assert refused.status_code == 429
        assert refused.headers["Content-Type"].startswith("text/plain")
        assert refused.text == PER_MINUTE["message"]
        fake_clock.advance(61)
        _get(emu)
        fake_clock.advance(61)
        _get(emu)
        fake_clock.advance(61)
        assert _get(emu).text == PER_DAY["message"]


def test_retry_after_header_when_asked(fake_clock: Any, slim: Account) -> None:
    """retry_after=True adds Retry-After: the whole seconds until the oldest request leaves the window."""
    with Emulator(account=slim, per_minute=2, clock=fake_clock, retry_after=True) as emu:
        assert _statuses(emu, 2) == [200, 200]
        fake_clock.advance(20)
        refused = _get(emu)
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        assert 40 <= wait <= 41
        fake_clock.advance(wait)
        assert _get(emu).status_code == 200


# --- faults -----------------------------------------------------------------------------------
def test_fail_next_gives_that_many_errors_then_success(faulty: Emulator) -> None:
    """fail_next(2, status=503): two 503s with a JSON error body, then a normal 200."""
    faulty.faults.fail_next(2, status=503)
    first, second, third = (_get(faulty) for _ in range(3))
    for response in (first, second):
        assert response.status_code == 503
        assert response.json()["errorCode"] == 503
        assert response.json()["message"]
    assert third.status_code == 200
    assert len(third.json()) == len(faulty.account.tables["category"])


def test_fail_next_defaults_to_500_and_applies_to_writes(faulty: Emulator) -> None:
    """An injected error replaces a write's answer too, and the write does not happen."""
    before = _get(faulty).json()
    faulty.faults.fail_next()
    response = requests.post(f"{faulty.base_url}/category.json", json={"name": "Lost"},
                             headers={"X-Api-Key": faulty.api_key})
    assert response.status_code == 500
    assert response.json() == {"errorCode": 500, "message": "An unexpected error occurred. Please try again later."}
    assert _get(faulty).json() == before


def test_error_rate_one_makes_every_answer_a_5xx(faulty: Emulator) -> None:
    """error_rate=1.0: every request answers 500 or 503 (with a matching errorCode)."""
    faulty.faults.error_rate = 1.0
    responses = [_get(faulty, path) for path in ["/category.json", "/staff.json", "/queue.json"] * 4]
    assert {r.status_code for r in responses} <= {500, 503}
    assert all(r.json()["errorCode"] == r.status_code for r in responses)
    faulty.faults.clear()
    assert _get(faulty).status_code == 200


def test_error_rate_is_a_share(faulty: Emulator) -> None:
    """error_rate=0.5 fails roughly half of the requests (each a 500 or a 503)."""
    faulty.faults.error_rate = 0.5
    statuses = _statuses(faulty, 60)
    assert 10 <= sum(s != 200 for s in statuses) <= 50
    assert set(statuses) <= {200, 500, 503}
    assert 200 in statuses


def test_faults_given_to_the_constructor_apply_from_the_first_request(slim: Account, fake_clock: Any) -> None:
    """Emulator(faults=Faults(...)): the plan is in force at once and is the emulator's ``faults``."""
    faults = Faults(error_rate=1.0, error_statuses=(503,))
    with Emulator(account=slim, faults=faults, clock=fake_clock) as emu:
        assert emu.faults is faults
        assert _statuses(emu, 4, "/staff.json") == [503] * 4
        faults.error_rate = 0.0
        assert _get(emu, "/staff.json").status_code == 200


def test_rate_limit_next_gives_three_429s(faulty: Emulator) -> None:
    """rate_limit_next(3): three 429s with the per-minute body, then 200."""
    faulty.faults.rate_limit_next(3)
    responses = [_get(faulty) for _ in range(4)]
    assert [r.status_code for r in responses] == [429, 429, 429, 200]
    assert all(r.json() == PER_MINUTE for r in responses[:3])


def test_truncate_next_gives_a_200_that_is_not_json(faulty: Emulator) -> None:
    """truncate_next(): one 200 whose body is cut short (not valid JSON); the next is whole."""
    whole = _get(faulty, "/staff.json").content
    faulty.faults.truncate_next()
    cut = _get(faulty, "/staff.json")
    assert cut.status_code == 200
    assert 0 < len(cut.content) < len(whole)
    assert whole.startswith(cut.content)
    with pytest.raises(ValueError):
        json.loads(cut.content)
    again = _get(faulty, "/staff.json")
    assert again.content == whole


def test_cut_connection_next_breaks_the_response(faulty: Emulator) -> None:
    """cut_connection_next(): the connection closes half way through; requests raises; the next is whole."""
    faulty.faults.cut_connection_next()
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        _get(faulty, "/staff.json")
    again = _get(faulty, "/staff.json")
    assert again.status_code == 200
    assert len(again.json()) == len(faulty.account.tables["staff"])


def test_latency_delays_each_answer(faulty: Emulator) -> None:
    """latency=0.2 makes a request take at least 0.2 s."""
    faulty.faults.latency = 0.2
    started = time.perf_counter()
    response = _get(faulty)
    assert time.perf_counter() - started >= 0.2
    assert response.status_code == 200


def test_only_paths_limits_faults_to_matching_paths(faulty: Emulator) -> None:
    """With only_paths, other paths are untouched and queued faults wait for a matching path."""
    emu, faults = faulty, faulty.faults
    faults.only_paths = ("/staff",)
    faults.fail_next(1, status=503)
    assert _statuses(emu, 3, "/category.json") == [200, 200, 200]
    assert _statuses(emu, 2, "/staff.json") == [503, 200]
    faults.error_rate = 1.0
    assert _statuses(emu, 3, "/queue.json") == [200, 200, 200]
    assert set(_statuses(emu, 3, "/staff.json")) <= {500, 503}
    staff_uuid = emu.account.tables["staff"][0]["uuid"]
    assert _get(emu, f"/staff/{staff_uuid}.json").status_code in (500, 503)
    faults.error_rate = 0.0
    faults.truncate_next()
    assert _get(emu, "/category.json").json()  # not the matching path: whole
    with pytest.raises(ValueError):
        json.loads(_get(emu, "/staff.json").content)


# --- the request log --------------------------------------------------------------------------
def test_log_records_method_path_query_and_status(limited: Emulator, fake_clock: Any) -> None:
    """Each request adds one entry: method, path, query parameters and the status answered."""
    emu = limited
    key = {"X-Api-Key": emu.api_key}
    target = emu.account.tables["category"][0]["uuid"]
    requests.get(f"{emu.base_url}/staff.json", params={"$filter": "active eq 1", "cursor": "-1"}, headers=key)
    requests.post(f"{emu.base_url}/category/{target}.json", json={"colour": "ffffff"}, headers=key)
    requests.delete(f"{emu.base_url}/category/{target}.json")
    requests.get(f"{emu.base_url}/nosuch.json", headers=key)
    entries = emu.log.entries()
    assert [(e.method, e.path, dict(e.query), e.status) for e in entries] == [
        ("GET", "/api_1.0/staff.json", {"$filter": "active eq 1", "cursor": "-1"}, 200),
        ("POST", f"/api_1.0/category/{target}.json", {}, 200),
        ("DELETE", f"/api_1.0/category/{target}.json", {}, 401),
        ("GET", "/api_1.0/nosuch.json", {}, 404),
    ]
    assert [e.resource for e in entries] == ["staff", "category", "category", "nosuch"]
    assert len(emu.log) == 4
    fake_clock.advance(61)
    emu.log.clear()
    assert _statuses(emu, 6) == [200] * 5 + [429]
    assert [(e.method, e.status) for e in emu.log] == [("GET", 200)] * 5 + [("GET", 429)]


def test_log_records_injected_faults(faulty: Emulator) -> None:
    """Injected errors and 429 bursts are logged with the status the client saw."""
    faulty.faults.fail_next(1, status=503)
    faulty.faults.rate_limit_next(1)
    _statuses(faulty, 3)
    assert [e.status for e in faulty.log] == [503, 429, 200]


def _every_logged_string(emu: Emulator) -> list[str]:
    """Every field of every log entry, as text (the query's names and values included)."""
    texts: list[str] = []
    for entry in emu.log.entries():
        texts += [entry.method, entry.path, str(entry.status), repr(entry)]
        texts += [str(k) for k in entry.query] + [str(v) for v in entry.query.values()]
    return texts


KEY, TOKEN, WRONG = "sekrit-key-1234567890", "sekrit-token-0987654321", "sekrit-wrong-5555"


@pytest.fixture(scope="module")
def _secretive_server(small_account_records: Account) -> Iterator[Emulator]:
    tables = {name: copy.deepcopy(small_account_records.tables[name]) for name in SLIM}
    account = Account(seed=0, scale="small", now=small_account_records.now, tables=tables)
    with Emulator(account=account, api_key=KEY, tokens={TOKEN: ["read_staff"]}, clock=_Clock()) as emu:
        yield emu


@pytest.fixture
def secretive(_secretive_server: Emulator) -> Emulator:
    """An emulator with a known key and token, its log cleared."""
    _secretive_server.log.clear()
    return _secretive_server


def test_log_never_holds_the_api_key_or_bearer_token(secretive: Emulator) -> None:
    """Keys and tokens sent in headers (right or wrong) never reach the log."""
    emu = secretive
    requests.get(f"{emu.base_url}/staff.json", params={"cursor": "-1"}, headers={"X-Api-Key": KEY})
    requests.get(f"{emu.base_url}/queue.json", headers={"Authorization": f"Bearer {TOKEN}"})
    requests.get(f"{emu.base_url}/staff.json", headers={"Authorization": f"Bearer {TOKEN}"})
    requests.get(f"{emu.base_url}/staff.json", headers={"X-Api-Key": WRONG})
    requests.post(f"{emu.base_url}/category.json", json={"name": KEY}, headers={"X-Api-Key": WRONG})
    assert [e.status for e in emu.log] == [200, 403, 200, 401, 401]
    logged = _every_logged_string(emu)
    for secret in (KEY, TOKEN, WRONG):
        assert not any(secret in text for text in logged), secret


@pytest.mark.parametrize("name", ["api_key", "apikey", "access_token", "token", "X-Api-Key", "Authorization"])
def test_log_never_holds_a_credential_sent_in_the_query(secretive: Emulator, name: str) -> None:
    """A client that puts its key in the query string by mistake must not get it written to the log."""
    value = f"Bearer {KEY}" if name == "Authorization" else KEY
    requests.get(f"{secretive.base_url}/staff.json", params={name: value, "cursor": "-1"})
    (entry,) = secretive.log.entries()
    assert entry.status == 401
    assert entry.query.get("cursor") == "-1"
    assert not any(KEY in text for text in _every_logged_string(secretive))
