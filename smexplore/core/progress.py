"""Whether to show a progress bar: only where someone watches (Jupyter, a terminal), never into a file."""

from __future__ import annotations

import sys

__all__ = ["progress_wanted"]


def _in_ipython_kernel() -> bool:
    """Whether this runs in an IPython kernel (Jupyter, VS Code, Colab…), where tqdm.auto shows a widget."""
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has always loaded it
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return getattr(shell, "kernel", None) is not None


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError, OSError):  # no stderr (pythonw), a closed one, or a bare object
        return False


def progress_wanted(setting: bool) -> bool:
    """Whether to show a progress bar: ``setting`` on, and someone watching.

    Someone watches in an IPython kernel (Jupyter: tqdm.auto shows a widget) or when stderr is a
    terminal; never when stderr goes to a file or a pipe, where a bar would leave ``\\r`` residue.
    ``TQDM_DISABLE=1`` hides bars wherever they would show (tqdm honours it).
    """
    return bool(setting) and (_in_ipython_kernel() or _stderr_is_terminal())
