"""Reading ServiceM8's error answers: a refused read names the OAuth scope its resource needs.

The documented 403 body says only "Access forbidden. You don't have permission to access this
resource." The client knows more: the resource table holds the scope each operation needs
(``Resource.scopes``), so a 403 to a read says which scope the credentials lack, whatever the body.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests

from ..core.wire import ErrorKind
from .resources import get_resource

__all__ = ["describe_error", "read_scope"]

# ``/{resource}.json`` (a list) or ``/{resource}/{uuid}.json`` (one record), below the base URL.
_READ_PATH = re.compile(r"/(?P<resource>[A-Za-z_]+)(?P<record>/[^/]+)?\.json")
_READS = frozenset({"GET", "HEAD"})


def read_scope(url: str, base_url: str) -> tuple[str, str] | None:
    """The resource a read of ``url`` asks for and the OAuth scope that read needs (``None``: not a
    read of a known resource below ``base_url``)."""
    path, base = urlsplit(url).path, urlsplit(base_url).path.rstrip("/")
    if not path.startswith(base + "/"):
        return None
    match = _READ_PATH.fullmatch(path[len(base):])
    if match is None:
        return None
    try:
        spec = get_resource(match["resource"])
    except KeyError:
        return None
    return spec.name, spec.scopes["get" if match["record"] else "list"]


def describe_error(response: requests.Response, base_url: str) -> tuple[ErrorKind, str] | None:
    """A 403 to a read as ``("forbidden", message)``, the message naming the scope the read needs;
    ``None`` for any other answer (read the default way: by status, and the body's ``message``).

    Writes are left alone: the transport names their scope itself.
    """
    request = getattr(response, "request", None)
    if response.status_code != 403 or request is None or (request.method or "").upper() not in _READS:
        return None
    found = read_scope(response.url or request.url or "", base_url)
    if found is None:
        return None
    resource, scope = found
    said = _said(response)
    return "forbidden", (f"{said + ' ' if said else ''}Reading {resource} needs the OAuth scope {scope!r}, which "
                         "these credentials lack: use a token granted it, or an API key")


def _said(response: requests.Response) -> str:
    """What the answer's body says: the JSON ``message``, or the text (cut to 300 characters)."""
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"].strip()[:300]
    return text[:300]
