"""Run the emulator: in a background thread on a free loopback port, or in the foreground."""

from __future__ import annotations

import atexit
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server, select_address_family

from ...emulation.faults import Faults
from ...emulation.limits import RateLimiter
from ...emulation.log import RequestLog
from .app import API_PREFIX, ServiceM8App
from .synth import Account, build_account

__all__ = ["DEMO_API_KEY", "Emulator"]

DEMO_API_KEY = "smexplore-demo-key-0000"
"""The fixed API key the demo account accepts (public on purpose: it guards nothing real)."""


_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def _colour_wanted() -> bool:
    """Whether to colour the request log: only on a terminal, and never with ``NO_COLOR`` set."""
    return sys.stderr.isatty() and not os.environ.get("NO_COLOR")


class _QuietHandler(WSGIRequestHandler):
    """Request handler that keeps the console clean (the request log records every request)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _LoggingHandler(WSGIRequestHandler):
    """Request handler logging one line per request to stderr, coloured by status only on a terminal.

    werkzeug styles the request line with ANSI escapes whatever the stream; they are removed here
    (the path itself cannot carry one: werkzeug escapes control characters in it).
    """

    def log(self, type: str, message: str, *args: Any) -> None:
        if not _colour_wanted():
            args = tuple(_ANSI_STYLE.sub("", arg) if isinstance(arg, str) else arg for arg in args)
        super().log(type, message, *args)


def _make_server(host: str, port: int, app: Any, handler: type[WSGIRequestHandler]) -> BaseWSGIServer:
    """A threaded server on ``host:port``.

    Raises:
        OSError: The address cannot be used (the port is taken, the host unknown). werkzeug alone
            would print to stderr and exit the process instead.
    """
    listening = socket.socket(select_address_family(host, port), socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen()
    except OSError as error:
        listening.close()
        raise OSError(error.errno, f"cannot listen on {host}:{port}: {error.strerror or error}") from error
    with listening:  # the server listens on a duplicate of it
        return make_server(host, port, app, threaded=True, request_handler=handler, fd=listening.fileno())


class Emulator:
    """A ServiceM8 API emulator serving a synthetic account over real HTTP.

    Use it as a context manager in tests, or keep it running for a notebook::

        with Emulator(seed=0, scale="small") as emu:
            requests.get(emu.base_url + "/job.json", headers={"X-Api-Key": emu.api_key})

    Args:
        seed: Seed of the synthetic account.
        scale: ``small`` (default), ``medium`` or ``large``.
        api_key: The API key accepted (default ``DEMO_API_KEY``).
        tokens: OAuth bearer tokens and the scopes each carries, e.g.
            ``{"tok": ["read_jobs"]}``.
        page_size: Most records per cursor page (the API's is 5,000).
        per_minute: Requests allowed per credential in any 60 seconds.
        per_day: Requests allowed per credential in any 24 hours.
        faults: Faults to inject (see ``Faults``); change ``emulator.faults`` at any time.
        account: Serve this account instead of building one from ``seed`` and ``scale``.
        clock: Monotonic seconds, for rate limits and cursor ages (tests pass a fake one).
        **options: Passed to ``ServiceM8App`` (``rate_limit_body``, ``retry_after``,
            ``numbers_as_strings``, ``cursor_ttl``).

    Attributes:
        app: The WSGI application.
        account: The records being served (writes change them).
        log: Every request served (method, path, query, status; never credentials).
        faults: The fault plan in force.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: Literal["small", "medium", "large"] = "small",
        api_key: str = DEMO_API_KEY,
        tokens: Mapping[str, Iterable[str]] | None = None,
        page_size: int = 5000,
        per_minute: int = 180,
        per_day: int = 20_000,
        faults: Faults | None = None,
        account: Account | None = None,
        clock: Callable[[], float] = time.monotonic,
        **options: Any,
    ) -> None:
        self.api_key = api_key
        self.account = account if account is not None else build_account(seed, scale)
        self.log = RequestLog()
        self.faults = faults if faults is not None else Faults()
        self.limiter = RateLimiter(per_minute, per_day, clock)
        self.app = ServiceM8App(
            self.account, api_keys=[api_key], tokens=tokens, page_size=page_size, limiter=self.limiter,
            faults=self.faults, log=self.log, clock=clock, **options,
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._server else "not running"
        return f"<Emulator {where} seed={self.account.seed} scale={self.account.scale!r}>"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/api_1.0`` of the running server."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = self._server.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self._server.port}{API_PREFIX}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Serve in a daemon thread (port 0 picks a free port); stopped at interpreter exit.

        Raises:
            OSError: ``host:port`` cannot be listened on (e.g. the port is in use).
        """
        if self._server is not None:
            return self
        self._server = _make_server(host, port, self.app, _QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="smexplore-emulator", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8000,
                      on_ready: Callable[[Emulator], None] | None = None, log_requests: bool = True) -> None:
        """Serve in this thread until interrupted (Ctrl-C), logging one line per request to stderr.

        The log is coloured by status on a terminal only (not into a pipe or file, nor with ``NO_COLOR``).

        Raises:
            OSError: ``host:port`` cannot be listened on (e.g. the port is in use).
        """
        self._server = _make_server(host, port, self.app, _LoggingHandler if log_requests else _QuietHandler)
        if on_ready is not None:
            on_ready(self)
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        atexit.unregister(self.stop)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
