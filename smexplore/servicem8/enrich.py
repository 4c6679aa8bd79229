"""Enrichment: the names ServiceM8 records point at by uuid (staff, job, client, category), as columns.

``enrich`` adds ``staff_name``, ``job_number``, ``client_name`` and ``category_name`` beside the uuids
they come from; the originals are never renamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

__all__ = ["DIRECT_KEYS", "NAME_SOURCES", "enrich", "enriched_columns", "names_by_uuid"]

# Enriched column → (related resource, how its frame names a record).
NAME_SOURCES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "staff_name": ("staff", lambda f: (f["first"].fillna("") + " " + f["last"].fillna("")).str.strip()),
    "job_number": ("job", lambda f: f["generated_job_id"]),
    "client_name": ("company", lambda f: f["name"]),
    "category_name": ("category", lambda f: f["name"]),
}
# Enriched column → the uuid field it is looked up by when the record carries that field itself.
DIRECT_KEYS = {"staff_name": "staff_uuid", "job_number": "job_uuid", "client_name": "company_uuid",
                "category_name": "category_uuid"}


def names_by_uuid(column: str, related: Callable[[str], pd.DataFrame]) -> pd.Series:
    """The names an enriched ``column`` shows, indexed by the related record's uuid."""
    resource, name_of = NAME_SOURCES[column]
    frame = related(resource)
    return pd.Series(name_of(frame).to_numpy(), index=_uuid_key(frame["uuid"]).to_numpy()).dropna()


def _uuid_key(uuids: pd.Series) -> pd.Series:
    """uuids in lower case: the API matches them in any case, so the joins do too."""
    return uuids.astype("string").str.lower()


def enriched_columns(fields: Iterable[str]) -> dict[str, str | None]:
    """The columns ``enrich`` adds to a frame with ``fields``.

    Returns:
        Enriched column → the frame's own uuid field it is looked up by, or ``None`` when it comes
        through the job (``client_name`` and ``category_name`` of activities and allocations).
    """
    names = set(fields)
    columns: dict[str, str | None] = {}
    if "staff_uuid" in names:
        columns["staff_name"] = "staff_uuid"
    if "job_uuid" in names:
        columns.update(job_number="job_uuid", client_name=None, category_name=None)
    for column in ("client_name", "category_name"):
        if DIRECT_KEYS[column] in names:
            columns[column] = DIRECT_KEYS[column]
    return columns


def enrich(frame: pd.DataFrame, related: Callable[[str], pd.DataFrame],
           columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Add ``staff_name``, ``job_number``, ``client_name``, ``category_name`` where they apply.

    A column is added when the frame has the key it joins on: ``staff_uuid`` (staff name),
    ``job_uuid`` (job number, and the job's client and category), ``company_uuid`` and
    ``category_uuid`` (client and category directly). The originals are never renamed.

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
    if None in wanted.values():  # client or category through the job
        jobs = related("job")
        jobs = jobs.set_index(_uuid_key(jobs["uuid"]))
        keys = {key: _uuid_key(out["job_uuid"]).map(jobs[key]).astype("string")
                for key in ("company_uuid", "category_uuid")}
    for column, direct in wanted.items():
        key = out[direct] if direct is not None else keys[DIRECT_KEYS[column]]
        out[column] = _uuid_key(key).map(names_by_uuid(column, related)).astype("string")
    return out
