"""The API reference (docs/api) covers every public name, with its signature and its docstring.

The public names are those of ``smexplore.__all__``, of each connector's ``__all__``, of
``smexplore.emulator.__all__``, and the emulator classes people test their own code against. Each
must be an entry of the built site's ``objects.inv`` (what cross-references and other projects'
intersphinx resolve against); a name documented under another (``smexplore.servicem8.Session`` is
``smexplore.Session``) is entered under both (docs/conf.py, ``API_ALIASES``). On the page an entry
leads to, a callable shows its signature and the first line of its docstring, and a property its
docstring as written (napoleon misreads some without a warning).
"""

from __future__ import annotations

import html
import importlib
import inspect
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sphinx.util.inventory import InventoryFile

PACKAGES = ("smexplore", "smexplore.servicem8", "smexplore.ruddr", "smexplore.accelo", "smexplore.syncd",
            "smexplore.emulator")
EMULATOR_CLASSES = ("smexplore.ruddr.emulator.RuddrEmulator", "smexplore.accelo.emulator.AcceloEmulator",
                    "smexplore.syncd.emulator.SyncdEmulator", "smexplore.emulation.link.Link")


def public_names() -> Iterator[str]:
    """Every public name, fully qualified, once."""
    names = [f"{package}.{name}" for package in PACKAGES for name in importlib.import_module(package).__all__]
    yield from dict.fromkeys([*names, *EMULATOR_CLASSES])


def resolve(name: str) -> Any:
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def takes_arguments(obj: Any) -> bool:
    """Whether a callable's signature says anything (a base class such as ``Expr`` takes nothing)."""
    try:
        return bool(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return True


def uri(item: Any) -> str:
    """An inventory entry's ``page.html#anchor`` (Sphinx 8.2 made the entries objects; 8.1 has tuples)."""
    return item.uri if hasattr(item, "uri") else item[2]


def locations(inventory: dict[str, dict[str, Any]], name: str) -> list[str]:
    """Where the site documents ``name`` (``page.html#anchor``), under any Python object type."""
    return [uri(entries[name]) for kind, entries in inventory.items() if kind.startswith("py:") and name in entries]


def plain(text: str) -> str:
    """Text as a reader sees it, to compare a docstring with a page: no markup, one space between words,
    straight quotes and dots (the site's typography curls them)."""
    text = re.sub(r":[\w:]+:`~?([^`]+)`", r"\1", text)  # :class:`smexplore.X` → smexplore.X
    text = text.replace("``", "").replace("`", "")
    for curly, straight in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("…", "..."), ("–", "--"), ("—", "---")):
        text = text.replace(curly, straight)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def inventory(docs_site: Path) -> dict[str, dict[str, Any]]:
    with (docs_site / "objects.inv").open("rb") as stream:
        return InventoryFile.load(stream, "", posixpath.join)


def test_every_public_name_is_in_the_reference(inventory: dict[str, dict[str, Any]]) -> None:
    names = list(public_names())
    assert len(names) > 80, names  # the lists are read, not empty
    missing = [name for name in names if not locations(inventory, name)]
    assert not missing, f"public names missing from the API reference (docs/api/*.md): {missing}"


def test_each_name_is_documented_once(inventory: dict[str, dict[str, Any]]) -> None:
    """A name and its alias lead to one place: the object is described once."""
    names: dict[int, list[str]] = {}  # the object → its public names
    for name in public_names():
        names.setdefault(id(resolve(name)), []).append(name)
    places = {tuple(same): {place for name in same for place in locations(inventory, name)} for same in names.values()}
    assert any(len(same) > 1 for same in places)  # smexplore.Session is smexplore.servicem8.Session …
    repeated = {same: sorted(found) for same, found in places.items() if len(found) > 1}
    assert not repeated, f"documented in more than one place: {repeated}"


def entry_text(docs_site: Path, location: str) -> tuple[str, str]:
    """The signature (HTML) of the entry at ``location`` and its text up to the next entry ("" if none)."""
    page, _, anchor = location.partition("#")
    source = (docs_site / page).read_text(encoding="utf-8")
    start = source.find(f'id="{anchor}"')
    if start == -1:
        return "", ""
    end = source.find('<dt class="sig sig-object py"', start + 1)
    entry = source[start:end if end != -1 else len(source)]
    return entry[:entry.find("</dt>")], plain(html.unescape(re.sub(r"<[^>]+>", "", entry)))


def summary(obj: Any) -> str:
    return plain((inspect.getdoc(obj) or "").partition("\n")[0])


def test_callables_show_their_signature_and_summary(docs_site: Path, inventory: dict[str, dict[str, Any]]) -> None:
    problems = []
    checked = 0
    for name in public_names():
        obj = resolve(name)
        if not callable(obj) or not locations(inventory, name):
            continue
        location = locations(inventory, name)[0]
        signature, text = entry_text(docs_site, location)
        if not text:
            problems.append(f"{name}: no entry at {location}")
        elif 'class="sig-paren"' not in signature and takes_arguments(obj):
            problems.append(f"{name}: no signature at {location}")
        elif not summary(obj) or summary(obj) not in text:
            problems.append(f"{name}: the docstring's first line {summary(obj)!r} is not at {location}")
        checked += 1
    assert checked > 60
    assert not problems, "\n".join(problems)


def test_properties_read_as_written(docs_site: Path, inventory: dict[str, dict[str, Any]]) -> None:
    """A property's docstring is shown as written: napoleon reads a first line with a colon as
    ``type: description`` and would show half of it as the type (no warning says so)."""
    problems, checked = [], 0
    for name in public_names():
        obj = resolve(name)
        if not inspect.isclass(obj):
            continue
        properties = {attribute: member for klass in reversed(obj.__mro__) for attribute, member in vars(klass).items()
                      if isinstance(member, property)}  # read statically: ipywidgets warns of deprecated getattrs
        for attribute, member in properties.items():
            entry = inventory.get("py:property", {}).get(f"{name}.{attribute}")  # documented as itself
            if entry and member.__doc__:
                _, text = entry_text(docs_site, uri(entry))
                if summary(member) not in text:
                    problems.append(f"{name}.{attribute}: {summary(member)!r} is not at {uri(entry)}")
                checked += 1
    assert checked > 20
    assert not problems, "\n".join(problems)
