"""Job writes: create, update and delete jobs (``POST /jobs.xml``, ``PUT`` and ``DELETE /jobs/{id}.xml``).

Sessions are read-only unless opened with ``writable=True``. The rules are the document's
(``shared/source-docs/syncd-jobs.txt``, "Create", "Update", "Delete"):

- **create**: ``name`` (required, unique for its parent, at most 50 characters), ``parent_id``
  (optional: none makes a top-level job), ``active`` (optional, default true), ``code`` (at most
  50), ``description`` and ``url`` (at most 255). The job type is inferred from the parent. The
  API answers 201 with the new job; ``create_job`` returns it as a one-row frame, as ``jobs()``
  shows it (its path and level read back with ``include=job_ancestors``).
- **update**: "ANY of" ``name``, ``active``, ``code``, ``description``, ``url`` (a job's parent
  cannot change); 200.
- **delete**: 200; "jobs associated with time or expense entries can not be deleted. Instead,
  deactivate them" (``update_job(id, active=False)``), which the error then says.
- Only job managers (of the job's type or a level above it) may write: others get 403
  (``ForbiddenError``).

Field names, types, a missing or blank name and the lengths are checked here, before anything is
sent (``ValidationError``); the uniqueness of a name under its parent, the parent's existence and
the user's rights only the server knows. Bodies are XML, as the document shows them (``<job>
<name>…</name><parent-id>…</parent-id>…</job>``; ``None`` clears a text as ``nil="true"``). After
any write (even a failed one: it may have been applied) the cached answers about jobs and job
assignments (which name jobs) are dropped, so the next read shows the change.
"""

from __future__ import annotations

import numbers
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import requests

from ..core.errors import APIError, ForbiddenError, ReadOnlyError, SMExploreError, ValidationError
from ..core.log import get_logger
from ..core.transport import Transport
from .answers import decode
from .resources import get_resource

__all__ = ["CREATE_FIELDS", "UPDATE_FIELDS", "JobWrites", "job_body", "job_xml"]

log = get_logger("syncd")

CREATE_FIELDS = ("name", "parent_id", "active", "code", "description", "url")
"""What a new job may be given, in the document's order (the order they are sent in)."""
UPDATE_FIELDS = ("name", "active", "code", "description", "url")
"""What an update may change ("Include ANY of the following data")."""
_TEXTS = ("name", "code", "description", "url")
# Characters XML 1.0 cannot carry (control characters but tab and newlines, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MANAGERS = ("only job managers may create, update and delete jobs: managers of the job's type or of a level "
             "above it (the user's rights, manager-for-job-type-id)")


def _text(name: str, value: Any) -> str | None:
    if value is None:
        if name == "name":
            raise ValidationError("name can't be blank: a job needs a name (at most 50 characters)")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} is text: give a str, not {type(value).__name__} {value!r}")
    if name == "name" and not value.strip():
        raise ValidationError("name can't be blank: a job needs a name (at most 50 characters)")
    bad = _NOT_XML.search(value)
    if bad:
        raise ValidationError(f"{name} holds the character {bad[0]!r}, which XML cannot carry")
    problem = get_resource("jobs").fields[name].text_problem(value)
    if problem:
        raise ValidationError(problem)
    return value


def _value(name: str, value: Any) -> Any:
    """``value`` checked as the document's ``name`` field, in the form it is sent."""
    if name in _TEXTS:
        return _text(name, value)
    if name == "active":
        if not isinstance(value, (bool, np.bool_)):
            raise ValidationError(f"active is True or False, not {type(value).__name__} {value!r}")
        return bool(value)
    # parent_id: a whole number (numpy's too, as a frame's id column gives it) or its digits
    whole = isinstance(value, (str, numbers.Integral)) and not isinstance(value, bool)
    text = str(int(value) if isinstance(value, numbers.Integral) else value).strip() if whole else ""
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise ValidationError(f"parent_id is a job's id (a whole number of at least 1), not {value!r}")
    return int(text)


def job_body(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """``fields`` checked against the document's rules, in the order they are sent.

    Args:
        fields: Field → value (``name``, ``parent_id``, ``active``, ``code``, ``description``, ``url``).
        creating: For a new job (``name`` required, ``parent_id`` allowed), else an update.

    Raises:
        ValidationError: A field the write does not take (the message lists those it does), a value
            of the wrong type, a blank name, or a text too long.
    """
    allowed = CREATE_FIELDS if creating else UPDATE_FIELDS
    unknown = [name for name in fields if name not in allowed]
    if unknown:
        why = " (a job's parent cannot change)" if unknown[0] == "parent_id" else \
            " (the API sets it: the type comes from the parent)" if unknown[0] == "job_type_id" else ""
        raise ValidationError(f"jobs have no field {unknown[0]!r} to {'create with' if creating else 'change'}{why}; "
                              f"give any of {', '.join(allowed)}")
    if creating and fields.get("name") is None:
        raise ValidationError("creating a job needs a name (unique among its parent's children, at most 50 "
                              "characters)")
    body = {name: _value(name, fields[name]) for name in allowed if name in fields}
    if creating:  # an optional field given as None is simply not sent
        body = {name: value for name, value in body.items() if value is not None}
    return body


def job_xml(body: Mapping[str, Any]) -> tuple[bytes, str]:
    """``body`` as the document's ``<job>`` element (``parent_id`` → ``<parent-id>``; ``None`` → ``nil="true"``)."""
    root = ET.Element("job")
    for name, value in body.items():
        element = ET.SubElement(root, name.replace("_", "-"))
        if value is None:
            element.set("nil", "true")
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        else:
            element.text = str(value)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True), "application/xml; charset=utf-8"


class JobWrites:
    """The write side of the Syncd ``Session``: what it needs of the Session is declared here, ``Session`` supplies it."""

    settings: Any  # the Session's Settings (``writable``)
    _transport: Transport

    def _check_id(self, record_id: Any) -> str:
        raise NotImplementedError

    def _job_chain(self, job_id: Any) -> pd.DataFrame:
        raise NotImplementedError

    def _forget_frames(self, name: str) -> None:
        raise NotImplementedError

    # --- the writes ------------------------------------------------------------------------------
    def create_job(self, name: str | None = None, parent_id: int | None = None, **fields: Any) -> pd.DataFrame:
        """Create a job under ``parent_id`` (a top-level job when ``None``); its type is the parent's level below.

        Args:
            name: Required, unique among the parent's children, at most 50 characters.
            parent_id: The parent job's id.
            **fields: ``active`` (default true), ``code`` (at most 50 characters), ``description``
                and ``url`` (at most 255).

        Returns:
            The new job as a one-row frame with ``jobs()``'s columns and dtypes.

        Raises:
            ReadOnlyError: The session is not writable (nothing is sent).
            ValidationError: A field or value breaks the document's rules (nothing is sent).
            ForbiddenError: The user manages no job type at the new job's level or above.
            APIError: The API refused it (HTTP 422: the name is taken under the parent, no such
                parent, or the parent's level has none below it).
        """
        what = "creating a job"
        self._check_writable(what)
        given = {"name": name, **({} if parent_id is None else {"parent_id": parent_id}), **fields}
        body = job_body(given, creating=True)
        job_id = self._created_id(self._send("POST", "/jobs.xml", body, what), what)
        try:
            return self._job_chain(job_id).tail(1).reset_index(drop=True)
        except SMExploreError as exc:
            log.warning("job %d was created, but reading it back failed: %s", job_id, exc)
            exc.add_note(f"job {job_id} was created; see it with session.get('jobs', {job_id})")
            raise

    def update_job(self, job_id: int, **fields: Any) -> None:
        """Change any of a job's ``name``, ``active``, ``code``, ``description`` and ``url`` (``None`` clears a text).

        Raises:
            ReadOnlyError, ValidationError: As for ``create_job`` (nothing is sent).
            NotFoundError: No such job (or not one this user may see).
            ForbiddenError: The user does not manage the job's type.
            APIError: The API refused a value (HTTP 422: the name is taken under the parent).
        """
        job = self._job_id(job_id)
        what = f"updating job {job}"
        self._check_writable(what)
        if not fields:
            raise ValidationError(f"{what}: give at least one of {', '.join(UPDATE_FIELDS)}")
        self._send("PUT", f"/jobs/{job}.xml", job_body(fields, creating=False), what)

    def delete_job(self, job_id: int) -> None:
        """Delete a job (the API may delete its descendants with it).

        Raises:
            ReadOnlyError: The session is not writable (nothing is sent).
            NotFoundError: No such job (or not one this user may see).
            ForbiddenError: The user does not manage the job's type.
            APIError: The job has time or expense entries: the message says to deactivate it
                instead (``update_job(job_id, active=False)``).
        """
        job = self._job_id(job_id)
        what = f"deleting job {job}"
        self._check_writable(what)
        try:
            self._send("DELETE", f"/jobs/{job}.xml", None, what)
        except APIError as exc:
            if exc.status not in (409, 422):
                raise
            raise APIError(f"{exc}. A job with time or expense entries (or with descendants that have them) cannot "
                           f"be deleted: deactivate it instead, with session.update_job({job}, active=False)",
                           exc.status) from None

    # --- internals -------------------------------------------------------------------------------
    def _check_writable(self, what: str) -> None:
        if not self.settings.writable:
            raise ReadOnlyError(f"{what}: this session is read-only; open it with writable=True to change data")

    def _job_id(self, job_id: Any) -> str:
        try:
            return self._check_id(job_id)
        except ValueError as exc:
            raise ValidationError(f"job_id: {exc}") from None

    def _send(self, method: str, path: str, body: Mapping[str, Any] | None, what: str) -> requests.Response:
        try:
            return self._transport.write(method, path, body, what=what, encode=job_xml)
        except ForbiddenError as exc:
            raise ForbiddenError(f"{exc}; {_MANAGERS}") from None
        finally:  # even a failed write may have been applied: never keep serving the old answers
            for name in ("jobs", "job_assignments"):  # assignments name their jobs (include=jobs)
                self._transport.forget(name)
                self._forget_frames(name)

    @staticmethod
    def _created_id(response: requests.Response, what: str) -> int:
        """The new job's id, from the 201 answer's ``<job>``."""
        try:
            document = decode(response.content)
            records = document.records if document.tag == "job" else []
        except ValueError:  # not XML, or refused (an HTML page)
            records = []
        job_id = records[0].get("id") if records else None
        if not isinstance(job_id, int) or isinstance(job_id, bool) or job_id < 1:
            raise APIError(f"{what}: the API answered HTTP {response.status_code} without the new job's <job> and "
                           "its id; the job may have been created: look for it among its parent's children",
                           response.status_code)
        return job_id
