"""Credentials: where the API key comes from, the headers that carry it, and how it never shows."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from .errors import AuthenticationError

__all__ = ["ENV_API_KEY", "Credential", "resolve_credential"]

ENV_API_KEY = "SERVICEM8_API_KEY"


@dataclass(frozen=True)
class Credential:
    """An API key (``X-Api-Key``) or an OAuth access token (``Authorization: Bearer``).

    The secret is excluded from ``repr`` and comparisons print nothing; ``hint`` shows at most
    its last four characters.
    """

    secret: str = field(repr=False)
    kind: str = "api_key"  # or "oauth"

    def headers(self) -> dict[str, str]:
        """The request headers that carry the credential."""
        if self.kind == "oauth":
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


def _check_type(name: str, value: object) -> None:
    """``TypeError`` unless ``value`` is a ``str`` or ``None``; says what it was, never what it holds."""
    if value is None or isinstance(value, str):
        return
    hint = f" (decode it first: {name}=value.decode())" if isinstance(value, (bytes, bytearray)) else ""
    raise TypeError(f"{name} must be a str, not {type(value).__name__}{hint}")


def resolve_credential(api_key: str | None, oauth_token: str | None) -> Credential:
    """The credential to use: ``oauth_token``, else ``api_key``, else ``$SERVICEM8_API_KEY``.

    Raises:
        AuthenticationError: None was given and the environment variable is unset, or the
            value is blank.
        TypeError: ``api_key`` or ``oauth_token`` is not a ``str`` (the message never shows it).
        ValueError: Both an API key and an OAuth token were given.
    """
    _check_type("api_key", api_key)
    _check_type("oauth_token", oauth_token)
    if api_key is not None and oauth_token is not None:
        raise ValueError("give either api_key or oauth_token, not both")
    if oauth_token is not None:
        secret, kind = oauth_token, "oauth"
    else:
        secret, kind = (api_key if api_key is not None else os.environ.get(ENV_API_KEY, "")), "api_key"
    secret = secret.strip()
    if not secret:
        raise AuthenticationError(
            f"no ServiceM8 credentials: pass api_key= (or oauth_token=), or set {ENV_API_KEY}; "
            "sm.demo() needs none"
        )
    if not (secret.isascii() and secret.isprintable()):  # said without echoing it
        raise AuthenticationError("the credential holds characters an HTTP header cannot carry (a line break, a "
                                  "space-like or non-ASCII character?); copy it again")
    return Credential(secret, kind)
