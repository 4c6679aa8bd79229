"""The registry of systems: each system smexplore reads, named once (as requests-cache's ``BACKEND_CLASSES``).

An entry (``System``) says what the command line, ``make demo``, the tests and the docs need to
know about a system: its names, its Session module, the environment variables of its credentials,
the account option its ``connect()`` takes, its emulator (a dotted path, its options and what it
prints when it serves) and the module of its ``smexplore demo`` tour. ``SYSTEMS`` holds them in
order (ServiceM8, Ruddr, Accelo, Syncd); ``register`` adds one, ``get`` finds one by name.

Importing this module imports no Session and no emulator: they are named by dotted paths and
imported on use (``System.session``, ``System.emulator_class``, ``System.tour``).

Adding a system: write its package (``session.py`` with ``connect()`` and ``demo()``, an emulator,
``tour.py`` with ``tour(demo)``), then ``register(System(...))``, here for a built-in one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .core.errors import InputError, did_you_mean

__all__ = ["SCALES", "SYSTEMS", "AccountOption", "EmulatorEntry", "EmulatorOption", "System", "get", "register"]

SCALES = ("small", "medium", "large")
"""The sizes of demo account every emulator builds (``--scale``)."""

VALUE_KINDS = ("text", "name", "secret", "whole", "rate", "scopes")
"""How the command line reads an emulator option's value: ``text`` as given; ``name`` not empty and
without ``:`` (an HTTP Basic user or client id); ``secret`` not empty; ``whole`` a whole number
above 0; ``rate`` a number above 0; ``scopes`` ``TOKEN=scope1,scope2`` (repeated: a mapping of
token to scopes)."""


@dataclass(frozen=True)
class EmulatorOption:
    """An option of ``smexplore emulator`` that a system's emulator takes.

    Several systems may share a flag (``--api-key``): the command line offers it once and says whose it is.

    Attributes:
        flag: The command-line flag (``--per-minute``).
        parameter: The emulator's keyword argument it is passed as (``per_minute``); not passed
            when the option is not given (the emulator's default applies).
        help: What it is, with its default (``"requests allowed per minute (default 180)"``).
        value: How its value is read (one of ``VALUE_KINDS``).
        repeat: Whether it may be given more than once (the values gathered: ``scopes`` as a mapping).
    """

    flag: str
    parameter: str
    help: str
    value: str = "text"
    repeat: bool = False

    def __post_init__(self) -> None:
        if not self.flag.startswith("--") or len(self.flag) < 3:
            raise ValueError(f"an emulator option's flag starts with '--', as in '--per-minute'; got {self.flag!r}")
        if self.value not in VALUE_KINDS:
            raise ValueError(f"{self.flag}: value must be one of {', '.join(VALUE_KINDS)}; got {self.value!r}")

    @property
    def dest(self) -> str:
        """The option's name once parsed (``per_minute`` for ``--per-minute``)."""
        return self.flag[2:].replace("-", "_")


@dataclass(frozen=True)
class EmulatorEntry:
    """A system's emulator, as ``smexplore emulator --system NAME`` serves it.

    Attributes:
        path: ``module:Class`` of the emulator (an ``EmulatorServer`` taking ``seed=``, ``scale=``,
            ``latency_ms=`` and ``bandwidth_kbps=``).
        serves: What it serves, for the help (``"the Ruddr REST API (/api/workspace) over a synthetic consultancy"``).
        account_noun: What its demo account is called (``workspace``, ``agency`` …).
        ready: The line printed under the address once it serves: how to sign in (``str.format``
            with ``emu``, the running emulator: ``"API key: {emu.api_key} …"``).
        options: Its options beyond ``--host``, ``--port``, ``--seed``, ``--scale``, ``--latency``,
            ``--bandwidth`` and ``--quiet``.
        examples: Lines for the help's examples (commands, and ``curl`` against them).
    """

    path: str
    serves: str
    account_noun: str
    ready: str
    options: tuple[EmulatorOption, ...] = ()
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if ":" not in self.path:
            raise ValueError(f"an emulator's path is 'module:Class'; got {self.path!r}")
        flags = [option.flag for option in self.options]
        if len(flags) != len(set(flags)):
            raise ValueError(f"an emulator's options are given once each; got {', '.join(flags)}")


@dataclass(frozen=True)
class AccountOption:
    """The account a system's ``connect()`` needs named besides the credentials (``--account NAME``).

    Attributes:
        parameter: ``connect()``'s keyword argument (``deployment``).
        what: What NAME is (``"the deployment, as in NAME.api.accelo.com"``).
        env: The environment variable that may name it instead (``None``: ``--account`` is needed).
    """

    parameter: str
    what: str
    env: str | None = None


@dataclass(frozen=True)
class System:
    """One system smexplore reads.

    Attributes:
        name: What ``--system`` and frames' ``source`` call it (``ruddr``).
        display_name: Its name in messages (``Ruddr``).
        session_module: The module with its ``connect()`` and ``demo()`` (``smexplore.ruddr.session``).
        credentials: The environment variables of each way to sign in (any one way will do):
            ``(("ACCELO_CLIENT_ID", "ACCELO_CLIENT_SECRET"), ("ACCELO_TOKEN",))``.
        emulator: Its emulator.
        tour_module: The module whose ``tour(demo)`` shows its demo account in ``smexplore demo``.
        tour_summary: What the tour shows, for the help (``"Ruddr: the records pulled, …"``).
        account: The account ``connect()`` needs named (``--account``), if any.
        key_argument: ``connect()``'s keyword for a key given on the command line (``--api-key``), if any.
        enrich: Whether ``frame()`` takes ``enrich=True`` (``smexplore pull --enrich``).
    """

    name: str
    display_name: str
    session_module: str
    credentials: tuple[tuple[str, ...], ...]
    emulator: EmulatorEntry
    tour_module: str
    tour_summary: str
    account: AccountOption | None = None
    key_argument: str | None = None
    enrich: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"a system's name is one lower-case word, as in 'ruddr'; got {self.name!r}")
        if not self.credentials or not all(self.credentials):
            raise ValueError(f"{self.name}: credentials name at least one way to sign in, each with its variables")

    def session(self) -> ModuleType:
        """The Session module (imported now)."""
        return importlib.import_module(self.session_module)

    def emulator_class(self) -> Any:
        """The emulator's class (imported now)."""
        module, _, name = self.emulator.path.partition(":")
        return getattr(importlib.import_module(module), name)

    def tour(self) -> ModuleType:
        """The ``smexplore demo`` tour module (imported now)."""
        return importlib.import_module(self.tour_module)


SYSTEMS: dict[str, System] = {}
"""The registered systems by name, in the order they were registered."""


def register(system: System) -> System:
    """Add ``system`` to ``SYSTEMS`` (the command line lists it from then on); returns it.

    Raises:
        ValueError: A system of that name is registered already, or one of its emulator's flags is
            another system's with another kind of value.
    """
    if system.name in SYSTEMS:
        raise ValueError(f"a system called {system.name!r} is registered already")
    kinds = {option.flag: (option.value, option.repeat, other.name)
             for other in SYSTEMS.values() for option in other.emulator.options}
    for option in system.emulator.options:
        value, repeat, owner = kinds.get(option.flag, (option.value, option.repeat, ""))
        if (value, repeat) != (option.value, option.repeat):
            raise ValueError(f"{option.flag} of {system.name} reads a {option.value} value"
                             f"{' (repeated)' if option.repeat else ''}, but {owner}'s reads a {value} value"
                             f"{' (repeated)' if repeat else ''}: give it another flag")
    SYSTEMS[system.name] = system
    return system


def get(name: str) -> System:
    """The system called ``name``.

    Raises:
        InputError: No system has that name (the message suggests the closest and lists them).
    """
    try:
        return SYSTEMS[name]
    except KeyError:
        raise InputError(f"unknown system {name!r}{did_you_mean(name, list(SYSTEMS))}; the systems: "
                         f"{', '.join(SYSTEMS)}") from None


register(System(
    name="servicem8",
    display_name="ServiceM8",
    session_module="smexplore.servicem8.session",
    credentials=(("SERVICEM8_API_KEY",),),
    key_argument="api_key",
    enrich=True,
    emulator=EmulatorEntry(
        path="smexplore.servicem8.emulator:Emulator",
        serves="the ServiceM8 REST API (/api_1.0) over a synthetic trades business",
        account_noun="account",
        ready="API key: {emu.api_key}   (send it in the X-Api-Key header; Ctrl-C stops)",
        options=(
            EmulatorOption("--api-key", "api_key", "the API key to accept (default: the demo key)"),
            EmulatorOption("--token", "tokens", "also accept an OAuth bearer token with these comma-separated "
                           "scopes", value="scopes", repeat=True),
            EmulatorOption("--page-size", "page_size", "records per cursor page (default 5000)", value="whole"),
            EmulatorOption("--per-minute", "per_minute", "requests allowed per minute (default 180)", value="whole"),
            EmulatorOption("--per-day", "per_day", "requests allowed per day (default 20000)", value="whole"),
        ),
        examples=(
            "smexplore emulator                            the small account on http://127.0.0.1:8000/api_1.0",
            "smexplore emulator --port 0 --scale large     a large account on a free port (printed at start)",
            "curl -H 'X-Api-Key: smexplore-demo-key-0000' http://127.0.0.1:8000/api_1.0/job.json",
        ),
    ),
    tour_module="smexplore.servicem8.tour",
    tour_summary="ServiceM8: jobs by status, this week's bookings per staff member, double-bookings, and two "
                 "pictures: this week's timeline and the last quarter's utilisation",
))
register(System(
    name="ruddr",
    display_name="Ruddr",
    session_module="smexplore.ruddr.session",
    credentials=(("RUDDR_TOKEN",),),
    emulator=EmulatorEntry(
        path="smexplore.ruddr.emulator:RuddrEmulator",
        serves="the Ruddr REST API (/api/workspace) over a synthetic consultancy",
        account_noun="workspace",
        ready="API key: {emu.token}   (send it as 'Authorization: Bearer <key>'; Ctrl-C stops)",
        options=(
            EmulatorOption("--api-key", "token", "the bearer token to accept (default: the demo token)"),
            EmulatorOption("--per-second", "per_second", "requests allowed per second on average (default 20)",
                           value="rate"),
            EmulatorOption("--burst", "burst", "requests allowed at once after a quiet spell (default 60)",
                           value="whole"),
        ),
        examples=(
            "smexplore emulator --system ruddr --port 8001 --api-key mykey",
            "curl -H 'Authorization: Bearer mykey' 'http://127.0.0.1:8001/api/workspace/allocations?limit=5'",
        ),
    ),
    tour_module="smexplore.ruddr.tour",
    tour_summary="Ruddr: the records pulled, this week's utilisation of the busiest members against their "
                 "capacity, a selective filter (its query parameters and the records it pulled against the whole "
                 "list)",
))
register(System(
    name="accelo",
    display_name="Accelo",
    session_module="smexplore.accelo.session",
    credentials=(("ACCELO_CLIENT_ID", "ACCELO_CLIENT_SECRET"), ("ACCELO_TOKEN",)),
    account=AccountOption("deployment", "the deployment, as in NAME.api.accelo.com", env="ACCELO_DEPLOYMENT"),
    emulator=EmulatorEntry(
        path="smexplore.accelo.emulator:AcceloEmulator",
        serves="the Accelo REST API (/api/v0, tokens from /oauth2/v0/token) over a synthetic agency",
        account_noun="agency",
        ready="Client id: {emu.client_id}   client secret: {emu.client_secret}   (POST them with HTTP Basic and "
              "grant_type=client_credentials to {emu.token_url}; Ctrl-C stops)",
        options=(
            EmulatorOption("--client-id", "client_id", "the service application's client id (default: the demo "
                           "client id)", value="name"),
            EmulatorOption("--client-secret", "client_secret", "the service application's client secret (default: "
                           "the demo secret)", value="secret"),
            EmulatorOption("--per-hour", "per_hour", "requests allowed per hour (default 5000)", value="whole"),
            EmulatorOption("--token-ttl", "token_ttl", "seconds an access token lives (default 3600)", value="whole"),
        ),
        examples=(
            "smexplore emulator --system accelo --port 8002 --client-id me@demo --client-secret s3cret",
            "curl -u me@demo:s3cret -d grant_type=client_credentials http://127.0.0.1:8002/oauth2/v0/token",
        ),
    ),
    tour_module="smexplore.accelo.tour",
    tour_summary="Accelo: the records pulled, last week's hours logged, a selective filter (its _filters and the "
                 "records it pulled against the server's count of the whole list)",
))
register(System(
    name="syncd",
    display_name="Syncd",
    session_module="smexplore.syncd.session",
    credentials=(("SYNCD_USER", "SYNCD_PASSWORD"),),
    account=AccountOption("account", "the account's subdomain, as in NAME.syncd.com"),
    emulator=EmulatorEntry(
        path="smexplore.syncd.emulator:SyncdEmulator",
        serves="the Syncd XML API (/jobs.xml…, HTTP Basic) over a synthetic studio",
        account_noun="account",
        ready="User: {emu.user}   password: {emu.password}   (send them with HTTP Basic; Ctrl-C stops)",
        options=(
            EmulatorOption("--user", "user", "the owner's user name (default: the demo user)", value="name"),
            EmulatorOption("--password", "password", "the owner's password (default: the demo password)",
                           value="secret"),
            EmulatorOption("--page-size", "page_size", "items per list answer (default 100)", value="whole"),
        ),
        examples=(
            "smexplore emulator --system syncd --port 8003 --user me --password s3cret",
            "curl -u me:s3cret 'http://127.0.0.1:8003/jobs.xml?start=1&end=5'",
        ),
    ),
    tour_module="smexplore.syncd.tour",
    tour_summary="Syncd: the records pulled, the job tree's levels, last week's hours entered, a selective filter "
                 "(its path and parameters and the records it pulled against the whole list)",
))
