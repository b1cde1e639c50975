"""A lab as the grader sees it: the instructor's notebook, its graded cells and what they check.

:func:`load_lab` reads ``solutions/<lab>.ipynb``, validates its nbgrader metadata and reads every
graded cell through :func:`course_lib.checks.protocol.expected_calls` (the check calls and their
literal cases; anything else in a graded cell is an instructor error, raised here, before any
submission runs). :func:`restore_locked_cells` puts the instructor's locked cells back into a
submission.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib.grading.nbgrader_format import validate_notebook_metadata
from course_lib.grading.release import release_source

__all__ = ["GradeError", "LabSpec", "load_lab", "find_submissions", "restore_locked_cells", "meta", "is_locked",
           "manual_answers"]

_REPO = Path(__file__).resolve().parents[3]


class GradeError(ValueError):
    """The lab cannot be graded (no solution notebook, invalid nbgrader metadata, a malformed graded cell...)."""


@dataclass
class LabSpec:
    """A lab's solution notebook and its graded cells (``grade_id`` -> points), in order.

    ``sources[gid]`` is the instructor's source of each graded cell (hidden tests included), the
    one the grader judges against; ``calls[gid]`` the ``(check, case)`` pairs it expects.
    ``manual[gid]`` are the points of each *manually graded* answer (nbgrader ``grade`` and
    ``solution`` both true, e.g. a written answer in a Markdown cell): never scored here, kept
    out of the autograded total and reported as pending for the instructor.
    """

    name: str
    solution: nbformat.NotebookNode
    points: dict[str, float]
    sha256: str
    sources: dict[str, str] = field(default_factory=dict)
    calls: dict[str, list] = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)  # grade_ids of the code answer cells
    manual: dict[str, float] = field(default_factory=dict)

    @property
    def max_points(self) -> float:
        return sum(self.points.values())


def meta(cell) -> dict:
    m = cell.get("metadata", {}).get("nbgrader")
    return m if isinstance(m, dict) else {}


def is_locked(cell) -> bool:
    m = meta(cell)
    return bool(m.get("grade_id")) and bool(m.get("locked") or (m.get("grade") and not m.get("solution")))


def manual_answers(nb: nbformat.NotebookNode, lab: LabSpec) -> list[dict]:
    """The student's text for each manually graded answer: ``[{grade_id, points, answer}]``."""
    found = {meta(c).get("grade_id"): str(c.get("source", "")) for c in nb.cells if meta(c).get("grade_id")}
    return [{"grade_id": gid, "points": pts, "answer": found.get(gid, "")} for gid, pts in lab.manual.items()]


def load_lab(lab: str, solutions: str | Path | None = None) -> LabSpec:
    """Read and validate ``solutions/<lab>.ipynb``.

    Raises:
        GradeError: if the notebook is missing, its nbgrader metadata is invalid, it has no
            autograded cell, or a graded cell is not a list of check calls with literal cases.
    """
    from course_lib.checks import protocol  # imported here: it loads every lab's checks (and torch)

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
    spec = LabSpec(lab, nb, {}, hashlib.sha256(raw).hexdigest())
    for cell in nb.cells:
        m = meta(cell)
        if cell.cell_type == "code" and m.get("solution") and m.get("grade_id"):
            spec.answers.append(m["grade_id"])
        if m.get("grade") and m.get("solution") and m.get("grade_id"):
            spec.manual[m["grade_id"]] = float(m.get("points", 0))
        if not (cell.cell_type == "code" and m.get("grade") and not m.get("solution")):
            continue
        gid = m["grade_id"]
        spec.points[gid] = float(m["points"])
        spec.sources[gid] = cell.source
        try:
            spec.calls[gid] = protocol.expected_calls(cell.source)
        except (protocol.CellSpecError, TypeError, SyntaxError) as exc:
            raise GradeError(f"{path}: graded cell '{gid}' cannot be judged: {exc}") from None
        if not spec.calls[gid]:
            raise GradeError(f"{path}: graded cell '{gid}' calls no check, so it could never fail")
    if not spec.points:
        raise GradeError(f"{path} has no autograded cell (grade: true, solution: false)")
    return spec


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
    originals = {meta(c)["grade_id"]: c for c in lab.solution.cells if is_locked(c)}
    cells, notes, seen = [], [], set()
    for cell in submission.cells:
        gid = meta(cell).get("grade_id")
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
    order = [meta(c).get("grade_id") for c in lab.solution.cells]
    for gid in originals:
        if gid in seen:
            continue
        notes.append(f"locked cell '{gid}' was missing (the original was restored)")
        k = order.index(gid)
        before = {g for g in order[:k] if g}
        pos = 0
        for i, cell in enumerate(cells):
            if meta(cell).get("grade_id") in before:
                pos = i + 1
        cells.insert(pos, copy.deepcopy(originals[gid]))
        seen.add(gid)
    return cells, notes
