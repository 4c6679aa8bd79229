"""A demo Session's life: its emulator started with it, stopped (and its temporary folder removed) with it."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

__all__ = ["demo_session"]


class _Closing(Protocol):
    def on_close(self, action: Callable[[], Any]) -> None: ...


_S = TypeVar("_S", bound=_Closing)


def demo_session(emulator: Any, prefix: str, make: Callable[[Path], _S], cache: str | Path | None = None) -> _S:
    """Start ``emulator`` and make a Session on it, its cache (and store) in ``cache``, or in a new
    temporary folder.

    The emulator stops, and a temporary folder goes, when the Session is closed, collected, or
    Python exits, whichever comes first; if the Session cannot be made, at once. A ``cache``
    folder is kept: a later demo of the same seed and scale finds its store there (written by a
    demo with ``writable=True``, it holds that demo's changes, which a new emulator does not have:
    a full sync, into a new folder, starts afresh).

    Args:
        emulator: An emulator (its ``start()`` and ``stop()`` are called).
        prefix: The temporary folder's name prefix.
        make: Makes the Session, given the cache folder.
        cache: A folder of your own for the cache and the store (made if missing).
    """
    temporary = cache is None
    folder = Path(tempfile.mkdtemp(prefix=prefix)) if cache is None else Path(cache).expanduser()
    try:
        emulator.start()
        folder.mkdir(parents=True, exist_ok=True)
        session = make(folder)
    except BaseException:
        _stop_demo(emulator, folder if temporary else None)
        raise
    session.on_close(weakref.finalize(session, _stop_demo, emulator, folder if temporary else None))
    return session


def _stop_demo(emulator: Any, folder: Path | None) -> None:
    emulator.stop()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
