"""XML bodies read safely: a hardened parser, and Rails ``to_xml`` documents as plain Python values.

**Hardened.** Every document goes through defusedxml's parser with a DTD, entity declarations and
external references all forbidden: an entity-expansion bomb ("billion laughs") or an external
entity (``<!ENTITY x SYSTEM "file:///etc/passwd">``) is refused (``UnsafeXmlError``), never
expanded or fetched. Nesting deeper than ``MAX_DEPTH`` is refused too. Nothing here reads XML
with regular expressions. A body that is not well-formed (cut short, say) is an ``XmlError``
(a ``ValueError``: the transport retries it as a broken body and never caches it); an unsafe one
is a ``RefusedBody`` (the transport raises at once: sending again would bring the same).

**Rails conventions** (ActiveSupport's ``to_xml``/``Hash.from_xml``), as ``value_of`` reads them:

==================================== ==========================================================
element                              value
==================================== ==========================================================
``nil="true"``                       ``None``
``type="integer"``                   ``int`` (text that is no number is kept as text)
``type="float"``/``"decimal"``       ``float`` (likewise)
``type="boolean"``                   ``True``/``False`` (``true``/``1``, ``false``/``0``)
``type="date"``/``"datetime"``       the text as written (frames type it by the field table)
``type="array"``                     a ``list`` of the children's values
child elements                       a ``dict``: name → value (a name repeated: a ``list``)
empty, no type (``<code/>``)         ``None``, as ``Hash.from_xml`` reads it
anything else                        the text
==================================== ==========================================================

Names are kept as written (dasherised: ``job-type-id``); ``snake_case`` turns them into column
names. A list document's root is an array (``type="array"``), carries a ``total`` attribute, or
holds only children named as its singular (``<users><user>…``); its attributes (``total``,
``start``, ``end``) stay on the ``XmlDocument``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from .wire import RefusedBody

__all__ = ["MAX_DEPTH", "UnsafeXmlError", "XmlDocument", "XmlError", "decode", "parse", "snake_case", "value_of"]

MAX_DEPTH = 64
"""The deepest nesting of elements read (an API's records nest a few levels; deeper is refused)."""

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class XmlError(ValueError):
    """The body is not well-formed XML (cut short, or not XML at all); says where."""


class UnsafeXmlError(RefusedBody):
    """The body declares a DTD, entities or external references, or nests deeper than ``MAX_DEPTH``: refused unread."""


def parse(content: bytes | str) -> Element:
    """The root element of ``content``, parsed with DTDs, entities and external references forbidden.

    Raises:
        UnsafeXmlError: A DTD, an entity declaration or an external reference (nothing of it is expanded).
        XmlError: Not well-formed XML (the message gives the line and column).
    """
    from defusedxml import DefusedXmlException  # on first use: only the XML systems need it
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXmlError(f"the XML body was refused unread: {_unsafe(exc)}") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise XmlError(f"the body is not well-formed XML (line {line}, column {column}: {_reason(exc)})") from None


def _unsafe(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "DTDForbidden":
        return "it declares a DTD (which could define entities to expand)"
    if name == "EntitiesForbidden":
        return "it declares entities (an entity-expansion attack such as 'billion laughs'?)"
    if name in ("ExternalReferenceForbidden", "NotSupportedError"):
        return "it refers to an external resource (an external entity)"
    return f"{name}"


def _reason(exc: ParseError) -> str:
    """expat's reason, without its own position suffix."""
    return str(exc).split(":", 1)[0]


def snake_case(name: str) -> str:
    """A dasherised XML name as a column name: ``job-type-id`` → ``job_type_id``."""
    return name.replace("-", "_").replace(".", "_").lower()


def _scalar(element: Element, kind: str | None) -> Any:
    text = element.text or ""
    if kind is None:
        return text if text.strip() else None
    stripped = text.strip()
    if not stripped:
        return None
    if kind == "integer":
        try:
            return int(stripped)
        except ValueError:
            return stripped
    if kind in ("float", "decimal"):
        try:
            return float(stripped)
        except ValueError:
            return stripped
    if kind == "boolean":
        lowered = stripped.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else stripped
    return stripped  # date, datetime, string, symbol …: as written


def value_of(element: Element, depth: int = 0) -> Any:
    """The Python value of one element, by the Rails conventions (see the module).

    Raises:
        UnsafeXmlError: Elements nest deeper than ``MAX_DEPTH``.
    """
    if depth > MAX_DEPTH:
        raise UnsafeXmlError(f"the XML body was refused: elements nest deeper than {MAX_DEPTH} levels")
    if element.get("nil") == "true":
        return None
    kind = element.get("type")
    children = list(element)
    if kind == "array":
        return [value_of(child, depth + 1) for child in children]
    if not children:
        return _scalar(element, kind)
    record: dict[str, Any] = {}
    for child in children:
        value = value_of(child, depth + 1)
        if child.tag in record:
            earlier = record[child.tag]
            record[child.tag] = _Repeated([*earlier, value] if isinstance(earlier, _Repeated) else [earlier, value])
        else:
            record[child.tag] = value
    return {name: list(value) if isinstance(value, _Repeated) else value for name, value in record.items()}


class _Repeated(list[Any]):
    """Values of a child name that occurs more than once (kept apart from a value that is a list)."""


def _singular(tag: str) -> set[str]:
    if tag.endswith("ies"):
        return {tag[:-3] + "y"}
    if tag.endswith("es"):
        return {tag[:-1], tag[:-2]}
    return {tag[:-1]} if tag.endswith("s") else set()


def _is_list(root: Element) -> bool:
    if root.get("type") == "array" or root.get("total") is not None:
        return True
    names = {child.tag for child in root}
    return len(names) == 1 and names <= _singular(root.tag)


@dataclass(frozen=True)
class XmlDocument:
    """A decoded XML body: its root's name and attributes, and its value.

    Attributes:
        tag: The root element's name (``jobs``, ``job``).
        attributes: The root's attributes (a list's ``total``, ``start``, ``end``).
        value: A ``list`` (a list document: each item's value), a ``dict`` (one record), or a scalar.
    """

    tag: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    value: Any = None

    @property
    def records(self) -> list[dict[str, Any]]:
        """The document's records: a list's items, or the one record.

        Raises:
            ValueError: The document holds something other than records (the message says what).
        """
        if self.value is None:
            return []
        if isinstance(self.value, dict):
            return [self.value]
        if isinstance(self.value, list):
            odd = next((item for item in self.value if not isinstance(item, dict)), self)
            if odd is self:
                return list(self.value)
            raise ValueError(f"<{self.tag}> holds {'empty items' if odd is None else type(odd).__name__ + ' values'}, "
                             "not records")
        raise ValueError(f"<{self.tag}> holds {type(self.value).__name__}, not records")


def decode(content: bytes | str) -> XmlDocument:
    """A whole XML body as an ``XmlDocument`` (the transport's ``decode`` for XML APIs).

    Raises:
        UnsafeXmlError: Refused unread (see ``parse``), or nested too deeply.
        XmlError: Not well-formed.
    """
    root = parse(content)
    if _is_list(root):
        value: Any = [value_of(child, 1) for child in root]
    else:
        value = value_of(root)
    attributes = {name: text for name, text in root.attrib.items() if name not in ("type", "nil")}
    return XmlDocument(root.tag, attributes, value)
