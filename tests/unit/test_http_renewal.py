"""The transport's plug-ins for token APIs: renewal on a 401, an envelope's errors, and the server's rate-limit headers.

Canned answers through a requests adapter (no server): each test says what the API answers and
checks what the transport makes of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

import smexplore as sm
from smexplore.core.limits import Limits, RequestBudget
from smexplore.core.paging import Offset
from smexplore.core.transport import Transport
from smexplore.core.wire import ErrorKind, Wire
from tests.conftest import FakeClock

BASE = "http://api.test/v0"


class _Canned(BaseAdapter):
    """Answers each request with ``answer(request)``: (status, body, headers); keeps what was sent."""

    def __init__(self, answer: Callable[[requests.PreparedRequest], tuple[int, Any, Mapping[str, str]]]) -> None:
        super().__init__()
        self.answer = answer
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        status, body, headers = self.answer(request)
        response = requests.Response()
        response.status_code, response.url, response.request = status, request.url or "", request
        response._content = json.dumps(body).encode()
        response.headers.update({"Content-Type": "application/json", **headers})
        return response

    def close(self) -> None:
        pass


class _Token:
    """A credential whose token changes each time it is renewed."""

    def __init__(self, renewable: bool = True) -> None:
        self.number, self.renewable, self.renewals = 1, renewable, 0

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer token-{self.number}"}

    def renew(self) -> bool:
        self.renewals += 1
        if self.renewable:
            self.number += 1
        return self.renewable


def _transport(answer: Callable[[requests.PreparedRequest], tuple[int, Any, Mapping[str, str]]], token: _Token,
               clock: FakeClock | None = None, **options: Any) -> tuple[Transport, _Canned]:
    session = requests.Session()
    canned = _Canned(answer)
    session.mount(BASE + "/", canned)
    clock = clock or FakeClock()
    budget = RequestBudget(Limits(per_minute=1000, per_day=10_000), clock=clock, sleep=clock.advance,
                           max_wait=options.pop("max_wait", 120.0))
    wire = Wire(**{name: options.pop(name) for name in [*options] if name in {f.name for f in fields(Wire)}})
    # Canned answers come in the order asked: one page at a time (fetching ahead is tested on the emulators).
    transport = Transport(session, BASE, token, budget, wire=wire, progress=False, sleep=clock.advance,  # type: ignore[arg-type]
                          wall_clock=lambda: clock.now + 1_000_000_000, concurrency=1, **options)
    return transport, canned


def _bearer(request: requests.PreparedRequest) -> str:
    return str(request.headers.get("Authorization", ""))


def test_a_401_mid_pull_renews_once_and_the_page_is_asked_again() -> None:
    paging = Offset(limit=2, offset_param="_offset", limit_param="_limit", envelope="response")
    token = _Token()

    def answer(request: requests.PreparedRequest) -> tuple[int, Any, Mapping[str, str]]:
        offset = int((request.url or "").split("_offset=")[1].split("&")[0])
        if offset == 2 and _bearer(request) == "Bearer token-1":  # the token expired after the first page
            return 401, {"meta": {"status": "invalid_client", "message": "expired"}, "response": None}, {}
        rows = [{"id": str(i)} for i in range(offset, min(offset + 2, 5))]
        return 200, {"meta": {"status": "ok"}, "response": rows}, {}

    transport, canned = _transport(answer, token, paging=paging)
    pulled = transport.pull("/jobs", label="jobs")
    assert [r["id"] for r in pulled.records or []] == ["0", "1", "2", "3", "4"]
    assert token.renewals == 1
    # the first page, the refused second, the second again, the third (short: not the end), the empty fourth
    assert [_bearer(r) for r in canned.sent] == ["Bearer token-1", "Bearer token-1", "Bearer token-2",
                                                 "Bearer token-2", "Bearer token-2"]


def test_a_second_401_after_renewal_is_an_authentication_error() -> None:
    token = _Token()
    transport, canned = _transport(lambda request: (401, {"message": "no"}, {}), token,
                                   credential_hint="check the token")
    with pytest.raises(sm.AuthenticationError, match="HTTP 401.*check the token"):
        transport.get("/jobs")
    assert token.renewals == 1 and len(canned.sent) == 2  # renewed once, asked once more, then refused


def test_a_credential_that_cannot_renew_fails_at_the_first_401() -> None:
    token = _Token(renewable=False)
    transport, canned = _transport(lambda request: (401, {"message": "no"}, {}), token)
    with pytest.raises(sm.AuthenticationError):
        transport.get("/jobs")
    assert token.renewals == 1 and len(canned.sent) == 1


def _envelope(status: str, message: str) -> dict[str, Any]:
    return {"meta": {"status": status, "message": message}, "response": None}


def _describe(response: requests.Response, base_url: str) -> tuple[ErrorKind | None, str] | None:
    meta = response.json().get("meta")
    if not isinstance(meta, dict):
        return None
    kinds: dict[str, ErrorKind] = {"invalid_client": "authentication", "invalid_permission": "forbidden"}
    kind = kinds.get(meta["status"])
    if meta["status"] == "invalid_request":
        kind = "filter" if "_filters" in response.url else "not_found"
    return kind, f"{meta['status']}: {meta['message']}"


@pytest.mark.parametrize(("status", "meta", "path", "params", "error", "text"), [
    (400, "invalid_request", "/jobs", {"_filters": "bad(1)"}, sm.FilterError, "filter 'bad\\(1\\)'.*invalid_request"),
    (400, "invalid_request", "/jobs/99", {}, sm.NotFoundError, "not found.*invalid_request: no such"),
    (403, "invalid_permission", "/jobs", {}, sm.ForbiddenError, "invalid_permission"),
    (400, "duplicate", "/jobs", {}, sm.APIError, "HTTP 400: duplicate"),
])
def test_the_envelope_says_what_an_error_is(status: int, meta: str, path: str, params: dict[str, str],
                                           error: type[Exception], text: str) -> None:
    transport, _ = _transport(lambda request: (status, _envelope(meta, "no such thing"), {}), _Token(),
                              describe_error=_describe, filter_of=lambda p: p.get("_filters"))
    with pytest.raises(error, match=text):
        transport.get(path, params)


def test_without_a_describer_errors_read_as_before() -> None:
    transport, _ = _transport(lambda request: (400, {"message": "bad filter"}, {}), _Token(),
                              filter_of=lambda p: p.get("$filter"))
    with pytest.raises(sm.FilterError, match="rejected the filter 'x eq 1': bad filter"):
        transport.get("/job.json", {"$filter": "x eq 1"})
    with pytest.raises(sm.APIError, match="HTTP 400"):
        transport.get("/job.json")


def test_a_429_waits_until_the_rate_limit_resets_within_the_budget() -> None:
    clock = FakeClock()
    answers = iter([(429, _envelope("too_many_requests", "Rate limit exceeded"),
                     {"X-RateLimit-Reset": str(int(clock.now + 1_000_000_000 + 30)), "X-RateLimit-Remaining": "0"}),
                    (200, {"meta": {"status": "ok"}, "response": []}, {"X-RateLimit-Remaining": "99"})])
    transport, canned = _transport(lambda request: next(answers), _Token(), clock=clock, describe_error=_describe)
    started = clock.now
    transport.get("/jobs")
    assert len(canned.sent) == 2 and 29 <= clock.now - started <= 31  # waited for the reset, not the backoff


def test_a_429_whose_reset_is_past_the_retry_budget_is_a_rate_limit_error() -> None:
    clock = FakeClock()
    reset = {"X-RateLimit-Reset": str(int(clock.now + 1_000_000_000 + 3000)), "X-RateLimit-Remaining": "0"}
    transport, canned = _transport(lambda request: (429, _envelope("too_many_requests", "Rate limit exceeded"),
                                                    reset), _Token(), clock=clock)
    with pytest.raises(sm.RateLimitError, match="kept refusing"):
        transport.get("/jobs")
    assert len(canned.sent) == 1


def test_a_spent_hour_holds_the_next_request_until_the_reset() -> None:
    clock = FakeClock()
    wall = lambda: clock.now + 1_000_000_000
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(wall() + 40)), "X-RateLimit-Limit": "5000"}
    answers = iter([(200, {"response": []}, spent), (200, {"response": []}, {"X-RateLimit-Remaining": "4999"})])
    transport, canned = _transport(lambda request: next(answers), _Token(), clock=clock)
    transport.get("/jobs")
    first = clock.now
    transport.get("/staff")
    assert len(canned.sent) == 2 and 39 <= clock.now - first <= 41  # no request was wasted on a 429

    too_long = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(wall() + 4000))}
    transport, canned = _transport(lambda request: (200, {"response": []}, too_long), _Token(), clock=clock)
    transport.get("/jobs")
    with pytest.raises(sm.RateLimitError, match="API's rate limit is spent"):
        transport.get("/staff")
    assert len(canned.sent) == 1


def test_an_hourly_budget_waits_then_refuses_a_wait_past_max_wait() -> None:
    clock = FakeClock()
    budget = RequestBudget(Limits(per_minute=100, per_day=1000, per_hour=3), max_wait=4000, clock=clock, sleep=clock.advance)
    for _ in range(3):
        budget.acquire()
        clock.advance(60)
    budget.acquire()  # the 4th in an hour waits until the first is an hour old
    assert 3599 <= clock.now - 1000 <= 3601 and budget.sent_last_hour() == 3  # an hour after the first
    strict = RequestBudget(Limits(per_minute=100, per_day=1000, per_hour=1), max_wait=10, clock=clock, sleep=clock.advance)
    strict.acquire()
    with pytest.raises(sm.RateLimitError, match="client-side limit of 1 an hour"):
        strict.acquire()
