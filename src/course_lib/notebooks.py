"""Keep committed notebooks clean: execute one, keep only the outputs of ``# NBVAL_CHECK_OUTPUT``
cells (which nbval then compares on every run), clear everything else.

``python -m course_lib nb-outputs book/02_*/*.ipynb`` after editing a notebook.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["CHECK_MARK", "refresh_checked_outputs", "strip_outputs"]

CHECK_MARK = "NBVAL_CHECK_OUTPUT"


def strip_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clear outputs of every code cell that is not marked ``# NBVAL_CHECK_OUTPUT``, and the saved
    widget state (it would embed widgets whose outputs were cleared)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if CHECK_MARK not in cell.source:
            cell.outputs = []
            cell.execution_count = None
    return nb


def refresh_checked_outputs(path: str | Path, timeout: int = 120) -> float:
    """Execute ``path`` in its folder, keep the checked outputs, write it back; return seconds taken.

    Raises:
        nbclient.exceptions.CellExecutionError: if a cell fails (the file is then left unchanged).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - t0
    strip_outputs(nb)
    # nbval only compares cells that were run (execution_count set); number the kept ones 1, 2, ...
    # so that re-running a notebook gives the same file.
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.outputs:
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = count
    text = nbformat.writes(nb)
    path.write_text(text if text.endswith("\n") else text + "\n")
    return seconds
