"""Ruddr in ``smexplore demo``: the records pulled, this week's busiest members against their
capacity, and a selective pull of the busiest member's allocations by Ruddr's query parameters."""

from __future__ import annotations

from datetime import timedelta

from ..cli.tour import Demo, Toured, requests_sent, selective, show_free_week, week_of

__all__ = ["tour"]


def tour(demo: Demo) -> Toured:
    """Print the demo workspace's summary; last week's timeline comes back."""
    from ..core.filters.expr import F
    from .session import demo as open_demo

    with open_demo(seed=demo.seed, scale=demo.scale, progress=demo.progress) as session:
        workspace = session.emulator.workspace
        monday = week_of(workspace.now)
        friday = monday + timedelta(days=4)
        print(f"\nRuddr demo workspace {workspace.name!r} (seed {demo.seed}, {demo.scale}): "
              f"today is {workspace.now:%A %d %B %Y}")
        allocations, members, entries = session.allocations(), session.members(), session.time_entries()
        print(f"Records pulled: {len(allocations):,} allocations, {len(members):,} members, "
              f"{len(entries):,} time entries, in {requests_sent(session)} requests")
        used = session.billable_utilisation(start=monday, end=friday)
        busiest = used.sort_values(["allocated_utilisation", "member"], ascending=[False, True], kind="stable").head(5)
        table = busiest.set_index("member")[["capacity_hours", "allocated_hours", "allocated_utilisation",
                                             "planned_billable_utilisation", "target"]].astype(float)
        table[["allocated_utilisation", "planned_billable_utilisation", "target"]] *= 100  # shown as percentages
        table.columns = ["capacity h", "allocated h", "allocated %", "billable %", "target %"]
        print(f"\nBusiest members, week of {monday:%d %b %Y} (against each member's capacity):")
        print(table.round(1).to_string())
        top = busiest.iloc[0]
        where = (F.member_id == top["member_id"]) & (F.start <= friday) & (F.end >= monday)
        sent_before = requests_sent(session)
        theirs = session.allocations(where)
        print(f"\n{top['member']}'s allocations this week, filtered by Ruddr's query parameters:")
        print(session.explain("allocations", where))
        print(selective(theirs.attrs["pulled"], requests_sent(session) - sent_before, len(allocations)))
        return show_free_week(session, demo.last_monday)
