"""A week costs a week: what one demo week's ``timeline_frame(start, end)`` pulls against the whole history's.

For each system's demo account (``small``, seed 0), in the same run and against the same emulator
(its rate limits raised: the figures are counts, not times), two Sessions on cold caches of their
own: ``timeline_frame()`` (the whole history) and ``timeline_frame(start=WEEK[0], end=WEEK[1])``
(the last full week before the demo's "now", 2 March 2026), whose frame must equal the whole one
trimmed to the week. Figures per side:

- ``requests``: API requests the emulator answered (its request log; Accelo's token request is left
  out), by list;
- ``records``: records the client received (every list pulled, the lookups that name the rows
  included: members, jobs, users …), counted where ``Transport.pull`` hands them over, by list;
- ``lookups``: the part of both that went to lists the rows do not come from (not in the Session's
  ``timeline_resources``), pulled whole on either side; ``records_ratio_without_lookups`` leaves
  them out.

The target (issue 24, item 5): the week pulls at most ``TARGET`` of the whole history's records and
of its requests. Where a system cannot reach it, ``checks`` says so and docs/performance.md says why.
"""

from __future__ import annotations

import collections
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

import smexplore as sm

WEEK = ("2026-02-23", "2026-03-02")
TARGET = 0.05


class _Records:
    """Wraps a Session's ``Transport.pull``: records received per list."""

    def __init__(self, session: Any) -> None:
        self.by_list: collections.Counter[str] = collections.Counter()
        transport = session._transport
        pull = transport.pull

        def counted(path: str, *args: Any, **kwargs: Any) -> Any:
            result = pull(path, *args, **kwargs)
            self.by_list[kwargs.get("label") or path] += len(result.records or [])
            return result

        transport.pull = counted


def _servicem8(folder: Path) -> Iterator[Callable[[str], Any]]:
    from smexplore.emulator import DEMO_API_KEY, Emulator

    with Emulator(seed=0, scale="small", per_minute=1_000_000, per_day=10_000_000) as emu:
        yield lambda name: (emu, sm.connect(api_key=DEMO_API_KEY, base_url=emu.base_url, cache=folder / name,
                                            progress=False))


def _ruddr(folder: Path) -> Iterator[Callable[[str], Any]]:
    from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator

    with RuddrEmulator(seed=0, scale="small", per_second=1e6, burst=1_000_000) as emu:
        yield lambda name: (emu, sm.ruddr.connect(DEMO_TOKEN, base_url=emu.base_url, cache=folder / name,
                                                  progress=False, per_second=1_000_000))


def _accelo(folder: Path) -> Iterator[Callable[[str], Any]]:
    from smexplore.accelo.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, AcceloEmulator

    with AcceloEmulator(seed=0, scale="small") as emu:
        yield lambda name: (emu, sm.accelo.connect(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET,
                                                   base_url=emu.base_url, token_url=emu.token_url,
                                                   cache=folder / name, progress=False))


def _syncd(folder: Path) -> Iterator[Callable[[str], Any]]:
    from smexplore.syncd.emulator import DEMO_PASSWORD, DEMO_USER, SyncdEmulator

    with SyncdEmulator(seed=0, scale="small") as emu:
        yield lambda name: (emu, sm.syncd.connect(user=DEMO_USER, password=DEMO_PASSWORD, base_url=emu.base_url,
                                                  cache=folder / name, progress=False, per_second=1_000_000))


SYSTEMS = {"servicem8": _servicem8, "ruddr": _ruddr, "accelo": _accelo, "syncd": _syncd}


def _pull(open_session: Callable[[str], Any], name: str, **window: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The timeline frame and what it cost: requests and records, in all, by list, and those of the lookups
    (the lists that only name the rows: members, jobs, users …)."""
    emu, session = open_session(name)
    with session:
        records = _Records(session)
        before = len(emu.log)
        frame = session.timeline_frame(**window)
        asked = [entry for entry in emu.log.entries()[before:] if "token" not in entry.path]
        rows_from = set(session.timeline_resources)
    requests = collections.Counter(entry.resource or entry.path for entry in asked)
    return frame, {"requests": sum(requests.values()), "records": sum(records.by_list.values()),
                   "requests_by_list": dict(sorted(requests.items())),
                   "records_by_list": dict(sorted(records.by_list.items())),
                   "lookups": {"requests": sum(n for r, n in requests.items() if r not in rows_from),
                               "records": sum(n for r, n in records.by_list.items() if r not in rows_from)}}


@contextmanager
def _system(name: str) -> Iterator[Callable[[str], Any]]:
    with tempfile.TemporaryDirectory() as folder:
        yield from SYSTEMS[name](Path(folder))


def measure(name: str) -> dict[str, Any]:
    """One system's figures: the week against the whole history, and whether the week's frame is the whole one's."""
    with _system(name) as open_session:
        whole, whole_cost = _pull(open_session, "whole")
        week, week_cost = _pull(open_session, "week", start=WEEK[0], end=WEEK[1])
    start, end = (pd.Timestamp(t) for t in WEEK)
    trimmed = whole[(whole["end"] > start) & (whole["start"] < end)].reset_index(drop=True)
    pd.testing.assert_frame_equal(week.reset_index(drop=True), trimmed, check_like=False)  # the same frame
    records = week_cost["records"] / whole_cost["records"]
    requests = week_cost["requests"] / whole_cost["requests"]
    own = [cost["records"] - cost["lookups"]["records"] for cost in (week_cost, whole_cost)]
    return {
        "rows": {"whole": len(whole), "week": len(week)},
        "whole": whole_cost,
        "week": week_cost,
        "records_ratio": round(records, 4),
        "requests_ratio": round(requests, 4),
        "records_ratio_without_lookups": round(own[0] / own[1], 4),
        "checks": {"week_equals_whole_trimmed": True, "records_within_target": records <= TARGET,
                   "requests_within_target": requests <= TARGET},
    }


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"week": f"{WEEK[0]} to {WEEK[1]}", "target": TARGET}
    for name in SYSTEMS:
        figures[name] = measure(name)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
