"""Reading a request's JSON body safely: every malformed body is a 400 answer, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

__all__ = ["read_json_object"]


def read_json_object(request: Request, error: Callable[[int, str], Response]) -> dict[str, Any] | Response:
    """The JSON object a create or update sends, or the 400 answer (made by ``error``) saying what is wrong.

    Every malformed body is a 400, never a 500: one that cannot be read (a bad chunked encoding,
    shorter than its ``Content-Length``), that is not JSON, nests too deeply, is not an object,
    or holds text that cannot be stored (lone surrogates).

    Args:
        request: The request.
        error: Makes the API's error answer from a status and a message.
    """
    try:
        text = request.get_data(as_text=True)
    except (OSError, ValueError, HTTPException) as exc:
        return error(400, f"The request body could not be read ({_reason(exc)}): send a complete body, "
                          "with a valid Content-Length or chunked encoding")
    try:
        body = json.loads(text or "null", parse_constant=_no_constant)
    except RecursionError:
        return error(400, "The request body is not valid JSON: it nests too deeply")
    except ValueError as exc:
        return error(400, f"The request body is not valid JSON: {exc}")
    if not isinstance(body, dict):
        return error(400, "The request body must be a JSON object of field names and values")
    if not all(map(_storable, (*body, *body.values()))):
        return error(400, "The request body holds text with an unpaired surrogate (a \\ud800-\\udfff "
                          "escape without its pair), which no record can store")
    return body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _storable(value: Any) -> bool:
    """Whether ``value`` (a field name or value) can be stored and sent back as UTF-8.

    Only top-level text matters: nested values are refused as fields, with messages that escape them.
    """
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reason(exc: Exception) -> str:
    """A short reason for an unreadable body (werkzeug's HTTP errors carry theirs in ``description``)."""
    return (exc.description if isinstance(exc, HTTPException) else str(exc)) or type(exc).__name__
