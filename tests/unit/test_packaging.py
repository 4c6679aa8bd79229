"""Packaging (#13, item 4): what the sdist and the wheel carry, metadata, declared dependencies.

``test_build`` runs ``python -m build`` as a release would (isolated build environment, so it
installs setuptools from the package index: ~10–40 s on the 2-core machine) on a copy of the
source, into tmp_path; the other tests read files only.
"""

from __future__ import annotations

import ast
import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# Folders the sdist carries besides the package (MANIFEST.in), and single files.
SDIST_FOLDERS = ("tests", "tools", "notebooks", "binder", "benchmarks", "constraints", "docs")
SDIST_FILES = ("LICENSE", "README.md", "pyproject.toml", "MANIFEST.in", "Makefile", "CHANGELOG.md", "conftest.py",
               ".readthedocs.yaml")
# Imported module → distribution, where the names differ (none yet; e.g. "yaml": "PyYAML").
ALIASES: dict[str, str] = {}
# Work-tree debris that is never part of the source (mirrors .gitignore, for copies without git).
DEBRIS = shutil.ignore_patterns(".git", ".venv*", ".cache", "build", "dist", "*.egg-info", "__pycache__", "*.py[cod]",
                                ".pytest_cache", ".hypothesis", "test-artifacts", "demo-output", ".ipynb_checkpoints")


@cache
def _source_files() -> tuple[str, ...]:
    """The source's files, relative: tracked and new (not ignored) ones in a git checkout, else all but debris."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.split("\0")
        return tuple(sorted(name for name in listed if name and (ROOT / name).is_file()))
    files = []
    for folder, dirs, names in os.walk(ROOT):
        skipped = DEBRIS(folder, dirs + names)
        dirs[:] = [d for d in dirs if d not in skipped]
        files += [str(Path(folder, n).relative_to(ROOT)) for n in names if n not in skipped]
    return tuple(sorted(files))


def _requirements(requirements: list[str]) -> dict[str, Requirement]:
    parsed = [Requirement(r) for r in requirements]
    return {canonicalize_name(r.name): r for r in parsed}


def _minimum(requirement: Requirement) -> Version:
    (spec,) = [s for s in requirement.specifier if s.operator == ">="]
    return Version(spec.version)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """``python -m build`` on a copy of the source: (sdist, wheel, everything it printed)."""
    tmp = tmp_path_factory.mktemp("build")
    source, dist = tmp / "source", tmp / "dist"
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    # With PYTHONDONTWRITEBYTECODE set, setuptools warns that it skips byte-compiling: not a packaging fault.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], cwd=tmp, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    (sdist,), (wheel,) = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    return sdist, wheel, output


def test_build_runs_clean(built: tuple[Path, Path, str]) -> None:
    *_, output = built
    # File operations are listed by name; anything else that mentions a warning is one.
    file_operation = re.compile(r"\s*(copying|adding|hard linking|creating|removing|writing|reading|byte-compiling) ")
    warnings = [line for line in output.splitlines() if re.search(r"warn", line, re.IGNORECASE)
                and not file_operation.match(line)]
    assert warnings == []
    assert "Successfully built" in output


def test_wheel_metadata(built: tuple[Path, Path, str]) -> None:
    _, wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(info))
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None  # the deprecated free-text field is gone
    assert metadata.get_all("Classifier") == PROJECT["classifiers"]
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert {"Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12",
            "Programming Language :: Python :: 3.13"} <= set(PROJECT["classifiers"])
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]  # the SPDX expression says it
    assert metadata.get_all("Project-URL") == [f"{label}, {url}" for label, url in PROJECT["urls"].items()]
    assert metadata["Requires-Python"] == ">=3.11"
    required = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    runtime = {canonicalize_name(r.name) for r in required if r.marker is None}
    assert runtime == set(_requirements(PROJECT["dependencies"]))
    assert {"platformdirs", "traitlets", "numpy", "pyarrow"} <= runtime
    # The package, its typing marker, its spec data and the licence text.
    assert {"smexplore/__init__.py", "smexplore/py.typed", "smexplore/servicem8/_spec/servicem8.json"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "tools/", "notebooks/", "benchmarks/"))]


def test_sdist_carries_the_tests_and_examples(built: tuple[Path, Path, str]) -> None:
    sdist, _, _ = built
    with tarfile.open(sdist) as archive:
        top = sdist.name.removesuffix(".tar.gz")
        names = {n.removeprefix(f"{top}/") for n in archive.getnames()}
    expected = {n for n in _source_files() if n.startswith(tuple(f"{f}/" for f in SDIST_FOLDERS))} | set(SDIST_FILES)
    expected |= {n for n in _source_files() if n.startswith("smexplore/") and n.endswith((".py", ".json", ".typed"))}
    assert {n for n in expected if n.startswith("tests/unit/")} and {"tests/golden/frame_columns.json"} <= expected
    assert sorted(expected - names) == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or ".ipynb_checkpoints" in n]
    assert "PKG-INFO" in names


def test_license_file_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 smexplore developers" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]


def test_floor_constraints_pin_every_dependency_at_its_declared_minimum() -> None:
    """constraints/floor.txt (the floor environment of `make test`) pins exactly the declared minimums;
    anything else it names is a dependency of those, only held back (an upper bound)."""
    declared = _requirements(PROJECT["dependencies"])
    lines = [line.split("#")[0].strip() for line in (ROOT / "constraints" / "floor.txt").read_text().splitlines()]
    constraints = _requirements([line for line in lines if line])
    assert set(declared) <= set(constraints)
    for name, requirement in declared.items():
        (spec,) = constraints[name].specifier
        assert spec.operator == "==" and Version(spec.version) == _minimum(requirement), name
    for name in set(constraints) - set(declared):
        assert {spec.operator for spec in constraints[name].specifier} <= {"<", "!="}, name


def _imports(folder: Path) -> set[str]:
    """Top-level modules imported anywhere under ``folder``, or in that one file (absolute imports; lazy ones included)."""
    found = set()
    for path in ([folder] if folder.is_file() else folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def _distributions(modules: set[str]) -> set[str]:
    """The distributions providing ``modules`` (standard library and the project's own left out).

    A module is taken to come from the distribution of the same name (``requests_cache`` →
    ``requests-cache``); a module named otherwise than its distribution needs an entry in ``ALIASES``.
    """
    third_party = modules - {"smexplore", "tests", "tools", "benchmarks"} - set(sys.stdlib_module_names)
    return {canonicalize_name(ALIASES.get(m, m)) for m in third_party}


def test_every_import_is_declared() -> None:
    """What the code imports is declared: the package's in dependencies, the tests' in the test extras."""
    runtime = set(_requirements(PROJECT["dependencies"]))
    extras = PROJECT["optional-dependencies"]
    core = runtime | set(_requirements(extras["test-core"]))
    test = _requirements(extras["test"])
    included = {extra for extra in test["smexplore"].extras}  # smexplore[test-core,lint,board,docs]
    everything = core | {n for n in test if n != "smexplore"}
    everything |= {n for extra in included for n in _requirements(extras[extra])}
    assert _distributions(_imports(ROOT / "smexplore")) <= runtime
    for folder in ("unit", "integration"):  # these run in the floor environment: test-core only
        assert _distributions(_imports(ROOT / "tests" / folder)) <= core, folder
    # The documentation site and the examples' runner need only the docs extra.
    assert _distributions(_imports(ROOT / "docs") | _imports(ROOT / "conftest.py")) <= runtime | set(
        _requirements(extras["docs"]))
    assert "docs" in included
    assert _distributions(_imports(ROOT / "tests") | _imports(ROOT / "tools") | _imports(ROOT / "benchmarks")) <= everything
