"""A worker process for ``test_cache_property``: smexplore Sessions on a shared cache, driven over a pipe.

It runs in a process of its own (``multiprocessing``, "spawn" context) and holds two Sessions on
the cache folder the test names: a writable one with a short ``expire_after`` and a small
``retry_budget``, and an ``offline=True`` one on the same folder. Each command ``(id, name, args)``
gets exactly one reply, ``(id, *reply)``, the reply being one of:

- ``("ok", value)``: done (a pull's value is its DataFrame, a create's the new uuid);
- ``("sm_error", type name, message, names of its classes)``: an ``smexplore.SMExploreError`` (the
  test decides whether one was allowed);
- ``("crash", type name, message, traceback)``: any other exception (always a failure);
- ``("interrupted",)``: a SIGINT arrived while the command ran; ``KeyboardInterrupt`` was caught
  and the worker keeps serving, on the same Sessions, as a Jupyter kernel does after Ctrl-C.

A SIGINT that arrives between commands is ignored, so a signal sent just as a pull finished can
neither kill the worker nor interrupt its next command. SIGUSR1 dumps every thread's stack to
the file the test names (how a hung worker is diagnosed before it is killed).
"""

from __future__ import annotations

import faulthandler
import signal
import traceback
from multiprocessing.connection import Connection
from typing import Any

_busy = False


def _on_sigint(signum: int, frame: Any) -> None:
    if _busy:
        raise KeyboardInterrupt


class _Worker:
    def __init__(self) -> None:
        import smexplore

        self.sm = smexplore
        self.session: Any = None
        self.offline: Any = None

    def close(self) -> None:
        for session in (self.session, self.offline):
            if session is not None:
                session.close()
        self.session = self.offline = None

    def open(self, options: dict[str, Any]) -> None:
        """Close the Sessions held and open new ones on ``options["folder"]``."""
        self.close()
        common = {"base_url": options["base_url"], "cache": options["folder"], "expire_after": options["expire_after"],
                      "progress": False, "per_minute": 1_000_000, "per_day": 1_000_000_000, "timeout": options["timeout"]}
        self.session = self.sm.connect(options["api_key"], retry_budget=options["retry_budget"], writable=True,
                                       **common)
        self.offline = self.sm.connect(options["api_key"], offline=True, **common)

    def pull(self, resource: str, where: str | None, offline: bool) -> Any:
        return (self.offline if offline else self.session).frame(resource, where)

    def create(self, resource: str, fields: dict[str, Any]) -> str:
        return self.session.create(resource, **fields)

    def update(self, resource: str, uuid: str, fields: dict[str, Any]) -> None:
        self.session.update(resource, uuid, **fields)

    def delete(self, resource: str, uuid: str) -> None:
        self.session.delete(resource, uuid)

    def clear(self) -> None:
        self.session.clear_cache()


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _run(worker: _Worker, name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    global _busy
    try:
        _busy = True
        try:
            value = getattr(worker, name)(*args)
        finally:
            _busy = False
    except KeyboardInterrupt:
        return ("interrupted",)
    except worker.sm.SMExploreError as exc:
        return ("sm_error", _type_name(exc), str(exc), [kind.__name__ for kind in type(exc).__mro__])
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        return ("crash", _type_name(exc), str(exc), traceback.format_exc())
    return ("ok", value)


def serve(conn: Connection, dump_path: str) -> None:
    """The worker's main loop: answer commands until ``stop``."""
    dump = open(dump_path, "w")
    faulthandler.register(signal.SIGUSR1, file=dump, all_threads=True)
    signal.signal(signal.SIGINT, _on_sigint)
    worker = _Worker()
    conn.send((0, "ok", worker.sm.__file__))
    while True:
        try:
            ident, name, args = conn.recv()
        except EOFError:  # the test went away
            ident, name, args = 0, "stop", ()
        if name == "stop":
            worker.close()
            return
        conn.send((ident, *_run(worker, name, args)))
