"""``smexplore board``: the schedule board served by Voila, and what the command checks first.

Voila comes with the test extra (``smexplore[board]``); the floor run, which has no Voila, leaves this file out.

One test starts the real command in a subprocess (``python -m smexplore board --demo --port 0``),
fetches the page Voila serves (the four demo accounts' board, run in a kernel) and stops it; the
others run ``main`` in-process, stopping before Voila starts.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest
import requests

from smexplore import cli
from smexplore.cli import board
from smexplore.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"The schedule board is at (http://127\.0\.0\.1:(\d+)/)")


def _first_line(stream: IO[str], timeout: float) -> str:
    """The stream's first line, read on a thread (a pipe cannot be read with a timeout otherwise)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def test_board_demo_serves_the_board_until_stopped() -> None:
    env = {key: value for key, value in os.environ.items() if key != "SERVICEM8_API_KEY"}
    process = subprocess.Popen([sys.executable, "-m", "smexplore", "board", "--demo", "--port", "0"], cwd=ROOT,
                               env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = _first_line(process.stdout, timeout=90)
        found = SERVING.search(line)
        assert found, line
        url, port = found[1], int(found[2])
        page = requests.get(url, timeout=90)  # Voila runs the notebook in a kernel, then answers
        assert page.status_code == 200
        text = page.text
        assert "voila" in text.lower()
        assert "The schedule board" in text  # the notebook's heading
        assert "application/vnd.jupyter.widget-view+json" in text  # the board was displayed, as a widget
        assert "Traceback" not in text and "ModuleNotFoundError" not in text
    finally:
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=30)
    assert status == 130  # stopped as by Ctrl-C
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # Voila is gone with it


@pytest.mark.parametrize(("args", "words"), [
    (["--demo", "--api-key", "k"], "--api-key cannot be used with --demo"),
    (["--demo", "--system", "ruddr", "--account", "x"], "--account is Accelo's and Syncd's, not Ruddr's"),
    (["--demo", "--writable"], "--writable is for live accounts"),
    (["--system", "ruddr", "--writable"], "--writable: the board changes only ServiceM8's records"),
    (["--scale", "large"], "--seed and --scale choose the demo account: they need --demo"),
], ids=["api-key with demo", "account of another system", "writable demo", "writable ruddr", "scale live"])
def test_usage_errors_exit_2_before_anything_starts(args: list[str], words: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["board", *args])
    assert exited.value.code == 2
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith("smexplore board: error: ") and words in line, line


def test_without_voila_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "voila", None)  # as if it were not installed
    assert cli.main(["board", "--demo"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "smexplore: error: smexplore board needs Voila: pip install 'smexplore[board]'\n"


def test_a_taken_port_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["board", "--demo", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"smexplore: error: cannot listen on 127.0.0.1:{port}: ") and len(err.splitlines()) == 1


def test_the_notebook_opens_every_demo_and_holds_no_secret() -> None:
    demo = board.notebook(build_parser().parse_args(["board", "--demo", "--seed", "2"]))
    code = demo["cells"][1]["source"]
    assert "servicem8.demo(progress=False, seed=2, writable=True)" in code
    assert all(f"{name}.demo(progress=False, seed=2)" in code for name in ("ruddr", "accelo", "syncd"))
    assert code.endswith("\nboard")  # displayed: Voila shows the cell's result
    live = build_parser().parse_args(["board", "--api-key", "s3cret-key", "--writable", "--timezone", "UTC"])
    written = json.dumps(board.notebook(live))
    assert "s3cret-key" not in written
    assert "servicem8.connect(progress=False, timezone='UTC', writable=True)" in written
    assert board._environment(live, board.chosen(live))["SERVICEM8_API_KEY"] == "s3cret-key"  # Voila's, not a file's
