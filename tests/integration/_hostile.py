"""Hostile list servers: each system's paging protocol over a list of records, misbehaving on purpose.

One ``ListServer`` per system speaks just enough of the API for a Session to pull one list through
it (authentication is not checked): ServiceM8's header cursor, Ruddr's ``startingAfter`` cursor,
Accelo's id bound and ``_offset``, Syncd's item ranges with a ``total``. A ``Trouble`` says how the
server misbehaves from a given page on (``Trouble.kind``):

- ``honest``: pages of at most ``size`` records (fewer than the client asks for: a cap);
- ``repeat``: the page asked for at ``page`` is the page before it again;
- ``ignore``: every request gets the first page, whatever its paging parameters say;
- ``overlap``: from ``page`` on, each page starts ``by`` records early;
- ``insert`` / ``delete``: before serving ``page``, a record is added at the end / the first record
  removed (records changing between pages);
- ``answer``: from ``page`` on, the body is ``body`` as it is (an odd answer), with ``media``.

Records are plain ids in ascending order (``record(n)`` gives a system's wire record for id ``n``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from tests.conformance.strict import serve

__all__ = ["SYSTEMS", "ListServer", "Trouble", "running"]

Kind = Literal["honest", "repeat", "ignore", "overlap", "insert", "delete", "answer"]


@dataclass(frozen=True)
class Trouble:
    """How a server misbehaves: ``kind`` from page ``page`` on (1: the first), with ``size`` records a page."""

    kind: Kind = "honest"
    size: int = 10
    page: int = 2
    by: int = 1
    body: bytes = b""
    media: str = "application/json"


@dataclass
class ListServer:
    """A list of ``count`` records served by one system's paging protocol (see the module)."""

    system: str
    count: int
    trouble: Trouble = field(default_factory=Trouble)
    served: int = 0  # requests answered so far
    ids: list[int] = field(default_factory=list)
    ever: set[int] = field(default_factory=set)
    previous_start: int = 0

    def __post_init__(self) -> None:
        self.ids = list(range(1, self.count + 1))
        self.ever = set(self.ids)

    # --- what every protocol shares -------------------------------------------------------------
    def _window(self, start: int) -> list[int]:
        """The ids of the page starting at index ``start``, after the trouble of this page."""
        kind, number = self.trouble.kind, self.served
        if number >= self.trouble.page:
            if kind == "repeat" and number == self.trouble.page:
                start = self.previous_start
            elif kind == "overlap":
                start = max(0, start - self.trouble.by)
        if kind == "ignore":
            start = 0
        self.previous_start = start
        return self.ids[start:start + self.trouble.size]

    def _mutate(self) -> None:
        if self.served != self.trouble.page or not self.ids:
            return
        if self.trouble.kind == "insert":
            self.ids.append(max(self.ever) + 1)
            self.ever.add(self.ids[-1])
        elif self.trouble.kind == "delete":
            self.ids.pop(0)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        self.served += 1
        self._mutate()
        if self.trouble.kind == "answer" and self.served >= self.trouble.page:
            response = Response(self.trouble.body, 200, content_type=self.trouble.media)
        else:
            response = PROTOCOLS[self.system](self, request)
        return response(environ, start_response)

    def _after(self, bound: str | None) -> int:
        """The index after the record with id ``bound`` (0: from the start)."""
        if not bound:
            return 0
        value = int(bound.rsplit("-", 1)[-1])
        return next((index for index, id_ in enumerate(self.ids) if id_ > value), len(self.ids))


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _servicem8(server: ListServer, request: Request) -> Response:
    cursor = request.args.get("cursor", "-1")
    ids = server._window(server._after(None if cursor == "-1" else cursor))
    body = [{"uuid": _uuid(n), "name": f"category {n}", "active": 1, "edit_date": "2026-03-01 12:00:00"} for n in ids]
    more = ids and ids[-1] != server.ids[-1]
    headers = {"x-next-cursor": _uuid(ids[-1]) if more else ""}
    return Response(json.dumps(body), 200, headers=headers, content_type="application/json")


def _ruddr(server: ListServer, request: Request) -> Response:
    ids = server._window(server._after(request.args.get("startingAfter")))
    results = [{"id": _uuid(n), "name": f"Client {n}"} for n in ids]
    more = bool(ids) and ids[-1] != server.ids[-1]
    return Response(json.dumps({"results": results, "hasMore": more}), 200, content_type="application/json")


def _accelo(server: ListServer, request: Request) -> Response:
    bound = re.search(r"id_greater_than\((\d+)\)$", request.args.get("_filters", ""))
    start = server._after(bound[1]) if bound else int(request.args.get("_offset", "0"))
    ids = server._window(start)
    rows = [{"id": str(n), "title": f"Type {n}", "standing": "active"} for n in ids]
    return Response(json.dumps({"meta": {"status": "ok"}, "response": rows}), 200, content_type="application/json")


def _syncd(server: ListServer, request: Request) -> Response:
    start = int(request.args.get("start", "1")) - 1
    ids = server._window(start)
    users = "".join(f'<user><id type="integer">{n}</id><name>user{n}</name>'
                    f'<first-name>{escape(f"First {n}")}</first-name><last-name>Last</last-name>'
                    f'<active type="boolean">true</active></user>' for n in ids)
    root = f'<users type="array" total="{len(server.ids)}">{users}</users>'
    return Response(root.encode(), 200, content_type="application/xml")


PROTOCOLS: dict[str, Callable[[ListServer, Request], Response]] = {
    "servicem8": _servicem8, "ruddr": _ruddr, "accelo": _accelo, "accelo-offset": _accelo, "syncd": _syncd,
}


@dataclass(frozen=True)
class System:
    """How to open a Session on a list server of one system, and which frame pulls the list."""

    name: str
    open: Callable[[str, Any], Any]
    pull: Callable[[Any], Any]
    ids: Callable[[Any], list[int]]
    secret: str


def _ids_uuid(frame: Any) -> list[int]:
    return [int(value.rsplit("-", 1)[-1]) for value in frame.iloc[:, 0].astype(str)]


def _open_servicem8(url: str, folder: Any) -> Any:
    import smexplore as sm

    return sm.connect(api_key="sm8-hostile-key-5f2a9c", base_url=url, cache=folder, progress=False, retry_budget=0)


def _open_ruddr(url: str, folder: Any) -> Any:
    import smexplore as sm

    return sm.ruddr.connect("ruddr-hostile-token-81bd3e", base_url=url, cache=folder, progress=False, retry_budget=0)


def _open_accelo(url: str, folder: Any) -> Any:
    import smexplore as sm

    return sm.accelo.connect(base_url=url, token="accelo-hostile-token-77c0aa", cache=folder, progress=False,
                             retry_budget=0)


def _open_syncd(url: str, folder: Any) -> Any:
    import smexplore as sm

    return sm.syncd.connect(user="hostile", password="Syncd-hostile-pw-42", base_url=url, cache=folder,
                            progress=False, retry_budget=0)


SYSTEMS: dict[str, System] = {
    "servicem8": System("servicem8", _open_servicem8, lambda s: s.frame("category", include_inactive=True),
                        lambda f: [int(u.rsplit("-", 1)[-1]) for u in f["uuid"].astype(str)], "sm8-hostile-key-5f2a9c"),
    "ruddr": System("ruddr", _open_ruddr, lambda s: s.frame("clients"),
                    lambda f: [int(u.rsplit("-", 1)[-1]) for u in f["id"].astype(str)], "ruddr-hostile-token-81bd3e"),
    "accelo": System("accelo", _open_accelo, lambda s: s.frame("job_types"),
                     lambda f: [int(v) for v in f["id"]], "accelo-hostile-token-77c0aa"),
    "accelo-offset": System("accelo-offset", _open_accelo, lambda s: s.frame("job_statuses"),
                            lambda f: [int(v) for v in f["id"]], "accelo-hostile-token-77c0aa"),
    "syncd": System("syncd", _open_syncd, lambda s: s.frame("users"),
                    lambda f: [int(v) for v in f["id"]], "Syncd-hostile-pw-42"),
}
"""Every paging protocol under test (Accelo twice: lists bounded by id, and lists by offset)."""


@contextmanager
def running(server: ListServer) -> Iterator[str]:
    """Serve ``server`` on loopback; yields the base URL a Session is given."""
    with serve(server) as url:
        yield url
