"""Every Python example of the README and of the documentation site runs in the test suite (Sybil).

Each Markdown file is one namespace: its ``python`` blocks run top to bottom, as a reader would type
them, in a working folder of its own (files an example writes land there). ``>>>`` lines compare
their output. A block preceded by ``% skip: next`` (MyST) or ``<!-- skip: next -->`` (README) does
not run; the documents use that for nothing but an interrupt or a server that has to keep running.

Examples of real accounts (``sm.connect()``, ``sm.accelo.connect("planet-express")`` …) run as
written against the systems' emulators: the set-up puts the demo credentials in the environment
variables the connectors read, and turns each ``connect``'s default address into its emulator's.
Nothing else changes: the requests, the cache and the frames are the real ones.

The floor environment (``make test-floor``) runs only tests/unit and tests/integration and has no
Sybil; there this file collects nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from pathlib import Path
from typing import Any

OPTIONS = ELLIPSIS | NORMALIZE_WHITESPACE


class _Accounts:
    """The four emulators the examples of real accounts talk to, started once for the whole run."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self.env: dict[str, str] = {}
        self.defaults: list[tuple[Callable[..., Any], dict[str, str]]] = []

    def start(self) -> None:
        if self._stack is not None:
            return
        import smexplore as sm
        from smexplore.accelo.emulator import AcceloEmulator
        from smexplore.emulator import Emulator
        from smexplore.ruddr.emulator import RuddrEmulator
        from smexplore.syncd.emulator import SyncdEmulator

        stack = ExitStack()
        servicem8 = stack.enter_context(Emulator())
        ruddr = stack.enter_context(RuddrEmulator())
        accelo = stack.enter_context(AcceloEmulator())
        syncd = stack.enter_context(SyncdEmulator())
        self.env = {
            "SERVICEM8_API_KEY": servicem8.api_key,
            "RUDDR_TOKEN": ruddr.token,
            "ACCELO_DEPLOYMENT": "demo",
            "ACCELO_CLIENT_ID": accelo.client_id,
            "ACCELO_CLIENT_SECRET": accelo.client_secret,
            "SYNCD_USER": syncd.user,
            "SYNCD_PASSWORD": syncd.password,
        }
        self.defaults = [
            (sm.connect, {"base_url": servicem8.base_url}),
            (sm.ruddr.connect, {"base_url": ruddr.base_url}),
            (sm.accelo.connect, {"base_url": accelo.base_url, "token_url": accelo.token_url}),
            (sm.syncd.connect, {"base_url": syncd.base_url}),
        ]
        self._stack = stack

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    @contextmanager
    def pointed(self) -> Iterator[None]:
        """The environment and ``connect``'s defaults aimed at the emulators, for one document."""
        self.start()
        saved_env = {name: os.environ.get(name) for name in self.env}
        saved_defaults = [(connect, dict(connect.__kwdefaults__ or {})) for connect, _ in self.defaults]
        os.environ.update(self.env)
        for connect, addresses in self.defaults:
            connect.__kwdefaults__ = {**(connect.__kwdefaults__ or {}), **addresses}
        try:
            yield
        finally:
            for connect, kwdefaults in saved_defaults:
                connect.__kwdefaults__ = kwdefaults
            for name, value in saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


_ACCOUNTS = _Accounts()


def _setup(namespace: dict[str, Any]) -> None:
    stack = ExitStack()
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="smexplore-docs-"))
    here = Path.cwd()
    os.chdir(folder)
    stack.callback(os.chdir, here)
    stack.enter_context(_ACCOUNTS.pointed())
    namespace["__stack__"] = stack


def _teardown(namespace: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    plt.close("all")
    namespace.pop("__stack__").close()


def pytest_sessionfinish() -> None:
    _ACCOUNTS.close()


try:
    from sybil import Sybil
    from sybil.parsers import markdown, myst
except ImportError:  # the floor environment: no examples to collect there
    pass
else:
    _README = Sybil(
        parsers=[markdown.PythonCodeBlockParser(doctest_optionflags=OPTIONS), markdown.SkipParser()],
        filenames=["README.md"], setup=_setup, teardown=_teardown, name="readme",
    )
    _DOCS = Sybil(
        parsers=[myst.PythonCodeBlockParser(doctest_optionflags=OPTIONS), myst.SkipParser()],
        path="docs", patterns=["*.md"], excludes=["_build/*", "notebooks/*"], setup=_setup, teardown=_teardown,
        name="docs",
    )
    pytest_collect_file = (_README + _DOCS).pytest()
