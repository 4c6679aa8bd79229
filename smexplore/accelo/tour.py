"""Accelo in ``smexplore demo``: the records pulled, last week's hours logged, and a selective pull
of the busiest person's activities by Accelo's ``_filters`` against the server's count."""

from __future__ import annotations

from datetime import timedelta

from ..cli.tour import Demo, Toured, hours_last_week, requests_sent, selective, show_free_week

__all__ = ["tour"]


def tour(demo: Demo) -> Toured:
    """Print the demo deployment's summary; last week's timeline comes back."""
    from ..core.filters.expr import F
    from .session import demo as open_demo

    last_monday = demo.last_monday
    with open_demo(seed=demo.seed, scale=demo.scale, progress=demo.progress) as session:
        agency = session.emulator.agency
        print(f"\nAccelo demo deployment {agency.name!r} (seed {demo.seed}, {demo.scale}): "
              f"today is {session.now:%A %d %B %Y}")
        jobs, staff, tasks = session.jobs(), session.staff(), session.tasks()
        print(f"Records pulled: {len(jobs):,} jobs, {len(staff):,} staff, {len(tasks):,} tasks, "
              f"in {requests_sent(session)} requests")
        saturday = last_monday + timedelta(days=5)
        week = session.timeline_frame(start=last_monday, end=saturday)
        hours = hours_last_week(week, last_monday, "logged")
        top = week[(week["kind"] == "time_entry") & (week["staff"] == hours.index[0])]
        where = ((F.staff_id == int(top["staff_id"].iloc[0])) & (F.date_started >= last_monday)
                 & (F.date_started < saturday))
        sent_before = requests_sent(session)
        theirs = session.activities(where)
        requests = requests_sent(session) - sent_before
        print(f"\n{hours.index[0]}'s activities last week, filtered by Accelo's _filters:")
        print(session.explain("activities", where))
        whole = session.count("activities")
        print(selective(theirs.attrs["pulled"], requests, whole, " (counted by the server in one request)"))
        return show_free_week(session, last_monday)
