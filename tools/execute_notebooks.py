"""Execute notebooks in place so that they carry fresh outputs (what nbval compares against).

Usage: ``python tools/execute_notebooks.py [NOTEBOOK ...]`` (default: every ``notebooks/*.ipynb``).
Runs each in a fresh kernel of this environment, with the notebook's folder as working directory,
as nbval does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def _kernel_noise(output: dict) -> bool:
    """The kernel's own start-up warnings on stderr: not the notebook's output."""
    return output.get("name") == "stderr" and "[IPKernelApp]" in output.get("text", "")


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.outputs if not _kernel_noise(output)]
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb")):
        execute(Path(name).resolve())
