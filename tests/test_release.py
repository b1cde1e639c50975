"""The lab pipeline: release solutions/ -> labs/, keep them in sync, refuse malformed sources."""

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course_lib.grading.release import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    ReleaseError,
    check_sync,
    release_all,
    release_notebook,
    release_source,
)

LAB = "lab00_warmup.ipynb"


def test_release_removes_solution_blocks_and_hidden_tests():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    assert release_source(src) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    test = "check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, seed=7)\n### END HIDDEN TESTS\n"
    assert release_source(test) == "check(f)\n"


def test_release_of_markdown_answer_leaves_your_answer_here():
    assert release_source("### BEGIN SOLUTION\nBecause.\n### END SOLUTION", "markdown") == "YOUR ANSWER HERE"


@pytest.mark.parametrize("bad, what", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a matching"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside the block"),
    ("### BEGIN HIDDEN TESTS\ncheck()\n", "never closed"),
])
def test_release_refuses_unbalanced_markers(bad, what):
    with pytest.raises(ReleaseError, match=what):
        release_source(bad, where="lab99, cell 3")


def test_released_lab00_keeps_metadata_and_drops_every_answer(root):
    sol = nbformat.read(root / "solutions" / LAB, as_version=4)
    lab = release_notebook(sol)
    assert len(lab.cells) == len(sol.cells)
    for s, l in zip(sol.cells, lab.cells, strict=True):
        assert s.metadata == l.metadata
        assert BEGIN_SOLUTION not in l.source and BEGIN_HIDDEN not in l.source
        if l.cell_type == "code":
            assert l.outputs == [] and l.execution_count is None
    graded = [c for c in lab.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert {c.metadata.nbgrader.grade_id for c in graded} == {"test_softmax", "test_logsumexp", "test_one_hot"}
    assert all(c.metadata.nbgrader.locked for c in graded)
    assert sum("raise NotImplementedError()" in c.source for c in lab.cells if c.cell_type == "code") == 3


def test_labs_folder_is_byte_for_byte_what_release_generates(root):
    assert check_sync(root / "solutions", root / "labs") == []


def test_a_hand_edited_lab_fails_the_sync_check(root, tmp_path):
    shutil.copytree(root / "solutions", tmp_path / "solutions")
    shutil.copytree(root / "labs", tmp_path / "labs")
    lab = tmp_path / "labs" / LAB
    nb = json.loads(lab.read_text())
    nb["cells"][0]["source"] = ["# Lab 00, edited by hand\n"]
    lab.write_text(json.dumps(nb, indent=1))
    problems = check_sync(tmp_path / "solutions", tmp_path / "labs")
    assert len(problems) == 1 and "differs" in problems[0].reason
    (tmp_path / "labs" / "lab99_orphan.ipynb").write_text("{}")
    assert any("no source" in p.reason for p in check_sync(tmp_path / "solutions", tmp_path / "labs"))
    out = subprocess.run([sys.executable, "-m", "course_lib", "check-sync", "--solutions",
                          str(tmp_path / "solutions"), "--labs", str(tmp_path / "labs")],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "out of sync" in out.stderr


def test_release_cli_refuses_an_unclosed_solution_block(root, tmp_path):
    nb = nbformat.read(root / "solutions" / LAB, as_version=4)
    cell = next(c for c in nb.cells if BEGIN_SOLUTION in c.source)
    cell.source = cell.source.replace("### END SOLUTION", "")
    (tmp_path / "solutions").mkdir()
    nbformat.write(nb, tmp_path / "solutions" / LAB)
    with pytest.raises(ReleaseError, match="never closed"):
        release_all(tmp_path / "solutions", tmp_path / "labs")
    out = subprocess.run([sys.executable, "-m", "course_lib", "release", "--solutions",
                          str(tmp_path / "solutions"), "--labs", str(tmp_path / "labs")],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "never closed" in out.stderr


def _execute(path, cwd):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def test_unchanged_lab_fails_with_not_implemented_error(root):
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        _execute(root / "labs" / LAB, root / "labs")


def test_solution_passes_all_its_checks(root):
    nb = _execute(root / "solutions" / LAB, root / "solutions")
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert printed.count("✓") == 6 and "✗" not in printed  # 3 visible tests + 3 hidden
