"""Wall time of every book and solution notebook against the 60-second budget (2 CPU cores)."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_lib.paths import repo_path

BUDGET_S = 60.0


def time_notebook(path: Path, timeout: int = 600) -> float:
    """Execute ``path`` in its own folder (outputs discarded); return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - t0


def bench() -> list[str]:
    root = repo_path("COURSE_REPO_DIR", "book").parent
    paths = sorted((root / "book").glob("*/*.ipynb")) + sorted((root / "solutions").glob("lab*.ipynb"))
    lines, over = [], 0
    for path in paths:
        seconds = time_notebook(path)
        flag = "ok" if seconds <= BUDGET_S else "OVER BUDGET"
        over += seconds > BUDGET_S
        lines.append(f"{str(path.relative_to(root)):48s} {seconds:6.1f} s  {flag}")
    lines.append(f"{len(paths)} notebooks, {over} over the {BUDGET_S:.0f} s budget")
    return lines
