"""Every connector against the one contract (``connector_contract.ConnectorContract``): one subclass per system.

A subclass says only how to start its emulator and open a Session on it, its secret and how a
refusal and the repr show it, a resource of several pages (its page size and records), a small
resource, a filter the server runs, a record that is not there and a request the server refuses.
What each system does beyond the contract is tested in its own file (``test_session.py``,
``test_ruddr_session.py``, ``test_accelo_session.py``, ``test_syncd_session.py``).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import smexplore as sm
from smexplore import F
from smexplore.accelo.emulator import DEMO_CLIENT_SECRET, AcceloEmulator
from smexplore.accelo.resources import resource_names as accelo_resources
from smexplore.emulator import DEMO_API_KEY, Emulator
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator
from smexplore.ruddr.resources import resource_names as ruddr_resources
from smexplore.servicem8.resources import resource_names as servicem8_resources
from smexplore.syncd.emulator import DEMO_PASSWORD, SyncdEmulator
from smexplore.syncd.resources import resource_names as syncd_resources
from tests.integration.connector_contract import ConnectorContract

NO_PACING = {"per_minute": 100_000, "per_day": 1_000_000}


@contextlib.contextmanager
def _set(holder: Any, name: str, value: Any) -> Iterator[None]:
    """``holder.name`` is ``value`` meanwhile."""
    before = getattr(holder, name)
    setattr(holder, name, value)
    try:
        yield
    finally:
        setattr(holder, name, before)


class TestServiceM8(ConnectorContract):
    system = "servicem8"
    resources = tuple(servicem8_resources())
    secret = "servicem8-secret-key-4e1f9c2ab7d34c8e"
    secret_variable = "SERVICEM8_API_KEY"
    refusal = "Authentication failed"
    shown_as = "API key …{last4}"
    demo_secret = DEMO_API_KEY
    paged, page = "jobactivity", 1000
    small = "category"
    sent = F.start_date > "2026-02-01"
    missing = ("job", "11111111-1111-4111-8111-111111111111")
    in_describe_order = False  # frames put uuid first; describe() lists the API's order

    @property
    def id_column(self) -> str:
        return "uuid"

    def start(self) -> Emulator:
        return Emulator(api_key=self.secret, page_size=self.page, **NO_PACING)

    def start_at_defaults(self) -> Emulator:
        return Emulator(api_key=self.secret, page_size=self.page)

    def open_at_defaults(self, emu: Emulator, cache: Path) -> sm.Session:
        return sm.connect(self.secret, base_url=emu.base_url, cache=cache, progress=False)

    def cap_pages(self, emu: Emulator, size: int) -> Iterator[None]:
        return _set(emu.app, "page_size", size)

    def open(self, emu: Emulator, cache: Path | bool, secret: str | None = None, **options: Any) -> sm.Session:
        return sm.connect(secret or self.secret, base_url=emu.base_url, cache=cache, progress=False, **NO_PACING,
                          **options)

    def demo(self, **options: Any) -> sm.Session:
        return sm.demo(**options)

    def expected_ids(self, emu: Emulator) -> list[Any]:
        return [r["uuid"] for r in emu.account.tables[self.paged] if r["active"] == 1]

    def refuse_a_request(self, session: sm.Session) -> None:
        session._transport.get("/job.json", {"$filter": "nosuch eq 'x'"})

    def nothing(self, session: sm.Session, resource: str) -> str:
        return "edit_date lt '1990-01-01'"  # sent: the server answers no record at all


class TestRuddr(ConnectorContract):
    system = "ruddr"
    resources = tuple(ruddr_resources())
    secret = "ruddr-secret-key-7f3c9a1e5b2d"
    secret_variable = "RUDDR_TOKEN"
    refusal = "The provided bearer token is missing or invalid"
    shown_as = "API token …{last4}"
    demo_secret = DEMO_TOKEN
    paged, page = "allocations", 100
    small = "members"
    sent = F.start >= "2026-02-01"
    missing = ("allocations", "00000000-0000-4000-8000-000000000000")
    narrow: ClassVar[dict[str, Any]] = {"time-entries": F.date >= "2026-02-01"}

    def start(self) -> RuddrEmulator:
        return RuddrEmulator(tokens=[self.secret], per_second=1e6, burst=1_000_000)

    def start_at_defaults(self) -> RuddrEmulator:
        return RuddrEmulator(tokens=[self.secret])

    def open_at_defaults(self, emu: RuddrEmulator, cache: Path) -> sm.ruddr.Session:
        return sm.ruddr.connect(self.secret, base_url=emu.base_url, cache=cache, progress=False)

    def open(self, emu: RuddrEmulator, cache: Path | bool, secret: str | None = None,
             **options: Any) -> sm.ruddr.Session:
        return sm.ruddr.connect(secret or self.secret, base_url=emu.base_url, cache=cache, progress=False,
                                per_second=1_000, **options)

    def demo(self, **options: Any) -> sm.ruddr.Session:
        return sm.ruddr.demo(**options)

    def expected_ids(self, emu: RuddrEmulator) -> list[Any]:
        return [r["id"] for r in emu.workspace.tables[self.paged]]

    def refuse_a_request(self, session: sm.ruddr.Session) -> None:
        session._transport.pull("/allocations", {"memberId": "zzz", "limit": "100"}, label="allocations")


class TestAccelo(ConnectorContract):
    system = "accelo"
    resources = tuple(accelo_resources())
    secret = "accelo-client-secret-9b2e4f7a1c"
    secret_variable = "ACCELO_CLIENT_SECRET"
    refusal = "invalid_client"
    shown_as = "OAuth client"
    demo_secret = DEMO_CLIENT_SECRET
    paged, page = "tasks", 100
    small = "staff"
    sent = F.date_due > "2025-06-01"
    missing = ("jobs", 99999)
    narrow: ClassVar[dict[str, Any]] = {"activities": F.staff_id == 3}

    def start(self) -> AcceloEmulator:
        return AcceloEmulator(client_secret=self.secret)

    def cap_pages(self, emu: AcceloEmulator, size: int) -> Iterator[None]:
        return _set(emu.app, "max_limit", size)  # a deployment (or a proxy) capping pages

    def open(self, emu: AcceloEmulator, cache: Path | bool, secret: str | None = None,
             **options: Any) -> sm.accelo.Session:
        return sm.accelo.connect(base_url=emu.base_url, token_url=emu.token_url, client_id=emu.client_id,
                                 client_secret=secret or self.secret, cache=cache, progress=False, **options)

    def demo(self, **options: Any) -> sm.accelo.Session:
        return sm.accelo.demo(**options)

    def expected_ids(self, emu: AcceloEmulator) -> list[Any]:
        return [int(r["id"]) for r in emu.agency.tables[self.paged]]

    def requests_for(self, records: int) -> range:
        # A short last page is asked past once (it may be a cap); pages fetched ahead overlap by a record,
        # and up to four guesses go past the end.
        return range(-(-records // self.page) + 1, -(-records // (self.page - 1)) + 6)

    def refuse_a_request(self, session: sm.accelo.Session) -> None:
        session._transport.get("/jobs", {"_filters": "bogus(1)"})

    def make_the_next_request_retry(self, emu: AcceloEmulator) -> None:
        emu.faults.fail_next(1, 503)  # a 429 waits for the hour's reset, beyond any short retry budget

    def secrets(self, session: sm.accelo.Session) -> list[str]:
        return [self.secret, session._credential._token]  # the granted token too


class TestSyncd(ConnectorContract):
    system = "syncd"
    resources = tuple(syncd_resources())
    secret = "syncd-secret-password-4c1d"
    secret_variable = "SYNCD_PASSWORD"
    refusal = "HTTP Basic: Access denied"
    shown_as = "HTTP Basic user demo"  # the emulator's owner
    demo_secret = DEMO_PASSWORD
    paged, page = "time_entries", 50  # the emulator's pages: fewer than the client asks for
    small = "job_assignments"
    sent = (F.user_id == 24) & (F.date >= "2026-01-01") & (F.date < "2026-03-01")
    missing = ("jobs", 999_999)
    narrow: ClassVar[dict[str, Any]] = {"time_entries": F.user_id == 24}  # Oskar Ishikawa: about 600 entries

    def start(self) -> SyncdEmulator:
        return SyncdEmulator(page_size=self.page, password=self.secret)

    def open_at_defaults(self, emu: SyncdEmulator, cache: Path) -> sm.syncd.Session:
        return sm.syncd.connect(user=emu.user, password=self.secret, base_url=emu.base_url, cache=cache,
                                progress=False)

    def cap_pages(self, emu: SyncdEmulator, size: int) -> Iterator[None]:
        return _set(emu.app, "page_size", size)

    def open(self, emu: SyncdEmulator, cache: Path | bool, secret: str | None = None,
             **options: Any) -> sm.syncd.Session:
        return sm.syncd.connect(user=emu.user, password=secret or self.secret, base_url=emu.base_url, cache=cache,
                                progress=False, per_second=1_000, **options)

    def demo(self, **options: Any) -> sm.syncd.Session:
        return sm.syncd.demo(**options)

    def expected_ids(self, emu: SyncdEmulator) -> list[Any]:
        return [e.id for e in emu.data.time_entries if e.user_id == 24]

    def refuse_a_request(self, session: sm.syncd.Session) -> None:
        session._transport.get("/jobs.xml", {"start": "0"})

    def secrets(self, session: sm.syncd.Session) -> list[str]:
        user = session._credential.user
        return [self.secret, base64.b64encode(f"{user}:{self.secret}".encode()).decode()]  # as sent
