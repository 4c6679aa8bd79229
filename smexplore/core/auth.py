"""Credentials: the headers that carry a secret, a secret read from an argument or the environment, never shown."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from .errors import AuthenticationError

__all__ = ["Credential", "check_type", "resolve_secret"]


@dataclass(frozen=True)
class Credential:
    """An API key (``X-Api-Key``), or a token sent as ``Authorization: Bearer`` (``oauth``, ``token``).

    The secret is excluded from ``repr`` and comparisons print nothing; ``hint`` shows at most
    its last four characters.
    """

    secret: str = field(repr=False)
    kind: str = "api_key"  # or "oauth" (an OAuth access token), or "token" (an API token sent as a bearer token)

    def headers(self) -> dict[str, str]:
        """The request headers that carry the credential."""
        if self.kind in ("oauth", "token"):
            return {"Authorization": f"Bearer {self.secret}"}
        return {"X-Api-Key": self.secret}

    @property
    def hint(self) -> str:
        """``…`` and the last four characters (nothing more of the secret, ever)."""
        return "…" + self.secret[-4:] if len(self.secret) > 8 else "…"

    def namespace(self, base_url: str) -> str:
        """A stable, one-way name for this account at this URL (keeps accounts' caches apart)."""
        digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{self.kind}\n{self.secret}".encode()).hexdigest()
        return digest[:16]


def check_type(name: str, value: object) -> None:
    """``TypeError`` unless ``value`` is a ``str`` or ``None``; says what it was, never what it holds."""
    if value is None or isinstance(value, str):
        return
    hint = f" (decode it first: {name}=value.decode())" if isinstance(value, (bytes, bytearray)) else ""
    raise TypeError(f"{name} must be a str, not {type(value).__name__}{hint}")


def resolve_secret(value: str | None, *, argument: str, env: str, system: str) -> str:
    """A secret from ``value``, else from the environment variable ``env``; checked, never echoed.

    Raises:
        AuthenticationError: Neither gives one, or it holds characters a header cannot carry.
        TypeError: ``value`` is not a ``str`` (the message never shows it).
    """
    check_type(argument, value)
    secret = (value if value is not None else os.environ.get(env, "")).strip()
    if not secret:
        raise AuthenticationError(f"no {system} credentials: pass {argument}=, or set {env}")
    if not (secret.isascii() and secret.isprintable()):  # said without echoing it
        raise AuthenticationError("the credential holds characters an HTTP header cannot carry (a line break, a "
                                  "space-like or non-ASCII character?); copy it again")
    return secret
