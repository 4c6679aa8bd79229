"""The emulator's WSGI application: the ServiceM8 REST API over a synthetic account.

Paths, verbs, auth headers, scopes, ``$filter``, cursor paging, rate limits, soft deletes and the
error bodies follow the vendor's documentation and OpenAPI spec (see
``shared/reference/servicem8-api.md``). Whatever a client sends, the answer is never a 500 unless
a 5xx was injected on purpose (``Faults``).

Every resource of the resource table (``resources.resource_names()``: every record list of the
spec) is served the same way, from the table alone: its list path, its record path
(``Resource.record_path``: ``/dbonote/{uuid}.json`` for a note), the operations the spec gives it,
each under its own OAuth scope, and its fields' types, required and read-only fields (``store``).
An operation the spec does not give a resource (creating an asset, writing the vendor record) is a
405 with an ``Allow`` header; a path that names no resource is the spec's 404.

``$top`` and ``$orderby`` are documented nowhere by the vendor, but clients send them
(``shared/reference/servicem8-api.md`` lines 88-90 and 133: the n8n node's ``$top``, a Python
client's ``$orderby``; line 514: open question 4). The emulator's documented choice is OData's
meaning (see ``query``): ``$filter``, then ``$orderby`` (one field, ``asc`` or ``desc``, compared by
the field's kind), then ``$top`` (a whole number, 0 or more; anything else is a 400 saying so). A
cursor belongs to one path, ``$filter``, ``$orderby`` and ``$top``.

Error bodies are the spec's own: ``{"errorCode": ..., "message": ...}`` with ``errorCode`` written as
the spec's examples write it for each status (``ERROR_CODES``), and the documented message where
the spec gives one (401, 403, 404, 429, 500); a 400 keeps the spec's ``errorCode`` but says what
was wrong with the request.
"""

from __future__ import annotations

import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ...core.filters.text import FilterSyntaxError
from ...core.schema import Resource
from ...emulation.auth import bearer_token
from ...emulation.body import read_json_object
from ...emulation.faults import Faults
from ...emulation.limits import RateLimiter, SlidingWindow
from ...emulation.log import RequestLog
from ...emulation.wsgi import EmulatorApp, json_response
from ..resources import get_resource, resource_names
from ..wire_filter import compile_filter
from .query import ListQuery, QueryError, list_query
from .store import Store, WriteError
from .synth import Account

__all__ = ["ERROR_CODES", "MSG_PER_DAY", "MSG_PER_MINUTE", "OK_BODY", "ServiceM8App", "servicem8_limiter"]

API_PREFIX = "/api_1.0"
MSG_PER_MINUTE = "Number of allowed API requests per minute exceeded"
MSG_PER_DAY = "Number of allowed API requests per day exceeded"
MSG_UNAUTHORIZED = "Authentication failed. Please check your API key or OAuth token."
MSG_FORBIDDEN = "Access forbidden. You don't have permission to access this resource."
MSG_NOT_FOUND = "Resource not found. The requested record does not exist or has been deleted."
MSG_SERVER_ERROR = "An unexpected error occurred. Please try again later."
MSG_UNAVAILABLE = "The platform is temporarily unavailable. Please try again later."
# ``errorCode`` as the spec's examples write it on every record path (api.json, servicem8@0.9.54):
# strings for 400 ("1000", the spec's generic code for a malformed request or invalid parameters,
# a bad ``$filter`` or cursor included), 401, 403 and 404; numbers for 429 and 500. (The schemas
# type ``errorCode`` as a number; their examples are what the API is shown to send.) A status the
# spec gives no example for (405, 503) is sent as a number, as the spec's only 405 example is.
ERROR_CODES: Mapping[int, str | int] = MappingProxyType({400: "1000", 401: "401", 403: "403", 404: "404",
                                                         429: 429, 500: 500})
OK_BODY: Mapping[str, int | str] = MappingProxyType({"errorCode": 0, "message": "OK"})
"""The answer to a successful create, update or delete: ``errorCode`` a number, as the spec's ``Result``
schema types it and the vendor's own TypeScript SDK (built from that schema) insists, refusing a string
(``tests/conformance/test_servicem8_sdk_node.py``); the spec's example writes ``"0"``, which the SDK
could not read, so the schema wins here (the reference's record-endpoint table says ``0`` too)."""
# The limits are "per Addon per account" (the spec's info text): every credential this app accepts
# (API keys and OAuth tokens alike) is the one add-on's access to its one account, so all share them.
_LIMIT_KEY = "addon@account"
_MAX_CURSORS = 10_000
_CURSOR_NAMESPACE = uuidlib.UUID("6f1d2f0e-3c1b-4f7e-9a57-5e8a1c0b2d11")

Operation = Literal["list", "get", "create", "update", "delete"]
# What each verb does on a list path and on a record path (HEAD reads, as GET does).
_OPERATIONS: Mapping[str, Mapping[str, Operation]] = MappingProxyType({
    "collection": MappingProxyType({"GET": "list", "HEAD": "list", "POST": "create"}),
    "record": MappingProxyType({"GET": "get", "HEAD": "get", "POST": "update", "DELETE": "delete"}),
})
# A job may be created with ``create_jobs`` (the spec) or with ``manage_jobs`` (full job access).
_EXTRA_SCOPES = {("job", "create"): {"manage_jobs"}}


@dataclass(frozen=True)
class _Cursor:
    resource: str
    query: str  # the $filter, and the $orderby and $top when either was sent
    position: int
    issued: float


@dataclass(frozen=True)
class _Caller:
    scopes: frozenset[str] | None  # None: an API key, which may do everything


_json = json_response


def servicem8_limiter(per_minute: int = 180, per_day: int = 20_000,
                      clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """ServiceM8's limits per add-on per account: ``per_minute`` in any 60 s and ``per_day`` in any 24 h.

    The day is checked first: once it is spent, the answer names the day limit.
    """
    return RateLimiter([SlidingWindow("day", per_day, 86_400), SlidingWindow("minute", per_minute, 60)], clock)


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """The spec's error body for ``status`` (its ``errorCode`` form, see ``ERROR_CODES``) saying ``message``."""
    return _json({"errorCode": ERROR_CODES.get(status, status), "message": message}, status, headers)


class ServiceM8App(EmulatorApp):
    """A WSGI app that answers like ``https://api.servicem8.com/api_1.0``.

    Args:
        account: The records to serve (changed in place by writes).
        api_keys: Keys accepted in ``X-Api-Key`` (each may use every endpoint).
        tokens: OAuth bearer tokens and the scopes each carries.
        page_size: Most records in one cursor page.
        limiter: The rate limiter, applied per add-on per account: every key and token of the
            account spends the same budget.
        faults: Faults to inject.
        log: Where requests are logged.
        rate_limit_body: ``"json"`` (the spec's body, the default) or ``"text"`` (the sentence alone,
            as ``text/plain``: the spec's info text and the HTTP codes page speak of "a text body").
        retry_after: Send a ``Retry-After`` header with 429 answers (the real API documents none).
        numbers_as_strings: Send integers and floats as strings, as some live accounts do.
        cursor_ttl: Seconds a cursor stays valid after it was last issued.
        clock: Monotonic seconds (for cursor ages and the account's moving "now").
    """

    def __init__(
        self,
        account: Account,
        *,
        api_keys: Iterable[str],
        tokens: Mapping[str, Iterable[str]] | None = None,
        page_size: int = 5000,
        limiter: RateLimiter | None = None,
        faults: Faults | None = None,
        log: RequestLog | None = None,
        rate_limit_body: Literal["json", "text"] = "json",
        retry_after: bool = False,
        numbers_as_strings: bool = False,
        cursor_ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        super().__init__(faults=faults if faults is not None else Faults(),
                         log=log if log is not None else RequestLog(API_PREFIX))
        self.account = account
        self.resources = {name: get_resource(name) for name in resource_names()}
        self.store = Store(self.resources.values(), account.tables, account.indexes)  # a missing table starts empty
        # The first segment of each path, to its resource: ``job`` in ``/job.json`` and ``/job/{uuid}.json``,
        # ``note`` in ``/note.json`` but ``dbonote`` in ``/dbonote/{uuid}.json``.
        self._lists = {r.path.removeprefix("/").removesuffix(".json"): r for r in self.resources.values()}
        self._records = {r.record("{uuid}").split("/")[1]: r for r in self.resources.values()}
        self.api_keys = frozenset(api_keys)
        self.tokens = {token: frozenset(scopes) for token, scopes in (tokens or {}).items()}
        self.page_size = page_size
        self.limiter = limiter if limiter is not None else servicem8_limiter(clock=clock)
        self.rate_limit_body = rate_limit_body
        self.retry_after = retry_after
        self.numbers_as_strings = numbers_as_strings
        self.cursor_ttl = cursor_ttl
        self.clock = clock
        self._started = clock()
        self._cursors: dict[str, _Cursor] = {}
        self._cursor_lock = threading.Lock()
        self._urls = Map(  # any verb: which ones a path takes depends on its resource (see ``_operation``)
            [
                Rule(f"{API_PREFIX}/<resource>.json", endpoint="collection"),
                Rule(f"{API_PREFIX}/<resource>/<record_uuid>.json", endpoint="record"),
            ],
            strict_slashes=False,
        )

    # --- WSGI (the pipeline is EmulatorApp's) ------------------------------------------------
    def _server_error(self) -> Response:
        return _error(500, MSG_SERVER_ERROR)

    def _secrets(self) -> Iterable[str]:
        return (*self.api_keys, *self.tokens)

    def now(self) -> datetime:
        """The account's clock: its anchored "now" plus the time this app has been running."""
        return self.account.now + timedelta(seconds=self.clock() - self._started)

    # --- pipeline -----------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = self._urls.bind_to_environ(request.environ).match()
        except NotFound:
            return _error(404, MSG_NOT_FOUND)
        except HTTPException as exc:  # pragma: no cover - other routing errors
            return _error(exc.code or 400, exc.description or "Bad request")
        resource = (self._lists if endpoint == "collection" else self._records).get(args["resource"])
        if resource is None:
            return _error(404, MSG_NOT_FOUND)
        operation = _OPERATIONS[endpoint].get(request.method)
        if operation is None or operation not in resource.scopes:
            return self._not_allowed(request, resource, endpoint, operation)
        caller = self._authenticate(request)
        if caller is None:
            return _error(401, MSG_UNAUTHORIZED)
        if not self._allowed(caller, resource, operation):
            return _error(403, MSG_FORBIDDEN)  # the documented body names no scope: the client knows it
        refused = self.limiter.hit(_LIMIT_KEY)
        if refused:
            return self._too_many(MSG_PER_MINUTE if refused == "minute" else MSG_PER_DAY,
                                  self.limiter.retry_after(_LIMIT_KEY, refused))
        faulty = self.faults.applies_to(request.path)
        fault = self._fault_before(faulty)
        if fault is not None and fault.kind != "pass":
            if fault.kind == "rate_limit":
                return self._too_many(MSG_PER_MINUTE, 1)
            return _error(fault.status, MSG_UNAVAILABLE if fault.status == 503 else MSG_SERVER_ERROR)
        response = self._handle(request, resource, operation, args.get("record_uuid"))
        if faulty and fault is None and request.method == "GET" and response.status_code == 200:
            response = self._spoil(response)  # only when no fault was taken: one queued fault per request
        return response

    def _not_allowed(self, request: Request, resource: Resource, endpoint: str,
                     operation: Operation | None) -> Response:
        """The 405 answer: a verb the path does not take, or an operation the spec does not give the resource."""
        allowed = [method for method, op in _OPERATIONS[endpoint].items() if op in resource.scopes]
        headers = {"Allow": ", ".join(allowed)}
        if operation is None:
            return _error(405, f"Method {request.method} is not allowed here; this path takes {headers['Allow']}",
                          headers)
        return _error(405, f"Method {request.method} is not allowed here: the API cannot {operation} "
                           f"{resource.name} records (this path takes {headers['Allow']})", headers)

    def _authenticate(self, request: Request) -> _Caller | None:
        key = request.headers.get("X-Api-Key")
        if key:
            return _Caller(None) if key in self.api_keys else None
        token = bearer_token(request.headers.get("Authorization"))
        if token is not None and token in self.tokens:
            return _Caller(self.tokens[token])
        return None

    def _allowed(self, caller: _Caller, resource: Resource, operation: Operation) -> bool:
        if caller.scopes is None:
            return True
        needed = {resource.scopes[operation]} | _EXTRA_SCOPES.get((resource.name, operation), set())
        return bool(needed & caller.scopes)

    def _too_many(self, message: str, retry_after: int) -> Response:
        """The 429 answer. JSON by default: the spec's 429 response is ``application/json`` with the
        ``RateLimitError`` schema and the examples ``{"errorCode": 429, "message": ...}``, and the
        vendor's SDK is generated to read it so; the info text's and the HTTP codes page's "a text body
        of ..." names the sentence, not a media type. ``rate_limit_body="text"`` sends the sentence
        alone for clients to be tested against both readings."""
        headers = {"Retry-After": str(retry_after)} if self.retry_after else {}
        if self.rate_limit_body == "text":
            return Response(message, status=429, headers=headers, content_type="text/plain; charset=utf-8")
        return _error(429, message, headers)

    # --- operations -----------------------------------------------------------------------------
    def _handle(self, request: Request, resource: Resource, operation: Operation, record_uuid: str | None) -> Response:
        if operation == "list":
            return self._list(request, resource)
        body = _body(request) if operation in ("create", "update") else {}
        if isinstance(body, Response):
            return body
        table = self.store[resource.name]
        with self.store.lock:
            if operation == "create":
                try:
                    created = table.create(body, self.now())
                except WriteError as exc:
                    return _error(400, str(exc))
                return _json(dict(OK_BODY), headers={"x-record-uuid": created["uuid"]})
            record = table.get(record_uuid or "")
            if record is None:
                return _error(404, MSG_NOT_FOUND)
            if operation == "get":
                return _json(self._wire(record))
            # The spec's DELETE: "404 Not Found - The record to delete does not exist or has already
            # been deleted". (Its GET and update say "or has been deleted" too, but an inactive
            # record "is still accessible on the API" and "can be restored by setting active to 1":
            # only a second delete is refused.)
            if operation == "delete" and record.get("active") in (0, "0"):
                return _error(404, MSG_NOT_FOUND)
            try:
                if operation == "delete":
                    table.delete(record, self.now())
                else:
                    table.update(record, body, self.now())
            except WriteError as exc:
                return _error(400, str(exc))
        return _json(dict(OK_BODY))

    def _list(self, request: Request, resource: Resource) -> Response:
        filter_text = request.args.get("$filter")
        predicate = None
        try:
            if filter_text is not None:
                predicate = compile_filter(resource, filter_text)
            query = list_query(resource, request.args.get("$orderby"), request.args.get("$top"))
        except FilterSyntaxError as exc:
            return _error(400, exc.message)
        except QueryError as exc:
            return _error(400, str(exc))
        # What a cursor belongs to: the $filter alone when nothing else was sent (so cursors are what they were).
        key = (filter_text or "") if query.plain else f"{filter_text or ''}\n{query.key()}"
        cursor = request.args.get("cursor")
        if cursor is None:
            with self.store.lock:  # serialised under the lock: a concurrent write cannot change a record mid-way
                listed = self._listed(resource, predicate, filter_text, query, 0, None)[0]
                return _json([self._wire(r) for r in listed])
        start = self._resolve_cursor(cursor, resource.name, key)
        if isinstance(start, Response):
            return start
        with self.store.lock:
            records, resume = self._listed(resource, predicate, filter_text, query, start, self.page_size)
            headers = {}
            if resume is not None:
                headers["x-next-cursor"] = self._issue_cursor(resource.name, key, resume)
            return _json([self._wire(r) for r in records], headers=headers)

    def _listed(self, resource: Resource, predicate: Callable[[dict[str, Any]], bool] | None,
                filter_text: str | None, query: ListQuery, start: int,
                limit: int | None) -> tuple[list[dict[str, Any]], int | None]:
        """One page of a list (from ``start``, at most ``limit``) and where the next one starts, if any.

        Plain lists page through the table in creation order; ordered or counted ones through the
        filtered, ordered, counted list (made again for each page, as the table may have changed).
        A filter that bounds ``edit_date`` reads only the records the table's index puts in range.
        """
        table = self.store[resource.name]
        positions = table.edited(filter_text)
        if query.plain:
            return table.scan(predicate, start, limit, positions)
        everything = query.apply(resource, table.scan(predicate, 0, None, positions)[0])
        end = len(everything) if limit is None else start + limit
        return everything[start:end], end if end < len(everything) else None

    def _resolve_cursor(self, cursor: str, resource: str, query: str) -> int | Response:
        if cursor == "-1":
            return 0
        with self._cursor_lock:
            state = self._cursors.get(cursor.lower())
        if state is None:
            return _error(400, f"Invalid cursor {cursor!r}: unknown cursor; start again with cursor=-1")
        if (state.resource, state.query) != (resource, query):
            return _error(400, f"Invalid cursor {cursor!r}: it belongs to another query; send the same path, "
                               "$filter, $orderby and $top")
        if self.clock() - state.issued > self.cursor_ttl:
            return _error(400, f"Invalid cursor {cursor!r}: the cursor has expired; start again with cursor=-1")
        return state.position

    def _issue_cursor(self, resource: str, query: str, position: int) -> str:
        # Deterministic: the same query reaches the same cursors, so cached pages stay valid.
        token = str(uuidlib.uuid5(_CURSOR_NAMESPACE, f"{resource}\n{query}\n{position}"))
        with self._cursor_lock:
            self._cursors.pop(token, None)  # re-inserted last: the dict stays in order of issue
            self._cursors[token] = _Cursor(resource, query, position, self.clock())
            while len(self._cursors) > _MAX_CURSORS:  # a long-running server forgets the oldest
                del self._cursors[next(iter(self._cursors))]
        return token

    def _wire(self, record: dict[str, Any]) -> dict[str, Any]:
        if not self.numbers_as_strings:
            return record
        return {k: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in record.items()}


def _body(request: Request) -> dict[str, Any] | Response:
    """The JSON object a create or update sends, or the 400 answer that says what is wrong with it.

    Every malformed body is a 400, never a 500 (see ``emulation.body.read_json_object``).
    """
    return read_json_object(request, _error)
