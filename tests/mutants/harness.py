"""Mutant testing of the labs' checks: plausible wrong code must fail the right cell with the right hint.

A *catalogue* is a module ``tests/mutants/labNN.py`` that defines::

    LAB = "lab01_rnn_numpy"                  # the notebook's name in solutions/
    MUTANTS = [mutant(...), ...]             # wrong code: must fail ``target`` with ``hint``
    VARIANTS = [variant(...), ...]           # other correct code: must get full marks

A mutant or variant is one or more :class:`Edit` s: an exact find/replace on the source of the
*solution* cell whose nbgrader ``grade_id`` is ``cell`` (the code between the solution markers,
since that is what a student writes). An edit whose ``find`` text is not in that cell raises
:class:`CatalogueError`, so a catalogue cannot silently test the honest solution.

The API (kept small and stable; the catalogues and ``course_lib.bench.mutants`` use only this):

``mutant(name, cell, find, replace, *, target, hint, also=())`` / ``variant(name, cell, find, replace, *, also=())``
    Build a :class:`Mutant` / :class:`Variant`; ``also`` holds extra ``(cell, find, replace)`` edits.
``load_catalogue(key)``
    Import ``tests/mutants/<key>.py`` (``key`` like ``"lab01"``) and return it as a :class:`Catalogue`.
``student_notebook(lab, edits)``
    The released lab with every answer cell filled from the solution, after ``edits``: what a
    student would submit (public test cells only; the grader restores the hidden ones).
``run_in_process(lab, edits, *, upto, tests="public")``
    Execute the code cells of that notebook in order, in this process (one fresh namespace,
    stdout captured), up to and including the cell ``upto`` (a grade_id; ``None``: all). Graded
    test cells run as the student sees them (``tests="public"``) or with only their hidden calls
    (``tests="hidden"``, so that the hidden tests are shown to catch the mistake on their own).
    Returns ``{grade_id: None if it passed else the error text}`` for each graded cell run; an
    error in any other cell raises :class:`CellError`.
``grade_submissions(lab, notebooks, *, jobs=2)``
    Grade ``{name: notebook}`` with the autograder (``course_lib.grading.grade.grade_many``) in
    one call; returns ``{name: {grade_id: (score, points, message)}}``.
``evaluate(catalogue, *, jobs=2, in_process=True)``
    Everything above for a whole catalogue, once: returns a :class:`Report` with, per mutant,
    whether the public check, the hidden check and the autograder each caught it with the hint
    (and the messages), and per variant (plus the honest solution) whether it got full marks.
    ``Report.table_row()`` gives ``(lab, caught, total, variants accepted, variants total)``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

__all__ = ["Edit", "Mutant", "Variant", "Catalogue", "Report", "CatalogueError", "CellError", "mutant",
           "variant", "load_catalogue", "catalogue_keys", "student_notebook", "run_in_process",
           "grade_submissions", "evaluate", "HONEST"]

HONEST = "honest solution"


class CatalogueError(ValueError):
    """A catalogue entry does not apply to the solution notebook (unknown cell, text not found)."""


class CellError(RuntimeError):
    """A cell that is not a graded test cell raised while running a notebook in process."""


@dataclass(frozen=True)
class Edit:
    cell: str  # grade_id of a solution cell
    find: str  # exact text of that cell's source
    replace: str


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple[Edit, ...]
    target: str  # grade_id of the graded test cell that must fail
    hint: str  # a substring of the message that cell must show


@dataclass(frozen=True)
class Variant:
    name: str
    edits: tuple[Edit, ...]


def _edits(cell: str, find: str, replace: str, also) -> tuple[Edit, ...]:
    return (Edit(cell, find, replace), *(Edit(*e) for e in also))


def mutant(name: str, cell: str, find: str, replace: str, *, target: str, hint: str, also=()) -> Mutant:
    return Mutant(name, _edits(cell, find, replace, also), target, hint)


def variant(name: str, cell: str, find: str, replace: str, *, also=()) -> Variant:
    return Variant(name, _edits(cell, find, replace, also))


@dataclass
class Catalogue:
    key: str
    lab: str
    mutants: list[Mutant]
    variants: list[Variant]


def catalogue_keys() -> list[str]:
    return sorted(p.stem for p in HERE.glob("lab[0-9][0-9].py"))


def load_catalogue(key: str) -> Catalogue:
    path = HERE / f"{key}.py"
    spec = importlib.util.spec_from_file_location(f"_mutants_{key}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return Catalogue(key, mod.LAB, list(mod.MUTANTS), list(mod.VARIANTS))


# ---------------------------------------------------------------------------- notebooks


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


_SOLUTIONS: dict[str, nbformat.NotebookNode] = {}


def _solution(lab: str) -> nbformat.NotebookNode:
    if lab not in _SOLUTIONS:
        _SOLUTIONS[lab] = nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4)
    return copy.deepcopy(_SOLUTIONS[lab])


def _apply(nb: nbformat.NotebookNode, edits: tuple[Edit, ...]) -> nbformat.NotebookNode:
    by_id = {_meta(c).get("grade_id"): c for c in nb.cells if _meta(c).get("solution")}
    for e in edits:
        cell = by_id.get(e.cell)
        if cell is None:
            raise CatalogueError(f"no solution cell with grade_id {e.cell!r}")
        if e.find not in cell.source:
            raise CatalogueError(f"{e.cell}: text not found: {e.find!r}")
        cell.source = cell.source.replace(e.find, e.replace, 1)
    return nb


def student_notebook(lab: str, edits: tuple[Edit, ...] = ()) -> nbformat.NotebookNode:
    from course_lib.bench.grader import answered_notebook

    return answered_notebook(_apply(_solution(lab), tuple(edits)))


def _hidden_only(solution_source: str) -> str:
    """A test cell's imports and hidden calls only (its public calls dropped)."""
    from course_lib.grading.release import BEGIN_HIDDEN, END_HIDDEN

    lines = solution_source.split("\n")
    if BEGIN_HIDDEN not in [ln.strip() for ln in lines]:
        return ""
    keep, inside = [], False
    for ln in lines:
        s = ln.strip()
        if s == BEGIN_HIDDEN:
            inside = True
        elif s == END_HIDDEN:
            inside = False
        elif inside or s.startswith(("import ", "from ")):
            keep.append(ln)
    return "\n".join(keep)


def run_in_process(lab: str, edits: tuple[Edit, ...] = (), *, upto: str | None = None,
                   tests: str = "public") -> dict[str, str | None]:
    nb = student_notebook(lab, edits)
    solution_tests = {_meta(c)["grade_id"]: c.source for c in _solution(lab).cells
                      if _meta(c).get("grade") and not _meta(c).get("solution")}
    ns: dict = {"__name__": "__main__"}
    results: dict[str, str | None] = {}
    env = {"MPLBACKEND": "Agg", "COURSE_DEVICE": os.environ.get("COURSE_DEVICE", "cpu")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            gid = _meta(cell).get("grade_id")
            graded = gid in solution_tests
            source = cell.source
            if graded and tests == "hidden":
                source = _hidden_only(solution_tests[gid])
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(source, f"<{lab}:{gid or 'cell'}>", "exec"), ns)  # noqa: S102
                if graded:
                    results[gid] = None
            except Exception as exc:  # noqa: BLE001 - a graded cell's failure is the result
                if not graded:
                    raise CellError(f"{lab}: cell {gid or cell.source[:40]!r} raised "
                                    f"{type(exc).__name__}: {exc}") from exc
                results[gid] = f"{type(exc).__name__}: {exc}"
            if upto is not None and gid == upto:
                break
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return results


def grade_submissions(lab: str, notebooks: dict[str, nbformat.NotebookNode], *, jobs: int = 2,
                      timeout: float = 300.0) -> dict[str, dict[str, tuple[float, float, str]]]:
    from course_lib.grading.grade import grade_many, load_lab
    from course_lib.grading.release import notebook_bytes

    spec = load_lab(lab, ROOT / "solutions")
    with tempfile.TemporaryDirectory(prefix=f"mutants-{lab}-") as tmp:
        subs = {}
        for k, (name, nb) in enumerate(notebooks.items()):
            student = f"s{k:03d}"
            path = Path(tmp) / student / f"{lab}.ipynb"
            path.parent.mkdir()
            path.write_bytes(notebook_bytes(nb))
            subs[student] = (path, path.read_bytes())
        records = grade_many(subs, spec, jobs=jobs, timeout=timeout, memory_mb=4096)
    names = dict(zip((f"s{k:03d}" for k in range(len(notebooks))), notebooks, strict=True))
    return {names[s]: {c["grade_id"]: (c["score"], c["points"], c["message"]) for c in r["cells"]}
            for s, r in records.items()}


# ---------------------------------------------------------------------------- one catalogue


@dataclass
class MutantResult:
    mutant: Mutant
    public: str | None = None  # error text of the target cell (None: it passed, i.e. not caught)
    hidden: str | None = None
    grader: tuple[float, float, str] | None = None
    earlier_failures: list[str] = field(default_factory=list)  # graded cells before target that failed

    def _has(self, text: str | None) -> bool:
        return text is not None and "CheckFailed" in text and self.mutant.hint in text

    @property
    def caught_public(self) -> bool:
        return self._has(self.public) and not self.earlier_failures

    @property
    def caught_hidden(self) -> bool:
        return self.hidden is None or self._has(self.hidden)  # None: the target cell has no hidden calls

    @property
    def caught_grader(self) -> bool:
        return self.grader is not None and self.grader[0] == 0 and self.mutant.hint in self.grader[2]

    @property
    def caught(self) -> bool:
        return self.caught_public and self.caught_hidden and self.caught_grader


@dataclass
class VariantResult:
    variant: Variant
    failures: list[str] = field(default_factory=list)  # "where grade_id: message"

    @property
    def accepted(self) -> bool:
        return not self.failures


@dataclass
class Report:
    catalogue: Catalogue
    mutants: list[MutantResult]
    variants: list[VariantResult]  # the honest solution first
    seconds: float

    def table_row(self) -> tuple[str, int, int, int, int]:
        caught = sum(m.caught for m in self.mutants)
        ok = sum(v.accepted for v in self.variants[1:])
        return self.catalogue.key, caught, len(self.mutants), ok, len(self.variants) - 1


def evaluate(cat: Catalogue, *, jobs: int = 2, in_process: bool = True) -> Report:
    t0 = time.perf_counter()
    honest = Variant(HONEST, ())
    entries = [honest, *cat.variants]
    notebooks = {f"v:{v.name}": student_notebook(cat.lab, v.edits) for v in entries}
    notebooks.update({f"m:{m.name}": student_notebook(cat.lab, m.edits) for m in cat.mutants})
    graded = grade_submissions(cat.lab, notebooks, jobs=jobs)
    mresults = []
    for m in cat.mutants:
        r = MutantResult(m, grader=graded[f"m:{m.name}"].get(m.target))
        if in_process:
            pub = run_in_process(cat.lab, m.edits, upto=m.target, tests="public")
            r.public = pub.get(m.target)
            r.earlier_failures = [f"{g}: {e}" for g, e in pub.items() if g != m.target and e is not None]
            hid = run_in_process(cat.lab, m.edits, upto=m.target, tests="hidden")
            r.hidden = hid.get(m.target) if _has_hidden(cat.lab, m.target) else None
        mresults.append(r)
    vresults = []
    for v in entries:
        r = VariantResult(v)
        for gid, (score, points, msg) in graded[f"v:{v.name}"].items():
            if score != points:
                r.failures.append(f"grader {gid}: {score}/{points}: {msg}")
        if in_process:
            for mode in ("public", "hidden"):
                for gid, err in run_in_process(cat.lab, v.edits, tests=mode).items():
                    if err is not None:
                        r.failures.append(f"{mode} {gid}: {err}")
        vresults.append(r)
    return Report(cat, mresults, vresults, time.perf_counter() - t0)


def _has_hidden(lab: str, gid: str) -> bool:
    return any(_meta(c).get("grade_id") == gid and bool(_hidden_only(c.source)) for c in _solution(lab).cells)
