"""Credentials as emulators see them: reading a bearer token, and a stable id that is not the secret."""

from __future__ import annotations

import hashlib

__all__ = ["bearer_token", "credential_id"]


def credential_id(secret: str) -> str:
    """A short, stable id for a credential (rate limits and logs key on it, never on the secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization`` header's value ``Bearer <token>`` (scheme in any case), else ``None``."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
