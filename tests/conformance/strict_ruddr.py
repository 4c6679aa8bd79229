"""A strict Ruddr server: the allocation object document, and §A's key, envelope and paging, nothing more.

What it does, and where each rule is written:

- the allocation object: ``shared/source-docs/ruddr-allocation-object.txt`` (its 21 attributes, the
  rules each states, its example object, served verbatim as ``EXAMPLE``);
- ``GET /api/workspace/allocations`` under the base URL ``/api/workspace`` (§A.2);
- ``Authorization: Bearer <key>``, else 401 ``{"status": 401, "message": "The provided bearer token is
  missing or invalid."}`` (§A.3);
- ``{"results": [...], "hasMore": bool}`` and no total (§A.6); newest ``createdAt`` first (§A.6);
- ``startingAfter`` (the last id of the page before) and ``limit`` 1 to 100, default 10 (§A.5, §A.6);
  a malformed value is a 400 ``{"status", "message"}`` (§A.8).

Nothing more: no filters, no ``endingBefore``, no other list, no newer fields (``hoursPerAllocation``,
``bookingTypeId`` …); a parameter the document does not give is refused (400 naming it), so a client
that sends more than the document allows is caught. Records other than the example are made here
by the document's rules: only the hours field of the unit is set, ``readOnly`` exactly for
``time_entry`` and ``holiday``, ``member`` only for members, ``placeholder`` only for placeholders,
``project`` (with its client) only for project assignments, ``timeOffType`` only for time off.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from .strict import StrictServer

__all__ = ["BASE_PATH", "EXAMPLE", "KEY", "UNAUTHORIZED", "document_allocations", "strict_ruddr"]

BASE_PATH = "/api/workspace"
KEY = "strict-ruddr-key-0123456789"
UNAUTHORIZED = {"status": 401, "message": "The provided bearer token is missing or invalid."}
DEFAULT_LIMIT, MAX_LIMIT = 10, 100

EXAMPLE: dict[str, Any] = {
    "id": "212b8272-ed2a-4a91-950a-8a06b3546144",
    "resourceTypeId": "placeholder",
    "assignmentTypeId": "project",
    "start": "2022-06-01",
    "end": "2022-08-31",
    "unit": "day",
    "hoursPerDay": 8,
    "hoursPerWeek": None,
    "hoursPerMonth": None,
    "totalHours": 528,
    "isBillable": True,
    "notes": "Resourcing the PM for Joe's Shop.",
    "readOnly": False,
    "entity": "allocation",
    "createdAt": "2022-03-02T17:40:03.633Z",
    "member": {"id": "ec5543de-3b0f-47a0-b8ef-a6e18dc4b885", "name": "John Smith"},
    "placeholder": {"id": "e804cd57-8b98-437d-86f4-90e920a41774", "name": "Project Manager"},
    "project": {"id": "095e0780-48bf-472c-8deb-2fc3ebc7d90c", "name": "Vendor Portal",
                "client": {"id": "4cacdf11-71d1-4fbb-90ee-b091803581b0", "name": "Joe's Shop"}},
    "role": {"id": "7ad5a34a-07b7-48e9-a760-bd220d52e354", "name": "Project Manager"},
    "task": {"id": "9a7097a0-d71e-4ed2-9bc3-2dd7d797edc4", "name": "Project Status Reporting"},
    "timeOffType": {"id": "8fc28b3d-e179-4193-bbdd-09387be8a1e9", "name": "Holiday"},
}
"""The document's example object, as written (it sets every nested object at once, to show them all)."""

ATTRIBUTES = tuple(EXAMPLE)
"""The document's 21 attributes, in its order."""

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HOURS = {"day": "hoursPerDay", "week": "hoursPerWeek", "month": "hoursPerMonth"}
# (resource type, assignment type, unit, entity): the kinds of allocation the document describes, in turn.
_KINDS = (("member", "project", "day", "allocation"), ("member", "project", "week", "allocation"),
          ("placeholder", "project", "day", "allocation"), ("member", "project", "month", "allocation"),
          ("member", "time_off", "day", "allocation"), ("member", "time_off", "day", "holiday"),
          ("placeholder", "project", "week", "allocation"), ("member", "time_off", "day", "time_entry"))


def _weekdays(first: date, last: date) -> int:
    return sum((first + timedelta(days=n)).weekday() < 5 for n in range((last - first).days + 1))


def document_allocations(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` allocations made by the document's rules (see the module docstring), newest first.

    ``totalHours`` is the unit's hours over the weekdays from ``start`` to ``end`` at eight hours a
    day (a week five days, a month 52/12 weeks): "calculated … and the working capacity".
    """
    rng = random.Random(seed)

    def ref(name: str) -> dict[str, str]:
        return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "name": name}

    people = [ref(name) for name in ("Ada Park", "Ben Ortiz", "Cleo Grant")]
    seats = [ref(name) for name in ("Designer", "Developer")]
    clients = [ref(name) for name in ("Joe's Shop", "Acme Corp")]
    projects = [{**ref(name), "client": clients[n % 2]} for n, name in enumerate(("Vendor Portal", "Data Hub"))]
    roles, tasks, kinds = [ref("Developer"), ref("Designer")], [ref("Build")], [ref("Vacation"), ref("Holiday")]
    first_created = datetime(2021, 6, 1, 9, 0, tzinfo=UTC)
    records = []
    for n in range(count):
        resource, assignment, unit, entity = _KINDS[n % len(_KINDS)]
        start = date(2021, 7, 5) + timedelta(days=3 * n)
        end = start + timedelta(days=(0 if entity != "allocation" else 4 + n % 40))
        amount = {"day": 4 + n % 5, "week": 20 + n % 21, "month": 40 + n % 81}[unit]
        per_day = {"day": amount, "week": amount / 5, "month": amount * 12 / 52 / 5}[unit]
        project = assignment == "project"
        created = first_created + timedelta(hours=36 * n, milliseconds=n)
        records.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "resourceTypeId": resource, "assignmentTypeId": assignment,
            "start": start.isoformat(), "end": end.isoformat(), "unit": unit,
            **{field: (amount if name == unit else None) for name, field in _HOURS.items()},
            "totalHours": round(per_day * _weekdays(start, end), 2),
            "isBillable": project and n % 3 != 0,
            "notes": None if n % 2 else f"Allocation {n}",
            "readOnly": entity in ("time_entry", "holiday"), "entity": entity,
            "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
            "member": people[n % 3] if resource == "member" else None,
            "placeholder": seats[n % 2] if resource == "placeholder" else None,
            "project": projects[n % 2] if project else None,
            "role": roles[n % 2] if project and n % 2 == 0 else None,
            "task": tasks[0] if project and n % 4 == 0 else None,
            "timeOffType": None if project else kinds[entity == "holiday"],
        })
    return sorted(records, key=lambda r: r["createdAt"], reverse=True)


def _answer(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _refuse(status: int, message: str) -> Response:
    return _answer({"status": status, "message": message}, status)


def strict_ruddr(records: list[dict[str, Any]], key: str = KEY) -> StrictServer:
    """A strict server listing ``records`` (newest ``createdAt`` first) at ``/api/workspace/allocations``."""
    ordered = sorted(records, key=lambda r: r["createdAt"], reverse=True)
    position = {record["id"]: n for n, record in enumerate(ordered)}

    def handle(request: Request) -> Response:
        if request.path != f"{BASE_PATH}/allocations":
            return _refuse(404, "Not found.")
        if request.headers.get("Authorization") != f"Bearer {key}":
            return _refuse(401, UNAUTHORIZED["message"])
        if request.method != "GET":
            return _refuse(405, "Method not allowed.")
        for name in request.args:
            if name not in ("startingAfter", "limit"):
                return _refuse(400, f"Parameter '{name}' is not supported.")
            if len(request.args.getlist(name)) != 1:
                return _refuse(400, f"Parameter '{name}' must be given once.")
        text = request.args.get("limit", str(DEFAULT_LIMIT))
        if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            return _refuse(400, f"Parameter 'limit' must be a number from 1 to {MAX_LIMIT}.")
        first = 0
        if "startingAfter" in request.args:
            cursor = request.args["startingAfter"]
            if not _UUID.match(cursor) or cursor not in position:
                return _refuse(400, "Parameter 'startingAfter' is not a valid UUID.")
            first = position[cursor] + 1
        page = ordered[first:first + int(text)]
        return _answer({"results": page, "hasMore": first + len(page) < len(ordered)})

    return StrictServer(handle)
