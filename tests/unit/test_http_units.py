"""The HTTP layer's pure parts: the request budget, backoff, and credentials."""

from __future__ import annotations

import pytest

from smexplore import AuthenticationError, RateLimitError
from smexplore.core.auth import Credential
from smexplore.core.limits import Limits, RequestBudget
from smexplore.core.retry import RetryPolicy
from smexplore.servicem8.auth import resolve_credential
from tests.conftest import FakeClock


def test_budget_waits_when_the_minute_is_full() -> None:
    clock = FakeClock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    budget = RequestBudget(Limits(per_minute=3, per_day=100), clock=clock, sleep=sleep)
    for _ in range(3):
        budget.acquire()
        clock.advance(1)
    assert budget.sent_last_minute() == 3 and waits == []
    budget.acquire()  # the 4th in a minute waits until the first falls out of the window
    assert waits and 56 < sum(waits) <= 58
    assert budget.sent_last_minute() == 3
    assert budget.sent_today() == 4


def test_budget_refuses_past_the_daily_budget() -> None:
    clock = FakeClock()
    budget = RequestBudget(Limits(per_minute=100, per_day=2), clock=clock, sleep=clock.advance)
    budget.acquire()
    budget.acquire()
    with pytest.raises(RateLimitError, match="daily budget of 2 requests"):
        budget.acquire()
    clock.advance(86_401)
    budget.acquire()
    assert budget.sent_today() == 1


def test_backoff_grows_by_half_caps_and_honours_retry_after() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n, None) for n in range(3)] == [0.5, 0.75, 1.125]
    assert policy.delay(30, None) == 60.0
    assert policy.delay(0, "7") == 7.0
    assert policy.delay(2, "Wed, 21 Oct 2026 07:28:00 GMT") == 1.125


def test_credential_never_shows_its_secret() -> None:
    secret = "sk-live-abcdefghijklmnopqrstuvwxyz-9876"
    credential = Credential(secret)
    assert secret not in repr(credential)
    assert credential.hint == "…9876"
    assert credential.headers() == {"X-Api-Key": secret}
    assert Credential("tok-123456789", "oauth").headers() == {"Authorization": "Bearer tok-123456789"}
    assert secret not in credential.identity("https://x")
    assert credential.identity("https://x") != Credential(secret + "x").identity("https://x")
    assert credential.identity("https://x") != credential.identity("https://y")


def test_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICEM8_API_KEY", "  env-key-123456789  ")
    assert resolve_credential(None, None).secret == "env-key-123456789"
    monkeypatch.delenv("SERVICEM8_API_KEY")
    with pytest.raises(AuthenticationError, match="SERVICEM8_API_KEY"):
        resolve_credential(None, None)
    with pytest.raises(ValueError, match="not both"):
        resolve_credential("a", "b")
