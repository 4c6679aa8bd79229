"""Writes: create, update, delete and restore records, checked against the resource schema first.

Sessions are read-only unless opened with ``writable=True``. smexplore writes only what a scheduling
tool changes (``WRITABLE``): the schedule's own resources, notes on jobs, job contacts, tasks and the
badges on a job; every other resource is read-only on purpose, whatever the session (the API can
write many of them: do so in ServiceM8 itself). Every value is checked and put in its wire form
before anything is sent: unknown or read-only fields, wrong types, an end before its start and a
missing required field are refused with a clear error. After a write, the cached answers about that
resource are dropped, so the next read shows the change.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from ..core.errors import NotFoundError, ReadOnlyError, UnknownFieldError, ValidationError
from ..core.filters.text import format_timestamp
from ..core.schema import Field, Resource, canonical_uuid
from ..core.transport import Transport

_ANY_UUID = "00000000-0000-0000-0000-000000000000"  # stands for any uuid where only a path's topic matters

__all__ = ["WRITABLE", "WritesMixin", "to_wire"]

WRITABLE = frozenset({
    # the schedule: what a scheduling tool moves, and what it is built from
    "job", "jobactivity", "joballocation", "staff", "company", "category", "allocationwindow", "queue",
    # what a scheduler adds to a job as it goes: notes, who to call, to-dos (badges: a job's ``badges``)
    "note", "jobcontact", "task",
})
"""The resources smexplore writes; every other is read-only on purpose (``ReadOnlyError`` says so)."""

# Fields the API sets itself: never sent, whatever the spec says about them.
_SERVER_FIELDS = frozenset({"uuid", "edit_date", "edit_by_staff_uuid"})
# (start, end) pairs whose order is checked.
_SPANS = (("start_date", "end_date"), ("allocation_date", "expiry_timestamp"))


def _timestamp(value: Any, field: Field, tz: str | None) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):  # clears the field
        return _zero(field)
    stamp = _as_timestamp(value, field)
    if stamp is pd.NaT:
        return _zero(field)
    if stamp.tzinfo is not None:  # an aware time is put in account time (the session's zone)
        if not tz:
            raise ValidationError(f"{field.name}: {stamp} has a time zone, but the session has none to put it in "
                                  "account time; connect with timezone=..., or give a naive account time")
        stamp = stamp.tz_convert(tz).tz_localize(None)
    return _in_frame_range(stamp.normalize() if field.kind == "date" else stamp.floor("s"), field)


def _zero(field: Field) -> str:
    return "0000-00-00" if field.kind == "date" else "0000-00-00 00:00:00"


def _as_timestamp(value: Any, field: Field) -> pd.Timestamp:
    """``value`` (text, ``date``, ``datetime`` or ``Timestamp``) as a ``Timestamp``, or ``ValidationError``."""
    if isinstance(value, bool) or not isinstance(value, (str, datetime, date)):  # Timestamp is a datetime
        raise ValidationError(f"{field.name} must be a date or timestamp, got {type(value).__name__} {value!r}")
    try:
        return pd.Timestamp(value)
    except (ValueError, OverflowError):
        raise ValidationError(f"{field.name} must be a date or timestamp, got {value!r}") from None


def _in_frame_range(stamp: pd.Timestamp, field: Field) -> str:
    """The wire form of ``stamp``, a time as sent; refused when a frame's ``datetime64[ns]`` column cannot
    hold it (it would read back as missing)."""
    if not pd.Timestamp.min <= stamp <= pd.Timestamp.max:
        raise ValidationError(f"{field.name}: {stamp} is outside the times a frame can hold "
                              f"({pd.Timestamp.min.ceil('s')} to {pd.Timestamp.max.floor('s')}); "
                              "it would read back as missing")
    return format_timestamp(stamp, date_only=field.kind == "date")


def _number(value: Any, field: Field) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValidationError(f"{field.name} must be a number, got {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(f"{field.name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValidationError(f"{field.name} must be a finite number, got {value!r}")
    return number


def _value(value: Any, field: Field, tz: str | None) -> Any:
    """``value`` in the wire form of ``field``, or ``ValidationError``."""
    kind = field.kind
    if kind in ("timestamp", "date"):
        return _timestamp(value, field, tz)
    if kind == "flag":
        if value not in (0, 1, "0", "1"):
            raise ValidationError(f"{field.name} is a 0/1 flag: give True, False, 0 or 1, not {value!r}")
        return int(value) if field.wire == "int" else str(int(value))
    if kind in ("int", "float", "money"):
        number = _number(value, field)
        if kind == "int":
            if number != int(number):
                raise ValidationError(f"{field.name} must be a whole number, got {value!r}")
            return int(number) if field.wire == "int" else str(int(number))
        return number if field.wire == "float" else f"{number:.2f}" if kind == "money" else str(number)
    if not isinstance(value, str):
        raise ValidationError(f"{field.name} is text: give a string, not {type(value).__name__} {value!r}")
    if kind == "uuid" and value:
        return _uuid(value, field.name)
    problem = field.text_problem(value)
    if problem:
        raise ValidationError(problem)
    return value


def to_wire(resource: Resource, fields: Mapping[str, Any], tz: str | None = None, *,
            creating: bool = False) -> dict[str, Any]:
    """Check ``fields`` against the schema of ``resource`` and return them in wire form.

    Raises:
        UnknownFieldError: A field the resource does not have (the message lists the valid ones).
        ValidationError: A read-only field, a value of the wrong type, an end before its start,
            or (when creating) a required field missing.
    """
    body: dict[str, Any] = {}
    for name, value in fields.items():
        field = resource.fields.get(name)
        if field is None:
            if resource.has_custom_field(name):
                body[name] = "" if value is None else str(value)
                continue
            writable = [f for f in resource.fields.values() if not f.read_only and f.name not in _SERVER_FIELDS]
            raise UnknownFieldError(f"{resource.name} has no field {name!r}; fields you can write: "
                                    f"{', '.join(f.name for f in writable)}")
        if field.read_only or name in _SERVER_FIELDS:
            raise ValidationError(f"{resource.name}.{name} is read-only: the API sets it")
        body[name] = _value(value, field, tz)
    for start, end in _SPANS:
        if start in body and end in body and body[end] < body[start] and not body[end].startswith("0000"):
            raise ValidationError(f"{end} ({body[end]}) is before {start} ({body[start]})")
    if creating:
        missing = [name for name in resource.required_on_create if not body.get(name)]
        if missing:
            raise ValidationError(f"creating a {resource.name} needs {', '.join(missing)}")
    return body


class WritesMixin:
    """The write side of ``Session``: what it needs of the Session is declared here, ``Session`` supplies it."""

    settings: Any  # the Session's Settings (``writable``, ``timezone``)
    _transport: Transport

    def _resource(self, name: str) -> Resource:
        raise NotImplementedError

    def _related_frame(self, name: str, stored: bool = False) -> pd.DataFrame:
        raise NotImplementedError

    def _forget_frames(self, name: str) -> None:
        raise NotImplementedError

    def _check_writable(self, what: str, spec: Resource, operation: str) -> None:
        """Refuse a write smexplore does not make (``ReadOnlyError``), before anything is sent."""
        if spec.name not in WRITABLE:
            raise ReadOnlyError(f"{what}: {spec.name} is read-only in smexplore on purpose (it writes only what a "
                                f"scheduling tool changes: {', '.join(sorted(WRITABLE))}); change it in ServiceM8")
        if operation not in spec.scopes:
            raise ReadOnlyError(f"{what}: the ServiceM8 API has no {operation} for {spec.name}")
        if not self.settings.writable:
            raise ReadOnlyError(f"{what}: this session is read-only; open it with writable=True to change data")

    def _written(self, resource: Resource) -> None:
        # A record's path may lie under another topic than the list's (a note is /dbonote/{uuid}.json).
        for topic in dict.fromkeys(self._transport.topic(path) for path in (resource.path, resource.record(_ANY_UUID))):
            self._transport.forget(topic)
        self._forget_frames(resource.name)

    def _send_write(self, spec: Resource, operation: str, method: str, path: str,
                    body: dict[str, Any] | None, what: str) -> Any:
        try:
            return self._transport.write(method, path, body, what=what, scope=spec.scopes[operation])
        finally:  # even a failed write may have been applied: never keep serving the old answers
            self._written(spec)

    def create(self, resource: str, uuid: str | None = None, **fields: Any) -> str:
        """Create a record and return its uuid.

        Args:
            resource: The API name, e.g. ``"joballocation"``.
            uuid: A uuid of your own for the record (the API honours it); generated when ``None``.
            **fields: Field values: datetimes (naive = account time), numbers, booleans, text.

        Raises:
            ReadOnlyError: The session is not writable, or smexplore does not write ``resource`` (see
                ``WRITABLE``); nothing is sent.
            UnknownFieldError, ValidationError: A field or value does not fit (nothing is sent).
            ForbiddenError: The credentials lack the scope to create (it is named).
        """
        spec = self._resource(resource)
        what = f"creating a {spec.name}"
        self._check_writable(what, spec, "create")
        body = to_wire(spec, fields, self.settings.timezone, creating=True)
        if uuid is not None:
            body["uuid"] = _uuid(uuid)
        response = self._send_write(spec, "create", "POST", spec.path, body, what)
        return response.headers.get("x-record-uuid") or body.get("uuid", "")

    def update(self, resource: str, uuid: str, **fields: Any) -> None:
        """Change only the given fields of one record (same checks as ``create``)."""
        spec = self._resource(resource)
        what = f"updating {spec.name} {uuid}"
        self._check_writable(what, spec, "update")
        if not fields:
            raise ValidationError(f"{what}: give at least one field to change")
        path = _record_path(spec, uuid)
        body = to_wire(spec, fields, self.settings.timezone)
        self._send_write(spec, "update", "POST", path, body, what)

    def delete(self, resource: str, uuid: str) -> None:
        """Soft-delete one record: ``active`` becomes 0 (``restore`` undoes it).

        Raises:
            NotFoundError: No record has this uuid, or it is deleted already (the API answers 404 to
                a second delete).
        """
        spec = self._resource(resource)
        what = f"deleting {spec.name} {uuid}"
        self._check_writable(what, spec, "delete")
        try:
            self._send_write(spec, "delete", "DELETE", _record_path(spec, uuid), None, what)
        except NotFoundError as exc:
            raise NotFoundError(f"{exc}; no {spec.name} has this uuid, or it is deleted already "
                                f"(restore() brings a deleted one back)") from None

    def restore(self, resource: str, uuid: str) -> None:
        """Undo a soft delete: ``active`` becomes 1 again."""
        spec = self._resource(resource)
        what = f"restoring {spec.name} {uuid}"
        self._check_writable(what, spec, "update")
        self._send_write(spec, "update", "POST", _record_path(spec, uuid), {"active": 1}, what)

    def allocate(self, job: str | int, staff: str, allocation_date: Any, window: str | None = None,
                 expiry: Any = None) -> str:
        """Allocate a job to a staff member in an allocation window; returns the allocation's uuid.

        Args:
            job: The job's uuid or its job number (``generated_job_id``, e.g. ``2995``).
            staff: The staff member's uuid or full name (``"James Fraser"``).
            allocation_date: When it shows on the staff member's schedule.
            window: The allocation window's uuid or name (``"Morning"``).
            expiry: When the allocation expires.
        """
        fields: dict[str, Any] = {"job_uuid": self._job_uuid(job), "staff_uuid": self._staff_uuid(staff),
                                  "allocation_date": allocation_date}
        if window is not None:
            fields["allocation_window_uuid"] = self._lookup_uuid("allocationwindow", window, "name")
        if expiry is not None:
            fields["expiry_timestamp"] = expiry
        return self.create("joballocation", **fields)

    def book(self, job: str | int, staff: str, start: Any, end: Any) -> str:
        """Book a staff member on a job from ``start`` to ``end`` (a scheduled job activity); returns its uuid."""
        return self.create("jobactivity", job_uuid=self._job_uuid(job), staff_uuid=self._staff_uuid(staff),
                           start_date=start, end_date=end, activity_was_scheduled=1)

    def add_note(self, job: str | int, note: str) -> str:
        """Add a note to a job (as the job diary shows it); returns the note's uuid.

        Args:
            job: The job's uuid or its job number.
            note: The text.
        """
        if not isinstance(note, str) or not note.strip():
            raise ValidationError(f"a note is text: give it some, not {note!r}")
        return self.create("note", related_object="job", related_object_uuid=self._job_uuid(job), note=note)

    def add_job_contact(self, job: str | int, first: str, last: str = "", *, phone: str = "", mobile: str = "",
                        email: str = "", type: str = "JOB") -> str:
        """Add a contact to a job; returns the contact's uuid.

        Args:
            job: The job's uuid or its job number.
            first, last: The contact's name.
            phone, mobile, email: How to reach them.
            type: ``"JOB"`` (the site contact), ``"BILLING"`` or ``"Property Manager"``, as the API names them.
        """
        return self.create("jobcontact", job_uuid=self._job_uuid(job), first=first, last=last, phone=phone,
                           mobile=mobile, email=email, type=type)

    def add_task(self, name: str, *, job: str | int | None = None, staff: str | None = None, due: Any = None,
                 details: str | None = None) -> str:
        """Add a task (a to-do); returns its uuid.

        Args:
            name: What is to be done.
            job: The job it is about (uuid or job number); ``None``: none.
            staff: Who is to do it (full name or uuid); ``None``: nobody yet.
            due: The day it is due (a date or ``"YYYY-MM-DD"``).
            details: More words about it.
        """
        fields: dict[str, Any] = {"name": name}
        if job is not None:
            fields.update(related_object="job", related_object_uuid=self._job_uuid(job))
        if staff is not None:
            fields["assigned_to_staff_uuid"] = self._staff_uuid(staff)
        if due is not None:
            fields["due_date"] = due
        if details is not None:
            fields["task_details"] = details
        return self.create("task", **fields)

    def add_badge(self, job: str | int, badge: str) -> None:
        """Put a badge on a job (its ``badges``, a JSON list of badge uuids, gains it; nothing changes when
        the job has it already).

        Args:
            job: The job's uuid or its job number.
            badge: The badge's uuid or name (``"Urgent"``; see ``badges()``).
        """
        self._change_badges(job, badge, add=True)

    def remove_badge(self, job: str | int, badge: str) -> None:
        """Take a badge off a job (nothing changes when the job does not have it); arguments as ``add_badge``."""
        self._change_badges(job, badge, add=False)

    def _change_badges(self, job: str | int, badge: str, *, add: bool) -> None:
        spec = self._resource("job")
        self._check_writable(f"{'adding' if add else 'removing'} badge {badge!r}", spec, "update")
        job_uuid, badge_uuid = self._job_uuid(job), self._lookup_uuid("badge", badge, "name")
        current = self._record(spec, job_uuid).get("badges")
        badges = _badge_list(current, job_uuid)
        kept = [uuid for uuid in badges if uuid.lower() != badge_uuid]
        changed = [*kept, badge_uuid] if add else kept
        if add and len(kept) < len(badges):
            return  # the job has it already
        if changed != badges:
            self.update("job", job_uuid, badges=json.dumps(changed))

    def _record(self, spec: Resource, uuid: str) -> dict[str, Any]:
        """One record as the API sends it now (not from the cache: a write is about to build on it)."""
        body, _ = self._transport.get(spec.record(uuid), mode="bypass", what=f"{spec.name} {uuid}")
        return body if isinstance(body, dict) else {}

    def _job_uuid(self, job: str | int) -> str:
        return self._lookup_uuid("job", str(job), "generated_job_id")

    def _staff_uuid(self, staff: str) -> str:
        if _is_uuid(staff):
            return self._lookup_uuid("staff", staff, "uuid")
        if not isinstance(staff, str):
            raise TypeError(f"staff is a staff member's full name or uuid (a str), not {type(staff).__name__}")
        people = self._related_frame("staff")
        names = (people["first"].fillna("") + " " + people["last"].fillna("")).str.strip()
        return _one(people.loc[names.str.casefold() == staff.strip().casefold(), "uuid"], "staff member", staff,
                    names)

    def _lookup_uuid(self, resource: str, key: str, column: str) -> str:
        frame = self._related_frame(resource)
        if _is_uuid(key):
            matches = frame.loc[frame["uuid"].str.casefold() == canonical_uuid(key), "uuid"]
        else:
            matches = frame.loc[frame[column].astype("string").str.casefold() == key.strip().casefold(), "uuid"]
        return _one(matches, resource, key, frame[column])


def _is_uuid(value: object) -> bool:
    try:
        canonical_uuid(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def _uuid(value: object, field: str | None = None) -> str:
    """``value`` in the API's uuid form (any spelling ``canonical_uuid`` takes), or ``ValidationError``.

    ``field`` names the field the value is for; ``None`` means the record's own uuid.
    """
    try:
        return canonical_uuid(value)  # type: ignore[arg-type]
    except ValueError:
        wanted = "32 hexadecimal digits, as in '28e7222e-24c7-4c02-915c-d165ef530f4f'"
        raise ValidationError(f"{field} must be a uuid ({wanted}), got {value!r}" if field
                              else f"{value!r} is not a uuid: a record's uuid is {wanted}") from None


def _record_path(spec: Resource, uuid: object) -> str:
    """The record's path (``/job/{uuid}.json``, a note's ``/dbonote/{uuid}.json``) with the uuid in the
    API's form, or ``ValidationError``."""
    return spec.record(_uuid(uuid))


def _badge_list(text: Any, job: str) -> list[str]:
    """A job's ``badges`` (a JSON list of badge uuids, ``""`` or ``"[]"`` for none) as a list."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return []
    try:
        badges = json.loads(text)
    except (TypeError, ValueError):
        badges = None
    if not isinstance(badges, list) or not all(isinstance(uuid, str) for uuid in badges):
        raise ValidationError(f"job {job} has badges {text!r}, not a JSON list of badge uuids: left as it is")
    return badges


def _one(matches: pd.Series, what: str, key: str, known: pd.Series) -> str:
    found = list(dict.fromkeys(matches.dropna()))
    if len(found) == 1:
        return str(found[0])
    if not found:
        sample = ", ".join(map(str, known.dropna().head(8)))
        raise NotFoundError(f"no {what} matches {key!r} (e.g. {sample})")
    raise ValidationError(f"{len(found)} {what} records match {key!r}; give the uuid instead")
