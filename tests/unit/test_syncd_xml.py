"""Syncd's XML, read safely (core/xml.py) and into rows (syncd/records.py); the transport's body plug-in.

No HTTP server: the transport test mounts an adapter that answers from a list, under a real
requests-cache SQLite cache, to check that a broken XML body is retried and never cached, and that
an unsafe one is refused at once.
"""

from __future__ import annotations

import io
from collections import deque
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from requests.adapters import HTTPAdapter
from requests.packages.urllib3 import HTTPResponse  # requests vendors the name: urllib3 is its dependency

from smexplore import APIError
from smexplore.core import xml
from smexplore.core.auth import BasicCredential
from smexplore.core.cache import make_cached_session
from smexplore.core.frames import to_frame
from smexplore.core.limits import Limits, RequestBudget
from smexplore.core.paging import ItemRange
from smexplore.core.retry import RetryPolicy
from smexplore.core.transport import Transport
from smexplore.core.wire import Wire
from smexplore.syncd.records import ancestors, row
from smexplore.syncd.resources import get_resource

JOBS = b"""<?xml version="1.0" encoding="UTF-8"?>
<jobs type="array" total="2" start="1" end="2">
  <job>
    <id type="integer">92</id>
    <job-type-id type="integer">7</job-type-id>
    <parent-id type="integer" nil="true"/>
    <name>Artworks &amp; Co</name>
    <code/>
    <description></description>
    <url nil="true"/>
    <active type="boolean">true</active>
    <effectively-active type="boolean">false</effectively-active>
    <created-at type="datetime">2010-02-21T18:18:11Z</created-at>
  </job>
  <job>
    <id type="integer">93</id>
    <job-type-id type="integer">8</job-type-id>
    <parent-id type="integer">92</parent-id>
    <name>General overhead</name>
    <code>GEN</code>
    <active type="boolean">false</active>
    <effectively-active type="boolean">false</effectively-active>
  </job>
</jobs>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<jobs type="array"><job><name>&lol9;</name></job></jobs>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE job [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<job><name>&secret;</name></job>
"""


# --- core.xml -----------------------------------------------------------------------------------
def test_typed_values_nils_and_blanks() -> None:
    document = xml.decode(JOBS)
    assert document.tag == "jobs"
    assert document.attributes == {"total": "2", "start": "1", "end": "2"}
    first, second = document.records
    assert first == {"id": 92, "job-type-id": 7, "parent-id": None, "name": "Artworks & Co", "code": None,
                     "description": None, "url": None, "active": True, "effectively-active": False,
                     "created-at": "2010-02-21T18:18:11Z"}
    assert second["parent-id"] == 92 and second["code"] == "GEN" and second["active"] is False


def test_rails_conventions() -> None:
    document = xml.decode(b"""<record>
        <n type="integer"> 42 </n><odd type="integer">forty</odd><f type="float">1.5</f>
        <yes type="boolean">1</yes><no type="boolean">0</no><day type="date">2026-03-02</day>
        <typed-nil type="integer" nil="true"/><empty-int type="integer"></empty-int>
        <ids type="array"><id type="integer">1</id><id type="integer">2</id></ids>
        <none type="array"/>
        <user><id type="integer">5</id><first-name>Ann</first-name></user>
        <tag>a</tag><tag>b</tag>
        <spaces>  kept as written  </spaces>
    </record>""")
    value = document.value
    assert value["n"] == 42 and value["odd"] == "forty" and value["f"] == 1.5
    assert value["yes"] is True and value["no"] is False and value["day"] == "2026-03-02"
    assert value["typed-nil"] is None and value["empty-int"] is None
    assert value["ids"] == [1, 2] and value["none"] == []
    assert value["user"] == {"id": 5, "first-name": "Ann"}
    assert value["tag"] == ["a", "b"]
    assert value["spaces"] == "  kept as written  "
    assert document.records == [value]


def test_list_roots_without_a_type() -> None:
    """LiveTimer's lists carry total/start/end but no type="array"; a plural root of its singulars is a list too."""
    assert xml.decode(b'<project-assignments total="1" start="1" end="1"><project-assignment><id type="integer">3'
                      b'</id></project-assignment></project-assignments>').records == [{"id": 3}]
    assert xml.decode(b"<activities><activity><id>1</id></activity></activities>").records == [{"id": "1"}]
    assert xml.decode(b'<jobs type="array"></jobs>').records == []
    assert xml.decode(b"<errors><error>Name is too long</error></errors>").value == ["Name is too long"]
    with pytest.raises(ValueError, match="not records"):
        _ = xml.decode(b'<ids type="array"><id type="integer">1</id></ids>').records


def test_snake_case() -> None:
    assert xml.snake_case("effectively-active") == "effectively_active"
    assert xml.snake_case("job-type-id") == "job_type_id"


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY,
                                  b'<!DOCTYPE job SYSTEM "http://example.invalid/job.dtd"><job/>'],
                         ids=["billion laughs", "external entity", "external DTD"])
def test_entities_and_dtds_are_refused_not_expanded(body: bytes) -> None:
    with pytest.raises(xml.UnsafeXmlError, match="refused unread") as caught:
        xml.decode(body)
    assert "lol" not in str(caught.value) and "root:" not in str(caught.value)


def test_deep_nesting_is_refused() -> None:
    body = b"<a>" * (xml.MAX_DEPTH + 5) + b"</a>" * (xml.MAX_DEPTH + 5)
    with pytest.raises(xml.UnsafeXmlError, match="nest deeper"):
        xml.decode(body)


@pytest.mark.parametrize(("body", "where"), [
    (JOBS[: len(JOBS) // 2], "line"),
    (b"<jobs><job></jobs>", "line 1, column 13: mismatched tag"),
    (b"", "line 1"),
    (b'{"jobs": []}', "line 1, column 0"),
])
def test_malformed_xml_is_a_clear_error(body: bytes, where: str) -> None:
    with pytest.raises(xml.XmlError, match="not well-formed XML") as caught:
        xml.decode(body)
    assert where in str(caught.value)
    assert isinstance(caught.value, ValueError) and not isinstance(caught.value, xml.UnsafeXmlError)


# --- syncd.records ------------------------------------------------------------------------------
def test_rows_are_snake_case_in_the_tables_order() -> None:
    jobs = get_resource("jobs")
    first = row(xml.decode(JOBS).records[0], jobs)
    assert list(first) == list(jobs.fields)
    assert first["job_type_id"] == 7 and first["effectively_active"] is False and first["parent_id"] is None
    frame = to_frame([row(r, jobs) for r in xml.decode(JOBS).records], jobs)
    assert str(frame["id"].dtype) == "Int64" and str(frame["active"].dtype) == "boolean"
    assert str(frame["name"].dtype) == "string" and frame.loc[0, "name"] == "Artworks & Co"
    assert frame.loc[0, "created_at"] == pd.Timestamp("2010-02-21 18:18:11")
    assert frame["code"].isna().tolist() == [True, False]


def test_included_objects_are_flattened() -> None:
    body = b"""<job-assignments type="array" total="2" start="1" end="2">
      <job-assignment><id type="integer">1</id>
        <user><id type="integer">5</id><name>ann</name><first-name>Ann</first-name><last-name>Lee</last-name></user>
        <job><id type="integer">93</id><name>Overhead</name><parent-id type="integer">92</parent-id></job>
      </job-assignment>
      <job-assignment><id type="integer">2</id><users>all</users><jobs>all</jobs></job-assignment>
      <job-assignment><id type="integer">3</id>
        <user-group><id type="integer">4</id><name>Design</name>
          <user-ids type="array"><user-id type="integer">5</user-id><user-id type="integer">6</user-id></user-ids>
        </user-group><job-id type="integer">93</job-id></job-assignment>
    </job-assignments>"""
    spec = get_resource("job_assignments")
    rows = [row(r, spec) for r in xml.decode(body).records]
    assert {k: rows[0][k] for k in ("user_id", "user_name", "user_first_name", "job_id", "job_name")} == {
        "user_id": 5, "user_name": "ann", "user_first_name": "Ann", "job_id": 93, "job_name": "Overhead"}
    assert "job_parent_id" not in rows[0]
    assert (rows[1]["users"], rows[1]["jobs"], rows[1]["user_id"], rows[1]["job_id"]) == ("all", "all", None, None)
    assert (rows[2]["user_group_id"], rows[2]["user_group_name"], rows[2]["user_group_user_ids"]) == (4, "Design", [5, 6])
    frame = to_frame(rows, spec)
    assert frame["users"].dtype == pd.CategoricalDtype(["all", "none"])


def test_ancestors_nest_in_place_of_parent_id() -> None:
    body = b"""<job><id type="integer">95</id><job-type-id type="integer">9</job-type-id>
      <parent><id type="integer">93</id><job-type-id type="integer">8</job-type-id>
        <parent><id type="integer">92</id><job-type-id type="integer">7</job-type-id>
          <parent-id type="integer" nil="true"/><name>Artworks</name></parent>
        <name>Overhead</name></parent>
      <name>Retouch</name><active type="boolean">true</active></job>"""
    record = xml.decode(body).records[0]
    assert row(record, get_resource("jobs"))["parent_id"] == 93
    chain = ancestors(record)
    assert [r["id"] for r in chain] == [93, 92]
    assert [row(r, get_resource("jobs"))["parent_id"] for r in chain] == [92, None]


def test_time_entries_read_day_offset_and_hours() -> None:
    body = b"""<time-entries type="array">
      <time-entry><id type="integer">1</id><start-time type="datetime">2007-08-30T23:28:00-04:00</start-time>
        <end-time type="datetime">2007-08-31T00:58:00-04:00</end-time><duration type="integer">90</duration>
        <user-id type="integer">5</user-id><job-id type="integer">93</job-id><activity-id type="integer" nil="true"/>
      </time-entry>
      <time-entry><id type="integer">2</id><start-date type="date">2007-08-31</start-date>
        <duration type="integer">45</duration><user-id type="integer">5</user-id><job-id type="integer">93</job-id>
      </time-entry>
    </time-entries>"""
    spec = get_resource("time_entries")
    rows = [row(r, spec) for r in xml.decode(body).records]
    assert (rows[0]["date"], rows[0]["utc_offset"], rows[0]["hours"]) == ("2007-08-30", "-04:00", 1.5)
    assert (rows[1]["date"], rows[1]["utc_offset"], rows[1]["hours"]) == ("2007-08-31", None, 0.75)
    naive = to_frame(rows, spec)
    assert naive.loc[0, "start_time"] == pd.Timestamp("2007-08-30 23:28")  # the wall time written
    assert naive.loc[0, "date"] == pd.Timestamp("2007-08-30")
    zoned = to_frame(rows, spec, "UTC")
    assert zoned.loc[0, "start_time"] == pd.Timestamp("2007-08-31 03:28", tz="UTC")  # the instant
    assert pd.isna(naive.loc[1, "start_time"]) and naive.loc[1, "start_date"] == pd.Timestamp("2007-08-31")


# --- the transport's body plug-in ----------------------------------------------------------------
class _Answers(HTTPAdapter):
    """Answers requests from a queue of (status, body), as urllib3 responses; counts them."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        super().__init__()
        self.answers = deque(answers)
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent += 1
        status, body = self.answers.popleft() if self.answers else (200, JOBS)
        raw = HTTPResponse(body=io.BytesIO(body), headers={"Content-Type": "application/xml",
                                                           "Content-Length": str(len(body))},
                           status=status, preload_content=False, request_url=request.url)
        return self.build_response(request, raw)


def _transport(tmp_path: Path, answers: list[tuple[int, bytes]]) -> tuple[Transport, _Answers]:
    base = "https://demo.syncd.com"
    session = make_cached_session(tmp_path / "cache.sqlite", 3600, base)
    adapter = _Answers(answers)
    session.mount(base + "/", adapter)
    transport = Transport(session, base, BasicCredential("xyz", "pw"), RequestBudget(Limits(per_minute=1000, per_day=1000)),
                          retry=RetryPolicy(start=1.0, budget=5), sleep=lambda _: None, paging=ItemRange(size=2),
                          wire=Wire(decode=xml.decode, media_types=("application/xml",)), progress=False,
                          concurrency=1)  # canned answers come in the order asked: one page at a time
    return transport, adapter


def test_a_broken_xml_body_is_retried_and_never_cached(tmp_path: Path) -> None:
    transport, adapter = _transport(tmp_path, [(200, JOBS[:-30]), (200, JOBS)])
    body, _ = transport.get("/jobs.xml", {"start": "1", "end": "2"})
    assert adapter.sent == 2 and [r["id"] for r in body.records] == [92, 93]
    again, cached = transport.get("/jobs.xml", {"start": "1", "end": "2"})
    assert adapter.sent == 2 and cached.from_cache and again == body  # the good answer was cached


def test_a_body_broken_every_time_names_the_path(tmp_path: Path) -> None:
    transport, _ = _transport(tmp_path, [(200, b"<jobs><job>")] * 100)
    with pytest.raises(APIError, match=r"the body of GET /jobs\.xml was cut short or cannot be read .*not well-formed XML"):
        transport.get("/jobs.xml")
    assert transport.session.cache.count() == 0  # type: ignore[attr-defined]


def test_an_entity_bomb_is_refused_at_once_and_never_cached(tmp_path: Path) -> None:
    transport, adapter = _transport(tmp_path, [(200, BILLION_LAUGHS)])
    with pytest.raises(APIError, match=r"GET /jobs\.xml: the XML body was refused unread: it declares"):
        transport.get("/jobs.xml")
    assert adapter.sent == 1
    assert transport.session.cache.count() == 0  # type: ignore[attr-defined]


def test_item_ranges_are_pulled_through_the_transport(tmp_path: Path) -> None:
    def page(ids: list[int], total: int, start: int) -> bytes:
        items = "".join(f'<job><id type="integer">{i}</id></job>' for i in ids)
        return f'<jobs type="array" total="{total}" start="{start}" end="{start + len(ids) - 1}">{items}</jobs>'.encode()

    transport, adapter = _transport(tmp_path, [(200, page([1, 2], 5, 1)), (200, page([3], 5, 3)),
                                               (200, page([4, 5], 5, 4))])
    pulled = transport.pull("/jobs.xml")
    assert [r["id"] for r in pulled.records or []] == [1, 2, 3, 4, 5] and adapter.sent == 3
