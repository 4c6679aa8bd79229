"""The contract every connector keeps, written once: ``ConnectorContract``, subclassed per system.

As requests-cache's ``BaseCacheTest`` holds the tests and each backend's subclass only says how to
make one, ``ConnectorContract`` holds the tests every Session must pass and a subclass (in
``test_connectors.py``) only says how to start its emulator and open a Session on it, its secret
and how it is refused and shown, a resource that spans several pages (and its records, the
ground truth), a small one, a filter the server runs, and its list of resources. A new system
inherits the whole contract by adding one subclass.

The contract: frames have the columns and dtypes ``describe()`` lists (an empty result too);
``resources()`` lists every resource and its methods; a list of many pages loses and repeats
nothing and is then served from the cache (``cache_info``), to a new Session and offline too;
pages fetched several at a time (``concurrency``) give the same frame as one by one, whatever the
link's latency, the faults on the way or the server's page size, and keep to the system's rate
limits at the defaults; a later page failing gives no partial frame and leaves nothing in the cache; a filter the
server runs is sent (``explain`` says so) and gives the local answer; unknown names are refused
before any request, naming the valid ones; a wrong credential is refused without being shown;
the secret never reaches the cache, a log, a repr or an error; ``timeline_frame`` is typed;
``demo()`` opens the emulator's account and closing it stops the emulator.

Everything is real: HTTP to the system's emulator on loopback, through the real Session and its
requests-cache SQLite cache. One emulator, one Session and one clean pull of the paged resource
serve a class; tests that break things (faults, wrong credentials, offline reads, a cleared
cache) open Sessions of their own on cache folders of their own.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore import F
from smexplore.core.filters.evaluate import evaluate
from smexplore.core.timeline import TIMELINE_DTYPES
from smexplore.emulation import Link

__all__ = ["ConnectorContract", "Emulator", "Pulled"]

WRONG = "wrong-secret-0123456789abcdef"  # a credential no emulator accepts, searched for wherever it must not be
ANCHOR = pd.Timestamp("2026-03-02 12:00")  # every demo account's "now"
HEADERS = ("X-Api-Key", "Authorization", "Bearer", "http://")  # never in a log: no header, no URL


class Emulator(Protocol):
    """What the contract uses of an emulator: its address, request log and fault plan."""

    base_url: str
    log: Any
    faults: Any


@dataclass(frozen=True)
class Pulled:
    """One clean pull of the paged resource on a cache folder of its own (left as the pull left it)."""

    frame: pd.DataFrame
    requests: list[Any]  # the emulator's log entries for the paged resource, in order
    folder: Path


def _requests(emu: Emulator, resource: str) -> list[Any]:
    return [e for e in emu.log.entries() if e.resource == resource]


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


class ConnectorContract:
    """The tests every connector passes; a subclass per system says how to make one (see the module).

    Not collected itself (no ``Test`` prefix); each ``Test…`` subclass is.
    """

    # --- what a subclass says ---------------------------------------------------------------------
    system: ClassVar[str]  # the frames' attrs["source"]
    resources: ClassVar[tuple[str, ...]]  # every resource, in the order resources() lists them
    secret: ClassVar[str]  # the credential the emulator accepts (a client secret, a password …)
    secret_variable: ClassVar[str]  # the environment variable a refusal names
    refusal: ClassVar[str]  # the server's own words when it refuses a wrong credential
    shown_as: ClassVar[str]  # how the repr names the credential; ``{last4}``: the secret's last four characters
    demo_secret: ClassVar[str]  # the demo account's credential
    paged: ClassVar[str]  # a resource whose list spans several pages
    page: ClassVar[int]  # records a page of it holds
    small: ClassVar[str]  # a resource of few records that the paged pull never touches
    sent: ClassVar[Any]  # a filter on ``paged`` the server runs (a list never pulled otherwise)
    missing: ClassVar[tuple[str, Any]]  # a resource and an id no record has
    narrow: ClassVar[Mapping[str, Any]] = {}  # filters that keep the tests' pulls of big resources short
    week: ClassVar[tuple[str, str]] = ("2026-02-23", "2026-02-28")  # a timeline window with work in it
    in_describe_order: ClassVar[bool] = True  # whether frames hold their columns in describe()'s order

    def start(self) -> AbstractContextManager[Any]:
        """A new emulator (not yet started) that accepts ``secret`` and pages ``paged`` by ``page``."""
        raise NotImplementedError

    def open(self, emu: Any, cache: Path | bool, secret: str | None = None, **options: Any) -> Any:
        """A Session on ``emu`` with ``secret`` (default: the class's), no progress bar, no pacing."""
        raise NotImplementedError

    def demo(self, **options: Any) -> Any:
        """The system's ``demo()`` Session."""
        raise NotImplementedError

    def expected_ids(self, emu: Any) -> list[Any]:
        """The ids of the records a pull of ``paged`` (with ``narrow``) must give, from the emulator's data."""
        raise NotImplementedError

    def refuse_a_request(self, session: Any) -> None:
        """Send a request the server refuses (4xx) through the Session's transport."""
        raise NotImplementedError

    def start_at_defaults(self) -> AbstractContextManager[Any]:
        """A new emulator keeping the system's documented rate limits (default: ``start``)."""
        return self.start()

    def open_at_defaults(self, emu: Any, cache: Path) -> Any:
        """A Session with every default of ``connect`` (limits, concurrency) but the progress bar."""
        return self.open(emu, cache)

    def cap_pages(self, emu: Any, size: int) -> AbstractContextManager[None]:
        """The server sends at most ``size`` records a page meanwhile, where the emulator can be told
        (default: it cannot; the pages stay as they are)."""
        return contextlib.nullcontext()

    # --- what a subclass may change -----------------------------------------------------------------
    @property
    def id_column(self) -> str:
        """The column that identifies a record."""
        return "id"

    @property
    def paged_where(self) -> Any:
        """The filter the tests pull ``paged`` with."""
        return self.narrow.get(self.paged)

    def requests_for(self, records: int) -> range:
        """How many requests a pull of ``records`` records may send: one a page (pages fetched ahead
        by a guess may add some, where the paging guesses)."""
        pages = -(-records // self.page)
        return range(pages, pages + 1)

    def make_a_later_page_fail(self, emu: Emulator) -> None:
        """The third page and every request after it fail (HTTP 500) until the faults are cleared."""
        emu.faults.fail_next(50, 500, after=2)

    def make_the_next_request_retry(self, emu: Emulator) -> None:
        """The next request is refused once (HTTP 429) and asked again."""
        emu.faults.rate_limit_next(1)

    def nothing(self, session: Any, resource: str) -> Any:
        """A filter no record of ``resource`` meets (default: its first field both missing and present)."""
        first = F[str(session.describe(resource)["field"].iloc[0])]
        never = first.isna() & first.notna()
        narrow = self.narrow.get(resource)
        return never if narrow is None else narrow & never

    def secrets(self, session: Any) -> list[str]:
        """Every form of the credential that must never be shown or stored."""
        return [self.secret]

    def shown(self, secret: str) -> str:
        return self.shown_as.format(last4=secret[-4:])

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One test per resource where a test takes ``resource``."""
        if "resource" in metafunc.fixturenames:
            metafunc.parametrize("resource", self.resources)

    # --- fixtures -----------------------------------------------------------------------------------
    @pytest.fixture(scope="class")
    @classmethod
    def emu(cls) -> Iterator[Any]:
        with cls().start() as emulator:
            yield emulator

    @pytest.fixture(autouse=True)
    def _healthy(self, emu: Emulator) -> Iterator[None]:
        """Each test starts and ends with no fault queued."""
        emu.faults.clear()
        yield
        emu.faults.clear()

    @pytest.fixture(scope="class")
    @classmethod
    def session(cls, emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        with cls().open(emu, tmp_path_factory.mktemp(f"{cls.system}-cache")) as s:
            yield s

    @pytest.fixture(scope="class")
    @classmethod
    def pulled(cls, emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Pulled:
        contract = cls()
        folder = tmp_path_factory.mktemp(f"{cls.system}-pulled")
        emu.log.clear()
        with contract.open(emu, folder) as s:
            frame = s.frame(cls.paged, contract.paged_where)
        return Pulled(frame, _requests(emu, cls.paged), folder)

    @pytest.fixture(scope="class")
    @classmethod
    def one_by_one(cls, emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
        """The paged resource pulled one page after another (``concurrency=1``), on a cache of its own."""
        contract = cls()
        with contract.open(emu, tmp_path_factory.mktemp(f"{cls.system}-one-by-one"), concurrency=1) as s:
            return s.frame(cls.paged, contract.paged_where)

    # --- columns and dtypes are public API ----------------------------------------------------------
    def test_frames_have_the_columns_and_dtypes_describe_lists_even_when_empty(
            self, emu: Emulator, session: Any, tmp_path: Path, resource: str) -> None:
        with self.open(emu, tmp_path) as fresh:
            empty_first = fresh.frame(resource, self.nothing(fresh, resource))  # the first pull of a new Session
        full = session.frame(resource, self.narrow.get(resource))
        empty_after = session.frame(resource, self.nothing(session, resource))
        described = session.describe(resource)
        fields = list(described["field"])
        spec = session._resource(resource)
        assert len(full) > 0 and len(empty_first) == len(empty_after) == 0
        assert full.attrs["source"] == self.system and full.attrs["resource"] == spec.name
        assert {c: t for c, t in _dtypes(full).items() if c in fields} == dict(zip(fields, described["dtype"],
                                                                                   strict=True))
        assert [c for c in full.columns if c not in fields] == [c for c in full.columns if spec.has_custom_field(c)]
        if self.in_describe_order:
            assert list(full.columns) == fields
        for empty in (empty_first, empty_after):  # the account's custom fields included
            assert list(empty.columns) == list(full.columns) and _dtypes(empty) == _dtypes(full)
        for name, field in spec.fields.items():
            values = full[name].dropna()
            if field.kind == "date":  # calendar days: midnight
                assert (values == values.dt.normalize()).all(), name
            if field.kind == "list":  # JSON arrays (and objects) kept whole, as sent
                assert values.map(lambda v: isinstance(v, (list, dict))).all(), name

    def test_resources_lists_every_resource_and_each_method_pulls_its_own(self, emu: Emulator, session: Any) -> None:
        listed = session.resources()
        assert list(listed["resource"]) == list(self.resources)
        named = {method: resource for resource, methods in zip(listed["resource"], listed["method"], strict=True)
                 for method in methods.split(", ") if not methods.startswith("frame(")}
        assert named == dict(session.methods)
        for method, resource in named.items():
            frame = getattr(session, method)(self.narrow.get(resource))
            whole = session.frame(resource, self.narrow.get(resource))
            assert frame.attrs["source"] == self.system and frame.attrs["resource"] == resource
            assert _dtypes(frame) == _dtypes(whole) and len(frame) > 0  # a method may filter (bookings)
            assert set(frame[self.id_column]) <= set(whole[self.id_column])

    # --- paging and the cache ------------------------------------------------------------------------
    def test_many_pages_lose_and_repeat_nothing(self, emu: Emulator, pulled: Pulled) -> None:
        expected = self.expected_ids(emu)
        frame, sent = pulled.frame, pulled.requests
        assert len(expected) > 2 * self.page  # several pages
        assert frame[self.id_column].is_unique
        assert sorted(frame[self.id_column]) == sorted(expected)
        assert len(sent) in self.requests_for(len(expected)) and all(e.status == 200 for e in sent)
        queries = [tuple(sorted(e.query.items())) for e in sent]
        assert len(set(queries)) == len(queries)  # each page asked for once

    def test_a_repeat_and_a_new_session_are_served_from_the_cache(self, emu: Emulator, pulled: Pulled) -> None:
        emu.log.clear()
        with self.open(emu, pulled.folder) as s:  # a new Session on the same cache folder
            first = s.frame(self.paged, self.paged_where)
            again = s.frame(self.paged, self.paged_where)
            info = s.cache_info()
            assert Path(info.path).parent == s.settings.cache_dir
        assert [e for e in emu.log.entries() if e.method == "GET"] == []  # no request to the API
        pd.testing.assert_frame_equal(first, pulled.frame)
        pd.testing.assert_frame_equal(again, pulled.frame)
        assert info.hits >= 1 and info.responses >= self.requests_for(len(pulled.frame)).start and info.size_bytes > 0

    def test_offline_serves_what_was_pulled_and_refuses_the_rest(self, emu: Emulator, pulled: Pulled) -> None:
        emu.log.clear()
        with self.open(emu, pulled.folder, offline=True) as offline:
            pd.testing.assert_frame_equal(offline.frame(self.paged, self.paged_where), pulled.frame)
            with pytest.raises(sm.CacheMissError, match=rf"offline, and {self.small} page 1 is not in the cache"):
                offline.frame(self.small)  # never pulled
            with pytest.raises(sm.CacheMissError, match="offline"):
                offline.frame(self.paged, self.sent)  # a list never pulled
        assert emu.log.entries() == []  # neither the API nor a token endpoint was asked
        with pytest.raises(ValueError, match="needs a cache"):
            self.open(emu, False, offline=True)

    def test_clear_cache_makes_the_next_pull_go_to_the_server(self, emu: Emulator, tmp_path: Path) -> None:
        with self.open(emu, tmp_path) as s:
            emu.log.clear()
            expected = s.frame(self.small)
            first = len(_requests(emu, self.small))
            s.clear_cache()
            emu.log.clear()
            pd.testing.assert_frame_equal(s.frame(self.small), expected)
            assert len(_requests(emu, self.small)) == first >= 1
            assert s.cache_info().responses == len(emu.log.entries())  # only what was pulled since

    @settings(max_examples=6, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors])  # one per system
    @given(width=st.integers(2, 6), latency=st.sampled_from([0, 5, 30]),
           fault=st.sampled_from([None, "error", "truncate", "cut_connection"]), after=st.integers(0, 6),
           shrink=st.sampled_from([1, 1, 2, 3]))
    def test_pages_fetched_ahead_lose_repeat_and_reorder_nothing(
            self, emu: Emulator, one_by_one: pd.DataFrame, width: int, latency: int, fault: str | None, after: int,
            shrink: int) -> None:
        emu.faults.clear()
        emu.log.clear()
        try:
            emu.link = Link(latency_ms=latency)  # answers waiting as a far server's do, each on its own
            with self.cap_pages(emu, max(1, self.page // shrink)), tempfile.TemporaryDirectory() as folder:
                if fault is not None:
                    emu.faults.fail_next(0, after=after)  # the fault hits the request after these
                    {"error": lambda: emu.faults.fail_next(1, 503), "truncate": emu.faults.truncate_next,
                     "cut_connection": emu.faults.cut_connection_next}[fault]()
                with self.open(emu, Path(folder), concurrency=width, retry_budget=30) as s:
                    frame = s.frame(self.paged, self.paged_where)
                    sent = len(_requests(emu, self.paged))
                    again = s.frame(self.paged, self.paged_where)  # the pages as stored, read back in order
                    assert len(_requests(emu, self.paged)) == sent  # all of them from the cache
        finally:
            emu.link = Link()
            emu.faults.clear()
        pd.testing.assert_frame_equal(frame, one_by_one)  # the same records, once each, in the same order
        pd.testing.assert_frame_equal(again, one_by_one)

    def test_pages_fetched_ahead_keep_to_the_rate_limits_at_the_defaults(self, tmp_path: Path) -> None:
        with self.start_at_defaults() as emu:
            emu.link = Link(latency_ms=20)
            with self.open_at_defaults(emu, tmp_path) as s:
                assert s.settings.concurrency > 1
                frame = s.frame(self.paged, self.paged_where)
        assert len(frame) > 2 * self.page
        statuses = [e.status for e in emu.log.entries()]
        assert statuses and 429 not in statuses  # the server's limits enforced, never met

    def test_a_later_page_failing_gives_no_partial_frame_and_leaves_nothing_in_the_cache(
            self, emu: Emulator, pulled: Pulled, tmp_path: Path) -> None:
        with self.open(emu, tmp_path, retry_budget=0.5) as s:
            held = s.cache_info().responses
            self.make_a_later_page_fail(emu)
            with pytest.raises(sm.IncompleteResultError,
                               match=rf"^{self.paged}: page \d+ failed after [\d,]+ records .*"
                                     "no partial result is returned"):  # the third request: a page fetched ahead
                s.frame(self.paged, self.paged_where)
            emu.faults.clear()
            assert s.cache_info().responses == held  # the pages read before the failure are forgotten too
            with self.open(emu, tmp_path, offline=True) as offline:
                with pytest.raises(sm.CacheMissError, match=rf"offline, and {self.paged} page 1 is not in the "
                                                            "cache") as caught:
                    offline.frame(self.paged, self.paged_where)
                assert not isinstance(caught.value, sm.IncompleteResultError)
            emu.log.clear()
            frame = s.frame(self.paged, self.paged_where)  # starts again from the first page
        pd.testing.assert_frame_equal(frame, pulled.frame)
        again = _requests(emu, self.paged)  # every page from the network: a cached page's cursor is never resent
        assert len(again) in self.requests_for(len(frame)) and all(e.status == 200 for e in again)
        assert dict(again[0].query) == dict(pulled.requests[0].query)

    # --- filters -------------------------------------------------------------------------------------
    def test_a_filter_the_server_runs_is_sent_and_gives_the_local_answer(self, emu: Emulator, session: Any,
                                                                         pulled: Pulled) -> None:
        plan = session.explain(self.paged, self.sent)
        assert plan.filter
        emu.log.clear()
        frame = session.frame(self.paged, self.sent)
        sent = _requests(emu, self.paged)
        assert sent and all(e.status == 200 for e in sent)
        assert frame.attrs["filter"] == plan.filter and frame.attrs["pulled"] >= len(frame) > 0
        whole = pulled.frame
        expected = whole[evaluate(self.sent, whole, session._resource(self.paged), None)].reset_index(drop=True)
        assert 0 < len(expected) < len(whole)
        pd.testing.assert_frame_equal(frame, expected)

    def test_an_unknown_resource_names_the_valid_ones_before_any_request(self, emu: Emulator, session: Any) -> None:
        emu.log.clear()
        first = self.resources[0]
        with pytest.raises(sm.UnknownResourceError, match=rf"did you mean '{first}'\?") as caught:
            session.frame(first + "z")
        assert all(name in str(caught.value) for name in self.resources)
        assert isinstance(caught.value, LookupError)
        assert emu.log.entries() == []

    def test_an_unknown_field_names_the_valid_ones_before_any_request(self, emu: Emulator, session: Any) -> None:
        fields = list(session.describe(self.paged)["field"])
        longest = max(fields, key=len)
        emu.log.clear()
        with pytest.raises(sm.UnknownFieldError, match=rf"did you mean '{longest}'\?.*valid fields: {fields[0]}, "
                                                       rf"{fields[1]}") as caught:
            session.frame(self.paged, F[longest[:-1]] == 1)
        assert isinstance(caught.value, LookupError) and isinstance(caught.value, ValueError)
        assert emu.log.entries() == []

    # --- secrets ---------------------------------------------------------------------------------------
    def test_a_wrong_credential_is_refused_without_showing_it(self, emu: Emulator) -> None:
        with self.open(emu, False, WRONG) as s:
            with pytest.raises(sm.AuthenticationError, match="HTTP 401") as caught:
                s.frame(self.small)
            message = str(caught.value)
            assert self.refusal in message
            assert self.secret_variable in message  # says where a credential comes from
            shown = [message, repr(caught.value), repr(s), s._repr_html_(), repr(s.settings)]
            assert not [text for text in shown if WRONG in text or WRONG[:12] in text]
            assert self.shown(WRONG) in repr(s)  # at most the last four characters

    def test_the_secret_is_never_in_the_cache_a_log_the_repr_or_an_error(
            self, emu: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG, logger="smexplore")
        errors: list[BaseException] = []
        with self.open(emu, tmp_path, retry_budget=5) as s:
            self.make_the_next_request_retry(emu)  # a retry, logged at INFO
            frame = s.frame(self.paged, self.paged_where)  # many pages, each logged
            s.frame(self.paged, self.paged_where)  # from the cache
            s.frame(self.paged, self.sent)  # a filter sent
            assert len(s.get(self.paged, str(frame[self.id_column].iloc[0]))) == 1
            for bad in (lambda: s.get(*self.missing), lambda: self.refuse_a_request(s)):
                with pytest.raises(sm.SMExploreError) as caught:
                    bad()
                errors.append(caught.value)
            assert isinstance(errors[0], sm.NotFoundError)
            emu.faults.fail_next(20, 500)
            with self.open(emu, tmp_path, retry_budget=0.3) as failing, pytest.raises(sm.APIError) as caught:
                failing.frame(self.small)
            errors.append(caught.value)
            emu.faults.clear()
            s.sync([self.small])  # the store's files too
            secrets = self.secrets(s)
            shown = [repr(s), s._repr_html_(), str(s.cache_info()), repr(s.settings), repr(s._credential),
                     repr(failing), *[str(e) for e in errors], *[repr(e) for e in errors]]
            while_open = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}  # the WAL too
        after_close = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
        forms = [form for secret in secrets for form in (secret, secret[:12], secret[-12:])]
        assert all(len(secret) >= 16 for secret in secrets)
        records = [r for r in caplog.records if r.name.startswith("smexplore")]
        assert any(r.levelno == logging.INFO and "retry 1" in r.getMessage() for r in records), "a retry is logged"
        logged = [r.getMessage() for r in records] + [repr(r.args) for r in records] + [str(vars(r)) for r in records]
        assert not [text for text in logged if any(form in text for form in forms)]
        assert not [text for text in logged if any(header in text for header in HEADERS)]
        assert not [text for text in shown if any(form in text for form in forms)]
        assert any(path.suffix == ".parquet" and "store" in path.parts for path in after_close)
        databases = [path for path in after_close if path.suffix == ".sqlite"]
        assert databases and all(after_close[path] for path in databases)
        assert not [path for path, data in [*while_open.items(), *after_close.items()]
                    if any(form.encode() in data for form in forms)]
        for database in databases:
            with sqlite3.connect(database) as db:
                keys = [row[0] for row in db.execute("SELECT key FROM responses")]
            assert keys and not [key for key in keys if any(form in key for form in forms)]

    # --- the timeline and the demo -----------------------------------------------------------------------
    def test_the_timeline_frame_is_typed_and_inside_its_window(self, session: Any) -> None:
        start, end = self.week
        timeline = session.timeline_frame(start=start, end=end)
        assert _dtypes(timeline) == TIMELINE_DTYPES
        assert len(timeline) > 0 and set(timeline["source"]) == {self.system}
        assert timeline.attrs["source"] == self.system and timeline.attrs["resource"] == "timeline"
        assert ((timeline["end"] > pd.Timestamp(start)) & (timeline["start"] < pd.Timestamp(end))).all()
        assert timeline["staff"].notna().all() and (timeline["hours"] >= 0).all()
        assert timeline["record_id"].notna().all()  # every row names the record it comes from

    def test_demo_opens_the_emulators_account_and_closing_stops_it(self) -> None:
        with self.demo(progress=False) as s:
            assert s.settings.mode == "demo" and s.emulator is not None and s.now == ANCHOR
            frame = s.frame(self.paged, self.paged_where)
            assert sorted(frame[self.id_column]) == sorted(self.expected_ids(s.emulator))
            assert self.shown(self.demo_secret) in repr(s)
            assert self.demo_secret not in repr(s) and self.demo_secret not in s._repr_html_()
            url = s.settings.base_url
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)
