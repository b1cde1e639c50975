"""The autograder on known-good and known-bad submissions of lab00, built here from the lab sources.

One grading run (module fixture) covers every kind of submission; each test reads its row of the
gradebook and its feedback. Timings: about 15 child processes, one of which runs into the time limit.
"""

from __future__ import annotations

import copy
import csv
import fcntl
import json
import os
import shutil

import nbformat
import pytest

from course_lib.__main__ import main as cli
from course_lib.bench.grader import answered_notebook
from course_lib.grading.grade import GradeError, load_lab, restore_locked_cells
from course_lib.grading.nbgrader_format import validate_notebook_metadata

LAB = "lab00_warmup"
TIMEOUT = "30"  # generous (a submission takes ~1-3 s even under load); only the infinite loop reaches it
IDS = ("test_softmax", "test_logsumexp", "test_one_hot")


def _gid(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _answers(root) -> dict[str, str]:
    """The solution's answer cells, markers removed: what a good student would write."""
    nb = answered_notebook(nbformat.read(root / "solutions" / f"{LAB}.ipynb", as_version=4))
    return {_gid(c): c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def _submission(root, answers=None, edit=None, drop=(), append=()) -> str:
    """The released lab with answer cells filled, locked cells edited or dropped, cells appended."""
    nb = nbformat.read(root / "labs" / f"{LAB}.ipynb", as_version=4)
    cells = []
    for cell in nb.cells:
        gid = _gid(cell)
        if gid in drop:
            continue
        if answers and gid in answers:
            cell.source = answers[gid]
        if edit and gid in edit:
            cell.source = edit[gid]
        cells.append(cell)
    cells += [nbformat.v4.new_code_cell(src) for src in append]
    nb.cells = cells
    return nbformat.writes(nb)


BOMB = """def _eat():
    hog = []
    while True:
        hog.append(bytearray(64 * 2**20))
_eat()
"""


def _build_and_grade(root, base) -> None:
    subs, out = base / "submissions", base / "out"
    subs.mkdir()
    good = _answers(root)
    wrong_lse = "def logsumexp(z):\n    return np.log(np.exp(z).sum(axis=-1))  # overflows\n"
    victim = subs / "correct" / f"{LAB}.ipynb"
    cases = {
        "correct": _submission(root, good),
        "partial": _submission(root, {"softmax": good["softmax"], "logsumexp": wrong_lse}),
        "unchanged": _submission(root),
        "infinite_loop": _submission(root, {**good, "one_hot": "while True:\n    pass\n"}),
        "memory_bomb": _submission(root, {**good, "logsumexp": BOMB + good["logsumexp"]}),
        "sys_exit": _submission(root, {**good, "softmax": good["softmax"] + "\nimport sys\nsys.exit(3)\n"}),
        "os_exit": _submission(root, {**good, "logsumexp": good["logsumexp"] + "\nimport os\nos._exit(1)\n"}),
        "segfault": _submission(root, {**good, "one_hot": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"}),
        "tests_pass": _submission(root, {"softmax": good["softmax"]}, edit={g: "pass" for g in IDS}),
        "tests_deleted": _submission(root, good, drop=("test_logsumexp", "test_one_hot")),
        "fake_print": _submission(root, append=[
            "print('✓ All tests passed! 6 / 6')\n"
            "print(" + repr(json.dumps({"index": 4, "ok": True})) + ")\n"
            "import os\nos.write(1, b'{\"done\": true}\\n'); os.write(2, b'All tests passed')\n"]),
        "writer": _submission(root, good, append=[
            "import os\n"
            f"targets = [{str(out / 'gradebook.csv')!r}, {str(out / 'results.json')!r}, {str(victim)!r},\n"
            f"           {str(subs / 'escaped.txt')!r}, '../escaped.txt']\n"
            "for t in targets:\n"
            "    try:\n"
            "        with open(t, 'w') as f:\n"
            "            f.write('student,lab,total\\nwriter,lab00_warmup,999\\n')\n"
            "    except OSError:\n"
            "        pass\n"
            "open('my_own_file.txt', 'w').write('allowed')\n"]),
        "hidden_fail": _submission(root, {**good, "softmax": ONLY_VISIBLE}),
        "uses_reference": _submission(root, {**good, "softmax": REFERENCE_SOFTMAX}),
        "magics": _submission(root, good, append=["%matplotlib inline\n!echo hi\nx = 1\n"]),
        "huge_output": _submission(root, good, append=[
            "print('x' * 30_000_000)\nfor i in range(200_000):\n    print(i)\n"]),
    }
    for student, text in cases.items():
        (subs / student).mkdir()
        (subs / student / f"{LAB}.ipynb").write_text(text, encoding="utf-8")
    (subs / "invalid_json.ipynb").write_text("{ this is not json", encoding="utf-8")
    (subs / "empty.ipynb").write_text("", encoding="utf-8")
    (subs / "json_not_notebook.ipynb").write_text("[1, 2, 3]", encoding="utf-8")
    (subs / "no_notebook").mkdir()
    (subs / "no_notebook" / "notes.txt").write_text("forgot to upload", encoding="utf-8")
    argv = ["grade", str(subs), "--lab", LAB, "--out", str(out), "-j", "2", "--timeout", TIMEOUT,
            "--memory", "768", "--no-progress"]
    assert cli(argv) == 0
    (base / "done").write_text("graded")


REFERENCE_SOFTMAX = """import course_lib.functional

def softmax(z):
    return course_lib.functional.softmax(z)
"""

ONLY_VISIBLE = """def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    if z.shape[-1] != 6:  # right only for the visible test's shape (4, 6) and its 1-D (6,)
        return z
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    """Grade every kind of submission once per test session, even across pytest-xdist workers."""
    base = tmp_path_factory.getbasetemp()  # this session's; with xdist, the parent is shared by the workers
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "grader-cases"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (shared / "done").exists():
                for leftover in shared.iterdir():
                    if leftover.is_dir():
                        shutil.rmtree(leftover)
                _build_and_grade(root, shared)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    subs, out = shared / "submissions", shared / "out"
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    state = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {"subs": subs, "out": out, "rows": rows, "by": {r["student"]: r for r in rows},
            "students": set(EXPECTED), "state": state, "victim": subs / "correct" / f"{LAB}.ipynb",
            "victim_text": _submission(root, _answers(root))}


EXPECTED = {  # student: (total, status, test_softmax, test_logsumexp, test_one_hot)
    "correct": (6, "ok", 2, 2, 2),
    "partial": (2, "ok", 2, 0, 0),
    "unchanged": (0, "ok", 0, 0, 0),
    "infinite_loop": (4, "timeout", 2, 2, 0),
    "memory_bomb": (4, "memory", 2, 0, 2),
    "sys_exit": (6, "ok", 2, 2, 2),
    "os_exit": (2, "crashed", 2, 0, 0),
    "segfault": (4, "crashed", 2, 2, 0),
    "tests_pass": (2, "tampered", 2, 0, 0),
    "tests_deleted": (6, "tampered", 2, 2, 2),
    "fake_print": (0, "ok", 0, 0, 0),
    "writer": (6, "ok", 2, 2, 2),
    "huge_output": (6, "ok", 2, 2, 2),
    "hidden_fail": (4, "ok", 0, 2, 2),  # passes the visible softmax test, fails the hidden one
    "magics": (6, "ok", 2, 2, 2),
    "uses_reference": (6, "ok", 2, 2, 2),  # graded as written, flagged in the gradebook
    "invalid_json": (0, "invalid", 0, 0, 0),
    "empty": (0, "invalid", 0, 0, 0),
    "json_not_notebook": (0, "invalid", 0, 0, 0),
    "no_notebook": (0, "invalid", 0, 0, 0),
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_expected_score_and_status(graded, student):
    row = graded["by"][student]
    total, status, *cells = EXPECTED[student]
    got = (float(row["total"]), row["status"], *(float(row[g]) for g in IDS))
    assert got == (total, status, *cells), row["notes"]
    assert row["max"] == "6" and row["lab"] == LAB


def test_gradebook_has_exactly_one_row_per_student_and_the_nbgrader_columns(graded):
    students = [r["student"] for r in graded["rows"]]
    assert sorted(students) == sorted(graded["students"])
    assert list(graded["rows"][0]) == ["student", "lab", *IDS, "total", "max", "status", "uses_reference", "notes"]
    assert sorted(graded["state"]["students"]) == sorted(graded["students"])


def test_feedback_file_per_student_lists_each_graded_cell_with_points_and_message(graded):
    fb = graded["out"] / "feedback"
    for student in graded["students"]:
        text = (fb / f"{student}.md").read_text(encoding="utf-8")
        assert all(f"`{g}`" in text for g in IDS), student
        assert (fb / f"{student}.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    correct = (fb / "correct.md").read_text(encoding="utf-8")
    assert "**Score: 6 / 6**" in correct and "| 2 / 2 | ✓ softmax" in correct
    partial = (fb / "partial.md").read_text(encoding="utf-8")
    assert "✗ logsumexp: logsumexp for values near +-800" in partial and "Hint: an overflow" in partial
    assert "NotImplementedError" in partial
    assert "NotImplementedError" in (fb / "unchanged.md").read_text(encoding="utf-8")


def test_an_answer_returning_course_libs_reference_is_flagged_not_penalised(graded):
    flagged = {r["student"]: r["uses_reference"] for r in graded["rows"] if r["uses_reference"]}
    assert list(flagged) == ["uses_reference"]
    assert "softmax: uses course_lib.functional.softmax" in flagged["uses_reference"]
    text = (graded["out"] / "feedback" / "uses_reference.md").read_text(encoding="utf-8")
    assert "Uses course_lib's reference implementation" in text


@pytest.mark.parametrize("source, flagged", [
    ("import course_lib\ndef softmax(z):\n    return course_lib.functional.softmax(z)\n",
     ["uses course_lib.functional.softmax"]),
    ("from course_lib.functional import softmax as s\ndef softmax(z):\n    return s(z)\n",
     ["imports course_lib.functional.softmax", "uses course_lib.functional.softmax, the very name it defines"]),
    ("from course_lib import train\ndef train_step(m):\n    return train.train_step(m)\n",
     ["uses course_lib.train.train_step, the very name it defines"]),
    ("import numpy as np\nfrom course_lib.utils import seed_everything\ndef softmax(z):\n    return np.exp(z)\n", []),
    ("def softmax(z):\n    return z  # course_lib.functional.softmax in a comment\n", []),
])
def test_uses_reference_reads_imports_and_attribute_paths(source, flagged):
    from course_lib.grading.references import uses_reference

    assert uses_reference(source) == flagged


def test_graded_cells_are_read_through_the_protocol_at_load_time(root, tmp_path):
    lab = load_lab(LAB, root / "solutions")
    assert lab.calls["test_softmax"] == [("check_softmax", {"seed": 0, "shape": (4, 6)}),
                                         ("check_softmax", {"seed": 7, "shape": (5, 11)})]
    assert "BEGIN HIDDEN TESTS" in lab.sources["test_softmax"]
    for bad, message in [("check_softmax(softmax)\nx = 1\n", "only imports and check calls"),
                         ("check_softmax(softmax, seed=n)\n", "must be a literal"),
                         ("from course_lib.checks import check_softmax\n", "calls no check"),
                         ("check_softmax(softmax, sed=1)\n", "unknown case argument")]:
        nb = nbformat.read(root / "solutions" / f"{LAB}.ipynb", as_version=4)
        next(c for c in nb.cells if _gid(c) == "test_softmax").source = bad
        (tmp_path / f"{LAB}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
        with pytest.raises(GradeError, match="graded cell 'test_softmax' cannot be judged|calls no check") as info:
            load_lab(LAB, tmp_path)
        assert message in str(info.value)


def test_a_manually_graded_answer_is_reported_pending_and_kept_out_of_the_total(root, tmp_path):
    from course_lib.grading.feedback import feedback_markdown
    from course_lib.grading.gradebook import gradebook_csv
    from course_lib.grading.lab import manual_answers

    nb = nbformat.read(root / "solutions" / f"{LAB}.ipynb", as_version=4)
    written = nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nBecause the maximum is subtracted.\n### END SOLUTION")
    written.metadata["nbgrader"] = {"grade": True, "solution": True, "locked": False, "points": 2,
                                    "grade_id": "why_stable", "schema_version": 3, "task": False}
    nb.cells.append(written)
    (tmp_path / f"{LAB}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    lab = load_lab(LAB, tmp_path)
    assert lab.manual == {"why_stable": 2.0} and "why_stable" not in lab.points
    student = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Subtract the max.")])
    student.cells[0].metadata["nbgrader"] = dict(written.metadata["nbgrader"])
    answers = manual_answers(student, lab)
    assert answers == [{"grade_id": "why_stable", "points": 2.0, "answer": "Subtract the max."}]
    record = {"student": "ann", "lab": LAB, "total": 6.0, "max": lab.max_points, "status": "ok", "notes": [],
              "cells": [], "errors": [], "scores": dict.fromkeys(lab.points, 2.0), "manual": answers}
    page = feedback_markdown(record)
    assert "Manually graded (pending)" in page and "Subtract the max." in page
    header, row = gradebook_csv(lab, {"ann": record}).splitlines()
    assert "why_stable (manual)" in header and "pending" in row and lab.max_points == 6.0


def test_timeout_memory_and_crash_are_explained_in_the_notes(graded):
    by = graded["by"]
    assert "time limit of 30 s" in by["infinite_loop"]["notes"]
    assert "out of memory (limit 768 MB)" in by["memory_bomb"]["notes"]
    assert "SIGSEGV" in by["segfault"]["notes"]
    assert "exited with code 1" in by["os_exit"]["notes"]
    assert "SystemExit: 3" in (graded["out"] / "feedback" / "sys_exit.md").read_text(encoding="utf-8")


def test_edited_and_deleted_test_cells_are_reported_as_tampered_and_restored(graded):
    notes = graded["by"]["tests_pass"]["notes"]
    assert all(f"locked cell '{g}' was edited" in notes for g in IDS)
    notes = graded["by"]["tests_deleted"]["notes"]
    assert "'test_logsumexp' was missing" in notes and "'test_one_hot' was missing" in notes


def test_huge_output_is_capped_in_results_and_feedback(graded):
    assert (graded["out"] / "feedback" / "huge_output.md").stat().st_size < 20_000
    assert (graded["out"] / "results.json").stat().st_size < 500_000


def test_writing_outside_its_folder_changes_nobody_elses_files_or_rows(graded):
    assert graded["by"]["correct"]["total"] == "6"
    assert "999" not in (graded["out"] / "gradebook.csv").read_text(encoding="utf-8")
    if graded["state"]["students"]["writer"].get("isolated"):  # Linux >= 5.13: writes are confined
        assert graded["victim"].read_text(encoding="utf-8") == graded["victim_text"]
        assert not (graded["subs"] / "escaped.txt").exists()
        assert not (graded["subs"].parent / "escaped.txt").exists()


def test_rerun_skips_graded_students_and_force_regrades_them(root, tmp_path, capsys):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "ann.ipynb").write_text(_submission(root, _answers(root)), encoding="utf-8")
    (subs / "ben.ipynb").write_text(_submission(root), encoding="utf-8")
    argv = ["grade", str(subs), "--lab", LAB, "--out", str(out), "-j", "2", "--timeout", TIMEOUT, "--no-progress"]
    assert cli(argv) == 0
    assert "grading 2 submission(s)" in capsys.readouterr().err
    before = (out / "gradebook.csv").read_bytes()
    assert cli(argv) == 0
    assert "grading 0 submission(s) of lab00_warmup with -j 2; 2 already graded" in capsys.readouterr().err
    assert (out / "gradebook.csv").read_bytes() == before
    (subs / "ben.ipynb").write_text(_submission(root, {"softmax": _answers(root)["softmax"]}), encoding="utf-8")
    assert cli(argv) == 0
    assert "grading 1 submission(s) of lab00_warmup with -j 2; 1 already graded" in capsys.readouterr().err
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    assert (rows["ann"]["total"], rows["ben"]["total"]) == ("6", "2")
    assert cli([*argv, "--force"]) == 0
    assert "grading 2 submission(s)" in capsys.readouterr().err
    assert len(list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))) == 2


def test_restored_missing_test_cell_goes_right_after_its_answer_cell(root):
    lab = load_lab(LAB, root / "solutions")
    nb = nbformat.reads(_submission(root, drop=("test_softmax",)), as_version=4)
    cells, notes = restore_locked_cells(nb, lab)
    ids = [_gid(c) for c in cells]
    assert ids.index("test_softmax") == ids.index("softmax") + 1
    assert "BEGIN HIDDEN TESTS" in cells[ids.index("test_softmax")].source
    assert notes == ["locked cell 'test_softmax' was missing (the original was restored)"]


def test_every_solution_notebook_validates_against_nbgrader_metadata_format(root):
    paths = sorted((root / "solutions").glob("lab*.ipynb"))
    assert paths
    for path in paths:
        assert validate_notebook_metadata(nbformat.read(path, as_version=4), str(path)) == []


@pytest.mark.parametrize("change, message", [
    (lambda m: m.pop("points"), "needs points"),
    (lambda m: m.update(grade_id="has space"), "letters, digits"),
    (lambda m: m.update(schema_version=2), "schema_version must be 3"),
    (lambda m: m.update(colour="red"), "unknown nbgrader field 'colour'"),
    (lambda m: m.update(locked="yes"), "'locked' must be bool"),
    (lambda m: m.update(points=True), "'points' must be number"),
    (lambda m: m.update(points=-1), "points must be >= 0"),
    (lambda m: m.pop("solution"), "'solution' is required"),
    (lambda m: m.update(grade_id=""), "non-empty grade_id"),
])
def test_nbgrader_validation_rejects_malformed_metadata(root, change, message):
    nb = nbformat.read(root / "solutions" / f"{LAB}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if _gid(c) == "test_softmax")
    change(cell.metadata.nbgrader)
    problems = validate_notebook_metadata(nb)
    assert any(message in p for p in problems), problems


def test_nbgrader_validation_rejects_duplicate_ids_and_markdown_grade_without_solution(root):
    nb = nbformat.read(root / "solutions" / f"{LAB}.ipynb", as_version=4)
    dup = copy.deepcopy(next(c for c in nb.cells if _gid(c) == "test_softmax"))
    nb.cells.append(dup)
    md = nbformat.v4.new_markdown_cell("explain", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": False, "grade_id": "md", "points": 1, "schema_version": 3}})
    nb.cells.append(md)
    problems = validate_notebook_metadata(nb)
    assert any("'test_softmax' is already used" in p for p in problems)
    assert any("Markdown cell must be both grade and solution" in p for p in problems)


def test_judging_is_one_cell_at_a_time_while_submissions_run_in_parallel(monkeypatch):
    """The judges rebuild references from PyTorch's global random generator, which threads share:
    score_cells, called from grade_submissions' worker threads, must never judge two cells at once."""
    import threading
    import time
    from types import SimpleNamespace

    from course_lib.checks import protocol
    from course_lib.grading import scoring

    active, most = [0], [0]
    guard = threading.Lock()

    def slow_judge(source, records, salt):
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.05)
        with guard:
            active[0] -= 1
        return SimpleNamespace(ok=True, messages=["✓"])

    monkeypatch.setattr(protocol, "judge_cell", slow_judge)
    lab = SimpleNamespace(points={"a": 1.0, "b": 1.0}, sources={"a": "", "b": ""})
    run = SimpleNamespace(cells={0: SimpleNamespace(ok=True, records=[]), 1: SimpleNamespace(ok=True, records=[])},
                          salt="s")
    records = [{"scores": {}, "cells": []} for _ in range(4)]
    threads = [threading.Thread(target=scoring.score_cells, args=(r, run, lab, {"a": 0, "b": 1}, ""))
               for r in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
    assert all(r["scores"] == {"a": 1.0, "b": 1.0} for r in records)
