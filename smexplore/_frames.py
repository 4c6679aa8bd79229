"""Records → typed pandas DataFrames, and the enrichment joins.

Column names are the API's field names; dtypes follow the field's kind (``_resources.Kind``):

========== ========================================= =====================================
kind       dtype                                     wire values
========== ========================================= =====================================
timestamp  ``datetime64[ns]`` (tz-aware if asked)     ``'YYYY-MM-DD HH:MM:SS'``; zero/``''`` → NaT
date       ``datetime64[ns]``                         ``'YYYY-MM-DD'``; zero/``''`` → NaT
flag       ``boolean``                                ``0``/``1``, ``'0'``/``'1'``
int        ``Int64``                                  int or numeric string
float      ``Float64``                                number or numeric string
money      ``Float64``                                numeric string
uuid       ``string`` (``''`` → ``<NA>``)             uuid string
text       ``string``                                 string
category   ``category`` (the spec's values first)     one of the spec's values
========== ========================================= =====================================

Fields the spec does not list (custom fields ``customfield_*``) are kept, as ``string``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import pandas as pd

from ._resources import Field, Resource

__all__ = ["ENRICHED_COLUMNS", "column_dtype", "enrich", "to_frame"]

ENRICHED_COLUMNS = ("staff_name", "job_number", "client_name", "category_name")
"""Columns ``enrich`` may add (after the API's own, in this order)."""


def column_dtype(field: Field, tz: str | None = None) -> Any:
    """The pandas dtype a field's column gets."""
    if field.kind in ("timestamp", "date"):
        return pd.DatetimeTZDtype("ns", tz) if tz and field.kind == "timestamp" else "datetime64[ns]"
    if field.kind == "flag":
        return "boolean"
    if field.kind == "int":
        return "Int64"
    if field.kind in ("float", "money"):
        return "Float64"
    if field.kind == "category":
        return pd.CategoricalDtype(list(field.choices or ()))
    return "string"


def _timestamps(values: list[Any], field: Field, tz: str | None) -> pd.Series:
    # ISO8601 accepts both the timestamp and the date-only wire forms; zero dates fail to parse → NaT.
    parsed = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", errors="coerce")
    parsed = parsed.astype("datetime64[ns]")
    if tz and field.kind == "timestamp":
        parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return parsed


def _numbers(values: list[Any]) -> pd.Series:
    series = pd.Series(values, dtype=object).replace("", None)
    return pd.to_numeric(series, errors="coerce").astype("Float64")


def _strings(values: list[Any], empty_is_missing: bool) -> pd.Series:
    series = pd.Series(values, dtype=object)
    strings = series.astype("string")
    return strings.mask(strings == "") if empty_is_missing else strings


def _category(values: list[Any], field: Field) -> pd.Series:
    known = list(field.choices or ())
    extra = sorted({v for v in values if v not in known and v is not None and v == v})
    return pd.Series(pd.Categorical(values, categories=known + extra))


def _column(values: list[Any], field: Field, tz: str | None) -> pd.Series:
    kind = field.kind
    if kind in ("timestamp", "date"):
        return _timestamps(values, field, tz)
    if kind == "flag":
        return (_numbers(values) != 0).astype("boolean")
    if kind == "int":
        return _numbers(values).round().astype("Int64")
    if kind in ("float", "money"):
        return _numbers(values)
    if kind == "category":
        return _category(values, field)
    return _strings(values, empty_is_missing=kind == "uuid")


def _column_order(resource: Resource, records: Iterable[dict[str, Any]]) -> list[Field]:
    fields = list(resource.fields.values())
    fields.sort(key=lambda f: f.name != "uuid")  # stable: uuid first, then spec order
    known = set(resource.fields)
    extras = sorted({name for record in records for name in record} - known)
    return fields + [Field(name, "text", "str") for name in extras]


def to_frame(records: list[dict[str, Any]], resource: Resource, tz: str | None = None) -> pd.DataFrame:
    """Type a list of wire records of ``resource`` as a DataFrame.

    The same columns and dtypes come back for an empty list.

    Args:
        records: Records as the API sends them.
        resource: Their resource (gives the fields and their kinds).
        tz: Time zone name to localise timestamps to (account-local naive when ``None``).
    """
    columns = {
        field.name: _column([record.get(field.name) for record in records], field, tz)
        for field in _column_order(resource, records)
    }
    return pd.DataFrame(columns)


def _name_map(frame: pd.DataFrame, key: str, value: pd.Series) -> pd.Series:
    return pd.Series(value.to_numpy(), index=frame[key].to_numpy()).dropna()


def enrich(frame: pd.DataFrame, related: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """Add ``staff_name``, ``job_number``, ``client_name``, ``category_name`` where they apply.

    A column is added when the frame has the key it joins on: ``staff_uuid`` (staff name),
    ``job_uuid`` (job number, and the job's client and category), ``company_uuid`` and
    ``category_uuid`` (client and category directly). The originals are never renamed.

    Args:
        frame: A typed frame from ``to_frame``.
        related: Returns the typed frame of a related resource (all records, deleted ones too).
    """
    out = frame.copy()
    company_key = out.get("company_uuid")
    category_key = out.get("category_uuid")
    if "staff_uuid" in out:
        staff = related("staff")
        names = (staff["first"].fillna("") + " " + staff["last"].fillna("")).str.strip()
        out["staff_name"] = out["staff_uuid"].map(_name_map(staff, "uuid", names)).astype("string")
    if "job_uuid" in out:
        jobs = related("job").set_index("uuid")
        out["job_number"] = out["job_uuid"].map(jobs["generated_job_id"]).astype("string")
        company_key = out["job_uuid"].map(jobs["company_uuid"]).astype("string")
        category_key = out["job_uuid"].map(jobs["category_uuid"]).astype("string")
    if company_key is not None:
        clients = related("company")
        out["client_name"] = company_key.map(_name_map(clients, "uuid", clients["name"])).astype("string")
    if category_key is not None:
        categories = related("category")
        out["category_name"] = category_key.map(_name_map(categories, "uuid", categories["name"])).astype("string")
    return out
