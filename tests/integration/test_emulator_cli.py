"""The command line: ``smexplore emulator`` serves until interrupted; ``smexplore demo`` summarises."""

from __future__ import annotations

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

from smexplore.emulator import Account, Emulator

ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"serving at (http://127\.0\.0\.1:(\d+)/api_1\.0)\s*$")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    """Copy a child's output into a queue, line by line (None at the end)."""
    for line in stream:
        into.put(line)
    into.put(None)


def _next_line(lines: queue.Queue[str | None], timeout: float = 30.0) -> str:
    line = lines.get(timeout=timeout)
    assert line is not None, "the emulator exited before printing its address"
    return line


def test_emulator_command_serves_until_interrupted() -> None:
    """`emulator --port 0` prints its URL and key, answers real requests with that key, stops on SIGINT."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smexplore.cli", "emulator", "--port", "0", "--seed", "1", "--api-key", "mykey"],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        first, second = _next_line(lines), _next_line(lines)
        match = SERVING.search(first)
        assert match, first
        base_url, port = match.group(1), int(match.group(2))
        assert port > 0
        assert "seed 1" in first
        assert "mykey" in second

        response = requests.get(f"{base_url}/category.json", headers={"X-Api-Key": "mykey"}, timeout=10)
        assert response.status_code == 200
        assert response.json() and all("uuid" in record for record in response.json())
        refused = requests.get(f"{base_url}/category.json", headers={"X-Api-Key": "smexplore-demo-key-0000"},
                               timeout=10)
        assert refused.status_code == 401

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        stderr = process.stderr.read() if process.stderr else ""
        assert "mykey" not in stderr  # the per-request console log carries paths, never the key
        assert "/api_1.0/category.json" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_demo_command_summarises_the_account(small_account_records: Account, tmp_path: Path) -> None:
    """`demo` runs, names job statuses with their counts, lists bookings by staff member, draws two PNGs."""
    result = subprocess.run([sys.executable, "-m", "smexplore.cli", "demo", "--out", str(tmp_path)], cwd=ROOT,
                            env=_env(), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    statuses = re.findall(r"^\s*(Quote|Work Order|Completed|Unsuccessful)\s+[\d,]+\s*$", out, re.MULTILINE)
    assert {"Quote", "Work Order", "Completed"} <= set(statuses), out
    assert "Bookings" in out
    bookings = out[out.index("Bookings"):]
    names = {f"{s['first']} {s['last']}" for s in small_account_records.tables["staff"]}
    assert any(name in bookings for name in names), bookings
    for picture in ("week-timeline.png", "utilisation.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_busy_port_raises_oserror_instead_of_exiting(small_account_records: Account) -> None:
    """werkzeug alone prints to stderr and calls sys.exit(1); the emulator raises a clear OSError."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        emulator = Emulator(account=small_account_records)
        with pytest.raises(OSError, match=rf"cannot listen on 127\.0\.0\.1:{port}: .*in use"):
            emulator.start(port=port)
        with pytest.raises(OSError, match="in use"):
            emulator.serve_forever(port=port)
    assert "not running" in repr(emulator)
