"""Grading one submission and many: run its cells (:mod:`~course_lib.grading.sandbox`), then judge.

A graded cell scores its points only if

1. it ran without error in the submission's process, and
2. :func:`course_lib.checks.protocol.judge_cell` of the *instructor's* source of that cell, the
   measurements reported with it and this run's secret salt is ok: the grader's own process
   rebuilds the inputs from the salted seeds, computes the reference and compares. Nothing the
   submission's process says about itself (prints, pipe lines, "ok") can earn a point.

Status, most serious first: ``invalid`` (not a notebook, or missing), ``timeout``, ``memory``,
``crashed`` (the process died: ``os._exit``, a signal), ``tampered``, ``ok``.
"""

from __future__ import annotations

import hashlib
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from course_lib.grading.feedback import first_line
from course_lib.grading.lab import LabSpec, is_locked, manual_answers, meta, restore_locked_cells
from course_lib.grading.references import uses_reference
from course_lib.grading.sandbox import RunResult, run_cells

__all__ = ["STATUSES", "grade_submission", "grade_many", "score_cells"]

STATUSES = ("invalid", "timeout", "memory", "crashed", "tampered", "ok")


def grade_submission(student: str, path: Path | None, data: bytes | None, lab: LabSpec, *, timeout: float,
                     memory_mb: int | None, protected: list[Path] | None = None) -> dict:
    """Grade one notebook; never raises (a grader failure becomes a ``crashed`` row)."""
    record = {"student": student, "lab": lab.name, "solution_sha256": lab.sha256,
              "sha256": hashlib.sha256(data).hexdigest() if data is not None else None,
              "scores": {gid: 0.0 for gid in lab.points}, "max": lab.max_points, "notes": [],
              "cells": [], "errors": [], "seconds": 0.0, "uses_reference": [], "manual": []}
    try:
        return _grade(record, path, data, lab, timeout, memory_mb, protected)
    except Exception as exc:  # noqa: BLE001 - one bad submission must still get exactly one row
        record.update(status="crashed", total=0.0)
        record["notes"].append(f"the grader failed on this submission: {type(exc).__name__}: {exc}")
        return record


def _invalid(record: dict, lab: LabSpec, why: str) -> dict:
    record.update(status="invalid", total=0.0)
    record["notes"].append(why)
    record["cells"] = [{"grade_id": g, "points": p, "score": 0.0, "message": "not graded: " + why}
                       for g, p in lab.points.items()]
    return record


def _reference_flags(nb: nbformat.NotebookNode, lab: LabSpec) -> list[str]:
    answers = set(lab.answers)
    flags = []
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if cell.get("cell_type") == "code" and gid in answers:
            flags += [f"{gid}: {why}" for why in uses_reference(str(cell.get("source", "")))]
    return flags


def _grade(record: dict, path: Path | None, data: bytes | None, lab: LabSpec, timeout: float,
           memory_mb: int | None, protected: list[Path] | None) -> dict:
    if path is None or data is None:
        return _invalid(record, lab, f"no {lab.name}.ipynb was submitted")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a notebook"
        detail = f"{type(exc).__name__}: {first_line(str(exc), 200)}"
        why = "the file is empty" if not data.strip() else f"not a readable notebook ({detail})"
        return _invalid(record, lab, why)
    record["uses_reference"] = _reference_flags(nb, lab)
    record["manual"] = manual_answers(nb, lab)
    cells, tampered = restore_locked_cells(nb, lab)
    record["notes"] += tampered
    jobs, where = [], {}
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        gid = meta(cell).get("grade_id")
        graded = gid in lab.points and is_locked(cell)
        if graded:
            where[gid] = i
        jobs.append({"index": i, "source": str(cell.get("source", "")), "graded": graded})
    folder = path.parent if path.parent.name == record["student"] else None
    run = run_cells(jobs, timeout=timeout, memory_mb=memory_mb, folder=folder,
                    protected=[path.parent, *(protected or [])])
    record["seconds"] = round(run.seconds, 2)
    record["isolated"] = run.isolated
    record["reads_confined"] = run.reads_confined
    record["uid"] = run.uid
    record["survivors"] = run.survivors
    score_cells(record, run, lab, where, _why_missing(run, timeout, memory_mb))
    graded_index = set(where.values())
    record["errors"] = [{"cell": r.index, "error": first_line(r.error)} for r in run.cells.values()
                        if not r.ok and r.index not in graded_index][:20]
    record["total"] = sum(record["scores"].values())
    if run.timed_out:
        status = "timeout"
    elif run.memory:
        status = "memory"
    elif not run.finished or run.returncode != 0 or len(run.cells) < len(jobs):
        status = "crashed"
    elif tampered:
        status = "tampered"
    else:
        status = "ok"
    if status in ("timeout", "memory", "crashed"):
        record["notes"].insert(0, _why_missing(run, timeout, memory_mb))
    record["status"] = status
    return record


#: Submissions run in parallel threads (``grade_submissions(jobs=...)``), but the judges rebuild their
#: references from PyTorch's and NumPy's global random generators (``torch.manual_seed`` inside
#: ``fork_rng``), which threads share: two judges at once would draw each other's numbers and fail an
#: honest submission. Judging is therefore one cell at a time; the sandboxed runs stay parallel.
_JUDGE_LOCK = threading.Lock()


def score_cells(record: dict, run: RunResult, lab: LabSpec, where: dict[str, int], why_missing: str) -> None:
    """Fill ``record["scores"]`` and ``record["cells"]``: ran without error AND judged ok here."""
    from course_lib.checks import protocol
    for gid, points in lab.points.items():
        res = run.cells.get(where[gid])
        if res is None:
            cell = {"score": 0.0, "message": "not run: " + why_missing}
        elif not res.ok:
            cell = {"score": 0.0, "message": res.error or "error"}
        else:
            with _JUDGE_LOCK:
                verdict = protocol.judge_cell(lab.sources[gid], res.records, run.salt)
            cell = {"score": points if verdict.ok else 0.0, "message": "\n".join(verdict.messages)}
        record["scores"][gid] = cell["score"]
        record["cells"].append({"grade_id": gid, "points": points, **cell})


def _why_missing(run: RunResult, timeout: float, memory_mb: int | None) -> str:
    if run.timed_out:
        return f"the notebook did not finish within the time limit of {timeout:g} s (process group killed)"
    if run.memory:
        return f"a cell ran out of memory (limit {memory_mb} MB)"
    if run.problem:
        return "the process " + run.problem
    rc = run.returncode
    if rc is not None and rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return f"the process was killed by {name}"
    if rc:
        return f"the process exited with code {rc} before the end (sys.exit is caught, os._exit is not)"
    return "the process ended before this cell"


def grade_many(submissions: dict[str, tuple[Path | None, bytes | None]], lab: LabSpec, *, jobs: int,
               timeout: float, memory_mb: int | None, protected: list[Path] | None = None,
               on_done: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
    """Grade ``student -> (path, bytes)`` with ``jobs`` submissions at a time; one record each.

    ``protected``: folders no submission may read (the submissions folder, the output folder),
    beyond the checkout. ``on_done(student, record)`` is called in this thread as each one
    finishes (progress, saving).
    """
    records: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_submission, s, path, data, lab, timeout=timeout, memory_mb=memory_mb,
                               protected=protected): s
                   for s, (path, data) in submissions.items()}
        for fut in as_completed(futures):
            records[futures[fut]] = fut.result()
            if on_done is not None:
                on_done(futures[fut], records[futures[fut]])
    return records
