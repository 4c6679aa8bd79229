"""Secrets kept out of every message: a server that echoes a key, token or password in its answer
(``"Invalid key sm8-…"``) never gets it into an exception or a log record.

Each Session registers its credentials (``watch``); the exception family (``errors``) and every
``smexplore`` logger (``log``) pass their text through ``redact``, which replaces each secret the
live credentials hold, as sent and in the forms a server may echo (URL-quoted, a Basic header's
base64), with ``***``. Credentials are held weakly: a closed and collected Session's secrets are
forgotten with it. Secrets shorter than four characters are not looked for (they would blank out
ordinary words).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "SecretHolder", "redact", "watch"]

MASK = "***"
_SHORTEST = 4


class SecretHolder(Protocol):
    """Anything that can say which secrets it holds now (a token may change on renewal)."""

    def secrets(self) -> Iterable[str]:
        """Every secret it holds, as sent."""
        ...


# By identity, not equality: two equal credentials (the same key) are two holders, and the first
# one's collection must not forget the second.
_holders: weakref.WeakValueDictionary[int, SecretHolder] = weakref.WeakValueDictionary()
_lock = threading.Lock()


def watch(holder: SecretHolder) -> None:
    """Look for ``holder``'s secrets in every message from now on (while ``holder`` lives)."""
    with _lock:
        _holders[id(holder)] = holder


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def redact(text: str) -> str:
    """``text`` with every secret of the watched credentials replaced by ``***``."""
    with _lock:
        holders = list(_holders.values())
    if not holders or not text:
        return text
    found: set[str] = set()
    for holder in holders:
        for secret in holder.secrets():
            if isinstance(secret, str) and len(secret) >= _SHORTEST:
                found |= _forms(secret)
    for secret in sorted(found, key=len, reverse=True):  # longest first: no secret is left half-masked
        text = text.replace(secret, MASK)
    return text
