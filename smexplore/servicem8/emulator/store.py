"""The emulator's record store: one table per resource, with ServiceM8's write rules.

Records keep their creation order (listing order, and so paging order). Deletes are soft
(``active`` becomes 0; the record still lists). Every write stamps ``edit_date``, and keeps the
table's ``edit_date`` index right (``index``: built on the first filter on ``edit_date``). Values written
are checked against the field's type and stored in the wire form of the vendor's spec; what the
spec marks read-only is ignored, as the API ignores it; a create must send what the spec's create
schema requires. All of it generic over the resource table: one ``Table`` serves any resource.
"""

from __future__ import annotations

import json
import math
import threading
import uuid as uuidlib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from importlib import resources as _importlib_resources
from typing import Any

from ...core.filters.text import ZERO_TIMESTAMP, normalise_timestamp
from ...core.schema import Field, Resource
from .index import FIELD, EditIndex, edit_bounds, stamp

__all__ = ["Store", "Table", "WriteError", "blank_record"]

Record = dict[str, Any]


class WriteError(ValueError):
    """A create or update the API would refuse (HTTP 400); the message says why."""


@cache
def _objects() -> frozenset[tuple[str, str]]:
    """The (resource, field) pairs the spec types as a JSON object; its other ``list`` fields are arrays.

    (``Field`` says ``list`` for both; the spec extract the resource table is built from tells them apart.)
    """
    raw = json.loads(_importlib_resources.files("smexplore").joinpath("servicem8/_spec/servicem8.json")
                     .read_text(encoding="utf-8"))
    return frozenset((name, field) for name, entry in raw["resources"].items()
                     for field, prop in entry["properties"].items() if prop.get("type") == "object")


def _is_object(resource: Resource, field: Field) -> bool:
    return (resource.name, field.name) in _objects()


def _blank(resource: Resource, field: Field) -> Any:
    if field.kind == "list":
        return {} if _is_object(resource, field) else []
    if field.kind in ("timestamp", "date"):
        return ZERO_TIMESTAMP if field.kind == "timestamp" else "0000-00-00"
    if field.wire == "int":
        return 0
    if field.wire == "float":
        return 0.0
    if field.kind == "flag":
        return "0"
    return ""


def blank_record(resource: Resource) -> dict[str, Any]:
    """A record of ``resource`` with every field blank (zero dates, 0, ``"0"``, ``""``, ``[]``/``{}``).

    Its lists and objects are new ones, but a copy of the record shares them: fill them, don't change them.
    """
    return {name: _blank(resource, field) for name, field in resource.fields.items()}


def _coerce(resource: Resource, field: Field, value: Any) -> Any:
    """Return ``value`` in the wire form of ``field``, or raise ``WriteError``."""
    if field.kind == "list" and value is not None:
        wanted, what = (dict, "object") if _is_object(resource, field) else (list, "array")
        if not isinstance(value, wanted):
            raise WriteError(f"{resource.name}.{field.name} must be a JSON {what}, got {value!r}")
        return value
    if isinstance(value, (dict, list)):
        raise WriteError(f"{resource.name}.{field.name} must be a single value, not {type(value).__name__}")
    if value is None:
        return _blank(resource, field)
    if field.kind in ("timestamp", "date"):
        normal = normalise_timestamp(str(value))
        if normal is None:
            raise WriteError(f"{resource.name}.{field.name} must be a date 'YYYY-MM-DD HH:MM:SS', got {value!r}")
        return normal[:10] if field.kind == "date" else normal
    if field.kind in ("flag", "int", "float", "money"):
        if field.wire == "str" and value == "":  # a number sent as text, left blank (job.payment_amount)
            return ""
        try:
            number = float(value) if not isinstance(value, bool) else float(int(value))
        except (TypeError, ValueError, OverflowError):
            raise WriteError(f"{resource.name}.{field.name} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise WriteError(f"{resource.name}.{field.name} must be a finite number, got {value!r}")
        if field.kind == "flag" and number not in (0.0, 1.0):
            raise WriteError(f"{resource.name}.{field.name} must be 0 or 1, got {value!r}")
        if field.wire == "int":
            if number != int(number):
                raise WriteError(f"{resource.name}.{field.name} must be a whole number, got {value!r}")
            return int(number)
        if field.wire == "float":
            return number
        return str(int(number)) if field.kind == "flag" else str(value)
    text = str(value)
    problem = field.text_problem(text)
    if problem:
        raise WriteError(f"{resource.name}.{problem}")
    return text


class Table:
    """The records of one resource, in creation order.

    Args:
        resource: The resource.
        records: Its records (the account's own list: creates show up in ``Account.tables``).
        indexes: Where its ``edit_date`` index is kept once built, under the resource's name (the
            account's ``indexes``, which every store over the same records shares).
    """

    def __init__(self, resource: Resource, records: list[Record], indexes: dict[str, EditIndex] | None = None) -> None:
        self.resource = resource
        self.records = records
        self.index: dict[str, int] = {r["uuid"].lower(): i for i, r in enumerate(self.records)}
        self._indexes = indexes if indexes is not None else {}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, record_uuid: str) -> Record | None:
        position = self.index.get(record_uuid.lower())
        return None if position is None else self.records[position]

    def edits(self) -> EditIndex:
        """The ``edit_date`` index, built on first use (and again if records were added behind the store's back)."""
        index = self._indexes.get(self.resource.name)
        if index is None or len(index) != len(self.records):
            index = self._indexes[self.resource.name] = EditIndex(self.records)
        return index

    def edited(self, filter_text: str | None) -> list[int] | None:
        """The positions, in creation order, that ``filter_text``'s bounds on ``edit_date`` leave to check.

        ``None`` when the filter puts none on it, or leaves over half the table (then every record is read).
        ``filter_text`` must be a filter ``compile_filter`` accepted for this resource.
        """
        bounds = edit_bounds(self.resource, filter_text) if filter_text else []
        return self.edits().positions(bounds, most=len(self.records) // 2) if bounds else None

    def scan(self, predicate: Callable[[Record], bool] | None, start: int, limit: int | None,
             positions: Sequence[int] | None = None) -> tuple[list[Record], int | None]:
        """Return up to ``limit`` matching records from position ``start`` on, and where to resume.

        The resume position is ``None`` when no matching record remains. ``positions`` (ascending)
        limits the records read to those (``edited``); the answer is the same when every record
        ``predicate`` keeps is among them.
        """
        found: list[Record] = []
        records = self.records
        order = range(start, len(records)) if positions is None else positions[bisect_left(positions, start):]
        for position in order:
            record = records[position]
            if predicate is None or predicate(record):
                if limit is not None and len(found) == limit:
                    return found, position
                found.append(record)
        return found, None

    def _checked(self, body: Record, *, creating: bool) -> Record:
        resource = self.resource
        clean: Record = {}
        for name, value in body.items():
            field = resource.fields.get(name)
            if field is None:
                if resource.has_custom_field(name):
                    clean[name] = "" if value is None else str(value)
                    continue
                raise WriteError(f"{resource.name} has no field {name!r}")
            if field.read_only or name == "edit_date" or (name == "uuid" and not creating):
                continue  # read-only fields are ignored, as the API does
            clean[name] = _coerce(resource, field, value)
        return clean

    def create(self, body: Record, now: datetime) -> Record:
        """Create a record from ``body`` (a client-supplied ``uuid`` is honoured)."""
        clean = self._checked(body, creating=True)
        missing = [f for f in self.resource.required_on_create if not clean.get(f)]
        if missing:
            raise WriteError(f"{self.resource.name} needs {', '.join(missing)} to be created")
        record_uuid = clean.pop("uuid", "") or str(uuidlib.uuid4())
        if record_uuid.lower() in self.index:
            raise WriteError(f"a {self.resource.name} with uuid {record_uuid} already exists")
        record = blank_record(self.resource)
        record.update(clean, uuid=record_uuid, active=clean.get("active", 1), edit_date=_stamp(now))
        if "create_date" in record and record["create_date"] == ZERO_TIMESTAMP:
            record["create_date"] = record["edit_date"]  # "Timestamp at which the record was created"
        if self.resource.name == "job":  # the API numbers new jobs itself
            record["generated_job_id"] = str(1 + max((int(r["generated_job_id"]) for r in self.records
                                                      if str(r.get("generated_job_id", "")).isdigit()), default=1000))
        position = self.index[record_uuid.lower()] = len(self.records)
        self.records.append(record)
        edits = self._indexes.get(self.resource.name)
        if edits is not None:
            edits.add(position, record)
        return record

    def update(self, record: Record, body: Record, now: datetime) -> Record:
        """Change only the fields sent in ``body``."""
        clean = self._checked(body, creating=False)
        before = stamp(record.get(FIELD))
        record.update(clean, edit_date=_stamp(now))
        self._moved(record, before)
        return record

    def delete(self, record: Record, now: datetime) -> Record:
        """Soft-delete: ``active`` becomes 0 and the record still lists."""
        before = stamp(record.get(FIELD))
        record.update(active=0, edit_date=_stamp(now))
        self._moved(record, before)
        return record

    def _moved(self, record: Record, before: str) -> None:
        """Keep the ``edit_date`` index (if built) right after ``record``'s ``edit_date`` read ``before``."""
        edits = self._indexes.get(self.resource.name)
        if edits is not None:
            edits.move(self.index[record["uuid"].lower()], before, record)


def _stamp(now: datetime) -> str:
    return now.isoformat(" ", "seconds")


class Store:
    """All tables of one account, with one lock for writes and cursor scans.

    Args:
        resources: The resources served.
        tables: Resource name → records (a resource missing starts empty, and is added).
        indexes: Where the tables' ``edit_date`` indexes are kept once built (pass the account's,
            so that stores over the same records share them; default: this store's own).
    """

    def __init__(self, resources: Iterable[Resource], tables: dict[str, list[Record]],
                 indexes: dict[str, EditIndex] | None = None) -> None:
        self.lock = threading.RLock()
        shared = indexes if indexes is not None else {}
        self.tables = {r.name: Table(r, tables.setdefault(r.name, []), shared) for r in resources}

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]
