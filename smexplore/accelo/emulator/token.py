"""Accelo's OAuth 2.0 endpoints for a service application: ``POST /oauth2/v0/token`` and ``/revoke``.

The token request (``_authentication.md``) authenticates the application with HTTP Basic
(``client_id:client_secret``) and sends, form-encoded, ``grant_type=client_credentials`` and the
optional ``scope`` (default ``read(all)``) and ``expires_in`` (seconds). Errors follow OAuth 2.0:
``{"error": ..., "error_description": ...}`` with the statuses of ``_status_codes.md``:

- ``invalid_client`` (401): no Basic credentials, an unknown client or a wrong secret;
- ``invalid_request`` (400): a missing ``grant_type``, a parameter given twice, a bad ``expires_in``,
  a method other than POST;
- ``unauthorized_client`` (401): ``authorization_code`` or ``refresh_token`` (grants a service
  application may not use);
- ``unsupported_grant_type`` (400): any other grant type;
- ``invalid_scope`` (400): a scope that does not follow ``read(...)``/``write(...)``;
- ``too_many_failed_logins`` (401, ``Retry-After``): the address is locked out.

The token endpoint is neither rate limited nor counted (as documented), nor touched by faults.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ...emulation.auth import basic_credentials
from ...emulation.wsgi import json_response
from .agency import Agency
from .oauth import Lockout, TokenStore, parse_scope
from .syntax import QueryError

__all__ = ["TokenEndpoint"]

_SECONDS = re.compile(r"^\d{1,10}$")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": error, "error_description": description}, status, {**_NO_STORE, **(headers or {})})


class TokenEndpoint:
    """Issues and revokes the tokens of one service application.

    Args:
        agency: The deployment (its name and user go into the token answer).
        client_id: The application's client id.
        client_secret: Its client secret.
        tokens: Where tokens are kept.
        lockout: Failed authentications per address.
        token_ttl: Seconds a token lives (also the most ``expires_in`` may ask for).
    """

    def __init__(self, agency: Agency, *, client_id: str, client_secret: str, tokens: TokenStore, lockout: Lockout,
                 token_ttl: int) -> None:
        if token_ttl < 1:
            raise ValueError("token_ttl must be at least 1 second")
        self.agency, self.client_id, self.client_secret = agency, client_id, client_secret
        self.tokens, self.lockout, self.token_ttl = tokens, lockout, token_ttl

    def answer(self, request: Request, path: str) -> Response:
        """The answer to a request for ``/oauth2/v0{path}``."""
        path = path.rstrip("/")
        if path not in ("/token", "/revoke"):
            return _error(400, "invalid_request", f"Unknown endpoint /oauth2/v0{path[:60]}: this emulator serves "
                                                  "/oauth2/v0/token and /oauth2/v0/revoke (service applications)")
        if request.method != "POST":
            return _error(400, "invalid_request", f"/oauth2/v0{path} takes POST requests")
        wait = self.lockout.locked(request.remote_addr or "")
        if wait:
            return _error(401, "too_many_failed_logins", "User is locked out by their IP due to too many failed "
                          "authentication attempts. Please use the 'Retry-After' header for accessing the locked "
                          "delay in seconds.", {"Retry-After": str(wait)})
        form = request.form.to_dict(flat=False)
        try:
            return self._token(request, form) if path == "/token" else self._revoke(request, form)
        except QueryError as exc:
            return _error(400, "invalid_request", str(exc))

    def _client(self, request: Request, form: dict[str, list[str]], *, in_body: bool) -> Response | None:
        """``None`` when the application authenticated, else the ``invalid_client`` answer."""
        sent = basic_credentials(request.headers.get("Authorization"))
        if sent is None and in_body and "client_id" in form:
            sent = (_one(form, "client_id") or "", _one(form, "client_secret") or "")
        if sent is None:
            return _error(401, "invalid_client", "No client authentication was included: send "
                          "'Authorization: Basic base64(client_id:client_secret)'",
                          {"WWW-Authenticate": 'Basic realm="oauth2"'})
        if sent != (self.client_id, self.client_secret):
            self.lockout.failed(request.remote_addr or "")
            return _error(401, "invalid_client", "The client was not found, or its secret is wrong",
                          {"WWW-Authenticate": 'Basic realm="oauth2"'})
        return None

    def _token(self, request: Request, form: dict[str, list[str]]) -> Response:
        refused = self._client(request, form, in_body=False)
        if refused is not None:
            return refused
        grant = _one(form, "grant_type")
        if not grant:
            return _error(400, "invalid_request", "The grant_type parameter is missing (client_credentials)")
        if grant in ("authorization_code", "refresh_token"):
            return _error(401, "unauthorized_client", f"A service application cannot use the {grant} grant; "
                                                      "use client_credentials")
        if grant != "client_credentials":
            return _error(400, "unsupported_grant_type", f"The grant type {grant[:40]!r} is not supported: use "
                                                         "client_credentials")
        try:
            scope = parse_scope(_one(form, "scope"))
        except QueryError as exc:
            return _error(400, "invalid_scope", str(exc))
        lifetime = self.token_ttl
        asked = _one(form, "expires_in")
        if asked is not None:
            if not _SECONDS.match(asked.strip()) or int(asked) < 1:
                return _error(400, "invalid_request", f"expires_in must be a whole number of seconds, not {asked[:20]!r}")
            lifetime = min(int(asked), self.token_ttl)
        token = self.tokens.issue(self.client_id, scope, lifetime)
        return json_response(self._granted(request, token.value, lifetime), 200, _NO_STORE)

    def _granted(self, request: Request, access_token: str, lifetime: int) -> dict[str, Any]:
        agency = self.agency
        user = agency.by_id("staff")[agency.api_user]
        return {
            "access_token": access_token, "token_type": "bearer", "expires_in": str(lifetime),
            "deployment": agency.deployment, "deployment_name": agency.name,
            "deployment_uri": request.host_url.rstrip("/"), "account_id": f"{agency.deployment}-{agency.seed}",
            "account_details": {
                "user": {"id": user["id"], "firstname": user["firstname"], "surname": user["surname"],
                         "email": user["email"]},
                "user_access": {name: "read" for name in ("activities", "companies", "jobs", "staff", "tasks")},
                "user_defined_title": {"job": {"singular": "Project", "plural": "Projects"}},
                "locale": {"currency_symbol": "£", "currency_code": "GBP", "timezone": user["timezone"]},
            },
        }

    def _revoke(self, request: Request, form: dict[str, list[str]]) -> Response:
        refused = self._client(request, form, in_body=True)
        if refused is not None:
            return refused
        token = _one(form, "token")
        if not token:
            return _error(400, "invalid_request", "The token parameter is missing")
        self.tokens.revoke(token, self.client_id)
        return json_response({"meta": {"status": "ok", "message": "Everything executed as expected."},
                              "response": None}, 200, _NO_STORE)


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise QueryError(f"The parameter {name} was given {len(values)} times; give it once")
    return values[0]
