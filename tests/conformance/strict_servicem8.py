"""A strict ServiceM8 server: exactly what the two ServiceM8 source documents say, and nothing more.

The documents (``shared/source-docs/``):

- ``servicem8-list-joballocations-openapi.md``, the OpenAPI definition of ``GET /joballocation.json``:
  its ``X-Api-Key`` and OAuth (``read_schedule``) security, the JobAllocation fields, and the
  example bodies of its 200, 400, 401, 403, 429 and 500 answers;
- ``servicem8-joballocations-typescript-sdk.md``, the SDK's five operations on job allocations
  (list and get need ``read_schedule``; create, update and delete ``manage_schedule``), a create's
  generated uuid "returned in the ``x-record-uuid`` response header", and deletes that set
  ``active`` to 0 while "inactive records are still accessible on the API".

So: no paging (neither document has a cursor: the list is sent whole and any query is ignored),
no filtering (the documents only link to another page), no ``Retry-After`` or rate-limit headers,
no body on a successful write (neither document shows one), and no field beyond those a create or
update sent (no defaults but ``active``'s documented 1). A failure a test wants (a 429 of either
limit, a 500, a 400) is scripted with ``fail_next``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid as uuidlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from werkzeug.wrappers import Request, Response

from tests.conformance.strict import StrictServer, serve

__all__ = [
    "BAD_REQUEST",
    "BASE_PATH",
    "DEPRECATED",
    "EXAMPLE",
    "FIELDS",
    "FORBIDDEN",
    "RATE_LIMIT_DAY",
    "RATE_LIMIT_MINUTE",
    "READ_SCOPE",
    "SERVER_ERROR",
    "SERVER_URL",
    "UNAUTHORIZED",
    "WRITE_SCOPE",
    "StrictServiceM8",
    "serve_servicem8",
]

SERVER_URL = "https://api.servicem8.com/api_1.0"  # "servers": [{"url": ...}]
BASE_PATH = "/api_1.0"
READ_SCOPE = "read_schedule"  # "This endpoint requires the following OAuth scope read_schedule."
WRITE_SCOPE = "manage_schedule"  # the SDK's create, update and delete

# The example bodies of the OpenAPI excerpt, written out here on purpose (errorCode's form as shown).
BAD_REQUEST = {"errorCode": "1000", "message": "An error occurred completing your request"}
UNAUTHORIZED = {"errorCode": "401", "message": "Authentication failed. Please check your API key or OAuth token."}
FORBIDDEN = {"errorCode": "403", "message": "Access forbidden. You don't have permission to access this resource."}
RATE_LIMIT_MINUTE = {"errorCode": 429, "message": "Number of allowed API requests per minute exceeded"}
RATE_LIMIT_DAY = {"errorCode": 429, "message": "Number of allowed API requests per day exceeded"}
SERVER_ERROR = {"errorCode": 500, "message": "An unexpected error occurred. Please try again later."}

# The 200 answer's example record ("examples": {"success": {"value": [ ... ]}}).
EXAMPLE: dict[str, Any] = {
    "uuid": "123e4567-aa11-4415-ac38-23f94bc904db",
    "active": 1,
    "edit_date": "2026-03-01 12:00:00",
    "job_uuid": "123e4567-ef33-4570-9929-23f945326d1b",
    "queue_uuid": "123e4567-e495-4a8d-a253-23f9408ba0db",
    "staff_uuid": "123e4567-e0d8-481f-b4bb-23f944e9c86b",
    "allocation_date": "2026-03-01 12:00:00",
    "allocation_window_uuid": "123e4567-0f0c-48b9-8570-23f94fcc00db",
    "allocated_by_staff_uuid": "123e4567-ab70-4071-8066-23f94537066b",
    "allocated_timestamp": "2026-03-01 12:00:00",
    "expiry_timestamp": "2026-03-01 12:00:00",
    "read_timestamp": "2026-03-01 12:00:00",
    "completion_timestamp": "2026-03-01 12:00:00",
    "estimated_duration": "string",
    "revised_duration": "string",
    "sort_priority": "string",
    "requires_acceptance": "string",
    "acceptance_status": "string",
    "acceptance_timestamp": "2026-03-01 12:00:00",
}

Kind = Literal["uuid", "timestamp", "string", "active", "deprecated"]
# The JobAllocation schema: each field's type and format as the document gives it. Timestamps are
# strings whose example is "2026-03-01 12:00:00"; DEPRECATED fields have no type at all.
FIELDS: dict[str, Kind] = {
    "job_uuid": "uuid",
    "queue_uuid": "deprecated",
    "staff_uuid": "uuid",
    "allocation_date": "timestamp",
    "allocation_window_uuid": "uuid",
    "allocated_by_staff_uuid": "uuid",
    "allocated_timestamp": "timestamp",
    "expiry_timestamp": "timestamp",
    "read_timestamp": "timestamp",
    "completion_timestamp": "timestamp",
    "estimated_duration": "deprecated",
    "revised_duration": "deprecated",
    "sort_priority": "string",
    "requires_acceptance": "deprecated",
    "acceptance_status": "deprecated",
    "acceptance_timestamp": "deprecated",
    "uuid": "uuid",
    "active": "active",
    "edit_date": "timestamp",
}
DEPRECATED = tuple(name for name, kind in FIELDS.items() if kind == "deprecated")
READ_ONLY = frozenset({"edit_date"})  # "readOnly": true
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_RECORD = re.compile(rf"{BASE_PATH}/joballocation/(?P<uuid>[^/]+)\.json")

Scripted = Literal["429-minute", "429-day", "400", "500", "502", "503", "504"]


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=dict(headers or {}), content_type="application/json")


@dataclass
class StrictServiceM8:
    """The strict server's state and answers.

    Attributes:
        api_keys: Keys accepted in ``X-Api-Key``.
        tokens: OAuth bearer tokens and their scopes.
        records: The job allocations, by uuid, in the order created.
        rate_limit_text: Send a 429 as the info text's "text body" (``text/plain``) instead of JSON.
        times: When each request arrived (``time.monotonic``), for the retry tests.
    """

    api_keys: set[str] = field(default_factory=set)
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_limit_text: bool = False
    times: list[float] = field(default_factory=list)
    _script: deque[Scripted] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, records: Iterable[Mapping[str, Any]] = (), *, api_keys: Iterable[str] = (),
              tokens: Mapping[str, Iterable[str]] | None = None) -> None:
        """Start afresh with ``records``, these credentials, no scripted failures and no times."""
        with self._lock:
            self.records = {r["uuid"]: dict(r) for r in records}
            self.api_keys = set(api_keys)
            self.tokens = {t: frozenset(s) for t, s in (tokens or {}).items()}
            self.rate_limit_text = False
            self.times.clear()
            self._script.clear()

    def fail_next(self, *answers: Scripted) -> None:
        """Answer the next requests (one each, in order) with these documented failures."""
        with self._lock:
            self._script.extend(answers)

    # --- the WSGI handler ------------------------------------------------------------------------
    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.times.append(time.monotonic())
            return self._answer(request)

    def _answer(self, request: Request) -> Response:
        operation, record_uuid = self._route(request)
        if operation is None:
            return Response("Not Found", status=404, content_type="text/plain")
        scopes = self._caller(request)
        if scopes is None:
            return _json(UNAUTHORIZED, 401)
        needed = READ_SCOPE if operation in ("list", "get") else WRITE_SCOPE
        if scopes != "all" and needed not in scopes:
            return _json(FORBIDDEN, 403)
        if self._script:
            return self._scripted(self._script.popleft())
        if operation == "list":
            return _json(list(self.records.values()))
        if operation == "create":
            return self._create(request)
        record = self.records.get(record_uuid or "")
        if record is None:  # neither document says: an undocumented answer, bodiless
            return Response("Not Found", status=404, content_type="text/plain")
        if operation == "get":
            return _json(record)
        if operation == "delete":  # "deleting a record sets its active field to 0"
            record.update(active=0, edit_date=_now())
            return Response(status=200)
        fields = _fields(request, creating=False)
        if fields is None:
            return _json(BAD_REQUEST, 400)
        record.update(fields, edit_date=_now())
        return Response(status=200)

    def _route(self, request: Request) -> tuple[str | None, str | None]:
        if request.path == f"{BASE_PATH}/joballocation.json":
            return {"GET": "list", "POST": "create"}.get(request.method), None
        match = _RECORD.fullmatch(request.path)
        if match is None:
            return None, None
        return {"GET": "get", "POST": "update", "DELETE": "delete"}.get(request.method), match["uuid"]

    def _caller(self, request: Request) -> frozenset[str] | Literal["all"] | None:
        """``"all"`` for a good API key (no scopes), a token's scopes, or ``None`` (refused)."""
        key = request.headers.get("X-Api-Key")
        if key is not None:
            return "all" if key in self.api_keys else None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token in self.tokens:
            return self.tokens[token]
        return None

    def _scripted(self, answer: Scripted) -> Response:
        if answer in ("429-minute", "429-day"):
            body = RATE_LIMIT_MINUTE if answer == "429-minute" else RATE_LIMIT_DAY
            if self.rate_limit_text:  # "a HTTP 429 with a text body of ..."
                return Response(body["message"], status=429, content_type="text/plain")
            return _json(body, 429)
        if answer == "400":
            return _json(BAD_REQUEST, 400)
        if answer == "500":
            return _json(SERVER_ERROR, 500)
        return Response("", status=int(answer))  # another 5XX: neither document gives its body

    def _create(self, request: Request) -> Response:
        fields = _fields(request, creating=True)
        if fields is None:
            return _json(BAD_REQUEST, 400)
        given = fields.pop("uuid", None)
        if given in self.records:
            return _json(BAD_REQUEST, 400)
        record_uuid = given or str(uuidlib.uuid4())
        self.records[record_uuid] = {"uuid": record_uuid, "active": 1, **fields, "edit_date": _now()}
        # "If no UUID is supplied, a UUID will be automatically generated for the new record and
        # returned in the x-record-uuid response header."
        return Response(status=200, headers={} if given else {"x-record-uuid": record_uuid})


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def _fields(request: Request, *, creating: bool) -> dict[str, Any] | None:
    """The JobAllocation fields a write sends, checked against the schema (``None``: a 400)."""
    try:
        body = json.loads(request.get_data(as_text=True))
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for name, value in body.items():
        kind = FIELDS.get(name)
        if kind is None or name in READ_ONLY or (name == "uuid" and not creating):
            return None
        if not _fits(kind, value):
            return None
    return body


def _fits(kind: Kind, value: Any) -> bool:
    if kind == "active":
        return value in (0, 1) and not isinstance(value, bool)
    if kind == "deprecated":
        return True
    if not isinstance(value, str):
        return False
    if kind == "uuid":
        try:
            uuidlib.UUID(value)
        except ValueError:
            return False
        return True
    if kind == "timestamp":
        return TIMESTAMP.fullmatch(value) is not None
    return True


@contextmanager
def serve_servicem8() -> Iterator[tuple[str, StrictServiceM8, StrictServer]]:
    """Serve a strict ServiceM8 server; yields its base URL (``http://127.0.0.1:PORT/api_1.0``), its
    state (``reset`` it per test) and the ``StrictServer`` recording the requests."""
    state = StrictServiceM8()
    app = StrictServer(state)
    with serve(app) as root:
        yield root + BASE_PATH, state, app
