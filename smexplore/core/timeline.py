"""The normalised timeline frame: one shape for bookings, allocations and time from any system.

Every system's schedule (bookings, recorded time, allocations, placeholders, time off, time
entries, tasks, jobs) can be put in one frame with the same columns and dtypes, so ``pd.concat`` of
two systems' frames keeps every dtype, and ``timeline``, ``utilisation`` and ``overlaps`` read it
as they read a system's own frames:

=========== ==================== ===========================================================
column      dtype                meaning
=========== ==================== ===========================================================
source      ``string``           the system the row comes from (``"servicem8"`` …)
staff_id    ``string``           the person's id in that system
staff       ``string``           the person's name (``<NA>`` when the system's frame has none)
start       ``datetime64[ns]``   start, naive wall-clock time of the source's account
end         ``datetime64[ns]``   end, likewise
hours       ``Float64``          the work the row stands for; ``end - start`` for fixed
                                 times, ``<NA>`` when the system records no amount
kind        ``string``           one of ``KINDS``
record_id   ``string``           the id of the record the row comes from in that system (a
                                 booking's, allocation's, time entry's, task's or job's uuid
                                 or id); rows spread from one record (an allocation over its
                                 days) share it; ``<NA>`` when the record has none
job_id      ``string``           the job's (project's, task's) id in that system
job         ``string``           its number or name
client      ``string``           the client's name
billable    ``boolean``          billable time; ``<NA>`` when the system does not say
=========== ==================== ===========================================================

Times are naive wall-clock times. A tz-aware column keeps its wall-clock times in its own zone
and loses the zone (``tz_localize(None)``: 09:00 in Melbourne stays 09:00), so systems in
different zones line up on their own clocks, as each one's dispatch board shows them. To see them
in one zone, convert before normalising (``frame["start_date"].dt.tz_convert(zone)``).

``record_id`` leads back to the record: with ``source`` and ``kind`` it names the resource (a
ServiceM8 ``booking``/``recorded`` row is a ``jobactivity``, an ``allocation`` a ``joballocation``),
and the id is the one that system's Session reads it by (``session.get(resource, record_id)``).

``kind`` is a plain ``string`` column, not a ``category``: a category only survives ``pd.concat``
when every frame has exactly the same categories, and grouping by one warns and yields
unobserved groups. ``conform`` checks its values against ``KINDS`` instead.

Systems register how their frames normalise (``register_normaliser``); ``normalise`` dispatches on
``frame.attrs["source"]`` and ``frame.attrs["resource"]`` (set by the Sessions), falling back to
each normaliser's recogniser of a frame's columns. This module names no system: each system's
package registers its normalisers when it is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["KINDS", "TIMELINE_COLUMNS", "TIMELINE_DTYPES", "conform", "empty_timeline", "is_timeline", "normalise",
           "normalisers", "register_normaliser"]

TIMELINE_DTYPES: dict[str, str] = {
    "source": "string",
    "staff_id": "string",
    "staff": "string",
    "start": "datetime64[ns]",
    "end": "datetime64[ns]",
    "hours": "Float64",
    "kind": "string",
    "record_id": "string",
    "job_id": "string",
    "job": "string",
    "client": "string",
    "billable": "boolean",
}
"""Every column of the normalised timeline frame, in order, with its dtype."""

TIMELINE_COLUMNS: tuple[str, ...] = tuple(TIMELINE_DTYPES)
"""The columns of the normalised timeline frame, in order."""

KINDS: tuple[str, ...] = ("booking", "recorded", "allocation", "placeholder", "time_off", "time_entry", "task",
                          "job")
"""The values of ``kind``: a scheduled booking, time recorded on site, an allocation (work given
to someone for a day or a window, without fixed times), a placeholder (a role not yet staffed),
time off, a time-sheet entry, a task's planned span, a job's (project's) span under the person
managing it."""

Normaliser = Callable[..., pd.DataFrame]
"""``function(frame, **options)`` → a frame with the timeline columns (``conform`` finishes it)."""
Recogniser = Callable[[pd.DataFrame], bool]
"""``recognise(frame)`` → whether an untagged frame has this resource's columns."""


@dataclass(frozen=True)
class _Normaliser:
    source: str
    resource: str
    function: Normaliser
    recognise: Recogniser | None


_REGISTRY: dict[tuple[str, str], _Normaliser] = {}


def register_normaliser(source: str, resource: str, function: Normaliser, *,
                        recognise: Recogniser | None = None) -> None:
    """Say how frames of one system's resource normalise.

    Registering the same ``source`` and ``resource`` again replaces the earlier function.

    Args:
        source: The system's name, as the ``source`` column and ``frame.attrs["source"]`` give it.
        resource: The resource's name, as ``frame.attrs["resource"]`` gives it.
        function: ``function(frame, **options)`` returning the timeline columns (extra columns
            are dropped and dtypes cast by ``conform``).
        recognise: Whether a frame that carries no ``attrs["source"]``/``attrs["resource"]`` is
            one of this resource's (by its columns).
    """
    if not (isinstance(source, str) and source and isinstance(resource, str) and resource):
        raise ValueError("source and resource must be non-empty names")
    if not callable(function):
        raise TypeError(f"function must be callable, not {type(function).__name__}")
    _REGISTRY[(source, resource)] = _Normaliser(source, resource, function, recognise)


def normalisers() -> list[tuple[str, str]]:
    """The ``(source, resource)`` pairs that ``normalise`` accepts, sorted."""
    return sorted(_REGISTRY)


def empty_timeline() -> pd.DataFrame:
    """A normalised timeline frame with no rows (every column, with its dtype)."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in TIMELINE_DTYPES.items()})


def is_timeline(frame: Any) -> bool:
    """Whether ``frame`` is a DataFrame with every column of the normalised timeline frame."""
    return isinstance(frame, pd.DataFrame) and set(TIMELINE_COLUMNS) <= set(frame.columns)


def _zones(values: pd.Series) -> set[str]:
    """The time zones of the aware times among ``values`` (an object column)."""
    return {str(v.tzinfo) for v in values.dropna() if getattr(v, "tzinfo", None) is not None}


def _wall_clock(values: pd.Series, column: str) -> pd.Series:
    """``values`` as naive ``datetime64[ns]`` wall-clock times (aware ones keep their own clock)."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(values.dtype):
        if values.dtype == object and len(_zones(values)) > 1:
            raise ValueError(f"column {column!r} mixes time zones; convert it to one zone first "
                             f"(for example frame[{column!r}].dt.tz_convert('Australia/Melbourne'))")
        try:
            values = pd.to_datetime(values)
        except ValueError:  # dates and times written in several ways
            values = pd.to_datetime(values, format="mixed")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def _cast(values: pd.Series, column: str, dtype: Any) -> pd.Series:
    """One column cast to its timeline dtype.

    Raises:
        ValueError: It cannot be (the message names the column and the dtype).
    """
    try:
        if dtype == "datetime64[ns]":
            return _wall_clock(values, column)
        if dtype == "Float64" and not pd.api.types.is_numeric_dtype(values.dtype):
            values = pd.to_numeric(values.astype(object).where(values.notna(), None))
        return values.astype(dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        if str(exc).startswith(f"column {column!r}"):
            raise
        raise ValueError(f"column {column!r} cannot be read as {dtype}: {exc}") from None


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in exactly the normalised timeline shape: its columns in order, each cast to its dtype.

    Other columns are dropped; the index and ``attrs`` are kept. Aware times become naive
    wall-clock times in their own zone.

    Raises:
        TypeError: ``frame`` is not a DataFrame.
        ValueError: Columns are missing (the message names them), a column cannot take its dtype,
            or ``kind`` holds a value outside ``KINDS`` (or is missing).
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"conform() needs a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in TIMELINE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"not a normalised timeline frame: missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} (expected {', '.join(TIMELINE_COLUMNS)})")
    columns = {column: _cast(frame[column], column, dtype) for column, dtype in TIMELINE_DTYPES.items()}
    result = pd.DataFrame(columns, index=frame.index)
    odd = result["kind"].isna() | ~result["kind"].isin(KINDS)
    if odd.any():
        found = sorted({str(k) for k in result.loc[odd, "kind"].unique()})
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; found {', '.join(found)}")
    result.attrs.update(frame.attrs)
    return result


def normalise(frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Any system's bookings, allocations or time as one normalised timeline frame.

    Which normaliser runs is decided by ``frame.attrs["source"]`` and ``frame.attrs["resource"]``
    (Sessions set them); a frame without them is recognised by its columns. A frame that already
    has the timeline columns is returned conformed.

    Args:
        frame: A frame a Session returned (see ``normalisers()``), or a normalised frame.
        **options: Passed to the system's normaliser (what it takes is in its docstring).

    Returns:
        The columns ``TIMELINE_COLUMNS`` with the dtypes ``TIMELINE_DTYPES``; ``attrs`` kept, with
        ``source`` and ``resource`` set to the system's and ``"timeline"``.

    Raises:
        TypeError: ``frame`` is not a DataFrame.
        ValueError: No registered normaliser takes the frame (the message names those that exist),
            or several recognise it.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"normalise() needs a pandas DataFrame, not {type(frame).__name__}")
    if is_timeline(frame):
        return conform(frame)
    entry = _choose(frame)
    result = conform(entry.function(frame, **options))
    result.attrs = {**frame.attrs, "source": entry.source, "resource": "timeline"}
    return result


def _choose(frame: pd.DataFrame) -> _Normaliser:
    source, resource = frame.attrs.get("source"), frame.attrs.get("resource")
    if source is not None and resource is not None:
        if (source, resource) in _REGISTRY:
            return _REGISTRY[(source, resource)]
        raise ValueError(f"no normaliser for {source} {resource} frames; normalise() takes {_accepted()}")
    candidates = [e for e in _REGISTRY.values()
                  if resource in (None, e.resource) and source in (None, e.source)]
    untagged = source is None and resource is None
    if untagged or len(candidates) > 1:  # the columns decide
        recognised = [e for e in candidates if e.recognise is not None and e.recognise(frame)]
        if recognised or untagged:
            candidates = recognised
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValueError(f"normalise() does not know this frame (columns: {', '.join(map(str, frame.columns[:12]))}"
                         f"{' …' if len(frame.columns) > 12 else ''}); it takes {_accepted()}")
    raise ValueError(f"normalise() cannot tell which system this frame comes from (it could be "
                     f"{', '.join(f'{e.source} {e.resource}' for e in candidates)}); set "
                     "frame.attrs['source'] and frame.attrs['resource']")


def _accepted() -> str:
    kinds = ", ".join(f"{source} {resource}" for source, resource in normalisers()) or "nothing yet (import smexplore)"
    return f"a normalised timeline frame ({', '.join(TIMELINE_COLUMNS)}) or a frame of {kinds}"
