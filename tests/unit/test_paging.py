"""Paging styles (core/paging.py): what each sends for the first and the next page, and what it refuses."""

from __future__ import annotations

import pytest
import requests

from smexplore.core.paging import HeaderCursor, JsonCursor, PageError, PageNumber


def _response(headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers.update(headers or {})
    return response


def test_header_cursor_follows_the_header_until_it_is_empty() -> None:
    paging = HeaderCursor()
    assert paging.first() == {"cursor": "-1"}
    records = paging.records([{"uuid": "a"}])
    assert records == [{"uuid": "a"}]
    assert paging.next([], _response({"x-next-cursor": "abc"}), records) == {"cursor": "abc"}
    assert paging.next([], _response({"x-next-cursor": ""}), records) is None
    assert paging.next([], _response(), records) is None


def test_header_cursor_refuses_a_body_that_is_no_array() -> None:
    with pytest.raises(PageError, match="JSON array"):
        HeaderCursor().records({"results": []})


def test_json_cursor_starts_after_the_last_id_while_there_is_more() -> None:
    paging = JsonCursor(limit=100)
    assert paging.first() == {"limit": "100"}
    body = {"results": [{"id": "a"}, {"id": "b"}], "hasMore": True}
    records = paging.records(body)
    assert [r["id"] for r in records] == ["a", "b"]
    assert paging.next(body, _response(), records) == {"limit": "100", "startingAfter": "b"}
    assert paging.next({**body, "hasMore": False}, _response(), records) is None
    assert paging.next({"results": [], "hasMore": True}, _response(), []) is None  # nothing to start after


@pytest.mark.parametrize("body", [[], {"results": None}, {"data": []}, "text"])
def test_json_cursor_refuses_a_body_without_results(body: object) -> None:
    with pytest.raises(PageError, match="'results' array"):
        JsonCursor().records(body)


def test_json_cursor_refuses_a_last_record_without_an_id() -> None:
    body = {"results": [{"name": "x"}], "hasMore": True}
    with pytest.raises(PageError, match="no 'id'"):
        JsonCursor().next(body, _response(), body["results"])


def _page_response(url: str) -> requests.Response:
    response = _response()
    response.url = url
    return response


def test_page_number_counts_pages_until_a_short_one() -> None:
    paging = PageNumber(limit=2, page_param="_page", limit_param="_limit", envelope="response")
    assert paging.first() == {"_page": "0", "_limit": "2"}
    body = {"meta": {"status": "ok"}, "response": [{"id": "1"}, {"id": "2"}]}
    records = paging.records(body)
    assert records == [{"id": "1"}, {"id": "2"}]
    full = _page_response("http://x/api/v0/jobs?_page=3&_limit=2&_filters=a(1)")
    assert paging.next(body, full, records) == {"_page": "4", "_limit": "2"}
    assert paging.next(body, full, records[:1]) is None  # a short page is the last
    assert paging.next(body, full, []) is None  # so is an empty one (a length that is a multiple of limit)


def test_page_number_refuses_what_it_cannot_count() -> None:
    paging = PageNumber(limit=2, envelope="response")
    with pytest.raises(PageError, match="'response' array"):
        paging.records({"meta": {}, "response": None})
    with pytest.raises(PageError, match="'response' array"):
        paging.records([{"id": "1"}])
    with pytest.raises(PageError, match="more than the 2 asked for"):
        paging.next({}, _page_response("http://x?page=0&limit=2"), [{}, {}, {}])
    with pytest.raises(PageError, match="which page"):
        paging.next({}, _page_response("http://x?limit=2"), [{}, {}])
    with pytest.raises(ValueError, match="at least 1"):
        PageNumber(limit=0)
    assert PageNumber(limit=1).records([{"id": "1"}]) == [{"id": "1"}]  # no envelope: the body is the array
