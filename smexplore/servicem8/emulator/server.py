"""The ServiceM8 emulator runner: its account, app and limits on the shared server (``EmulatorServer``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Literal

from ...emulation.faults import Faults
from ...emulation.log import RequestLog
from ...emulation.server import EmulatorServer
from .app import API_PREFIX, ServiceM8App, servicem8_limiter
from .synth import Account, build_account

__all__ = ["DEMO_API_KEY", "Emulator"]

DEMO_API_KEY = "smexplore-demo-key-0000"
"""The fixed API key the demo account accepts, public on purpose (it guards nothing real)."""


class Emulator(EmulatorServer):
    """A ServiceM8 API emulator serving a synthetic account over real HTTP.

    Use it as a context manager in tests, or keep it running for a notebook::

        with Emulator(seed=0, scale="small") as emu:
            requests.get(emu.base_url + "/job.json", headers={"X-Api-Key": emu.api_key})

    Args:
        seed: Seed of the synthetic account.
        scale: ``small`` (default), ``medium`` or ``large``.
        api_key: The API key accepted (default ``DEMO_API_KEY``).
        extra_api_keys: More API keys of the same account (each may use every endpoint).
        tokens: OAuth bearer tokens and the scopes each carries, e.g.
            ``{"tok": ["read_jobs"]}``.
        page_size: Most records per cursor page (the API's is 5,000).
        per_minute: Requests allowed in any 60 seconds, per add-on per account as the API counts
            them: every key and token of the account spends the same budget.
        per_day: Requests allowed in any 24 hours, counted the same way.
        faults: Faults to inject (see ``Faults``); change ``emulator.faults`` at any time.
        account: Serve this account instead of building one from ``seed`` and ``scale``.
        clock: Monotonic seconds, for rate limits and cursor ages (tests pass a fake one).
        latency_ms: Milliseconds each answer waits before its first byte, per request, as a server that
            far away would (0: loopback; see ``emulation.link.Link``).
        bandwidth_kbps: Kilobits per second each answer's body is sent at, at most (``None``: no cap).
        **options: Passed to ``ServiceM8App`` (``rate_limit_body``, ``retry_after``,
            ``numbers_as_strings``, ``cursor_ttl``).

    Attributes:
        app: The WSGI application.
        account: The records being served (writes change them).
        log: Every request served (method, path, query, status; never credentials).
        faults: The fault plan in force.
        limiter: The account's rate limits (``minute`` and ``day`` sliding windows).
        link: The modelled link (``Link``: latency and bandwidth); assign another at any time.
        base_url: ``http://HOST:PORT/api_1.0`` of the running server.
    """

    url_prefix: ClassVar[str] = API_PREFIX

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: Literal["small", "medium", "large"] = "small",
        api_key: str = DEMO_API_KEY,
        extra_api_keys: Iterable[str] = (),
        tokens: Mapping[str, Iterable[str]] | None = None,
        page_size: int = 5000,
        per_minute: int = 180,
        per_day: int = 20_000,
        faults: Faults | None = None,
        account: Account | None = None,
        clock: Callable[[], float] = time.monotonic,
        latency_ms: float = 0.0,
        bandwidth_kbps: float | None = None,
        **options: Any,
    ) -> None:
        super().__init__(latency_ms=latency_ms, bandwidth_kbps=bandwidth_kbps)
        self.api_key = api_key
        self.account = account if account is not None else build_account(seed, scale)
        self.log = RequestLog(API_PREFIX)
        self.faults = faults if faults is not None else Faults()
        self.limiter = servicem8_limiter(per_minute, per_day, clock)
        self.app = ServiceM8App(
            self.account, api_keys=[api_key, *extra_api_keys], tokens=tokens, page_size=page_size, limiter=self.limiter,
            faults=self.faults, log=self.log, clock=clock, **options,
        )

    def describe(self) -> str:
        return f"seed={self.account.seed} scale={self.account.scale!r}"
