"""The WSGI skeleton every emulator shares: a 500 guard, the request log, faults and spoiled bodies.

A vendor's app subclasses ``EmulatorApp`` and writes ``_dispatch`` (routing, auth, limits, the
answer) and ``_server_error`` (its API's generic 500). Inside ``_dispatch`` it calls
``_fault_before`` once the caller is known (a stall, then an injected 5xx or 429 that replaces the
answer) and ``_spoil`` on a successful read (a body cut short, or a connection closed half way).
Whatever a client sends, the answer is never a traceback: an exception becomes ``_server_error``.
The modelled link (latency, bandwidth) is not here: the runner carries every answer over it
(``server.EmulatorServer``, ``link.Link``), whatever the path and whether faults apply.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from .faults import Fault, Faults
from .log import RequestLog, redact

__all__ = ["EmulatorApp", "json_response"]


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """``payload`` as a compact UTF-8 JSON answer."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, headers=dict(headers or {}), content_type="application/json; charset=utf-8")


class EmulatorApp:
    """Base of an emulator's WSGI application.

    Args:
        faults: Faults to inject.
        log: Where requests are logged (credentials redacted).
    """

    def __init__(self, *, faults: Faults, log: RequestLog) -> None:
        self.faults = faults
        self.log = log

    # --- what a vendor's app writes ---------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        raise NotImplementedError

    def _server_error(self) -> Response:
        """The API's answer to an unexpected failure (a generic 500)."""
        raise NotImplementedError

    def _secrets(self) -> Iterable[str]:
        """The credentials this app knows: any query value containing one is logged as ``[redacted]``."""
        return ()

    # --- the pipeline -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except Exception:  # noqa: BLE001 - the API answers a generic 500, never a traceback
            response = self._server_error()
        self.log.record(request.method, request.path, redact(request.args, self._secrets()), response.status_code)
        return response(environ, start_response)

    def _fault_before(self, faulty: bool) -> Fault | None:
        """The stall (``faults.latency``), then the fault this request takes before it is answered (``None`` if none).

        Args:
            faulty: Whether faults apply to this request (``faults.applies_to(request.path)``).
        """
        if not faulty:
            return None
        if self.faults.latency:
            time.sleep(self.faults.latency)
        return self.faults.before_answer()

    def _spoil(self, response: Response) -> Response:
        """The answer with its body cut short or its connection cut, if a body fault is due.

        Ask only for a successful read that ``_fault_before`` gave no fault (one queued fault per request).
        """
        fault = self.faults.on_body()
        if fault is None:
            return response
        body = response.get_data()
        half = body[: max(1, len(body) // 2)]
        if fault.kind == "truncate":
            response.set_data(half)
            return response
        spoiled = Response(iter([half]), status=200, content_type=response.content_type)
        spoiled.headers["Content-Length"] = str(len(body))
        spoiled.headers["Connection"] = "close"
        return spoiled
