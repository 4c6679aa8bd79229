"""The emulator's request log: what was asked and answered, never who asked."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["LoggedRequest", "RequestLog", "redact"]

# Query parameters that could carry a credential are never logged, whatever a client sends (the app
# also redacts any value that contains a credential it knows).
_SECRET_PARAMS = frozenset({"api_key", "apikey", "x-api-key", "authorization", "access_token", "token", "key",
                            "password", "auth", "_bearer_token", "client_secret", "refresh_token"})


def redact(query: Mapping[str, str], secrets: Iterable[str]) -> dict[str, str]:
    """``query`` with every value that contains one of ``secrets`` replaced by ``[redacted]``."""
    known = [secret for secret in secrets if secret]
    return {k: "[redacted]" if any(secret in v for secret in known) else v for k, v in query.items()}


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it.

    Attributes:
        method: HTTP method.
        path: Path below the host, e.g. ``/api_1.0/job.json``.
        query: Query parameters (credential-like ones removed).
        status: The HTTP status answered.
        prefix: The API's path prefix (``/api_1.0``), which ``resource`` skips.
    """

    method: str
    path: str
    query: Mapping[str, str]
    status: int
    prefix: str = field(default="", compare=False, repr=False)

    @property
    def resource(self) -> str:
        """The resource the path addresses (empty for the prefix itself).

        ``job`` for ``/api_1.0/job/….json``, ``allocations`` for ``/api/workspace/allocations/…``,
        ``jobs`` for ``/jobs.xml``."""
        path = self.path
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            path = path[len(self.prefix):]
        return path.strip("/").split("/", 1)[0].removesuffix(".json").removesuffix(".xml")


class RequestLog:
    """A thread-safe, append-only list of ``LoggedRequest``.

    Args:
        prefix: The API's path prefix, for ``LoggedRequest.resource``.
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix.rstrip("/")
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: Mapping[str, str], status: int) -> None:
        safe = {k: v for k, v in query.items() if k.lower() not in _SECRET_PARAMS}
        with self._lock:
            self._entries.append(LoggedRequest(method, path, safe, status, self.prefix))

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
