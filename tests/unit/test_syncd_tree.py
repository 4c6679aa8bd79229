"""Syncd's job tree (depth, path, top-level job, effectively active) and assignments resolved down it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from smexplore.core.frames import to_frame
from smexplore.syncd.resources import get_resource
from smexplore.syncd.tree import job_tree, resolve_assignments

# Artworks (1) ─ UFO (2) ─ Retouch (4)
#              └ Overhead (3, inactive) ─ Admin (5) ─ Filing (6)
# Gallery (7)
JOBS = [(1, None, "Artworks", True), (2, 1, "UFO", True), (3, 1, "Overhead", False), (4, 2, "Retouch", True),
        (5, 3, "Admin", True), (6, 5, "Filing", True), (7, None, "Gallery", True)]


def _jobs(rows: list[tuple[int, int | None, str, bool]] = JOBS) -> pd.DataFrame:
    return to_frame([{"id": i, "parent_id": p, "name": n, "active": a} for i, p, n, a in rows], get_resource("jobs"))


def _assignments(*rows: dict[str, Any]) -> pd.DataFrame:
    base = {"users": None, "user_id": None, "user_group_id": None, "jobs": None, "job_id": None}
    return to_frame([{**base, **r} for r in rows], get_resource("job_assignments"))


def test_depth_path_root_and_effectively_active() -> None:
    tree = job_tree(_jobs()).set_index("id")
    assert tree.loc[6, "path"] == "Artworks / Overhead / Admin / Filing"
    assert tree["depth"].tolist() == [0, 1, 1, 2, 2, 3, 0]
    assert tree["root_id"].tolist() == [1, 1, 1, 1, 1, 1, 7]
    assert tree.loc[4, "root_name"] == "Artworks" and tree.loc[7, "path"] == "Gallery"
    assert tree["effectively_active"].tolist() == [True, True, False, True, False, False, True]
    assert {str(tree[c].dtype) for c in ("depth", "root_id")} == {"Int64"} and str(tree["path"].dtype) == "string"


def test_the_apis_effectively_active_is_kept_where_given() -> None:
    jobs = _jobs()
    jobs.loc[jobs["id"] == 2, "effectively_active"] = False
    assert job_tree(jobs).set_index("id").loc[2, "effectively_active"] == False


def test_a_part_of_the_tree_is_placed_by_the_whole() -> None:
    part = _jobs()[lambda f: f["id"].isin([5, 6])]
    alone = job_tree(part).set_index("id")
    assert alone["path"].isna().all() and alone["depth"].isna().all()  # its ancestors are not there
    placed = job_tree(part, tree=_jobs()).set_index("id")
    assert placed.loc[6, "path"] == "Artworks / Overhead / Admin / Filing" and placed.loc[5, "depth"] == 2


def test_a_loop_is_an_error() -> None:
    with pytest.raises(ValueError, match="loop"):
        job_tree(_jobs([(1, 2, "a", True), (2, 1, "b", True)]))


def _held(resolved: pd.DataFrame, job: int) -> list[tuple[int, Any]]:
    rows = resolved[resolved["job_id"] == job]
    return [(int(a), None if pd.isna(o) else int(o)) for a, o in zip(rows["assignment_id"], rows["assigned_on"],
                                                                    strict=True)]


def test_children_without_assignments_inherit_their_parents() -> None:
    resolved = resolve_assignments(job_tree(_jobs()), _assignments({"id": 10, "user_id": 100, "job_id": 1}))
    assert all(_held(resolved, job) == [(10, 1)] for job in range(1, 7))
    assert _held(resolved, 7) == []
    own = resolved[resolved["job_id"] == 1].iloc[0]
    assert own["inherited"] == False and own["user_id"] == 100
    assert resolved[resolved["job_id"] == 6].iloc[0]["inherited"] == True
    assert resolved.loc[resolved["job_id"] == 6, "job_path"].isna().all() == False


def test_once_a_child_has_its_own_its_parents_no_longer_apply() -> None:
    resolved = resolve_assignments(_jobs(), _assignments({"id": 10, "user_id": 100, "job_id": 1},
                                                         {"id": 11, "user_id": 101, "job_id": 3},
                                                         {"id": 12, "user_id": 102, "job_id": 3}))
    assert _held(resolved, 2) == [(10, 1)] and _held(resolved, 4) == [(10, 1)]
    assert _held(resolved, 3) == [(11, 3), (12, 3)]
    assert _held(resolved, 6) == [(11, 3), (12, 3)]  # the nearest ancestor with its own, not the top


def test_an_assignment_to_none_stops_inheritance_and_assigns_no_one() -> None:
    resolved = resolve_assignments(_jobs(), _assignments({"id": 10, "user_id": 100, "job_id": 1},
                                                         {"id": 11, "users": "none", "job_id": 5}))
    assert _held(resolved, 6) == [(11, 5)]
    assert resolved.loc[resolved["job_id"] == 6, "user_id"].isna().all()


def test_assignments_to_all_jobs_apply_everywhere_besides_the_others() -> None:
    users = pd.DataFrame({"id": pd.array([100, 101], dtype="Int64"), "full_name": ["Ann Lee", "Bo Yu"]})
    resolved = resolve_assignments(_jobs(), _assignments({"id": 10, "user_id": 100, "job_id": 2},
                                                         {"id": 9, "users": "all", "jobs": "all"}), users)
    assert _held(resolved, 4) == [(9, None), (9, None), (10, 2)]  # assignment 9 for each of the two users
    assert _held(resolved, 7) == [(9, None), (9, None)]
    everyone = resolved[(resolved["job_id"] == 7)]
    assert everyone["user_id"].tolist() == [100, 101] and everyone["user_name"].tolist() == ["Ann Lee", "Bo Yu"]
    assert everyone["all_jobs"].all() and not everyone["inherited"].any()
    assert resolved.loc[(resolved["job_id"] == 4) & (resolved["assignment_id"] == 10), "user_name"].tolist() == ["Ann Lee"]


def test_groups_with_their_members_become_one_row_each() -> None:
    assignments = _assignments({"id": 10, "user_group_id": 3, "job_id": 1})
    assignments["user_group_user_ids"] = [[100, 101]]
    resolved = resolve_assignments(_jobs(), assignments)
    assert resolved.loc[resolved["job_id"] == 4, "user_id"].tolist() == [100, 101]
    assert (resolved["user_group_id"] == 3).all()


def test_the_resolved_frame_is_typed_even_when_empty() -> None:
    resolved = resolve_assignments(_jobs(), _assignments())
    assert resolved.empty
    assert dict(resolved.dtypes.astype(str)) == {
        "job_id": "Int64", "job_path": "string", "assignment_id": "Int64", "assigned_on": "Int64",
        "inherited": "boolean", "all_jobs": "boolean", "users": "string", "user_id": "Int64",
        "user_group_id": "Int64", "user_name": "string"}
