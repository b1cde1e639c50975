"""Turn an instructor notebook (``solutions/``) into the student notebook (``labs/``).

The format is nbgrader's: solution code sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION``; hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
graded cells carry ``{"nbgrader": {"grade": true, "grade_id": ..., "points": N, "locked": true}}``.

Releasing replaces each solution block with ``# YOUR CODE HERE`` + ``raise NotImplementedError()``
(``YOUR ANSWER HERE`` in Markdown), removes hidden tests, clears outputs and keeps all metadata.
The result is a pure function of the solution file, so ``labs/`` can be checked byte for byte.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "ReleaseError",
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "BEGIN_HIDDEN",
    "END_HIDDEN",
    "release_source",
    "release_notebook",
    "release_all",
    "check_sync",
    "SyncProblem",
    "notebook_bytes",
]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)


class ReleaseError(ValueError):
    """A solution notebook is malformed (unclosed or nested markers, missing metadata...)."""


def _strip_blocks(lines: list[str], begin: str, end: str, stub: tuple[str, ...] | None,
                  where: str) -> list[str]:
    out: list[str] = []
    open_at: int | None = None
    for n, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == begin:
            if open_at is not None:
                raise ReleaseError(f"{where}: line {n} opens '{begin}' inside the block opened at line {open_at}")
            open_at = n
            if stub is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(indent + s for s in stub)
        elif marker == end:
            if open_at is None:
                raise ReleaseError(f"{where}: line {n} has '{end}' without a matching '{begin}'")
            open_at = None
        elif open_at is None:
            out.append(line)
    if open_at is not None:
        raise ReleaseError(f"{where}: '{begin}' at line {open_at} is never closed by '{end}'")
    return out


def release_source(source: str, cell_type: str = "code", where: str = "cell") -> str:
    """Release one cell's source: stub out solution blocks and drop hidden tests.

    Raises:
        ReleaseError: for an unclosed, unopened or nested marker, naming ``where`` and the line.
    """
    lines = source.split("\n")
    stub = CODE_STUB if cell_type == "code" else MARKDOWN_STUB
    lines = _strip_blocks(lines, BEGIN_HIDDEN, END_HIDDEN, None, where)
    lines = _strip_blocks(lines, BEGIN_SOLUTION, END_SOLUTION, stub, where)
    return "\n".join(lines)


def _validate_cell(cell, where: str) -> None:
    meta = cell.get("metadata", {}).get("nbgrader")
    has_solution = BEGIN_SOLUTION in cell.source
    if has_solution and not (meta and meta.get("solution")):
        raise ReleaseError(f"{where} has '{BEGIN_SOLUTION}' but no nbgrader metadata with solution: true")
    if meta and meta.get("grade"):
        if not meta.get("grade_id"):
            raise ReleaseError(f"{where} is graded but has no grade_id")
        if not isinstance(meta.get("points"), (int, float)) or meta["points"] <= 0:
            raise ReleaseError(f"{where} is graded but its points are {meta.get('points')!r}, expected a number > 0")
        if not meta.get("solution") and not meta.get("locked"):
            raise ReleaseError(f"{where} is a graded test cell but is not locked")


def release_notebook(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the student version of a solution notebook (the input is not modified)."""
    out = copy.deepcopy(nb)
    seen_ids: set[str] = set()
    for i, cell in enumerate(out.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        where = f"{name}, cell {i}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
        if meta.get("grade_id"):
            if meta["grade_id"] in seen_ids:
                raise ReleaseError(f"{where}: grade_id {meta['grade_id']!r} is used twice")
            seen_ids.add(meta["grade_id"])
        _validate_cell(cell, where)
        cell.source = release_source(cell.source, cell.cell_type, where)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return out


def notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """The exact bytes ``release`` writes (nbformat's canonical JSON plus a final newline)."""
    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _pairs(solutions: Path, labs: Path) -> list[tuple[Path, Path]]:
    return [(src, labs / src.name) for src in sorted(solutions.glob("lab*.ipynb"))]


def release_all(solutions: str | Path = "solutions", labs: str | Path = "labs",
                names: list[str] | None = None) -> list[Path]:
    """Write ``labs/<name>.ipynb`` for every (or each named) ``solutions/<name>.ipynb``."""
    solutions, labs = Path(solutions), Path(labs)
    labs.mkdir(parents=True, exist_ok=True)
    written = []
    for src, dst in _pairs(solutions, labs):
        if names and src.stem not in names and src.name not in names:
            continue
        nb = nbformat.read(src, as_version=4)
        dst.write_bytes(notebook_bytes(release_notebook(nb, name=str(src))))
        written.append(dst)
    if names and not written:
        raise FileNotFoundError(f"no solution notebook named {names} in {solutions}/")
    return written


@dataclass
class SyncProblem:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def check_sync(solutions: str | Path = "solutions", labs: str | Path = "labs") -> list[SyncProblem]:
    """Compare ``labs/`` with what ``release`` would write; return the differences (empty = in sync)."""
    solutions, labs = Path(solutions), Path(labs)
    problems: list[SyncProblem] = []
    expected_names = set()
    for src, dst in _pairs(solutions, labs):
        expected_names.add(dst.name)
        want = notebook_bytes(release_notebook(nbformat.read(src, as_version=4), name=str(src)))
        if not dst.exists():
            problems.append(SyncProblem(dst, f"missing; run `make release` to generate it from {src}"))
            continue
        got = dst.read_bytes()
        if got != want:
            diff = list(difflib.unified_diff(
                want.decode().splitlines(), got.decode(errors="replace").splitlines(),
                "released", str(dst), n=0, lineterm=""))
            excerpt = "\n".join(diff[2:8])
            problems.append(SyncProblem(dst, f"differs from what `release` generates from {src} "
                                              f"(labs/ is generated: edit {src} and run `make release`)\n{excerpt}"))
    for extra in sorted(labs.glob("lab*.ipynb")):
        if extra.name not in expected_names:
            problems.append(SyncProblem(extra, "has no source in solutions/ (labs/ is generated, never edited)"))
    return problems
