"""Sphinx configuration of smexplore's documentation site (``make docs``; Read the Docs: .readthedocs.yaml).

Sphinx with MyST (guides in Markdown, like the README), myst-nb (the notebooks rendered with the
outputs nbval checks: never executed here) and autodoc with napoleon (the API reference, docs/api,
from the Google-style docstrings). ``make docs`` builds with ``-W -n``: every warning is an error and
every cross-reference must resolve. Without internet there are no intersphinx inventories, so names
of other libraries (pandas, requests, the standard library …) are the only ones left unresolved.

Cross-references to the API (MyST roles, checked by ``-n``): ``{py:func}`smexplore.timeline```,
``{py:class}`smexplore.ruddr.Session```, ``{py:meth}`smexplore.Session.frame``` … Every object is
documented once, under one name: ServiceM8's names under ``smexplore`` (``smexplore.Session``,
``smexplore.connect`` …); ``smexplore.servicem8.Session`` and the package's other names are the same
objects, and resolve to the same entries (``API_ALIASES`` below), members included.
"""

from __future__ import annotations

import inspect
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from sphinx.ext.autodoc.preserve_defaults import update_default_value
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.inspect import signature as _signature
from sphinx.util.inspect import stringify_signature

import smexplore
import smexplore.servicem8

project = "smexplore"
author = "smexplore developers"
copyright = "2026, smexplore developers"
release = smexplore.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "jupyter_execute", "conftest.py"]
HERE = Path(__file__).resolve().parent


def _copy_notebooks() -> None:
    """The notebooks as pages of the site: copied from notebooks/ (where nbval tests them and Binder
    opens them) into docs/notebooks/ (not tracked), only those that changed, their times kept, so an
    incremental build reads again only what changed."""
    target = HERE / "notebooks"
    target.mkdir(exist_ok=True)
    for source in sorted((HERE.parent / "notebooks").glob("*.ipynb")):
        copy = target / source.name
        if not copy.exists() or copy.read_bytes() != source.read_bytes():
            shutil.copy2(source, copy)


_copy_notebooks()

# Markdown pages and notebooks (myst-nb registers .md and .ipynb).
myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the notebooks are stored with the outputs nbval checks
nb_merge_streams = True
# The notebooks' widgets are drawn from their saved state by the site's own copy of ipywidgets' HTML
# manager and RequireJS (tools/fetch_widgets_js.py puts them in _static/widgets; make docs runs it),
# not a CDN's. config.js, between the two, points RequireJS at the copies.
nb_ipywidgets_js = {"widgets/require.js": {}, "widgets/config.js": {}, "widgets/embed-amd.js": {}}
if not (HERE / "_static" / "widgets" / "embed-amd.js").exists():
    raise RuntimeError("docs/_static/widgets/ is missing: run `python tools/fetch_widgets_js.py` (make docs does)")

# The API reference (docs/api): signatures with their type hints, docstrings in Google style, the
# summary tables of docs/api/index.md from the docstrings' first lines (no generated stub pages).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# Names that modules import only for type checking (their annotations stay text), and what they are.
autodoc_type_aliases = {"BaseSession": "smexplore.core.session.BaseSession"}
autodoc_default_options = {"members": True}  # a flag given here is on whatever its value: list only those wanted
autosummary_generate = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# One object, two public names: documented once, under the first name; the second resolves to the
# same entry, members included ({py:meth}`smexplore.servicem8.Session.frame` is smexplore.Session.frame),
# and is in objects.inv.
API_ALIASES = {f"smexplore.servicem8.{name}": f"smexplore.{name}" for name in smexplore.servicem8.__all__}

# Cross-references: every one of smexplore's own must resolve (-n); another library's cannot
# without its inventory (no internet here), so those are named here, by package (a fully named
# target: ``pandas.DataFrame``, ``pathlib.Path``), and the three bare names that annotations left as
# text carry (autodoc evaluates none of a function's annotations when one of them names something
# imported for type checking only). No pattern matches a name of smexplore's.
_OTHER_LIBRARIES = (
    r"(pd|pandas|np|numpy|requests|requests_cache|urllib3|matplotlib|mpl|plt|ipywidgets|widgets|traitlets|"
    r"anywidget|pyarrow|pa|datetime|pathlib|collections|typing|types|enum|decimal|zoneinfo|sqlite3|"
    r"logging|threading|_thread|concurrent|os|io|re|werkzeug|tqdm)\..+"
)
_BARE_NAMES = r"Path|timedelta|Axes"
nitpick_ignore_regex = [
    (r"py:.*", _OTHER_LIBRARIES),
    (r"py:.*", _BARE_NAMES),
]

html_theme = "furo"
html_title = f"smexplore {release}"
html_static_path = ["_static"]
html_css_files = ["smexplore.css"]


def _alias_objects(app: Any, env: Any) -> None:
    """Enter each alias of ``API_ALIASES`` (and its members) beside the entry it names."""
    objects = env.get_domain("py").objects
    for alias, canonical in API_ALIASES.items():
        for name, entry in list(objects.items()):
            if name == canonical or name.startswith(canonical + "."):
                objects[alias + name[len(canonical):]] = entry._replace(aliased=True)


def _defined_doc(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A constant a package re-exports (``smexplore.emulator.ANCHOR``) keeps its docstring where it is
    defined; autodoc, looking in the package, would show its type's (``datetime``'s) instead."""
    if what != "data" or " ".join(lines).split() != (inspect.getdoc(type(obj)) or "").split():
        return
    attr = name.rpartition(".")[2]
    for module_name in sorted(module for module in sys.modules if module.startswith("smexplore.")):
        if getattr(sys.modules[module_name], attr, None) is obj:
            doc = ModuleAnalyzer.for_module(module_name).find_attr_docs().get(("", attr))
            if doc:
                lines[:] = doc
                return


def _defaults_as_written(app: Any, obj: Any, bound_method: bool) -> None:
    """Defaults are shown by value (``per_minute=180``), but where a value's repr is no Python
    (``<built-in function monotonic>``, which no signature parser reads), the function's defaults are
    shown as its source writes them (``clock=time.monotonic``): what ``autodoc_preserve_defaults``
    does for every function, here only for those."""
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return
    if any(repr(parameter.default).startswith("<") for parameter in parameters if parameter.default is not parameter.empty):
        update_default_value(obj, bound_method)


def _readable_signature(app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None,
                        return_annotation: str | None) -> tuple[str | None, str | None] | None:
    """Signatures as a reader should see them, where autodoc's own would mislead.

    - A widget's signature is its ``__init__``'s: autodoc reads ``__new__`` first, which for
      ipywidgets' classes is traitlets' ``(*args, **kwargs)``, passing everything on.
    - A protocol (``typing.Protocol``: ``Dialect``, ``Limit`` …) is no class to call: no signature.
    - A dataclass field's ``default_factory`` shows as ``<factory>``, which no signature parser
      reads (Sphinx then splits the signature at every comma): written ``...``, a default made anew.
    """
    if not signature:
        return None
    if what == "class" and signature.startswith("(*args"):
        if getattr(obj, "_is_protocol", False):
            return "", return_annotation
        if "__init__" in vars(obj):
            init = _signature(obj.__init__, bound_method=True, type_aliases=app.config.autodoc_type_aliases)
            text = stringify_signature(init, show_return_annotation=False, unqualified_typehints=True)
            return re.sub(r"(?<![\w.~])(smexplore(?:\.\w+)+)", r"~\1", text), return_annotation  # shown short
    if "<factory>" in signature:
        return re.sub(r"\s*=\s*<factory>", " = ...", signature), return_annotation
    return None


def setup(app: Any) -> None:
    app.connect("env-updated", _alias_objects)
    app.connect("autodoc-process-docstring", _defined_doc, priority=400)  # before napoleon reads it
    app.connect("autodoc-before-process-signature", _defaults_as_written)
    app.connect("autodoc-process-signature", _readable_signature)
