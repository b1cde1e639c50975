"""Student-facing checks for the labs. Each says which value, expected vs got, and a hint.

Per-lab checks live in ``checks.labNN`` and are re-exported here, so a lab writes
``from course_lib.checks import check_softmax``.
"""

from course_lib.checks.core import CheckFailed, check_array, fail, passed, rel_error
from course_lib.checks.lab00 import check_logsumexp, check_one_hot, check_softmax
from course_lib.checks.lab01 import (
    check_rnn_backward,
    check_rnn_forward,
    check_rnn_step_backward,
    check_rnn_step_forward,
)
from course_lib.checks.lab02 import (
    check_batchify,
    check_get_chunk,
    check_loss_below,
    check_sample_next,
    check_train_step,
)
from course_lib.checks.lab03 import check_lstm_cell, check_lstm_step_backward, check_lstm_step_forward
from course_lib.checks.lab04 import (
    check_adding_train,
    check_beats_adding_baseline,
    check_gru_cell,
    check_which_beats_baseline,
)
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
from course_lib.checks.lab07 import (
    check_causal_mask,
    check_multi_head_attention,
    check_no_future_attention,
    check_scaled_dot_product_attention,
    check_tiny_gpt_beats_bigram,
)

__all__ = [
    "CheckFailed",
    "check_adding_train",
    "check_additive_attention",
    "check_array",
    "check_attentional_output",
    "check_batchify",
    "check_beats_adding_baseline",
    "check_causal_mask",
    "check_date_accuracy",
    "check_decoder",
    "check_encoder",
    "check_get_chunk",
    "check_greedy_decode",
    "check_gru_cell",
    "check_logsumexp",
    "check_loss_below",
    "check_lstm_cell",
    "check_lstm_step_backward",
    "check_lstm_step_forward",
    "check_masked_softmax",
    "check_multi_head_attention",
    "check_no_future_attention",
    "check_one_hot",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_rnn_step_backward",
    "check_rnn_step_forward",
    "check_sample_next",
    "check_scaled_dot_product_attention",
    "check_sequence_loss",
    "check_softmax",
    "check_tiny_gpt_beats_bigram",
    "check_train_step",
    "check_trained_attention",
    "check_which_beats_baseline",
    "fail",
    "passed",
    "rel_error",
]
