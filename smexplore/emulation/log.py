"""The emulator's request log: what was asked and answered, never who asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

__all__ = ["LoggedRequest", "RequestLog"]

# Query parameters that could carry a credential are never logged, whatever a client sends (the app
# also redacts any value that contains a credential it knows).
_SECRET_PARAMS = frozenset({"api_key", "apikey", "x-api-key", "authorization", "access_token", "token", "key",
                            "password", "auth"})


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it.

    Attributes:
        method: HTTP method.
        path: Path below the host, e.g. ``/api_1.0/job.json``.
        query: Query parameters (credential-like ones removed).
        status: The HTTP status answered.
    """

    method: str
    path: str
    query: Mapping[str, str]
    status: int

    @property
    def resource(self) -> str:
        """The resource name the path addresses (``job`` for ``/api_1.0/job/….json``)."""
        tail = self.path.split("/api_1.0/", 1)[-1]
        return tail.split("/", 1)[0].removesuffix(".json")


class RequestLog:
    """A thread-safe, append-only list of ``LoggedRequest``."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: Mapping[str, str], status: int) -> None:
        safe = {k: v for k, v in query.items() if k.lower() not in _SECRET_PARAMS}
        with self._lock:
            self._entries.append(LoggedRequest(method, path, safe, status))

    def entries(self) -> list[LoggedRequest]:
        """A snapshot of every request so far, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.entries())
