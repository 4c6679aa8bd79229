"""The registry of systems: a fifth system added through ``smexplore.systems`` alone is one the
command line lists, offers, checks and opens (issue 28: adding a system touches the registry and
its own package, nothing else)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from smexplore import cli, systems
from smexplore.core.errors import InputError
from smexplore.systems import EmulatorEntry, EmulatorOption, System

# The fake system's own package: a Session module whose demo is ServiceM8's demo under another name
# (what matters here is that nothing but the registry tells the command line about it), and a tour.
_SESSION = '''
from smexplore.servicem8 import session as _real

def demo(**options):
    return _real.demo(**options)

def connect(**options):
    raise RuntimeError(f"connect called with {sorted(options)}")
'''
_TOUR = '''
def tour(demo):
    return [f"fakeco: {len(demo.staff())} staff"]
'''
_FAKE = System(
    name="fakeco",
    display_name="FakeCo",
    session_module="fakeco_pkg.session",
    credentials=(("FAKECO_TOKEN",),),
    emulator=EmulatorEntry(
        path="smexplore.servicem8.emulator:Emulator",
        serves="a FakeCo API over a synthetic account",
        account_noun="account",
        ready="ready",
        options=(EmulatorOption("--fake-speed", "page_size", "how fast FakeCo answers (default 1)", value="whole"),),
    ),
    tour_module="fakeco_pkg.tour",
    tour_summary="FakeCo: its staff",
)


@pytest.fixture
def fifth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    package = tmp_path / "fakeco_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "session.py").write_text(textwrap.dedent(_SESSION))
    (package / "tour.py").write_text(textwrap.dedent(_TOUR))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("FAKECO_TOKEN", raising=False)
    before = dict(systems.SYSTEMS)
    systems.register(_FAKE)
    try:
        yield _FAKE
    finally:
        systems.SYSTEMS.clear()
        systems.SYSTEMS.update(before)
        for name in [name for name in sys.modules if name.startswith("fakeco_pkg")]:
            del sys.modules[name]


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_the_command_line_lists_a_system_registered_alone(fifth: System, capsys: pytest.CaptureFixture[str]) -> None:
    top = _help(capsys)
    assert "FakeCo" in top and "FAKECO_TOKEN" in top  # the description and the credentials
    for command in ("sync", "pull", "timeline", "cache", "emulator"):
        assert "fakeco" in _help(capsys, command), command  # a --system choice of every command
    emulator = _help(capsys, "emulator")
    assert "--fake-speed" in emulator and "FakeCo: how fast FakeCo answers" in emulator


def test_a_registered_system_without_its_credentials_is_told_which_to_set(
        fifth: System, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["pull", "--system", "fakeco", "staff", "-o", "x.csv"]) == 1
    err = capsys.readouterr().err
    assert "no FakeCo credentials: set FAKECO_TOKEN" in err


def test_a_registered_system_opens_its_demo_through_its_own_package(
        fifth: System, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "staff.csv"
    assert cli.main(["pull", "--system", "fakeco", "--demo", "staff", "-o", str(out)]) == 0
    staff = pd.read_csv(out)
    assert len(staff) > 0 and "uuid" in staff.columns


def test_another_systems_emulator_option_is_wrong_usage(fifth: System, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["emulator", "--system", "ruddr", "--fake-speed", "3"])
    assert exit_.value.code == 2
    assert "--fake-speed" in capsys.readouterr().err


def test_the_registry_refuses_a_second_system_of_one_name_and_names_the_known_ones(fifth: System) -> None:
    with pytest.raises(ValueError, match="'fakeco' is registered already"):
        systems.register(_FAKE)
    with pytest.raises(InputError, match="unknown system 'fakeko'.*fakeco.*the systems: servicem8, ruddr, accelo, "
                                         "syncd, fakeco"):
        systems.get("fakeko")
