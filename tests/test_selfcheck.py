"""`course check NOTEBOOK`: the autograder's score on the public tests, before handing in."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course_lib import selfcheck
from course_lib.__main__ import main as cli
from course_lib.bench.grader import answered_notebook
from course_lib.grading.grade import grade_submission, load_lab
from course_lib.grading.release import notebook_bytes


def _write(tmp_path, name, nb) -> object:
    path = tmp_path / f"{name}.ipynb"
    path.write_bytes(notebook_bytes(nb))
    return path


@pytest.fixture(scope="module")
def submissions(root, tmp_path_factory):
    """lab00: an honest answer and the blank lab; lab03: an honest answer (public tests differ there)."""
    tmp = tmp_path_factory.mktemp("selfcheck")
    out = {}
    for name in ("lab00_warmup", "lab03_lstm"):
        solution = nbformat.read(root / "solutions" / f"{name}.ipynb", as_version=4)
        (tmp / "honest").mkdir(exist_ok=True)
        out[(name, "honest")] = _write(tmp / "honest", name, answered_notebook(solution))
    partial = answered_notebook(nbformat.read(root / "solutions" / "lab00_warmup.ipynb", as_version=4))
    blank = nbformat.read(root / "labs" / "lab00_warmup.ipynb", as_version=4)
    answer = next(i for i, c in enumerate(blank.cells) if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    partial.cells[answer].source = blank.cells[answer].source  # the first answer left blank, the others done
    (tmp / "partial").mkdir()
    out[("lab00_warmup", "partial")] = _write(tmp / "partial", "lab00_warmup", partial)
    (tmp / "blank").mkdir()
    out[("lab00_warmup", "blank")] = tmp / "blank" / "lab00_warmup.ipynb"
    shutil.copyfile(root / "labs" / "lab00_warmup.ipynb", out[("lab00_warmup", "blank")])
    return out


def _grader_scores(root, name, path) -> dict[str, float]:
    lab = load_lab(name, root / "solutions")  # the instructor's copy: hidden tests included
    record = grade_submission("student", path, path.read_bytes(), lab, timeout=120, memory_mb=2048)
    return {c["grade_id"]: c["score"] for c in record["cells"]}


@pytest.mark.slow
@pytest.mark.parametrize("name,kind", [("lab00_warmup", "honest"), ("lab03_lstm", "honest"),
                                       ("lab00_warmup", "partial"), ("lab00_warmup", "blank")])
def test_self_check_gives_the_graders_points(root, submissions, name, kind):
    path = submissions[(name, kind)]
    record = selfcheck.check_notebook(path, labs_dir=root / "labs", progress=False)
    mine = {c["grade_id"]: c["score"] for c in record["cells"]}
    assert record["lab"] == name and record["status"] == "ok" and record["notes"] == []
    if kind == "honest":
        assert record["total"] == record["max"] > 0
    elif kind == "partial":
        assert 0 < record["total"] < record["max"]
        assert [c["score"] == c["points"] for c in record["cells"]] == [False, True, True]
    else:
        assert record["total"] == 0 and all("NotImplementedError" in c["message"] for c in record["cells"])
    assert mine == _grader_scores(root, name, path)


@pytest.mark.slow
def test_course_check_prints_the_table_and_exits_nonzero_on_a_failed_cell(root, submissions, capsys):
    assert cli(["check", str(submissions[("lab00_warmup", "honest")]), "--labs", str(root / "labs"),
                "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "score: 6 / 6" in out and "test_softmax" in out and "What went wrong" not in out
    assert cli(["check", str(submissions[("lab00_warmup", "blank")]), "--labs", str(root / "labs"),
                "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "score: 0 / 6" in out and out.count("FAIL") == 3 and "What went wrong" in out


@pytest.mark.slow
def test_an_edited_test_cell_counts_as_the_released_one(root, tmp_path):
    """A student who turns a test into `pass` gets what the grader gives: the original test runs."""
    nb = nbformat.read(root / "labs" / "lab00_warmup.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_softmax":
            cell.source = "pass"
    path = _write(tmp_path, "lab00_warmup", nb)
    record = selfcheck.check_notebook(path, labs_dir=root / "labs", progress=False)
    assert record["status"] == "tampered" and record["total"] == 0
    assert any("test_softmax" in n for n in record["notes"])


def test_the_lab_is_found_from_a_browser_renamed_file_or_from_its_test_cells(root, tmp_path):
    labs = root / "labs"
    shutil.copyfile(labs / "lab03_lstm.ipynb", tmp_path / "lab03_lstm (1).ipynb")
    assert selfcheck.identify_lab(tmp_path / "lab03_lstm (1).ipynb", labs) == "lab03_lstm"
    shutil.copyfile(labs / "lab01_rnn_numpy.ipynb", tmp_path / "my_homework.ipynb")
    assert selfcheck.identify_lab(tmp_path / "my_homework.ipynb", labs) == "lab01_rnn_numpy"
    (tmp_path / "other.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(ValueError, match="none of the released labs"):
        selfcheck.identify_lab(tmp_path / "other.ipynb", labs)


def test_course_check_explains_a_missing_notebook_or_unknown_lab(root, tmp_path, capsys):
    assert cli(["check", str(tmp_path / "nope.ipynb")]) == 2
    assert "no notebook at" in capsys.readouterr().err
    shutil.copyfile(root / "labs" / "lab00_warmup.ipynb", tmp_path / "x.ipynb")
    assert cli(["check", str(tmp_path / "x.ipynb"), "--lab", "lab99_nothing", "--labs", str(root / "labs")]) == 2
    assert "lab00_warmup" in capsys.readouterr().err  # the message lists the known labs
