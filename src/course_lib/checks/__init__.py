"""Student-facing checks for the labs. Each says which value, expected vs got, and a hint.

Per-lab checks live in ``checks.labNN`` and are re-exported here, so a lab writes
``from course_lib.checks import check_softmax``.
"""

from course_lib.checks.core import CheckFailed, check_array, fail, passed, rel_error
from course_lib.checks.lab00 import check_logsumexp, check_one_hot, check_softmax
from course_lib.checks.lab05 import (
    check_date_accuracy,
    check_decoder,
    check_encoder,
    check_greedy_decode,
    check_sequence_loss,
)
from course_lib.checks.lab06 import (
    check_additive_attention,
    check_attentional_output,
    check_masked_softmax,
    check_trained_attention,
)

__all__ = [
    "CheckFailed",
    "check_additive_attention",
    "check_array",
    "check_attentional_output",
    "check_date_accuracy",
    "check_decoder",
    "check_encoder",
    "check_greedy_decode",
    "check_logsumexp",
    "check_masked_softmax",
    "check_one_hot",
    "check_sequence_loss",
    "check_softmax",
    "check_trained_attention",
    "fail",
    "passed",
    "rel_error",
]
