"""What a selective Ruddr filter saves: records and requests of one member's month against the whole list.

Both pulls run in the same process against the same emulator (small workspace, 100 records a page),
each on a cold cache of its own: the unfiltered ``allocations()`` and
``allocations((F.member_id == M) & (F.start <= last day) & (F.end >= first day))`` for the member
with the most allocations and the busiest month. The filter goes to Ruddr as query parameters
(``memberId``, ``startOnBefore``, ``endOnAfter``), so the server sends only what matches; the
figures are the records and pages each pull received and the ratios between them (not times:
these machines are noisy).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import smexplore as sm
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator


def _pull(emu: RuddrEmulator, where: Any) -> tuple[pd.DataFrame, int]:
    """The frame and the number of requests the emulator answered for it (cold cache)."""
    with tempfile.TemporaryDirectory() as folder:
        session = sm.ruddr.connect(DEMO_TOKEN, base_url=emu.base_url, cache=Path(folder), progress=False,
                                   per_second=10_000)
        with session:
            before = len(emu.log)
            frame = session.allocations(where)
            return frame, len(emu.log) - before


def run() -> dict[str, Any]:
    with RuddrEmulator(seed=0, scale="small", per_second=10_000, burst=10_000) as emu:
        everything, all_requests = _pull(emu, None)
        member = everything["member_id"].value_counts().idxmax()
        mine = everything[everything["member_id"] == member]
        month = mine["start"].dt.to_period("M").value_counts().idxmax()
        first, last = month.start_time, month.end_time.normalize()
        where = (sm.F.member_id == member) & (sm.F.start <= last) & (sm.F.end >= first)
        selected, selected_requests = _pull(emu, where)
        expected = everything[(everything["member_id"] == member) & (everything["start"] <= last)
                              & (everything["end"] >= first)]
        assert selected.reset_index(drop=True).equals(expected.reset_index(drop=True)), "the filtered pull differs"
    ratio = len(everything) / max(1, int(selected.attrs.get("pulled", len(selected))))
    if ratio < 10:  # the connector's promise (issue 14): a selective filter pulls at least 10x fewer records
        raise AssertionError(f"the selective filter pulled only {ratio:.1f}x fewer records than the whole list")
    return {
        "workspace": "small (seed 0)",
        "filter": f"member_id == {member} & start <= {last.date()} & end >= {first.date()}",
        "sent_as": selected.attrs.get("filter", ""),
        "records_unfiltered": len(everything),
        "records_filtered": int(selected.attrs.get("pulled", len(selected))),
        "rows_filtered": len(selected),
        "requests_unfiltered": all_requests,
        "requests_filtered": selected_requests,
        "records_ratio": round(ratio, 1),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
