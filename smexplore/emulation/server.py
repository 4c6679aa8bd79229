"""Run an emulator: in a background thread on a free loopback port, or in the foreground.

``EmulatorServer`` is the runner every emulator subclasses: it serves ``self.app`` (a WSGI app)
with werkzeug's threaded server, and builds ``base_url`` from the API's path prefix
(``url_prefix``). Every answer travels over the emulator's modelled ``Link`` (a latency and a
bandwidth cap; loopback unless asked). A subclass builds its app and data in ``__init__``, passing
``latency_ms`` and ``bandwidth_kbps`` on, and says what it serves in ``describe`` (for ``repr``).
"""

from __future__ import annotations

import atexit
import os
import re
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server, select_address_family

from .link import Link

__all__ = ["EmulatorServer"]

_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")
_POLL_SECONDS = 0.05  # how often the background server looks for a stop: ``stop()`` waits up to this long


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


class EmulatorServer:
    """Serves an emulator's WSGI app over real HTTP: in a daemon thread, or in the foreground.

    Use it as a context manager in tests (``with Emulator() as emu: ...``), or ``start()`` it and
    keep it running for a notebook; ``serve_forever()`` serves until Ctrl-C (the command line).

    Args:
        latency_ms: Milliseconds each answer waits before its first byte, per request (see ``Link``).
        bandwidth_kbps: Kilobits per second each answer's body is sent at, at most (``None``: no cap).

    Attributes:
        url_prefix: The API's path below the host (``/api_1.0``), the tail of ``base_url``.
        thread_name: Name of the background thread.
        app: The WSGI application served (set by the subclass).
        link: The modelled link every answer travels over; assign another ``Link`` at any time.

    Raises:
        ValueError: ``latency_ms`` is negative, or ``bandwidth_kbps`` is not above 0.
    """

    url_prefix: ClassVar[str] = ""
    thread_name: ClassVar[str] = "smexplore-emulator"
    app: Any

    def __init__(self, *, latency_ms: float = 0.0, bandwidth_kbps: float | None = None) -> None:
        self.link = Link(latency_ms, bandwidth_kbps)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def describe(self) -> str:
        """What is served, for ``repr`` (``seed=0 scale='small'``).

        The account only, not the link: a demo Session names its cache after it, and the same
        account is the same account however far away it seems.
        """
        return ""

    def __repr__(self) -> str:
        where = self.base_url if self._server else "not running"
        return " ".join(filter(None, [f"<{type(self).__name__} {where}", self.describe(), self.link.describe()])) + ">"

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The WSGI entry the server calls: the app's answer, carried over the link in force."""
        return self.link.carry(self.app, environ, start_response)

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT`` of the running server (``base_url`` without the API's prefix)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = self._server.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self._server.port}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` and the API's prefix, of the running server."""
        return self.root_url + self.url_prefix

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Serve in a daemon thread (port 0 picks a free port); stopped at interpreter exit.

        Raises:
            OSError: ``host:port`` cannot be listened on (e.g. the port is in use).
        """
        if self._server is not None:
            return self
        self._server = _make_server(host, port, self._serve, _QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(_POLL_SECONDS,), name=self.thread_name,
                                        daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8000,
                      on_ready: Callable[[Self], None] | None = None, log_requests: bool = True) -> None:
        """Serve in this thread until interrupted (Ctrl-C), logging one line per request to stderr.

        The log is coloured by status on a terminal only (not into a pipe or file, nor with ``NO_COLOR``).

        Args:
            host: Address to listen on.
            port: Port to listen on (0 picks a free one; ``base_url`` tells which).
            on_ready: Called with the emulator once it listens (to print its address).
            log_requests: Log one line per request to stderr.

        Raises:
            OSError: ``host:port`` cannot be listened on (e.g. the port is in use).
        """
        self._server = _make_server(host, port, self._serve, _LoggingHandler if log_requests else _QuietHandler)
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
