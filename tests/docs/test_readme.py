"""The README fits on a screen or two, and every link it holds resolves: files in the repository,
and pages (with their headings) of the built documentation site."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# [text](target) and ![alt](target), outside code: the README's links and images.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _links() -> list[str]:
    text = re.sub(r"```.*?```", "", README.read_text(), flags=re.DOTALL)
    return LINK.findall(text)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)


def _ids(page: Path) -> set[str]:
    parser = _Ids()
    parser.feed(page.read_text())
    return parser.ids


def test_readme_is_under_12_kb() -> None:
    assert README.stat().st_size < 12_000


def test_readme_links_into_the_docs_and_to_files_that_exist(docs_site: Path) -> None:
    local = [link for link in _links() if not urlsplit(link).scheme]
    into_docs = [link for link in local if link.startswith("docs/") and ".md" in link]
    assert len(into_docs) >= 8, f"the README should lead into the guides: {into_docs}"
    for link in local:
        parts = urlsplit(link)
        assert (ROOT / unquote(parts.path)).exists(), f"{link}: no such file in the repository"
        if parts.path.startswith("docs/") and parts.path.endswith(".md"):
            page = docs_site / Path(parts.path).relative_to("docs").with_suffix(".html")
            assert page.is_file(), f"{link}: the built site has no {page.relative_to(docs_site)}"
            if parts.fragment:
                assert parts.fragment in _ids(page), f"{link}: no heading #{parts.fragment} on that page"


def test_readme_links_to_the_web_are_addresses() -> None:
    remote = [link for link in _links() if urlsplit(link).scheme]
    assert all(urlsplit(link).scheme == "https" and urlsplit(link).netloc for link in remote), remote
