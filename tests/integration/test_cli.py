"""The command line as a shell sees it: exit codes, one-line errors, --version, --help, ports, the request log.

Each test runs the real command in a subprocess (``python -m smexplore`` or the console script),
except the exit codes of an interrupt and of an unexpected error, checked on ``main`` in-process.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import smexplore
from smexplore import cli
from smexplore.emulator import DEMO_API_KEY

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("smexplore")
SERVING = re.compile(r"serving at (http://127\.0\.0\.1:\d+/api_1\.0)")


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def smexplore_cmd(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m smexplore ARGS``, output captured."""
    return subprocess.run([sys.executable, "-m", "smexplore", *args], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1, and stderr is one ``smexplore: error:`` line naming ``words``, with no traceback."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("smexplore: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert all(word in lines[0] for word in words), lines[0]


@pytest.mark.parametrize("command", [[sys.executable, "-m", "smexplore"], [str(SCRIPT)]],
                         ids=["python -m smexplore", "console script"])
@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(command: list[str], flag: str) -> None:
    if not Path(command[0]).exists():
        pytest.skip(f"{command[0]} is not installed")
    result = subprocess.run([*command, flag], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"smexplore {smexplore.__version__}"


@pytest.mark.parametrize("args", [[], ["emulator"], ["demo"]], ids=["smexplore", "emulator", "demo"])
def test_help_is_plain_text_with_examples(args: list[str]) -> None:
    result = smexplore_cmd(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: smexplore {' '.join(args)}".rstrip())
    assert "``" not in result.stdout and ":class:" not in result.stdout
    assert "examples:\n  smexplore " in result.stdout


def test_usage_errors_exit_2() -> None:
    result = smexplore_cmd()
    assert result.returncode == 2
    assert "the following arguments are required: COMMAND" in result.stderr
    assert smexplore_cmd("nonsense").returncode == 2


@pytest.mark.parametrize("port", ["99999", "-1", "eighty"])
def test_port_outside_0_to_65535_is_a_usage_error(port: str) -> None:
    result = smexplore_cmd("emulator", "--port", port)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "argument --port" in result.stderr and "0 to 65535" in result.stderr
    assert "Traceback" not in result.stderr and "serving at" not in result.stdout


def test_runtime_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """An --out that cannot be a folder fails at once, in one line, before the demo runs."""
    (tmp_path / "file").write_text("not a folder")
    out = tmp_path / "file" / "pictures"
    assert_one_line_error(smexplore_cmd("demo", "--out", str(out)), "output folder", str(out))
    assert not out.exists()


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_debug_shows_the_traceback(tmp_path: Path, where: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    out = str(tmp_path / "file" / "pictures")
    args = ["--debug", "demo", "--out", out] if where == "before the command" else ["demo", "--debug", "--out", out]
    result = smexplore_cmd(*args)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("smexplore: error: cannot create the output folder")


def test_busy_port_fails_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = smexplore_cmd("emulator", "--port", str(port))
    assert_one_line_error(result, f"127.0.0.1:{port}", "in use")
    assert "serving at" not in result.stdout


def test_interrupt_exits_130_quietly(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == ""


def test_unexpected_error_is_one_line_naming_its_type(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def broken(args: object) -> int:
        raise ValueError("something\nwent wrong")

    monkeypatch.setattr(cli, "_run", broken)
    assert cli.main(["demo"]) == 1
    assert capsys.readouterr().err == "smexplore: error: ValueError: something went wrong\n"


def _two_requests_logged(stderr: int, **env: str) -> None:
    """Run the emulator with stderr into ``stderr``; make a refused (401) and a missing (404) request; SIGINT."""
    process = subprocess.Popen([sys.executable, "-m", "smexplore", "emulator", "--port", "0"], cwd=ROOT,
                               env=_env(**env), stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        assert process.stdout is not None
        match = SERVING.search(process.stdout.readline())
        assert match, "the emulator did not print its address"
        assert requests.get(f"{match.group(1)}/job.json", timeout=10).status_code == 401
        assert requests.get(f"{match.group(1)}/nothing.json", headers={"X-Api-Key": DEMO_API_KEY},
                            timeout=10).status_code == 404
        time.sleep(0.3)  # the log line is written after the response
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_request_log_into_a_file_has_no_colour_codes(tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        _two_requests_logged(stderr.fileno())
    text = log.read_text()
    assert '"GET /api_1.0/job.json HTTP/1.1" 401' in text
    assert '"GET /api_1.0/nothing.json HTTP/1.1" 404' in text
    assert "\x1b[" not in text


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("no_color", [False, True], ids=["terminal", "terminal with NO_COLOR"])
def test_request_log_on_a_terminal_is_coloured_unless_no_color(no_color: bool) -> None:
    controller, terminal = os.openpty()
    try:
        _two_requests_logged(terminal, **({"NO_COLOR": "1"} if no_color else {}))
    finally:
        os.close(terminal)
    try:
        text = _read_all(controller)
    finally:
        os.close(controller)
    assert "/api_1.0/job.json HTTP/1.1" in text and "/api_1.0/nothing.json HTTP/1.1" in text
    assert ("\x1b[" in text) is not no_color


def _read_all(fd: int) -> str:
    """What a pseudo-terminal holds, once every writer has closed it."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: nothing left and no writer
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
