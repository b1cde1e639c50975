"""The measure/judge protocol: measurements round-trip exactly, the grader judges what it reads."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from course_lib.checks import CheckFailed
from course_lib.checks.protocol import (
    CHECKS,
    CellSpecError,
    Unreadable,
    decode,
    effective_seed,
    encode,
    expected_calls,
    judge_cell,
    roundtrip,
)
from course_lib.functional import softmax as ref_softmax


def test_measurements_roundtrip_arrays_bit_for_bit_and_keep_structure():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "t": torch.tensor([1.5, -2.0]),
             "pair": (1, 2.5), "flags": [True, None, "x"], "nan": float("nan"), "i": np.int64(3)}
    back = roundtrip(value)
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], value["a"])
    assert np.array_equal(back["t"], np.array([1.5, -2.0], dtype=np.float32))
    assert back["pair"] == (1, 2.5) and back["flags"] == [True, None, "x"] and back["i"] == 3
    assert np.isnan(back["nan"])


def test_unreadable_values_and_malformed_data_become_unreadable():
    assert isinstance(roundtrip(object()), Unreadable)
    assert isinstance(decode({"__nd__": [2], "dtype": "<f8", "data": "!!"}), Unreadable)
    assert isinstance(decode({"__nd__": [2], "dtype": "|O", "data": ""}), Unreadable)
    assert isinstance(decode({"__nd__": [1], "dtype": "<f8", "data": encode(np.zeros(2))["data"]}), Unreadable)


def test_effective_seed_is_the_seed_without_salt_and_mixed_with_one():
    assert effective_seed(7, "") == 7
    assert effective_seed(7, "ab") != 7 and effective_seed(7, "ab") == effective_seed(7, "ab")
    assert effective_seed(7, "ab") != effective_seed(7, "cd")


def test_every_registered_check_returns_none_so_a_graded_cell_has_no_value():
    from course_lib.checks import check_softmax

    assert check_softmax(ref_softmax) is None
    assert "check_softmax" in CHECKS


CELL = ("from course_lib.checks import check_softmax\n\n"
        "check_softmax(softmax)\ncheck_softmax(softmax, seed=7, shape=(5, 11))\n")


def _records(fn, salt, tmp_path):
    """Run the cell's calls in a child process in grader mode; return the records it wrote."""
    import pickle

    code = (
        "import pickle, sys\n"
        "from course_lib.checks import check_softmax\n"
        "softmax = pickle.loads(sys.stdin.buffer.read())\n"
        "check_softmax(softmax)\ncheck_softmax(softmax, seed=7, shape=(5, 11))\n"
    )
    env = {"COURSE_GRADER": "1", "COURSE_GRADER_SALT": salt, "COURSE_GRADER_RECORDS": str(tmp_path),
           "PYTHONPATH": ":".join(sys.path), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-c", code], input=pickle.dumps(fn), env=env, check=True,
                   capture_output=True)
    return [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]


def test_grader_judges_honest_measurements_on_salted_inputs(tmp_path):
    recs = _records(ref_softmax, "s3cret", tmp_path)
    assert len(recs) == 2
    verdict = judge_cell(CELL, recs, "s3cret")
    assert verdict.ok, verdict.messages


def test_grader_rejects_measurements_made_with_another_salt_or_missing(tmp_path):
    recs = _records(ref_softmax, "other", tmp_path)
    assert not judge_cell(CELL, recs, "s3cret").ok
    assert not judge_cell(CELL, recs[:1], "other").ok  # the hidden call's record is missing
    assert not judge_cell(CELL, [], "other").ok


def test_grader_rejects_forged_records():
    forged = {"check": "check_softmax", "case": encode({"seed": 0, "shape": (4, 6)}),
              "measured": encode({"z": np.full((4, 6), 1 / 6), "big": np.full((4, 6), 1 / 6), "v": np.full(6, 1 / 6)})}
    verdict = judge_cell(CELL, [forged, {"check": "check_softmax", "case": "junk", "measured": 3}], "")
    assert not verdict.ok
    assert any("softmax" in m and "✗" in m for m in verdict.messages)


def test_graded_cells_must_be_check_calls_with_literal_cases():
    assert expected_calls(CELL) == [("check_softmax", {"seed": 0, "shape": (4, 6)}),
                                    ("check_softmax", {"seed": 7, "shape": (5, 11)})]
    with pytest.raises(CellSpecError):
        expected_calls("x = 1\ncheck_softmax(softmax)")
    with pytest.raises(CellSpecError):
        expected_calls("check_softmax(softmax, seed=n)")
    with pytest.raises(CellSpecError):
        expected_calls("check_nothing(softmax)")
    with pytest.raises(TypeError):
        expected_calls("check_softmax(softmax, sed=1)")


def test_check_failed_renders_without_a_traceback_in_jupyter():
    from course_lib.checks import check_softmax

    with pytest.raises(CheckFailed) as info:
        check_softmax(lambda z: np.exp(z))
    assert info.value._render_traceback_()[0].startswith("✗ softmax")
