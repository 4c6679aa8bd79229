"""Credentials as emulators see them: reading a bearer token or HTTP Basic credentials, and a stable id
that is not the secret."""

from __future__ import annotations

import base64
import binascii
import hashlib

__all__ = ["basic_credentials", "bearer_token", "credential_id"]


def credential_id(secret: str) -> str:
    """A short, stable id for a credential (rate limits and logs key on it, never on the secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization`` header's value ``Bearer <token>`` (scheme in any case), else ``None``."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """The ``(user, password)`` of an ``Authorization`` header's value ``Basic base64(user:password)``.

    The scheme is read in any case. ``None`` for another scheme, or a value that is not base64 of
    UTF-8 text holding a colon (the password may itself hold colons; the user may not).
    """
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None
