"""Syncd job writes through the Session, over real HTTP to the Syncd emulator (issue 21, point 10).

``create_job``, ``update_job`` and ``delete_job`` on a ``writable=True`` session: the document's
rules checked before anything is sent, the server's refusals as clear errors, only job managers
allowed, and the cached answers about jobs (and the job assignments that name them) dropped after
every write, so the next read shows it. The emulator's account (``emu.data``) is the ground truth;
its request log says what was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import smexplore as sm
from smexplore.syncd.emulator import Account, SyncdEmulator

REGULAR, LEAD = "marguerite.castellano", "oskar.ishikawa"  # a plain user, and the manager of projects
PASSWORDS = {REGULAR: "regular-pw-29", LEAD: "lead-pw-24"}


@pytest.fixture(scope="module")
def emu() -> Iterator[SyncdEmulator]:
    with SyncdEmulator(seed=0, logins=PASSWORDS) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _healthy(emu: SyncdEmulator) -> Iterator[None]:
    emu.faults.clear()
    yield
    emu.faults.clear()


def _connect(emu: SyncdEmulator, folder: Path, login: str | None = None, **options: Any) -> sm.syncd.Session:
    user, password = (emu.user, emu.password) if login is None else (login, PASSWORDS[login])
    options = {"writable": True, "per_second": 1_000, "retry_budget": 5} | options
    return sm.syncd.connect(user=user, password=password, base_url=emu.base_url, cache=folder, progress=False,
                            **options)


@pytest.fixture(scope="module")
def session(emu: SyncdEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.syncd.Session]:
    with _connect(emu, tmp_path_factory.mktemp("syncd-writes")) as s:
        yield s


@pytest.fixture(scope="module")
def account(emu: SyncdEmulator) -> Account:
    return emu.data


def _project(account: Account) -> int:
    return next(j.id for j in account.ordered_jobs() if j.job_type_id == 8 and account.effectively_active(j))


def _sent(emu: SyncdEmulator, since: int) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in emu.log.entries()[since:]]


# --- the lifecycle ---------------------------------------------------------------------------------
def test_a_job_is_created_updated_and_deleted_and_every_read_shows_it(session: sm.syncd.Session,
                                                                      emu: SyncdEmulator, account: Account) -> None:
    before = session.jobs()  # cached from here on
    project = _project(account)
    row = session.create_job("R&D <draft> — café", project, code="RD", description="Brief", url="www.example.com")
    job_id = int(row.loc[0, "id"])
    job = account.jobs[job_id]
    assert job.name == "R&D <draft> — café" and job.parent_id == project and job.code == "RD"  # escaped, and read
    assert list(row.columns) == list(before.columns) and dict(row.dtypes) == dict(before.dtypes)
    assert row.loc[0, "job_type_name"] == "phase" and row.loc[0, "depth"] == 2  # the type inferred from the parent
    assert row.loc[0, "path"].endswith(" / R&D <draft> — café") and bool(row.loc[0, "active"])
    assert row.loc[0, "created_at"] is not pd.NaT
    after = session.jobs()
    assert set(after["id"]) == set(before["id"]) | {job_id}  # the cached list was dropped
    session.update_job(row.loc[0, "id"], name="R&D final", active=False, code=None)  # numpy's integer does
    changed = session.jobs().set_index("id").loc[job_id]
    assert changed["name"] == "R&D final" and not changed["active"] and pd.isna(changed["code"])
    assert changed["description"] == "Brief" and job.name == "R&D final"
    session.delete_job(job_id)
    assert job_id not in account.jobs and job_id not in set(session.jobs()["id"])
    with pytest.raises(sm.NotFoundError, match=f"Couldn't find Job with ID={job_id}"):
        session.update_job(job_id, name="Gone")


def test_demo_with_writable_true_writes_to_its_emulator() -> None:
    with sm.syncd.demo(progress=False, writable=True) as demo:
        row = demo.create_job("A demo client")
        assert row.loc[0, "depth"] == 0 and int(row.loc[0, "id"]) in demo.emulator.data.jobs
        project = demo.create_job("Its first project", row.loc[0, "id"], active=row.loc[0, "active"])
        assert project.loc[0, "path"] == "A demo client / Its first project"
        assert "writable" in repr(demo)
    with sm.syncd.demo(progress=False) as read_only, pytest.raises(sm.ReadOnlyError, match="writable=True"):
        read_only.create_job("Never")


def test_a_new_job_inherits_its_parents_assignments(session: sm.syncd.Session, account: Account) -> None:
    parent = next(j for j in account.ordered_jobs() if j.job_type_id == 8 and account.own_assignments(j.id))
    job_id = int(session.create_job("Inherits its parent's people", parent.id).loc[0, "id"])
    resolved = session.resolved_assignments()
    users = resolved.dropna(subset=["user_id"]).groupby("job_id")["user_id"].agg(lambda s: set(s.astype(int)))
    assert users[job_id] == users[parent.id] != set()
    assert set(resolved.loc[resolved["job_id"] == job_id, "assigned_on"].dropna()) <= {parent.id, *(
        a.id for a in account.ancestors(parent))}


def test_a_write_drops_the_cached_assignments_that_name_the_job(session: sm.syncd.Session,
                                                               account: Account) -> None:
    assignment = next(a for a in account.assignments if a.job_id is not None and account.jobs[a.job_id].parent_id)
    assert session.assignments().set_index("id").loc[assignment.id, "job_name"] == account.jobs[
        assignment.job_id or 0].name
    session.update_job(assignment.job_id or 0, name="Renamed with its assignments")
    shown = session.assignments().set_index("id").loc[assignment.id]
    assert shown["job_name"] == "Renamed with its assignments" and shown["job_path"].endswith(" / Renamed with its "
                                                                                               "assignments")


def test_a_failed_write_still_drops_the_cache(session: sm.syncd.Session, emu: SyncdEmulator,
                                              account: Account) -> None:
    """A 5xx may have half-applied a write: it is reported, not repeated, and the next read asks the API."""
    session.jobs()
    emu.faults.fail_next(1, 500)
    count = len(emu.log.entries())
    with pytest.raises(sm.APIError, match="HTTP 500") as caught:
        session.create_job("Maybe created", _project(account))
    assert caught.value.status == 500 and _sent(emu, count) == [("POST", "/jobs.xml")]  # not retried
    session.jobs()
    assert ("GET", "/jobs.xml") in _sent(emu, count)


# --- what is checked before anything is sent ----------------------------------------------------------
@pytest.mark.parametrize(("write", "message"), [
    (lambda s: s.create_job(parent_id=92), "creating a job needs a name"),
    (lambda s: s.create_job("   ", 92), "name can't be blank"),
    (lambda s: s.create_job("n" * 51, 92), "name is limited to 50 characters; got 51"),
    (lambda s: s.create_job("Fine", 92, code="c" * 51), "code is limited to 50 characters; got 51"),
    (lambda s: s.create_job("Fine", 92, description="d" * 256), "description is limited to 255 characters"),
    (lambda s: s.create_job("Fine", 92, url="u" * 256), "url is limited to 255 characters"),
    (lambda s: s.create_job("Fine", 92, colour="red"),
     "jobs have no field 'colour' to create with; give any of name, parent_id, active, code, description, url"),
    (lambda s: s.create_job("Fine", 92, job_type_id=8), "the type comes from the parent"),
    (lambda s: s.create_job("Fine", 92, active="yes"), "active is True or False"),
    (lambda s: s.create_job("Fine", "ninety-two"), "parent_id is a job's id"),
    (lambda s: s.create_job("Fine", 0), "parent_id is a job's id"),
    (lambda s: s.create_job("Bell\x07", 92), "XML cannot carry"),
    (lambda s: s.create_job(42, 92), "name is text"),
    (lambda s: s.update_job(92), "give at least one of name, active, code, description, url"),
    (lambda s: s.update_job(92, parent_id=93), "a job's parent cannot change"),
    (lambda s: s.update_job(92, name=None), "name can't be blank"),
    (lambda s: s.update_job("x", name="Fine"), "job_id: a Syncd id is a whole number"),
    (lambda s: s.delete_job(-1), "job_id: a Syncd id is a whole number"),
])
def test_values_are_checked_before_anything_is_sent(session: sm.syncd.Session, emu: SyncdEmulator, write: Any,
                                                    message: str) -> None:
    count = len(emu.log.entries())
    with pytest.raises(sm.ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        write(session)
    assert not _sent(emu, count)


def test_a_read_only_session_sends_nothing(emu: SyncdEmulator, tmp_path: Path) -> None:
    with _connect(emu, tmp_path, writable=False) as s:
        count = len(emu.log.entries())
        for write in (lambda: s.create_job("Never", 92), lambda: s.update_job(93, name="Never"),
                      lambda: s.delete_job(93), lambda: s.create_job("n" * 99)):
            with pytest.raises(sm.ReadOnlyError, match="read-only; open it with writable=True"):
                write()
        assert not _sent(emu, count) and 93 in emu.data.jobs


# --- what the server refuses --------------------------------------------------------------------------
def test_the_servers_refusals_are_clear_errors(session: sm.syncd.Session, account: Account) -> None:
    client = account.children(None)[1]
    taken = account.children(client.id)[0].name
    with pytest.raises(sm.APIError, match="Name has already been taken") as caught:
        session.create_job(taken, client.id)
    assert caught.value.status == 422
    with pytest.raises(sm.APIError, match="Parent does not exist"):
        session.create_job("Orphan", 999_999)
    task = next(j for j in account.ordered_jobs() if j.job_type_id == 11)
    with pytest.raises(sm.APIError, match="can not have children"):
        session.create_job("Below a task", task.id)
    with pytest.raises(sm.NotFoundError):
        session.delete_job(999_999)


def test_a_job_with_time_entries_is_not_deleted_deactivate_it_instead(session: sm.syncd.Session,
                                                                      account: Account) -> None:
    worked_on = account.time_entries[0].job_id
    with pytest.raises(sm.APIError, match=rf"deactivate it instead, with session\.update_job\({worked_on}, "
                                          r"active=False\)") as caught:
        session.delete_job(worked_on)
    assert caught.value.status == 422 and worked_on in account.jobs
    above = account.jobs[worked_on].parent_id
    assert above is not None
    with pytest.raises(sm.APIError, match="deactivate it instead"):
        session.delete_job(above)  # its descendant has time entries
    assert above in account.jobs and worked_on in account.jobs


def test_only_job_managers_may_write(emu: SyncdEmulator, account: Account, tmp_path: Path) -> None:
    project = _project(account)
    with _connect(emu, tmp_path / "regular", REGULAR) as regular:
        job = int(regular.jobs()["id"].max())
        for write in (lambda: regular.create_job("Not a manager's", project),
                      lambda: regular.update_job(job, name="Taken over"), lambda: regular.delete_job(job)):
            with pytest.raises(sm.ForbiddenError, match="HTTP 403.*only job managers may create, update and delete"):
                write()
    with _connect(emu, tmp_path / "lead", LEAD) as lead:  # manages projects and the levels beneath
        phase = lead.create_job("The lead's phase", project)
        assert phase.loc[0, "job_type_name"] == "phase"
        lead.update_job(int(phase.loc[0, "id"]), description="Under a project: the lead's to manage")
        with pytest.raises(sm.ForbiddenError, match="only job managers"):
            lead.create_job("The lead's client")  # a client is above projects
        lead.delete_job(int(phase.loc[0, "id"]))
    assert int(phase.loc[0, "id"]) not in account.jobs
