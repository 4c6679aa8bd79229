"""Paging styles (core/paging.py): what each sends for the first and the next page, and what it refuses."""

from __future__ import annotations

import pytest
import requests

from smexplore.core.paging import HeaderCursor, JsonCursor, Keyset, Offset, PageError


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


def test_offset_counts_the_records_received_and_ends_only_at_an_empty_page() -> None:
    paging = Offset(limit=100, offset_param="_offset", limit_param="_limit", envelope="response")
    assert paging.first() == {"_offset": "0", "_limit": "100"}
    body = {"meta": {"status": "ok"}, "response": [{"id": "1"}, {"id": "2"}]}
    records = paging.records(body)
    assert records == [{"id": "1"}, {"id": "2"}]
    # a page of 2 where 100 were asked for (a server capping lower) is not the end: ask from after it
    sent = _page_response("http://x/api/v0/jobs?_offset=50&_limit=100&_filters=a(1)")
    assert paging.next(body, sent, records) == {"_offset": "52", "_limit": "100"}
    assert paging.next({"response": []}, sent, []) is None  # only an empty page ends the list


def test_offset_refuses_what_it_cannot_place() -> None:
    paging = Offset(limit=2, envelope="response")
    with pytest.raises(PageError, match="'response' array"):
        paging.records({"meta": {}, "response": None})
    with pytest.raises(PageError, match="'response' array"):
        paging.records([{"id": "1"}])
    with pytest.raises(PageError, match="where it starts"):
        paging.next({}, _page_response("http://x?limit=2"), [{}, {}])
    with pytest.raises(ValueError, match="at least 1"):
        Offset(limit=0)
    assert Offset(limit=1).records([{"id": "1"}]) == [{"id": "1"}]  # no envelope: the body is the array


def test_keyset_asks_for_ids_above_the_last_one_received() -> None:
    paging = Keyset(limit=100, limit_param="_limit", filter_param="_filters", envelope="response")
    assert paging.first() == {"_limit": "100"}
    records = [{"id": "7"}, {"id": "9"}]
    first = _page_response("http://x/jobs?_limit=100&_filters=standing(active)")
    assert paging.next({}, first, records) == {"_limit": "100", "_filters": "standing(active),id_greater_than(9)"}
    second = _page_response("http://x/jobs?_limit=100&_filters=standing(active),id_greater_than(9)")
    assert paging.next({}, second, [{"id": "12"}]) == {"_limit": "100",
                                                       "_filters": "standing(active),id_greater_than(12)"}
    assert paging.next({}, second, []) is None  # only an empty page ends the list
    bare = _page_response("http://x/jobs?_limit=100")
    assert paging.next({}, bare, records) == {"_limit": "100", "_filters": "id_greater_than(9)"}
    # the caller's own trailing bound is replaced (every id above the last one is above it too)
    own = _page_response("http://x/jobs?_limit=100&_filters=id_greater_than(5)")
    assert paging.next({}, own, records) == {"_limit": "100", "_filters": "id_greater_than(9)"}


@pytest.mark.parametrize(("url", "ids"), [
    ("http://x/jobs?_filters=id_greater_than(9)", ["3", "12"]),  # the bound ignored
    ("http://x/jobs", ["12", "3"]),  # not in ascending order
    ("http://x/jobs", ["12", "12"]),
])
def test_keyset_refuses_pages_that_do_not_keep_to_the_bound(url: str, ids: list[str]) -> None:
    paging = Keyset(filter_param="_filters")
    with pytest.raises(PageError, match="id_greater_than"):
        paging.next({}, _page_response(url), [{"id": value} for value in ids])
    with pytest.raises(PageError, match="not a whole number"):
        paging.next({}, _page_response(url), [{"id": "x"}])
