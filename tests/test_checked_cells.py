"""Checked cells (tag ``nbval-check-output``): the only cells with saved outputs, which nbval compares.
See CONTRIBUTING.md, "Adding a checked cell"."""

from __future__ import annotations

import nbformat

from course_lib.notebooks import CHECK_MARK, CHECK_TAG, is_checked


def _notebooks(root):
    return sorted([*root.glob("book/*/*.ipynb"), *root.glob("solutions/*.ipynb"), *root.glob("labs/*.ipynb")])


def test_committed_outputs_exist_only_on_checked_cells(root):
    """Every other output is cleared (`python -m course_lib nb-outputs`): the book rebuilds them."""
    for path in _notebooks(root):
        for n, cell in enumerate(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"):
            if not is_checked(cell):
                assert not cell.outputs and cell.execution_count is None, f"{path}: code cell {n} has saved output"


def test_checked_cells_use_the_tag_and_are_compared(root):
    """The tag keeps the marker off the rendered page (a ``# NBVAL_CHECK_OUTPUT`` comment would show),
    and a checked cell without an execution count is silently not compared by nbval."""
    for path in _notebooks(root):
        for n, cell in enumerate(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"):
            where = f"{path}: code cell {n}"
            marker = [line for line in cell.source.splitlines() if line.strip().lstrip("#").strip() == CHECK_MARK]
            assert not marker, f"{where}: use the cell tag {CHECK_TAG!r}, not a {CHECK_MARK} comment"
            if is_checked(cell) and path.parent.name != "labs":
                assert cell.execution_count is not None and cell.outputs, f"{where}: checked but has no saved output"
