"""The grader's outputs, written by its own process only and atomically (temporary file + ``os.replace``).

``OUT/gradebook.csv`` (one row per student: one column per graded cell, total, max, status,
``uses_reference``, notes), ``OUT/feedback/<student>.md`` and ``.html``, and ``OUT/results.json``
(saved after each student so that an interrupted run resumes: a student whose notebook, by
SHA-256, and lab solution are unchanged is skipped unless ``--force``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from course_lib.grading.feedback import feedback_html, feedback_markdown, fmt
from course_lib.grading.lab import LabSpec

__all__ = ["atomic_write", "gradebook_csv", "write_outputs", "save_state", "load_state", "STATE"]

STATE = "results.json"
VERSION = 2  # bumped when the same notebook could get another grade (2: the measure/judge protocol)


def atomic_write(path: Path, text: str) -> None:
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


def gradebook_csv(lab: LabSpec, records: dict[str, dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    manual = [f"{gid} (manual)" for gid in lab.manual]
    w.writerow(["student", "lab", *lab.points, "total", "max", *manual, "status", "uses_reference", "notes"])
    for student in sorted(records):
        r = records[student]
        w.writerow([student, lab.name, *(fmt(r["scores"].get(g, 0.0)) for g in lab.points),
                    fmt(r["total"]), fmt(lab.max_points), *("pending" for _ in manual), r["status"],
                    "; ".join(r.get("uses_reference", [])),
                    "; ".join(r["notes"])])
    return buf.getvalue()


def write_outputs(out: Path, lab: LabSpec, records: dict[str, dict]) -> None:
    """Write the gradebook and every feedback file (atomically) from ``records``."""
    for student, r in records.items():
        md = feedback_markdown(r)
        atomic_write(out / "feedback" / f"{student}.md", md)
        page = feedback_html(md, f"{lab.name}: {student}")
        if page is not None:
            atomic_write(out / "feedback" / f"{student}.html", page)
    atomic_write(out / "gradebook.csv", gradebook_csv(lab, records))


def save_state(out: Path, lab: LabSpec, records: dict[str, dict]) -> None:
    atomic_write(out / STATE, json.dumps({"lab": lab.name, "solution_sha256": lab.sha256, "grader": VERSION,
                                          "students": records}, indent=1, sort_keys=True))


def load_state(out: Path, lab: LabSpec) -> dict[str, dict]:
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("lab") != lab.name or state.get("solution_sha256") != lab.sha256 \
            or state.get("grader") != VERSION:
        return {}
    students = state.get("students")
    return students if isinstance(students, dict) else {}
