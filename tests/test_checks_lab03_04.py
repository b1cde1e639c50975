"""The lab 03/04 checks pass the reference answers and FAIL, with the right hint, on the usual mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_lib.checks import (
    CheckFailed,
    check_beats_adding_baseline,
    check_gru_cell,
    check_lstm_cell,
    check_lstm_step_backward,
    check_lstm_step_forward,
    check_which_beats_baseline,
)
from course_lib.experiments.adding import AddingModel
from course_lib.functional import lstm_step_backward, lstm_step_forward, sigmoid
from course_lib.gru import GRUCell
from course_lib.lstm import LSTMCell


def _lstm_forward_with(order="ifgo", g_act=np.tanh):
    def forward(x, h_prev, c_prev, W_x, W_h, b):
        H = h_prev.shape[1]
        a = x @ W_x + h_prev @ W_h + b
        blk = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
        i, f, o, g = sigmoid(blk["i"]), sigmoid(blk["f"]), sigmoid(blk["o"]), g_act(blk["g"])
        c = f * c_prev + i * g
        return o * np.tanh(c), c, None
    return forward


def test_reference_lstm_answers_pass(capsys):
    check_lstm_step_forward(lstm_step_forward)
    check_lstm_step_backward(lstm_step_forward, lstm_step_backward)
    check_lstm_cell(LSTMCell)
    assert capsys.readouterr().out.count("✓") == 3


def test_lstm_forward_check_names_the_cs231n_gate_order():
    with pytest.raises(CheckFailed, match="i, f, o, g"):
        check_lstm_step_forward(_lstm_forward_with(order="ifog"))


def test_lstm_forward_check_names_sigmoid_for_the_candidate():
    with pytest.raises(CheckFailed, match="sigmoid for the candidate"):
        check_lstm_step_forward(_lstm_forward_with(g_act=sigmoid))


def test_lstm_backward_check_fails_on_a_missing_forget_factor():
    def backward(dh, dc, cache):
        dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(dh, dc, cache)
        return dx, dh_prev, dc_prev / cache[6], dWx, dWh, db  # drops the factor f from dc_prev
    with pytest.raises(CheckFailed, match="dc_prev"):
        check_lstm_step_backward(lstm_step_forward, backward)


def test_lstm_cell_check_fails_when_cell_state_is_forgotten():
    class NoForget(LSTMCell):
        def forward(self, x_t, state):
            h, c = state
            return super().forward(x_t, (h, torch.zeros_like(c)))
    with pytest.raises(CheckFailed, match="f \\* c_prev"):
        check_lstm_cell(NoForget)


def test_reference_gru_cell_passes_and_cho_placement_fails_with_its_hint(capsys):
    check_gru_cell(GRUCell)
    assert "✓" in capsys.readouterr().out

    class Cho(GRUCell):
        def forward(self, x_t, h_prev):
            H = self.hidden_size
            u, v = x_t @ self.W_x + self.b_x, h_prev @ self.W_h + self.b_h
            r = torch.sigmoid(u[:, :H] + v[:, :H])
            z = torch.sigmoid(u[:, H:2 * H] + v[:, H:2 * H])
            n = torch.tanh(u[:, 2 * H:] + (r * h_prev) @ self.W_h[:, 2 * H:] + self.b_h[2 * H:])
            return (1 - z) * n + z * h_prev
    with pytest.raises(CheckFailed, match="Cho"):
        check_gru_cell(Cho)


def test_gru_cell_check_names_a_swapped_update_gate():
    class Swapped(GRUCell):
        def forward(self, x_t, h_prev):
            h = super().forward(x_t, h_prev)
            H = self.hidden_size
            z = torch.sigmoid((x_t @ self.W_x + self.b_x + h_prev @ self.W_h + self.b_h)[:, H:2 * H])
            n = (h - z * h_prev) / (1 - z)
            return z * n + (1 - z) * h_prev
    with pytest.raises(CheckFailed, match="z \\* n"):
        check_gru_cell(Swapped)


def test_adding_check_fails_for_an_untrained_model_and_over_budget():
    torch.manual_seed(0)
    model = AddingModel("gru", 8)
    with pytest.raises(CheckFailed, match="held-out MSE"):
        check_beats_adding_baseline(model, T=20, train_seconds=1.0)
    with pytest.raises(CheckFailed, match="budget"):
        check_beats_adding_baseline(model, T=20, train_seconds=100.0)


def test_adding_check_passes_for_a_model_that_computes_the_sum(capsys):
    class Oracle(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return (x[..., 0] * x[..., 1]).sum(1) * self.w
    check_beats_adding_baseline(Oracle(), T=20, train_seconds=0.0)
    assert "✓" in capsys.readouterr().out


def test_which_beats_baseline_follows_the_students_own_numbers():
    check_which_beats_baseline("gru", {"rnn": 0.16, "gru": 0.01})
    with pytest.raises(CheckFailed, match="by your own numbers"):
        check_which_beats_baseline("rnn", {"rnn": 0.16, "gru": 0.01})
    assert math.isclose(1 / 6, 0.16666666666666666)
