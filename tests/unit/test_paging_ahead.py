"""What each paging style says of the pages ahead (``paging.Ahead``): where a page's headers lead,
which pages to guess after a page, and whether a page fetched from a guess is the one ``next`` asks for.

The walk that uses them, with pages really in flight, is tested against the four emulators in the
connector contract (``test_pages_fetched_ahead_lose_repeat_and_reorder_nothing``).
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import requests

from smexplore.core import xml
from smexplore.core.paging import HeaderCursor, ItemRange, JsonCursor, Keyset, Offset, early, fitted, guesses
from smexplore.syncd.answers import ListOf


def _answer(query: str = "", **headers: str) -> requests.Response:
    response = requests.Response()
    response.url = f"https://api.example.com/list?{query}"
    response.headers.update(headers)
    return response


def _records(*ids: int) -> list[dict[str, Any]]:
    return [{"id": i} for i in ids]


def test_a_cursor_in_the_headers_names_the_next_page_before_the_body_is_read() -> None:
    style = HeaderCursor()
    assert early(style, _answer(**{"x-next-cursor": "abc"})) == {"cursor": "abc"}
    assert early(style, _answer(**{"x-next-cursor": ""})) is None and early(style, _answer()) is None
    assert early(JsonCursor(), _answer()) is None  # its cursor is in the body: nothing early
    assert list(guesses(HeaderCursor(), [], _answer(), [], 0)) == []  # and no guessing


def test_offsets_are_guessed_after_a_full_page_only() -> None:
    style = Offset(limit=3, offset_param="_offset", limit_param="_limit")
    after = guesses(style, None, _answer("_offset=6&_limit=3"), _records(7, 8, 9), 9)
    assert list(islice(after, 3)) == [{"_offset": "9", "_limit": "3"}, {"_offset": "12", "_limit": "3"},
                                      {"_offset": "15", "_limit": "3"}]
    assert list(guesses(style, None, _answer("_offset=6&_limit=3"), _records(7, 8), 8)) == []  # maybe the end
    guess = {"_offset": "9", "_limit": "3"}
    assert fitted(style, guess, guess, _records(10)) == _records(10)  # the same query: the page asked for
    assert fitted(style, {"_offset": "8", "_limit": "3"}, guess, _records(10)) is None


def test_keyset_pages_are_guessed_by_offsets_overlapping_by_a_record_under_the_same_filter() -> None:
    style = Keyset(limit=3, limit_param="_limit", filter_param="_filters", offset_param="_offset")
    first = _answer("_limit=3&_filters=standing(open)")
    after = list(islice(guesses(style, None, first, _records(4, 5, 7), 3), 3))
    assert after == [{"_limit": "3", "_offset": str(o), "_filters": "standing(open)"} for o in (2, 4, 6)]
    expected = style.next(None, first, _records(4, 5, 7))
    assert expected == {"_limit": "3", "_filters": "standing(open),id_greater_than(7)"}
    assert fitted(style, expected, after[0], _records(7, 9, 12)) == _records(9, 12)  # the overlap dropped
    assert fitted(style, expected, after[0], _records(9, 12, 13)) is None  # a record went: the pages shifted
    assert fitted(style, expected, after[0], []) is None  # past the end: the bound says where the list ends
    bounded = _answer("_limit=3&_filters=id_greater_than(7)")  # a page the walk asked for by the bound
    assert next(guesses(style, None, bounded, _records(9, 12, 13), 6)) == {
        "_limit": "3", "_offset": "2", "_filters": "id_greater_than(7)"}  # offsets counted under its own filter
    assert list(guesses(style, None, first, _records(4, 5), 2)) == []  # a short page: no guess
    assert list(guesses(Keyset(limit=3), None, first, _records(4, 5, 7), 3)) == []  # no offsets: one by one


def test_item_ranges_are_guessed_up_to_the_total_at_the_pace_the_server_sends() -> None:
    style = ItemRange(size=100)
    capped = {"records": _records(*range(1, 51)), "total": "180"}  # the server sends 50 of the 100 asked
    after = list(guesses(style, capped, _answer("start=1&end=100"), capped["records"], 50))
    assert after == [{"start": "51", "end": "150"}, {"start": "101", "end": "200"}, {"start": "151", "end": "250"}]
    assert style.next(capped, _answer("start=1&end=100"), capped["records"]) == after[0]  # each one what next says
    whole = {"records": _records(*range(1, 101))}  # no total: guessed on without end after a full page
    assert len(list(islice(guesses(style, whole, _answer("start=1&end=100"), whole["records"], 100), 10))) == 10
    short = {"records": _records(1, 2)}  # no total and a short page: most likely the end
    assert list(guesses(style, short, _answer("start=1&end=100"), short["records"], 2)) == []


def test_a_syncd_list_passes_the_guesses_of_its_ranges_on() -> None:
    style = ListOf(ItemRange(size=2), "jobs")
    body = xml.decode(b'<jobs type="array" total="5" start="1" end="2"><job><id type="integer">1</id></job>'
                      b'<job><id type="integer">2</id></job></jobs>')
    records = style.records(body)
    assert list(guesses(style, body, _answer("start=1&end=2"), records, 2)) == [
        {"start": "3", "end": "4"}, {"start": "5", "end": "6"}]
    assert fitted(style, {"start": "3", "end": "4"}, {"start": "3", "end": "4"}, records) == records
