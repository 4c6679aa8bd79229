"""Accelo's OAuth 2.0 for a service application: access tokens, their scope and expiry, and the lockout.

A service application sends ``POST /oauth2/v0/token`` with ``Authorization: Basic
base64(client_id:client_secret)`` and ``grant_type=client_credentials`` (optional ``scope``, default
``read(all)``, and ``expires_in``); it gets a bearer token for ``/api/v0``. ``TokenStore`` issues,
looks up and revokes tokens; ``Lockout`` counts failed authentications per client address (more than
100 in 5 minutes locks the address out for 5 minutes, restarted by every attempt meanwhile), as
documented in ``_authentication.md``.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .syntax import Call, QueryError, parse_items

__all__ = ["Lockout", "Scope", "Token", "TokenStore", "parse_scope"]

_RESOURCE = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True)
class Scope:
    """What a token may read: every resource (``read(all)``), or those named (``read(jobs,staff)``).

    Attributes:
        text: The scope as granted (``read(all)``).
        reads: Resources readable (``write(x)`` reads too); ``all`` for every one.
    """

    text: str
    reads: frozenset[str]

    def allows(self, resource: str) -> bool:
        """Whether the token may read ``resource`` (the first path segment: ``jobs``, ``staff``…)."""
        return "all" in self.reads or resource in self.reads


def parse_scope(text: str | None) -> Scope:
    """A ``scope`` parameter (``read(all)``, ``read(companies,contacts),write(staff)``); absent: ``read(all)``.

    Raises:
        QueryError: The scope does not follow the syntax (an ``invalid_scope``).
    """
    if text is None or not text.strip():
        return Scope("read(all)", frozenset({"all"}))
    problem = QueryError(f"The scope {text[:80]!r} does not follow the syntax read(all), "
                         "read(resource,...), write(resource,...)")
    try:
        items = parse_items(text, "scope")
    except QueryError:
        raise problem from None
    reads: set[str] = set()
    for item in items:
        if not isinstance(item, Call) or item.name not in ("read", "write") or not item.args:
            raise problem
        for arg in item.args:
            if not isinstance(arg, str) or not _RESOURCE.match(arg):
                raise problem
            reads.add(arg)
    return Scope(text.strip(), frozenset(reads))


@dataclass(frozen=True)
class Token:
    """One access token.

    Attributes:
        value: The token itself.
        client_id: The application it was issued to.
        scope: What it may read.
        issued: When it was issued (the store's clock, unix seconds).
        expires: When it stops working (unix seconds).
    """

    value: str
    client_id: str
    scope: Scope
    issued: float
    expires: float


class TokenStore:
    """The tokens a deployment has issued; thread-safe.

    Args:
        clock: Unix seconds (tests pass a fake clock to let tokens expire).
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._tokens: dict[str, Token] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def issue(self, client_id: str, scope: Scope, lifetime: int) -> Token:
        """A new token for ``client_id`` that works for ``lifetime`` seconds."""
        now = self.clock()
        token = Token(secrets.token_urlsafe(24), client_id, scope, now, now + lifetime)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def find(self, value: str) -> tuple[Token | None, str]:
        """The live token ``value`` names, or ``None`` and why not (``unknown``, ``revoked``, ``expired``)."""
        with self._lock:
            token = self._tokens.get(value)
            revoked = value in self._revoked
        if token is None:
            return None, "unknown"
        if revoked:
            return None, "revoked"
        if self.clock() >= token.expires:
            return None, "expired"
        return token, ""

    def revoke(self, value: str, client_id: str) -> bool:
        """Revoke ``value`` if it was issued to ``client_id``; whether it was."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.client_id != client_id:
                return False
            self._revoked.add(value)
            return True

    def values(self) -> list[str]:
        """Every token issued (to redact them from the request log)."""
        with self._lock:
            return list(self._tokens)


class Lockout:
    """Failed authentications per client address: more than ``attempts`` in ``seconds`` lock it out.

    While locked out, every attempt (even with good credentials) is refused and restarts the lockout.

    Args:
        attempts: Failures allowed in the window (Accelo: 100); 0 turns the lockout off.
        seconds: The window, and the lockout's length (Accelo: 300).
        clock: Unix seconds.
    """

    def __init__(self, attempts: int, seconds: float, clock: Callable[[], float]) -> None:
        self.attempts, self.seconds, self.clock = attempts, seconds, clock
        self._failures: dict[str, deque[float]] = {}
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked(self, address: str) -> int:
        """Seconds ``address`` stays locked out (0: not locked); an attempt while locked restarts the lockout."""
        with self._lock:
            now = self.clock()
            if self._until.get(address, 0.0) > now:
                self._until[address] = now + self.seconds
                return int(self.seconds)
            return 0

    def failed(self, address: str) -> None:
        """Count one failed authentication from ``address``."""
        if not self.attempts:
            return
        with self._lock:
            now = self.clock()
            failures = self._failures.setdefault(address, deque())
            while failures and failures[0] <= now - self.seconds:
                failures.popleft()
            failures.append(now)
            if len(failures) > self.attempts:
                self._until[address] = now + self.seconds
                failures.clear()
