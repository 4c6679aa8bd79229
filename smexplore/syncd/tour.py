"""Syncd in ``smexplore demo``: the records pulled, the job tree's levels, last week's hours entered,
and a selective pull of the busiest user's time entries by Syncd's path and parameters."""

from __future__ import annotations

from datetime import timedelta

from ..cli.tour import Demo, Toured, hours_last_week, requests_sent, selective, show_free_week

__all__ = ["tour"]


def tour(demo: Demo) -> Toured:
    """Print the demo account's summary; last week's timeline comes back."""
    from ..core.filters.expr import F
    from .session import demo as open_demo

    last_monday = demo.last_monday
    with open_demo(seed=demo.seed, scale=demo.scale, progress=demo.progress) as session:
        print(f"\nSyncd demo account {session.emulator.data.display_name!r} (seed {demo.seed}, {demo.scale}): "
              f"today is {session.now:%A %d %B %Y}")
        jobs, users, entries = session.jobs(), session.users(), session.time_entries()
        print(f"Records pulled: {len(jobs):,} jobs, {len(users):,} users, {len(entries):,} time entries, "
              f"in {requests_sent(session)} requests")
        levels = jobs.sort_values("depth", kind="stable").groupby("depth")["job_type_name"].agg(["first", "size"])
        print("Jobs by level: " + ", ".join(f"{size:,} {name}" for name, size in zip(levels["first"], levels["size"])))
        friday = last_monday + timedelta(days=4)
        week = session.timeline_frame(start=last_monday, end=last_monday + timedelta(days=5))
        hours = hours_last_week(week, last_monday, "entered")
        top = week[(week["kind"] == "time_entry") & (week["staff"] == hours.index[0])]
        where = (F.user_id == int(top["staff_id"].iloc[0])) & (F.date >= last_monday) & (F.date <= friday)
        sent_before = requests_sent(session)
        theirs = session.time_entries(where)
        requests = requests_sent(session) - sent_before
        print(f"\n{hours.index[0]}'s time entries last week, selected by Syncd's path and parameters:")
        print(session.explain("time_entries", where))
        print(selective(theirs.attrs["pulled"], requests, len(entries)))
        return show_free_week(session, last_monday)
