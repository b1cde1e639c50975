"""Student-facing checks for the labs. Each says which value, expected vs got, and a hint.

Per-lab checks live in ``checks.labNN`` and are re-exported here, so a lab writes
``from course_lib.checks import check_softmax``.
"""

from course_lib.checks.core import CheckFailed, check_array, fail, passed, rel_error
from course_lib.checks.lab00 import check_logsumexp, check_one_hot, check_softmax
from course_lib.checks.lab03 import check_lstm_cell, check_lstm_step_backward, check_lstm_step_forward
from course_lib.checks.lab04 import check_beats_adding_baseline, check_gru_cell, check_which_beats_baseline

__all__ = [
    "CheckFailed",
    "check_array",
    "check_beats_adding_baseline",
    "check_gru_cell",
    "check_logsumexp",
    "check_lstm_cell",
    "check_lstm_step_backward",
    "check_lstm_step_forward",
    "check_one_hot",
    "check_softmax",
    "check_which_beats_baseline",
    "fail",
    "passed",
    "rel_error",
]
