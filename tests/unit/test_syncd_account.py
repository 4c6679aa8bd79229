"""The synthetic Syncd account: deterministic, a job tree four levels deep, assignments that exercise
inheritance, and a year of time entries that add up."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from smexplore.syncd.emulator import DEMO_USER, NOW, SCALES, Account, build_account
from smexplore.syncd.emulator.account import Assignment, Job

ROOT = Path(__file__).resolve().parents[2]
FINGERPRINT = ("from smexplore.syncd.emulator import build_account; import hashlib; a = build_account(0); "
               "print(hashlib.sha256(repr((a.job_types, a.ordered_jobs(), a.users, a.user_groups, a.assignments, "
               "a.activities, a.time_entries)).encode()).hexdigest())")


@pytest.fixture(scope="module")
def account() -> Account:
    return build_account(0, "small")


def _records(account: Account) -> tuple[object, ...]:
    return (account.job_types, account.ordered_jobs(), account.users, account.user_groups, account.assignments,
            account.activities, account.time_entries)


def _own(account: Account) -> dict[int, list[Assignment]]:
    return {job_id: account.own_assignments(job_id) for job_id in account.jobs}


def _depth(account: Account, job: Job) -> int:
    return 1 + len(account.ancestors(job))


def test_the_same_seed_gives_the_same_account_and_another_seed_another(account: Account) -> None:
    again, other = build_account(0), build_account(1)
    assert _records(account) == _records(again)
    assert _records(account) != _records(other)
    assert [j.name for j in account.ordered_jobs()] != [j.name for j in other.ordered_jobs()]


def test_the_account_is_the_same_in_another_interpreter(account: Account) -> None:
    """No dependence on hash seeds or set order: a fresh process builds the same records."""
    here = hashlib.sha256(repr(_records(account)).encode()).hexdigest()
    result = subprocess.run([sys.executable, "-c", FINGERPRINT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True)
    assert result.stdout.strip() == here


def test_the_job_tree_is_four_levels_deep_with_one_job_type_per_level(account: Account) -> None:
    types = account.job_types
    assert [t.name for t in types] == ["client", "project", "phase", "task"]
    assert types[0].parent_id is None and all(t.parent_id == p.id for p, t in pairwise(types))
    assert Counter(_depth(account, j) for j in account.jobs.values()).keys() == {1, 2, 3, 4}
    for job in account.jobs.values():
        assert account.type_depth(job.job_type_id) == _depth(account, job)
        if job.parent_id is not None:
            assert job.parent_id < job.id  # numbered in creation order: a parent first
            assert account.job_types_by_id[job.job_type_id].parent_id == account.jobs[job.parent_id].job_type_id
    siblings = Counter((j.parent_id, j.name) for j in account.jobs.values())
    assert max(siblings.values()) == 1  # names are unique under a parent
    assert len([j for j in account.jobs.values() if j.parent_id is None]) == SCALES["small"].clients + 1


def test_active_inactive_and_effectively_inactive_jobs_are_all_present(account: Account) -> None:
    jobs = list(account.jobs.values())
    assert any(not j.active for j in jobs)
    inherited_inactive = [j for j in jobs if j.active and not account.effectively_active(j)]
    assert inherited_inactive  # active themselves, under an inactive ancestor
    assert any(not j.active and j.parent_id is None for j in jobs)  # a retired client
    live = sum(account.effectively_active(j) for j in jobs)
    assert len(jobs) // 4 < live < len(jobs) * 9 // 10


def test_nulls_and_empty_texts_both_occur_and_names_need_escaping(account: Account) -> None:
    codes = [j.code for j in account.jobs.values()]
    assert None in codes and "" in codes
    texts = " ".join([*(j.name for j in account.jobs.values()), *(e.note or "" for e in account.time_entries)])
    assert all(ch in texts for ch in "&'<>\"é")


def test_a_child_without_assignments_inherits_its_parents(account: Account) -> None:
    own, held = _own(account), account.inherited_assignments()
    parent = {j.id: j.parent_id for j in account.jobs.values() if j.parent_id is not None}
    inheriting = [i for i, p in parent.items() if not own[i] and held[p]]
    assert inheriting
    assert all(held[i] == held[parent[i]] for i in inheriting)
    through_a_parent = [i for i in inheriting if not own[parent[i]]]  # from a grandparent or higher
    assert through_a_parent


def test_once_a_child_has_assignments_its_parents_no_longer_apply(account: Account) -> None:
    own, held, users = _own(account), account.inherited_assignments(), account.assigned_users()
    parent = {j.id: j.parent_id for j in account.jobs.values() if j.parent_id is not None}
    overriding = [i for i, p in parent.items() if own[i] and held[p]]
    assert overriding
    assert all(held[i] == own[i] for i in overriding)
    owner = account.users[0].id
    dropped = [i for i in overriding if owner in users[parent[i]] and owner not in users[i]]
    assert dropped  # the owner is assigned to a client, not to its overriding project


def test_every_kind_of_assignment_occurs(account: Account) -> None:
    kinds = Counter("all" if a.users == "all" else "none" if a.users == "none" else
                    "user" if a.user_id else "group" for a in account.assignments)
    assert kinds.keys() == {"all", "none", "user", "group"}
    assert any(a.job_id is None for a in account.assignments)  # all jobs
    nobody = next(a for a in account.assignments if a.users == "none")
    assert nobody.job_id is not None
    everywhere = {u for a in account.all_jobs_assignments() for u in account.who(a)}
    assert account.assigned_users()[nobody.job_id] == everywhere


def test_the_owner_is_assigned_deep_down_under_ancestors_not_assigned_to_them(account: Account) -> None:
    owner = account.users[0]
    assert owner.name == DEMO_USER and owner.rights.admin and owner.rights.manager_for_job_type_id == 7
    mine = account.assigned_jobs(owner.id)
    unassigned_ancestors = account.with_ancestors(mine) - mine
    assert unassigned_ancestors
    assert any(account.jobs[j].parent_id is None for j in unassigned_ancestors)


def test_a_year_of_time_entries_per_user_on_jobs_they_may_use(account: Account) -> None:
    assigned = account.assigned_users()
    per_user = Counter(e.user_id for e in account.time_entries)
    assert set(per_user) == {u.id for u in account.users}
    for user in account.users:
        days = sorted(e.day for e in account.time_entries if e.user_id == user.id)
        if user.active and user.created_at.date() < NOW.date() - timedelta(days=365):
            assert days[0] <= NOW.date() - timedelta(days=360) and days[-1] >= NOW.date() - timedelta(days=7)
        assert days[-1] < NOW.date()
    for entry in account.time_entries:
        job = account.jobs[entry.job_id]
        assert account.job_types_by_id[job.job_type_id].allow_time_entries
        assert entry.user_id in assigned[job.id]
        assert entry.duration > 0
        if entry.start_time is not None:
            assert entry.end_time is not None and entry.start_date is None
            assert entry.start_time.utcoffset() is not None and entry.start_time.second == 0
            assert (entry.end_time - entry.start_time) == timedelta(minutes=entry.duration)
        else:
            assert isinstance(entry.start_date, date) and entry.end_time is None
        assert entry.created_at.tzinfo is UTC and entry.created_at <= entry.updated_at <= NOW
    ids = [e.id for e in account.time_entries]
    assert ids == sorted(set(ids))


def test_time_entries_carry_each_users_offset_through_daylight_saving(account: Account) -> None:
    offsets = {e.start_time.utcoffset() for e in account.time_entries if e.start_time is not None}
    hours = {o.total_seconds() / 3600 for o in offsets if o is not None}
    assert {-5, -4, -8, -7, 0, 1} <= hours  # New York, Los Angeles and London, winter and summer
    assert any(e.start_time and e.end_time and e.end_time.date() > e.start_time.date() for e in account.time_entries)
    assert any(e.start_date is not None for e in account.time_entries)


def test_scales_grow_and_an_unknown_scale_is_refused() -> None:
    medium = build_account(0, "medium")
    assert len(medium.users) == SCALES["medium"].users and len(medium.jobs) > 400
    with pytest.raises(ValueError, match="unknown scale"):
        build_account(0, "huge")


def test_the_owner_login_and_account_name_are_the_callers() -> None:
    account = build_account(0, login="me", name="artworks")
    assert account.users[0].name == "me" and account.name == "artworks"
