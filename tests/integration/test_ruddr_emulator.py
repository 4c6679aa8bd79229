"""The Ruddr emulator over real HTTP: auth, paths, paging, filters, errors, rate limit, faults, the command line.

Most tests share one emulator (rate limit raised so that walking many pages is never throttled);
the rate-limit tests run their own on a fake clock. Filters are checked against a Python
evaluation of the same records (``workspace.tables``), written here independently of the app.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from smexplore.ruddr.emulator import DEMO_TOKEN, RESOURCES, RuddrEmulator, Workspace, build_workspace

ROOT = Path(__file__).resolve().parents[2]
UNAUTHORIZED = {"status": 401, "message": "The provided bearer token is missing or invalid."}
LOCKED = {"status": 423, "message": "API access is disabled, please contact support for assistance."}
TOO_MANY = {"status": 429, "message": "Too many requests"}
NOT_FOUND = {"status": 404, "message": "The resource or endpoint does not exist."}
Record = dict[str, Any]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return build_workspace(0, "small")


@pytest.fixture(scope="module")
def emu(workspace: Workspace) -> Iterator[RuddrEmulator]:
    with RuddrEmulator(workspace=workspace, per_second=1e6, burst=1_000_000) as emulator:
        yield emulator


@pytest.fixture
def api(emu: RuddrEmulator) -> Iterator[requests.Session]:
    emu.faults.clear()
    emu.faults.only_paths = ()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.token}"
        yield session
    emu.faults.clear()


def _get(api: requests.Session, emu: RuddrEmulator, path: str, **params: Any) -> requests.Response:
    return api.get(emu.base_url + path, params=params, timeout=30)


def _walk(api: requests.Session, emu: RuddrEmulator, resource: str, limit: int = 100,
          **filters: Any) -> tuple[list[Record], int]:
    """Every record of a filtered list, page by page with startingAfter; and how many pages it took."""
    records: list[Record] = []
    params: dict[str, Any] = {"limit": limit, **filters}
    pages = 0
    while True:
        response = _get(api, emu, f"/{resource}", **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"results", "hasMore"}
        assert len(body["results"]) <= limit
        records += body["results"]
        pages += 1
        if not body["hasMore"]:
            return records, pages
        assert len(body["results"]) == limit
        params["startingAfter"] = body["results"][-1]["id"]


def _ids(records: list[Record]) -> list[str]:
    return [r["id"] for r in records]


# --- authentication ---------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Bearer "},
                                     {"Authorization": f"Basic {DEMO_TOKEN}"}, {"Authorization": DEMO_TOKEN},
                                     {"X-Api-Key": DEMO_TOKEN}],
                         ids=["none", "wrong", "empty", "basic", "no scheme", "other header"])
@pytest.mark.parametrize("path", ["", "/allocations", "/members/00000000-0000-4000-8000-000000000000", "/nothing"])
def test_missing_or_wrong_token_is_401_with_the_documented_body(emu: RuddrEmulator, headers: dict[str, str],
                                                               path: str) -> None:
    response = requests.get(emu.base_url + path, headers=headers, timeout=30)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == UNAUTHORIZED


def test_the_scheme_is_case_insensitive_and_more_keys_may_be_accepted(workspace: Workspace) -> None:
    with RuddrEmulator(workspace=workspace, token="main-key", tokens=["second-key"]) as emulator:
        for header in ("Bearer main-key", "bearer main-key", "BEARER  main-key ", "Bearer second-key"):
            assert requests.get(emulator.base_url, headers={"Authorization": header}, timeout=30).status_code == 200
        assert requests.get(emulator.base_url, headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
                            timeout=30).status_code == 401


def test_api_access_turned_off_is_423_with_the_documented_body(workspace: Workspace) -> None:
    with RuddrEmulator(workspace=workspace, api_access=False) as emulator:
        headers = {"Authorization": f"Bearer {emulator.token}"}
        locked = requests.get(f"{emulator.base_url}/allocations", headers=headers, timeout=30)
        assert locked.status_code == 423 and locked.json() == LOCKED
        assert requests.get(f"{emulator.base_url}/allocations", timeout=30).json() == UNAUTHORIZED  # 401 first
        emulator.api_access = True
        assert requests.get(f"{emulator.base_url}/allocations", headers=headers, timeout=30).status_code == 200


def test_the_workspace_root_answers_id_and_name(api: requests.Session, emu: RuddrEmulator) -> None:
    """The quick-start smoke test: GET /api/workspace → {"id", "name"}."""
    response = _get(api, emu, "")
    assert response.status_code == 200
    assert response.json() == {"id": emu.workspace.id, "name": "Harbour & Finch Consulting"}
    assert emu.base_url.endswith("/api/workspace")


# --- paths --------------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
def test_each_list_and_each_record(api: requests.Session, emu: RuddrEmulator, resource: str) -> None:
    """A first page of the default size (10), newest first; each record is also GET /{resource}/{id}."""
    response = _get(api, emu, f"/{resource}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["results", "hasMore"]
    table = emu.workspace.tables[resource]
    assert body["results"] == table[:10] and body["hasMore"] == (len(table) > 10)
    for record in body["results"][:3]:
        one = _get(api, emu, f"/{resource}/{record['id']}")
        assert one.status_code == 200 and one.json() == record
    upper = _get(api, emu, f"/{resource}/{body['results'][0]['id'].upper()}")
    assert upper.status_code == 200 and upper.json()["id"] == body["results"][0]["id"]


def test_an_allocation_looks_like_the_documents(api: requests.Session, emu: RuddrEmulator) -> None:
    allocation = _get(api, emu, "/allocations", limit=1).json()["results"][0]
    assert list(allocation) == [
        "id", "resourceTypeId", "assignmentTypeId", "start", "end", "unit", "hoursPerDay", "hoursPerWeek",
        "hoursPerMonth", "hoursPerAllocation", "hoursRatioOfCapacity", "allocateOnTimeOffDays", "totalHours",
        "isBillable", "bookingTypeId", "notes", "readOnly", "entity", "createdAt", "member", "placeholder", "project",
        "role", "task", "timeOffType"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", allocation["createdAt"])
    text = _get(api, emu, "/allocations", limit=100).text
    assert re.search(r'"hoursPerDay":\d+(\.\d+)?,', text)  # numbers, as JavaScript writes them


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_unknown_id_is_404_and_a_malformed_one_400(api: requests.Session, emu: RuddrEmulator,
                                                      resource: str) -> None:
    missing = _get(api, emu, f"/{resource}/8f1d2c3b-4a5e-4f60-9a7b-0c1d2e3f4a5b")
    assert missing.status_code == 404 and missing.json() == NOT_FOUND
    malformed = _get(api, emu, f"/{resource}/not-a-uuid")
    assert malformed.status_code == 400
    assert malformed.json() == {"status": 400, "message": "Parameter 'id' is not a valid UUID."}


@pytest.mark.parametrize("path", ["/nothing", "/time-off-types", "/allocations/x/y", "/../api_1.0/job.json"])
def test_unknown_paths_are_404(api: requests.Session, emu: RuddrEmulator, path: str) -> None:
    response = _get(api, emu, path)
    assert response.status_code == 404 and response.json() == NOT_FOUND
    outside = api.get(emu.base_url.replace("/api/workspace", "/api/other"), timeout=30)
    assert outside.status_code == 404 and outside.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_emulator_is_read_only(api: requests.Session, emu: RuddrEmulator, method: str) -> None:
    record = emu.workspace.tables["allocations"][0]
    for path in ("/allocations", f"/allocations/{record['id']}"):
        response = api.request(method, emu.base_url + path, json={"notes": "x"}, timeout=30)
        assert response.status_code == 405
        assert response.json()["status"] == 405 and "GET" in response.headers["Allow"]
    assert emu.workspace.tables["allocations"][0] == record


# --- paging -------------------------------------------------------------------------------------
def test_paging_forward_over_many_pages_loses_and_repeats_nothing(api: requests.Session, emu: RuddrEmulator) -> None:
    records, pages = _walk(api, emu, "allocations")
    table = emu.workspace.tables["allocations"]
    assert pages == -(-len(table) // 100) and pages >= 15
    assert len(set(_ids(records))) == len(records) == len(table)
    assert _ids(records) == _ids(table)
    stamps = [r["createdAt"] for r in records]
    assert stamps == sorted(stamps, reverse=True)


def test_paging_backward_with_ending_before(api: requests.Session, emu: RuddrEmulator) -> None:
    """From the last record back to the first: the previous pages hold every other record once, in order."""
    table = emu.workspace.tables["allocations"]
    cursor, seen, pages = table[-1]["id"], [table[-1]], 0
    while True:
        body = _get(api, emu, "/allocations", limit=100, endingBefore=cursor).json()
        assert 0 < len(body["results"]) <= 100
        seen = body["results"] + seen
        pages += 1
        if not body["hasMore"]:
            break
        assert len(body["results"]) == 100
        cursor = body["results"][0]["id"]
    assert pages >= 15 and _ids(seen) == _ids(table) and len(set(_ids(seen))) == len(table)


def test_next_then_previous_page_returns_to_the_first(api: requests.Session, emu: RuddrEmulator) -> None:
    first = _get(api, emu, "/time-entries", limit=25).json()
    second = _get(api, emu, "/time-entries", limit=25, startingAfter=first["results"][-1]["id"]).json()
    back = _get(api, emu, "/time-entries", limit=25, endingBefore=second["results"][0]["id"]).json()
    assert back["results"] == first["results"] and back["hasMore"] is False
    assert second["hasMore"] is True and not set(_ids(first["results"])) & set(_ids(second["results"]))


def test_paging_a_filtered_list_in_both_directions(api: requests.Session, emu: RuddrEmulator) -> None:
    member = emu.workspace.tables["members"][3]["id"]
    expected = [a for a in emu.workspace.tables["allocations"] if a["member"] and a["member"]["id"] == member]
    forward, pages = _walk(api, emu, "allocations", limit=7, memberId=member)
    assert forward == expected and pages >= 10
    last = expected[-1]["id"]
    backward = _get(api, emu, "/allocations", limit=100, endingBefore=last, memberId=member).json()
    assert backward["results"] == expected[-101:-1] and backward["hasMore"] == (len(expected) > 101)


def test_a_cursor_outside_the_filter_keeps_its_place(api: requests.Session, emu: RuddrEmulator) -> None:
    """startingAfter an id the filter excludes: the matching records after it (keyset paging)."""
    table = emu.workspace.tables["allocations"]
    pivot = next(i for i, a in enumerate(table) if a["assignmentTypeId"] == "project" and i > 50)
    after = [a for a in table[pivot + 1:] if a["assignmentTypeId"] == "time_off"][:20]
    body = _get(api, emu, "/allocations", limit=20, assignmentTypeId="time_off",
                startingAfter=table[pivot]["id"]).json()
    assert body["results"] == after


@pytest.mark.parametrize(("limit", "count"), [(1, 1), ("1", 1), (37, 37), (100, 100), ("0100", 100)])
def test_limit_from_1_to_100(api: requests.Session, emu: RuddrEmulator, limit: Any, count: int) -> None:
    body = _get(api, emu, "/time-entries", limit=limit).json()
    assert len(body["results"]) == count and body["hasMore"] is True


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1000", "abc", "1.5", "", " 5", "9" * 5000, "１０"])
def test_limit_outside_1_to_100_is_400(api: requests.Session, emu: RuddrEmulator, limit: str) -> None:
    response = _get(api, emu, "/allocations", limit=limit)
    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": "Parameter 'limit' must be an integer from 1 to 100."}


@pytest.mark.parametrize(("params", "message"), [
    ({"startingAfter": "nope"}, "Parameter 'startingAfter' is not a valid UUID."),
    ({"endingBefore": ""}, "Parameter 'endingBefore' is not a valid UUID."),
    ({"startingAfter": "8f1d2c3b-4a5e-4f60-9a7b-0c1d2e3f4a5b"},
     "Parameter 'startingAfter' does not refer to an existing object."),
    ({"startingAfter": "ID", "endingBefore": "ID"},
     "Parameters 'startingAfter' and 'endingBefore' cannot be used together."),
])
def test_bad_cursors_are_400(api: requests.Session, emu: RuddrEmulator, params: dict[str, str], message: str) -> None:
    real = emu.workspace.tables["allocations"][5]["id"]
    response = _get(api, emu, "/allocations", **{k: real if v == "ID" else v for k, v in params.items()})
    assert response.status_code == 400 and response.json() == {"status": 400, "message": message}


# --- filters ------------------------------------------------------------------------------------
def _at(record: Record, *path: str) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, dict) else None  # type: ignore[assignment]
    return record


_UUID_FIELDS = {
    ("allocations", "memberId"): ("member", "id"), ("allocations", "resourcePlaceholderId"): ("placeholder", "id"),
    ("allocations", "projectId"): ("project", "id"), ("time-entries", "memberId"): ("member", "id"),
    ("time-entries", "projectId"): ("project", "id"), ("projects", "clientId"): ("client", "id"),
    ("project-roles", "projectId"): ("project", "id"), ("project-tasks", "projectId"): ("project", "id"),
}
_COMPARISONS: dict[str, Callable[[str, str], bool]] = {
    "": lambda a, b: a == b, "After": lambda a, b: a > b, "OnAfter": lambda a, b: a >= b,
    "Before": lambda a, b: a < b, "OnBefore": lambda a, b: a <= b,
}


def _check(api: requests.Session, emu: RuddrEmulator, resource: str, keep: Callable[[Record], bool],
           **filters: Any) -> list[Record]:
    expected = [r for r in emu.workspace.tables[resource] if keep(r)]
    got, _ = _walk(api, emu, resource, **filters)
    assert _ids(got) == _ids(expected), filters
    return got


@pytest.mark.parametrize(("resource", "name"), list(_UUID_FIELDS))
def test_id_filters(api: requests.Session, emu: RuddrEmulator, resource: str, name: str) -> None:
    path = _UUID_FIELDS[resource, name]
    values = sorted({_at(r, *path) for r in emu.workspace.tables[resource]} - {None})
    for value in (values[0], values[len(values) // 2], values[-1].upper()):
        got = _check(api, emu, resource, lambda r, v=value: _at(r, *path) == v.lower(), **{name: value})
        assert got
    assert _check(api, emu, resource, lambda r: False, **{name: "8f1d2c3b-4a5e-4f60-9a7b-0c1d2e3f4a5b"}) == []


@pytest.mark.parametrize(("resource", "name", "choices"), [
    ("allocations", "assignmentTypeId", ("project", "time_off")),
    ("allocations", "resourceTypeId", ("member", "placeholder")),
    ("time-entries", "typeId", ("time_off",)),
    ("projects", "statusId", ("tentative", "not_started", "in_progress", "paused", "completed")),
])
def test_enum_filters(api: requests.Session, emu: RuddrEmulator, resource: str, name: str,
                      choices: tuple[str, ...]) -> None:
    for value in choices:
        _check(api, emu, resource, lambda r, v=value: r[name] == v, **{name: value})


@pytest.mark.parametrize(("resource", "field", "pivots"), [
    ("allocations", "start", ("2026-02-16", "2026-06-01", "2025-03-10")),
    ("allocations", "end", ("2026-02-27", "2026-07-31", "2025-03-14")),
    ("time-entries", "date", ("2026-01-14", "2026-02-23", "2025-03-07")),
])
def test_date_filters(api: requests.Session, emu: RuddrEmulator, resource: str, field: str,
                      pivots: tuple[str, str, str]) -> None:
    """Each of field, fieldAfter, fieldOnAfter, fieldBefore, fieldOnBefore ("On" includes the day)."""
    equal, late, early = pivots
    for suffix, compare in _COMPARISONS.items():
        pivot = equal if suffix == "" else late if "After" in suffix else early
        got = _check(api, emu, resource, lambda r, c=compare, p=pivot: c(r[field], p), **{f"{field}{suffix}": pivot})
        assert got, (suffix, pivot)


def test_overlap_window_and_filters_combine(api: requests.Session, emu: RuddrEmulator) -> None:
    """startOnBefore + endOnAfter find the allocations overlapping a window; every filter must hold."""
    member = emu.workspace.tables["members"][0]["id"]
    got = _check(api, emu, "allocations",
                 lambda r: r["start"] <= "2026-03-06" and r["end"] >= "2026-03-02" and r["member"] is not None
                 and r["member"]["id"] == member and r["assignmentTypeId"] == "project",
                 startOnBefore="2026-03-06", endOnAfter="2026-03-02", memberId=member, assignmentTypeId="project")
    assert got


@pytest.mark.parametrize(("resource", "field"), [("members", "name"), ("members", "email"), ("projects", "name"),
                                                 ("clients", "name"), ("resource-placeholders", "name")])
def test_text_filters(api: requests.Session, emu: RuddrEmulator, resource: str, field: str) -> None:
    """Exact by the bare name; Contains, StartsWith and EndsWith ignore case."""
    sample = emu.workspace.tables[resource][1][field]
    _check(api, emu, resource, lambda r: r[field] == sample, **{field: sample})
    _check(api, emu, resource, lambda r: False, **{field: sample.swapcase()})
    part = sample[1:4].swapcase()
    _check(api, emu, resource, lambda r: part.casefold() in r[field].casefold(), **{f"{field}Contains": part})
    _check(api, emu, resource, lambda r: r[field].casefold().startswith(sample[:2].casefold()),
           **{f"{field}StartsWith": sample[:2].upper()})
    _check(api, emu, resource, lambda r: r[field].casefold().endswith(sample[-3:].casefold()),
           **{f"{field}EndsWith": sample[-3:].upper()})
    assert _check(api, emu, resource, lambda r: True, **{f"{field}Contains": ""})


def test_code_filters_are_exact(api: requests.Session, emu: RuddrEmulator) -> None:
    for resource in ("projects", "clients"):
        code = emu.workspace.tables[resource][2]["code"]
        assert len(_check(api, emu, resource, lambda r, c=code: r["code"] == c, code=code)) == 1


@pytest.mark.parametrize(("resource", "params", "name"), [
    ("allocations", {"memberId": "123"}, "memberId"),
    ("allocations", {"projectId": "8f1d2c3b4a5e4f609a7b0c1d2e3f4a5b"}, "projectId"),
    ("allocations", {"resourcePlaceholderId": ""}, "resourcePlaceholderId"),
    ("allocations", {"assignmentTypeId": "holiday"}, "assignmentTypeId"),
    ("allocations", {"resourceTypeId": "Member"}, "resourceTypeId"),
    ("allocations", {"startOnBefore": "2025-13-01"}, "startOnBefore"),
    ("allocations", {"startOnBefore": "20250301"}, "startOnBefore"),
    ("allocations", {"endAfter": "2025-02-29"}, "endAfter"),
    ("allocations", {"start": ""}, "start"),
    ("time-entries", {"date": "yesterday"}, "date"),
    ("time-entries", {"dateOnAfter": "2025-1-5"}, "dateOnAfter"),
    ("time-entries", {"typeId": "project"}, "typeId"),
    ("projects", {"statusId": "done"}, "statusId"),
    ("projects", {"clientId": "☃"}, "clientId"),
    ("project-roles", {"projectId": "x" * 10_000}, "projectId"),
])
def test_malformed_filter_values_are_400_naming_the_parameter(api: requests.Session, emu: RuddrEmulator,
                                                              resource: str, params: dict[str, str],
                                                              name: str) -> None:
    response = _get(api, emu, f"/{resource}", **params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"status", "message"} and body["status"] == 400
    assert f"Parameter '{name}'" in body["message"]


def test_a_parameter_given_twice_is_400(api: requests.Session, emu: RuddrEmulator) -> None:
    member = emu.workspace.tables["members"][0]["id"]
    response = api.get(f"{emu.base_url}/allocations", params=[("memberId", member), ("memberId", member)], timeout=30)
    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": "Parameter 'memberId' must be given only once."}


def test_unknown_parameters_are_ignored_unless_asked_to_refuse(api: requests.Session, emu: RuddrEmulator,
                                                               workspace: Workspace) -> None:
    plain = _get(api, emu, "/allocations", limit=5).json()
    assert _get(api, emu, "/allocations", limit=5, isBillable="true", sort="start").json() == plain
    with RuddrEmulator(workspace=workspace, reject_unknown=True) as strict:
        response = requests.get(f"{strict.base_url}/allocations", params={"isBillable": "true"},
                                headers={"Authorization": f"Bearer {strict.token}"}, timeout=30)
        assert response.status_code == 400
        assert response.json() == {"status": 400, "message": "Parameter 'isBillable' is not supported by this endpoint."}


@pytest.mark.parametrize("value", ["\x00", "%", "'; drop table", "\ud7ff", "𝔘𝔫𝔦", "2025-03-01T00:00:00Z", "[]", "{}",
                                   "9" * 50, "-2025-03-01", "+2025-03-01", " 2025-03-01"])
def test_no_value_gives_a_500(api: requests.Session, emu: RuddrEmulator, value: str) -> None:
    for resource, names in (("allocations", ("memberId", "assignmentTypeId", "startOnAfter", "limit",
                                             "startingAfter")), ("members", ("nameContains", "email"))):
        for name in names:
            response = _get(api, emu, f"/{resource}", **{name: value})
            assert response.status_code in (200, 400), (name, value, response.text)
            assert set(response.json()) in ({"results", "hasMore"}, {"status", "message"})


# --- rate limit ---------------------------------------------------------------------------------
@pytest.fixture
def limited(workspace: Workspace) -> Iterator[tuple[RuddrEmulator, FakeClock]]:
    clock = FakeClock()
    with RuddrEmulator(workspace=workspace, tokens=["second-key"], clock=clock) as emulator:
        yield emulator, clock


def _statuses(emulator: RuddrEmulator, count: int, token: str | None = None) -> list[int]:
    headers = {"Authorization": f"Bearer {token or emulator.token}"}
    return [requests.get(emulator.base_url, headers=headers, timeout=30).status_code for _ in range(count)]


def test_a_burst_of_60_then_429_with_the_documented_body(limited: tuple[RuddrEmulator, FakeClock]) -> None:
    emulator, _ = limited
    assert _statuses(emulator, 60) == [200] * 60
    refused = requests.get(f"{emulator.base_url}/allocations", headers={"Authorization": f"Bearer {emulator.token}"},
                           timeout=30)
    assert refused.status_code == 429 and refused.json() == TOO_MANY
    assert "Retry-After" not in refused.headers  # none documented


def test_20_a_second_after_the_burst_and_recovery(limited: tuple[RuddrEmulator, FakeClock]) -> None:
    emulator, clock = limited
    assert _statuses(emulator, 61) == [200] * 60 + [429]
    clock.advance(0.05)  # one token drips back every 1/20 s
    assert _statuses(emulator, 2) == [200, 429]
    clock.advance(1.0)
    assert _statuses(emulator, 21) == [200] * 20 + [429]
    clock.advance(3600)  # a long quiet spell refills the bucket to 60, not more
    assert _statuses(emulator, 61) == [200] * 60 + [429]


def test_the_limit_is_shared_by_the_workspaces_keys_and_401s_do_not_count(
        limited: tuple[RuddrEmulator, FakeClock]) -> None:
    emulator, clock = limited
    assert _statuses(emulator, 10, "wrong") == [401] * 10
    assert _statuses(emulator, 30) + _statuses(emulator, 30, "second-key") == [200] * 60
    assert _statuses(emulator, 1, "second-key") == [429]
    assert _statuses(emulator, 1) == [429]
    clock.advance(0.1)
    assert _statuses(emulator, 3, "second-key") == [200, 200, 429]


def test_retry_after_when_asked(workspace: Workspace) -> None:
    clock = FakeClock()
    with RuddrEmulator(workspace=workspace, clock=clock, per_second=0.5, burst=2, retry_after=True) as emulator:
        assert _statuses(emulator, 2) == [200, 200]
        refused = requests.get(emulator.base_url, headers={"Authorization": f"Bearer {emulator.token}"}, timeout=30)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"  # a token every 2 s
        clock.advance(2)
        assert _statuses(emulator, 2) == [200, 429]


# --- faults and the request log -------------------------------------------------------------------
def test_injected_errors_then_recovery(api: requests.Session, emu: RuddrEmulator) -> None:
    emu.faults.fail_next(2, status=503)
    emu.faults.rate_limit_next(1)
    responses = [_get(api, emu, "/allocations") for _ in range(4)]
    assert [r.status_code for r in responses] == [503, 503, 429, 200]
    assert responses[0].json()["status"] == 503 and responses[0].json()["message"]
    assert responses[2].json() == TOO_MANY
    emu.faults.fail_next()
    assert _get(api, emu, "/members").json() == {"status": 500, "message": "Something went wrong on Ruddr's end."}


def test_spoiled_bodies(api: requests.Session, emu: RuddrEmulator) -> None:
    whole = _get(api, emu, "/allocations", limit=50).content
    emu.faults.truncate_next()
    cut = _get(api, emu, "/allocations", limit=50)
    assert cut.status_code == 200 and whole.startswith(cut.content) and len(cut.content) < len(whole)
    with pytest.raises(ValueError):
        json.loads(cut.content)
    emu.faults.cut_connection_next()
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.get(f"{emu.base_url}/allocations", params={"limit": 50},
                     headers={"Authorization": f"Bearer {emu.token}"}, timeout=30)
    assert _get(api, emu, "/allocations", limit=50).content == whole


def test_error_rate_and_only_paths(api: requests.Session, emu: RuddrEmulator) -> None:
    emu.faults.only_paths = ("/time-entries",)
    emu.faults.error_rate = 1.0
    assert _get(api, emu, "/allocations").status_code == 200
    assert {_get(api, emu, "/time-entries").status_code for _ in range(6)} <= {500, 503}


def test_the_log_holds_requests_never_the_token(emu: RuddrEmulator) -> None:
    emu.log.clear()
    headers = {"Authorization": f"Bearer {emu.token}"}
    member = emu.workspace.tables["members"][0]["id"]
    requests.get(f"{emu.base_url}/members/{member}", headers=headers, timeout=30)
    requests.get(f"{emu.base_url}/allocations", params={"limit": "2", "note": emu.token}, headers=headers, timeout=30)
    requests.get(f"{emu.base_url}/allocations", params={"token": emu.token}, timeout=30)
    requests.get(emu.base_url, headers=headers, timeout=30)
    entries = emu.log.entries()
    assert [(e.method, e.resource, e.status) for e in entries] == [
        ("GET", "members", 200), ("GET", "allocations", 200), ("GET", "allocations", 401), ("GET", "", 200)]
    assert entries[1].query == {"limit": "2", "note": "[redacted]"} and entries[2].query == {}
    assert not any(emu.token in repr(e) for e in entries)


# --- the command line -----------------------------------------------------------------------------
def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def test_the_emulator_command_serves_ruddr_on_its_own() -> None:
    """`smexplore emulator --system ruddr --port 0 --api-key KEY`: prints its URL and key, accepts KEY, stops on SIGINT."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smexplore.cli", "emulator", "--system", "ruddr", "--port", "0", "--seed", "2",
         "--api-key", "my-ruddr-key"],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        lines: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        first, second = lines.get(timeout=60), lines.get(timeout=30)
        assert first is not None and second is not None, "the emulator exited before printing its address"
        match = re.search(r"serving at (http://127\.0\.0\.1:(\d+)/api/workspace)\s*$", first)
        assert match and int(match.group(2)) > 0, first
        assert "Ruddr" in first and "seed 2" in first and "my-ruddr-key" in second
        base_url = match.group(1)
        ok = requests.get(f"{base_url}/allocations", params={"limit": 3},
                          headers={"Authorization": "Bearer my-ruddr-key"}, timeout=30)
        assert ok.status_code == 200 and len(ok.json()["results"]) == 3
        assert ok.json()["results"][0] == build_workspace(2).tables["allocations"][0]
        refused = requests.get(f"{base_url}/allocations", headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
                               timeout=30)
        assert refused.status_code == 401 and refused.json() == UNAUTHORIZED
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        stderr = process.stderr.read() if process.stderr else ""
        assert "my-ruddr-key" not in stderr
        assert "/api/workspace/allocations" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize(("args", "message"), [
    (["--system", "ruddr", "--per-minute", "5"], "--per-minute cannot be used with --system ruddr"),
    (["--burst", "5"], "--burst cannot be used with --system servicem8"),
    (["--system", "ruddr", "--per-second", "0"], "argument --per-second"),
    (["--system", "nosuch"], "argument --system"),
])
def test_options_of_the_other_system_are_usage_errors(args: list[str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "smexplore", "emulator", "--port", "0", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and message in result.stderr and "serving at" not in result.stdout


def test_repr_and_start_stop(workspace: Workspace) -> None:
    emulator = RuddrEmulator(workspace=workspace)
    assert repr(emulator) == "<RuddrEmulator not running seed=0 scale='small'>"
    with emulator:
        assert emulator.running and emulator.base_url in repr(emulator)
        assert emulator.start() is emulator
    assert not emulator.running
    emulator.stop()
    assert date.fromisoformat(workspace.tables["allocations"][0]["start"])
