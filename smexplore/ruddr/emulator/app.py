"""The Ruddr emulator's WSGI application: ``https://www.ruddr.io/api/workspace`` over a synthetic workspace.

Read-only: ``GET /api/workspace`` (the workspace's id and name), ``GET /api/workspace/{resource}``
(a page of a list) and ``GET /api/workspace/{resource}/{id}`` (one record), for the resources in
``RESOURCES``. The pipeline, in order: a path outside the API is 404; a missing or wrong bearer
token is 401; a workspace with API access turned off is 423; the workspace's rate limit (shared by
all its keys) is 429; then injected faults; then the answer. Error bodies are
``{"status": <int>, "message": <text>}``; the answer is never a 500 unless one was injected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ...emulation.auth import bearer_token
from ...emulation.faults import Faults
from ...emulation.limits import RateLimiter
from ...emulation.log import RequestLog
from ...emulation.paging import page_by_id
from ...emulation.wsgi import EmulatorApp, json_response
from .query import QueryError, parse_listing, parse_uuid
from .workspace import RESOURCES, Workspace

__all__ = [
    "API_PREFIX",
    "MSG_LOCKED",
    "MSG_METHOD",
    "MSG_NOT_FOUND",
    "MSG_RATE_LIMITED",
    "MSG_SERVER_ERROR",
    "MSG_UNAUTHORIZED",
    "RuddrApp",
]

API_PREFIX = "/api/workspace"
MSG_UNAUTHORIZED = "The provided bearer token is missing or invalid."
MSG_LOCKED = "API access is disabled, please contact support for assistance."
MSG_RATE_LIMITED = "Too many requests"
MSG_NOT_FOUND = "The resource or endpoint does not exist."
MSG_METHOD = "The endpoint URL exists, but does not support the requested operation."
MSG_SERVER_ERROR = "Something went wrong on Ruddr's end."
MSG_UNAVAILABLE = "The service is temporarily unavailable. Please try again later."


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return json_response({"status": status, "message": message}, status, headers)


class RuddrApp(EmulatorApp):
    """A WSGI app that answers like Ruddr's API, read-only, over ``workspace``.

    Args:
        workspace: The records to serve.
        tokens: The API keys accepted (``Authorization: Bearer <key>``).
        limiter: The workspace's rate limit (all keys share it).
        faults: Faults to inject.
        log: Where requests are logged.
        retry_after: Send ``Retry-After`` with 429 answers (Ruddr documents none; off by default).
        reject_unknown: Answer 400 to a query parameter the list does not know (default: ignore it).
        api_access: ``False`` answers every authenticated request 423 (API access turned off).
    """

    def __init__(self, workspace: Workspace, *, tokens: Iterable[str], limiter: RateLimiter,
                 faults: Faults | None = None, log: RequestLog | None = None, retry_after: bool = False,
                 reject_unknown: bool = False, api_access: bool = True) -> None:
        super().__init__(faults=faults if faults is not None else Faults(),
                         log=log if log is not None else RequestLog(API_PREFIX))
        self.workspace = workspace
        self.tokens = frozenset(tokens)
        self.limiter = limiter
        self.retry_after = retry_after
        self.reject_unknown = reject_unknown
        self.api_access = api_access
        self._position = {name: {record["id"]: i for i, record in enumerate(rows)}
                          for name, rows in workspace.tables.items()}
        self._urls = Map([
            Rule(API_PREFIX, endpoint="workspace", methods=["GET"]),
            Rule(f"{API_PREFIX}/<resource>", endpoint="list", methods=["GET"]),
            Rule(f"{API_PREFIX}/<resource>/<record_id>", endpoint="get", methods=["GET"]),
        ], strict_slashes=False)

    def _server_error(self) -> Response:
        return _error(500, MSG_SERVER_ERROR)

    def _secrets(self) -> Iterable[str]:
        return self.tokens

    # --- the pipeline -------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            return _error(404, MSG_NOT_FOUND)
        token = bearer_token(request.headers.get("Authorization"))
        if token is None or token not in self.tokens:
            return _error(401, MSG_UNAUTHORIZED)
        if not self.api_access:
            return _error(423, MSG_LOCKED)
        refused = self.limiter.hit(self.workspace.id)
        if refused:
            return self._too_many(self.limiter.retry_after(self.workspace.id, refused))
        faulty = self.faults.applies_to(request.path)
        fault = self._fault_before(faulty)
        if fault is not None and fault.kind != "pass":
            if fault.kind == "rate_limit":
                return self._too_many(1)
            return _error(fault.status, MSG_UNAVAILABLE if fault.status == 503 else MSG_SERVER_ERROR)
        response = self._route(request)
        if faulty and fault is None and response.status_code == 200:
            response = self._spoil(response)  # only when no fault was taken: one queued fault per request
        return response

    def _too_many(self, retry_after: int) -> Response:
        return _error(429, MSG_RATE_LIMITED, {"Retry-After": str(retry_after)} if self.retry_after else None)

    def _route(self, request: Request) -> Response:
        try:
            endpoint, args = self._urls.bind_to_environ(request.environ).match()
        except MethodNotAllowed as exc:
            return _error(405, MSG_METHOD, dict(exc.get_headers()))
        except NotFound:
            return _error(404, MSG_NOT_FOUND)
        if endpoint == "workspace":
            return json_response({"id": self.workspace.id, "name": self.workspace.name})
        resource = args["resource"]
        if resource not in RESOURCES:
            return _error(404, MSG_NOT_FOUND)
        try:
            if endpoint == "get":
                return self._get(resource, parse_uuid("id", args["record_id"]))
            return self._list(resource, request.args.to_dict(flat=False))
        except QueryError as exc:
            return _error(400, str(exc))

    # --- operations ---------------------------------------------------------------------------
    def _get(self, resource: str, record_id: str) -> Response:
        position = self._position[resource].get(record_id)
        if position is None:
            return _error(404, MSG_NOT_FOUND)
        return json_response(self.workspace.tables[resource][position])

    def _list(self, resource: str, args: Mapping[str, list[str]]) -> Response:
        listing = parse_listing(resource, args, reject_unknown=self.reject_unknown)
        positions = self._position[resource]
        if listing.cursor is not None and listing.cursor not in positions:
            name = "startingAfter" if listing.direction == "after" else "endingBefore"
            raise QueryError(f"Parameter '{name}' does not refer to an existing object.")
        page = page_by_id(self.workspace.tables[resource], positions, listing.predicate, listing.limit,
                          listing.cursor, "after" if listing.direction == "after" else "before")
        payload: dict[str, Any] = {"results": page.records, "hasMore": page.has_more}
        return json_response(payload)
