"""The FilterBuilder in a real browser: JupyterLab on loopback, Debian's Chromium driven by Playwright.

The test writes a notebook that shows a FilterBuilder on the demo account, opens it in JupyterLab,
runs it, picks a field, an operator and a value with the mouse, clicks Run, and checks the row count
the widget shows against the Session's own answer. A screenshot goes to ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import smexplore as sm
from smexplore import F
from tests.browser.conftest import VIEWPORT, jupyter_lab, run_first_cell_in_lab, screenshot, write_notebook

NOTEBOOK_CELLS = [
    "import smexplore as sm\ns = sm.demo(progress=False)\nbuilder = sm.FilterBuilder(s, 'job')\nbuilder",
]


@pytest.fixture(scope="module")
def notebook_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab serving a folder with the test notebook; yields the notebook's URL (with the token)."""
    root = tmp_path_factory.mktemp("lab")
    write_notebook(root / "builder.ipynb", NOTEBOOK_CELLS)
    with jupyter_lab(root) as lab:
        yield lab.notebook("builder.ipynb")


def test_pick_field_operator_value_and_run_in_jupyterlab(notebook_url: str, chromium: Any) -> None:
    with sm.demo(progress=False) as session:  # the same seeded account the notebook's kernel opens
        expected = len(session.jobs(F.status.isin(["Completed"]), enrich=True))
    page = chromium.new_page(viewport=VIEWPORT)
    try:
        run_first_cell_in_lab(page, notebook_url)
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
        screenshot(page, "filter-builder-jupyterlab")
    except Exception:
        screenshot(page, "filter-builder-jupyterlab-failure")
        raise
    finally:
        page.close()
    assert shown == f"{expected:,} rows"
    assert "$filter sent: status eq 'Completed'" in plan  # one chosen value goes to the server as eq
