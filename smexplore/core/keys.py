"""Keyed names: what names an account on disk (cache files, kept frames, the store's ``account=``
partitions, the account header stored in the cache) is a keyed hash of what identifies it.

An unkeyed hash of a credential lets anyone holding a file name test guesses of the credential
offline (a word list recovered a Syncd password from a cache file's name in a third of a second).
A keyed hash (HMAC-SHA256) under a random key kept in the folder (``.key``, made on first use)
tells nothing without the key; a folder whose key is missing or damaged gets a new one, and the
files named under the old key are simply not found again (a cache is pulled again, a store synced
again).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from .errors import StoreError

__all__ = ["KEY_FILE", "folder_key", "keyed_name"]

KEY_FILE = ".key"


def keyed_name(key: bytes, identity: str, length: int = 16) -> str:
    """A short keyed hash of ``identity`` under ``key`` (hex)."""
    return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:length]


def folder_key(root: Path, *, create: bool) -> bytes | None:
    """``root``'s secret key (``root/.key``), made the first time if ``create`` (by one process, if
    several race); ``None`` if there is none and ``create`` is false.

    Raises:
        StoreError: The key exists but cannot be read or is damaged (the message says what to do),
            or ``create`` and the folder cannot be written.
    """
    path = root / KEY_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"the key {path} cannot be read ({exc}); delete it (the files named under it are "
                         "then made again: a cache pulled, a store synced)") from None
    try:
        root.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=root, prefix=f"{KEY_FILE}.", suffix=".tmp")
        with os.fdopen(descriptor, "w", encoding="ascii") as sink:
            sink.write(secrets.token_hex(32))
        try:
            os.link(name, path)  # fails if another process made the key first: theirs is used
        except FileExistsError:
            pass
        finally:
            os.unlink(name)
        return _read(path)
    except (OSError, ValueError) as exc:
        raise StoreError(f"the folder {root} cannot be used ({exc})") from None


def _read(path: Path) -> bytes:
    key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(key) < 16:
        raise ValueError("it is too short to be a key")
    return key
