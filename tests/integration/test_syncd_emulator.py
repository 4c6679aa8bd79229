"""The Syncd emulator over real HTTP, read with ``requests`` and ``xml.etree.ElementTree``: auth, every path,
item ranges, ``include=``, typed and nil values, children, ``for=time``, assignments and their inheritance,
time-entry filters, errors, job writes, faults and the command line.

Most tests share one emulator with a small ``page_size`` (so that lists take many pages). The
inheritance of assignments is checked against a computation written here from what the API
lists (jobs, assignments, user groups), independently of the emulator's own.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from smexplore.cli import main
from smexplore.syncd.emulator import DEMO_PASSWORD, DEMO_USER, Account, SyncdEmulator, build_account

ROOT = Path(__file__).resolve().parents[2]
PAGE = 25
REGULAR_PASSWORD = "regular-password-1"
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
JOB_FIELDS = ["id", "job-type-id", "parent-id", "name", "code", "description", "url", "active", "effectively-active"]


@pytest.fixture(scope="module")
def account() -> Account:
    return build_account(0, "small")


@pytest.fixture(scope="module")
def regular(account: Account) -> str:
    """The login of a plain user (no manager rights), who may log in with ``REGULAR_PASSWORD``."""
    user = account.users[5]
    assert user.active and user.rights.manager_for_job_type_id is None and not user.rights.view_management_reports
    return user.name


@pytest.fixture(scope="module")
def emu(account: Account, regular: str) -> Iterator[SyncdEmulator]:
    with SyncdEmulator(data=account, page_size=PAGE, logins={regular: REGULAR_PASSWORD}) as emulator:
        yield emulator


@pytest.fixture
def api(emu: SyncdEmulator) -> Iterator[requests.Session]:
    emu.faults.clear()
    emu.faults.only_paths = ()
    with requests.Session() as session:
        session.auth = (emu.user, emu.password)
        yield session
    emu.faults.clear()


@pytest.fixture
def as_regular(emu: SyncdEmulator, regular: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = (regular, REGULAR_PASSWORD)
        yield session


# --- helpers ----------------------------------------------------------------------------------
def _get(api: requests.Session, emu: SyncdEmulator, path: str, **params: Any) -> requests.Response:
    return api.get(emu.base_url + path, params=params, timeout=30)


def _xml(response: requests.Response, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def _value(element: ET.Element | None) -> Any:
    """A typed element's Python value (``nil="true"`` → None)."""
    assert element is not None
    if element.get("nil") == "true":
        assert not (element.text or "").strip() and len(element) == 0
        return None
    kind, text = element.get("type"), element.text or ""
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        assert text in ("true", "false")
        return text == "true"
    if kind == "datetime":
        return datetime.fromisoformat(text)
    if kind == "date":
        return date.fromisoformat(text)
    assert kind is None, kind
    return text


def _record(element: ET.Element) -> dict[str, Any]:
    return {child.tag: _value(child) for child in element if len(child) == 0 or child.get("type") == "array"}


def _walk(api: requests.Session, emu: SyncdEmulator, path: str, size: int | None = None, /,
          **params: Any) -> tuple[list[ET.Element], int, int]:
    """Every item of a list, range by range (``size`` items asked each time, or open ranges); the items,
    the list's ``total`` and the number of requests."""
    items: list[ET.Element] = []
    start, requests_made, total = 1, 0, -1
    while True:
        ranged = {"start": start, **({"end": start + size - 1} if size else {})}
        root = _xml(_get(api, emu, path, **params, **ranged))
        requests_made += 1
        assert root.get("type") == "array" and root.get("start") == str(start)
        total = int(root.get("total", "-1"))
        got = list(root)
        assert int(root.get("end", "0")) == start + len(got) - 1
        assert len(got) <= min(size or PAGE, PAGE)
        items.extend(got)
        if not got:
            return items, total, requests_made
        start += len(got)
        if start > total:
            return items, total, requests_made


def _ids(items: list[ET.Element]) -> list[int]:
    return [int(item.findtext("id", "")) for item in items]


# --- authentication ---------------------------------------------------------------------------
def test_basic_auth_is_required_and_a_401_challenges_for_it(emu: SyncdEmulator, regular: str) -> None:
    url = f"{emu.base_url}/jobs.xml"
    for auth in (None, (emu.user, "wrong"), ("nobody", emu.password), (regular, emu.password)):
        refused = requests.get(url, auth=auth, timeout=30)
        root = _xml(refused, 401)
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="Syncd"'
        assert root.tag == "errors" and root.findtext("error") == "HTTP Basic: Access denied."
    refused = requests.get(url, headers={"Authorization": f"Bearer {emu.password}"}, timeout=30)
    assert refused.status_code == 401
    assert _xml(requests.get(url, auth=(DEMO_USER, DEMO_PASSWORD), timeout=30)).tag == "jobs"
    assert _xml(requests.get(url, auth=(regular, REGULAR_PASSWORD), timeout=30)).tag == "jobs"


def test_an_inactive_user_cannot_log_in(account: Account) -> None:
    gone = next(u for u in account.users if not u.active)
    with SyncdEmulator(data=account, logins={gone.name: "pw"}) as emulator:
        assert requests.get(f"{emulator.base_url}/jobs.xml", auth=(gone.name, "pw"), timeout=30).status_code == 401


def test_the_log_never_holds_the_password(api: requests.Session, emu: SyncdEmulator) -> None:
    _get(api, emu, "/users.xml", note=f"x{emu.password}y", password=emu.password)
    requests.get(f"{emu.base_url}/users.xml", auth=(emu.user, "not-it"), timeout=30)
    entries = emu.log.entries()
    assert emu.password not in repr(entries)
    last_ok = [e for e in entries if e.path == "/users.xml" and e.status == 200][-1]
    assert last_ok.query == {"note": "[redacted]"} and last_ok.resource == "users"
    assert entries[-1].status == 401


# --- every path ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "root", "item"), [
    ("/jobs.xml", "jobs", "job"), ("/jobs/active.xml", "jobs", "job"), ("/jobs/inactive.xml", "jobs", "job"),
    ("/jobs/my_assignments.xml", "jobs", "job"), ("/jobs/my_active_assignments.xml", "jobs", "job"),
    ("/jobs/my_inactive_assignments.xml", "jobs", "job"), ("/jobs/root/children.xml", "jobs", "job"),
    ("/jobs/root/children/my_active_assignments.xml", "jobs", "job"), ("/job_types.xml", "job-types", "job-type"),
    ("/job_assignments.xml", "job-assignments", "job-assignment"),
    ("/job_assignments/my_assignments.xml", "job-assignments", "job-assignment"),
    ("/users.xml", "users", "user"), ("/users/active.xml", "users", "user"), ("/users/inactive.xml", "users", "user"),
    ("/user_groups.xml", "user-groups", "user-group"), ("/activities.xml", "activities", "activity"),
    ("/time_entries.xml", "time-entries", "time-entry"),
])
def test_each_list_answers_its_array(api: requests.Session, emu: SyncdEmulator, path: str, root: str,
                                     item: str) -> None:
    element = _xml(_get(api, emu, path))
    assert element.tag == root and element.get("type") == "array"
    assert int(element.get("total", "0")) > 0 and element.get("start") == "1"
    assert {child.tag for child in element} == {item}
    total = int(element.get("total", "0"))
    # "All jobs: GET /jobs.xml": a job list without a range is the whole list; others their first page
    assert len(element) == (total if path.startswith("/jobs") else min(PAGE, total))
    assert element.get("end") == str(len(element))


def test_each_record_is_served_by_id(api: requests.Session, emu: SyncdEmulator, account: Account) -> None:
    for path, tag, record_id in [("/jobs", "job", account.ordered_jobs()[5].id),
                                 ("/job_types", "job-type", account.job_types[1].id),
                                 ("/job_assignments", "job-assignment", account.assignments[3].id),
                                 ("/users", "user", account.users[2].id),
                                 ("/user_groups", "user-group", account.user_groups[1].id),
                                 ("/activities", "activity", account.activities[0].id),
                                 ("/time_entries", "time-entry", account.time_entries[7].id)]:
        element = _xml(_get(api, emu, f"{path}/{record_id}.xml"))
        assert element.tag == tag and element.findtext("id") == str(record_id)
    me = _xml(_get(api, emu, "/info/user.xml", include="all"))
    assert me.findtext("name") == emu.user and me.findtext("rights/manager-for-job-type-id") == "7"
    assert me.findtext("preferences/first-day-of-week") == "1"
    info = _xml(_get(api, emu, "/info/account.xml", include="job_types,time_settings"))
    assert info.findtext("name") == "demo" and info.findtext("display-name") == "Lantern & Loom Studio"
    assert [t.findtext("name") for t in info.iterfind("job-types/job-type")] == ["client", "project", "phase", "task"]


# --- item ranges ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "params"), [
    ("/jobs.xml", {}), ("/jobs/my_assignments.xml", {"for": "time"}), ("/job_assignments.xml", {}),
    ("/users.xml", {}), ("/time_entries.xml", {"start_date": "2025-10-01", "end_date": "2025-11-15"}),
])
def test_ranges_walk_every_item_once_and_total_is_right(api: requests.Session, emu: SyncdEmulator, path: str,
                                                        params: dict[str, str]) -> None:
    whole, total, pages = _walk(api, emu, path, **params)
    ids = _ids(whole)
    assert len(ids) == total == len(set(ids)) and ids == sorted(ids)
    assert pages == max(1, -(-total // PAGE))
    odd, total_again, _ = _walk(api, emu, path, 7, **params)
    assert _ids(odd) == ids and total_again == total


def test_range_edges(api: requests.Session, emu: SyncdEmulator, account: Account) -> None:
    every = sorted(account.jobs)
    first_four = _xml(_get(api, emu, "/jobs.xml", start=1, end=4))
    assert _ids(list(first_four)) == every[:4] and first_four.get("end") == "4"
    wide = _xml(_get(api, emu, "/jobs.xml", start=3, end=500))  # cut to the page size
    assert _ids(list(wide)) == every[2:2 + PAGE] and wide.get("end") == str(2 + PAGE)
    only_end = _xml(_get(api, emu, "/jobs.xml", end=2))
    assert _ids(list(only_end)) == every[:2]
    last = _xml(_get(api, emu, "/jobs.xml", start=len(every)))
    assert _ids(list(last)) == every[-1:] and last.get("end") == str(len(every))
    beyond = _xml(_get(api, emu, "/jobs.xml", start=len(every) + 5))
    assert len(beyond) == 0 and beyond.get("total") == str(len(every))
    assert beyond.get("start") == str(len(every) + 5) and beyond.get("end") == str(len(every) + 4)
    for bad in ({"start": 0}, {"start": "x"}, {"start": 5, "end": 4}, {"end": -1}, {"start": "1.5"}):
        errors = _xml(_get(api, emu, "/jobs.xml", **bad), 422)
        assert errors.tag == "errors" and ("start" in (errors.findtext("error") or "")
                                           or "end" in (errors.findtext("error") or ""))
    twice = api.get(f"{emu.base_url}/jobs.xml?start=1&start=2", timeout=30)
    assert "given 2 times" in (_xml(twice, 422).findtext("error") or "")


# --- jobs: values, ancestors, children, for=time ------------------------------------------------
def test_job_fields_types_and_nils(api: requests.Session, emu: SyncdEmulator, account: Account) -> None:
    jobs, _, _ = _walk(api, emu, "/jobs.xml")
    for element in jobs:
        assert [child.tag for child in element] == JOB_FIELDS
        record = _record(element)
        job = account.jobs[record["id"]]
        assert record == {"id": job.id, "job-type-id": job.job_type_id, "parent-id": job.parent_id,
                          "name": job.name, "code": job.code, "description": job.description, "url": job.url,
                          "active": job.active, "effectively-active": account.effectively_active(job)}
        assert element.find("parent-id").get("type") == "integer"  # type: ignore[union-attr]
    codes = [e.find("code") for e in jobs]
    assert any(c is not None and c.get("nil") == "true" for c in codes)
    assert any(c is not None and c.get("nil") is None and c.text is None for c in codes)  # <code/>: empty text
    names = [e.findtext("name") or "" for e in jobs]
    assert "Smith & Sons Framers" in names and "O'Neill Antiques" in names and "Café Lumière Gallery" in names


def test_effectively_active_follows_ancestors_and_the_scopes_select_by_it(api: requests.Session,
                                                                         emu: SyncdEmulator) -> None:
    jobs = {r["id"]: r for r in map(_record, _walk(api, emu, "/jobs.xml")[0])}
    for record in jobs.values():
        chain, parent = [record], record["parent-id"]
        while parent is not None:
            chain.append(jobs[parent])
            parent = jobs[parent]["parent-id"]
        assert record["effectively-active"] == all(r["active"] for r in chain)
    assert any(r["active"] and not r["effectively-active"] for r in jobs.values())
    active = {r["id"] for r in map(_record, _walk(api, emu, "/jobs/active.xml")[0])}
    inactive = {r["id"] for r in map(_record, _walk(api, emu, "/jobs/inactive.xml")[0])}
    assert active == {i for i, r in jobs.items() if r["effectively-active"]}
    matched = {i for i, r in jobs.items() if not r["effectively-active"]}
    assert matched <= inactive and all(jobs[i]["effectively-active"] for i in inactive - matched)  # + ancestors


def test_include_job_ancestors_nests_every_parent(api: requests.Session, emu: SyncdEmulator,
                                                  account: Account) -> None:
    task = next(j for j in account.ordered_jobs() if len(account.ancestors(j)) == 3)
    plain = _xml(_get(api, emu, f"/jobs/{task.id}.xml"))
    assert plain.findtext("parent-id") == str(task.parent_id) and plain.find("parent") is None
    nested = _xml(_get(api, emu, f"/jobs/{task.id}.xml", include="job_ancestors"))
    assert nested.find("parent-id") is None
    chain, element = [], nested.find("parent")
    while element is not None:
        chain.append(_record(element))
        element = element.find("parent")
    assert [r["id"] for r in chain] == [a.id for a in account.ancestors(task)]
    assert chain[-1]["parent-id"] is None and chain[0]["name"] == account.jobs[task.parent_id or 0].name
    assert [child.tag for child in nested][:3] == ["id", "job-type-id", "parent"]
    stamped = _record(_xml(_get(api, emu, f"/jobs/{task.id}.xml", include="timestamps")))
    assert stamped["created-at"] == task.created_at and stamped["updated-at"] == task.updated_at
    raw = _get(api, emu, f"/jobs/{task.id}.xml", include="timestamps").text
    assert UTC_STAMP.match(re.search(r"<created-at[^>]*>([^<]+)<", raw)[1])  # type: ignore[index]


def test_children_of_root_and_of_a_job(api: requests.Session, emu: SyncdEmulator, account: Account) -> None:
    roots, total, _ = _walk(api, emu, "/jobs/root/children.xml")
    assert _ids(roots) == [j.id for j in account.children(None)] and total == len(roots)
    client = account.children(None)[1]
    kids, _, _ = _walk(api, emu, f"/jobs/{client.id}/children.xml")
    assert _ids(kids) == [j.id for j in account.children(client.id)]
    assert all(_record(k)["parent-id"] == client.id for k in kids)
    live = _walk(api, emu, f"/jobs/{client.id}/children/active.xml")[0]
    assert _ids(live) == [j.id for j in account.children(client.id) if account.effectively_active(j)]
    assert _xml(_get(api, emu, "/jobs/999999/children.xml"), 404).tag == "errors"


def test_for_time_keeps_jobs_that_allow_time_and_their_ancestors(api: requests.Session, emu: SyncdEmulator,
                                                                 account: Account) -> None:
    types = {t.id: t for t in account.job_types}
    for purpose, field, flag in (("time", "allow-time-entries", "allow_time_entries"),
                                 ("expenses", "allow-expense-entries", "allow_expense_entries")):
        items, _, _ = _walk(api, emu, "/jobs/active.xml", **{"for": purpose})
        records = {r["id"]: r for r in map(_record, items)}
        allowed = {i for i, r in records.items() if r[field]}
        assert all(r[field] == getattr(types[r["job-type-id"]], flag) for r in records.values())
        expected = {j.id for j in account.jobs.values()
                    if getattr(types[j.job_type_id], flag) and account.effectively_active(j)}
        assert allowed == expected
        ancestors = {a.id for i in allowed for a in account.ancestors(account.jobs[i])}
        assert set(records) == allowed | ancestors and ancestors - allowed
        assert all(list(e)[-1].tag == field for e in items)
    assert "for must be time or expenses" in (_xml(_get(api, emu, "/jobs.xml", **{"for": "x"}), 422).findtext("error")
                                              or "")


# --- assignments and their inheritance ------------------------------------------------------------
def _expected_assignment(api: requests.Session, emu: SyncdEmulator, user_id: int) -> dict[int, bool]:
    """Job id → whether ``user_id`` is assigned, computed here from the lists the API serves."""
    jobs = sorted(map(_record, _walk(api, emu, "/jobs.xml")[0]), key=lambda r: r["id"])
    groups = {int(g.findtext("id", "")): {int(u.text or "") for u in g.iterfind("user-ids/user-id")}
              for g in _walk(api, emu, "/user_groups.xml")[0]}
    own: dict[int | None, list[set[int] | str]] = {}
    for element in _walk(api, emu, "/job_assignments.xml")[0]:
        record = _record(element)
        who: set[int] | str = ("all" if record.get("users") == "all" else set() if record.get("users") == "none"
                               else {record["user-id"]} if "user-id" in record else groups[record["user-group-id"]])
        own.setdefault(record.get("job-id") if record.get("jobs") != "all" else None, []).append(who)
    everywhere = own.get(None, [])
    held: dict[int, list[set[int] | str]] = {}
    for job in jobs:  # a parent comes before its children
        held[job["id"]] = own.get(job["id"]) or (held[job["parent-id"]] if job["parent-id"] else [])
    return {job_id: any(w == "all" or (isinstance(w, set) and user_id in w) for w in [*ways, *everywhere])
            for job_id, ways in held.items()}


def test_my_assignments_resolve_inheritance(api: requests.Session, emu: SyncdEmulator, as_regular: requests.Session,
                                            account: Account, regular: str) -> None:
    for session, login in ((api, emu.user), (as_regular, regular)):
        user = next(u for u in account.users if u.name == login)
        expected = _expected_assignment(api, emu, user.id)
        items, _, _ = _walk(session, emu, "/jobs/my_assignments.xml")
        records = {r["id"]: r for r in map(_record, items)}
        assert {i for i, r in records.items() if r["assigned"]} == {i for i, yes in expected.items() if yes}
        assert all(r["assigned"] == expected[i] for i, r in records.items())
        unassigned = {i for i, r in records.items() if not r["assigned"]}
        assert unassigned, "ancestors that are not assigned themselves come with assigned=false"
        assert [e.tag for e in items[0]][-1] == "assigned"


def test_a_regular_user_sees_only_assigned_jobs_and_their_own_things(as_regular: requests.Session,
                                                                      emu: SyncdEmulator, account: Account,
                                                                      regular: str) -> None:
    me = next(u for u in account.users if u.name == regular)
    mine = account.assigned_jobs(me.id)
    listed = set(_ids(_walk(as_regular, emu, "/jobs.xml")[0]))
    assert listed == account.with_ancestors(mine) and listed != set(account.jobs)
    hidden = next(j for j in account.ordered_jobs() if j.id not in listed)
    assert _xml(_get(as_regular, emu, f"/jobs/{hidden.id}.xml"), 404).tag == "errors"
    users = _walk(as_regular, emu, "/users.xml")[0]
    assert _ids(users) == [me.id]
    entries, total, _ = _walk(as_regular, emu, "/time_entries.xml", end_date="2025-05-31")
    assert total > 0 and {int(e.findtext("user-id", "")) for e in entries} == {me.id}
    other = next(e for e in account.time_entries if e.user_id != me.id)
    assert _get(as_regular, emu, f"/time_entries/{other.id}.xml").status_code == 404
    assignments = [_record(a) for a in _walk(as_regular, emu, "/job_assignments.xml")[0]]
    assert assignments and all(a.get("users") == "all" or a.get("user-id") == me.id or "user-group-id" in a
                               for a in assignments)
    forbidden = _xml(_get(as_regular, emu, "/users.xml", include="rights"), 403)
    assert "administrators" in (forbidden.findtext("error") or "")


def test_assignment_includes_replace_ids_with_objects(api: requests.Session, emu: SyncdEmulator,
                                                      account: Account) -> None:
    plain = {int(e.findtext("id", "")): e for e in _walk(api, emu, "/job_assignments.xml")[0]}
    rich = {int(e.findtext("id", "")): e
            for e in _walk(api, emu, "/job_assignments.xml", include="users,user_groups,jobs,timestamps")[0]}
    assert plain.keys() == rich.keys() == {a.id for a in account.assignments}
    for assignment in account.assignments:
        bare, full = plain[assignment.id], rich[assignment.id]
        if assignment.users:
            assert bare.findtext("users") == full.findtext("users") == assignment.users
        elif assignment.user_id:
            assert bare.findtext("user-id") == str(assignment.user_id) and full.find("user-id") is None
            assert full.findtext("user/id") == str(assignment.user_id) and full.findtext("user/name")
        else:
            assert bare.findtext("user-group-id") == str(assignment.user_group_id)
            assert full.findtext("user-group/id") == str(assignment.user_group_id)
            assert full.find("user-group/user-ids").get("type") == "array"  # type: ignore[union-attr]
        if assignment.job_id is None:
            assert bare.findtext("jobs") == full.findtext("jobs") == "all"
        else:
            assert bare.findtext("job-id") == str(assignment.job_id) and full.find("job-id") is None
            assert [c.tag for c in full.find("job")] == JOB_FIELDS  # type: ignore[union-attr]
        assert bare.find("created-at") is None and UTC_STAMP.match(full.findtext("created-at") or "")
    assert _xml(_get(api, emu, "/job_assignments.xml", include="nope"), 422).tag == "errors"


def test_a_jobs_assignment_list_holds_its_inherited_and_all_jobs_assignments(api: requests.Session,
                                                                            emu: SyncdEmulator,
                                                                            account: Account) -> None:
    held = account.inherited_assignments()
    job = next(j for j in account.ordered_jobs()
               if j.parent_id and not account.own_assignments(j.id) and held[j.id])
    listed = _ids(_walk(api, emu, f"/jobs/{job.id}/job_assignments.xml")[0])
    assert listed == sorted(a.id for a in [*held[job.id], *account.all_jobs_assignments()])
    user = account.users[3]
    mine = _ids(_walk(api, emu, f"/users/{user.id}/job_assignments.xml")[0])
    assert mine == [a.id for a in account.assignments if account.concerns(a, user.id)]


# --- time entries -------------------------------------------------------------------------------
def test_time_entries_shapes_offsets_and_includes(api: requests.Session, emu: SyncdEmulator,
                                                  account: Account) -> None:
    user = account.users[4]  # in London
    items, total, _ = _walk(api, emu, "/time_entries.xml", user_id=user.id, start_date="2025-03-20",
                            end_date="2025-04-10", include="users,jobs,job_ancestors,activities,billing")
    expected = [e for e in account.time_entries
                if e.user_id == user.id and date(2025, 3, 20) <= e.day <= date(2025, 4, 10)]
    assert _ids(items) == [e.id for e in expected] and total == len(expected)
    offsets = set()
    for element, entry in zip(items, expected, strict=True):
        if entry.start_time is not None:
            start_text, end_text = element.findtext("start-time") or "", element.findtext("end-time") or ""
            assert OFFSET.match(start_text) and OFFSET.match(end_text) and element.find("start-date") is None
            start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
            assert end - start == timedelta(minutes=int(element.findtext("duration", "")))
            offsets.add(start_text[-6:])
        else:
            assert element.find("start-time") is None and _value(element.find("start-date")) == entry.start_date
        assert element.findtext("user/id") == str(user.id) and element.find("user-id") is None
        assert element.findtext("job/id") == str(entry.job_id)
        depth = len(element.findall("job/parent")) + len(element.findall("job/parent/parent"))
        assert depth >= 1
        if entry.activity_id is None:
            assert element.find("activity-id").get("nil") == "true"  # type: ignore[union-attr]
        else:
            assert element.findtext("activity/id") == str(entry.activity_id)
        assert UTC_STAMP.match(element.findtext("created-at") or "")
    assert offsets == {"+00:00", "+01:00"}  # London on both sides of the clocks going forward


def test_time_entry_filters(api: requests.Session, emu: SyncdEmulator, account: Account) -> None:
    job_id = account.time_entries[100].job_id
    by_job, total, _ = _walk(api, emu, "/time_entries.xml", job_id=job_id, end_date="2025-09-30")
    assert total == len([e for e in account.time_entries if e.job_id == job_id and e.day <= date(2025, 9, 30)])
    assert {int(e.findtext("job-id", "")) for e in by_job} == {job_id}
    day = account.time_entries[500].day
    one_day = _walk(api, emu, "/time_entries.xml", start_date=day.isoformat(), end_date=day.isoformat())[0]
    assert _ids(one_day) == [e.id for e in account.time_entries if e.day == day]
    nils = _walk(api, emu, "/time_entries.xml", start_date=day.isoformat(), end_date=day.isoformat())[0]
    notes = [n.find("note") for n in nils]
    assert all(n is not None for n in notes)
    for bad in ({"start_date": "2025-13-01"}, {"end_date": "yesterday"}, {"user_id": "me"},
                {"start_date": "2025-05-02", "end_date": "2025-05-01"}):
        assert _xml(_get(api, emu, "/time_entries.xml", **bad), 422).tag == "errors"


def test_escaped_text_comes_back_intact(api: requests.Session, emu: SyncdEmulator, account: Account) -> None:
    tricky = next(e for e in account.time_entries if e.note and "<" in e.note)
    raw = _get(api, emu, f"/time_entries/{tricky.id}.xml")
    assert b"&lt;sample B&gt; &amp; sign-off" in raw.content
    assert _xml(raw).findtext("note") == tricky.note
    accented = next(e for e in account.time_entries if e.note and "✓" in e.note)
    assert _xml(_get(api, emu, f"/time_entries/{accented.id}.xml")).findtext("note") == accented.note


# --- errors -------------------------------------------------------------------------------------
def test_errors_are_xml_with_their_statuses(api: requests.Session, emu: SyncdEmulator) -> None:
    for path, status in [("/jobs/999999.xml", 404), ("/nothing.xml", 404), ("/jobs/root.xml", 404),
                         ("/users/1.xml", 404), ("/job_types/1.xml", 404), ("/jobs.json", 406), ("/jobs", 406)]:
        root = _xml(_get(api, emu, path), status)
        assert root.tag == "errors" and root.findtext("error")
    assert "Couldn't find Job with ID=999999" == _xml(_get(api, emu, "/jobs/999999.xml"), 404).findtext("error")
    refused = api.post(f"{emu.base_url}/users.xml", data="<user/>", timeout=30)
    assert _xml(refused, 405).tag == "errors" and refused.headers["Allow"] == "GET, HEAD"
    assert api.patch(f"{emu.base_url}/jobs/1.xml", timeout=30).status_code == 405
    assert _xml(_get(api, emu, "/job_types.xml", include="timestamps"), 422).tag == "errors"
    head = api.head(f"{emu.base_url}/jobs.xml", timeout=30)
    assert head.status_code == 200 and not head.content


def test_hostile_requests_never_get_a_500(api: requests.Session, emu: SyncdEmulator) -> None:
    answers = [
        _get(api, emu, "/jobs/\u0663.xml"),  # an Arabic-Indic digit is no id
        _get(api, emu, "/jobs/" + "9" * 5000 + ".xml"),
        _get(api, emu, "/jobs.xml", start="9" * 5000),
        _get(api, emu, "/jobs.xml", start="1" + "0" * 17),
        _get(api, emu, "/time_entries.xml", user_id="\u0663", include="users," * 500),
        _get(api, emu, "/jobs.xml", include="job_ancestors,job_ancestors, ,timestamps"),
        requests.get(f"{emu.base_url}/jobs.xml", headers={"Authorization": "Basic %%%"}, timeout=30),
        requests.get(f"{emu.base_url}/jobs.xml", headers={"Authorization": "Basic " + "YTpi" * 3}, timeout=30),
    ]
    assert [a.status_code for a in answers] == [404, 404, 422, 200, 422, 200, 401, 401]
    assert all(a.headers["Content-Type"].startswith("application/xml") for a in answers)
    assert len(ET.fromstring(answers[3].content)) == 0


# --- writes -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def writable(regular: str) -> Iterator[SyncdEmulator]:
    with SyncdEmulator(seed=0, logins={regular: REGULAR_PASSWORD}, clock=lambda: 1_780_000_000.0) as emulator:
        yield emulator


def _send(emu: SyncdEmulator, method: str, path: str, body: str | bytes,
          auth: tuple[str, str] | None = None) -> requests.Response:
    return requests.request(method, emu.base_url + path, data=body.encode() if isinstance(body, str) else body,
                            auth=auth or (emu.user, emu.password), headers={"Content-Type": "application/xml"},
                            timeout=30)


def test_a_job_is_created_updated_and_deleted(writable: SyncdEmulator) -> None:
    project = next(j for j in writable.data.ordered_jobs() if j.job_type_id == 8 and writable.data.effectively_active(j))
    created = _send(writable, "POST", "/jobs.xml",
                    f"<job><name>Client interview &amp; notes</name><parent-id>{project.id}</parent-id>"
                    "<code>INT</code><description>3pm Friday</description><url>www.test.com</url></job>")
    job = _record(_xml(created, 201))
    assert job["job-type-id"] == 10 and job["parent-id"] == project.id and job["name"] == "Client interview & notes"
    assert created.headers["Location"] == f"{writable.base_url}/jobs/{job['id']}.xml"
    assert job["id"] > max(j for j in writable.data.jobs if j != job["id"])
    fetched = _record(_xml(requests.get(created.headers["Location"], params={"include": "timestamps"},
                                        auth=(writable.user, writable.password), timeout=30)))
    assert fetched["created-at"] == datetime.fromtimestamp(1_780_000_000, tz=fetched["created-at"].tzinfo)
    updated = _send(writable, "PUT", f"/jobs/{job['id']}.xml", "<job><active>false</active><code nil='true'/></job>")
    assert updated.status_code == 200 and updated.content == b""
    again = _record(_xml(requests.get(created.headers["Location"], auth=(writable.user, writable.password),
                                      timeout=30)))
    assert again["active"] is False and again["code"] is None and again["name"] == job["name"]
    assert _send(writable, "DELETE", f"/jobs/{job['id']}.xml", b"").status_code == 200
    assert requests.get(created.headers["Location"], auth=(writable.user, writable.password),
                        timeout=30).status_code == 404


def test_job_writes_validate_like_rails(writable: SyncdEmulator, regular: str) -> None:
    client = writable.data.children(None)[1]
    sibling = writable.data.children(client.id)[0]
    cases = [
        (f"<job><parent-id>{client.id}</parent-id></job>", "Name can't be blank"),
        (f"<job><name>{sibling.name}</name><parent-id>{client.id}</parent-id></job>", "Name has already been taken"),
        (f"<job><name>{'x' * 51}</name></job>", "Name is too long (maximum is 50 characters)"),
        ("<job><name>Fine</name><parent-id>999999</parent-id></job>", "Parent does not exist"),
        (f"<job><name>Fine</name><code>{'c' * 51}</code></job>", "Code is too long (maximum is 50 characters)"),
        ("<job><name>Fine</name><active>maybe</active></job>", "Active must be true or false"),
        ("<project><name>Fine</name></project>", "Expected a <job> element, not <project>"),
    ]
    for body, message in cases:
        assert message in [e.text for e in _xml(_send(writable, "POST", "/jobs.xml", body), 422)]
    task = next(j for j in writable.data.ordered_jobs() if j.job_type_id == 11)
    lowest = _send(writable, "POST", "/jobs.xml", f"<job><name>Sub</name><parent-id>{task.id}</parent-id></job>")
    assert "can not have children" in (_xml(lowest, 422).findtext("error") or "")
    worked_on = writable.data.jobs[writable.data.time_entries[0].job_id]
    kept = _xml(_send(writable, "DELETE", f"/jobs/{worked_on.id}.xml", b""), 422)
    assert "can not be deleted" in (kept.findtext("error") or "") and worked_on.id in writable.data.jobs
    for raw, status in [(b"<job><name>x</name>", 400), (b"", 400), (b"x" * (64 * 1024 + 1), 413),
                        (b'<!DOCTYPE job [<!ENTITY a "aaaa">]><job><name>&a;</name></job>', 400)]:
        assert _xml(_send(writable, "POST", "/jobs.xml", raw), status).tag == "errors"
    not_manager = _send(writable, "POST", "/jobs.xml", "<job><name>Mine</name></job>", (regular, REGULAR_PASSWORD))
    assert _xml(not_manager, 403).tag == "errors"
    assert _send(writable, "POST", "/jobs/active.xml", "<job/>").status_code == 405


# --- faults -------------------------------------------------------------------------------------
def test_injected_faults(api: requests.Session, emu: SyncdEmulator) -> None:
    whole = _get(api, emu, "/jobs.xml").content
    emu.faults.fail_next(1, 503)
    failed = _get(api, emu, "/jobs.xml")
    assert failed.status_code == 503 and _xml(failed, 503).tag == "errors"
    emu.faults.rate_limit_next()
    assert _get(api, emu, "/jobs.xml").status_code == 429
    emu.faults.truncate_next()
    cut = _get(api, emu, "/jobs.xml")
    assert cut.status_code == 200 and whole.startswith(cut.content) and len(cut.content) < len(whole)
    with pytest.raises(ET.ParseError):
        ET.fromstring(cut.content)
    emu.faults.cut_connection_next()
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.get(f"{emu.base_url}/jobs.xml", auth=(emu.user, emu.password), timeout=30)
    assert _get(api, emu, "/jobs.xml").content == whole


def test_a_fault_on_the_third_range_and_the_walk_resumes(api: requests.Session, emu: SyncdEmulator) -> None:
    emu.faults.fail_next(1, 500, after=2)
    statuses = [_get(api, emu, "/users.xml", start=s, end=s + 4).status_code for s in (1, 6, 11)]
    assert statuses == [200, 200, 500]
    assert _get(api, emu, "/users.xml", start=11, end=15).status_code == 200
    emu.faults.only_paths = ("/time_entries",)
    emu.faults.error_rate = 1.0
    assert _get(api, emu, "/time_entries.xml").status_code in (500, 503)
    assert _get(api, emu, "/jobs.xml").status_code == 200


# --- the command line ---------------------------------------------------------------------------
def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def test_the_emulator_command_serves_syncd_on_its_own() -> None:
    """`smexplore emulator --system syncd --port 0 --user U --password PW`: prints its URL, accepts U:PW, stops on SIGINT."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smexplore.cli", "emulator", "--system", "syncd", "--port", "0", "--seed", "2",
         "--user", "me", "--password", "my-syncd-pw", "--page-size", "7"],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        lines: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        first, second = lines.get(timeout=60), lines.get(timeout=30)
        assert first is not None and second is not None, "the emulator exited before printing its address"
        match = re.search(r"serving at (http://127\.0\.0\.1:(\d+))\s*$", first)
        assert match and int(match.group(2)) > 0, first
        assert "Syncd" in first and "seed 2" in first and "me" in second
        base_url = match.group(1)
        ok = requests.get(f"{base_url}/jobs.xml", params={"start": 1}, auth=("me", "my-syncd-pw"), timeout=30)
        root = _xml(ok)
        assert len(root) == 7 and int(root.get("total", "0")) == len(build_account(2).jobs)
        assert requests.get(f"{base_url}/jobs.xml", auth=("me", DEMO_PASSWORD), timeout=30).status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        stderr = process.stderr.read() if process.stderr else ""
        assert "my-syncd-pw" not in stderr and "/jobs.xml" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize(("args", "message"), [
    (["--system", "ruddr", "--user", "x"], "--user cannot be used with --system ruddr"),
    (["--system", "syncd", "--api-key", "k"], "--api-key cannot be used with --system syncd"),
    (["--system", "syncd", "--user", "a:b"], "--user must not be empty nor hold ':'"),
])
def test_the_emulator_command_refuses_options_of_other_systems(args: list[str], message: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--port", "0", *args])
    assert exited.value.code == 2 and message in capsys.readouterr().err
