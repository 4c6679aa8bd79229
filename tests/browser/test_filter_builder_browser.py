"""The FilterBuilder in a real browser: JupyterLab on loopback, Debian's Chromium driven by Playwright.

The test writes a notebook that shows a FilterBuilder on the demo account, opens it in JupyterLab,
runs it, picks a field, an operator and a value with the mouse, clicks Run, and checks the row count
the widget shows against the Session's own answer. A screenshot goes to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests

import smexplore as sm
from smexplore import F

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
NOTEBOOK_CELLS = [
    "import smexplore as sm\ns = sm.demo(progress=False)\nbuilder = sm.FilterBuilder(s, 'job')\nbuilder",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab serving a folder with the test notebook; yields the notebook's URL (with the token)."""
    root = tmp_path_factory.mktemp("lab")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, root / "builder.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(root / "jupyter.log", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TQDM_DISABLE": "1"})
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start: {(root / 'jupyter.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/builder.ipynb?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_pick_field_operator_value_and_run_in_jupyterlab(jupyter_lab: str) -> None:
    assert os.path.exists(CHROMIUM), (
        f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; `make test` runs "
        "tools/install_browser.py, which does)"
    )
    from playwright.sync_api import sync_playwright

    with sm.demo(progress=False) as session:  # the same seeded account the notebook's kernel opens
        expected = len(session.jobs(F.status.isin(["Completed"]), enrich=True))
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(jupyter_lab)
            editor = page.locator(".jp-Cell .jp-InputArea-editor").first
            editor.wait_for(timeout=60_000)
            page.wait_for_function(  # the kernel is up (the status bar says "Python 3 (ipykernel) | Idle")
                "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                ".some(item => item.textContent.includes('| Idle'))", timeout=90_000)
            editor.click()
            page.keyboard.press("Shift+Enter")
            builder = page.locator(".smexplore-filter-builder")
            builder.wait_for(timeout=90_000)

            builder.locator("button", has_text="add condition").click()
            condition = builder.locator(".smexplore-condition").first
            condition.wait_for()
            selects = condition.locator(".widget-dropdown select")
            selects.nth(0).select_option("status")  # field
            selects.nth(1).select_option(label="is one of")  # operator
            # The kernel rebuilds the value editor for the field: wait for the one listing the statuses.
            values = condition.locator(".widget-select-multiple select")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.smexplore-condition .widget-select-multiple option')]"
                ".some(option => option.text === 'Completed')", timeout=30_000)
            values.select_option(label="Completed")  # value
            page.wait_for_function(  # the kernel has the value: the expression shown names it
                "() => (document.querySelector('.smexplore-expression') || {}).textContent?.includes('Completed')",
                timeout=30_000)
            builder.locator("button.smexplore-run").click()
            count = builder.locator(".smexplore-status .smexplore-count")
            count.wait_for(timeout=90_000)
            shown = count.inner_text()
            plan = builder.locator(".smexplore-plan").inner_text()
            page.screenshot(path=str(ARTEFACTS / "filter-builder-jupyterlab.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTEFACTS / "filter-builder-jupyterlab-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert shown == f"{expected:,} rows"
    assert "$filter sent: status eq 'Completed'" in plan  # one chosen value goes to the server as eq
