"""Every emulator's modelled link, and the ServiceM8 emulator's ``edit_date`` index (issue 27).

The link: each answer waits ``latency_ms`` before its first byte, each request on its own (so
requests in flight wait together, as with a far-away server), and its body comes no faster than
``bandwidth_kbps``; ``smexplore emulator --latency MS --bandwidth KBPS`` sets it for every system.
Timings are lower bounds (a link cannot make an answer faster), but for one generous upper bound
that tells waits side by side from waits one after another (4 × 300 ms in a row is 1.2 s).

The index: a ``$filter`` bounding ``edit_date`` is answered from the table's index, and the answer
is the full scan's, record for record and in order, after creates, updates and deletes through the API.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from smexplore import cli
from smexplore.accelo.emulator import AcceloEmulator
from smexplore.emulation.server import EmulatorServer
from smexplore.emulator import Account, Emulator, Link
from smexplore.ruddr.emulator import RuddrEmulator
from smexplore.servicem8.resources import get_resource
from smexplore.servicem8.wire_filter import compile_filter
from smexplore.syncd.emulator import SyncdEmulator
from tests.conftest import FakeClock

SYSTEMS = ("servicem8", "ruddr", "accelo", "syncd")
CLASSES = {"servicem8": Emulator, "ruddr": RuddrEmulator, "accelo": AcceloEmulator, "syncd": SyncdEmulator}


@dataclasses.dataclass
class Served:
    """A running emulator, what ``smexplore emulator`` printed as it started it, and one list request
    it answers with a body of some size."""

    system: str
    emu: Any
    printed: str
    started_with: Link  # the link the command line gave the emulator
    took: float  # the first request's time, over that link
    url: str = ""
    options: dict[str, Any] = dataclasses.field(default_factory=dict)

    def get(self) -> requests.Response:
        response = requests.get(self.url, timeout=30, **self.options)
        assert response.status_code == 200, response.text[:200]
        return response


def _by_command_line(system: str) -> Served:
    """``smexplore emulator --system SYSTEM --latency 100 --bandwidth 4000``: the real parser, emulator and
    server; only the foreground loop is one that serves in the background and returns."""
    seen: dict[str, Any] = {}

    def serve_in_background(emu: EmulatorServer, host: str = "127.0.0.1", port: int = 8000, on_ready: Any = None,
                            log_requests: bool = True) -> None:
        emu.start(host, port)
        on_ready(emu)
        started = time.perf_counter()
        requests.get(f"{emu.root_url}/nothing-here", timeout=30)  # whatever the answer, it comes over the link
        seen.update(emu=emu, link=emu.link, took=time.perf_counter() - started)

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(EmulatorServer, "serve_forever", serve_in_background)
        argv = ["emulator", "--system", system, "--port", "0", "--latency", "100", "--bandwidth", "4000", "--quiet"]
        assert cli.main(argv) == 0
    return Served(system, seen["emu"], printed.getvalue(), seen["link"], seen["took"])


def _list_request(system: str, served: Served) -> None:
    emu = served.emu
    if system == "servicem8":
        served.url, served.options = f"{emu.base_url}/staff.json", {"headers": {"X-Api-Key": emu.api_key}}
    elif system == "ruddr":
        served.url = f"{emu.base_url}/allocations?limit=100"
        served.options = {"headers": {"Authorization": f"Bearer {emu.token}"}}
    elif system == "accelo":
        grant = requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret),
                              data={"grant_type": "client_credentials"}, timeout=30)
        served.url = f"{emu.base_url}/jobs?_limit=100"
        served.options = {"headers": {"Authorization": f"Bearer {grant.json()['access_token']}"}}
    else:
        served.url, served.options = f"{emu.base_url}/jobs.xml?start=1&end=100", {"auth": (emu.user, emu.password)}


@pytest.fixture(scope="module", params=SYSTEMS)
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Each system's emulator in turn, started by the command line with a link (then on loopback)."""
    serving = _by_command_line(request.param)
    try:
        serving.emu.link = Link()
        _list_request(request.param, serving)
        yield serving
    finally:
        serving.emu.stop()


@pytest.fixture
def system(served: Served) -> Iterator[Served]:
    """The emulator, back on loopback after the test."""
    yield served
    served.emu.link = Link()


# --- the link ---------------------------------------------------------------------------------------
def test_each_answer_waits_the_latency_before_its_headers_side_by_side(system: Served) -> None:
    """Four requests at 300 ms: each waits at least 300 ms for its headers, and all four are done in
    about 300 ms, not 4 × 300 ms: each waits in its own thread."""
    system.emu.link = Link(latency_ms=300)
    ready = threading.Barrier(4)

    def one(_: int) -> float:
        ready.wait()
        return system.get().elapsed.total_seconds()  # requests' time to the headers

    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        to_headers = list(pool.map(one, range(4)))
    assert min(to_headers) >= 0.3
    assert time.perf_counter() - started < 0.9


def test_a_body_under_a_bandwidth_cap_takes_its_size_over_the_rate(system: Served) -> None:
    body = system.get().content
    assert len(body) > 2_000
    kbps = len(body) * 8 / 1000 / 0.2  # the body takes 0.2 s at this rate
    system.emu.link = Link(bandwidth_kbps=kbps)
    started = time.perf_counter()
    paced = system.get().content
    took = time.perf_counter() - started
    assert len(paced) == len(body)
    assert 0.2 <= took < 5


def test_the_link_shows_in_repr_is_not_a_fault_and_not_the_account(system: Served) -> None:
    emu = system.emu
    described = emu.describe()
    emu.link = Link(latency_ms=100, bandwidth_kbps=2000)
    assert "latency=100ms bandwidth=2000kbps" in repr(emu)
    assert emu.describe() == described  # a demo Session names its cache after the account, not the link
    emu.faults.fail_next(1)
    emu.faults.clear()
    assert emu.link == Link(100, 2000)


@pytest.mark.parametrize("system_name", SYSTEMS)
@pytest.mark.parametrize(("options", "words"), [
    ({"latency_ms": -1}, "latency_ms .* 0 or more; got -1"),
    ({"latency_ms": float("nan")}, "latency_ms"),
    ({"bandwidth_kbps": 0}, "bandwidth_kbps .* above 0, or None for no cap; got 0"),
    ({"bandwidth_kbps": -5.5}, "bandwidth_kbps"),
])
def test_bad_link_values_are_refused(system_name: str, options: dict[str, float], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        CLASSES[system_name](**options)


def test_link_words() -> None:
    assert str(Link()) == "loopback" and Link().loopback and Link().describe() == ""
    assert str(Link(100, 20_000)) == "100 ms latency, 20,000 kbps" and not Link(0, 1).loopback
    assert Link(latency_ms=1).describe() == "latency=1ms"
    assert Link(2.5, 1_000_000).describe() == "latency=2.5ms bandwidth=1000000kbps"
    assert str(Link(1234.5)) == "1,234.5 ms latency"
    with pytest.raises(ValueError, match="latency_ms"):
        Link(latency_ms=True)


# --- the command line -------------------------------------------------------------------------------
def test_the_command_line_serves_each_system_over_the_link(served: Served) -> None:
    """``--latency 100 --bandwidth 4000`` (the fixture's command line): the emulator took the link,
    said so where it lists its settings, and its first answer waited."""
    first = served.printed.splitlines()[0]
    assert "seed 0, 100 ms latency, 4,000 kbps) serving at http://127.0.0.1:" in first
    assert isinstance(served.emu, CLASSES[served.system]) and served.started_with == Link(100, 4000)
    assert served.took >= 0.1


@pytest.mark.parametrize(("args", "words"), [
    (["--latency", "-5"], "argument --latency: -5 is not a number of milliseconds, 0 or more"),
    (["--latency", "soon"], "argument --latency: 'soon' is not a number of milliseconds"),
    (["--system", "syncd", "--bandwidth", "0"], "argument --bandwidth: 0 is not a number of kilobits per second above 0"),
])
def test_bad_link_flags_are_usage_errors(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["emulator", "--port", "0", *args])
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err


# --- the edit_date index -----------------------------------------------------------------------------
def _instant(rng: random.Random, stamps: list[str]) -> str:
    """A filter value: a record's own stamp (ties), or an instant in the span, written the ways the API takes."""
    if rng.random() < 0.4:
        return rng.choice(stamps[-len(stamps) // 10:] if rng.random() < 0.6 else stamps)
    first, last = (datetime.fromisoformat(stamps[i]) for i in (0, -1))
    moment = first + timedelta(seconds=rng.uniform(0, (last - first).total_seconds() + 3600))
    return rng.choice([f"{moment:%Y-%m-%d %H:%M:%S}", f"{moment:%Y-%m-%d %H:%M}", f"{moment:%Y-%m-%d}"])


def _random_filter(rng: random.Random, stamps: list[str]) -> str:
    a, b = _instant(rng, stamps), _instant(rng, stamps)
    return rng.choice([
        f"edit_date gt '{a}'", f"edit_date lt '{a}'", f"edit_date eq '{a}'",
        f"edit_date gt '{a}' and edit_date lt '{b}'", f"active eq 1 and edit_date gt '{a}'",
        f"edit_date gt '{a}' and edit_date ne '{b}'", f"edit_date gt '{a}' and edit_date gt '{b}'",
        f"edit_date gt '{a}' and active eq 0",
    ])


def test_edit_date_filters_answer_from_the_index_as_a_full_scan_after_writes(small_account_records: Account) -> None:
    clock = FakeClock()  # each write an hour after the last, so written records spread over stamps
    records = [dict(r) for r in small_account_records.tables["jobactivity"]]
    account = Account(small_account_records.seed, "small", small_account_records.now, {"jobactivity": records})
    resource = get_resource("jobactivity")
    with Emulator(account=account, page_size=700, per_minute=10**6, per_day=10**7, clock=clock) as emu, \
            requests.Session() as http:
        http.headers["X-Api-Key"] = emu.api_key
        url = f"{emu.base_url}/jobactivity.json"
        distinct = sorted({r["edit_date"] for r in records})
        assert len(http.get(url, params={"$filter": f"edit_date gt '{distinct[-50]}'"}).json()) >= 49
        built = account.indexes["jobactivity"]  # built by the first filter on edit_date, kept from here on

        rng = random.Random(27)
        for step in range(90):
            clock.advance(3600 * rng.choice([0, 1, 1, 2]))
            if step % 3 == 0:
                response = http.post(url, json={"activity_was_scheduled": 1})
            else:
                target = rng.choice(records)["uuid"]
                record_url = f"{emu.base_url}/jobactivity/{target}.json"
                response = (http.delete(record_url) if step % 3 == 1 and rng.random() < 0.5
                            else http.post(record_url, json={"activity_was_recorded": rng.choice([0, 1])}))
            assert response.status_code in (200, 404), response.text  # 404: a second delete of one record

        table = emu.app.store["jobactivity"]
        assert table.edits() is built and len(built) == len(records)  # kept right by the writes, not built again
        stamps = sorted(r["edit_date"] for r in records)
        indexed = 0
        for _ in range(60):
            text = _random_filter(rng, stamps)
            predicate = compile_filter(resource, text)
            positions = table.edited(text)
            indexed += positions is not None
            assert table.scan(predicate, 0, None, positions) == table.scan(predicate, 0, None), text
        assert indexed > 15  # the index answered many (the rest left over half the table: read in order)

        distinct = sorted(set(stamps))
        for text in [f"edit_date gt '{distinct[-400]}'", f"edit_date gt '{distinct[-20]}' and active eq 1",
                     f"edit_date lt '{distinct[-300]}' and edit_date gt '{distinct[-900]}'",
                     f"edit_date eq '{distinct[-1]}'"]:
            want = [r["uuid"] for r in records if compile_filter(resource, text)(r)]
            got: list[str] = []
            cursor: str | None = "-1"
            while cursor:
                page = http.get(url, params={"$filter": text, "cursor": cursor})
                got += [r["uuid"] for r in page.json()]
                cursor = page.headers.get("x-next-cursor")
            assert got == want and want, text
            top = http.get(url, params={"$filter": text, "$orderby": "edit_date desc", "$top": "5"}).json()
            kept = set(want)
            latest = sorted((r for r in records if r["uuid"] in kept), key=lambda r: r["edit_date"], reverse=True)
            assert [r["uuid"] for r in top] == [r["uuid"] for r in latest[:5]]
