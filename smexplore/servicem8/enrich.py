"""Enrichment: the names ServiceM8 records point at by uuid, as columns beside the uuids.

``enrich`` adds, where a frame has the field that points at the record:

- ``staff_name`` (``staff_uuid``), ``assigned_to_staff_name`` (a task's ``assigned_to_staff_uuid``);
- ``job_number``, ``client_name`` and ``category_name`` (``job_uuid``, and the job's client and
  category; or, on notes, tasks, attachments, feedback and form responses, the record their
  ``related_object``/``regarding_object`` names when that is a job, or a client for ``client_name``);
- ``client_name`` (``company_uuid``) and ``category_name`` (``category_uuid``) directly;
- ``material_name`` (``material_uuid`` of a line of material used: a job material, which carries a
  ``quantity``; a job activity's ``material_uuid``, its labour rate, is left as it is);
- ``badge_names`` (``badges``, the JSON list of badge uuids on jobs and clients): the badges' names
  joined by ``", "`` in the list's order (``<NA>`` without badges).

A uuid no related record has gives ``<NA>`` (a badge no record names is left out of the list). The
originals are never renamed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import pandas as pd

__all__ = ["DIRECT_KEYS", "NAME_SOURCES", "enrich", "enriched_columns", "names_by_uuid"]


def _full_name(staff: pd.DataFrame) -> pd.Series:
    return (staff["first"].fillna("") + " " + staff["last"].fillna("")).str.strip()


# Enriched column → (related resource, how its frame names a record).
NAME_SOURCES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "staff_name": ("staff", _full_name),
    "assigned_to_staff_name": ("staff", _full_name),
    "job_number": ("job", lambda f: f["generated_job_id"]),
    "client_name": ("company", lambda f: f["name"]),
    "category_name": ("category", lambda f: f["name"]),
    "material_name": ("material", lambda f: f["name"]),
    "badge_names": ("badge", lambda f: f["name"]),
}
# Enriched column → the uuid field it is looked up by when the record carries that field itself.
DIRECT_KEYS = {"staff_name": "staff_uuid", "assigned_to_staff_name": "assigned_to_staff_uuid",
               "job_number": "job_uuid", "client_name": "company_uuid", "category_name": "category_uuid",
               "material_name": "material_uuid"}
# Pairs of fields that point at a record of any kind: (what it is, e.g. "job"; its uuid).
_RELATED = (("related_object", "related_object_uuid"), ("regarding_object", "regarding_object_uuid"))
_THROUGH_JOB = ("job_number", "client_name", "category_name")


def names_by_uuid(column: str, related: Callable[[str], pd.DataFrame]) -> pd.Series:
    """The names an enriched ``column`` shows, indexed by the related record's uuid (in lower case)."""
    resource, name_of = NAME_SOURCES[column]
    frame = related(resource)
    return pd.Series(name_of(frame).to_numpy(), index=_uuid_key(frame["uuid"]).to_numpy()).dropna()


def _uuid_key(uuids: pd.Series) -> pd.Series:
    """uuids in lower case: the API matches them in any case, so the joins do too."""
    return uuids.astype("string").str.lower()


def _related_pair(names: Iterable[str]) -> tuple[str, str] | None:
    """The pair of fields by which a record points at a record of any kind, if it has one."""
    present = set(names)
    return next((pair for pair in _RELATED if set(pair) <= present), None)


def enriched_columns(fields: Iterable[str]) -> dict[str, str | None]:
    """The columns ``enrich`` adds to a frame with ``fields`` (see the module), in the order it adds them.

    Returns:
        Enriched column → the frame's own uuid field it is looked up by, or ``None`` when it comes
        another way: through the job (``client_name`` and ``category_name`` of activities and
        allocations), through a related object, or from a list (``badge_names``).
    """
    names = set(fields)
    columns: dict[str, str | None] = {}
    for column in ("staff_name", "assigned_to_staff_name"):
        if DIRECT_KEYS[column] in names:
            columns[column] = DIRECT_KEYS[column]
    if "job_uuid" in names:
        columns.update(job_number="job_uuid", client_name=None, category_name=None)
    elif _related_pair(names):
        columns.update(dict.fromkeys(_THROUGH_JOB))
    for column in ("client_name", "category_name"):
        if DIRECT_KEYS[column] in names:
            columns[column] = DIRECT_KEYS[column]
    if "material_uuid" in names and "quantity" in names:
        columns["material_name"] = "material_uuid"
    if "badges" in names:
        columns["badge_names"] = None
    return columns


def _job_and_client(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series | None]:
    """The uuid of each record's job (``job_uuid``, or its related object where that is a job), and
    of its client where its related object is a client itself (``None``: no related object)."""
    if "job_uuid" in frame:
        return _uuid_key(frame["job_uuid"]), None
    what, uuid = _related_pair(frame.columns) or ("", "")
    kind = frame[what].astype("string").str.strip().str.casefold()
    related = _uuid_key(frame[uuid])
    is_job = (kind == "job").fillna(False).to_numpy(dtype=bool)
    is_client = kind.isin(["company", "client"]).fillna(False).to_numpy(dtype=bool)
    return related.where(is_job), related.where(is_client)


def _badge_names(badges: pd.Series, names: pd.Series) -> pd.Series:
    """Each JSON list of badge uuids as its badges' names, joined by ``", "`` (``<NA>`` for none)."""
    by_uuid = {str(uuid): str(name) for uuid, name in names.items()}

    def named(text: object) -> str | None:
        if not isinstance(text, str) or not text.strip():
            return None
        try:
            uuids = json.loads(text)
        except ValueError:
            return None
        found = [by_uuid[str(u).lower()] for u in uuids if str(u).lower() in by_uuid] if isinstance(uuids, list) else []
        return ", ".join(found) or None

    return pd.Series([named(text) for text in badges.astype(object)], index=badges.index, dtype="string")


def enrich(frame: pd.DataFrame, related: Callable[[str], pd.DataFrame],
           columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Add the names the frame's uuids point at (see the module), where they apply.

    Args:
        frame: A typed frame from ``to_frame``.
        related: Returns the typed frame of a related resource (all records, deleted ones too).
        columns: Add only these (default: every one that applies); only their sources are pulled.
    """
    out = frame.copy()
    wanted = enriched_columns(out.columns)
    if columns is not None:
        asked = set(columns)
        wanted = {column: key for column, key in wanted.items() if column in asked}
    keys: dict[str, pd.Series] = {}
    through = [column for column in _THROUGH_JOB if column in wanted and wanted[column] is None]
    if through:  # the job number through a related object; client and category through the job
        job, client = _job_and_client(out)
        keys["job_number"] = job
        if {"client_name", "category_name"} & set(through):
            jobs = related("job")
            jobs = jobs.set_index(_uuid_key(jobs["uuid"]))
            for column in ("client_name", "category_name"):
                keys[column] = _uuid_key(job.map(jobs[DIRECT_KEYS[column]]))
            if client is not None:
                keys["client_name"] = keys["client_name"].fillna(client)
    for column, direct in wanted.items():
        if column == "badge_names":
            out[column] = _badge_names(out["badges"], names_by_uuid(column, related))
            continue
        key = _uuid_key(out[direct]) if direct is not None else keys[column]
        out[column] = key.map(names_by_uuid(column, related)).astype("string")
    return out
