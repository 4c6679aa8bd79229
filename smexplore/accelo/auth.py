"""Accelo credentials: a service application's client id and secret (OAuth 2.0 client credentials), or a bearer token.

A service application (Configuration → API → Register Application, type *Service*) gets its
tokens from ``POST https://{deployment}.api.accelo.com/oauth2/v0/token``: form-encoded
``grant_type=client_credentials`` and ``scope`` (``read(all)`` by default), with the client id
and secret as HTTP Basic. The answer holds ``access_token`` and ``expires_in`` (seconds); service
applications get no refresh token, so a new token is simply asked for (``shared/reference/
other-systems.md`` §B.3). ``ClientCredentials`` asks for the first token on the first request,
again shortly before one expires, and again when the API refuses one (HTTP 401, through
``core.transport.Transport``'s ``renew``). A token given directly (``BearerToken``) cannot be renewed:
a 401 is an ``AuthenticationError``.

Secrets stay secret: the client secret and every token are kept out of ``repr``, logs and error
messages (a message the server sends is scrubbed of them too); tokens travel only in the
``Authorization`` header, which the cache never stores or keys by (``core.cache.AUTH_HEADERS``);
the token request is never cached (a ``POST``, sent with ``Cache-Control: no-store`` and, through
a requests-cache session, ``expire_after=DO_NOT_CACHE``). Calls to ``/oauth2`` do not count against
the API's rate limit, and are not counted against the client's.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests_cache import DO_NOT_CACHE, CacheMixin

from ..core.auth import check_type, resolve_secret
from ..core.errors import APIError, AuthenticationError, ForbiddenError
from ..core.log import get_logger
from ..core.settings import DEFAULT_TIMEOUT

__all__ = ["DEFAULT_SCOPE", "ENV_CLIENT_ID", "ENV_CLIENT_SECRET", "ENV_TOKEN", "BearerToken", "ClientCredentials",
           "resolve_credentials"]

log = get_logger("accelo")

ENV_TOKEN = "ACCELO_TOKEN"
ENV_CLIENT_ID = "ACCELO_CLIENT_ID"
ENV_CLIENT_SECRET = "ACCELO_CLIENT_SECRET"
DEFAULT_SCOPE = "read(all)"
_EARLY = 60.0
"""A token is renewed this many seconds before it expires (or at 90 % of a shorter life)."""
_ATTEMPTS = 3
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _hint(text: str) -> str:
    return "…" + text[-4:] if len(text) > 8 else "…"


class BearerToken:
    """An access token given directly (``token=`` or ``$ACCELO_TOKEN``): sent as it is, never renewed."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return f"<BearerToken {self.hint}>"

    @property
    def hint(self) -> str:
        return _hint(self._token)

    @property
    def label(self) -> str:
        return "bearer token"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def identity(self, base_url: str) -> str:
        return _digest(base_url.rstrip("/"), "token", self._token)

    def renew(self) -> bool:
        return False

    def secrets(self) -> tuple[str, ...]:
        return (self._token,)


class ClientCredentials:
    """A service application's client id and secret, which get (and renew) access tokens.

    Args:
        client_id: The application's client id.
        client_secret: Its client secret.
        token_url: The token endpoint (``https://{deployment}.api.accelo.com/oauth2/v0/token``).
        scope: The scope asked for (``read(all)``; ``read(jobs,staff)`` …).
        offline: Never ask for a token (a session that reads only its cache sends no request).
        clock: Monotonic seconds (tests pass a fake one).

    ``bind`` gives it the requests session to ask through (the Session's own).
    """

    def __init__(self, client_id: str, client_secret: str, token_url: str, *, scope: str = DEFAULT_SCOPE,
                 offline: bool = False, clock: Callable[[], float] = time.monotonic) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.token_url = token_url
        self.scope = scope
        self.offline = offline
        self._clock = clock
        self._http: requests.Session | None = None
        self._timeout = DEFAULT_TIMEOUT
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.grants = 0
        """How many tokens were asked for (and got) so far."""

    def __repr__(self) -> str:
        return f"<ClientCredentials client {self.hint}, scope {self.scope!r}, {self.grants} tokens granted>"

    def bind(self, session: requests.Session, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Ask for tokens through ``session`` (a requests-cache session's cache is bypassed)."""
        self._http, self._timeout = session, timeout

    @property
    def hint(self) -> str:
        return _hint(self.client_id)

    @property
    def label(self) -> str:
        return "OAuth client"

    def identity(self, base_url: str) -> str:
        # The account, not the token of the hour: answers stay cached across renewals.
        return _digest(base_url.rstrip("/"), "client", self.client_id, self._secret)

    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer …`` with a live token (asked for first when there is none or it is
        about to expire); nothing when offline."""
        if self.offline:
            return {}
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._grant()
            assert self._token is not None
            return {"Authorization": f"Bearer {self._token}"}

    def renew(self) -> bool:
        """Ask for a new token (the API refused the last one); ``True`` once one is got."""
        if self.offline:
            return False
        with self._lock:
            self._grant()
        return True

    def secrets(self) -> tuple[str, ...]:
        """The client secret and the live token."""
        return (self._secret, self._token) if self._token else (self._secret,)

    # --- the grant --------------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text

    def _post(self) -> requests.Response:
        session = self._http if self._http is not None else requests.Session()
        options: dict[str, Any] = {"expire_after": DO_NOT_CACHE} if isinstance(session, CacheMixin) else {}
        attempt = 0
        while True:
            try:
                response = session.post(
                    self.token_url, data={"grant_type": "client_credentials", "scope": self.scope},
                    auth=(self.client_id, self._secret), headers={"Cache-Control": "no-store"},
                    timeout=self._timeout, **options)
            except _TRANSIENT as exc:
                problem = f"the connection failed ({type(exc).__name__})"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                problem = f"HTTP {response.status_code}"
            attempt += 1
            if attempt >= _ATTEMPTS:
                # Not chained: requests' exception holds the request, whose headers hold the secret.
                raise APIError(f"Accelo's token endpoint failed: {problem}, after {attempt} attempts") from None
            log.info("Accelo token request: retry %d after %s", attempt, problem)
            time.sleep(0.5 * 1.5 ** (attempt - 1))

    def _grant(self) -> None:
        """Get a new token (the lock is held)."""
        sent = self._clock()
        response = self._post()
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            error = str(body.get("error") or (body.get("meta") or {}).get("status") or f"HTTP {response.status_code}")
            detail = str(body.get("error_description") or (body.get("meta") or {}).get("message") or "")
            said = self._scrub(f"{error}: {detail}" if detail else error)[:300]
            if error == "invalid_scope" or response.status_code == 403:
                raise ForbiddenError(f"Accelo refused the scope {self.scope!r} ({said}); ask for another "
                                     "scope=, such as 'read(all)'")
            log.warning("Accelo refused the token request for client %s: %s", self.hint, said)
            raise AuthenticationError(f"Accelo refused the client credentials (HTTP {response.status_code}, {said}); "
                                      f"check client_id= and client_secret= (or {ENV_CLIENT_ID} and "
                                      f"{ENV_CLIENT_SECRET}): a service application's, of this deployment")
        token = body["access_token"]
        try:
            lifetime = float(body.get("expires_in", 2_592_000))
        except (TypeError, ValueError):
            lifetime = 2_592_000.0  # Accelo's default: 30 days
        self._token = token
        self._expires = sent + max(0.0, lifetime - min(_EARLY, lifetime * 0.1))
        self.grants += 1
        log.info("Accelo token granted to client %s (scope %s), valid %.0f s", self.hint, self.scope, lifetime)


def resolve_credentials(*, client_id: str | None, client_secret: str | None, token: str | None, token_url: str,
                        scope: str = DEFAULT_SCOPE, offline: bool = False) -> ClientCredentials | BearerToken:
    """The credentials the arguments (else the environment) give.

    Order: ``token=``; ``client_id=`` with ``client_secret=``; ``$ACCELO_CLIENT_ID`` with
    ``$ACCELO_CLIENT_SECRET``; ``$ACCELO_TOKEN``. Client credentials come before a token from the
    environment because they can be renewed.

    Raises:
        AuthenticationError: None are given, or only half of a client id and secret.
        ValueError: Both a token and client credentials are given as arguments.
        TypeError: A credential is not a ``str`` (the message never shows it).
    """
    for name, value in (("client_id", client_id), ("client_secret", client_secret), ("token", token),
                        ("scope", scope)):
        check_type(name, value)
    if token is not None and (client_id is not None or client_secret is not None):
        raise ValueError("give token= or client_id= with client_secret=, not both")
    if token is not None:
        return BearerToken(resolve_secret(token, argument="token", env=ENV_TOKEN, system="Accelo"))
    if client_id is None and client_secret is None:
        client_id, client_secret = os.environ.get(ENV_CLIENT_ID), os.environ.get(ENV_CLIENT_SECRET)
        if not (client_id or "").strip() and not (client_secret or "").strip():
            if (os.environ.get(ENV_TOKEN) or "").strip():
                return BearerToken(resolve_secret(None, argument="token", env=ENV_TOKEN, system="Accelo"))
            raise AuthenticationError(f"no Accelo credentials: pass client_id= and client_secret= (a service "
                                      f"application's), or token=; or set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}, "
                                      f"or {ENV_TOKEN}")
    if not (client_id or "").strip() or not (client_secret or "").strip():
        missing = "client_secret" if (client_id or "").strip() else "client_id"
        raise AuthenticationError(f"Accelo client credentials need both client_id and client_secret; {missing} is "
                                  f"missing (pass {missing}=, or set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET})")
    identity = resolve_secret(client_id, argument="client_id", env=ENV_CLIENT_ID, system="Accelo")
    secret = resolve_secret(client_secret, argument="client_secret", env=ENV_CLIENT_SECRET, system="Accelo")
    if not scope.strip():
        raise ValueError("scope must not be blank: 'read(all)', or read(resource,…)")
    return ClientCredentials(identity, secret, token_url, scope=scope.strip(), offline=offline)
