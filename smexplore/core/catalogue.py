"""What a Session can be asked for: its resources, by any name a user writes for them.

A resource answers to its API name, its path and the names of its convenience methods, in any
case and with ``-``, ``_``, ``/`` or spaces between words (``time_entries``, ``time-entries``,
``/time-entries.xml``); a spelling two resources share names neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from .errors import UnknownResourceError, did_you_mean
from .schema import Resource

__all__ = ["Catalogue", "spellings_of"]


def spellings_of(name: str) -> tuple[str, ...]:
    """The forms of a resource's name that match however it is written: in lower case, without
    ``/`` around it or an extension (``.json``, ``.xml``), its words joined by ``_`` and by nothing
    (``/time-entries`` → ``time_entries``, ``timeentries``)."""
    key = re.sub(r"\.(json|xml)$", "", name.strip().strip("/").casefold())
    words = [word for word in re.split(r"[\s/_.-]+", key) if word]
    return ("_".join(words), "".join(words)) if words else ()


class Catalogue:
    """A system's resources, by name.

    Args:
        names: The API names of its resources, in the order they are listed.
        get: The resource of an API name (``KeyError`` for none).
        methods: Convenience method → the API name it reads.
    """

    def __init__(self, names: Sequence[str], get: Callable[[str], Resource], methods: Mapping[str, str]) -> None:
        self.names, self._get, self.methods = tuple(names), get, methods

    def resource(self, name: str) -> Resource:
        """The resource ``name`` names (see the module).

        Raises:
            UnknownResourceError: None does (the message lists them, and the closest).
        """
        try:
            return self._get(name)
        except KeyError:
            pass
        spellings = self._spellings()
        alias = next((spellings[key] for key in spellings_of(name) if key in spellings), None) \
            if isinstance(name, str) else None
        if alias is not None:
            return self._get(alias)
        methods = [method for method in self.methods if method not in self.names]
        also = f" (or by their methods' names: {', '.join(methods)})" if methods else ""
        raise UnknownResourceError(f"unknown resource {name!r}{did_you_mean(str(name), [*self.names, *methods])}; "
                                   f"supported resources: {', '.join(self.names)}{also}") from None

    def _spellings(self) -> dict[str, str]:
        """Every spelling a resource answers to → its API name (a spelling two share names neither)."""
        found: dict[str, set[str]] = {}
        for name in self.names:
            for said in (name, self._get(name).path):
                for key in spellings_of(said):
                    found.setdefault(key, set()).add(name)
        for method, name in self.methods.items():
            for key in spellings_of(method):
                found.setdefault(key, set()).add(name)
        return {key: next(iter(names)) for key, names in found.items() if len(names) == 1}
