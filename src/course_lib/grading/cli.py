"""The command line: ``python -m course_lib grade SUBMISSIONS_DIR --lab labNN_slug``.

For each student (``SUBMISSIONS_DIR/<student>/labNN_slug.ipynb`` or ``SUBMISSIONS_DIR/<student>.ipynb``):
the instructor's locked cells are put back (:mod:`~course_lib.grading.lab`), the cells run in a
child process that cannot read the checkout (:mod:`~course_lib.grading.sandbox`), and each graded
cell is judged in this process (:mod:`~course_lib.grading.scoring`); the gradebook, the feedback
and the resumable state are written here (:mod:`~course_lib.grading.gradebook`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections import Counter
from pathlib import Path

from course_lib.grading.feedback import first_line, fmt
from course_lib.grading.gradebook import load_state, save_state, write_outputs
from course_lib.grading.lab import GradeError, LabSpec, find_submissions, load_lab
from course_lib.grading.scoring import STATUSES, grade_many

__all__ = ["add_arguments", "main", "summary_lines"]


def summary_lines(lab: LabSpec, records: dict[str, dict]) -> list[str]:
    """Mean, distribution (five bands of the maximum), statuses and every non-ok student."""
    n = len(records)
    totals = [r["total"] for r in records.values()]
    top = lab.max_points
    mean = sum(totals) / n if n else 0.0
    lines = [f"{n} student(s), mean {mean:.2f} / {fmt(top)} ({100 * mean / top:.0f}%)"]
    bands = Counter(min(4, int(5 * t / top)) if top else 0 for t in totals)
    for b in range(5):
        label = f"{20 * b:3d}-{20 * b + 20 if b < 4 else 100:3d}%"
        lines.append(f"  {label} {'#' * bands[b]:<{max(bands.values(), default=0)}} {bands[b]}")
    statuses = Counter(r["status"] for r in records.values())
    lines.append("status: " + ", ".join(f"{s} {statuses[s]}" for s in STATUSES if statuses[s]))
    for student in sorted(records):
        r = records[student]
        if r["status"] != "ok":
            lines.append(f"  {student}: {r['status']}, {fmt(r['total'])} / {fmt(top)}"
                         f" ({first_line('; '.join(r['notes']), 160)})")
    flagged = sorted(s for s, r in records.items() if r.get("uses_reference"))
    if flagged:
        lines.append(f"uses_reference (graded as written, look at them): {', '.join(flagged)}")
    return lines


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
    previous = {} if args.force else load_state(out, lab)
    digests = {s: hashlib.sha256(d).hexdigest() if d is not None else None for s, d in data.items()}
    records = {s: previous[s] for s in found
               if s in previous and digests[s] is not None and previous[s].get("sha256") == digests[s]}
    todo = [s for s in found if s not in records]
    print(f"grading {len(todo)} submission(s) of {lab.name} with -j {args.jobs}"
          + (f"; {len(records)} already graded and unchanged (--force regrades them)" if records else ""),
          file=sys.stderr)
    from tqdm.auto import tqdm

    protected = [args.submissions.resolve(), out.resolve()]
    if args.solutions:
        protected.append(args.solutions.resolve())
    t0 = time.perf_counter()
    with tqdm(total=len(todo), unit="nb", disable=args.no_progress, file=sys.stderr) as bar:
        def done(student: str, record: dict) -> None:
            records[student] = record
            save_state(out, lab, {s: records[s] for s in sorted(records)})
            bar.set_postfix_str(f"{student}: {record['status']}", refresh=False)
            bar.update()

        grade_many({s: (found[s], data[s]) for s in todo}, lab, jobs=args.jobs, timeout=args.timeout,
                   memory_mb=args.memory or None, protected=protected, on_done=done)
    records = {s: records[s] for s in sorted(found)}
    save_state(out, lab, records)
    write_outputs(out, lab, records)
    elapsed = time.perf_counter() - t0
    print(f"graded {len(todo)} in {elapsed:.1f} s", file=sys.stderr)
    for line in summary_lines(lab, records):
        print(line)
    print(f"gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/")
    return 0
