"""The autograder: ``python -m course_lib grade SUBMISSIONS_DIR --lab labNN_slug``.

For each student (``SUBMISSIONS_DIR/<student>/labNN_slug.ipynb`` or ``SUBMISSIONS_DIR/<student>.ipynb``):

1. every locked cell of ``solutions/labNN_slug.ipynb`` (the graded test cells, hidden tests
   included) replaces the student's copy, matched by ``grade_id``; a copy that is missing,
   duplicated or differs from the released lab is reported as *tampered* and restored, never run;
2. the code cells run in order in a child process (:mod:`course_lib.grading.sandbox`): own process
   group, fresh temporary folder, wall-time and address-space limits;
3. a graded cell scores its points if it ran without error, else 0 with the error in the feedback.

Outputs, all written by this process only and atomically (temporary file + ``os.replace``):
``OUT/gradebook.csv`` (one row per student), ``OUT/feedback/<student>.md`` and ``.html``, and
``OUT/results.json``, saved after each student so that an interrupted run resumes: a student whose
notebook (by SHA-256) and lab solution are unchanged is skipped unless ``--force``.

Status, most serious first: ``invalid`` (not a notebook, or missing), ``timeout``, ``memory``,
``crashed`` (the process died: ``os._exit``, a signal), ``tampered``, ``ok``.

Why a plain subprocess rather than a Jupyter kernel (nbclient): a kernel costs a ZeroMQ session,
an ipykernel import and a heartbeat per notebook (about 1-2 s of start-up, more under load), where
the runner (``course_lib/grading/runner.py``, standard library only) starts in well under 0.1 s
of CPU plus the lab's own imports: about 0.2 s of CPU per lab00 submission, so 30 submissions take
~15 s with ``-j 2`` even on a loaded machine (``make bench``). It ``exec``s each cell in one
namespace, which is what a kernel does for code without IPython magics, and reports each cell's
result as one JSON line on a private pipe. One process per submission keeps every submission's
crash, exit or memory bomb its own.
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course_lib.grading.nbgrader_format import validate_notebook_metadata
from course_lib.grading.release import release_source
from course_lib.grading.sandbox import RunResult, run_cells

__all__ = ["add_arguments", "main", "LabSpec", "load_lab", "find_submissions", "restore_locked_cells",
           "grade_submission", "grade_many", "write_outputs", "STATUSES"]

STATUSES = ("invalid", "timeout", "memory", "crashed", "tampered", "ok")
_REPO = Path(__file__).resolve().parents[3]
_STATE = "results.json"


class GradeError(ValueError):
    """The lab cannot be graded (no solution notebook, invalid nbgrader metadata...)."""


@dataclass
class LabSpec:
    """A lab's solution notebook and its graded cells (``grade_id`` -> points), in order."""

    name: str
    solution: nbformat.NotebookNode
    points: dict[str, float]
    sha256: str

    @property
    def max_points(self) -> float:
        return sum(self.points.values())


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _is_locked(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade_id")) and bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))


def load_lab(lab: str, solutions: str | Path | None = None) -> LabSpec:
    """Read and validate ``solutions/<lab>.ipynb``.

    Raises:
        GradeError: if the notebook is missing, its nbgrader metadata is invalid, or it has no
            autograded cell.
    """
    lab = lab.removesuffix(".ipynb")
    candidates = [Path(solutions)] if solutions else [Path("solutions"), _REPO / "solutions"]
    path = next((d / f"{lab}.ipynb" for d in candidates if (d / f"{lab}.ipynb").is_file()), None)
    if path is None:
        raise GradeError(f"no solution notebook {lab}.ipynb in {', '.join(map(str, candidates))}")
    raw = path.read_bytes()
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    problems = validate_notebook_metadata(nb, str(path))
    if problems:
        raise GradeError("invalid nbgrader metadata:\n" + "\n".join(problems))
    points = {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in nb.cells
              if c.cell_type == "code" and _meta(c).get("grade") and not _meta(c).get("solution")}
    if not points:
        raise GradeError(f"{path} has no autograded cell (grade: true, solution: false)")
    return LabSpec(lab, nb, points, hashlib.sha256(raw).hexdigest())


def find_submissions(folder: str | Path, lab: str, exclude: Path | None = None) -> dict[str, Path | None]:
    """``student -> notebook path`` (``None`` when a student's folder has no ``<lab>.ipynb``)."""
    folder = Path(folder)
    found: dict[str, Path | None] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")) or (exclude is not None and entry.resolve() == exclude):
            continue
        if entry.is_dir():
            nb = entry / f"{lab}.ipynb"
            found[entry.name] = nb if nb.is_file() else None
        elif entry.suffix == ".ipynb" and entry.is_file():
            found.setdefault(entry.stem, entry)
    return found


def _same_source(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def restore_locked_cells(submission: nbformat.NotebookNode, lab: LabSpec) -> tuple[list, list[str]]:
    """The cells to run: the student's, with every locked cell replaced by the solution's.

    Returns:
        ``(cells, notes)``: ``notes`` names each locked cell that was edited, duplicated or
        missing (all restored); an empty list means nothing was tampered with.
    """
    originals = {_meta(c)["grade_id"]: c for c in lab.solution.cells if _is_locked(c)}
    cells, notes, seen = [], [], set()
    for cell in submission.cells:
        gid = _meta(cell).get("grade_id")
        if gid not in originals:
            cells.append(cell)
            continue
        if gid in seen:
            notes.append(f"a second copy of locked cell '{gid}' was removed")
            continue
        seen.add(gid)
        original = originals[gid]
        released = release_source(original.source, original.cell_type, gid)
        if cell.get("cell_type") != original.cell_type or not _same_source(str(cell.get("source", "")), released):
            notes.append(f"locked cell '{gid}' was edited (the original was restored)")
        cells.append(copy.deepcopy(original))
    order = [_meta(c).get("grade_id") for c in lab.solution.cells]
    for gid in originals:
        if gid in seen:
            continue
        notes.append(f"locked cell '{gid}' was missing (the original was restored)")
        k = order.index(gid)
        before = {g for g in order[:k] if g}
        pos = 0
        for i, cell in enumerate(cells):
            if _meta(cell).get("grade_id") in before:
                pos = i + 1
        cells.insert(pos, copy.deepcopy(originals[gid]))
        seen.add(gid)
    return cells, notes


def _first_line(text: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = " ".join(lines[:2]) if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _checks_message(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return " / ".join(lines[-3:]) if lines else "ran without error"


def grade_submission(student: str, path: Path | None, data: bytes | None, lab: LabSpec, *, timeout: float,
                     memory_mb: int | None) -> dict:
    """Grade one notebook; never raises (a grader failure becomes a ``crashed`` row)."""
    record = {"student": student, "lab": lab.name, "solution_sha256": lab.sha256,
              "sha256": hashlib.sha256(data).hexdigest() if data is not None else None,
              "scores": {gid: 0.0 for gid in lab.points}, "max": lab.max_points, "notes": [],
              "cells": [], "errors": [], "seconds": 0.0}
    try:
        return _grade(record, path, data, lab, timeout, memory_mb)
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


def _grade(record: dict, path: Path | None, data: bytes | None, lab: LabSpec, timeout: float,
           memory_mb: int | None) -> dict:
    if path is None or data is None:
        return _invalid(record, lab, f"no {lab.name}.ipynb was submitted")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a notebook"
        detail = f"{type(exc).__name__}: {_first_line(str(exc), 200)}"
        why = "the file is empty" if not data.strip() else f"not a readable notebook ({detail})"
        return _invalid(record, lab, why)
    cells, tampered = restore_locked_cells(nb, lab)
    record["notes"] += tampered
    jobs, where = [], {}
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        gid = _meta(cell).get("grade_id")
        graded = gid in lab.points and _is_locked(cell)
        if graded:
            where[gid] = i
        jobs.append({"index": i, "source": str(cell.get("source", "")), "graded": graded})
    folder = path.parent if path.parent.name == record["student"] else None
    run = run_cells(jobs, timeout=timeout, memory_mb=memory_mb, folder=folder)
    record["seconds"] = round(run.seconds, 2)
    record["isolated"] = run.isolated
    why_missing = _why_missing(run, timeout, memory_mb)
    for gid, points in lab.points.items():
        res = run.cells.get(where[gid])
        if res is None:
            cell = {"score": 0.0, "message": "not run: " + why_missing}
        elif res.ok:
            cell = {"score": points, "message": _checks_message(res.output)}
        else:
            cell = {"score": 0.0, "message": res.error or "error"}
        record["scores"][gid] = cell["score"]
        record["cells"].append({"grade_id": gid, "points": points, **cell})
    graded_index = set(where.values())
    record["errors"] = [{"cell": r.index, "error": _first_line(r.error)} for r in run.cells.values()
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
        record["notes"].insert(0, why_missing)
    record["status"] = status
    return record


def _why_missing(run: RunResult, timeout: float, memory_mb: int | None) -> str:
    if run.timed_out:
        return f"the notebook did not finish within the time limit of {timeout:g} s (process group killed)"
    if run.memory:
        return f"a cell ran out of memory (limit {memory_mb} MB)"
    if run.problem:
        return "the process " + run.problem
    rc = run.returncode
    if rc is not None and rc < 0:
        import signal

        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return f"the process was killed by {name}"
    if rc:
        return f"the process exited with code {rc} before the end (sys.exit is caught, os._exit is not)"
    return "the process ended before this cell"


def grade_many(submissions: dict[str, tuple[Path | None, bytes | None]], lab: LabSpec, *, jobs: int,
               timeout: float, memory_mb: int | None,
               on_done: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
    """Grade ``student -> (path, bytes)`` with ``jobs`` submissions at a time; one record each.

    ``on_done(student, record)`` is called in this thread as each one finishes (progress, saving).
    """
    records: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_submission, s, path, data, lab, timeout=timeout, memory_mb=memory_mb): s
                   for s, (path, data) in submissions.items()}
        for fut in as_completed(futures):
            records[futures[fut]] = fut.result()
            if on_done is not None:
                on_done(futures[fut], records[futures[fut]])
    return records


# ---------------------------------------------------------------------------- outputs


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fmt(x: float) -> str:
    return f"{x:g}"


def gradebook_csv(lab: LabSpec, records: dict[str, dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "lab", *lab.points, "total", "max", "status", "notes"])
    for student in sorted(records):
        r = records[student]
        w.writerow([student, lab.name, *(_fmt(r["scores"].get(g, 0.0)) for g in lab.points),
                    _fmt(r["total"]), _fmt(lab.max_points), r["status"], "; ".join(r["notes"])])
    return buf.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def feedback_markdown(r: dict) -> str:
    lines = [f"# {r['lab']}: feedback for {r['student']}", "",
             f"**Score: {_fmt(r['total'])} / {_fmt(r['max'])}**, status `{r['status']}`", ""]
    if r["notes"]:
        lines += ["## Notes", "", *(f"- {n}" for n in r["notes"]), ""]
    lines += ["## Graded cells", "", "| cell | points | result |", "|---|---|---|"]
    for c in r["cells"]:
        lines.append(f"| `{c['grade_id']}` | {_fmt(c['score'])} / {_fmt(c['points'])} | "
                     f"{_md_cell(_first_line(c['message']))} |")
    failed = [c for c in r["cells"] if c["score"] < c["points"]]
    if failed:
        lines += ["", "## What went wrong", ""]
        for c in failed:
            lines += [f"### `{c['grade_id']}` ({_fmt(c['score'])} / {_fmt(c['points'])})", "", "```text",
                      c["message"].replace("```", "'''"), "```", ""]
    if r["errors"]:
        lines += ["## Errors in your other cells", ""]
        lines += [f"- cell {e['cell']}: `{_md_cell(e['error']).replace('`', chr(39))}`" for e in r["errors"]]
    return "\n".join(lines).rstrip() + "\n"


def _html(markdown: str, title: str) -> str | None:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    import html

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
            "td,th{border:1px solid #ccc;padding:.3em}table{border-collapse:collapse}</style>"
            f"</head><body>\n{body}</body></html>\n")


def write_outputs(out: Path, lab: LabSpec, records: dict[str, dict]) -> None:
    """Write the gradebook and every feedback file (atomically) from ``records``."""
    for student, r in records.items():
        md = feedback_markdown(r)
        _atomic_write(out / "feedback" / f"{student}.md", md)
        page = _html(md, f"{lab.name}: {student}")
        if page is not None:
            _atomic_write(out / "feedback" / f"{student}.html", page)
    _atomic_write(out / "gradebook.csv", gradebook_csv(lab, records))


def _save_state(out: Path, lab: LabSpec, records: dict[str, dict]) -> None:
    _atomic_write(out / _STATE, json.dumps({"lab": lab.name, "solution_sha256": lab.sha256,
                                            "students": records}, indent=1, sort_keys=True))


def _load_state(out: Path, lab: LabSpec) -> dict[str, dict]:
    try:
        state = json.loads((out / _STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("lab") != lab.name or state.get("solution_sha256") != lab.sha256:
        return {}
    students = state.get("students")
    return students if isinstance(students, dict) else {}


def summary_lines(lab: LabSpec, records: dict[str, dict]) -> list[str]:
    """Mean, distribution (five bands of the maximum), statuses and every non-ok student."""
    n = len(records)
    totals = [r["total"] for r in records.values()]
    top = lab.max_points
    mean = sum(totals) / n if n else 0.0
    lines = [f"{n} student(s), mean {mean:.2f} / {_fmt(top)} ({100 * mean / top:.0f}%)"]
    bands = Counter(min(4, int(5 * t / top)) if top else 0 for t in totals)
    for b in range(5):
        label = f"{20 * b:3d}-{20 * b + 20 if b < 4 else 100:3d}%"
        lines.append(f"  {label} {'#' * bands[b]:<{max(bands.values(), default=0)}} {bands[b]}")
    statuses = Counter(r["status"] for r in records.values())
    lines.append("status: " + ", ".join(f"{s} {statuses[s]}" for s in STATUSES if statuses[s]))
    for student in sorted(records):
        r = records[student]
        if r["status"] != "ok":
            lines.append(f"  {student}: {r['status']}, {_fmt(r['total'])} / {_fmt(top)}"
                         f" ({_first_line('; '.join(r['notes']), 160)})")
    return lines


# ---------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, help="folder of <student>/<lab>.ipynb or <student>.ipynb")
    parser.add_argument("--lab", required=True, help="lab name, e.g. lab00_warmup")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default grades/<lab>)")
    parser.add_argument("-j", "--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                        help="submissions graded in parallel (default: cores, at most 4)")
    parser.add_argument("--timeout", type=float, default=120.0, help="wall-time limit per submission, s")
    parser.add_argument("--memory", type=int, default=2048, help="address-space limit per submission, MB")
    parser.add_argument("--force", action="store_true", help="regrade students already graded")
    parser.add_argument("--solutions", type=Path, default=None, help="folder of solution notebooks")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    try:
        lab = load_lab(args.lab, args.solutions)
    except GradeError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    if not args.submissions.is_dir():
        print(f"grade: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    out = args.out or Path("grades") / lab.name
    out.mkdir(parents=True, exist_ok=True)
    found = find_submissions(args.submissions, lab.name, exclude=out.resolve())
    if not found:
        print(f"grade: no submissions in {args.submissions}", file=sys.stderr)
        return 2
    # Read every submission before running any, so no run can change what another is graded on.
    data = {s: (p.read_bytes() if p is not None else None) for s, p in found.items()}
    previous = {} if args.force else _load_state(out, lab)
    digests = {s: hashlib.sha256(d).hexdigest() if d is not None else None for s, d in data.items()}
    records = {s: previous[s] for s in found
               if s in previous and digests[s] is not None and previous[s].get("sha256") == digests[s]}
    todo = [s for s in found if s not in records]
    print(f"grading {len(todo)} submission(s) of {lab.name} with -j {args.jobs}"
          + (f"; {len(records)} already graded and unchanged (--force regrades them)" if records else ""),
          file=sys.stderr)
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    with tqdm(total=len(todo), unit="nb", disable=args.no_progress, file=sys.stderr) as bar:
        def done(student: str, record: dict) -> None:
            records[student] = record
            _save_state(out, lab, {s: records[s] for s in sorted(records)})
            bar.set_postfix_str(f"{student}: {record['status']}", refresh=False)
            bar.update()

        grade_many({s: (found[s], data[s]) for s in todo}, lab, jobs=args.jobs, timeout=args.timeout,
                   memory_mb=args.memory or None, on_done=done)
    records = {s: records[s] for s in sorted(found)}
    _save_state(out, lab, records)
    write_outputs(out, lab, records)
    elapsed = time.perf_counter() - t0
    print(f"graded {len(todo)} in {elapsed:.1f} s", file=sys.stderr)
    for line in summary_lines(lab, records):
        print(line)
    print(f"gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/")
    return 0
