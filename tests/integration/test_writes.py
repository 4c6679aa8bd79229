"""Writes through the Session: create, get, update, delete, restore, over HTTP to the emulator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import smexplore as sm
from smexplore.emulator import Emulator


@pytest.fixture
def writer(fresh_emulator: Emulator, tmp_path: Path) -> Iterator[sm.Session]:
    with sm.connect(fresh_emulator.api_key, base_url=fresh_emulator.base_url, cache=tmp_path, progress=False,
                    writable=True) as session:
        yield session


def _a_job_and_two_staff(session: sm.Session) -> tuple[pd.Series, str, str]:
    job = session.jobs("status eq 'Work Order'", enrich=True).iloc[0]
    staff = session.staff("hide_from_schedule eq 0")
    names = (staff["first"] + " " + staff["last"]).tolist()
    return job, names[0], names[1]


def test_create_without_and_with_a_client_uuid(writer: sm.Session, fresh_emulator: Emulator) -> None:
    job, _ava, _ = _a_job_and_two_staff(writer)
    made = writer.create("joballocation", job_uuid=job["uuid"], staff_uuid=writer.staff().uuid[0],
                         allocation_date="2026-03-03 08:00")
    uuid.UUID(made)
    mine = str(uuid.uuid4())
    assert writer.create("joballocation", uuid=mine, job_uuid=job["uuid"], staff_uuid=writer.staff().uuid[0],
                         allocation_date=pd.Timestamp("2026-03-04 09:30")) == mine
    got = writer.get("joballocation", mine)
    assert got["allocation_date"][0] == pd.Timestamp("2026-03-04 09:30")
    sent = [e for e in fresh_emulator.log.entries() if e.method == "POST"]
    assert [e.path for e in sent] == ["/api_1.0/joballocation.json"] * 2


def test_update_one_field_changes_only_that_field(writer: sm.Session) -> None:
    before = writer.activities().iloc[10]
    writer.update("jobactivity", before["uuid"], travel_time_in_seconds=1234)
    after = writer.get("jobactivity", before["uuid"]).iloc[0]
    assert after["travel_time_in_seconds"] == 1234
    assert after["start_date"] == before["start_date"] and after["staff_uuid"] == before["staff_uuid"]
    assert after["edit_date"] != before["edit_date"]


def test_delete_then_list_with_and_without_inactive_then_restore(writer: sm.Session) -> None:
    target = writer.allocations().uuid[0]
    count = len(writer.allocations())
    writer.delete("joballocation", target)
    assert len(writer.allocations()) == count - 1 and target not in set(writer.allocations().uuid)
    everything = writer.allocations(include_inactive=True).set_index("uuid")
    assert not everything.loc[target, "active"]
    writer.restore("joballocation", target)
    assert len(writer.allocations()) == count and target in set(writer.allocations().uuid)


def test_read_after_write_shows_the_change_without_clearing_the_whole_cache(writer: sm.Session,
                                                                            fresh_emulator: Emulator) -> None:
    writer.staff()
    jobs = writer.jobs()
    job = jobs.iloc[0]
    fresh_emulator.log.clear()
    writer.update("job", job["uuid"], job_description="Replaced the whole thing")
    changed = writer.jobs().set_index("uuid").loc[job["uuid"], "job_description"]
    assert changed == "Replaced the whole thing"
    writer.staff()  # another resource's cached answers survive the write
    gets = [e.resource for e in fresh_emulator.log.entries() if e.method == "GET"]
    assert gets == ["job"], gets
    assert writer.cache_info().responses >= 2


def test_writes_are_never_cached(writer: sm.Session, fresh_emulator: Emulator) -> None:
    writer.create("category", name="Solar")
    writer.create("category", name="Solar")
    names = writer.categories()["name"].tolist()
    assert names.count("Solar") == 2
    assert [e.method for e in fresh_emulator.log.entries()].count("POST") == 2


def test_allocate_and_book_by_job_number_and_staff_name(writer: sm.Session, fresh_emulator: Emulator) -> None:
    job, ava, leo = _a_job_and_two_staff(writer)
    made = writer.allocate(int(job["generated_job_id"]), ava, "2026-03-05 08:00", window="Morning",
                           expiry="2026-03-09 17:00")
    allocation = writer.allocations(enrich=True).set_index("uuid").loc[made]
    assert allocation["staff_name"] == ava and allocation["job_number"] == job["generated_job_id"]
    windows = writer.allocation_windows().set_index("uuid")
    assert windows.loc[allocation["allocation_window_uuid"], "name"] == "Morning"
    booked = writer.book(job["generated_job_id"], leo.upper(), "2026-03-05 09:00", "2026-03-05 11:30")
    booking = writer.activities(enrich=True).set_index("uuid").loc[booked]
    assert booking["staff_name"] == leo and booking["activity_was_scheduled"]
    assert booking["end_date"] - booking["start_date"] == pd.Timedelta(hours=2.5)
    with pytest.raises(sm.NotFoundError, match="no job matches '424242'"):
        writer.book(424242, leo, "2026-03-05 09:00", "2026-03-05 10:00")
    with pytest.raises(sm.NotFoundError, match="no staff member matches 'Nobody Here'"):
        writer.allocate(job["generated_job_id"], "Nobody Here", "2026-03-05 08:00")


def test_reallocating_a_job_moves_it_to_another_staff_member(writer: sm.Session) -> None:
    allocation = writer.allocations(enrich=True).iloc[0]
    staff = writer.staff("hide_from_schedule eq 0").set_index("uuid")
    other = next(u for u in staff.index if u != allocation["staff_uuid"])
    writer.update("joballocation", allocation["uuid"], staff_uuid=other)
    moved = writer.allocations(enrich=True).set_index("uuid").loc[allocation["uuid"]]
    assert moved["staff_uuid"] == other
    assert moved["staff_name"] == f"{staff.loc[other, 'first']} {staff.loc[other, 'last']}"


def test_read_only_session_refuses_before_any_request(fresh_emulator: Emulator, tmp_path: Path) -> None:
    reader = sm.connect(fresh_emulator.api_key, base_url=fresh_emulator.base_url, cache=tmp_path, progress=False)
    target = fresh_emulator.account.tables["category"][0]["uuid"]
    fresh_emulator.log.clear()
    for write in (lambda: reader.create("category", name="x"), lambda: reader.update("category", target, name="y"),
                  lambda: reader.delete("category", target), lambda: reader.restore("category", target)):
        with pytest.raises(sm.ReadOnlyError, match="writable=True"):
            write()
    assert fresh_emulator.log.entries() == []


@pytest.mark.parametrize(("resource", "fields", "error", "words"), [
    ("joballocation", {"colour": "red"}, sm.UnknownFieldError, "fields you can write: job_uuid"),
    ("jobactivity", {"start_date": "2026-03-04 10:00", "end_date": "2026-03-04 09:00"}, sm.ValidationError,
     "before start_date"),
    ("jobactivity", {"travel_time_in_seconds": "far"}, sm.ValidationError, "must be a number"),
    ("jobactivity", {"travel_time_in_seconds": 1.5}, sm.ValidationError, "whole number"),
    ("jobactivity", {"activity_was_scheduled": 2}, sm.ValidationError, "0/1 flag"),
    ("jobactivity", {"start_date": "next tuesday"}, sm.ValidationError, "date or timestamp"),
    ("jobactivity", {"staff_uuid": "Ava"}, sm.ValidationError, "must be a uuid"),
    ("job", {"status": "Done"}, sm.ValidationError, "must be one of"),
    ("job", {"generated_job_id": "1"}, sm.ValidationError, "read-only"),
    ("job", {"edit_date": "2026-01-01"}, sm.ValidationError, "read-only"),
    ("job", {"job_description": 12}, sm.ValidationError, "is text"),
    ("staff", {"first": "x" * 31}, sm.ValidationError, "30 characters"),
])
def test_validation_errors_before_any_request(writer: sm.Session, fresh_emulator: Emulator, resource: str,
                                              fields: dict, error: type, words: str) -> None:
    target = fresh_emulator.account.tables[resource][0]["uuid"]
    fresh_emulator.log.clear()
    with pytest.raises(error, match=words):
        writer.update(resource, target, **fields)
    assert fresh_emulator.log.entries() == []


def test_create_needs_the_required_fields(writer: sm.Session, fresh_emulator: Emulator) -> None:
    fresh_emulator.log.clear()
    with pytest.raises(sm.ValidationError, match="needs status"):
        writer.create("job", job_description="no status")
    assert fresh_emulator.log.entries() == []
    made = writer.create("job", status="Quote", job_description="A new quote")
    assert writer.get("job", made)["generated_job_id"][0].isdigit()


def test_datetimes_are_sent_in_account_time(fresh_emulator: Emulator, tmp_path: Path) -> None:
    with sm.connect(fresh_emulator.api_key, base_url=fresh_emulator.base_url, cache=tmp_path, progress=False,
                    writable=True, timezone="Australia/Melbourne") as session:
        target = fresh_emulator.account.tables["jobactivity"][0]["uuid"]
        session.update("jobactivity", target, start_date=pd.Timestamp("2026-03-03 22:00", tz="UTC"),
                       end_date=pd.Timestamp("2026-03-04 09:30"))
        record = next(r for r in fresh_emulator.account.tables["jobactivity"] if r["uuid"] == target)
        assert record["start_date"] == "2026-03-04 09:00:00"  # 22:00 UTC is 09:00 AEDT
        assert record["end_date"] == "2026-03-04 09:30:00"  # naive: already account time


def test_missing_scope_names_it(tmp_path: Path) -> None:
    with Emulator(tokens={"tok-reader": ["read_schedule", "read_staff", "read_jobs"]}) as emu:
        session = sm.connect(oauth_token="tok-reader", base_url=emu.base_url, cache=tmp_path, progress=False,
                             writable=True)
        target = session.allocations().uuid[0]
        with pytest.raises(sm.ForbiddenError, match="manage_schedule"):
            session.update("joballocation", target, sort_priority="1")
        with pytest.raises(sm.ForbiddenError, match="create_jobs"):
            session.create("job", status="Quote")
        with pytest.raises(sm.ForbiddenError, match="publish_job_notes"):
            session.add_note(session.jobs().uuid[0], "needs the scope")


def test_demo_session_can_be_writable() -> None:
    with sm.demo(progress=False, writable=True) as session:
        made = session.create("category", name="Solar")
        assert made in set(session.categories().uuid)
        assert "writable" in repr(session)


# --- what a scheduling tool adds to a job: notes, contacts, tasks, badges (issue 23) ---------------
def test_notes_contacts_and_tasks_on_a_job(writer: sm.Session, fresh_emulator: Emulator) -> None:
    job, ava, _ = _a_job_and_two_staff(writer)
    number = job["generated_job_id"]
    before = writer.notes()  # cached: the writes below must drop it
    fresh_emulator.log.clear()
    note = writer.add_note(int(number), "Gate code 4411; dog in the yard")
    contact = writer.add_job_contact(number, "Maya", "Singh", mobile="0400 111 222", type="JOB")
    task = writer.add_task("Order the hot water unit", job=job["uuid"], staff=ava, due="2026-03-06")
    posts = [e.path for e in fresh_emulator.log.entries() if e.method == "POST"]
    assert posts == ["/api_1.0/note.json", "/api_1.0/jobcontact.json", "/api_1.0/task.json"]
    notes = writer.notes(enrich=True).set_index("uuid")
    assert len(notes) == len(before) + 1
    assert (notes.loc[note, "note"], notes.loc[note, "related_object"]) == ("Gate code 4411; dog in the yard", "job")
    assert notes.loc[note, "job_number"] == number and notes.loc[note, "client_name"] == job["client_name"]
    contacts = writer.job_contacts(sm.F.job_uuid == job["uuid"], enrich=True).set_index("uuid")
    assert (contacts.loc[contact, ["first", "last", "mobile", "type", "job_number"]].tolist()
            == ["Maya", "Singh", "0400 111 222", "JOB", number])
    made = writer.tasks(enrich=True).set_index("uuid").loc[task]
    assert (made["name"], made["assigned_to_staff_name"], made["job_number"]) == ("Order the hot water unit", ava,
                                                                                   number)
    assert made["due_date"] == pd.Timestamp("2026-03-06") and not made["task_complete"]
    # a note's record lives at /dbonote/{uuid}.json: updates, reads and deletes go there, and drop its cache
    writer.get("note", note)
    writer.update("note", note, note="Gate code changed: 9902")
    assert writer.get("note", note)["note"][0] == "Gate code changed: 9902"
    writer.update("task", task, task_complete=True)
    assert writer.tasks().set_index("uuid").loc[task, "task_complete"]
    writer.delete("note", note)
    assert note not in set(writer.notes().uuid) and note in set(writer.notes(include_inactive=True).uuid)
    writer.restore("note", note)
    record_writes = [e.path for e in fresh_emulator.log.entries() if e.method in ("POST", "DELETE")][3:]
    assert set(record_writes) == {f"/api_1.0/dbonote/{note}.json", f"/api_1.0/task/{task}.json"}
    with pytest.raises(sm.ValidationError, match="a note is text"):
        writer.add_note(number, "  ")
    with pytest.raises(sm.ValidationError, match="creating a task needs name"):
        writer.create("task", task_details="no name")


def test_badges_on_a_job_by_name_or_uuid(writer: sm.Session, fresh_emulator: Emulator) -> None:
    badges = writer.badges()
    assert len(badges) >= 2
    first, second = badges["name"].iloc[0], badges["name"].iloc[1]
    job = writer.jobs("status eq 'Work Order'").iloc[0]
    start = json.loads(job["badges"]) if isinstance(job["badges"], str) and job["badges"] else []
    for badge in (first, second):
        writer.remove_badge(job["generated_job_id"], badge)  # from a known state: neither is on the job
    writer.add_badge(job["generated_job_id"], first)
    writer.add_badge(job["uuid"], badges["uuid"].iloc[1].upper())
    writer.add_badge(job["uuid"], first.upper())  # already there: nothing is sent
    stored = next(j for j in fresh_emulator.account.tables["job"] if j["uuid"] == job["uuid"])
    others = [u for u in start if u not in set(badges["uuid"].iloc[:2])]
    assert json.loads(stored["badges"]) == [*others, badges["uuid"].iloc[0], badges["uuid"].iloc[1]]
    named = writer.jobs(enrich=True).set_index("uuid").loc[job["uuid"], "badge_names"]
    assert named.endswith(f"{first}, {second}")
    writer.remove_badge(job["uuid"], first)
    assert writer.jobs(enrich=True).set_index("uuid").loc[job["uuid"], "badge_names"].endswith(second)
    assert first not in writer.jobs(enrich=True).set_index("uuid").loc[job["uuid"], "badge_names"].split(", ")
    fresh_emulator.log.clear()
    with pytest.raises(sm.NotFoundError, match="no badge matches 'Nonexistent'"):
        writer.add_badge(job["uuid"], "Nonexistent")
    assert not [e for e in fresh_emulator.log.entries() if e.method == "POST"]


def test_other_resources_are_read_only_on_purpose(emulator: Emulator, tmp_path: Path) -> None:
    """Beyond what a scheduling tool changes, smexplore writes nothing, on purpose: the error says so (not
    that the session is read-only), on a writable session and a read-only one alike, before any request."""
    tables = emulator.account.tables
    writes = [
        ("material", lambda s: s.create("material", name="Copper pipe 15mm")),
        ("jobmaterial", lambda s: s.update("jobmaterial", tables["jobmaterial"][0]["uuid"], quantity=3)),
        ("badge", lambda s: s.delete("badge", tables["badge"][0]["uuid"])),
        ("companycontact", lambda s: s.restore("companycontact", tables["companycontact"][0]["uuid"])),
        ("vendor", lambda s: s.update("vendor", tables["vendor"][0]["uuid"], name="x")),
    ]
    writer = sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path / "w", progress=False,
                        writable=True)
    reader = sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path / "r", progress=False)
    emulator.log.clear()
    for resource, write in writes:
        with pytest.raises(sm.ReadOnlyError, match=f"{resource} is read-only in smexplore on purpose") as refused:
            write(writer)
        assert "writable=True" not in str(refused.value) and "jobcontact" in str(refused.value)  # what it writes
        with pytest.raises(sm.ReadOnlyError, match="on purpose"):  # the same reason on a read-only session
            write(reader)
    assert emulator.log.entries() == []
