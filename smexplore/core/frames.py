"""Records → typed pandas DataFrames, and the enrichment joins.

Column names are the API's field names; dtypes follow the field's kind (``_resources.Kind``):

========== ========================================= =====================================
kind       dtype                                     wire values
========== ========================================= =====================================
timestamp  ``datetime64[ns]`` (tz-aware if asked)     ``'YYYY-MM-DD HH:MM:SS'``; zero/``''`` → NaT;
                                                     ISO 8601 instants where ``wire_format``
                                                     is ``ISO8601``, unix seconds where it is
                                                     ``unix`` (see below)
date       ``datetime64[ns]``                         ``'YYYY-MM-DD'``; zero/``''`` → NaT
flag       ``boolean``                                ``0``/``1``, ``'0'``/``'1'``, ``'yes'``/``'no'``
int        ``Int64``                                  int or numeric string
float      ``Float64``                                number or numeric string
money      ``Float64``                                numeric string
uuid       ``string`` (``''`` → ``<NA>``)             uuid string
text       ``string``                                 string
category   ``category`` (the spec's values first)     one of the spec's values
list       ``object`` (each cell the list itself)      JSON array; ``None`` stays ``None``
========== ========================================= =====================================

Timestamps are wall times of the account by default (ServiceM8's ``'YYYY-MM-DD HH:MM:SS'``): naive
in a session without a time zone, localised to the session's zone otherwise. A field whose
``wire_format`` is ``"ISO8601"`` holds instants (``'2025-03-01T12:34:56.789Z'``, any offset;
Ruddr's), and one whose ``wire_format`` is ``"unix"`` instants as seconds since 1970 UTC (numbers
or strings of them, ``"1495245600"``; Accelo's): they are converted, not localised: to naive
**UTC** in a session without a time zone, and to the session's zone in one with a zone. Fractions
of a second are kept; ``''`` and nulls are ``NaT``. A field whose ``wire_format`` is
``"ISO8601-wall"`` holds times written with their writer's offset (``'2007-08-30T08:28:00-04:00'``;
Syncd's): converted to the session's zone in one with a zone, and the wall time as written (08:28,
naive) in a session without one.

Fields the spec does not list (custom fields ``customfield_*``) are kept, as ``string``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from .log import get_logger
from .schema import Field, Resource

__all__ = ["column_dtype", "joined", "localised", "to_frame"]

log = get_logger("frames")


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
    if field.kind == "list":
        return "object"
    return "string"


_WIRE_FORMATS = {"timestamp": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d"}
_ZERO_DATES = ("0000-00-00 00:00:00", "0000-00-00", "")
# True == 1 and False == 0: bools map too. Some APIs spell flags "yes"/"no".
_FLAG_VALUES = {"1": True, "0": False, 1: True, 0: False, "yes": True, "no": False}


def _instants(series: pd.Series, missing: pd.Series, tz: str | None) -> pd.Series:
    """ISO 8601 instants → naive UTC (no ``tz``) or ``tz``; a time without an offset is taken as UTC."""
    parsed = pd.to_datetime(series.mask(missing), format="ISO8601", utc=True, errors="coerce")
    parsed = parsed.dt.tz_convert(None)
    # A time a nanosecond column cannot hold (before 1677, after 2262) is missing, not a failed pull.
    parsed = parsed.mask((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max)).astype("datetime64[ns]")
    return localised(parsed, Field("", "timestamp", "str", wire_format="ISO8601"), tz)


def localised(series: pd.Series, field: Field, tz: str | None) -> pd.Series:
    """A naive time column of ``field``, as a session without a time zone shows it, in zone ``tz``.

    Instants (``ISO8601``, ``unix``; naive UTC) are converted; account-local wall times are
    localised (a wall time the clocks pass twice is taken as the first, daylight one). A time
    written with its writer's offset (``ISO8601-wall``) has lost it: ``ValueError``.
    """
    if not tz or field.kind != "timestamp":
        return series
    if field.wire_format in ("ISO8601", "unix"):
        return series.dt.tz_localize("UTC").dt.tz_convert(tz)
    if field.wire_format == "ISO8601-wall":
        raise ValueError(f"{field.name} holds wall times without their UTC offsets; they cannot be shown in {tz}")
    return series.dt.tz_localize(tz, ambiguous=np.ones(len(series), dtype=bool), nonexistent="shift_forward")


def _unix_instants(series: pd.Series, tz: str | None) -> pd.Series:
    """Seconds since 1970 UTC (numbers or numeric strings) → naive UTC (no ``tz``) or ``tz``."""
    seconds = _numbers(series).astype("float64")  # blank and unreadable values: NaN
    # Beyond what a nanosecond column holds (before 1677, after 2262): missing, not a failed pull.
    seconds = seconds.mask((seconds < -9.2e9) | (seconds > 9.2e9))
    parsed = pd.to_datetime(seconds, unit="s", errors="coerce").astype("datetime64[ns]")
    return localised(parsed, Field("", "timestamp", "str", wire_format="unix"), tz)


def _wall_times(series: pd.Series, tz: str | None) -> pd.Series:
    """ISO 8601 times with offsets → the session's zone (``tz``), or the wall times as written (naive)."""
    missing = series.isin(_ZERO_DATES) | series.isna()
    if tz:
        return _instants(series, missing, tz)

    def wall(value: Any) -> Any:
        try:
            return datetime.fromisoformat(str(value)).replace(tzinfo=None)
        except ValueError:
            return None

    parsed = pd.to_datetime(series.mask(missing).map(wall, na_action="ignore"), errors="coerce")
    return parsed.mask((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max)).astype("datetime64[ns]")


def _timestamps(series: pd.Series, field: Field, tz: str | None) -> pd.Series:
    if field.kind == "timestamp" and field.wire_format == "ISO8601-wall":
        return _wall_times(series, tz)
    if field.kind == "timestamp" and field.wire_format == "ISO8601":
        return _instants(series, series.isin(_ZERO_DATES) | series.isna(), tz)
    if field.kind == "timestamp" and field.wire_format == "unix":
        return _unix_instants(series, tz)
    # Zero dates and blanks are masked first (far faster than letting them fail the parse); the
    # exact wire format is the fast path; anything else (date-only, ISO 'T') gets a tolerant parse.
    missing = series.isin(_ZERO_DATES) | series.isna()
    parsed = pd.to_datetime(series.mask(missing), format=_WIRE_FORMATS[field.kind], errors="coerce")
    odd = parsed.isna() & ~missing
    if odd.any():
        parsed[odd] = pd.to_datetime(series[odd], format="ISO8601", errors="coerce")
    # A time a nanosecond column cannot hold (before 1677, after 2262) is missing, not a failed pull.
    parsed = parsed.mask((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max)).astype("datetime64[ns]")
    return localised(parsed, field, tz)


def _numbers(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Float64")
    return pd.to_numeric(series.astype(object).replace("", None), errors="coerce").astype("Float64")


_EXACT = 2**53  # floats hold every whole number below this exactly
_INT64 = 2**63


def _whole_number(value: Any) -> int | None:
    """One wire value as an exact whole number (``None``: blank, unreadable, or beyond 64 bits)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        try:
            number = int(text)
        except ValueError:
            try:
                decimal = float(text)
            except ValueError:
                return None
            if not np.isfinite(decimal):
                return None
            number = round(decimal)
    return number if -_INT64 <= number < _INT64 else None


def _integers(series: pd.Series, field: Field) -> pd.Series:
    """Whole numbers, exactly: parsed as numbers at speed, and any beyond what a float holds exactly
    (2**53) read again from the wire value itself. A value beyond 64 bits is missing, and logged."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    numbers = _numbers(series)
    if not numbers.abs().ge(_EXACT).any():
        return numbers.round().astype("Int64")
    big = numbers.abs().ge(_EXACT).fillna(False).to_numpy(dtype=bool)
    exact = [_whole_number(value) for value in series[big]]
    dropped = sum(number is None for number in exact)
    if dropped:
        log.warning("%s: %d value%s beyond a 64-bit whole number, left missing", field.name, dropped,
                    "" if dropped == 1 else "s")
    result = numbers.mask(big).round().astype("Int64")
    result[big] = pd.array(exact, dtype="Int64")
    return result


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
        return _integers(series, field)
    if kind in ("float", "money"):
        return _numbers(series)
    if kind == "category":
        return _category(series, field)
    if kind == "list":
        return series.astype(object).where(series.notna(), None)
    return _strings(series, empty_is_missing=kind == "uuid")


def _column_order(resource: Resource, names: Iterable[str]) -> list[Field]:
    """uuid first, then the spec's fields in spec order, then any others (custom fields) sorted."""
    fields = list(resource.fields.values())
    fields.sort(key=lambda f: f.name != "uuid")  # stable: uuid first, then spec order
    extras = sorted(set(names) - set(resource.fields))
    return fields + [Field(name, "text", "str") for name in extras]


def to_frame(records: list[dict[str, Any]], resource: Resource, tz: str | None = None,
             extra_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Type a list of wire records of ``resource`` as a DataFrame.

    The same columns and dtypes come back for an empty list.

    Args:
        records: Records as the API sends them.
        resource: Their resource (gives the fields and their kinds).
        tz: Time zone name to localise timestamps to (account-local naive when ``None``).
        extra_columns: Columns beyond the resource's fields (custom fields) to have even when no
            record carries them.
    """
    raw = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    empty = pd.Series([], dtype=object)
    columns = {
        field.name: _column(raw[field.name] if field.name in raw else empty.reindex(raw.index), field, tz)
        for field in _column_order(resource, {*raw.columns, *extra_columns})
    }
    return pd.DataFrame(columns)


def joined(parts: Sequence[pd.DataFrame], resource: Resource) -> pd.DataFrame | None:
    """The frames ``to_frame`` made of consecutive batches of a list, as one: what ``to_frame`` makes
    of the whole list (category columns take every batch's values), or ``None`` when the batches
    do not have the same columns (a custom field only some records carry): type the whole list then.
    """
    columns = list(parts[0].columns)
    if any(list(part.columns) != columns for part in parts):
        return None
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for name in columns:
        field = resource.fields.get(name)
        if field is not None and field.kind == "category":
            frame[name] = _category(frame[name].astype(object), field)
    return frame
