"""The command line: ``smexplore emulator`` serves until interrupted; ``smexplore demo`` summarises."""

from __future__ import annotations

import itertools
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


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_demo_command_summarises_the_account(small_account_records: Account, tmp_path: Path) -> None:
    """`demo` runs, names job statuses with their counts, lists bookings by staff member; for Ruddr,
    the records pulled, the busiest members' utilisation and a selective pull; for Accelo and Syncd,
    the records pulled, last week's hours and a selective pull each; draws three PNGs."""
    result = subprocess.run([sys.executable, "-m", "smexplore.cli", "demo", "--out", str(tmp_path)], cwd=ROOT,
                            env=_env(), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    statuses = re.findall(r"^\s*(Quote|Work Order|Completed|Unsuccessful)\s+[\d,]+\s*$", out, re.MULTILINE)
    assert {"Quote", "Work Order", "Completed"} <= set(statuses), out
    headings = ["Bookings", "Ruddr demo workspace", "Accelo demo deployment", "Syncd demo account", "Pictures:"]
    assert all(heading in out for heading in headings), out
    starts = [out.index(heading) for heading in headings]
    assert starts == sorted(starts), out
    bookings, ruddr, accelo, syncd = (out[a:b] for a, b in itertools.pairwise(starts))
    names = {f"{s['first']} {s['last']}" for s in small_account_records.tables["staff"]}
    assert any(name in bookings for name in names), bookings

    pulled = re.search(r"^Records pulled: ([\d,]+) allocations, ([\d,]+) members, ([\d,]+) time entries, "
                       r"in (\d+) requests$", ruddr, re.MULTILINE)
    assert pulled and all(_count(n) > 0 for n in pulled.groups()), ruddr
    assert "Busiest members" in ruddr and "'s allocations this week" in ruddr, ruddr
    table = ruddr[ruddr.index("Busiest members"):ruddr.index("'s allocations this week")]
    number = r"\s+(\d+\.\d|NaN)"
    rows = re.findall(rf"^(\S.*?){number * 5}\s*$", table, re.MULTILINE)
    assert len(rows) == 5, table
    busiest = re.search(r"^(.+)'s allocations this week", ruddr, re.MULTILINE)
    assert busiest and busiest[1] == rows[0][0], ruddr  # the selective pull is the busiest member's
    assert re.search(r"query parameters sent: memberId=[0-9a-f-]{36} & startOnBefore=\S+ & endOnAfter=\S+", ruddr)
    selective = re.search(r"^Selective pull: ([\d,]+) records in 1 request, against ([\d,]+) records for the whole "
                          r"list$", ruddr, re.MULTILINE)
    assert selective, ruddr
    assert 0 < _count(selective[1]) < _count(selective[2]) == _count(pulled[1])

    pulled = re.search(r"^Records pulled: ([\d,]+) jobs, ([\d,]+) staff, ([\d,]+) tasks, in (\d+) requests$",
                       accelo, re.MULTILINE)
    assert pulled and all(_count(n) > 0 for n in pulled.groups()), accelo
    logged = re.findall(r"^(\S.*?)\s+(\d+\.\d)\s+(\d+\.\d)\s*$", accelo, re.MULTILINE)
    assert len(logged) == 5 and all(float(total) >= float(billable) for _, total, billable in logged), accelo
    busiest = re.search(r"^(.+)'s activities last week, filtered by Accelo's _filters:$", accelo, re.MULTILINE)
    assert busiest and busiest[1] == logged[0][0], accelo
    assert re.search(r"_filters sent: staff\(\d+\),date_started_after\(\d+\),date_started_before\(\d+\)$", accelo,
                     re.MULTILINE), accelo
    # two requests: the page, and the empty page that ends the list (a short page may be a server's cap)
    selective = re.search(r"^Selective pull: ([\d,]+) records in 2 requests, against ([\d,]+) records for the whole "
                          r"list \(counted by the server in one request\)$", accelo, re.MULTILINE)
    assert selective and 0 < _count(selective[1]) < _count(selective[2]), accelo

    pulled = re.search(r"^Records pulled: ([\d,]+) jobs, ([\d,]+) users, ([\d,]+) time entries, in (\d+) requests$",
                       syncd, re.MULTILINE)
    assert pulled and all(_count(n) > 0 for n in pulled.groups()), syncd
    assert re.search(r"^Jobs by level: [\d,]+ \w+(, [\d,]+ \w+)+$", syncd, re.MULTILINE), syncd
    entered = re.findall(r"^(\S.*?)\s+(\d+\.\d)\s*$", syncd, re.MULTILINE)
    assert len(entered) == 5, syncd
    busiest = re.search(r"^(.+)'s time entries last week, selected by Syncd's path and parameters:$", syncd,
                        re.MULTILINE)
    assert busiest and busiest[1] == entered[0][0], syncd
    assert re.search(r"request sent: /time_entries\.xml\?user_id=\d+&start_date=\S+&end_date=\S+$", syncd,
                     re.MULTILINE), syncd
    selective = re.search(r"^Selective pull: ([\d,]+) records in 1 request, against ([\d,]+) records for the whole "
                          r"list$", syncd, re.MULTILINE)
    assert selective and 0 < _count(selective[1]) < _count(selective[2]) == _count(pulled[3]), syncd

    for picture in ("week-timeline.png", "utilisation.png", "all-systems-timeline.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert picture in out
    assert out.splitlines()[-1] == "Open the schedule board: smexplore board --demo (or notebooks/09-the-board.ipynb)"


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
