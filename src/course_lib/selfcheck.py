"""``course check NOTEBOOK``: grade your own lab before handing it in, the way the autograder will.

The notebook runs in a fresh process with the autograder's own machinery (nothing of the open
Jupyter session is reused), with the **public** tests: each graded test cell is put back from the
released lab (``course_lib/released_labs/`` in an installed wheel, ``labs/`` in a clone), exactly
as the autograder puts back its own copy, so an edited or deleted test cell counts as it would
there. No solutions and no hidden tests are needed, so the score is the autograder's minus
whatever its hidden tests would catch. The command prints one row per graded cell and the
score, shows a progress bar against the time limit while the notebook runs, and exits with 1
when a graded cell does not get its points (0 when all do, 2 when the notebook cannot be checked).

This module is a thin adapter over the grader's public functions
(:func:`course_lib.grading.grade.load_lab` and :func:`course_lib.grading.grade.grade_submission`);
the scoring rules live there only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from course_lib.labs import lab_names, released_lab, released_labs_dir

__all__ = ["identify_lab", "check_notebook", "report_lines", "add_arguments", "main",
           "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MB", "SELF"]

DEFAULT_TIMEOUT = 120.0  # s, the autograder's default wall-time limit per notebook
DEFAULT_MEMORY_MB = 2048  # the autograder's default address-space limit
SELF = "self-check"  # the "student" name in the record (never a folder name, so nothing is copied)


def _grade_ids(path: Path) -> set[str]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        return {c["metadata"]["nbgrader"]["grade_id"] for c in nb.get("cells", [])
                if isinstance(c.get("metadata", {}).get("nbgrader"), dict)
                and c["metadata"]["nbgrader"].get("grade_id")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def identify_lab(notebook: Path, labs_dir: Path) -> str:
    """Which released lab a notebook is: its file name (``lab03_lstm.ipynb``, also a browser's
    ``lab03_lstm (1).ipynb``), else the lab sharing the most graded-cell ids with it.

    Raises:
        ValueError: if no released lab matches.
    """
    names = lab_names(labs_dir)
    stem = notebook.stem
    for name in sorted(names, key=len, reverse=True):
        if stem == name or stem.startswith(name):
            return name
    ids = _grade_ids(notebook)
    overlap = {name: len(ids & _grade_ids(released_lab(name, labs_dir))) for name in names}
    best = max(overlap, key=overlap.get, default=None)
    if best is None or overlap[best] == 0:
        raise ValueError(f"{notebook} is none of the released labs ({', '.join(names)}); "
                         "name it after its lab or pass --lab NAME")
    return best


def check_notebook(notebook: str | Path, *, lab: str | None = None, labs_dir: str | Path | None = None,
                   timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = DEFAULT_MEMORY_MB,
                   progress: bool = True) -> dict:
    """Grade ``notebook`` against the public tests of its released lab; return the grader's record.

    The record is :func:`course_lib.grading.grade.grade_submission`'s: ``cells`` (``grade_id``,
    ``points``, ``score``, ``message``), ``total``, ``max``, ``status``, ``notes``, ``seconds``.

    Raises:
        FileNotFoundError: the notebook or the released labs cannot be found.
        ValueError: the notebook matches no released lab, or that lab cannot be graded.
    """
    from course_lib.grading.grade import GradeError, grade_submission, load_lab

    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook}")
    folder = Path(labs_dir) if labs_dir is not None else released_labs_dir()
    name = lab.removesuffix(".ipynb") if lab else identify_lab(notebook, folder)
    released_lab(name, folder)  # KeyError naming the known labs, before anything runs
    try:
        spec = load_lab(name, folder)  # the released lab stands in for the solution: public tests only
    except GradeError as exc:
        raise ValueError(str(exc)) from exc
    data = notebook.read_bytes()  # read once, before anything runs, as the grader does
    box: dict = {}

    def work() -> None:
        box["record"] = grade_submission(SELF, notebook, data, spec, timeout=timeout, memory_mb=memory_mb)

    worker = threading.Thread(target=work, name="course-check", daemon=True)
    worker.start()
    _wait(worker, timeout, f"{name}: running", progress)
    return box["record"]


def _wait(worker: threading.Thread, timeout: float, desc: str, progress: bool) -> None:
    from tqdm.auto import tqdm

    t0 = time.monotonic()
    fmt = "{desc}: {bar} {n:.0f} s of the {total:.0f} s limit"
    with tqdm(total=timeout, desc=desc, bar_format=fmt, disable=not progress, file=sys.stderr, leave=False) as bar:
        while worker.is_alive():
            worker.join(0.25)
            bar.update(min(timeout, time.monotonic() - t0) - bar.n)
    worker.join()


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def _fmt(x: float) -> str:
    return f"{x:g}"


def report_lines(record: dict) -> list[str]:
    """The per-cell table, the score, and what went wrong, as text lines for a terminal."""
    cells = record["cells"]
    width = max([len("cell"), *(len(c["grade_id"]) for c in cells)])
    lines = [f"{record['lab']}: public tests, run the way the autograder runs them "
             f"({record['seconds']:.1f} s)", "",
             f"  {'cell':<{width}}  points  result"]
    for c in cells:
        mark = "ok " if c["score"] >= c["points"] else "FAIL"
        pts = f"{_fmt(c['score'])} / {_fmt(c['points'])}"
        lines.append(f"  {c['grade_id']:<{width}}  {pts:<6}  {mark} {_first_line(c['message'])[:100]}")
    lines += ["", f"score: {_fmt(record['total'])} / {_fmt(record['max'])}   status: {record['status']}"]
    lines += [f"note: {n}" for n in record["notes"]]
    failed = [c for c in cells if c["score"] < c["points"]]
    if failed:
        lines += ["", "What went wrong:"]
        for c in failed:
            lines.append(f"- {c['grade_id']}:")
            lines += [f"    {ln}" for ln in str(c["message"]).strip().splitlines()]
    lines += [f"- another cell failed: cell {e['cell']}: {e['error']}" for e in record.get("errors", [])]
    if not failed:
        lines += ["", "Every graded cell passed its public tests. The autograder also runs hidden tests."]
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path, help="your lab notebook, e.g. labs/lab03_lstm.ipynb")
    parser.add_argument("--lab", default=None, help="which lab it is (default: from its name or its test cells)")
    parser.add_argument("--labs", type=Path, default=None, help="folder of released labs (default: the installed copy)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="wall-time limit, s")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, help="address-space limit, MB (0: none)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    try:
        record = check_notebook(args.notebook, lab=args.lab, labs_dir=args.labs, timeout=args.timeout,
                                memory_mb=args.memory or None, progress=not args.no_progress)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"course check: {exc}", file=sys.stderr)
        return 2
    for line in report_lines(record):
        print(line)
    return 0 if all(c["score"] >= c["points"] for c in record["cells"]) else 1
