"""NumPy layers in the CS231n style: ``forward(...) -> (out, cache)``, ``backward(dout, cache) -> grads``.

Every backward pass here has a float64 numerical gradient check in ``tests/``.
"""

from course_lib.functional.core import logsumexp, one_hot, softmax
from course_lib.functional.gru import gru_step_backward, gru_step_forward
from course_lib.functional.lstm import lstm_step_backward, lstm_step_forward, sigmoid

__all__ = [
    "gru_step_backward",
    "gru_step_forward",
    "logsumexp",
    "lstm_step_backward",
    "lstm_step_forward",
    "one_hot",
    "sigmoid",
    "softmax",
]
