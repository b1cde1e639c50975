"""Student-facing checks for the labs. Each says which value, expected vs got, and a hint.

Per-lab checks live in ``checks.labNN`` and are re-exported here, so a lab writes
``from course_lib.checks import check_softmax``.
"""

from course_lib.checks.core import CheckFailed, check_array, fail, passed, rel_error
from course_lib.checks.lab00 import check_logsumexp, check_one_hot, check_softmax
from course_lib.checks.lab07 import (
    check_causal_mask,
    check_multi_head_attention,
    check_no_future_attention,
    check_scaled_dot_product_attention,
    check_tiny_gpt_beats_bigram,
)

__all__ = [
    "CheckFailed",
    "check_array",
    "check_causal_mask",
    "check_logsumexp",
    "check_multi_head_attention",
    "check_no_future_attention",
    "check_one_hot",
    "check_scaled_dot_product_attention",
    "check_softmax",
    "check_tiny_gpt_beats_bigram",
    "fail",
    "passed",
    "rel_error",
]
