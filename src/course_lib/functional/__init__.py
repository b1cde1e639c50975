"""NumPy layers in the CS231n style: ``forward(...) -> (out, cache)``, ``backward(dout, cache) -> grads``.

Every backward pass here has a float64 numerical gradient check in ``tests/``.
"""

from course_lib.functional.core import logsumexp, one_hot, softmax
from course_lib.functional.gru import gru_step_backward, gru_step_forward
from course_lib.functional.lstm import lstm_step_backward, lstm_step_forward, sigmoid
from course_lib.functional.rnn import (
    affine_backward,
    affine_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)

__all__ = [
    "affine_backward",
    "affine_forward",
    "gru_step_backward",
    "gru_step_forward",
    "logsumexp",
    "lstm_step_backward",
    "lstm_step_forward",
    "one_hot",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sigmoid",
    "softmax",
    "temporal_affine_backward",
    "temporal_affine_forward",
    "temporal_softmax_loss",
]
