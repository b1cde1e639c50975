"""Validate cell metadata against nbgrader's format (schema version 3), without nbgrader.

nbgrader stores, on every cell it manages, ``cell.metadata["nbgrader"]`` with the fields

=================  ==========  ======================================================
field              type        rule
=================  ==========  ======================================================
``schema_version`` int         required, exactly 3
``grade``          bool        required: the cell is graded (a test cell)
``solution``       bool        required: the cell holds the student's answer
``locked``         bool        required: the student may not edit it
``task``           bool        optional: a Markdown task description
``grade_id``       str         required when grade, solution or locked is true;
                               non-empty, letters/digits/``_``/``-`` only, unique
``points``         number      required when grade is true (or task); ``>= 0``
``checksum``       str         optional, 32 characters (student copies only)
``cell_type``      str         optional, ``raw``/``code``/``markdown``
=================  ==========  ======================================================

and no other key. Markdown cells that are graded must also be solution cells (and the other way
round) unless they are tasks; task cells must be Markdown. These are the rules nbgrader's own
``MetadataValidatorV3`` enforces, written out here because nbgrader is not a dependency.
"""

from __future__ import annotations

import re

__all__ = ["SCHEMA_VERSION", "FIELDS", "validate_cell_metadata", "validate_notebook_metadata"]

SCHEMA_VERSION = 3
_BOOL = ("grade", "solution", "locked", "task")
FIELDS = {"schema_version": int, "grade": bool, "solution": bool, "locked": bool, "task": bool,
          "grade_id": str, "points": (int, float), "checksum": str, "cell_type": str}
_REQUIRED = ("schema_version", "grade", "locked", "solution")
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")


def validate_cell_metadata(cell: dict, where: str = "cell") -> list[str]:
    """Problems with one cell's ``nbgrader`` metadata (an empty list when it is valid or absent)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    if meta is None:
        return []
    if not isinstance(meta, dict):
        return [f"{where}: nbgrader metadata must be an object, got {type(meta).__name__}"]
    problems = []
    for key in sorted(set(meta) - set(FIELDS)):
        problems.append(f"{where}: unknown nbgrader field {key!r} (allowed: {', '.join(FIELDS)})")
    for key in _REQUIRED:
        if key not in meta:
            problems.append(f"{where}: nbgrader field {key!r} is required")
    for key, kind in FIELDS.items():
        if key not in meta:
            continue
        value = meta[key]
        # bool is a subclass of int: reject True where a number is expected, and 1 where a bool is.
        bad_bool = key not in _BOOL and isinstance(value, bool)
        if bad_bool or not isinstance(value, kind) or (key in _BOOL and not isinstance(value, bool)):
            want = kind.__name__ if isinstance(kind, type) else "number"
            problems.append(f"{where}: nbgrader field {key!r} must be {want}, got {value!r}")
    if problems:
        return problems
    if meta["schema_version"] != SCHEMA_VERSION:
        problems.append(f"{where}: schema_version must be {SCHEMA_VERSION}, got {meta['schema_version']}")
    grade, solution, locked, task = (meta.get(k, False) for k in _BOOL)
    if grade or solution or locked or task:
        gid = meta.get("grade_id")
        if not gid:
            problems.append(f"{where}: a graded, solution, locked or task cell needs a non-empty grade_id")
        elif not _GRADE_ID.match(gid):
            problems.append(f"{where}: grade_id {gid!r} may contain only letters, digits, '_' and '-'")
    if grade or task:
        if "points" not in meta:
            problems.append(f"{where}: a graded cell needs points")
        elif meta["points"] < 0:
            problems.append(f"{where}: points must be >= 0, got {meta['points']}")
    if "checksum" in meta and len(meta["checksum"]) != 32:
        problems.append(f"{where}: checksum must have 32 characters, got {len(meta['checksum'])}")
    if "cell_type" in meta and meta["cell_type"] not in ("raw", "code", "markdown"):
        problems.append(f"{where}: cell_type must be raw, code or markdown, got {meta['cell_type']!r}")
    cell_type = cell.get("cell_type")
    if task:
        if cell_type != "markdown":
            problems.append(f"{where}: a task cell must be Markdown, not {cell_type}")
        if grade or solution:
            problems.append(f"{where}: a task cell cannot also be a grade or solution cell")
    elif cell_type == "markdown" and grade != solution:
        problems.append(f"{where}: a Markdown cell must be both grade and solution, or neither")
    return problems


def validate_notebook_metadata(nb: dict, name: str = "notebook") -> list[str]:
    """Problems with every cell's nbgrader metadata, plus duplicate ``grade_id`` values."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(nb.get("cells", [])):
        where = f"{name}, cell {i}"
        problems += validate_cell_metadata(cell, where)
        meta = cell.get("metadata", {}).get("nbgrader")
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str) and meta["grade_id"]:
            if any(meta.get(k) for k in _BOOL):
                gid = meta["grade_id"]
                if gid in seen:
                    problems.append(f"{where}: grade_id {gid!r} is already used by cell {seen[gid]}")
                seen.setdefault(gid, i)
    return problems
