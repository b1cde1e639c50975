"""Autograder throughput: 30 submissions of lab 00 graded with ``-j 2`` (target: <= 2 minutes).

The 30 notebooks are built from the released lab: two thirds answered with the solution's code
(full marks), one third left unchanged (``NotImplementedError``), so both the passing and the
failing paths are timed. Each submission is one child process with everything a real run has
(:mod:`course_lib.grading.sandbox`: its own copy of course_lib and the data, Landlock, its own
uid as root), and every graded cell is judged in this process on salted inputs.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat

from course_lib.grading.grade import grade_many, load_lab
from course_lib.grading.release import BEGIN_SOLUTION, END_SOLUTION, notebook_bytes, release_notebook

__all__ = ["bench", "answered_notebook"]

N_SUBMISSIONS, JOBS, TARGET_S = 30, 2, 120.0
_REPO = Path(__file__).resolve().parents[3]


def answered_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The released lab with every answer cell filled in from the solution (markers removed)."""
    released = release_notebook(solution)
    for mine, theirs in zip(released.cells, solution.cells, strict=True):
        if mine.get("metadata", {}).get("nbgrader", {}).get("solution"):
            mine.source = "\n".join(ln for ln in theirs.source.split("\n")
                                    if ln.strip() not in (BEGIN_SOLUTION, END_SOLUTION))
    return released


def bench() -> list[str]:
    name = "lab00_warmup"
    lab = load_lab(name, _REPO / "solutions")
    good = notebook_bytes(answered_notebook(lab.solution))
    stub = notebook_bytes(release_notebook(lab.solution))
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as tmp:
        subs = {}
        for i in range(N_SUBMISSIONS):
            path = Path(tmp) / f"student{i:02d}" / f"{name}.ipynb"
            path.parent.mkdir()
            path.write_bytes(stub if i % 3 == 2 else good)
            subs[path.parent.name] = (path, path.read_bytes())
        t0 = time.perf_counter()
        records = grade_many(subs, lab, jobs=JOBS, timeout=120.0, memory_mb=2048)
        elapsed = time.perf_counter() - t0
    full = sum(r["total"] == lab.max_points for r in records.values())
    statuses = sorted({r["status"] for r in records.values()})
    confined = all(r.get("reads_confined") for r in records.values())
    uids = {r.get("uid") for r in records.values()} - {None}
    return [f"lab: {name}; reads confined (Landlock): {'yes' if confined else 'NO'}; "
            f"own uids: {len(uids) if uids else 'no (not root)'}",
            f"{N_SUBMISSIONS} submissions, -j {JOBS}: {elapsed:.1f} s ({elapsed / N_SUBMISSIONS:.2f} s each), "
            f"target <= {TARGET_S:.0f} s: {'met' if elapsed <= TARGET_S else 'MISSED'}",
            f"{full} with full marks, {N_SUBMISSIONS - full} without; statuses: {', '.join(statuses)}"]
