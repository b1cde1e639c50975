"""Keep committed notebooks clean: execute one, keep only the outputs of *checked* cells (which
nbval then compares on every run), clear everything else.

A checked cell carries the cell tag ``nbval-check-output`` (nbval reads it from the cell's
metadata, so nothing shows on the rendered page). nbval also honours a ``# NBVAL_CHECK_OUTPUT``
comment line; :func:`is_checked` accepts both, and the book uses the tag only
(``tests/test_checked_cells.py``). See CONTRIBUTING.md, "Adding a checked cell".

``python -m course_lib nb-outputs book/02_*/*.ipynb`` after editing a notebook.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["CHECK_MARK", "CHECK_TAG", "is_checked", "refresh_checked_outputs", "strip_outputs"]

#: The cell tag that makes nbval compare a cell's output with the saved one (under --nbval-lax).
CHECK_TAG = "nbval-check-output"
#: The comment form of the same marker (nbval honours it; it would show on the page, so the book
#: does not use it).
CHECK_MARK = "NBVAL_CHECK_OUTPUT"


def is_checked(cell: dict) -> bool:
    """Whether nbval compares this code cell's output: the ``nbval-check-output`` tag, or a
    ``# NBVAL_CHECK_OUTPUT`` comment line (nbval's own reading of both)."""
    if cell.get("cell_type") != "code":
        return False
    tags = cell.get("metadata", {}).get("tags") or []
    if isinstance(tags, list) and CHECK_TAG in tags:
        return True
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return any(line.strip().startswith("#") and line.strip().lstrip("#").strip() == CHECK_MARK
               for line in source.splitlines())


def strip_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clear outputs of every code cell that is not checked (:func:`is_checked`), and the saved
    widget state (it would embed widgets whose outputs were cleared)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if not is_checked(cell):
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
