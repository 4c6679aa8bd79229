"""Binder's build, simulated as closely as this machine allows: a fresh virtual environment,
exactly what binder/ says, postBuild, then every notebook executed top to bottom."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BINDER = ROOT / "binder"
# What the Binder base image brings and binder/ does not list: a kernel and a way to run notebooks.
BASE_IMAGE = ["ipykernel", "nbclient"]


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_binder_requirements_equal_the_package_dependencies() -> None:
    """The dependencies and the ``board`` extra (Voila, to open notebook 09 as an app), nothing else."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["board"]
    assert sorted(_requirements()) == sorted(declared)
    assert any(line.startswith("voila") for line in _requirements())
    assert (BINDER / "postBuild").read_text().splitlines()[:3][-1].strip() == "set -e"


def test_binder_build_runs_every_notebook(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(repo / "binder" / "requirements.txt"), *BASE_IMAGE], check=True, timeout=900)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg"}
    subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, env=env, check=True, timeout=600)
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    assert notebooks
    run = ("import sys, nbformat; from nbclient import NotebookClient\n"
           "for path in sys.argv[1:]:\n"
           "    nb = nbformat.read(path, as_version=4)\n"
           "    NotebookClient(nb, timeout=300, kernel_name='python3').execute()\n"
           "    errors = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs if o.output_type == 'error']\n"
           "    assert not errors, (path, errors)\n"
           "    print('ran', path.rsplit('/', 1)[-1])\n")
    result = subprocess.run([str(python), "-c", run, *map(str, notebooks)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.findall(r"^ran (\S+)$", result.stdout, re.MULTILINE) == [p.name for p in notebooks]
    installed = subprocess.run([str(python), "-c", "import smexplore, pathlib; print(pathlib.Path(smexplore.__file__))"],
                               env=env, capture_output=True, text=True, check=True).stdout
    assert str(repo) not in installed  # installed from the repository, not run from its source folder
