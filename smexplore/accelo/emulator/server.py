"""The Accelo emulator runner: a synthetic agency, its OAuth endpoints and API, its hourly limit, on the shared server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, Literal

from ...emulation.faults import Faults
from ...emulation.limits import FixedWindow, RateLimiter
from ...emulation.log import RequestLog
from ...emulation.server import EmulatorServer
from .agency import Agency
from .app import API_PREFIX, OAUTH_PREFIX, AcceloApp
from .oauth import Lockout, TokenStore
from .query import MAX_LIMIT, OverLimit
from .synth import build_agency
from .token import TokenEndpoint

__all__ = ["AcceloEmulator", "DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "accelo_limiter"]

DEMO_CLIENT_ID = "smexplore-demo@demo.accelo.com"
"""The client id of the demo service application (public on purpose: it guards nothing real)."""
DEMO_CLIENT_SECRET = "smexplore-accelo-demo-secret-0000"
"""The demo application's client secret (public on purpose)."""


def accelo_limiter(per_hour: int = 5000, clock: Callable[[], float] = time.time) -> RateLimiter:
    """Accelo's limit, per deployment: ``per_hour`` requests in each hour of the clock (a ``FixedWindow`` ``hour``)."""
    return RateLimiter([FixedWindow("hour", per_hour, 3600)], clock)


class AcceloEmulator(EmulatorServer):
    """An Accelo API emulator serving a synthetic digital agency over real HTTP (read-only).

    Use it as a context manager in tests, or keep it running for a notebook::

        with AcceloEmulator() as emu:
            grant = requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret),
                                  data={"grant_type": "client_credentials"}).json()
            requests.get(emu.base_url + "/jobs", headers={"Authorization": f"Bearer {grant['access_token']}"})

    Args:
        seed: Seed of the synthetic agency.
        scale: ``small`` (default: 15 staff, 40 companies, 240 jobs), ``medium`` or ``large``.
        client_id: The service application's client id (HTTP Basic user at the token endpoint).
        client_secret: Its client secret.
        deployment: The deployment's name (``{deployment}.api.accelo.com``; in token answers).
        token_ttl: Seconds a token lives (Accelo: 30 days unless ``expires_in`` asks otherwise; here
            also the most ``expires_in`` may ask for, so tests can make tokens expire mid-pull).
        per_hour: Requests the deployment may send in each hour (Accelo: 5,000).
        faults: Faults to inject into ``/api/v0`` answers (see ``Faults``); change ``emulator.faults`` at any time.
        clock: Unix seconds, for token expiry, the hourly windows and ``X-RateLimit-Reset`` (tests
            pass a fake one).
        agency: Serve this agency instead of building one from ``seed`` and ``scale``.
        over_limit: ``_limit`` above ``max_limit``: ``clamp`` to it (default) or answer ``error`` (400).
        max_limit: The most records a page holds (Accelo: 100; lower plays a deployment or proxy
            that caps pages, as the 2017 document's 50).
        strict_fields: Refuse ``_fields`` names a table does not have (default: leave them out).
        failed_logins: Failed authentications per address allowed in 5 minutes before a lockout
            (Accelo: 100; 0 turns the lockout off).
        limit_per: Whose requests ``per_hour`` counts: the ``deployment``'s (Accelo's documented
            rule and the default: every token shares the limit) or each ``token``'s.
        latency_ms: Milliseconds each answer waits before its first byte, per request, as a server that
            far away would (0: loopback; see ``emulation.link.Link``).
        bandwidth_kbps: Kilobits per second each answer's body is sent at, at most (``None``: no cap).

    Attributes:
        app: The WSGI application.
        agency: The records served.
        tokens: The tokens issued (``TokenStore``).
        log: Every request served (method, path, query, status; never credentials).
        faults: The fault plan in force.
        limiter: The deployment's limit (a ``FixedWindow`` named ``hour``).
        link: The modelled link (``Link``: latency and bandwidth); assign another at any time.
        base_url: ``http://HOST:PORT/api/v0`` of the running server (``token_url``: its token endpoint).
    """

    url_prefix: ClassVar[str] = API_PREFIX
    thread_name: ClassVar[str] = "smexplore-accelo-emulator"

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: Literal["small", "medium", "large"] = "small",
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        deployment: str = "demo",
        token_ttl: int = 3600,
        per_hour: int = 5000,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        agency: Agency | None = None,
        over_limit: OverLimit = "clamp",
        max_limit: int = MAX_LIMIT,
        strict_fields: bool = False,
        failed_logins: int = 100,
        limit_per: Literal["deployment", "token"] = "deployment",
        latency_ms: float = 0.0,
        bandwidth_kbps: float | None = None,
    ) -> None:
        super().__init__(latency_ms=latency_ms, bandwidth_kbps=bandwidth_kbps)
        if not client_id or not client_secret or ":" in client_id:
            raise ValueError("client_id and client_secret must not be empty, and client_id holds no ':'")
        self.client_id, self.client_secret = client_id, client_secret
        self.agency = agency if agency is not None else build_agency(seed, scale, deployment)
        self.log = RequestLog(API_PREFIX)
        self.faults = faults if faults is not None else Faults()
        self.limiter = accelo_limiter(per_hour, clock)
        self.tokens = TokenStore(clock)
        lockout = Lockout(failed_logins, 300, clock)
        endpoint = TokenEndpoint(self.agency, client_id=client_id, client_secret=client_secret, tokens=self.tokens,
                                 lockout=lockout, token_ttl=token_ttl)
        self.app = AcceloApp(self.agency, tokens=self.tokens, endpoint=endpoint, limiter=self.limiter,
                             lockout=lockout, over_limit=over_limit, max_limit=max_limit, strict_fields=strict_fields, limit_per=limit_per,
                             faults=self.faults, log=self.log)

    @property
    def token_url(self) -> str:
        """``http://HOST:PORT/oauth2/v0/token`` of the running server."""
        return f"{self.root_url}{OAUTH_PREFIX}/token"

    def describe(self) -> str:
        return f"seed={self.agency.seed} scale={self.agency.scale!r}"
