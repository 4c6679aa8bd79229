"""Paging under hostile servers, for every system: the complete list, or ``IncompleteResultError``.

A server that caps pages below the ask, repeats a page, ignores the paging parameters, overlaps
pages, or changes records between pages must never give a short or duplicated frame, and never
cost more than a small bounded number of requests beyond the pages needed (issue 21). Each example
pulls one list through a real Session (and its requests-cache cache) from a ``ListServer`` on
loopback (``tests/integration/_hostile.py``).
"""

from __future__ import annotations

import math
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smexplore as sm
from tests.integration._hostile import SYSTEMS, ListServer, Trouble, running

# Accelo's lists without an id bound are paged by offset: a record removed between two pages
# shifts the later ones back, and no answer shows it (the API gives no total). Such lists (job
# statuses) are short lookups, one page in practice; removal is left out for them, and said so in
# core.paging.Offset.
_KINDS = {name: ["honest", "repeat", "ignore", "overlap", "insert", "delete"] for name in SYSTEMS}
_KINDS["accelo-offset"].remove("delete")


def _trouble(system: str) -> st.SearchStrategy[Trouble]:
    return st.builds(Trouble, kind=st.sampled_from(_KINDS[system]), size=st.integers(3, 12),
                     page=st.integers(2, 4), by=st.integers(1, 3))


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_a_hostile_server_gives_the_whole_list_or_an_error(system: str) -> None:
    spec = SYSTEMS[system]

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(count=st.integers(0, 40), trouble=_trouble(system))
    def pull(count: int, trouble: Trouble) -> None:
        server = ListServer(system, count, trouble)
        before = set(server.ids)
        with running(server) as url, tempfile.TemporaryDirectory() as folder:
            session = spec.open(url, folder)
            try:
                frame = spec.pull(session)
            except sm.IncompleteResultError:
                frame = None
            finally:
                session.close()
        pages = math.ceil(count / trouble.size) + 1  # every page, and the empty one some styles end with
        assert server.served <= pages + 2, (server.served, pages)
        if frame is None:
            assert trouble.kind != "honest", "an honest server's list was refused"
            return
        ids = spec.ids(frame)
        assert len(ids) == len(set(ids)), f"duplicated records: {sorted(ids)}"
        stable = before & set(server.ids)  # there before and after the pull
        assert stable <= set(ids) <= server.ever, (sorted(ids), sorted(stable))
        if trouble.kind in ("honest", "repeat", "ignore", "overlap"):
            assert sorted(ids) == sorted(before)

    pull()


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_a_server_capping_pages_far_below_the_ask_gives_every_record(system: str, tmp_path) -> None:
    """The issue's case: pages of 7 where 100 are asked for (Accelo's old maximum was 50)."""
    server = ListServer(system, 60, Trouble("honest", size=7))
    with running(server) as url:
        session = SYSTEMS[system].open(url, tmp_path)
        with session:
            ids = SYSTEMS[system].ids(SYSTEMS[system].pull(session))
    assert sorted(ids) == list(range(1, 61))
    assert server.served <= 60 // 7 + 2


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_a_server_ignoring_the_paging_parameters_is_caught_at_the_second_page(system: str, tmp_path) -> None:
    """Not 5,000 requests holding 500,000 duplicates: the second page already repeats the first (the
    pages already in flight when it comes back are the most sent besides)."""
    server = ListServer(system, 500, Trouble("ignore", size=100, page=1))
    with running(server) as url:
        session = SYSTEMS[system].open(url, tmp_path)
        with session, pytest.raises(sm.IncompleteResultError, match="page 2"):
            SYSTEMS[system].pull(session)
        assert 2 <= server.served <= 1 + session.settings.concurrency
