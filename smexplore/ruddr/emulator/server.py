"""The Ruddr emulator runner: a synthetic workspace, its app and its rate limit on the shared server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import ClassVar, Literal

from ...emulation.faults import Faults
from ...emulation.limits import RateLimiter, TokenBucket
from ...emulation.log import RequestLog
from ...emulation.server import EmulatorServer
from .app import API_PREFIX, RuddrApp
from .synth import Workspace, build_workspace

__all__ = ["DEMO_TOKEN", "RuddrEmulator", "ruddr_limiter"]

DEMO_TOKEN = "smexplore-ruddr-demo-token-0000"
"""The fixed API key the demo workspace accepts (public on purpose: it guards nothing real)."""


def ruddr_limiter(per_second: float = 20, burst: int = 60,
                  clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """Ruddr's limit, per workspace: ``per_second`` requests a second on average, bursts of ``burst``.

    A token bucket named ``second``: a quiet workspace may send ``burst`` requests at once, then
    one more each ``1/per_second`` seconds.
    """
    return RateLimiter([TokenBucket("second", per_second, burst)], clock)


class RuddrEmulator(EmulatorServer):
    """A Ruddr API emulator serving a synthetic consultancy over real HTTP (read-only).

    Use it as a context manager in tests, or keep it running for a notebook::

        with RuddrEmulator(seed=0, scale="small") as emu:
            requests.get(emu.base_url + "/allocations", headers={"Authorization": f"Bearer {emu.token}"})

    Args:
        seed: Seed of the synthetic workspace.
        scale: ``small`` (default), ``medium`` or ``large``.
        token: The API key accepted as ``Authorization: Bearer <token>`` (default ``DEMO_TOKEN``).
        tokens: More keys accepted (they share the workspace's rate limit, as Ruddr's keys do).
        faults: Faults to inject (see ``Faults``); change ``emulator.faults`` at any time.
        per_second: Requests allowed per second on average (Ruddr: 20).
        burst: Requests allowed at once after a quiet spell (Ruddr: 60).
        clock: Monotonic seconds, for the rate limit (tests pass a fake one).
        workspace: Serve this workspace instead of building one from ``seed`` and ``scale``.
        retry_after: Send ``Retry-After`` with 429 answers (Ruddr documents none).
        reject_unknown: Answer 400 to query parameters a list does not know (Ruddr's behaviour is
            not documented; by default they are ignored).
        api_access: ``False`` answers every authenticated request 423, as a workspace with API
            access turned off does; change ``emulator.api_access`` at any time.
        latency_ms: Milliseconds each answer waits before its first byte, per request, as a server that
            far away would (0: loopback; see ``emulation.link.Link``).
        bandwidth_kbps: Kilobits per second each answer's body is sent at, at most (``None``: no cap).

    Attributes:
        app: The WSGI application.
        workspace: The records served.
        log: Every request served (method, path, query, status; never credentials).
        faults: The fault plan in force.
        limiter: The workspace's rate limit (a ``TokenBucket`` named ``second``).
        link: The modelled link (``Link``: latency and bandwidth); assign another at any time.
        base_url: ``http://HOST:PORT/api/workspace`` of the running server.
    """

    url_prefix: ClassVar[str] = API_PREFIX

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: Literal["small", "medium", "large"] = "small",
        token: str = DEMO_TOKEN,
        tokens: Iterable[str] = (),
        faults: Faults | None = None,
        per_second: float = 20,
        burst: int = 60,
        clock: Callable[[], float] = time.monotonic,
        workspace: Workspace | None = None,
        retry_after: bool = False,
        reject_unknown: bool = False,
        api_access: bool = True,
        latency_ms: float = 0.0,
        bandwidth_kbps: float | None = None,
    ) -> None:
        super().__init__(latency_ms=latency_ms, bandwidth_kbps=bandwidth_kbps)
        self.token = token
        self.workspace = workspace if workspace is not None else build_workspace(seed, scale)
        self.log = RequestLog(API_PREFIX)
        self.faults = faults if faults is not None else Faults()
        self.limiter = ruddr_limiter(per_second, burst, clock)
        self.app = RuddrApp(self.workspace, tokens=[token, *tokens], limiter=self.limiter, faults=self.faults,
                            log=self.log, retry_after=retry_after, reject_unknown=reject_unknown,
                            api_access=api_access)

    @property
    def api_access(self) -> bool:
        """Whether the workspace's API access is on (when off, every authenticated request is 423)."""
        return self.app.api_access

    @api_access.setter
    def api_access(self, on: bool) -> None:
        self.app.api_access = on

    def describe(self) -> str:
        return f"seed={self.workspace.seed} scale={self.workspace.scale!r}"
