"""Names users look for (issue 24): resources by their methods' names, ServiceM8's ``bookings()``, and
filters on a name column that name no one.

Every query goes over HTTP to the real emulators on loopback, through the real Session and its cache.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

import smexplore as sm
from smexplore import F
from smexplore.accelo.emulator import AcceloEmulator
from smexplore.emulator import Emulator
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator
from smexplore.syncd.emulator import SyncdEmulator


def _connect(emulator: Emulator, folder: Path) -> sm.Session:
    return sm.connect(emulator.api_key, base_url=emulator.base_url, cache=folder, progress=False,
                      per_minute=100_000, per_day=1_000_000)


@pytest.fixture(scope="module")
def session(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.Session]:
    with _connect(emulator, tmp_path_factory.mktemp("names")) as s:
        yield s


@pytest.fixture(scope="module")
def ruddr_emulator() -> Iterator[RuddrEmulator]:
    with RuddrEmulator(seed=0, scale="small", per_second=1e6, burst=1_000_000) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def ruddr(ruddr_emulator: RuddrEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.ruddr.Session]:
    with sm.ruddr.connect(DEMO_TOKEN, base_url=ruddr_emulator.base_url, cache=tmp_path_factory.mktemp("ruddr-names"),
                          progress=False, per_second=1_000) as s:
        yield s


def _warned(query: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, list[warnings.WarningMessage]]:
    """The query's answer, and the UserWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = query()
    return frame, [w for w in caught if issubclass(w.category, UserWarning)]


def _typo(name: str) -> str:
    """``name`` with one letter dropped (``Ethan Kelly`` → ``Ethan Kely``)."""
    return name[:-2] + name[-1]


# --- resources by the names of their methods ---------------------------------------------------
def test_servicem8_resources_answer_to_their_methods_names(session: sm.Session) -> None:
    assert session.frame("allocations").attrs["resource"] == "joballocation"
    for name in ("activities", "bookings", "jobactivity", "/jobactivity.json", "Job-Activity"):
        assert session._resource(name).name == "jobactivity", name
    assert len(session.frame("activities")) == len(session.activities())  # the resource: every activity
    assert session.describe("allocation-windows").equals(session.describe("allocationwindow"))
    assert session.explain("clients", F.name == "x").resource == "company"
    with pytest.raises(sm.UnknownResourceError) as raised:
        session.frame("bokings")
    message = str(raised.value)
    assert "did you mean 'bookings'?" in message and "jobactivity, joballocation" in message


def test_ruddr_accelo_and_syncd_resources_answer_to_their_methods_names(
        ruddr: sm.ruddr.Session, tmp_path: Path) -> None:
    entries = ruddr.frame("time_entries", F.date >= "2026-02-23")
    assert entries.attrs["resource"] == "time-entries" and len(entries) > 0
    assert ruddr.frame("time-entries", F.date >= "2026-02-23").equals(entries)
    assert ruddr.frame("placeholders").attrs["resource"] == "resource-placeholders"
    with pytest.raises(sm.UnknownResourceError, match=r"did you mean 'time-entries'\?.*time_entries"):
        ruddr.frame("time-entires")
    with AcceloEmulator(seed=0, scale="small") as emu, sm.accelo.connect(
            base_url=emu.base_url, token_url=emu.token_url, client_id=emu.client_id,
            client_secret=emu.client_secret, cache=tmp_path / "accelo", progress=False) as accelo:
        types = accelo.frame("job_types")
        assert len(types) > 0
        for name in ("jobs/types", "job-types", "Job Types"):
            assert accelo.frame(name).equals(types), name
        with pytest.raises(sm.UnknownResourceError, match="did you mean 'job_types'"):
            accelo.frame("job_typos")
    with SyncdEmulator() as emu, sm.syncd.connect(user=emu.user, password=emu.password, base_url=emu.base_url,
                                                  cache=tmp_path / "syncd", progress=False, per_second=1_000) as syncd:
        assignments = syncd.frame("assignments")
        assert assignments.attrs["resource"] == "job_assignments" and len(assignments) > 0
        assert syncd.frame("job-types").attrs["resource"] == "job_types"
        with pytest.raises(sm.UnknownResourceError, match="did you mean 'assignments'"):
            syncd.frame("asignments")


# --- ServiceM8's bookings ----------------------------------------------------------------------
def test_bookings_are_the_scheduled_activities(session: sm.Session) -> None:
    activities, bookings = session.activities(), session.bookings()
    scheduled = activities[activities["activity_was_scheduled"].fillna(False).astype(bool)]
    assert 0 < len(bookings) < len(activities)  # activities() unchanged: recorded time too
    assert activities["activity_was_recorded"].fillna(False).any()
    assert set(bookings["uuid"]) == set(scheduled["uuid"])
    assert not bookings["activity_was_recorded"].fillna(False).any()
    assert list(bookings.columns) == list(activities.columns) and bookings.dtypes.equals(activities.dtypes)
    assert "activity_was_scheduled eq" in bookings.attrs["filter"]  # the server leaves the recorded time out


def test_bookings_take_a_filter_as_activities_do(session: sm.Session) -> None:
    bookings = session.bookings()
    staff = bookings["staff_uuid"].value_counts().index[0]
    expected = set(bookings.loc[bookings["staff_uuid"] == staff, "uuid"])
    assert set(session.bookings(F.staff_uuid == staff)["uuid"]) == expected
    assert set(session.bookings(f"staff_uuid eq '{staff}'")["uuid"]) == expected
    enriched = session.bookings(F.staff_uuid == staff, enrich=True)
    assert "staff_name" in enriched and set(enriched["uuid"]) == expected
    with pytest.raises(sm.FilterError) as raised:
        session.bookings("staff_uuid eq")
    assert "'staff_uuid eq'" in str(raised.value)  # the text given, without the condition bookings adds


def test_bookings_is_listed_and_synced_once(session: sm.Session) -> None:
    listing = session.resources().set_index("resource")
    assert listing.loc["jobactivity", "method"] == "activities, bookings"
    assert listing.loc["joballocation", "method"] == "allocations"
    assert list(dict.fromkeys(session.methods.values())).count("jobactivity") == 1
    summary = session.sync(["bookings", "activities", "jobactivity"])
    assert list(summary["resource"]) == ["jobactivity"]


# --- a filter that names no one -----------------------------------------------------------------
def test_a_staff_name_no_one_has_warns_with_the_closest(session: sm.Session) -> None:
    staff = session.staff()
    name = f"{staff['first'].iloc[0]} {staff['last'].iloc[0]}"
    frame, caught = _warned(lambda: session.activities(F.staff_name == _typo(name)))
    assert frame.empty and frame.attrs["resource"] == "jobactivity"  # the query ran
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith(f"no staff_name is {_typo(name)!r} (did you mean {name!r}")
    assert message.endswith("; the filter matches no record")
    assert caught[0].filename == __file__  # points at the user's line, however deep the call went
    _, caught = _warned(lambda: session.bookings(f"staff_name eq '{_typo(name)}'"))
    assert [str(w.message) for w in caught] == [message] and caught[0].filename == __file__


def test_no_warning_when_a_value_names_someone(session: sm.Session) -> None:
    staff = session.staff()
    name = f"{staff['first'].iloc[0]} {staff['last'].iloc[0]}"
    for where in (F.staff_name == name.upper(),  # text compares ignoring case, as the filter does
                  F.staff_name.isin([_typo(name), name]),
                  (F.staff_name == _typo(name)) | (F.staff_name == name),  # under |: may rightly match no one
                  F.staff_name != _typo(name)):
        frame, caught = _warned(lambda where=where: session.activities(where))
        assert not caught and len(frame) > 0, where


def test_category_and_client_names_warn_too(session: sm.Session) -> None:
    category = session.categories()["name"].iloc[0]
    _, caught = _warned(lambda: session.jobs(F.category_name.isin([_typo(category), "Nothing Like It"])))
    assert len(caught) == 1
    assert re.match(rf"no category_name is {re.escape(repr(_typo(category)))} or 'Nothing Like It' "
                    rf"\(did you mean {re.escape(repr(category))}", str(caught[0].message))
    client = session.clients()["name"].iloc[0]
    frame, caught = _warned(lambda: session.activities(F.client_name == _typo(client)))
    assert frame.empty and len(caught) == 1 and f"did you mean {client!r}" in str(caught[0].message)
    _, caught = _warned(lambda: session.activities(F.client_name == client))
    assert not caught


def test_the_check_adds_no_request(emulator: Emulator, tmp_path: Path) -> None:
    with _connect(emulator, tmp_path) as fresh:
        emulator.log.clear()
        _, caught = _warned(lambda: fresh.activities(F.staff_name == "Ethan Kely"))
        staff_reads = [e for e in emulator.log.entries() if e.resource == "staff"]
        assert len(caught) == 1 and len(staff_reads) == 1  # the list the name filter looks names up in
        assert fresh.cache_info().hits == 0  # not read again for the check, not even from the cache
        emulator.log.clear()
        fresh.jobs(F.status == "Quote")  # no name in the filter: no list of names asked for
        assert {e.resource for e in emulator.log.entries()} == {"job"}


# --- Ruddr: members and projects ----------------------------------------------------------------
def test_ruddr_member_and_project_names_warn_with_the_closest(ruddr: sm.ruddr.Session) -> None:
    assert ruddr.named_columns("allocations")["member_name"] == "member_name"
    member = ruddr.members()["name"].iloc[0]
    frame, caught = _warned(lambda: ruddr.allocations(F.member_name == _typo(member)))
    assert frame.empty and len(caught) == 1 and caught[0].filename == __file__
    assert str(caught[0].message) == (f"no member_name is {_typo(member)!r} (did you mean {member!r}?); "
                                      "the filter matches no record")
    project = ruddr.projects()["name"].iloc[0]
    _, caught = _warned(lambda: ruddr.allocations(f"project_name eq '{_typo(project)}'"))
    assert len(caught) == 1 and f"did you mean {project!r}" in str(caught[0].message)
    busy = ruddr.allocations()["member_name"].dropna().iloc[0]
    found, caught = _warned(lambda: ruddr.allocations(F.member_name == busy.lower()))  # case ignored, as == does
    assert not caught and len(found) > 0
