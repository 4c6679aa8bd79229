"""Rich display in Jupyter: ``Plan._repr_html_`` (what ``explain`` shows) and ``CacheInfo._repr_html_``.

Each must be HTML that parses as a balanced tree, show every step (or field), and escape every
value, so that a condition with ``<`` or ``&`` in it reads as written and cannot inject markup.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from html.parser import HTMLParser

import pytest

from smexplore import F
from smexplore.core.filters.plan import Plan
from smexplore.servicem8.dialect import plan
from smexplore.servicem8.session import CacheInfo

VOID = {"br", "hr", "img", "input", "meta", "link", "col", "wbr"}


class _Tree(HTMLParser):
    """Checks that tags nest and close properly; collects the tags seen, the text, and the table's rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self.caption: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:] or 'nothing'}"
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if "caption" in self.stack:
            self.caption.append(data)


def parse(markup: str) -> _Tree:
    tree = _Tree()
    tree.feed(markup)
    tree.close()
    assert tree.stack == [], f"unclosed tags: {tree.stack}"
    assert tree.tags[0] == "table"
    return tree


# --- Plan ---------------------------------------------------------------------------------------

WEIRD = 'x < y & "z" \'q\' <b>bold</b>'


@pytest.fixture
def job_plan() -> Plan:
    where = ((F.status == "Completed") & (F.total_invoice_amount >= 1000) & (F.date >= "2026-02-01")
             & ~F.job_address.contains(" rd,") & (F.job_description == WEIRD)
             & (F.job_address.contains("kew") | F.job_address.contains("a<b&c")))
    return plan(where, "job")


def test_plan_html_parses_and_has_one_row_per_step(job_plan: Plan) -> None:
    tree = parse(job_plan._repr_html_())
    assert tree.rows[0] == ["condition", "runs", "sent", "why"]
    body = tree.rows[1:]
    assert len(body) == len(job_plan.steps) == 6
    for row, step in zip(body, job_plan.steps):
        assert row[0] == str(step.condition)
        assert row[1] == step.place
        assert row[2] == (" and ".join(step.sent) if step.sent else "—")
        assert row[3] == step.reason
    assert {row[1] for row in body} == {"server", "local"}


def test_plan_html_caption_gives_resource_filter_and_local_remainder(job_plan: Plan) -> None:
    caption = "".join(parse(job_plan._repr_html_()).caption)
    assert "Plan for job" in caption
    assert str(job_plan.where) in caption
    assert f"$filter sent: {job_plan.filter}" in caption
    assert f"run locally: {job_plan.local}" in caption


def test_plan_html_escapes_conditions_values_and_reasons(job_plan: Plan) -> None:
    markup = job_plan._repr_html_()
    tree = parse(markup)
    assert tree.tags.count("b") == 1  # the caption's title; the <b>bold</b> inside a value is text, not markup
    assert "a&lt;b&amp;c" in markup and "a<b&c" not in markup
    assert "x &lt; y &amp; &quot;z&quot;" in markup
    assert "&lt;b&gt;bold&lt;/b&gt;" in markup
    for step in job_plan.steps:
        assert escape(str(step.condition)) in markup
        assert escape(step.reason) in markup
    assert escape(job_plan.filter) in markup and escape(str(job_plan.local)) in markup
    text = "".join(tree.text)
    assert str(F.job_description == WEIRD) in text  # read back, the condition is exactly as written
    assert "a<b&c" in text


def test_plan_html_sent_value_with_markup_is_escaped() -> None:
    shown = plan(F.job_description == "<script>alert(1)</script> & more", "job")
    markup = shown._repr_html_()
    assert "<script>" not in markup
    tree = parse(markup)
    assert tree.rows[1][1] == "server"
    assert tree.rows[1][2] == "job_description eq '<script>alert(1)</script> & more'"


def test_plan_html_both_and_nothing() -> None:
    both = plan(F.date <= "2026-03-31 23:59:59", "job")
    rows = parse(both._repr_html_()).rows
    assert rows[1][1] == "both" and rows[1][2].startswith("date lt")

    everything = plan(None, "job")
    tree = parse(everything._repr_html_())
    assert len(tree.rows) == 2 and "every record is pulled" in tree.rows[1][0]
    assert "run locally: (nothing)" in "".join(tree.caption)

    anywhere = plan(F.x == 1)
    assert "Plan for any resource" in "".join(parse(anywhere._repr_html_()).caption)


# --- CacheInfo ----------------------------------------------------------------------------------


def test_cache_info_html_is_a_two_column_table_of_its_fields() -> None:
    info = CacheInfo("/cache/servicem8-0123456789abcdef.sqlite", 2_500_000, 1234, 56, 7, timedelta(hours=1),
                     "/data/smexplore/store")
    tree = parse(info._repr_html_())
    table = {row[0]: row[1] for row in tree.rows}
    assert all(len(row) == 2 for row in tree.rows)
    assert table == {
        "path": "/cache/servicem8-0123456789abcdef.sqlite",
        "size": "2.5 MB",
        "answers held": "1,234",
        "hits / misses": "56 / 7",
        "expire after": "1:00:00",
        "store": "/data/smexplore/store",
    }
    assert "CacheInfo" in "".join(tree.caption)


def test_cache_info_html_escapes_the_path_and_handles_no_cache() -> None:
    info = CacheInfo("/tmp/a<b&c/<i>x</i>.sqlite", 0, 0, 0, 0, -1)
    markup = info._repr_html_()
    assert "/tmp/a&lt;b&amp;c/&lt;i&gt;x&lt;/i&gt;.sqlite" in markup
    tree = parse(markup)
    assert "i" not in tree.tags
    assert {row[0]: row[1] for row in tree.rows}["expire after"] == "never"

    off = {row[0]: row[1] for row in parse(CacheInfo(None, 0, 0, 3, 4, None)._repr_html_()).rows}
    assert off["path"] == "(no cache file)" and off["hits / misses"] == "3 / 4" and off["expire after"] == "—"


def test_cache_info_html_of_a_session_shows_no_credential(tmp_path) -> None:
    import smexplore as sm
    from smexplore.emulator import Emulator

    key = "sm-secret-KEY-zq81vx"
    with Emulator(seed=0, scale="small", api_key=key) as emu:
        with sm.connect(key, base_url=emu.base_url, cache=tmp_path, progress=False) as s:
            s.staff()
            info = s.cache_info()
    markup = info._repr_html_()
    rows = {row[0]: row[1] for row in parse(markup).rows}
    assert rows["path"] == info.path and info.path.startswith(str(tmp_path))
    assert rows["answers held"] == f"{info.responses:,}" and info.responses >= 1
    assert key not in markup and "zq81vx" not in markup
