"""The documentation site in a real browser: Debian's Chromium, driven by Playwright, reads the built site.

The site (``docs_site``: built as ``make docs`` builds it) is served as static files on loopback
(werkzeug's ``SharedDataMiddleware`` behind the conformance tests' ``serve``), as a static host would, and every request that leaves loopback is refused: the
pages must need no CDN and no internet. The tests open the index (its navigation lists the four
connector guides), a connector guide (headings and a highlighted example), a rendered notebook
(its charts decoded) and two notebooks whose widgets are drawn from their saved state with the
site's own copy of the widget JavaScript (``tools/fetch_widgets_js.py``). Full-page screenshots go
to ``test-artifacts/docs/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware

from tests.browser.conftest import ARTEFACTS, VIEWPORT, screenshot
from tests.conformance.strict import serve

CONNECTORS = ("servicem8", "ruddr", "accelo", "syncd")
WIDGETS_JS = "_static/widgets/embed-amd.js"
WIDGET_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def site_url(docs_site: Path) -> Iterator[str]:
    """The built site served over HTTP on loopback (a free port); yields its base URL."""
    with serve(SharedDataMiddleware(NotFound(), {"/": str(docs_site)})) as url:
        yield url


@dataclass
class Visit:
    """A page opened in Chromium, with what it asked for that failed or left loopback."""

    page: Any
    failed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture
def visit(chromium: Any, site_url: str) -> Iterator[Any]:
    """Open a page of the site by its path (``visit("index.html")``); closes the pages at the end."""
    visits: list[Visit] = []

    def open_page(path: str) -> Visit:
        page = chromium.new_page(viewport=VIEWPORT)
        seen = Visit(page)
        visits.append(seen)

        def refuse_outside(route: Any) -> None:
            seen.outside.append(route.request.url)
            route.abort()

        page.route(lambda url: not url.startswith((site_url, "data:", "blob:")), refuse_outside)
        page.on("response", lambda response: seen.failed.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)
        response = page.goto(f"{site_url}/{path}", wait_until="load")
        assert response is not None and response.ok, f"{path}: {response and response.status} (is it in the site?)"
        return seen

    yield open_page
    for seen in visits:
        seen.page.close()


def _shoot(page: Any, name: str) -> Path:
    """A full-page screenshot as ``test-artifacts/docs/<name>.png``, checked to be a non-empty PNG."""
    (ARTEFACTS / "docs").mkdir(parents=True, exist_ok=True)
    path = screenshot(page, f"docs/{name}")
    assert path.stat().st_size > 1000, f"{path} is (nearly) empty"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is no PNG"
    return path


def _self_contained(seen: Visit) -> None:
    """Nothing the page asked for failed, and nothing was asked of another host."""
    assert not seen.failed, f"requests that failed: {seen.failed}"
    assert not seen.outside, f"the page asked hosts other than the site (no CDN allowed): {seen.outside}"


def test_index_lists_the_connector_guides(visit: Any) -> None:
    seen = visit("index.html")
    page = seen.page
    assert "smexplore" in page.title()
    assert "smexplore" in page.locator("article h1").first.inner_text()
    navigation = page.locator(".sidebar-tree")
    links = navigation.locator("a.reference").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for connector in CONNECTORS:
        assert f"connectors/{connector}.html" in links, f"the navigation has no link to the {connector} guide: {links}"
    assert "getting-started.html" in links
    _shoot(page, "index")
    _self_contained(seen)


def test_connector_guide_has_headings_and_an_example(visit: Any) -> None:
    seen = visit("connectors/ruddr.html")
    page = seen.page
    assert "Ruddr" in page.locator("article h1").first.inner_text()
    headings = page.locator("article h2").all_inner_texts()
    assert len(headings) >= 3, f"a guide in sections is expected, got the headings {headings}"
    example = page.locator("article div.highlight-python pre").first
    example.wait_for(state="visible")
    code = example.inner_text()
    assert "sm.ruddr" in code, f"the first example does not use the Ruddr connector:\n{code}"
    assert example.locator("span").count() > 5, "the example is not syntax-highlighted"
    _shoot(page, "connector-ruddr")
    _self_contained(seen)


def test_rendered_notebook_shows_its_charts(visit: Any) -> None:
    seen = visit("notebooks/03-timelines.html")
    page = seen.page
    assert "timeline" in page.locator("article h1").first.inner_text().lower()
    charts = page.locator("article .cell_output img")
    assert charts.count() >= 3, f"notebook 03 draws several charts; the page shows {charts.count()} images"
    sizes = charts.evaluate_all("images => images.map(image => [image.complete, image.naturalWidth, image.src])")
    undecoded = [src for complete, width, src in sizes if not complete or width == 0]
    assert not undecoded, f"charts that did not load or decode: {undecoded}"
    _shoot(page, "notebook-03-timelines")
    _self_contained(seen)


@pytest.mark.parametrize(("notebook", "widget", "drawn"), [
    ("02-filters", ".smexplore-filter-builder", ".smexplore-filter-builder .widget-dropdown select"),
    ("09-the-board", ".smexplore-board", ".smexplore-board svg rect"),
], ids=["02-filters", "09-the-board"])
def test_saved_widgets_are_drawn_from_the_site_alone(visit: Any, notebook: str, widget: str, drawn: str) -> None:
    seen = visit(f"notebooks/{notebook}.html")
    page = seen.page
    scripts = page.locator("script[src]").evaluate_all("scripts => scripts.map(s => s.getAttribute('src'))")
    assert any(WIDGETS_JS in src for src in scripts), (
        f"the page does not load the site's own widget JavaScript ({WIDGETS_JS}; scripts: {scripts}): docs/conf.py "
        "sets nb_ipywidgets_js to the copies tools/fetch_widgets_js.py puts in docs/_static/widgets/")
    page.locator(widget).first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    assert page.locator(".jupyter-widgets").count() > 5
    assert page.locator(drawn).count() > 0, f"{widget} is there but nothing is drawn in it ({drawn})"
    _shoot(page, f"notebook-{notebook}")
    _self_contained(seen)
