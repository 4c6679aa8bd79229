"""What a Syncd answer must be before it is read: an XML document whose root is the one asked for.

A 200 answer is data only if it is a Syncd document. The core refuses another ``Content-Type``
(``BaseSession.media_types``); here the body itself is judged (issue 21: a maintenance page served
as ``application/xml`` once read as one all-missing user, and a sync then stored it):

- ``decode`` (the Session's ``_decode``) refuses, unread and without retrying, an HTML page (well-formed
  or not), an error document sent with 200, and any root that no answer of the Session has
  (``<html>``, ``<error>`` …);
- ``ListOf`` (the paging of each list) refuses a Syncd document of another kind than the list asked
  for (a ``<job>`` record, or ``<users>``, where ``<jobs>`` was asked), and a whole list (the jobs,
  sent in one answer) that its own ``total`` says was cut short;
- ``RECORD_ROOTS`` names the element of one record (``<job>`` for ``/jobs/90.xml``).

Sources: ``shared/source-docs/syncd-jobs.txt`` (``<jobs type="array">``, ``<job>``) and
``shared/reference/other-systems.md`` §C (the other lists' plural roots).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from ..core import xml
from ..core.paging import PageError, Paginator, fitted, guesses
from ..core.wire import RefusedBody

__all__ = ["LIST_ROOTS", "ListOf", "RECORD_ROOTS", "decode"]

LIST_ROOTS: dict[str, str] = {"jobs": "jobs", "job_types": "job-types", "job_assignments": "job-assignments",
                              "users": "users", "time_entries": "time-entries"}
"""Resource → the root element of its list answer (``<jobs type="array">``)."""

RECORD_ROOTS: dict[str, str] = {"jobs": "job", "job_types": "job-type", "job_assignments": "job-assignment",
                                "users": "user", "time_entries": "time-entry"}
"""Resource → the root element of one record's answer (``<job>`` for ``/jobs/90.xml``)."""

_ROOTS = frozenset(LIST_ROOTS.values()) | frozenset(RECORD_ROOTS.values())
_HTML = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>/]",
                   re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(rb"<title[^>]*>(.{1,120}?)</title>", re.IGNORECASE | re.DOTALL)


def _title(content: bytes) -> str:
    found = _TITLE.search(content[:4096])
    return f" titled {found[1].decode('utf-8', 'replace').strip()!r}" if found else ""


def decode(content: bytes) -> xml.XmlDocument:
    """A 200 answer's body as an ``XmlDocument``, if it is a Syncd document (see the module).

    Raises:
        RefusedBody: An HTML page, an error document, or a root no Syncd answer has: the GET is an
            ``APIError`` at once, and nothing is cached or stored.
        xml.XmlError: Not well-formed (cut short): retried as a broken body.
    """
    if _HTML.match(content[:4096]):
        raise RefusedBody(f"the server answered an HTML page{_title(content)} where a Syncd XML document was "
                          "expected (a maintenance or login page?); nothing of it was read")
    document = xml.decode(content)
    if document.tag == "errors":
        values = document.value if isinstance(document.value, list) else [document.value]
        said = "; ".join(str(v).strip() for v in values if isinstance(v, str) and v.strip())
        raise RefusedBody(f"the server answered an error document with HTTP 200 ({said or 'no message'}); "
                          "nothing of it was read")
    if document.tag not in _ROOTS:
        raise RefusedBody(f"the server answered an XML document whose root is <{document.tag}>{_title(content)}, "
                          f"not a Syncd answer (<jobs>, <job>, <users> …); nothing of it was read")
    return document


@dataclass(frozen=True)
class ListOf:
    """A Syncd list's paging style (``style``), each answer checked to be that list.

    Attributes:
        style: How the list is paged (``ItemRange``, or ``Unpaged`` for a list sent whole).
        root: The list's root element (``jobs``).
        whole: The list comes whole in one answer: a ``total`` attribute saying it has more items
            than came is a list cut short (``PageError``), not the whole list.
    """

    style: Paginator
    root: str
    whole: bool = False

    @property
    def id_key(self) -> str | None:
        return self.style.id_key

    def first(self) -> dict[str, str]:
        return self.style.first()

    def records(self, body: Any) -> list[dict[str, Any]]:
        tag = getattr(body, "tag", None)
        if tag != self.root:
            kind = "record" if tag in RECORD_ROOTS.values() else "list" if tag in LIST_ROOTS.values() else "document"
            raise PageError(f"the API answered a <{tag}> {kind} where the <{self.root}> list was asked for")
        records = self.style.records(body)
        total = getattr(body, "attributes", {}).get("total")
        if self.whole and total not in (None, "") and str(total).strip().isdigit() and int(total) > len(records):
            raise PageError(f"the answer holds {len(records):,} of the {int(total):,} items its total says: the "
                            f"server cut the whole <{self.root}> list short")
        return records

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        return self.style.next(body, response, records)

    def ahead(self, body: Any, response: requests.Response, records: list[dict[str, Any]],
              received: int) -> Iterator[dict[str, str]]:
        return guesses(self.style, body, response, records, received)

    def fits(self, expected: dict[str, str], guess: dict[str, str],
             records: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        return fitted(self.style, expected, guess, records)

    def total(self, body: Any) -> int | None:
        return self.style.total(body)
