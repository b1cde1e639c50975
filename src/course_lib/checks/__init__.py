"""Student-facing checks for the labs. Each says which value, expected vs got, and a hint.

Per-lab checks live in ``checks.labNN`` and are re-exported here, so a lab writes
``from course_lib.checks import check_softmax``.
"""

from course_lib.checks.core import CheckFailed, check_array, fail, passed, rel_error
from course_lib.checks.lab00 import check_logsumexp, check_one_hot, check_softmax

__all__ = [
    "CheckFailed",
    "check_array",
    "check_logsumexp",
    "check_one_hot",
    "check_softmax",
    "fail",
    "passed",
    "rel_error",
]
