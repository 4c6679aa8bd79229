"""``smexplore emulator``: serve one system's API emulator in the foreground until Ctrl-C.

The systems, their emulators and the emulators' options come from the registry (``smexplore.systems``):
one flag per option, offered once however many systems share it, and refused with another system.
The modelled link (``--latency``, ``--bandwidth``) is every emulator's (``EmulatorServer``), so it is
offered here once for all of them.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import systems
from ..systems import EmulatorOption, System
from .options import VALUES, kilobits, milliseconds, port, subparser, value_problem
from .words import default_system, listing, owners, wrap

__all__ = ["add_to", "run"]


def _shared_options() -> dict[str, list[tuple[System, EmulatorOption]]]:
    """Each emulator option's flag → the systems that take it (and how), in the registry's order."""
    flags: dict[str, list[tuple[System, EmulatorOption]]] = {}
    for system in systems.SYSTEMS.values():
        for option in system.emulator.options:
            flags.setdefault(option.flag, []).append((system, option))
    return flags


def _description() -> str:
    first, *others = systems.SYSTEMS.values()
    alternatives = "".join(f", or with --system {system.name} {system.emulator.serves}" for system in others)
    return wrap(f"Serve {first.emulator.serves} until Ctrl-C{alternatives}. Each request is logged to stderr "
                "(coloured on a terminal only; NO_COLOR turns colour off).")


def _epilog() -> str:
    examples = [line for system in systems.SYSTEMS.values() for line in system.emulator.examples]
    by_owners: dict[str, list[str]] = {}
    for flag, takers in _shared_options().items():
        by_owners.setdefault(owners(system for system, _ in takers), []).append(flag)
    whose = "; ".join(f"{listing(flags)} {'are' if len(flags) > 1 else 'is'} {who}" for who, flags in by_owners.items())
    examples.append("smexplore emulator --latency 100 --bandwidth 20000   as if 100 ms away, behind 20 Mbit/s")
    lines = "\n".join(f"  {line}" for line in examples)
    return f"examples:\n{lines}\n\n{wrap(whose)}."


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``emulator`` command to the ``smexplore`` parser."""
    first, *others = systems.SYSTEMS.values()
    rest = f" (or {', '.join(system.display_name for system in others)})" if others else ""
    parser = subparser(commands, "emulator", f"serve the {first.display_name}{rest} API emulator until interrupted",
                       _description(), _epilog())
    parser.add_argument("--system", choices=list(systems.SYSTEMS), default=default_system().name,
                        help=f"the API to serve (default {default_system().name})")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000,
                        help="port to listen on, 0 to 65535 (default 8000; 0 picks a free one)")
    parser.add_argument("--latency", type=milliseconds, default=None, metavar="MS",
                        help="wait MS milliseconds before each answer's first byte, each request on its own, as a "
                             "server that far away would (default 0: loopback)")
    parser.add_argument("--bandwidth", type=kilobits, default=None, metavar="KBPS",
                        help="send each answer's body at KBPS kilobits per second at most (default: no cap)")
    for flag, takers in _shared_options().items():
        option = takers[0][1]
        kind, metavar = VALUES[option.value]
        parser.add_argument(flag, type=kind, default=None, metavar=metavar, action="append" if option.repeat else "store",
                            help="; ".join(f"{system.display_name}: {taken.help}" for system, taken in takers))
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.set_defaults(run=run, usage_error=parser.error)


def _emulator_options(args: argparse.Namespace, system: System) -> dict[str, Any]:
    """The emulator's keyword arguments from the options given (wrong usage, exit 2, for another
    system's option or a value that does not fit)."""
    own = {option.flag for option in system.emulator.options}
    given = [flag for flag, takers in _shared_options().items()
             if flag not in own and getattr(args, takers[0][1].dest) is not None]
    if given:
        args.usage_error(f"{', '.join(given)} cannot be used with --system {system.name}")
    options: dict[str, Any] = {}
    for option in system.emulator.options:
        value = getattr(args, option.dest)
        if value is None:
            continue
        values = value if option.repeat else [value]
        for each in values:
            problem = value_problem(option.value, each)
            if problem:
                args.usage_error(f"{option.flag} {problem}")
        if option.value == "scopes":  # token → its scopes
            value = dict(values)
        options[option.parameter] = value
    return options


def run(args: argparse.Namespace) -> int:
    """Serve ``--system``'s emulator on ``--host``:``--port`` until interrupted; its address, its link
    when not loopback, and how to sign in are printed first."""
    system = systems.get(args.system)
    options = _emulator_options(args, system)
    link = {name: value for name, value in (("latency_ms", args.latency), ("bandwidth_kbps", args.bandwidth))
            if value is not None}
    emulator = system.emulator_class()(seed=args.seed, scale=args.scale, **link, **options)

    def ready(emu: Any) -> None:
        far = "" if emu.link.loopback else f", {emu.link}"
        print(f"{system.display_name} emulator ({args.scale} {system.emulator.account_noun}, seed {args.seed}{far}) "
              f"serving at {emu.base_url}", flush=True)
        print(system.emulator.ready.format(emu=emu), flush=True)

    emulator.serve_forever(args.host, args.port, on_ready=ready, log_requests=not args.quiet)
    return 0
