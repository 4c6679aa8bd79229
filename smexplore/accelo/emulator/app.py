"""The Accelo emulator's WSGI application: ``/oauth2/v0`` (tokens) and ``/api/v0`` (reads) of one deployment.

``/api/v0``, in order: a method other than GET (or ``_method=get``) is refused (read-only); a path
outside ``/api/v0/`` is an ``invalid_request``; a token in both the header and ``_bearer_token`` is
an ``invalid_request``; a locked-out address is ``too_many_failed_logins``; a missing, unknown,
revoked or expired token is ``invalid_client`` (401); the deployment's hourly limit is
``too_many_requests`` (429); then injected faults; a token whose scope does not cover the resource
is ``invalid_permission`` (403); then the answer, ``{"meta": {...}, "response": ...}``. Every answer
of ``/api/v0`` carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``.
Nothing a client sends gives a 500 unless one was injected.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import islice, pairwise
from typing import Any, Literal, cast

from werkzeug.wrappers import Request, Response

from ...emulation.auth import bearer_token
from ...emulation.faults import Faults
from ...emulation.limits import FixedWindow, RateLimiter
from ...emulation.log import RequestLog
from ...emulation.wsgi import EmulatorApp, json_response
from .agency import Agency, Record, money
from .fields import Projection, parse_fields
from .filters import ordered
from .oauth import Lockout, TokenStore
from .query import MAX_LIMIT, OverLimit, Switches, parse_listing, parse_switches, single
from .schema import Table, tables
from .syntax import QueryError
from .token import TokenEndpoint

__all__ = ["API_PREFIX", "AcceloApp", "MESSAGES", "MORE_INFO", "OAUTH_PREFIX", "Refusal", "STATUSES"]

API_PREFIX = "/api/v0"
OAUTH_PREFIX = "/oauth2/v0"
MORE_INFO = "https://affinitylive.jira.com/wiki/display/APIS/Status+Codes#{status}"
"""``meta.more_info`` of an answer (as in the docs' samples), by its status."""
STATUSES = {"ok": 200, "invalid_request": 400, "invalid_client": 401, "too_many_failed_logins": 401,
            "invalid_permission": 403, "too_many_requests": 429, "server_error": 500}
"""``meta.status`` → its HTTP status (``_status_codes.md``)."""
MESSAGES = {
    "ok": "Everything executed as expected.",
    "not_found": "The request could not be interpreted. This can be caused by missing or invalid data. Please "
                 "ensure that the resource you are requesting actually exists.",
    "invalid_client": "Invalid client authentication: no access token was sent, or it is unknown, revoked or "
                      "expired. Request a new token from /oauth2/v0/token.",
    "too_many_failed_logins": "User is locked out by their IP due to too many failed authentication attempts. "
                              "Please use the 'Retry-After' header for accessing the locked delay in seconds.",
    "server_error": "The request failed due to a server error and we were notified.",
}
_SPECIAL = {"recent": "date_created", "newest": "date_modified"}


class Refusal(Exception):
    """An answer other than ``ok``: its ``meta.status``, message, HTTP status and headers."""

    def __init__(self, status: str, message: str, http: int | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.http = http if http is not None else STATUSES[status]
        self.headers = dict(headers or {})


_ID_BOUND = re.compile(r"(?:^|,)id_greater_than\((\d+)\)$")  # a bound on the id ending the top-level filters


class AcceloApp(EmulatorApp):
    """A WSGI app that answers like one Accelo deployment, read-only, over ``agency``.

    Args:
        agency: The records to serve.
        tokens: The access tokens issued (``TokenEndpoint`` issues them).
        endpoint: The OAuth 2.0 endpoints (``/oauth2/v0/token``, ``/revoke``).
        limiter: The deployment's hourly limit (a ``FixedWindow`` named ``hour``).
        lockout: Failed authentications per address.
        faults: Faults to inject into ``/api/v0`` answers.
        log: Where requests are logged (credentials redacted).
        over_limit: ``_limit`` above ``max_limit``: ``clamp`` to it (default) or answer ``error`` (400).
        max_limit: The most records a page holds (Accelo: 100; lower plays a deployment or proxy
            that caps pages, as the 2017 document's 50).
        strict_fields: Refuse ``_fields`` names a table does not have (default: leave them out).
        limit_per: Whose requests the hourly limit counts: the ``deployment``'s (documented, the
            default: every token shares it) or each ``token``'s.
    """

    def __init__(self, agency: Agency, *, tokens: TokenStore, endpoint: TokenEndpoint, limiter: RateLimiter,
                 lockout: Lockout, over_limit: OverLimit = "clamp", max_limit: int = MAX_LIMIT,
                 strict_fields: bool = False,
                 limit_per: Literal["deployment", "token"] = "deployment", faults: Faults | None = None,
                 log: RequestLog | None = None) -> None:
        super().__init__(faults=faults if faults is not None else Faults(),
                         log=log if log is not None else RequestLog(API_PREFIX))
        self.agency = agency
        self.tokens, self.endpoint, self.limiter, self.lockout = tokens, endpoint, limiter, lockout
        self.over_limit, self.max_limit, self.limit_per = over_limit, max_limit, limit_per
        self._ids: dict[str, list[int]] = {}  # each table's ids in order, to start a list past an id bound
        self.tables = tables(agency)
        self.projection = Projection(agency, self.tables, strict=strict_fields)

    @property
    def window(self) -> FixedWindow:
        """The hourly limit."""
        return cast("FixedWindow", self.limiter["hour"])

    def _server_error(self) -> Response:
        return self._envelope(Refusal("server_error", MESSAGES["server_error"]), Switches())

    def _secrets(self) -> Iterable[str]:
        return [self.endpoint.client_secret, *self.tokens.values()]

    # --- the pipeline ---------------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        if request.path.startswith(OAUTH_PREFIX + "/"):
            return self.endpoint.answer(request, request.path[len(OAUTH_PREFIX):])
        args = request.args.to_dict(flat=False)
        switches = parse_switches(args)
        spoilable = False
        try:
            payload = self._api(request, args)
            response = self._envelope(payload, switches)
            spoilable = True
        except Refusal as refusal:
            response = self._envelope(refusal, switches)
        except QueryError as exc:
            response = self._envelope(Refusal("invalid_request", str(exc)), switches)
        now = self.limiter.clock()
        key = request.environ.get("smexplore.limit_key", self._limit_key(None))
        response.headers["X-RateLimit-Limit"] = str(self.window.limit)
        response.headers["X-RateLimit-Remaining"] = str(self.window.remaining(key, now))
        response.headers["X-RateLimit-Reset"] = str(int(self.window.resets_at(now)))
        if spoilable and self.faults.applies_to(request.path) and request.environ.get("smexplore.fault") is None:
            response = self._spoil(response)
        return response

    def _envelope(self, payload: Any, switches: Switches) -> Response:
        refusal = payload if isinstance(payload, Refusal) else None
        status = refusal.status if refusal else "ok"
        http = refusal.http if refusal else 200
        meta: dict[str, Any] = {"status": status}
        if not switches.suppress_message:
            meta["message"] = refusal.message if refusal else MESSAGES["ok"]
            meta["more_info"] = ("api.accelo.com/docs/#rate-limiting" if status == "too_many_requests"
                                 else MORE_INFO.format(status=status))
        if switches.suppress_http_status:
            meta["response_code"] = http
            http = 200
        body = {"response": None if refusal else payload}
        if not switches.suppress_meta:
            body = {"meta": meta, **body}
        return json_response(body, http, refusal.headers if refusal else None)

    def _api(self, request: Request, args: dict[str, list[str]]) -> Any:
        method = (single(args, "_method") or request.method).lower()
        if method not in ("get", "head") or request.method not in ("GET", "HEAD", "POST"):
            raise Refusal("invalid_request", "This emulator serves reads only: GET (or POST with _method=get)")
        path = request.path.rstrip("/")
        if not path.startswith(API_PREFIX + "/"):
            raise Refusal("invalid_request", "Unknown resource or version: the API is under /api/v0/")
        header = bearer_token(request.headers.get("Authorization"))
        query_token = single(args, "_bearer_token")
        if header is not None and query_token is not None:
            raise Refusal("invalid_request", "The request includes multiple credentials: send the token in the "
                                             "Authorization header or in _bearer_token, not both")
        address = request.remote_addr or ""
        wait = self.lockout.locked(address)
        if wait:
            raise Refusal("too_many_failed_logins", MESSAGES["too_many_failed_logins"],
                          headers={"Retry-After": str(wait)})
        sent = header if header is not None else query_token
        token, why = self.tokens.find(sent) if sent else (None, "missing")
        if token is None:
            if why != "missing":
                self.lockout.failed(address)
            raise Refusal("invalid_client", MESSAGES["invalid_client"])
        key = request.environ["smexplore.limit_key"] = self._limit_key(token.value)
        if self.limiter.hit(key):
            raise Refusal("too_many_requests", f"Rate limit exceeded for {request.host}")
        fault = self._fault_before(self.faults.applies_to(request.path))
        request.environ["smexplore.fault"] = fault
        if fault is not None and fault.kind == "rate_limit":
            raise Refusal("too_many_requests", f"Rate limit exceeded for {request.host}")
        if fault is not None and fault.kind == "error":
            raise Refusal("server_error", MESSAGES["server_error"], http=fault.status)
        segments = path[len(API_PREFIX) + 1:].split("/")
        segments[-1] = _json_only(segments[-1])
        if not token.scope.allows(segments[0]) and segments != ["tokeninfo"]:
            raise Refusal("invalid_permission", f"The token's scope ({token.scope.text}) does not allow reading "
                                                f"{segments[0]}")
        if segments == ["tokeninfo"]:
            return self._tokeninfo(token.expires)
        return self._route(segments, args)

    def _limit_key(self, token: str | None) -> str:
        """The key the hourly limit counts a request under: the deployment, or (``limit_per="token"``) the token."""
        if self.limit_per == "token":
            return f"token:{token or ''}"
        return self.agency.deployment

    # --- routing --------------------------------------------------------------------------------------
    def _route(self, segments: list[str], args: dict[str, list[str]]) -> Any:
        table, rest = self._table(segments)
        fields = parse_fields(single(args, "_fields"))
        self.projection.check(table, fields)
        hide = parse_switches(args).hide_defaults
        if not rest:
            return self._list(table, args, fields, hide)
        if len(rest) == 1:
            word = rest[0]
            if word == "count":
                listing = parse_listing(table, args, fields, self.over_limit, self.max_limit)
                return {"count": str(sum(1 for r in self.agency.tables[table.path] if listing.matches(r)))}
            if word in _SPECIAL and table.path in ("jobs", "companies"):
                return self._list(table, args, fields, hide, order_by=_SPECIAL[word])
            if word == "whoami" and table.path == "staff":
                return self._one(table, self.agency.api_user, fields, hide)
            if word == "allocations" and table.path == "activities":
                return self._allocations(table, args)
            if word.isdigit():
                return self._one(table, word, fields, hide)
        raise Refusal("invalid_request", f"Unknown resource: /{'/'.join(segments)}")

    def _table(self, segments: list[str]) -> tuple[Table, list[str]]:
        for size in (2, 1):
            table = self.tables.get("/".join(segments[:size]))
            if table is not None and table.served and len(segments) >= size:
                return table, segments[size:]
        raise Refusal("invalid_request", f"Unknown resource: /{'/'.join(segments)}")

    # --- answers --------------------------------------------------------------------------------------
    def _one(self, table: Table, record_id: str, fields: list[Any], hide: bool) -> Record:
        record = self.agency.get(table.path, record_id.lstrip("0") or "0")
        if record is None:
            raise Refusal("invalid_request", MESSAGES["not_found"])
        return self.projection.one(table, record, fields, hide)

    def _list(self, table: Table, args: dict[str, list[str]], fields: list[Any], hide: bool,
              order_by: str | None = None) -> list[Record]:
        listing = parse_listing(table, args, fields, self.over_limit, self.max_limit)
        records = self.agency.tables[table.path]
        order = ((table.orders[order_by], True),) if order_by else listing.query.order
        if order:
            matching = [r for r in records if listing.matches(r)]
            rows = ordered(matching, order)[listing.start:listing.start + listing.limit]
        elif not any(single(args, name) for name in ("_filters", "_filter", "_search")):  # every record: a slice
            rows = records[listing.start:listing.start + listing.limit]
        else:  # ascending id, as stored: as a database reads its primary key, from the bound on, up to the page's end
            after = islice(records, self._first_above(table, single(args, "_filters") or ""), None)
            rows = list(islice((r for r in after if listing.matches(r)), listing.start, listing.start + listing.limit))
        return [self.projection.one(table, record, fields, hide) for record in rows]

    def _first_above(self, table: Table, filters: str) -> int:
        """Where in ``table`` (ascending ids) the records above a trailing ``id_greater_than(N)`` of
        ``filters`` begin (0: no such bound); the filter itself is still checked on every record."""
        bound = _ID_BOUND.search(filters.strip())
        if bound is None:
            return 0
        records = self.agency.tables[table.path]
        known = self._ids.get(table.path)
        if known is None or len(known) != len(records):  # records added or removed: read the ids again
            known = [int(r["id"]) for r in records]
            known = self._ids[table.path] = known if all(a < b for a, b in pairwise(known)) else []
        return bisect.bisect_right(known, int(bound[1])) if known else 0

    def _allocations(self, table: Table, args: dict[str, list[str]]) -> dict[str, str]:
        listing = parse_listing(table, args, [], self.over_limit, self.max_limit)
        billable = nonbillable = 0
        charged = Decimal(0)
        for record in self.agency.tables[table.path]:
            if listing.matches(record):
                billable += int(record["billable"])
                nonbillable += int(record["nonbillable"])
                charged += Decimal(record["billable"]) / 3600 * Decimal(record["rate_charged"])
        return {"billable": str(billable), "nonbillable": str(nonbillable), "charged": money(float(charged))}

    def _tokeninfo(self, expires: float) -> dict[str, Any]:
        user = self.agency.by_id("staff")[self.agency.api_user]
        return {"email": user["email"], "expiry_date": str(int(expires)), "firstname": user["firstname"],
                "surname": user["surname"], "deployment": self.agency.deployment,
                "locale": {"currency_symbol": "£", "timezone": user["timezone"]}, "staff_id": user["id"]}


def _json_only(segment: str) -> str:
    """The last path segment without a ``.json`` suffix; other formats are refused (the emulator speaks JSON)."""
    name, dot, suffix = segment.rpartition(".")
    if not dot:
        return segment
    if suffix.lower() == "json":
        return name
    raise Refusal("invalid_request", f"This emulator answers JSON only, not .{suffix[:10]}")
