"""Cursor paging over real HTTP.

``cursor=-1`` starts; each page holds at most ``page_size`` records; ``x-next-cursor`` carries the
next cursor while more remain and is absent on the last page. A list without ``cursor`` returns
everything. Unknown, foreign (other path or ``$filter``) and expired cursors answer 400.
"""

from __future__ import annotations

import math
import uuid as uuidlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from smexplore.emulator import Emulator

PAGE = 700
SCHEDULED = "activity_was_scheduled eq '1' and active eq 1"


@pytest.fixture(scope="module")
def paged() -> Iterator[Emulator]:
    """A read-only emulator with 700-record pages."""
    with Emulator(seed=0, scale="small", page_size=PAGE, per_minute=100_000, per_day=1_000_000) as emu:
        yield emu


@pytest.fixture(scope="module")
def tiny() -> Iterator[Emulator]:
    """A read-only emulator with 3-record pages (so the small resources page too)."""
    with Emulator(seed=0, scale="small", page_size=3, per_minute=100_000, per_day=1_000_000) as emu:
        yield emu


def _get(emu: Emulator, resource: str, **params: str) -> requests.Response:
    return requests.get(f"{emu.base_url}/{resource}.json", params=params, headers={"X-Api-Key": emu.api_key})


def _walk(emu: Emulator, resource: str, **params: str) -> list[list[dict[str, Any]]]:
    """Every page from cursor=-1 on, following x-next-cursor (with a guard against endless loops)."""
    pages: list[list[dict[str, Any]]] = []
    cursor = "-1"
    seen: set[str] = set()
    while True:
        response = _get(emu, resource, cursor=cursor, **params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        following = response.headers.get("x-next-cursor")
        if following is None:
            return pages
        assert following not in seen and following != "-1", "a cursor came back twice"
        seen.add(following)
        cursor = following
        assert len(pages) < 1000


def _uuids(records: list[dict[str, Any]]) -> list[str]:
    return [r["uuid"] for r in records]


def _assert_400(response: requests.Response, *needles: str) -> None:
    assert response.status_code == 400, response.text[:200]
    body = response.json()
    assert body["errorCode"] == "1000"  # the spec's code for a malformed request
    assert isinstance(body["message"], str)
    for needle in needles:
        assert needle.lower() in body["message"].lower(), body["message"]


def test_walking_the_pages_loses_and_repeats_nothing(paged: Emulator) -> None:
    """Pages of 700 jobactivity records, concatenated, are the unpaged list exactly."""
    everything = _get(paged, "jobactivity")
    assert everything.status_code == 200
    assert "x-next-cursor" not in everything.headers
    full = _uuids(everything.json())
    assert len(full) == len(paged.account.tables["jobactivity"]) > 3 * PAGE
    pages = _walk(paged, "jobactivity")
    assert len(pages) == math.ceil(len(full) / PAGE)
    assert all(len(page) == PAGE for page in pages[:-1])
    assert 0 < len(pages[-1]) <= PAGE
    walked = [u for page in pages for u in _uuids(page)]
    assert len(walked) == len(set(walked))
    assert walked == full


def test_each_cursor_is_a_uuid_and_the_last_page_has_none(paged: Emulator) -> None:
    """x-next-cursor values are uuids; the last page carries no x-next-cursor header."""
    first = _get(paged, "job", cursor="-1")
    assert len(first.json()) == PAGE
    cursor = first.headers["x-next-cursor"]
    assert str(uuidlib.UUID(cursor)) == cursor.lower()
    second = _get(paged, "job", cursor=cursor)
    third = _get(paged, "job", cursor=second.headers["x-next-cursor"])
    assert len(third.json()) == len(paged.account.tables["job"]) - 2 * PAGE
    assert "x-next-cursor" not in third.headers


def test_paging_with_a_filter_returns_the_filtered_list(paged: Emulator) -> None:
    """The same $filter on every page: the pages add up to the unpaged filtered list."""
    unpaged = _get(paged, "jobactivity", **{"$filter": SCHEDULED})
    assert unpaged.status_code == 200
    expected = [r["uuid"] for r in paged.account.tables["jobactivity"]
                if r["activity_was_scheduled"] == "1" and r["active"] == 1]
    assert _uuids(unpaged.json()) == expected
    assert len(expected) > 2 * PAGE
    pages = _walk(paged, "jobactivity", **{"$filter": SCHEDULED})
    assert len(pages) == math.ceil(len(expected) / PAGE)
    assert all(len(page) == PAGE for page in pages[:-1])
    assert [u for page in pages for u in _uuids(page)] == expected


def test_a_filter_smaller_than_a_page_has_one_page(paged: Emulator) -> None:
    """A filtered list that fits in one page comes back whole, with no x-next-cursor."""
    response = _get(paged, "job", cursor="-1", **{"$filter": "status eq 'Unsuccessful' and active eq 1"})
    assert response.status_code == 200
    expected = [r["uuid"] for r in paged.account.tables["job"] if r["status"] == "Unsuccessful" and r["active"] == 1]
    assert 0 < len(expected) < PAGE
    assert _uuids(response.json()) == expected
    assert "x-next-cursor" not in response.headers


def test_a_filter_matching_nothing_pages_to_an_empty_list(paged: Emulator) -> None:
    """cursor=-1 with a filter that matches nothing: one empty page, no cursor."""
    response = _get(paged, "jobactivity", cursor="-1", **{"$filter": "travel_time_in_seconds lt -1"})
    assert response.status_code == 200
    assert response.json() == []
    assert "x-next-cursor" not in response.headers


@pytest.mark.parametrize("resource", ["staff", "category", "allocationwindow", "queue"])
def test_small_resources_page_in_threes(tiny: Emulator, resource: str) -> None:
    """With 3-record pages every resource pages; an exact multiple ends without an empty page."""
    full = _uuids(_get(tiny, resource).json())
    assert len(full) == len(tiny.account.tables[resource])
    pages = _walk(tiny, resource)
    assert [len(p) for p in pages] == [3] * (len(full) // 3) + ([len(full) % 3] if len(full) % 3 else [])
    assert [u for page in pages for u in _uuids(page)] == full


def test_default_page_size_puts_the_small_jobactivity_list_on_two_pages(emulator: Emulator) -> None:
    """The API's page is 5,000 records: the small account's jobactivity list takes two pages."""
    total = len(emulator.account.tables["jobactivity"])
    assert 5000 < total <= 10_000
    pages = _walk(emulator, "jobactivity")
    assert [len(p) for p in pages] == [5000, total - 5000]
    assert [u for page in pages for u in _uuids(page)] == _uuids(emulator.account.tables["jobactivity"])


def test_small_lists_fit_one_default_page(emulator: Emulator) -> None:
    """A list shorter than a page: cursor=-1 returns it whole with no x-next-cursor."""
    response = _get(emulator, "job", cursor="-1")
    assert response.status_code == 200
    assert _uuids(response.json()) == _uuids(emulator.account.tables["job"])
    assert "x-next-cursor" not in response.headers


def test_a_list_without_cursor_returns_everything(paged: Emulator) -> None:
    """Without a cursor parameter there is no paging at all, whatever the page size."""
    for resource in ("jobactivity", "job", "company"):
        response = _get(paged, resource)
        assert response.status_code == 200
        assert "x-next-cursor" not in response.headers
        assert _uuids(response.json()) == _uuids(paged.account.tables[resource])


def test_a_cursor_can_be_sent_again(paged: Emulator) -> None:
    """Resending a cursor (a retry) answers the same page and the same next cursor."""
    cursor = _get(paged, "jobactivity", cursor="-1").headers["x-next-cursor"]
    once, again = _get(paged, "jobactivity", cursor=cursor), _get(paged, "jobactivity", cursor=cursor)
    assert once.status_code == again.status_code == 200
    assert once.json() == again.json()
    assert once.headers["x-next-cursor"] == again.headers["x-next-cursor"]


@pytest.mark.parametrize("cursor", [str(uuidlib.uuid4()), "garbage", "0", "-2", ""])
def test_an_unknown_cursor_is_400(paged: Emulator, cursor: str) -> None:
    """A cursor the server never issued answers 400 with a JSON error body."""
    _assert_400(_get(paged, "jobactivity", cursor=cursor), "cursor")


def test_a_cursor_from_another_emulator_is_unknown(paged: Emulator, tiny: Emulator) -> None:
    """Cursors belong to the server that issued them."""
    cursor = _get(tiny, "staff", cursor="-1").headers["x-next-cursor"]
    _assert_400(_get(paged, "staff", cursor=cursor), "cursor")


def test_a_cursor_with_a_different_filter_is_400(paged: Emulator) -> None:
    """A cursor issued for one $filter is refused with another filter, or with none."""
    cursor = _get(paged, "jobactivity", cursor="-1", **{"$filter": SCHEDULED}).headers["x-next-cursor"]
    _assert_400(_get(paged, "jobactivity", cursor=cursor, **{"$filter": "active eq 1"}), "cursor")
    _assert_400(_get(paged, "jobactivity", cursor=cursor), "cursor")
    unfiltered = _get(paged, "jobactivity", cursor="-1").headers["x-next-cursor"]
    _assert_400(_get(paged, "jobactivity", cursor=unfiltered, **{"$filter": SCHEDULED}), "cursor")
    assert _get(paged, "jobactivity", cursor=cursor, **{"$filter": SCHEDULED}).status_code == 200


def test_a_cursor_for_another_resource_is_400(paged: Emulator) -> None:
    """A jobactivity cursor does not page through jobs."""
    cursor = _get(paged, "jobactivity", cursor="-1").headers["x-next-cursor"]
    _assert_400(_get(paged, "job", cursor=cursor), "cursor")


def test_an_expired_cursor_is_400(fake_clock: Any) -> None:
    """A cursor older than cursor_ttl answers 400; within its lifetime it works."""
    with Emulator(seed=0, scale="small", page_size=PAGE, clock=fake_clock, cursor_ttl=60) as emu:
        first = _get(emu, "jobactivity", cursor="-1")
        cursor = first.headers["x-next-cursor"]
        fake_clock.advance(59)
        fresh = _get(emu, "jobactivity", cursor=cursor)
        assert fresh.status_code == 200
        assert _uuids(fresh.json()) == _uuids(emu.account.tables["jobactivity"][PAGE:2 * PAGE])
        following = fresh.headers["x-next-cursor"]
        fake_clock.advance(61)
        _assert_400(_get(emu, "jobactivity", cursor=following), "expired")
        _assert_400(_get(emu, "jobactivity", cursor=cursor), "expired")
        restarted = _get(emu, "jobactivity", cursor="-1")
        assert restarted.status_code == 200
        assert _uuids(restarted.json()) == _uuids(first.json())


def test_paging_survives_records_created_between_pages() -> None:
    """A record created mid-walk neither shifts the pages already read nor gets lost (it comes last)."""
    with Emulator(seed=0, scale="small", page_size=3, per_minute=100_000, per_day=1_000_000) as emu:
        original = _uuids(emu.account.tables["category"])
        first = _get(emu, "category", cursor="-1")
        created = requests.post(f"{emu.base_url}/category.json", json={"name": "Mid-walk"},
                                headers={"X-Api-Key": emu.api_key})
        assert created.status_code == 200
        rest: list[str] = []
        cursor = first.headers.get("x-next-cursor")
        while cursor:
            page = _get(emu, "category", cursor=cursor)
            rest += _uuids(page.json())
            cursor = page.headers.get("x-next-cursor")
        assert _uuids(first.json()) + rest == original + [created.headers["x-record-uuid"]]
