"""The account commands as a shell sees them: ``smexplore sync``, ``pull``, ``timeline`` and ``cache``.

Each test runs the real command in a subprocess (``python -m smexplore … --demo``, the small
account) and checks what it wrote against what a Session in this process says. Subprocesses cost a
second or two each, so each test runs as few as it can.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import smexplore as sm
from smexplore import cli

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ("SERVICEM8_API_KEY", "RUDDR_TOKEN", "ACCELO_TOKEN", "ACCELO_CLIENT_ID", "ACCELO_CLIENT_SECRET",
               "ACCELO_DEPLOYMENT", "SYNCD_USER", "SYNCD_PASSWORD")
QUOTES = "status eq 'Quote'"


def smexplore_cmd(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m smexplore ARGS`` with no credentials in the environment (but ``env``'s), output captured
    (stderr a pipe)."""
    clean = {key: value for key, value in os.environ.items() if key not in CREDENTIALS}
    return subprocess.run([sys.executable, "-m", "smexplore", *args], cwd=cwd,
                          env={**clean, "PYTHONUNBUFFERED": "1", **(env or {})}, capture_output=True, text=True,
                          timeout=120, check=False)


def assert_done(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Exit 0, nothing on the (piped) stderr: no progress bar, no ``\\r``; returns stdout's lines."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout.splitlines()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str, status: int = 1) -> str:
    """Exit ``status``, nothing on stdout, and the last stderr line an error naming ``words`` (no traceback).

    A failure (1) is one ``smexplore: error:`` line; wrong usage (2) is argparse's usage and one error line.
    """
    assert result.returncode == status, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    if status == 1:
        assert len(lines) == 1, result.stderr
    assert lines[-1].startswith("smexplore: error: " if status == 1 else "smexplore "), result.stderr
    assert all(word in lines[-1] for word in words), lines[-1]
    return lines[-1]


@pytest.fixture(scope="module")
def servicem8() -> Iterator[sm.Session]:
    with sm.demo() as session:
        yield session


def test_pull_writes_the_sessions_frame_as_parquet(servicem8: sm.Session, tmp_path: Path) -> None:
    """--where filters (the frame holds only quotes, fewer than all jobs); the file equals the Session's frame."""
    path = tmp_path / "quotes.parquet"
    lines = assert_done(smexplore_cmd("pull", "job", "--demo", "--where", QUOTES, "-o", str(path)))
    expected = servicem8.frame("job", QUOTES)
    assert lines == [f"{len(expected):,} records of job → {path}"]
    written = pd.read_parquet(path)
    pd.testing.assert_frame_equal(written, expected)
    assert 0 < len(written) < len(servicem8.jobs())
    assert set(written["status"]) == {"Quote"}


def test_pull_writes_csv_enriched(servicem8: sm.Session, tmp_path: Path) -> None:
    path = tmp_path / "activities.csv"
    lines = assert_done(smexplore_cmd("pull", "jobactivity", "--enrich", "--demo", "-o", str(path)))
    expected = servicem8.frame("jobactivity", enrich=True)
    assert lines == [f"{len(expected):,} records of jobactivity → {path}"]
    assert path.read_text() == expected.to_csv(index=False)
    assert "staff_name" in pd.read_csv(path).columns


@pytest.mark.parametrize(("system", "resource"), [("ruddr", "members"), ("accelo", "staff"),
                                                  ("syncd", "jobs")])
def test_pull_works_on_every_system(system: str, resource: str, tmp_path: Path) -> None:
    """Syncd's jobs take three pages: no progress bar reaches the piped stderr."""
    path = tmp_path / f"{resource}.parquet"
    lines = assert_done(smexplore_cmd("pull", resource, "--system", system, "--demo", "-o", str(path)))
    with getattr(sm, system).demo() as session:
        expected = session.frame(resource)
    assert lines == [f"{len(expected):,} records of {resource} → {path}"]
    pd.testing.assert_frame_equal(pd.read_parquet(path), expected)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_shows_on_a_terminal_and_stdout_holds_only_the_result(tmp_path: Path) -> None:
    """With stderr a terminal, Syncd's pages of time entries show a bar there (on a pipe, above, none)."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    reader, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # tqdm draws nothing 0 wide
    shown: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(reader, 4096)
            except OSError:  # the terminal's last writer has gone
                return
            if not data:
                return
            shown.append(data)

    path = tmp_path / "entries.csv"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TQDM_")}
    with subprocess.Popen([sys.executable, "-m", "smexplore", "pull", "time_entries", "--system", "syncd", "--demo",
                           "-o", str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=terminal) as process:
        os.close(terminal)
        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        stdout, _ = process.communicate(timeout=120)
        thread.join(timeout=10)
    os.close(reader)
    assert process.returncode == 0, b"".join(shown)
    assert stdout.decode().splitlines() == [f"{len(pd.read_csv(path)):,} records of time_entries → {path}"]
    assert b"time_entries: " in b"".join(shown) and b"\r" in b"".join(shown)


def test_timeline_draws_the_named_staff(servicem8: sm.Session, tmp_path: Path) -> None:
    """A week given by dates (--to's day included), two people named in any case."""
    week = servicem8.timeline_frame(start=pd.Timestamp("2026-02-23"), end=pd.Timestamp("2026-02-28"))
    busiest = list(week["staff"].value_counts().index[:2])
    path = tmp_path / "week.png"
    lines = assert_done(smexplore_cmd("timeline", "--demo", "--from", "2026-02-23", "--to", "2026-02-27",
                                      "--staff", busiest[0].upper(), "--staff", busiest[1].lower(), "-o", str(path)))
    rows = int(week["staff"].isin(busiest).sum())
    window = "ServiceM8 timeline from 2026-02-23 00:00 to 2026-02-28 00:00"
    assert lines == [f"{rows:,} spans of 2 people, {window} → {path}"]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeline_of_an_unknown_person_fails_naming_some(servicem8: sm.Session, tmp_path: Path) -> None:
    """The default window: the 7 days up to the demo account's now."""
    path = tmp_path / "nobody.png"
    now = servicem8.now.floor("D") + pd.Timedelta(hours=12)  # the demo's anchored now; the clock runs on from it
    result = smexplore_cmd("timeline", "--demo", "--staff", "Nobody", "-o", str(path))
    line = assert_one_line_error(result, "no one called 'Nobody' has time in the ServiceM8 timeline from "
                                 f"{now - pd.Timedelta(days=7):%Y-%m-%d %H}:", "some who do: ")
    some = line.split("some who do: ")[1].split(" (")[0].split(", ")
    staff = servicem8.staff()
    assert len(some) == 5 and set(some) <= set(staff["first"] + " " + staff["last"])
    assert not path.exists()


def test_sync_prints_the_summary_and_cache_info_the_paths(tmp_path: Path) -> None:
    """sync's table on stdout; cache info of a live account (no request sent) names the files under --cache."""
    summary = assert_done(smexplore_cmd("sync", "--resources", "job", "jobactivity", "--demo"))
    assert summary[0].split() == ["resource", "new", "changed", "deactivated", "requests", "seconds", "full", "note"]
    assert [line.split()[:2] for line in summary[1:]] == [["job", "2000"], ["jobactivity", "7857"]]
    env = {"SERVICEM8_API_KEY": "not-a-real-key"}
    info = dict(line.split(": ", 1) for line in assert_done(smexplore_cmd("cache", "info", "--cache", str(tmp_path),
                                                                            env=env)))
    assert Path(info["cache"]).parent == tmp_path and info["answers"] == "0"
    assert Path(info["store"]) == tmp_path / "store"
    assert "not-a-real-key" not in str(info)


@pytest.mark.skipif("cache" not in inspect.signature(sm.demo).parameters, reason="sm.demo() takes no cache= yet")
def test_sync_then_the_store_offline_and_the_cache(tmp_path: Path) -> None:
    """A demo with --cache keeps its store and cache between processes: an offline pull from the store
    equals the API's; cache info counts the answers, and clear empties it."""
    cache = tmp_path / "cache"
    demo = ["--demo", "--cache", str(cache)]
    assert_done(smexplore_cmd("sync", "--resources", "job", *demo))
    from_api, from_store = tmp_path / "api.parquet", tmp_path / "store.parquet"
    assert_done(smexplore_cmd("pull", "job", "--where", QUOTES, "--source", "api", *demo, "-o", str(from_api)))
    assert_done(smexplore_cmd("pull", "job", "--where", QUOTES, "--source", "store", "--offline", *demo,
                              "-o", str(from_store)))
    pd.testing.assert_frame_equal(pd.read_parquet(from_store), pd.read_parquet(from_api))

    info = dict(line.split(": ", 1) for line in assert_done(smexplore_cmd("cache", "info", *demo)))
    assert Path(info["cache"]).parent == cache and int(info["answers"]) > 0
    cleared = assert_done(smexplore_cmd("cache", "clear", *demo))
    assert cleared[0].startswith(f"cleared {info['answers']} answers")
    after = dict(line.split(": ", 1) for line in assert_done(smexplore_cmd("cache", "info", *demo)))
    assert after["answers"] == "0"


def test_unknown_resource_names_the_valid_ones(tmp_path: Path) -> None:
    result = smexplore_cmd("pull", "jobz", "--demo", "-o", str(tmp_path / "x.csv"))
    assert_one_line_error(result, "unknown resource 'jobz'", "did you mean 'job'?", "jobactivity, joballocation")


def test_bad_where_says_where(tmp_path: Path) -> None:
    result = smexplore_cmd("pull", "job", "--demo", "--where", "status eq 'Quote", "-o", str(tmp_path / "x.csv"))
    assert_one_line_error(result, "status eq 'Quote", "at position 10")


@pytest.mark.parametrize(("args", "words"), [
    (["pull", "job", "--demo", "-o", "jobs.xlsx"], ["jobs.xlsx", ".parquet or .csv"]),
    (["pull", "members", "--system", "ruddr", "--enrich", "--demo", "-o", "m.csv"], ["--enrich is ServiceM8's"]),
], ids=["bad suffix", "enrich on ruddr"])
def test_usage_errors_exit_2(args: list[str], words: list[str], tmp_path: Path) -> None:
    assert_one_line_error(smexplore_cmd(*args, cwd=tmp_path), *words, status=2)
    assert list(tmp_path.iterdir()) == []


def test_missing_credentials_name_the_variable(tmp_path: Path) -> None:
    result = smexplore_cmd("pull", "job", "--cache", str(tmp_path), "-o", str(tmp_path / "jobs.csv"))
    assert_one_line_error(result, "no ServiceM8 credentials", "SERVICEM8_API_KEY", "--demo")


@pytest.mark.parametrize("command", ["sync", "pull", "timeline", "cache"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """In process: the parser is the command's own, and its help needs no account."""
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: smexplore {command}")
    assert f"examples:\n  smexplore {command}" in text
    assert "``" not in text and "SERVICEM8_API_KEY" in text
