"""Execute notebooks in place so that they carry fresh outputs (what nbval compares against, and what
the documentation site shows: myst-nb renders the stored outputs and never executes).

Usage: ``python tools/execute_notebooks.py [NOTEBOOK ...]`` (default: every ``notebooks/*.ipynb``).
Runs each in a fresh kernel of this environment, with the notebook's folder as working directory,
as nbval does. The state of the notebook's widgets is stored in its metadata
(``metadata.widgets["application/vnd.jupyter.widget-state+json"]``), so that the site and any
viewer with a widget manager draw them as they were at the end of the run. No timings are stored:
a re-run changes only what the notebook shows.
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
    """Run the notebook at ``path`` top to bottom and write it back with its outputs and widget state."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True, record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timings a run before this one recorded
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.outputs if not _kernel_noise(output)]
    nbformat.write(notebook, path)
    widgets = len(notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
                  .get("state", {}))
    print(f"executed {path.relative_to(ROOT)}" + (f" ({widgets} widget models stored)" if widgets else ""))


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb")):
        execute(Path(name).resolve())
