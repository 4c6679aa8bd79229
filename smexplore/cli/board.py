"""``smexplore board``: the schedule board (``sm.Board``) as a web app, served by Voila until Ctrl-C.

The command writes a small notebook that opens the board (credentials are read from the environment
inside the kernel: the notebook holds no secret), starts Voila on it and prints the address.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import systems
from ..core.errors import SMExploreError
from ..systems import System
from .account import check_usage, require_credentials
from .options import port, session_subparser
from .words import default_system, listing

__all__ = ["HOST", "NOTEBOOK", "WRITES", "add_to", "notebook", "run"]

HOST = "127.0.0.1"
"""Where Voila listens: this machine only."""
NOTEBOOK = "smexplore-board.ipynb"
"""The name of the notebook Voila serves (its page's title)."""
WRITES = ("servicem8",)
"""The systems whose records the board can change (``BoardModel.writable``: ServiceM8's bookings and
allocations); their demo Sessions are opened writable."""
_READY_SECONDS = 60.0
_STOP_SECONDS = 10.0
_DESCRIPTION = """\
Open the schedule board (sm.Board) as a web app: one week of the account's people, work and load,
to move through, filter, search and click, with who is free beside it; on ServiceM8, reassign or
unallocate a booking or allocation (after a confirmation). With --demo and no --system, the demo
accounts of every system on one board. The board runs in a Jupyter kernel under Voila, which
this command starts on a notebook of its own (in a temporary folder, or --out) and serves at
127.0.0.1 until Ctrl-C; the address is printed. Needs Voila: pip install 'smexplore[board]'."""
_EPILOG = """\
examples:
  smexplore board --demo                          every system's demo account on one board
  smexplore board --demo --system ruddr --port 8866
  smexplore board --system servicem8 --writable   a live account, reassignments allowed
  smexplore board --demo --browser --out board/   open a browser; keep the notebook in board/"""


def add_to(commands: argparse._SubParsersAction) -> None:
    """Add the ``board`` command to the ``smexplore`` parser."""
    parser = session_subparser(commands, "board", "open the schedule board in the browser (Voila)", _DESCRIPTION,
                               _EPILOG, run)
    parser.add_argument("--port", type=port, default=8866,
                        help="port Voila listens on, 0 to 65535 (default 8866; 0 picks a free one)")
    parser.add_argument("--browser", action="store_true", help="open the board in the web browser once it serves")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="folder to write the board's notebook to, and keep it (default: a temporary one)")
    parser.add_argument("--writable", action="store_true",
                        help=f"live {listing(_display(name) for name in WRITES)}: let the board change records "
                             "(demo accounts always can)")
    # No --system given: with --demo, every system; else the default system, as the other commands.
    parser.set_defaults(system=None)
    for action in parser._actions:
        if action.dest == "system":
            action.help = (f"the account's system (default {default_system().name}; with --demo and no --system, "
                           "every system)")


def _display(name: str) -> str:
    system = systems.SYSTEMS.get(name)
    return system.display_name if system is not None else name


def chosen(args: argparse.Namespace) -> list[System]:
    """The systems on the board: ``--system``'s, else every system with ``--demo``, else the default one."""
    if args.system is not None:
        return [systems.get(args.system)]
    return list(systems.SYSTEMS.values()) if args.demo else [default_system()]


def _check(args: argparse.Namespace) -> list[System]:
    """Wrong usage (exit 2) before anything starts, as the other commands on one account check it."""
    every = chosen(args)
    check_usage(argparse.Namespace(**{**vars(args), "system": every[0].name}))
    if args.writable:
        if args.demo:
            args.usage_error("--writable is for live accounts: demo accounts on the board are writable already")
        if every[0].name not in WRITES:
            args.usage_error(f"--writable: the board changes only {listing(_display(name) for name in WRITES)}'s "
                             f"records; {every[0].display_name}'s are read-only")
    return every


def _call(function: str, options: dict[str, Any]) -> str:
    return f"{function}({', '.join(f'{name}={value!r}' for name, value in options.items())})"


def notebook(args: argparse.Namespace) -> dict[str, Any]:
    """The notebook that opens the board (nbformat 4, as JSON data): each Session opened in the kernel.

    Live Sessions read their credentials from the environment (``--api-key`` is passed to Voila's
    environment, never written here); options given on the command line are written as arguments.
    """
    every = chosen(args)
    common: dict[str, Any] = {"progress": False}
    common.update({name: getattr(args, name) for name in ("timezone", "cache", "store") if getattr(args, name)})
    if args.offline:
        common["offline"] = True
    imports, sessions = [], []
    for system in every:
        alias = system.name
        imports.append(f"import {system.session_module} as {alias}")
        options = dict(common)
        if args.demo:
            options.update({name: value for name, value in (("seed", args.seed), ("scale", args.scale))
                            if value is not None})
            if system.name in WRITES:
                options["writable"] = True
            sessions.append(_call(f"{alias}.demo", options))
        else:
            if system.account is not None and args.account is not None:
                options[system.account.parameter] = args.account
            if args.writable:
                options["writable"] = True
            sessions.append(_call(f"{alias}.connect", options))
    what = "demo account" if args.demo else "account"
    names = listing(system.display_name for system in every)
    title = (f"# The schedule board\n\nThe {names} {what}{'s' if len(every) > 1 else ''}: move through the weeks, "
             "filter, search, hover a bar to name it and click it to see its record and the related ones.")
    code = "\n".join(["import smexplore as sm", *imports, "", "board = sm.Board(",
                      *(f"    {session}," for session in sessions), ")", "board"])
    cells: list[dict[str, Any]] = [{"cell_type": "markdown", "metadata": {}, "source": title},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": code}]
    return {"nbformat": 4, "nbformat_minor": 5, "cells": [{**cell, "id": f"cell-{i}"} for i, cell in enumerate(cells)],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}}


def _needs_voila() -> None:
    missing = [name for name in ("voila", "ipykernel") if importlib.util.find_spec(name) is None]
    if missing:
        raise SMExploreError("smexplore board needs Voila: pip install 'smexplore[board]'")


def _free_port(number: int) -> int:
    """``number``, checked free on ``HOST`` (0: a free one the system picks).

    Raises:
        OSError: The port is taken (Voila would quietly pick another).
    """
    with socket.socket() as probe:
        try:
            probe.bind((HOST, number))
        except OSError as error:
            raise OSError(error.errno, f"cannot listen on {HOST}:{number}: {error.strerror}") from error
        return int(probe.getsockname()[1])


def _environment(args: argparse.Namespace, every: list[System]) -> dict[str, str]:
    """Voila's environment: this one, and ``--api-key`` as the variable the kernel's ``connect`` reads."""
    env = dict(os.environ)
    variables = [way[0] for way in every[0].credentials if len(way) == 1]
    if args.api_key is not None and not args.demo and variables:
        env[variables[0]] = args.api_key
    return env


@contextlib.contextmanager
def _folder(out: str | None) -> Iterator[Path]:
    if out is None:
        with tempfile.TemporaryDirectory(prefix="smexplore-board-") as temporary:
            yield Path(temporary)
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM stops the board as Ctrl-C does (Voila is stopped too, not left behind)."""
    def interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait_until_serving(voila: subprocess.Popen[bytes], number: int) -> None:
    """Returns once Voila accepts connections on ``number``.

    Raises:
        SMExploreError: Voila stopped first (its messages are on stderr above), or did not serve in time.
    """
    deadline = time.monotonic() + _READY_SECONDS
    while time.monotonic() < deadline:
        if voila.poll() is not None:
            raise SMExploreError(f"Voila stopped (exit {voila.returncode}) before serving on {HOST}:{number}; its "
                                 "messages are above")
        with contextlib.suppress(OSError), socket.create_connection((HOST, number), timeout=0.5):
            return
        time.sleep(0.1)
    raise SMExploreError(f"Voila did not serve on {HOST}:{number} within {_READY_SECONDS:.0f} s")


def _stop(voila: subprocess.Popen[bytes]) -> None:
    if voila.poll() is None:
        voila.terminate()  # Voila stops its kernel on SIGTERM
        try:
            voila.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            voila.kill()
            voila.wait()


def run(args: argparse.Namespace) -> int:
    """Write the board's notebook, serve it with Voila and print its address; returns when Voila stops."""
    every = _check(args)
    _needs_voila()
    if not args.demo:
        require_credentials(every[0], args.api_key)
    number = _free_port(args.port)
    with _folder(args.out) as folder, _stopped_by_sigterm():
        path = folder / NOTEBOOK
        path.write_text(json.dumps(notebook(args), indent=1) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "voila", str(path), f"--port={number}", "--no-browser",
                   f"--Voila.ip={HOST}", "--Voila.port_retries=0", "--Voila.log_level=ERROR"]
        # Voila's messages go to stderr, with its own (stdout holds only the address).
        voila = subprocess.Popen(command, cwd=folder, env=_environment(args, every), stdin=subprocess.DEVNULL,
                                 stdout=sys.stderr.fileno())
        try:
            _wait_until_serving(voila, number)
            url = f"http://{HOST}:{number}/"
            print(f"The schedule board is at {url} (Ctrl-C stops it)", flush=True)
            if args.browser:
                webbrowser.open(url)
            status = voila.wait()
        finally:
            _stop(voila)
    if status != 0:
        raise SMExploreError(f"Voila stopped (exit {status}); its messages are above")
    return 0
