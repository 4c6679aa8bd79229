"""Syncd's job tree: each job's depth, path and top-level job, and job assignments resolved down the tree.

Jobs form a tree by ``parent_id`` (a client, its projects, their tasks: up to five levels, one per
job type). ``job_tree`` adds to a jobs frame:

- ``depth``: how many ancestors the job has (0 for a top-level job);
- ``path``: the names from the top down, joined by `` / `` (``"Artworks / UFO #7856 / Retouch"``);
- ``root_id``, ``root_name``: the top-level job (the client, in an account whose levels are
  client → project → task);
- ``effectively_active``, where the API left it out: false if the job or any ancestor is inactive.

A job whose chain of parents leaves the jobs given (a parent not among them) gets no depth, path
or root (``<NA>``): give ``tree=`` every job (``Session.jobs`` does). A chain that loops is an error.

**Assignments** (``resolve_assignments``) follow Syncd's rule: an assignment links who (one user, a
user group, ``all`` users or ``none``) to one job or to ``all`` jobs. A job with assignments of its
own has exactly those; a job with none inherits its parent's (which may be inherited in turn);
once a job has any assignment of its own, its parent's no longer apply to it (and nothing is
copied down). An assignment to ``none`` counts as the job's own: it stops inheritance and assigns
no one. Assignments to all jobs apply to every job, besides its own or inherited ones.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["PATH_SEPARATOR", "job_tree", "resolve_assignments"]

PATH_SEPARATOR = " / "
"""Joins the names of a job's path."""

_RESOLVED_DTYPES: dict[str, Any] = {
    "job_id": "Int64",
    "job_path": "string",
    "assignment_id": "Int64",
    "assigned_on": "Int64",
    "inherited": "boolean",
    "all_jobs": "boolean",
    "users": "string",
    "user_id": "Int64",
    "user_group_id": "Int64",
    "user_name": "string",
}
"""The columns of ``resolve_assignments``' frame, with their dtypes."""


def _ids(values: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in values]


def _walk(job_id: int, parents: dict[int, int | None]) -> list[int] | None:
    """The ids from ``job_id`` up to its top-level job, or ``None`` if a parent is unknown.

    Raises:
        ValueError: The parents loop.
    """
    chain, seen = [job_id], {job_id}
    current = parents[job_id]
    while current is not None:
        if current not in parents:
            return None
        if current in seen:
            raise ValueError(f"the jobs' parents loop (job {current} is its own ancestor)")
        chain.append(current)
        seen.add(current)
        current = parents[current]
    return chain


def job_tree(jobs: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    """``jobs`` with ``depth``, ``path``, ``root_id``, ``root_name`` and ``effectively_active`` filled in.

    Args:
        jobs: A jobs frame (``id``, ``parent_id``, ``name``, ``active``; ``effectively_active``
            is kept where set).
        tree: Every job of the account, to walk the parents in (default: ``jobs`` itself).

    Raises:
        ValueError: The parents loop, or a column is missing.
    """
    tree = jobs if tree is None else tree
    for frame, what in ((jobs, "jobs"), (tree, "tree")):
        missing = [c for c in ("id", "parent_id", "name") if c not in frame]
        if missing:
            raise ValueError(f"{what} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    ids, parent_ids = _ids(tree["id"]), _ids(tree["parent_id"])
    parents = {i: p for i, p in zip(ids, parent_ids, strict=True) if i is not None}
    names = dict(zip(ids, tree["name"].astype(object).where(tree["name"].notna(), ""), strict=True))
    active_values = tree["active"] if "active" in tree else pd.Series(pd.NA, index=tree.index, dtype="boolean")
    active = dict(zip(ids, active_values.astype("boolean"), strict=True))
    for i, p in zip(_ids(jobs["id"]), _ids(jobs["parent_id"]), strict=True):  # jobs not in the tree
        if i is not None:
            parents.setdefault(i, p)
    result = jobs.copy()
    depth: list[Any] = []
    path: list[Any] = []
    root_id: list[Any] = []
    root_name: list[Any] = []
    effective: list[Any] = []
    own_names = dict(zip(_ids(jobs["id"]), jobs["name"].astype(object), strict=True))
    for job_id in _ids(jobs["id"]):
        chain = _walk(job_id, parents) if job_id is not None else None
        if chain is None:
            depth.append(pd.NA)
            path.append(pd.NA)
            root_id.append(pd.NA)
            root_name.append(pd.NA)
            effective.append(pd.NA)
            continue
        labels = [str(names.get(i, own_names.get(i)) or "") for i in reversed(chain)]
        depth.append(len(chain) - 1)
        path.append(PATH_SEPARATOR.join(labels))
        root_id.append(chain[-1])
        root_name.append(labels[0])
        flags = [active.get(i, pd.NA) for i in chain]
        known = [bool(f) for f in flags if not pd.isna(f)]
        effective.append(False if not all(known) else True if len(known) == len(flags) else pd.NA)
    result["depth"] = pd.array(depth, dtype="Int64")
    result["path"] = pd.array(path, dtype="string")
    result["root_id"] = pd.array(root_id, dtype="Int64")
    result["root_name"] = pd.array(root_name, dtype="string")
    computed = pd.array(effective, dtype="boolean")
    if "effectively_active" in result:
        result["effectively_active"] = result["effectively_active"].astype("boolean").fillna(
            pd.Series(computed, index=result.index))
    else:
        result["effectively_active"] = computed
    return result


def resolve_assignments(jobs: pd.DataFrame, assignments: pd.DataFrame, users: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which assignments hold for each job, inheritance resolved (see the module).

    Args:
        jobs: Every job (``id``, ``parent_id``; ``path`` is copied when present).
        assignments: The job assignments (``id``, ``job_id``, ``users``, ``user_id``, ``user_group_id``).
        users: The users: when given, an assignment to ``all`` users becomes one row per user and
            ``user_name`` is filled (else those rows keep ``users == "all"`` and no ``user_id``).
            An assignment to a user group whose members came with it (``user_group_user_ids``,
            ``include=user_groups``) becomes one row per member either way.

    Returns:
        One row per job and assignment that holds for it (an assignment to ``none`` included: it
        assigns no one), ordered by job and assignment: ``job_id``, ``job_path``,
        ``assignment_id``, ``assigned_on`` (the job the assignment is on: the job itself, an
        ancestor, or ``<NA>`` for all jobs), ``inherited`` (from an ancestor), ``all_jobs``,
        ``users`` (``all``/``none``), ``user_id``, ``user_group_id``, ``user_name``.

    Raises:
        ValueError: A column is missing, or the jobs' parents loop.
    """
    for frame, columns, what in ((jobs, ("id", "parent_id"), "jobs"),
                                 (assignments, ("id", "job_id", "users", "user_id", "user_group_id"), "assignments")):
        missing = [c for c in columns if c not in frame]
        if missing:
            raise ValueError(f"{what} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    job_ids, parent_ids = _ids(jobs["id"]), _ids(jobs["parent_id"])
    parents = {i: p for i, p in zip(job_ids, parent_ids, strict=True) if i is not None}
    paths = dict(zip(job_ids, jobs["path"], strict=True)) if "path" in jobs else {}
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in assignments.to_dict("records")]
    own: dict[int, list[dict[str, Any]]] = {}
    everywhere: list[dict[str, Any]] = []
    for record in records:
        job = record["job_id"]
        if pd.isna(job):
            everywhere.append(record)
        else:
            own.setdefault(int(job), []).append(record)
    held: dict[int, tuple[int | None, list[dict[str, Any]]]] = {}

    def holds(job_id: int) -> tuple[int | None, list[dict[str, Any]]]:
        """(the job the assignments are on, the assignments) for ``job_id``; iterative up the tree."""
        chain: list[int] = []
        current: int | None = job_id
        found: tuple[int | None, list[dict[str, Any]]] = (None, [])
        while current is not None:
            if current in held:
                found = held[current]
                break
            if current in own:
                found = (current, own[current])
                held[current] = found
                break
            if current in chain:
                raise ValueError(f"the jobs' parents loop (job {current} is its own ancestor)")
            chain.append(current)
            current = parents.get(current)
        for link in chain:
            held[link] = found
        return found

    names: dict[int, Any] = {}
    everyone: list[int] = []
    if users is not None:
        user_ids = _ids(users["id"])
        everyone = [i for i in user_ids if i is not None]
        label = users["full_name"] if "full_name" in users else users.get("name", pd.Series(pd.NA, index=users.index))
        names = {i: name for i, name in zip(user_ids, label, strict=True) if i is not None}
    rows: list[dict[str, Any]] = []
    for job_id in job_ids:
        if job_id is None:
            continue
        on, mine = holds(job_id)
        applying = [(on, a) for a in mine] + [(None, a) for a in everywhere]
        for source, assignment in sorted(applying, key=lambda pair: int(pair[1]["id"])):
            base = {"job_id": job_id, "job_path": paths.get(job_id, pd.NA), "assignment_id": assignment["id"],
                    "assigned_on": source, "inherited": source is not None and source != job_id,
                    "all_jobs": source is None, "users": assignment["users"], "user_id": assignment["user_id"],
                    "user_group_id": assignment["user_group_id"]}
            members = assignment.get("user_group_user_ids")
            if users is not None and assignment["users"] == "all":
                rows.extend({**base, "user_id": user, "user_name": names.get(user)} for user in everyone)
            elif isinstance(members, list) and members and not pd.isna(assignment["user_group_id"]):
                rows.extend({**base, "user_id": user, "user_name": names.get(user)} for user in members)
            else:
                user = assignment["user_id"]
                rows.append({**base, "user_name": names.get(int(user)) if not pd.isna(user) else pd.NA})
    frame = pd.DataFrame(rows, columns=list(_RESOLVED_DTYPES))
    frame = frame.astype({column: object for column in _RESOLVED_DTYPES})
    return frame.where(frame.notna(), None).astype(_RESOLVED_DTYPES).reset_index(drop=True)
