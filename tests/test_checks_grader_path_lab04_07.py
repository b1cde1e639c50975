"""Labs 04-07 on the grader's path: the kernel only measures (grader mode, salted seeds), the grader judges
the records with ``judge_cell`` on the instructor's cell. The honest solution passes; the mistakes of issue 14
(no zero_grad, no clip, a zero ``init_state``, a post-LN block) lose their cells; the blank lab04 scores 0
on the cell that used to give a free point."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutants.harness import _meta, _solution, load_catalogue, student_notebook  # noqa: E402

from course_lib.checks.protocol import GRADER_ENV, RECORDS_ENV, SALT_ENV, judge_cell  # noqa: E402
from course_lib.grading.release import BEGIN_HIDDEN, END_HIDDEN  # noqa: E402

SALT = "4f1c9e"


def _instructor_source(lab: str, gid: str) -> str:
    cell = next(c for c in _solution(lab).cells if _meta(c).get("grade_id") == gid)
    return "\n".join(ln for ln in cell.source.split("\n") if ln.strip() not in (BEGIN_HIDDEN, END_HIDDEN))


def _graded(nb, lab: str, target: str, tmp_path: Path):
    """Run the student's cells up to ``target`` in grader mode; judge the target's records."""
    ns: dict = {"__name__": "__main__"}
    env = {GRADER_ENV: "1", SALT_ENV: SALT, RECORDS_ENV: str(tmp_path), "COURSE_DEVICE": "cpu"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            gid = _meta(cell).get("grade_id")
            source = _instructor_source(lab, gid) if gid == target else cell.source
            for p in tmp_path.glob("*.json"):
                p.unlink()
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    exec(compile(source, f"<{lab}:{gid}>", "exec"), ns)  # noqa: S102
                except Exception:  # noqa: BLE001 - as in the grader: a failing cell writes no record, the run goes on
                    pass
            if gid == target:
                break
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    records = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]
    return judge_cell(_instructor_source(lab, target), records, SALT)


def _mutant(key: str, name: str):
    return next(m for m in load_catalogue(key).mutants if m.name == name)


CASES = [
    ("lab04", "lab04_gru_long_range", "test_train_adding", "train without zero_grad", "zero the gradients"),
    ("lab04", "lab04_gru_long_range", "test_train_adding", "train without gradient clipping", "above the clip"),
    ("lab05", "lab05_seq2seq_dates", "test_decoder", "decoder init_state returning zeros", "condition it twice"),
    ("lab07", "lab07_transformer", "test_tiny_gpt", "post-LN block", "post-LN"),
]


@pytest.mark.parametrize("key,lab,target,name,hint", CASES, ids=[c[3] for c in CASES])
def test_issue14_mistakes_lose_their_cell_and_the_honest_answer_keeps_it(key, lab, target, name, hint, tmp_path):
    honest = _graded(student_notebook(lab), lab, target, tmp_path)
    assert honest.ok, honest.messages
    wrong = _graded(student_notebook(lab, _mutant(key, name).edits), lab, target, tmp_path)
    assert not wrong.ok and any(hint in m for m in wrong.messages), wrong.messages


def test_blank_lab04_scores_nothing_on_the_which_beats_cell(tmp_path):
    from course_lib.grading.release import release_notebook

    blank = release_notebook(_solution("lab04_gru_long_range"))
    verdict = _graded(blank, "lab04_gru_long_range", "test_which_beats", tmp_path)
    assert not verdict.ok and any("no trained model" in m for m in verdict.messages), verdict.messages
