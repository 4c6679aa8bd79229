"""Conformance to ``shared/source-docs/syncd-jobs.txt`` (Syncd's Jobs page): one test per documented point.

Each point is checked against the Syncd emulator over HTTP (read with ``requests`` and
``ElementTree``), and, where the client has a part in it, the client (``sm.syncd.connect``)
against ``strict_syncd.StrictSyncd``, a server doing what the document says and nothing more (no
``total`` on list roots, ranges served exactly as asked, the document's create, update and delete
rules). Where the emulator decides what the document leaves open (``smexplore.syncd.emulator``'s
docstring: ranges capped at a page size, 422 for a refused delete), the docstring says so.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

import smexplore as sm
from smexplore import F
from smexplore.core.filters.evaluate import evaluate
from smexplore.syncd.emulator import Account, SyncdEmulator
from smexplore.syncd.resources import get_resource
from tests.conformance.strict import Sent, StrictServer, serve
from tests.conformance.strict_syncd import StrictSyncd

SHOW_FIELDS = ["id", "job-type-id", "parent-id", "name", "code", "description", "url", "active", "effectively-active"]
"""The Show sample's fields, in its order (also the Create answer's)."""
LIST_PATHS = ["/jobs.xml", "/jobs/active.xml", "/jobs/inactive.xml", "/jobs/my_assignments.xml",
              "/jobs/my_active_assignments.xml", "/jobs/my_inactive_assignments.xml", "/jobs/root/children.xml",
              "/jobs/{id}/children.xml", "/jobs/{id}/children/active.xml", "/jobs/{id}/children/inactive.xml",
              "/jobs/{id}/children/my_assignments.xml", "/jobs/{id}/children/my_active_assignments.xml",
              "/jobs/{id}/children/my_inactive_assignments.xml"]
"""Every list path the document names."""
REGULAR, LEAD = "marguerite.castellano", "oskar.ishikawa"  # the emulator's plain user and its project manager
PASSWORDS = {REGULAR: "regular-pw-29", LEAD: "lead-pw-24"}
STRICT = StrictSyncd()
STRICT_PASSWORDS = {name: user.password for name, user in STRICT.users.items()}


# --- the emulator -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emu() -> Iterator[SyncdEmulator]:
    with SyncdEmulator(seed=0, logins=PASSWORDS) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def account(emu: SyncdEmulator) -> Account:
    return emu.data


def _auth(emu: SyncdEmulator, login: str | None) -> tuple[str, str]:
    return (emu.user, emu.password) if login is None else (login, PASSWORDS[login])


def _get(emu: SyncdEmulator, path: str, login: str | None = None, **params: Any) -> requests.Response:
    return requests.get(emu.base_url + path, params=params, auth=_auth(emu, login), timeout=30)


def _send(emu: SyncdEmulator, method: str, path: str, body: str = "", login: str | None = None) -> requests.Response:
    return requests.request(method, emu.base_url + path, data=body.encode(), auth=_auth(emu, login),
                            headers={"Content-Type": "application/xml"}, timeout=30)


def _xml(response: requests.Response, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.text
    return ET.fromstring(response.content)


def _value(element: ET.Element) -> Any:
    if element.get("nil") == "true":
        return None
    kind, text = element.get("type"), element.text
    if kind == "integer":
        return int(text or "")
    if kind == "boolean":
        assert text in ("true", "false")
        return text == "true"
    return text


def _record(element: ET.Element) -> dict[str, Any]:
    return {child.tag: _value(child) for child in element if len(child) == 0}


def _ids(root: ET.Element) -> list[int]:
    return [int(job.findtext("id", "")) for job in root]


def _errors(response: requests.Response, status: int) -> list[str]:
    root = _xml(response, status)
    assert root.tag == "errors"
    return [error.text or "" for error in root]


def _create(emu: SyncdEmulator, login: str | None = None, **fields: Any) -> requests.Response:
    body = "".join(f"<{name.replace('_', '-')}>{value}</{name.replace('_', '-')}>" for name, value in fields.items())
    return _send(emu, "POST", "/jobs.xml", f"<job>{body}</job>", login)


def _project(account: Account) -> int:
    return next(j.id for j in account.ordered_jobs() if j.job_type_id == 8 and account.effectively_active(j))


# --- the strict server and the client -------------------------------------------------------------
@dataclass
class Strict:
    """The strict server running: its URL, its account and the requests it was sent."""

    url: str
    app: StrictSyncd
    server: StrictServer

    def sent_since(self, count: int) -> list[Sent]:
        return self.server.requests[count:]


@pytest.fixture(scope="module")
def strict() -> Iterator[Strict]:
    app = StrictSyncd()
    server = StrictServer(app.handle)
    with serve(server) as url:
        yield Strict(url, app, server)


def _client(strict: Strict, login: str = "manager", **options: Any) -> sm.syncd.Session:
    options = {"cache": False, "retry_budget": 0, "writable": True} | options
    return sm.syncd.connect(user=login, password=STRICT_PASSWORDS[login], base_url=strict.url, progress=False,
                            per_second=1_000, **options)


@pytest.fixture(scope="module")
def manager(strict: Strict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.syncd.Session]:
    """A manager of the root job type, through the real requests-cache cache."""
    with _client(strict, cache=tmp_path_factory.mktemp("strict-syncd-cache")) as session:
        yield session


def _path(app: StrictSyncd, job_id: int) -> str:
    job = app.jobs[job_id]
    return " / ".join([a.name for a in reversed(app.ancestors(job))] + [job.name])


# === Introduction ==================================================================================
def test_other_users_can_only_view_their_assigned_jobs(emu: SyncdEmulator, account: Account, strict: Strict) -> None:
    """"Job Managers can view, create, update and delete jobs. Other users can only view their assigned jobs"
    (with the ancestors every job list includes)."""
    me = account.user_by_login(REGULAR)
    assert me is not None and me.rights.manager_for_job_type_id is None
    listed = set(_ids(_xml(_get(emu, "/jobs.xml", REGULAR))))
    assert listed == account.with_ancestors(account.assigned_jobs(me.id)) and listed < set(account.jobs)
    hidden = next(j for j in sorted(account.jobs) if j not in listed)
    assert _get(emu, f"/jobs/{hidden}.xml", REGULAR).status_code == 404
    with _client(strict, "worker") as worker:
        assert set(worker.jobs()["id"]) == {92, 93, 100, 101, 102}  # 93 and 102 assigned, with their ancestors
        with pytest.raises(sm.NotFoundError):
            worker.get("jobs", 90)


def test_managers_of_a_job_type_manage_it_and_all_levels_beneath(emu: SyncdEmulator, account: Account,
                                                                  strict: Strict) -> None:
    """"Job Managers are actually managers of a specific job type and all levels beneath that type"."""
    lead = account.user_by_login(LEAD)
    assert lead is not None and lead.rights.manager_for_job_type_id == 8  # projects
    below = _record(_xml(_create(emu, LEAD, name="Lead's phase", parent_id=_project(account)), 201))
    assert below["job-type-id"] == 10  # a phase, beneath projects
    assert _errors(_create(emu, LEAD, name="Lead's client"), 403)  # a client is above projects
    with _client(strict, "lead") as session:
        task = session.create_job("Lead's task", 95)
        assert task.loc[0, "job_type_name"] == "Task"
        with pytest.raises(sm.ForbiddenError, match="only job managers may create, update and delete jobs"):
            session.create_job("Lead's client")
        with pytest.raises(sm.ForbiddenError, match="HTTP 403"):
            session.update_job(88, name="Renamed client")  # 88 is a client
    assert strict.app.jobs[88].name == "UFO Investigations"


def test_only_job_managers_may_create_update_and_delete(emu: SyncdEmulator, account: Account, strict: Strict) -> None:
    """"Job Managers can view, create, update and delete jobs": a user who manages no job type gets 403 on each,
    and nothing changes."""
    visible = _ids(_xml(_get(emu, "/jobs.xml", REGULAR)))
    job = account.jobs[max(visible)]
    name = job.name
    assert _errors(_create(emu, REGULAR, name="Not mine", parent_id=job.parent_id or ""), 403)
    assert _errors(_send(emu, "PUT", f"/jobs/{job.id}.xml", "<job><name>Taken over</name></job>", REGULAR), 403)
    assert _errors(_send(emu, "DELETE", f"/jobs/{job.id}.xml", "", REGULAR), 403)
    assert account.jobs[job.id].name == name
    before = len(strict.app.jobs)
    with _client(strict, "worker") as worker:
        for write in (lambda: worker.create_job("Not mine", 101), lambda: worker.update_job(102, name="Taken"),
                      lambda: worker.delete_job(102)):
            with pytest.raises(sm.ForbiddenError, match="only job managers"):
                write()
    assert len(strict.app.jobs) == before and strict.app.jobs[102].name == "Task 0"


def test_jobs_associated_with_time_entries_can_not_be_deleted(emu: SyncdEmulator, account: Account,
                                                              manager: sm.syncd.Session, strict: Strict) -> None:
    """"Jobs associated with time entries can not be deleted. Consider making them inactive instead." The
    emulator answers 422 with Rails' error document (the document gives no status; §C.10 infers 422)."""
    worked_on = account.time_entries[0].job_id
    refused = _errors(_send(emu, "DELETE", f"/jobs/{worked_on}.xml"), 422)
    assert "can not be deleted" in refused[0] and "inactive" in refused[0] and worked_on in account.jobs
    with pytest.raises(sm.APIError, match=r"deactivate it instead, with session\.update_job\(90, active=False\)") as e:
        manager.delete_job(90)
    assert e.value.status == 422 and 90 in strict.app.jobs
    with pytest.raises(sm.APIError, match="deactivate it instead"):
        manager.delete_job(101)  # 103, a task of 101, has time entries
    assert {101, 103} <= set(strict.app.jobs)


# === Show ========================================================================================
def test_show_answers_the_samples_fields_in_order(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                                                  strict: Strict) -> None:
    """"GET /jobs/#{job-id}.xml": id and job-type-id (integer), parent-id (integer), name, code, description,
    url, active and effectively-active (boolean), in this order; ``<code/>`` for no code."""
    task = next(j for j in account.ordered_jobs() if j.job_type_id == 11)
    element = _xml(_get(emu, f"/jobs/{task.id}.xml"))
    assert element.tag == "job" and [child.tag for child in element] == SHOW_FIELDS
    assert [element.find(n).get("type") for n in SHOW_FIELDS] == [  # type: ignore[union-attr]
        "integer", "integer", "integer", None, None, None, None, "boolean", "boolean"]
    assert _record(element) == {"id": task.id, "job-type-id": 11, "parent-id": task.parent_id, "name": task.name,
                                "code": task.code or None, "description": task.description or None,
                                "url": task.url or None, "active": task.active,
                                "effectively-active": account.effectively_active(task)}
    row = manager.get("jobs", 90)
    assert row.loc[0, "name"] == "UFO #7856" and row.loc[0, "job_type_id"] == 8 and row.loc[0, "parent_id"] == 88
    assert row.loc[0, "description"] == "Need to enlarge photograph to look for wires"
    assert pd.isna(row.loc[0, "code"]) and pd.isna(row.loc[0, "url"]) and bool(row.loc[0, "active"])
    assert bool(row.loc[0, "effectively_active"]) and row.loc[0, "path"] == "UFO Investigations / UFO #7856"


def test_show_with_include_job_ancestors_nests_every_parent(emu: SyncdEmulator, account: Account,
                                                           manager: sm.syncd.Session) -> None:
    """"Specify include=job_ancestors to include all of the ancestors of the requested job. The ancestors will be
    nested in the parent node", in place of parent-id."""
    task = next(j for j in account.ordered_jobs() if len(account.ancestors(j)) == 3)
    element = _xml(_get(emu, f"/jobs/{task.id}.xml", include="job_ancestors"))
    assert element.find("parent-id") is None and [c.tag for c in element][:3] == ["id", "job-type-id", "parent"]
    chain, parent = [], element.find("parent")
    while parent is not None:
        chain.append(int(parent.findtext("id", "")))
        parent = parent.find("parent")
    assert chain == [a.id for a in account.ancestors(task)]
    assert _xml(_get(emu, f"/jobs/{task.id}.xml")).find("parent") is None  # else parent-id
    assert manager.ancestors(107)["id"].tolist() == [100, 101, 107]  # strict: a task, top-level job first
    assert manager.ancestors(107)["depth"].tolist() == [0, 1, 2]


def test_show_with_include_timestamps_adds_created_at_and_updated_at(emu: SyncdEmulator, account: Account,
                                                                     manager: sm.syncd.Session) -> None:
    """"<!-- if include=timestamps --> <created-at type="datetime">2010-02-21T18:18:11Z</created-at>" and
    updated-at; without it, neither."""
    job = account.ordered_jobs()[3]
    stamped = _xml(_get(emu, f"/jobs/{job.id}.xml", include="timestamps"))
    assert [c.tag for c in stamped][-2:] == ["created-at", "updated-at"]
    assert stamped.find("created-at").get("type") == "datetime"  # type: ignore[union-attr]
    assert datetime.fromisoformat(stamped.findtext("created-at", "")) == job.created_at
    assert _xml(_get(emu, f"/jobs/{job.id}.xml")).find("created-at") is None
    row = manager.get("jobs", 93)
    assert row.loc[0, "created_at"] == pd.Timestamp("2010-02-21 18:18:11")


def test_code_url_and_description_are_returned_whatever_the_job_types_settings(emu: SyncdEmulator,
                                                                                account: Account) -> None:
    """"These settings do not affect the API, which will always return these fields and any associated values"
    (show-codes, show-links, show-descriptions)."""
    hidden = next(t for t in account.job_types if not t.show_codes and not t.show_links)
    assert account.child_type(8) == hidden  # a phase: beneath a project
    created = _record(_xml(_create(emu, name="Hidden settings", parent_id=_project(account), code="HID",
                                   url="www.example.com", description="Shown anyway"), 201))
    assert created["job-type-id"] == hidden.id
    for element in (_xml(_get(emu, f"/jobs/{created['id']}.xml")),
                    next(j for j in _xml(_get(emu, "/jobs.xml")) if j.findtext("id") == str(created["id"]))):
        assert [element.findtext(n) for n in ("code", "url", "description")] == ["HID", "www.example.com",
                                                                                  "Shown anyway"]


def test_effectively_active_is_false_if_the_job_or_an_ancestor_is_inactive(emu: SyncdEmulator,
                                                                          manager: sm.syncd.Session,
                                                                          strict: Strict) -> None:
    """"effectively-active: false if this job or any ancestor is inactive", "even if active is true"."""
    jobs = {r["id"]: r for r in map(_record, _xml(_get(emu, "/jobs.xml")))}
    for record in jobs.values():
        chain, parent = [record["active"]], record["parent-id"]
        while parent is not None:
            chain.append(jobs[parent]["active"])
            parent = jobs[parent]["parent-id"]
        assert record["effectively-active"] == all(chain)
    assert any(r["active"] and not r["effectively-active"] for r in jobs.values())
    frame = manager.jobs().set_index("id")
    under_inactive = [j.id for j in strict.app.jobs.values() if j.active and not strict.app.effectively_active(j)]
    assert under_inactive and not frame.loc[under_inactive, "effectively_active"].any()
    assert frame.loc[under_inactive, "active"].all()


# === List ========================================================================================
@pytest.mark.parametrize("path", LIST_PATHS)
def test_each_list_path_answers_a_jobs_array(emu: SyncdEmulator, account: Account, path: str) -> None:
    """The document's list paths, each "Status: 200 OK" with ``<jobs type="array">`` of ``<job>`` elements."""
    client = next(j for j in account.ordered_jobs() if j.parent_id is None and account.children(j.id))
    root = _xml(_get(emu, path.format(id=client.id), REGULAR if "my_" in path else None))
    assert root.tag == "jobs" and root.get("type") == "array" and {job.tag for job in root} <= {"job"}
    if "{id}" in path:
        assert all(_record(job)["parent-id"] == client.id for job in root)
    if path in ("/jobs.xml", "/jobs/root/children.xml", "/jobs/{id}/children.xml", "/jobs/my_assignments.xml"):
        assert len(root)


def test_all_jobs_come_in_one_request_without_a_range(emu: SyncdEmulator, account: Account,
                                                      manager: sm.syncd.Session, strict: Strict) -> None:
    """"All jobs: GET /jobs.xml" — every job in one answer (the emulator's page size caps ranges only), and
    "Managers of the root job type ... can request any jobs within an account"."""
    root = _xml(_get(emu, "/jobs.xml"))
    assert _ids(root) == sorted(account.jobs) and len(root) > emu.page_size
    raw = requests.get(f"{strict.url}/jobs.xml", auth=("manager", STRICT_PASSWORDS["manager"]), timeout=30)
    assert ET.fromstring(raw.content).attrib == {"type": "array"}  # the document's root: no total, start or end
    manager.clear_cache()
    count = len(strict.server.requests)
    jobs = manager.jobs()
    assert sorted(jobs["id"]) == sorted(strict.app.jobs) and len(jobs) > 100
    pulled = [s for s in strict.sent_since(count) if s.path == "/jobs.xml"]
    assert [s.query for s in pulled] == [{"include": "timestamps"}]  # one request, no start or end
    assert (jobs["path"] == jobs["id"].map(lambda i: _path(strict.app, i))).all()


def test_start_and_end_request_a_specific_range_of_items(emu: SyncdEmulator, account: Account,
                                                         manager: sm.syncd.Session, strict: Strict) -> None:
    """"Specify start and end to request a specific range of items. For example: GET /jobs.xml?start=1&end=4"
    (1-based, both ends included: §C.3). The client pages the other lists by ranges, and a list root without
    a total ends at the first empty range."""
    every = sorted(account.jobs)
    assert _ids(_xml(_get(emu, "/jobs.xml", start=1, end=4))) == every[:4]
    assert _ids(_xml(_get(emu, "/jobs.xml", start=5, end=9))) == every[4:9]
    manager.clear_cache()
    count = len(strict.server.requests)
    types = manager.job_types()
    assert types["name"].tolist() == ["Client", "Project", "Task"] and types["depth"].tolist() == [0, 1, 2]
    ranges = [s.query for s in strict.sent_since(count) if s.path == "/job_types.xml"]
    assert ranges == [{"start": "1", "end": "100"}, {"start": "4", "end": "103"}]


def test_children_of_root_are_the_jobs_with_no_parent(emu: SyncdEmulator, account: Account,
                                                      manager: sm.syncd.Session, strict: Strict) -> None:
    """"Children of a particular job (specify root for job_id to find jobs with no parent): GET
    /jobs/#{job_id}/children.xml"."""
    assert _ids(_xml(_get(emu, "/jobs/root/children.xml"))) == [j.id for j in account.children(None)]
    client = account.children(None)[1]
    assert _ids(_xml(_get(emu, f"/jobs/{client.id}/children.xml"))) == [j.id for j in account.children(client.id)]
    count = len(strict.server.requests)
    top = manager.children()
    assert sorted(top["id"]) == sorted(j.id for j in strict.app.jobs.values() if j.parent_id is None)
    assert sorted(manager.children(88)["id"]) == sorted(j.id for j in strict.app.jobs.values() if j.parent_id == 88)
    paths = [s.path for s in strict.sent_since(count)]
    assert "/jobs/root/children.xml" in paths and "/jobs/88/children.xml" in paths


def test_active_inactive_and_assigned_children_can_be_requested(emu: SyncdEmulator, account: Account) -> None:
    """"You can also request active/inactive/assigned children of a job": the children lists hold the job's
    children only, each selected as the list of the same name (the emulator reads active as effectively
    active)."""
    client = next(j for j in account.ordered_jobs() if j.parent_id is None
                  and any(not account.effectively_active(c) for c in account.children(j.id)))
    kids = account.children(client.id)
    active = _ids(_xml(_get(emu, f"/jobs/{client.id}/children/active.xml")))
    inactive = _ids(_xml(_get(emu, f"/jobs/{client.id}/children/inactive.xml")))
    assert active == [j.id for j in kids if account.effectively_active(j)]
    assert set(active) | set(inactive) == {j.id for j in kids} and inactive


@pytest.mark.parametrize(("purpose", "node", "flag"), [("time", "allow-time-entries", "allow_time_entries"),
                                                        ("expenses", "allow-expense-entries", "allow_expense_entries")])
def test_for_time_or_expenses_limits_the_jobs_and_adds_their_node(emu: SyncdEmulator, account: Account,
                                                                  manager: sm.syncd.Session, strict: Strict,
                                                                  purpose: str, node: str, flag: str) -> None:
    """"Specify for=time to limit jobs to those that allow time tracking. An extra allow-time-entries node will
    be returned for each job ... ancestor jobs will always be included"; "similarly, specify for=expenses"."""
    manager.clear_cache()  # other logins wrote since its lists were cached
    types = {t.id: t for t in account.job_types}
    root = _xml(_get(emu, "/jobs/active.xml", **{"for": purpose}))
    records = {r["id"]: r for r in map(_record, root)}
    assert all(r[node] == getattr(types[r["job-type-id"]], flag) for r in records.values())
    assert all([c.tag for c in job][-1] == node for job in root)
    allowed = {i for i, r in records.items() if r[node]}
    assert allowed == {j.id for j in account.jobs.values()
                       if getattr(types[j.job_type_id], flag) and account.effectively_active(j)}
    assert set(records) == account.with_ancestors(allowed) and set(records) - allowed  # with their ancestors
    where = F[flag] == True
    everything = manager.jobs()
    expected = everything[evaluate(where, everything, get_resource("jobs"))].reset_index(drop=True)
    count = len(strict.server.requests)
    pd.testing.assert_frame_equal(manager.jobs(where), expected)
    assert [s.query.get("for") for s in strict.sent_since(count) if s.path == "/jobs.xml"] == [purpose]


def test_assigned_is_returned_on_the_current_users_assignments(emu: SyncdEmulator, account: Account) -> None:
    """"assigned will be returned when requesting the current user's assignments (assigned=false for ancestors
    of jobs assigned to the current user which are not assigned themselves)"; "assigned=true for jobs directly
    assigned to the current user, as well as descendents of those assigned jobs"."""
    me = account.user_by_login(REGULAR)
    assert me is not None
    mine = account.assigned_jobs(me.id)
    root = _xml(_get(emu, "/jobs/my_assignments.xml", REGULAR))
    assigned = {r["id"]: r["assigned"] for r in map(_record, root)}
    assert {i for i, yes in assigned.items() if yes} == mine
    assert {i for i, yes in assigned.items() if not yes} == account.with_ancestors(mine) - mine != set()
    assert all([c.tag for c in job][-1] == "assigned" for job in root)
    assert _xml(_get(emu, "/jobs.xml", REGULAR)).find("job/assigned") is None  # only on the assignment lists


def test_the_list_samples_fields_and_types(emu: SyncdEmulator, manager: sm.syncd.Session) -> None:
    """The list sample (``GET /jobs/my_active_assignments.xml?for=time``): id, job-type-id, parent-id (a root
    job's ``<parent-id type="integer" nil="true"/>``), name, code, description, url, active,
    effectively-active, allow-time-entries, assigned; integers, booleans and nils typed as shown."""
    root = _xml(_get(emu, "/jobs/my_active_assignments.xml", REGULAR, **{"for": "time"}))
    first = root[0]
    assert [c.tag for c in first] == [*SHOW_FIELDS, "allow-time-entries", "assigned"]
    parent = first.find("parent-id")
    assert parent is not None and parent.attrib == {"type": "integer", "nil": "true"} and not parent.text
    assert {getattr(first.find(n), "attrib", {}).get("type") for n in ("active", "allow-time-entries",
                                                                        "assigned")} == {"boolean"}
    frame = manager.jobs()
    described = dict(zip(manager.describe("jobs")["field"], manager.describe("jobs")["dtype"], strict=True))
    assert {c: str(t) for c, t in frame.dtypes.items()} == described
    assert described["id"] == "Int64" and described["active"] == "boolean" and described["name"] == "string"
    assert frame.loc[frame["parent_id"].isna(), "depth"].eq(0).all()  # the nil parent-ids: top-level jobs


def test_a_job_list_filter_sent_by_path_gives_the_local_answer(manager: sm.syncd.Session, strict: Strict) -> None:
    """"All active jobs: GET /jobs/active.xml", "All inactive jobs: GET /jobs/inactive.xml" and the children
    paths: the strict server reads active as the job's own flag (the emulator: effectively active); the client
    checks every condition again, so either reading gives the local filter's answer."""
    manager.clear_cache()  # other logins wrote since its lists were cached
    everything = manager.jobs()
    for where, path in [(F.effectively_active == True, "/jobs/active.xml"),
                        (F.active == False, "/jobs/inactive.xml"),
                        ((F.parent_id == 101) & (F.effectively_active == True), "/jobs/101/children/active.xml")]:
        expected = everything[evaluate(where, everything, get_resource("jobs"))].reset_index(drop=True)
        count = len(strict.server.requests)
        pd.testing.assert_frame_equal(manager.jobs(where), expected)
        assert path in [s.path for s in strict.sent_since(count)] and len(expected)


# === Create ======================================================================================
def test_create_answers_201_with_the_new_job(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                                            strict: Strict) -> None:
    """"POST /jobs.xml" with the sample ``<job>`` (name, parent-id, active, code, description, url): "Status: 201
    Created" and the new job's id, job-type-id, parent-id, name, code, description, url, active and
    effectively-active. The client sends the sample's XML and returns the job as ``jobs()`` shows it."""
    project = _project(account)
    created = _create(emu, name="Client interview", parent_id=project, active="true", code="INT",
                      description="3pm Friday", url="www.test.com")
    element = _xml(created, 201)
    assert [c.tag for c in element] == SHOW_FIELDS
    record = _record(element)
    assert record["id"] in account.jobs and record["parent-id"] == project and record["job-type-id"] == 10
    assert {k: record[k] for k in ("name", "code", "description", "url", "active", "effectively-active")} == {
        "name": "Client interview", "code": "INT", "description": "3pm Friday", "url": "www.test.com",
        "active": True, "effectively-active": True}
    count = len(strict.server.requests)
    row = manager.create_job("Client interview", 95, active=True, code="INT", description="3pm Friday",
                             url="www.test.com")
    post = next(s for s in strict.sent_since(count) if s.method == "POST")
    assert post.path == "/jobs.xml" and post.headers["Content-Type"].startswith("application/xml")
    body = ET.fromstring(post.body)
    assert body.tag == "job" and [(c.tag, c.text) for c in body] == [
        ("name", "Client interview"), ("parent-id", "95"), ("active", "true"), ("code", "INT"),
        ("description", "3pm Friday"), ("url", "www.test.com")]
    assert len(row) == 1 and row.loc[0, "job_type_id"] == 9 and row.loc[0, "parent_id"] == 95
    assert row.loc[0, "path"] == "UFO Investigations / Interviews / Client interview" and row.loc[0, "depth"] == 2
    assert dict(row.dtypes) == dict(manager.jobs().dtypes)
    assert int(row.loc[0, "id"]) in set(manager.jobs()["id"])  # the cached list was dropped


def test_create_infers_the_job_type_from_the_parent(emu: SyncdEmulator, account: Account,
                                                    manager: sm.syncd.Session) -> None:
    """"A new job's type can be inferred from its parent-id, so it is not necessary to declare job-type-id."""
    top = _record(_xml(_create(emu, name="Inferred client"), 201))
    project = _record(_xml(_create(emu, name="Inferred project", parent_id=top["id"]), 201))
    phase = _record(_xml(_create(emu, name="Inferred phase", parent_id=project["id"]), 201))
    assert [top["job-type-id"], project["job-type-id"], phase["job-type-id"]] == [t.id for t in account.job_types[:3]]
    assert manager.create_job("Inferred project", 100).loc[0, "job_type_name"] == "Project"
    with pytest.raises(sm.ValidationError, match="the type comes from the parent"):
        manager.create_job("Typed", 100, job_type_id=9)


def test_create_needs_a_name(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                             strict: Strict) -> None:
    """"name (required, ...)": a job without one, or with a blank one, is refused."""
    assert "Name can't be blank" in _errors(_create(emu, parent_id=_project(account)), 422)
    assert "Name can't be blank" in _errors(_create(emu, name="   ", parent_id=_project(account)), 422)
    count = len(strict.server.requests)
    for call in (lambda: manager.create_job(parent_id=95), lambda: manager.create_job("  ", 95),
                 lambda: manager.create_job(None, 95)):
        with pytest.raises(sm.ValidationError, match="name"):
            call()
    assert not strict.sent_since(count)  # checked before anything was sent


def test_create_name_is_unique_for_its_parent(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                                              strict: Strict) -> None:
    """"name (required, unique for parent-id, ...)": taken under the same parent is refused, under another
    parent it is fine."""
    parent = account.children(None)[1]
    sibling = account.children(parent.id)[0]
    assert "Name has already been taken" in _errors(_create(emu, name=sibling.name, parent_id=parent.id), 422)
    other = _record(_xml(_create(emu, name="Another parent"), 201))
    assert _create(emu, name=sibling.name, parent_id=other["id"]).status_code == 201
    with pytest.raises(sm.APIError, match="Name has already been taken") as caught:
        manager.create_job("UFO #7856", 88)
    assert caught.value.status == 422
    assert manager.create_job("UFO #7856", 92).loc[0, "path"] == "Artworks / UFO #7856"


@pytest.mark.parametrize(("field", "limit"), [("name", 50), ("code", 50), ("description", 255), ("url", 255)])
def test_create_texts_are_at_most_their_max_length(emu: SyncdEmulator, account: Account,
                                                   manager: sm.syncd.Session, strict: Strict, field: str,
                                                   limit: int) -> None:
    """"name (... max-length=50)", "code (optional identifier, max-length=50)", "description (optional,
    max-length=255)", "url (optional external link, max-length=255)": the longest is taken, one more refused."""
    parent = _project(account)
    fields = {"name": f"Longest {field}"} | {field: "x" * limit}
    assert _create(emu, parent_id=parent, **fields).status_code == 201
    too_long = _errors(_create(emu, parent_id=parent, **(fields | {field: "y" * (limit + 1)})), 422)
    assert f"{field.capitalize()} is too long (maximum is {limit} characters)" in too_long
    count = len(strict.server.requests)
    with pytest.raises(sm.ValidationError, match=f"{field} is limited to {limit} characters; got {limit + 1}"):
        manager.create_job(**({"name": f"Too long {field}", "parent_id": 95} | {field: "y" * (limit + 1)}))
    assert not strict.sent_since(count)
    row = manager.create_job(**({"name": f"Longest {field}", "parent_id": 95} | {field: "x" * limit}))
    assert row.loc[0, field] == "x" * limit


def test_create_parent_id_is_optional(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session) -> None:
    """"parent-id (optional id of parent job)": without one, a top-level job."""
    record = _record(_xml(_create(emu, name="A new client"), 201))
    assert record["parent-id"] is None and record["job-type-id"] == account.job_types[0].id
    row = manager.create_job("A new client")
    assert pd.isna(row.loc[0, "parent_id"]) and row.loc[0, "depth"] == 0 and row.loc[0, "job_type_name"] == "Client"


def test_create_active_is_optional_and_defaults_to_true(emu: SyncdEmulator, account: Account,
                                                        manager: sm.syncd.Session) -> None:
    """"active (optional boolean, default=true)"."""
    parent = _project(account)
    assert _record(_xml(_create(emu, name="Active by default", parent_id=parent), 201))["active"] is True
    assert _record(_xml(_create(emu, name="Made inactive", parent_id=parent, active="false"), 201))["active"] is False
    assert bool(manager.create_job("Active by default", 95).loc[0, "active"])
    made = manager.create_job("Made inactive", 95, active=False)
    assert not made.loc[0, "active"] and not made.loc[0, "effectively_active"]
    with pytest.raises(sm.ValidationError, match="active is True or False"):
        manager.create_job("Half active", 95, active="yes")


def test_a_new_job_inherits_its_parents_assignments(emu: SyncdEmulator, account: Account, strict: Strict) -> None:
    """"A new job will inherit the assignments and billing rates of its parent, if any exist.\""""
    me = account.user_by_login(REGULAR)
    assert me is not None
    parent = next(j for j in account.ordered_jobs() if j.id in account.assigned_jobs(me.id) and j.job_type_id == 8)
    created = _record(_xml(_create(emu, name="Inherits", parent_id=parent.id), 201))
    mine = {r["id"]: r["assigned"] for r in map(_record, _xml(_get(emu, "/jobs/my_assignments.xml", REGULAR)))}
    assert mine[created["id"]] is True
    of_parent = _ids(_xml(_get(emu, f"/jobs/{parent.id}/job_assignments.xml")))
    assert _ids(_xml(_get(emu, f"/jobs/{created['id']}/job_assignments.xml"))) == of_parent != []
    with _client(strict, "lead") as lead:  # assigned to job 88
        row = lead.create_job("Inherited by the lead", 90)
        assert int(row.loc[0, "id"]) in set(lead.jobs()["id"])


# === Update ======================================================================================
_CHANGES: dict[str, Any] = {"name": "Renamed", "active": False, "code": "NEW", "description": "d" * 255,
                            "url": "https://example.com/new"}


@pytest.mark.parametrize("field", list(_CHANGES))
def test_update_changes_any_one_field(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                                      strict: Strict, field: str) -> None:
    """"PUT /jobs/#{job-id}.xml. Include ANY of the following data": name, active, code, description, url;
    "Status: 200 OK". Only the field sent changes."""
    job = _record(_xml(_create(emu, name=f"To update {field}", parent_id=_project(account), code="OLD",
                               description="old", url="old"), 201))
    wire = str(_CHANGES[field]).lower() if field == "active" else _CHANGES[field]
    done = _send(emu, "PUT", f"/jobs/{job['id']}.xml", f"<job><{field}>{wire}</{field}></job>")
    assert done.status_code == 200
    after = _record(_xml(_get(emu, f"/jobs/{job['id']}.xml")))
    assert after == job | {field: _CHANGES[field]} | (
        {"effectively-active": False} if field == "active" else {})
    row = manager.create_job(f"To update {field}", 95, code="OLD", description="old", url="old")
    job_id = int(row.loc[0, "id"])
    count = len(strict.server.requests)
    manager.update_job(job_id, **{field: _CHANGES[field]})
    put = next(s for s in strict.sent_since(count) if s.method == "PUT")
    assert put.path == f"/jobs/{job_id}.xml" and [c.tag for c in ET.fromstring(put.body)] == [field]
    shown = manager.jobs().set_index("id").loc[job_id]
    for name, value in _CHANGES.items():
        assert shown[name] == (value if name == field else row.loc[0, name])


def test_update_keeps_to_the_same_rules(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                                        strict: Strict) -> None:
    """The limits of Create hold for an update too; a job's parent is not among what an update takes."""
    job = _record(_xml(_create(emu, name="Rules on update", parent_id=_project(account)), 201))
    assert "Name is too long (maximum is 50 characters)" in _errors(
        _send(emu, "PUT", f"/jobs/{job['id']}.xml", f"<job><name>{'n' * 51}</name></job>"), 422)
    count = len(strict.server.requests)
    for fields, message in [({"name": "n" * 51}, "name is limited to 50"), ({"parent_id": 92}, "parent cannot"),
                            ({}, "at least one of name, active, code, description, url"),
                            ({"colour": "red"}, "give any of name, active, code, description, url")]:
        with pytest.raises(sm.ValidationError, match=message):
            manager.update_job(95, **fields)
    assert not strict.sent_since(count)
    with pytest.raises(sm.APIError, match="Name has already been taken"):
        manager.update_job(95, name="UFO #7856")  # a sibling's name


# === Delete ======================================================================================
def test_delete_answers_200_and_the_job_is_gone(emu: SyncdEmulator, account: Account, manager: sm.syncd.Session,
                                               strict: Strict) -> None:
    """"DELETE /jobs/#{job-id}.xml": "Status: 200 OK"."""
    job = _record(_xml(_create(emu, name="To delete", parent_id=_project(account)), 201))
    assert _send(emu, "DELETE", f"/jobs/{job['id']}.xml").status_code == 200
    assert _get(emu, f"/jobs/{job['id']}.xml").status_code == 404
    job_id = int(manager.create_job("To delete", 95).loc[0, "id"])
    assert job_id in set(manager.jobs()["id"])
    count = len(strict.server.requests)
    manager.delete_job(job_id)
    assert [(s.method, s.path) for s in strict.sent_since(count)] == [("DELETE", f"/jobs/{job_id}.xml")]
    assert job_id not in set(manager.jobs()["id"]) and job_id not in strict.app.jobs
    with pytest.raises(sm.NotFoundError):
        manager.delete_job(job_id)


# === The client's own promises ===================================================================
@pytest.mark.parametrize("media", ["text/html; charset=utf-8", "application/xml"])
def test_the_client_refuses_a_maintenance_page(strict: Strict, tmp_path: Path, media: str) -> None:
    """Not in the document, which shows only XML answers: a maintenance page (as HTML, or served as XML) is no
    list of jobs. It is refused at once (no retry), and a sync leaves the store as it was (issue 21)."""
    with _client(strict, cache=tmp_path, store=tmp_path / "store", retry_budget=30) as session:
        assert session.sync(["jobs"]).loc[0, "new"] == len(strict.app.jobs)
        stored = session.jobs(source="store")
        state = session._store.state("jobs")
        strict.app.maintenance = media
        try:
            session.clear_cache()
            count = len(strict.server.requests)
            with pytest.raises(sm.APIError, match="Down for maintenance") as caught:
                session.jobs()
            assert caught.value.status == 200 and len(strict.sent_since(count)) == 1
            with pytest.raises(sm.APIError, match="Down for maintenance"):
                session.sync(["jobs"])
            with pytest.raises(sm.APIError, match="Down for maintenance"):
                session.ancestors(90)
        finally:
            strict.app.maintenance = None
        assert session._store.state("jobs") == state
        pd.testing.assert_frame_equal(session.jobs(source="store"), stored)
        assert len(session.jobs()) == len(strict.app.jobs)  # nothing of the page was cached


def test_a_read_only_session_sends_no_write(strict: Strict) -> None:
    """Writes need ``writable=True``: a read-only session refuses them and sends nothing."""
    with _client(strict, writable=False) as session:
        count = len(strict.server.requests)
        for write in (lambda: session.create_job("Never", 95), lambda: session.update_job(95, name="Never"),
                      lambda: session.delete_job(95)):
            with pytest.raises(sm.ReadOnlyError, match="writable=True"):
                write()
        assert not strict.sent_since(count)
