"""Filter pushdown on the ``medium`` demo account: a planned query against pulling everything.

- selective: one staff member (the one with the most activities in February 2026) and one month,
  ``(F.staff_name == name) & (F.start_date >= "2026-02-01") & (F.start_date < "2026-03-01")``.
  Planned, the name goes to the server as the staff member's uuid and the month as a time range,
  so only that person's month of activities is transferred and parsed. The baseline, in the same
  run, pulls every activity and the staff list and filters with pandas, as one would by hand.
- or_of_two_staff: ``(F.staff_name == a) | (F.staff_name == b)``. The API has no ``or``, so
  nothing is sent and every activity is pulled either way (pushdown does not help here).
- or_of_two_staff_in_month: the same ``|`` and the month. The month goes to the server; the
  ``|`` runs locally.

Both sides connect with ``cache=False`` (a new Session for every run), so each really transfers
what it needs. The emulator runs in a process of its own (``smexplore emulator``). Each side gives
the same activity uuids (checked). Figures per side:

- ``activities_pulled``: activity records transferred and parsed (``frame.attrs["pulled"]``
  planned; every activity for the baseline);
- ``records_by_resource``, ``requests_by_resource``, ``bytes_by_resource``: every answer the client
  received, counted by a response hook on the Session's ``requests`` session (the planned side
  also pulls the staff list, to turn the name into a uuid, and, when part of the filter on an
  enriched column runs locally, whatever ``enrich`` looks names up in);
- ``seconds``: wall time, best of ``REPEATS``, planned and baseline interleaved.
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import requests

import smexplore as sm
from benchmarks.bench_session import emulator_process
from smexplore import F
from smexplore.emulator import DEMO_API_KEY

REPEATS = 3
SCALE = "medium"
MONTH = ("2026-02-01", "2026-03-01")  # the last full month before the demo's "now" (2 March 2026)


class _Meter:
    """A response hook: requests and bytes per resource path; records too when ``parse`` is set."""

    def __init__(self, parse: bool) -> None:
        self.parse = parse
        self.requests: collections.Counter[str] = collections.Counter()
        self.bytes: collections.Counter[str] = collections.Counter()
        self.records: collections.Counter[str] = collections.Counter()

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        path = response.url.split("/api_1.0/", 1)[-1].split("?", 1)[0].removesuffix(".json")
        self.requests[path] += 1
        self.bytes[path] += len(response.content)
        if self.parse:
            body = json.loads(response.content)
            self.records[path] += len(body) if isinstance(body, list) else 1
        return response


def _staff_names(staff: pd.DataFrame) -> pd.Series:
    return (staff["first"].fillna("") + " " + staff["last"].fillna("")).str.strip()


def _baseline(session: sm.Session, names: list[str], month: bool) -> pd.DataFrame:
    """Pull every activity and the staff list; filter with pandas."""
    activities = session.activities()
    staff = session.staff(include_inactive=True)
    wanted = {name.casefold() for name in names}
    uuids = staff.loc[_staff_names(staff).str.casefold().isin(wanted), "uuid"]
    kept = activities["staff_uuid"].isin(uuids)
    if month:
        kept &= (activities["start_date"] >= MONTH[0]) & (activities["start_date"] < MONTH[1])
    result = activities[kept.fillna(False).astype(bool)].reset_index(drop=True)
    result.attrs["pulled"] = activities.attrs["pulled"]
    return result


def _run_once(base_url: str, action: Callable[[sm.Session], pd.DataFrame],
              parse: bool) -> tuple[float, pd.DataFrame, _Meter]:
    meter = _Meter(parse)
    with sm.connect(api_key=DEMO_API_KEY, base_url=base_url, cache=False, progress=False) as session:
        session._http.hooks["response"].append(meter)
        started = time.perf_counter()
        frame = action(session)
        seconds = time.perf_counter() - started
        assert session.cache_info().misses == sum(meter.requests.values())
    return seconds, frame, meter


def _compare(base_url: str, where: Any, names: list[str], month: bool) -> dict[str, Any]:
    """Planned against baseline for one filter: records, requests, bytes, best-of-N time."""
    sides: dict[str, Callable[[sm.Session], pd.DataFrame]] = {
        "planned": lambda s: s.activities(where),
        "baseline": lambda s: _baseline(s, names, month),
    }
    # One metered run per side (parses every answer in the hook, so it is not timed) ...
    metered = {side: _run_once(base_url, action, parse=True) for side, action in sides.items()}
    planned_frame, baseline_frame = metered["planned"][1], metered["baseline"][1]
    assert set(planned_frame["uuid"]) == set(baseline_frame["uuid"]), "planned and baseline disagree"
    assert len(planned_frame) == len(baseline_frame)
    # ... then timed runs, interleaved so that machine noise hits both sides.
    times: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(REPEATS):
        for side, action in sides.items():
            seconds, _, meter = _run_once(base_url, action, parse=False)
            assert dict(meter.requests) == dict(metered[side][2].requests)
            times[side].append(seconds)

    figures: dict[str, Any] = {"where": str(where), "filter_sent": planned_frame.attrs["filter"],
                               "rows": len(planned_frame)}
    for side, (_, frame, meter) in metered.items():
        figures[side] = {
            "activities_pulled": int(frame.attrs["pulled"]),
            "records_total": sum(meter.records.values()),
            "requests_total": sum(meter.requests.values()),
            "bytes_total": sum(meter.bytes.values()),
            "records_by_resource": dict(sorted(meter.records.items())),
            "requests_by_resource": dict(sorted(meter.requests.items())),
            "bytes_by_resource": dict(sorted(meter.bytes.items())),
            "seconds": round(min(times[side]), 3),
            "seconds_all": [round(t, 3) for t in times[side]],
        }
    planned, baseline = figures["planned"], figures["baseline"]
    figures["ratios_baseline_over_planned"] = {
        "activities_pulled": round(baseline["activities_pulled"] / planned["activities_pulled"], 1),
        "records_total": round(baseline["records_total"] / planned["records_total"], 2),
        "requests_total": round(baseline["requests_total"] / planned["requests_total"], 2),
        "bytes_total": round(baseline["bytes_total"] / planned["bytes_total"], 2),
        "seconds": round(baseline["seconds"] / planned["seconds"], 2),
    }
    return figures


def run() -> dict[str, Any]:
    with emulator_process(SCALE) as base_url:
        with sm.connect(api_key=DEMO_API_KEY, base_url=base_url, cache=False, progress=False) as session:
            everything = session.activities()
            staff = session.staff(include_inactive=True)
        names = _staff_names(staff)
        assert names.is_unique, "staff names must be unique for the name to be sent as a uuid"
        in_month = everything[(everything["start_date"] >= MONTH[0]) & (everything["start_date"] < MONTH[1])]
        busiest = in_month["staff_uuid"].value_counts().index[:2]
        name_of = dict(zip(staff["uuid"], names))
        first, second = name_of[busiest[0]], name_of[busiest[1]]
        month = (F.start_date >= MONTH[0]) & (F.start_date < MONTH[1])

        selective = _compare(base_url, (F.staff_name == first) & month, [first], month=True)
        either = (F.staff_name == first) | (F.staff_name == second)
        or_all = _compare(base_url, either, [first, second], month=False)
        or_month = _compare(base_url, either & month, [first, second], month=True)

    ratio = selective["ratios_baseline_over_planned"]["activities_pulled"]
    assert ratio >= 10, f"pushdown pulled only {ratio}x fewer activities than pulling everything"
    return {
        "scale": SCALE,
        "activities_total": int(everything.attrs["pulled"]),
        "activities_in_month": len(in_month),
        "staff": [first, second],
        "selective": selective,
        "or_of_two_staff": or_all,
        "or_of_two_staff_in_month": or_month,
        "checks": {
            "selective_10x_fewer_activities": ratio >= 10,
            "selective_filter_sent": bool(selective["filter_sent"]),
            "or_sends_nothing": or_all["filter_sent"] == "",
            "or_pulls_everything": or_all["planned"]["activities_pulled"] == int(everything.attrs["pulled"]),
            "same_rows_each_way": True,  # asserted in _compare
        },
    }
