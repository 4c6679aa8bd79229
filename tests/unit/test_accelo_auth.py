"""Accelo credentials: where they come from, what a Session shows of them, and the deployment's URLs."""

from __future__ import annotations

import pytest

import smexplore as sm
from smexplore import accelo
from smexplore.accelo.auth import BearerToken, ClientCredentials, resolve_credentials
from smexplore.accelo.session import _base_urls

TOKEN_URL = "https://acme.api.accelo.com/oauth2/v0/token"
SECRET = "super-secret-client-secret-9876"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCELO_TOKEN", "ACCELO_CLIENT_ID", "ACCELO_CLIENT_SECRET", "ACCELO_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)


def test_arguments_then_the_environment_give_the_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    given = resolve_credentials(client_id="app@acme", client_secret=SECRET, token=None, token_url=TOKEN_URL)
    assert isinstance(given, ClientCredentials) and given.scope == "read(all)"
    assert isinstance(resolve_credentials(client_id=None, client_secret=None, token="tok-abcdefgh1234",
                                          token_url=TOKEN_URL), BearerToken)
    with pytest.raises(sm.AuthenticationError, match="ACCELO_CLIENT_ID and ACCELO_CLIENT_SECRET, or ACCELO_TOKEN"):
        resolve_credentials(client_id=None, client_secret=None, token=None, token_url=TOKEN_URL)
    monkeypatch.setenv("ACCELO_TOKEN", "env-token-abcdefgh")
    assert isinstance(resolve_credentials(client_id=None, client_secret=None, token=None, token_url=TOKEN_URL),
                      BearerToken)
    monkeypatch.setenv("ACCELO_CLIENT_ID", "app@acme")
    monkeypatch.setenv("ACCELO_CLIENT_SECRET", SECRET)  # client credentials win: they can be renewed
    assert isinstance(resolve_credentials(client_id=None, client_secret=None, token=None, token_url=TOKEN_URL),
                      ClientCredentials)
    with pytest.raises(sm.AuthenticationError, match="client_secret is missing"):
        resolve_credentials(client_id="app@acme", client_secret=None, token=None, token_url=TOKEN_URL)
    with pytest.raises(ValueError, match="not both"):
        resolve_credentials(client_id="app@acme", client_secret=SECRET, token="t", token_url=TOKEN_URL)
    with pytest.raises(TypeError, match="client_secret must be a str, not bytes"):
        resolve_credentials(client_id="app", client_secret=SECRET.encode(), token=None,  # type: ignore[arg-type]
                            token_url=TOKEN_URL)


def test_nothing_shows_a_secret_or_a_token() -> None:
    credential = ClientCredentials("app@acme.example", SECRET, TOKEN_URL)
    credential._token = "live-token-0000111122223333"
    shown = repr(credential) + credential.hint + credential.label + credential.identity("https://x")
    assert SECRET not in shown and "live-token" not in shown and credential.hint == "…mple"
    bearer = BearerToken("live-token-0000111122223333")
    assert "live-token" not in repr(bearer) + bearer.hint and bearer.renew() is False
    assert bearer.headers() == {"Authorization": "Bearer live-token-0000111122223333"}
    # The cache namespace is the account's, not the token of the hour.
    other = ClientCredentials("app@acme.example", SECRET, TOKEN_URL)
    assert other.identity("https://x") == credential.identity("https://x") != credential.identity("https://y")
    offline = ClientCredentials("app", SECRET, TOKEN_URL, offline=True)
    assert offline.headers() == {} and offline.renew() is False  # offline: no token is asked for


def test_connect_builds_the_deployment_urls_and_sends_nothing() -> None:
    assert _base_urls("planet-express", None, None) == (
        "planet-express", "https://planet-express.api.accelo.com/api/v0",
        "https://planet-express.api.accelo.com/oauth2/v0/token")
    assert _base_urls("https://planet-express.api.accelo.com", None, None)[0] == "planet-express"
    assert _base_urls(None, "http://127.0.0.1:9/api/v0", None)[2] == "http://127.0.0.1:9/oauth2/v0/token"
    with pytest.raises(ValueError, match="not a deployment name"):
        _base_urls("planet express", None, None)
    with pytest.raises(ValueError, match="which Accelo deployment"):
        _base_urls(None, None, None)
    s = accelo.connect("acme", client_id="app@acme", client_secret=SECRET, cache=False, progress=False)
    assert s.settings.base_url == "https://acme.api.accelo.com/api/v0" and s.settings.per_hour == 5000
    assert SECRET not in repr(s) and "requests this hour: 0 of 5,000" in repr(s)
    assert list(s.resources()["resource"]) == ["jobs", "staff", "companies", "activities", "tasks", "job_statuses",
                                               "job_types"]
    assert str(s.describe("tasks").set_index("field").loc["budgeted_hours", "dtype"]) == "Float64"
    s.close()
