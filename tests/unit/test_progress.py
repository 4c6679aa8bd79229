"""Progress bars show where someone watches (Jupyter, a terminal), never into a file or a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import textwrap
import types
from pathlib import Path

import pytest

from smexplore.core.progress import progress_wanted


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class _ClosedStream:
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


def _ipython(shell: object | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``IPython.get_ipython()`` return ``shell`` (an IPython kernel's shell has a ``kernel``)."""
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", module)


@pytest.fixture(autouse=True)
def _no_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)


@pytest.mark.parametrize("tty", [True, False])
def test_a_terminal_watches_a_file_or_pipe_does_not(monkeypatch: pytest.MonkeyPatch, tty: bool) -> None:
    monkeypatch.setattr(sys, "stderr", _Stream(tty))
    assert progress_wanted(True) is tty
    assert progress_wanted(False) is False


@pytest.mark.parametrize("stderr", [None, object(), _ClosedStream()])
def test_no_usable_stderr_means_no_bar(monkeypatch: pytest.MonkeyPatch, stderr: object) -> None:
    monkeypatch.setattr(sys, "stderr", stderr)
    assert progress_wanted(True) is False


def test_an_ipython_kernel_watches_even_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Stream(False))
    _ipython(types.SimpleNamespace(kernel=object()), monkeypatch)
    assert progress_wanted(True) is True
    assert progress_wanted(False) is False


@pytest.mark.parametrize("shell", [None, types.SimpleNamespace()], ids=["imported, no shell", "terminal IPython"])
def test_ipython_without_a_kernel_follows_the_terminal(monkeypatch: pytest.MonkeyPatch, shell: object) -> None:
    _ipython(shell, monkeypatch)
    monkeypatch.setattr(sys, "stderr", _Stream(False))
    assert progress_wanted(True) is False
    monkeypatch.setattr(sys, "stderr", _Stream(True))
    assert progress_wanted(True) is True


# --- in a real process -----------------------------------------------------------------------------
_PULL = """
    import smexplore as sm
    with sm.demo(page_size=2000) as s:  # progress=True, the default; about four pages
        print(len(s.activities()))
"""


def _environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("TQDM_")}, **extra}


def test_a_script_with_stderr_in_a_file_gets_no_bar(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(_PULL)], stdout=subprocess.PIPE, stderr=stderr,
                              text=True, timeout=120, check=True, env=_environment())
    assert int(done.stdout) > 2000  # more than one page
    text = log.read_text()
    assert "records" not in text and "\r" not in text, text


def _on_a_terminal(**env: str) -> str:
    """Run the pull with stderr on a pseudo-terminal; returns what reached it."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm fits the bar to it
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_PULL)], stdout=subprocess.DEVNULL,
                               stderr=secondary, env=_environment(**env))
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode(errors="replace")


def test_a_terminal_gets_the_bar_unless_tqdm_is_disabled() -> None:
    shown = _on_a_terminal()
    assert "jobactivity" in shown and "records" in shown
    assert "records" not in _on_a_terminal(TQDM_DISABLE="1")
