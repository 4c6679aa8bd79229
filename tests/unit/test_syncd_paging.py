"""The item-range paginator (core/paging.py ``ItemRange``) that walks Syncd's lists: ``start``/``end`` and ``total``."""

from __future__ import annotations

import pytest
import requests

from smexplore.core.paging import ItemRange, PageError
from smexplore.core.xml import XmlDocument


def _sent(start: int, end: int, name: str = "start") -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.url = f"https://demo.syncd.com/jobs.xml?{name}={start}&end={end}"
    return response


def _page(ids: range, **attributes: int) -> XmlDocument:
    return XmlDocument("jobs", {k: str(v) for k, v in attributes.items()}, [{"id": i} for i in ids])


def test_first_range_and_the_next_after_what_came() -> None:
    paging = ItemRange(size=100)
    assert paging.first() == {"start": "1", "end": "100"}
    body = _page(range(1, 101), total=250, start=1, end=100)
    assert paging.next(body, _sent(1, 100), paging.records(body)) == {"start": "101", "end": "200"}
    short = _page(range(101, 151), total=250, start=101, end=150)  # the API sent fewer than asked
    assert paging.next(short, _sent(101, 200), paging.records(short)) == {"start": "151", "end": "250"}
    last = _page(range(151, 251), total=250, start=151, end=250)
    assert paging.next(last, _sent(151, 250), paging.records(last)) is None


def test_without_a_total_only_an_empty_page_is_the_last() -> None:
    paging = ItemRange(size=3)
    full, short = _page(range(1, 4)), _page(range(4, 5))
    assert paging.next(full, _sent(1, 3), paging.records(full)) == {"start": "4", "end": "6"}
    # a short page may be a server's cap, not the end: ask from after it
    assert paging.next(short, _sent(4, 6), paging.records(short)) == {"start": "5", "end": "7"}
    assert paging.next(_page(range(0)), _sent(5, 7), []) is None


def test_names_and_origin_are_configurable_and_json_bodies_are_read() -> None:
    paging = ItemRange(size=2, start_param="from", end_param="to", total_key="count", origin=0, records_key="items")
    assert paging.first() == {"from": "0", "to": "1"}
    body = {"items": [{"id": 1}, {"id": 2}], "count": 3}
    assert paging.next(body, _sent(0, 1, "from"), paging.records(body)) == {"from": "2", "to": "3"}
    last = {"items": [{"id": 3}], "count": 3}
    assert paging.next(last, _sent(2, 3, "from"), paging.records(last)) is None


def test_an_api_that_ignores_ranges_gives_the_whole_list_once() -> None:
    paging = ItemRange(size=2)
    body = _page(range(1, 6), total=5)
    assert paging.next(body, _sent(1, 2), paging.records(body)) is None
    with pytest.raises(PageError, match="more than the 2 asked for"):
        paging.next(body, _sent(3, 4), paging.records(body))


@pytest.mark.parametrize(("body", "sent", "message"), [
    (_page(range(1, 3), total=9, start=1), _sent(3, 4), "asked for items from 3, the API answered items from 1"),
    (_page(range(0), total=9), _sent(5, 6), "has 9 items, yet none came from item 5"),
    (_page(range(1, 3), total="many"), _sent(1, 2), "total is 'many'"),  # type: ignore[arg-type]
])
def test_pages_that_do_not_fit_are_errors(body: XmlDocument, sent: requests.Response, message: str) -> None:
    with pytest.raises(PageError, match=message):
        ItemRange(size=2).next(body, sent, ItemRange(size=2).records(body))


def test_a_list_that_shrank_ends_without_error() -> None:
    paging = ItemRange(size=2)
    assert paging.next(_page(range(0), total=4), _sent(5, 6), []) is None


def test_bodies_that_are_no_list_and_bad_sizes() -> None:
    with pytest.raises(PageError, match="list document"):
        ItemRange().records([1, 2])
    with pytest.raises(PageError, match="not records"):
        ItemRange().records(XmlDocument("ids", {}, [1, 2]))
    with pytest.raises(PageError, match="no start in its URL"):
        ItemRange().next(_page(range(1, 3)), requests.Response(), [{"id": 1}])
    with pytest.raises(ValueError, match="at least 1"):
        ItemRange(size=0)
