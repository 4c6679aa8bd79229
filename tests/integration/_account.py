"""A scripted ServiceM8 account for the store's tests: categories whose ``edit_date`` is the account's
wall clock, in a zone of its own (not this machine's), served over HTTP on loopback.

It answers ``GET /category.json`` (every record in one page, or those ``$filter=edit_date gt '…'``
keeps), with a ``Date`` header from the real clock, and ``GET /vendor.json`` with the account's
``timezone_name`` when ``zone_known``. Edits stamp records with the account's wall clock now; a
record can be stamped in the future, soft-deleted (``active`` 0), deleted outright, or inserted with
an old stamp; ``glitch`` makes the next list answer empty.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

__all__ = ["Account"]

_FILTER = re.compile(r"^edit_date gt '(?P<mark>[\d\- :]+)'$")
_STAMP = "%Y-%m-%d %H:%M:%S"


@dataclass
class Account:
    """Categories keyed by uuid (see the module)."""

    zone: str = "America/Los_Angeles"  # 7–8 hours behind a UTC machine
    zone_known: bool = False
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    glitch: bool = False
    served: list[str] = field(default_factory=list)  # the $filter of each list request ("" for none)
    counter: int = 0

    def wall(self, shift: timedelta = timedelta(0)) -> str:
        """The account's wall clock now (plus ``shift``), as ServiceM8 writes it."""
        return (datetime.now(UTC).astimezone(ZoneInfo(self.zone)) + shift).strftime(_STAMP)

    # --- changes -------------------------------------------------------------------------------
    def insert(self, stamp: str | None = None) -> str:
        self.counter += 1
        key = str(uuid.UUID(int=self.counter))
        self.records[key] = {"uuid": key, "name": f"Category {self.counter}", "colour": "red", "active": 1,
                             "edit_date": stamp or self.wall()}
        return key

    def edit(self, key: str, stamp: str | None = None) -> None:
        record = self.records[key]
        record["name"] = f"{record['name'].split(' (')[0]} (edit {self.counter})"
        self.counter += 1
        record["edit_date"] = stamp or self.wall()

    def soft_delete(self, key: str) -> None:
        self.records[key].update(active=0, edit_date=self.wall())

    def hard_delete(self, key: str) -> None:
        del self.records[key]

    # --- the API -------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        headers = {"Date": format_datetime(datetime.now(UTC), usegmt=True)}
        if request.path.endswith("/vendor.json"):
            if not self.zone_known:
                body = {"errorCode": "404", "message": "Not found"}
                return Response(json.dumps(body), 404, headers, content_type="application/json")(environ,
                                                                                               start_response)
            answer: Any = [{"uuid": "vendor", "name": "Scripted", "timezone_name": self.zone}]
        else:
            text = request.args.get("$filter", "")
            self.served.append(text)
            match = _FILTER.match(text)
            rows = [dict(r) for r in self.records.values() if match is None or r["edit_date"] > match["mark"]]
            answer = [] if self.glitch else rows
            self.glitch = False
        return Response(json.dumps(answer), 200, headers, content_type="application/json")(environ, start_response)
