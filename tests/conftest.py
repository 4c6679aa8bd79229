"""Shared fixtures: real emulators on loopback, and HTTP sessions that talk to them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from smexplore.emulator import Emulator, build_account


class FakeClock:
    """A monotonic clock the test moves by hand (for rate-limit windows and cursor ages)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def small_account_records():
    """The small demo account (seed 0), built once; tests must not change it (copy first)."""
    return build_account(0, "small")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """A read-mostly emulator on the small demo account, shared by one test module.

    Rate limits are raised so that a module's many requests are never throttled; tests that
    write or inject faults should use ``fresh_emulator`` instead.
    """
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000) as emu:
        yield emu


@pytest.fixture
def fresh_emulator() -> Iterator[Emulator]:
    """An emulator of its own for one test (writes and faults stay inside the test)."""
    with Emulator(seed=0, scale="small", per_minute=100_000, per_day=1_000_000) as emu:
        yield emu


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


def api_session(emu: Emulator) -> requests.Session:
    """A plain requests session carrying the emulator's API key."""
    session = requests.Session()
    session.headers["X-Api-Key"] = emu.api_key
    return session


@pytest.fixture
def api(emulator: Emulator) -> Iterator[requests.Session]:
    with api_session(emulator) as session:
        yield session


@pytest.fixture
def session_for():
    """Factory: ``session_for(emu)`` → a requests session with that emulator's API key."""
    sessions: list[requests.Session] = []

    def make(emu: Emulator) -> requests.Session:
        sessions.append(api_session(emu))
        return sessions[-1]

    yield make
    for session in sessions:
        session.close()


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def docs_site() -> Path:
    """The documentation site, ``docs/_build/html``, built as ``make docs`` builds it.

    Sphinx builds incrementally, so after ``make docs`` this takes a few seconds. Warnings are
    errors, as in ``make docs``: a site that warns fails the tests that need it. The environment
    variable ``SMEXPLORE_DOCS_SITE`` names another folder to build into.
    """
    site = Path(os.environ.get("SMEXPLORE_DOCS_SITE", ROOT / "docs" / "_build" / "html"))
    subprocess.run([sys.executable, str(ROOT / "tools" / "fetch_widgets_js.py")], check=True, cwd=ROOT)
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(site)],
        check=False, capture_output=True, text=True, cwd=ROOT,
    )
    if build.returncode != 0:
        pytest.fail(f"the documentation site does not build (make docs):\n{build.stderr[-6000:]}")
    return site
