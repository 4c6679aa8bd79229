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

__all__ = ["column_dtype", "enrich", "to_frame"]


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


_WIRE_FORMATS = {"timestamp": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d"}
_ZERO_DATES = ("0000-00-00 00:00:00", "0000-00-00", "")
_FLAG_VALUES = {"1": True, "0": False, 1: True, 0: False, True: True, False: False}


def _timestamps(series: pd.Series, field: Field, tz: str | None) -> pd.Series:
    # Zero dates and blanks are masked first (far faster than letting them fail the parse); the
    # exact wire format is the fast path; anything else (date-only, ISO 'T') gets a tolerant parse.
    missing = series.isin(_ZERO_DATES) | series.isna()
    parsed = pd.to_datetime(series.mask(missing), format=_WIRE_FORMATS[field.kind], errors="coerce")
    odd = parsed.isna() & ~missing
    if odd.any():
        parsed[odd] = pd.to_datetime(series[odd], format="ISO8601", errors="coerce")
    parsed = parsed.astype("datetime64[ns]")
    if tz and field.kind == "timestamp":
        parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return parsed


def _numbers(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Float64")
    return pd.to_numeric(series.astype(object).replace("", None), errors="coerce").astype("Float64")


def _flags(series: pd.Series) -> pd.Series:
    flags = series.astype(object).map(_FLAG_VALUES)
    odd = flags.isna() & series.notna() & (series.astype(object) != "")
    if odd.any():  # other numbers: anything but 0 is set
        flags[odd] = _numbers(series[odd]) != 0
    return flags.astype("boolean")


def _strings(series: pd.Series, empty_is_missing: bool) -> pd.Series:
    strings = series.astype("string")
    return strings.mask(strings == "") if empty_is_missing else strings


def _category(series: pd.Series, field: Field) -> pd.Series:
    known = list(field.choices or ())
    extra = sorted(set(series.dropna().unique()) - set(known))
    return series.astype(pd.CategoricalDtype(known + extra))


def _column(series: pd.Series, field: Field, tz: str | None) -> pd.Series:
    kind = field.kind
    if kind in ("timestamp", "date"):
        return _timestamps(series, field, tz)
    if kind == "flag":
        return _flags(series)
    if kind == "int":
        return _numbers(series).round().astype("Int64")
    if kind in ("float", "money"):
        return _numbers(series)
    if kind == "category":
        return _category(series, field)
    return _strings(series, empty_is_missing=kind == "uuid")


def _column_order(resource: Resource, names: Iterable[str]) -> list[Field]:
    """uuid first, then the spec's fields in spec order, then any others (custom fields) sorted."""
    fields = list(resource.fields.values())
    fields.sort(key=lambda f: f.name != "uuid")  # stable: uuid first, then spec order
    extras = sorted(set(names) - set(resource.fields))
    return fields + [Field(name, "text", "str") for name in extras]


def to_frame(records: list[dict[str, Any]], resource: Resource, tz: str | None = None) -> pd.DataFrame:
    """Type a list of wire records of ``resource`` as a DataFrame.

    The same columns and dtypes come back for an empty list.

    Args:
        records: Records as the API sends them.
        resource: Their resource (gives the fields and their kinds).
        tz: Time zone name to localise timestamps to (account-local naive when ``None``).
    """
    raw = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    empty = pd.Series([], dtype=object)
    columns = {
        field.name: _column(raw[field.name] if field.name in raw else empty.reindex(raw.index), field, tz)
        for field in _column_order(resource, raw.columns)
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
