"""Paging styles (core/paging.py): what each sends for the first and the next page, and what it refuses."""

from __future__ import annotations

import pytest
import requests

from smexplore.core.paging import HeaderCursor, JsonCursor, PageError


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
