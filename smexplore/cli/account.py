"""Open the Session a command on one account works on: ``--system``, ``--demo``, ``--account`` … checked
against the registry of systems, credentials from the environment only."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any, cast

from .. import systems
from ..core.errors import AuthenticationError
from ..systems import System
from .words import credential_names, owners

if TYPE_CHECKING:
    from ..core.session import BaseSession

__all__ = ["check_usage", "open_session", "require_credentials"]


def check_usage(args: argparse.Namespace) -> None:
    """Options that do not fit together are wrong usage (exit 2), said before anything is opened."""
    error, system = args.usage_error, systems.get(args.system)
    every = list(systems.SYSTEMS.values())
    if args.api_key is not None and system.key_argument is None:
        keyed = [other for other in every if other.key_argument is not None]
        error(f"--api-key is {owners(keyed)}; {system.display_name} reads {credential_names(system)} from the "
              "environment")
    if args.account is not None and system.account is None:
        named = [other for other in every if other.account is not None]
        error(f"--account is {owners(named)}, not {system.display_name}'s")
    if getattr(args, "enrich", False) and not system.enrich:
        enriched = [other for other in every if other.enrich]
        error(f"--enrich is {owners(enriched)}; {system.display_name}'s frames come with their names already")
    if args.demo:
        given = [flag for flag, value in (("--api-key", args.api_key), ("--account", args.account)) if value is not None]
        if given:
            error(f"{' and '.join(given)} cannot be used with --demo")
    elif args.seed is not None or args.scale is not None:
        error("--seed and --scale choose the demo account: they need --demo")
    elif system.account is not None and args.account is None and not (
            system.account.env and os.environ.get(system.account.env, "").strip()):
        alone = f" or {system.account.env}" if system.account.env else ""
        error(f"--system {system.name} needs --account NAME ({system.account.what}){alone}, or --demo")
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start is not None and end is not None and start >= end:
        error(f"the window is empty: --from {start:%Y-%m-%d %H:%M}, --to {end:%Y-%m-%d %H:%M} (a date alone in --to "
              "means through its end)")


def require_credentials(system: System, api_key: str | None) -> None:
    """Fails in one line naming the environment variables when none of the system's credentials is set.

    Half of a pair is left to ``connect``, which says which half is missing. No message shows a value.

    Raises:
        AuthenticationError: The environment holds none of the system's credentials.
    """
    if api_key is not None or any(os.environ.get(variable, "").strip()
                                  for way in system.credentials for variable in way):
        return
    raise AuthenticationError(f"no {system.display_name} credentials: set {credential_names(system)} in the "
                              "environment (--demo needs none)")


def open_session(args: argparse.Namespace) -> BaseSession:
    """The Session on the account ``--system``, ``--demo``, ``--account``, ``--cache`` … name.

    Credentials come from the environment only (or ``--api-key``, where the system takes one). Progress
    bars show on stderr when it is a terminal, never in a pipe or file (see ``core.progress.progress_wanted``).

    Raises:
        AuthenticationError: No credentials are set (the message names the environment variables).
    """
    check_usage(args)
    system = systems.get(args.system)
    module = system.session()
    options: dict[str, Any] = {"timezone": args.timezone, "progress": True}
    options.update({name: getattr(args, name) for name in ("cache", "store") if getattr(args, name) is not None})
    if args.offline:
        options["offline"] = True
    if args.demo:
        return cast("BaseSession", module.demo(seed=args.seed or 0, scale=args.scale or "small", **options))
    require_credentials(system, args.api_key)
    if system.key_argument is not None:
        options[system.key_argument] = args.api_key
    if system.account is not None:
        options[system.account.parameter] = args.account
    return cast("BaseSession", module.connect(**options))
