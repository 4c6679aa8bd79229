"""What the browser tests share: Debian's Chromium driven by Playwright, JupyterLab and Voila on loopback.

A test module writes its notebook into a folder of its own, serves it with ``jupyter_lab`` (or
``voila``) from a module-scoped fixture, and drives the page through the module-scoped ``chromium``
fixture. Screenshots go to ``test-artifacts/`` (``screenshot``).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
import requests

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
STARTUP_SECONDS = 90


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of ``cells`` (code) on the ``python3`` kernel, written to ``path``."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, path)
    return path


@contextmanager
def serve(command: list[str], log: Path, ready: Callable[[], bool], what: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends; wait (``STARTUP_SECONDS`` at most) until ``ready()``.

    Raises:
        RuntimeError: It exited or was not ready in time (the message ends with its log).
    """
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "TQDM_DISABLE": "1"})
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.ConnectionError:
        return False


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its address and token."""

    url: str
    token: str

    def notebook(self, name: str) -> str:
        """The URL opening notebook ``name`` (of the served folder), token included."""
        return f"{self.url}/lab/tree/{name}?token={self.token}"


@contextmanager
def jupyter_lab(root: Path) -> Iterator[Lab]:
    """JupyterLab serving ``root`` on loopback (its log: ``root/jupyter.log``)."""
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with serve(command, root / "jupyter.log", lambda: _answers(f"http://127.0.0.1:{port}/api/status?token={token}"),
               "JupyterLab"):
        yield Lab(f"http://127.0.0.1:{port}", token)


@contextmanager
def voila(notebook: Path) -> Iterator[str]:
    """Voila serving ``notebook`` as an app on loopback; yields its URL (its log: ``voila.log`` beside it).

    Voila runs the notebook anew for each page load, in a kernel of its own.
    """
    port = free_port()
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
               "--show_tracebacks=True"]
    with serve(command, notebook.with_name("voila.log"), lambda: _listens(port), "Voila"):
        yield f"http://127.0.0.1:{port}/"


def run_first_cell_in_lab(page: Any, url: str) -> None:
    """Open the notebook at ``url`` in JupyterLab, wait for its kernel, and run its first cell."""
    page.goto(url)
    editor = page.locator(".jp-Cell .jp-InputArea-editor").first
    editor.wait_for(timeout=60_000)
    page.wait_for_function(  # the kernel is up (the status bar says "Python 3 (ipykernel) | Idle")
        "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
        ".some(item => item.textContent.includes('| Idle'))", timeout=90_000)
    editor.click()
    page.keyboard.press("Shift+Enter")


def screenshot(page: Any, name: str, element: Any = None) -> Path:
    """The whole page (or only ``element``, a locator) as ``test-artifacts/<name>.png``."""
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    if element is not None:
        element.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright's sync API (one per test module)."""
    assert os.path.exists(CHROMIUM), (
        f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; `make test` runs "
        "tools/install_browser.py, which does)"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
