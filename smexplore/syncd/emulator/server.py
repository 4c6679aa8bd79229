"""The Syncd emulator runner: a synthetic account and its app on the shared server."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import ClassVar

from ...emulation.faults import Faults
from ...emulation.log import RequestLog
from ...emulation.server import EmulatorServer
from .account import DEMO_USER, Account
from .app import SyncdApp
from .synth import build_account

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "SyncdEmulator"]

DEMO_PASSWORD = "smexplore-syncd-demo-0000"
"""The demo owner's password (public on purpose: it guards nothing real)."""


class SyncdEmulator(EmulatorServer):
    """A Syncd API emulator serving a synthetic studio's account over real HTTP.

    Use it as a context manager in tests, or keep it running for a notebook::

        with SyncdEmulator() as emu:
            requests.get(emu.base_url + "/jobs.xml", auth=(emu.user, emu.password))

    Args:
        seed: Seed of the synthetic account.
        scale: ``small`` (default: 12 users, about 230 jobs and 6,700 time entries), ``medium`` or ``large``.
        user: The owner's user name (an administrator who manages the root job type).
        password: The owner's password.
        account: The account's subdomain (``demo`` for ``https://demo.syncd.com``).
        page_size: The most items one list answer holds; ``start``/``end`` select the others (a job
            list asked for without a range holds every job: "All jobs: GET /jobs.xml").
        faults: Faults to inject (see ``Faults``); change ``emulator.faults`` at any time.
        clock: Unix seconds, for the timestamps of created and updated jobs (tests pass a fake one).
        data: Serve this account instead of building one from ``seed`` and ``scale`` (its owner's
            user name is then the account's, not ``user``).
        logins: More users who may log in: user name (another user of the account) → password.
        latency_ms: Milliseconds each answer waits before its first byte, per request, as a server that
            far away would (0: loopback; see ``emulation.link.Link``).
        bandwidth_kbps: Kilobits per second each answer's body is sent at, at most (``None``: no cap).

    Attributes:
        app: The WSGI application.
        data: The records served (``Account``); job writes change it.
        log: Every request served (method, path, query, status; never credentials).
        faults: The fault plan in force.
        link: The modelled link (``Link``: latency and bandwidth); assign another at any time.
        base_url: ``http://HOST:PORT``, the account's root, of the running server.
    """

    url_prefix: ClassVar[str] = ""
    thread_name: ClassVar[str] = "smexplore-syncd-emulator"

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: str = "small",
        user: str = DEMO_USER,
        password: str = DEMO_PASSWORD,
        account: str = "demo",
        page_size: int = 100,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        data: Account | None = None,
        logins: Mapping[str, str] | None = None,
        latency_ms: float = 0.0,
        bandwidth_kbps: float | None = None,
    ) -> None:
        super().__init__(latency_ms=latency_ms, bandwidth_kbps=bandwidth_kbps)
        if not user or ":" in user or not password:
            raise ValueError("user and password must not be empty, and user holds no ':'")
        self.data = data if data is not None else build_account(seed, scale, login=user, name=account)
        self.user = self.data.users[0].name
        self.password = password
        unknown = sorted(set(logins or {}) - {u.name for u in self.data.users})
        if unknown:
            raise ValueError(f"logins names no user of the account: {', '.join(unknown)}")
        self.log = RequestLog()
        self.faults = faults if faults is not None else Faults()
        self.app = SyncdApp(self.data, logins={**(logins or {}), self.user: password}, page_size=page_size,
                            clock=clock, faults=self.faults, log=self.log)

    @property
    def page_size(self) -> int:
        """The most items one list answer holds."""
        return self.app.page_size

    def describe(self) -> str:
        return f"seed={self.data.seed} scale={self.data.scale!r} account={self.data.name!r}"
