"""What one system's API says on the wire, declared once (``Wire``): how its bodies read, what its
error answers mean, which request parameters are its filter, and where its credentials come from.

A Session hands its ``Wire`` (``BaseSession.wire``) and its credential (which renews itself:
``core.auth.Credentials``) to the ``Transport``; nothing else about a system travels into the
transport (its paging is per list: ``BaseSession.paging``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import requests

__all__ = ["ErrorDescriber", "ErrorKind", "RefusedBody", "Wire", "no_filter"]

ErrorKind = Literal["authentication", "forbidden", "not_found", "filter", "error"]
"""What an error answer means, whatever its HTTP status: ``AuthenticationError``, ``ForbiddenError``,
``NotFoundError``, ``FilterError`` (about the filter the request sent) or ``APIError``."""

ErrorDescriber = Callable[[requests.Response, str], "tuple[ErrorKind | None, str] | None"]
"""A system's reading of an error answer to a request below a base URL (the second argument):
``(kind, message)`` (``kind`` ``None``: judged by the HTTP status), or ``None`` to read it the
default way (status, and the body's ``message``). For APIs that wrap errors in an envelope
(``{"meta": {"status": "invalid_request", "message": …}}``)."""


class RefusedBody(ValueError):
    """A decoder's refusal of a body that must not be read (unsafe XML, say): the GET raises
    ``APIError`` at once, with no retry (sending again would bring the same), and the answer is
    never cached. Any other ``ValueError`` from a decoder is a broken body: retried."""


def no_filter(params: Mapping[str, str]) -> str | None:
    """For an API whose 400 answers are never about a filter."""
    return None


def by_status(response: requests.Response, base_url: str) -> None:
    """For an API whose error answers say what they are by status and ``message`` alone."""
    return


@dataclass(frozen=True)
class Wire:
    """How one system's API speaks, as the transport needs to know it.

    Attributes:
        credential_hint: Ends the message of a refused credential: where the credentials come from.
        media_types: The media types a 200 answer's body may have (``application/json``; a
            ``+json`` or ``+xml`` suffix of the same family counts too); another one (a maintenance
            page in ``text/html``) is an ``APIError`` at once, never read as data. An answer with
            no ``Content-Type`` is read. ``()``: any.
        decode: Turns a 200 answer's body into values (``json.loads``). A ``ValueError`` from it is
            a broken body: dropped from the cache and retried like a cut-short one; a
            ``RefusedBody`` is an ``APIError`` at once.
        filter_of: The filter a list request's query carries, if any: a 400 to it is a
            ``FilterError`` naming it.
        describe_error: Reads an error answer (``ErrorDescriber``), for APIs whose errors are not
            plain statuses with a ``message``.
    """

    credential_hint: str = "check the credentials"
    media_types: tuple[str, ...] = ("application/json",)
    decode: Callable[[bytes], Any] = json.loads
    filter_of: Callable[[Mapping[str, str]], str | None] = no_filter
    describe_error: ErrorDescriber = by_status
