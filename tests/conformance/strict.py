"""Strict scripted servers: small WSGI apps that do exactly what a source document says and nothing
more, served over real HTTP on loopback, for holding the client to the documents.

A strict server is the opposite of an emulator: no convenience, no tolerance. Pages are capped at
the documented maximum, only documented parameters are read, only documented fields are sent (no
``total`` where the document shows none). Each records the requests it was sent (``requests``)
so a test can say what the client asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["Sent", "StrictServer", "serve"]


@dataclass(frozen=True)
class Sent:
    """One request a strict server was sent: method, path, query (each name's last value) and headers."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class StrictServer:
    """A WSGI app that answers with ``handle`` and records every request.

    Attributes:
        handle: Turns a request into an answer (raise nothing: a strict server answers what the
            document says for any input it covers, and 404 for anything else).
        requests: Every request received, in order.
    """

    handle: Callable[[Request], Response]
    requests: list[Sent] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        self.requests.append(Sent(request.method, request.path, dict(request.args.items()),
                                  dict(request.headers.items()), request.get_data()))
        return self.handle(request)(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(app: Callable[..., Any]) -> Iterator[str]:
    """Serve the WSGI ``app`` on a free loopback port in a daemon thread; yields ``http://127.0.0.1:PORT``."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="strict-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
