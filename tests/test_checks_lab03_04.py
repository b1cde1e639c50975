"""The lab 03/04 checks pass the reference answers and FAIL, with the right hint, on the usual mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_lib.checks import (
    CheckFailed,
    check_adding_train,
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
    with pytest.raises(CheckFailed, match="too short"):
        check_beats_adding_baseline(model, T=10)


class Oracle(nn.Module):
    """Computes the sum of the two marked values."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return (x[..., 0] * x[..., 1]).sum(1) * self.w


def test_adding_check_passes_for_a_model_that_computes_the_sum(capsys):
    check_beats_adding_baseline(Oracle(), T=20, train_seconds=0.0)
    assert "✓" in capsys.readouterr().out


class Mean(nn.Module):
    """Always predicts the mean sum 1: exactly the baseline."""

    def __init__(self):
        super().__init__()
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.b.expand(x.shape[0])


def test_which_beats_baseline_is_judged_on_the_models_not_on_numbers_the_student_typed():
    models = {"rnn": Mean(), "gru": Oracle()}
    check_which_beats_baseline("gru", models)
    with pytest.raises(CheckFailed, match="on fresh sequences"):
        check_which_beats_baseline("rnn", models, seed=3)
    with pytest.raises(CheckFailed, match="no trained model 'rnn'"):  # the blank lab: models = {}, answer = ""
        check_which_beats_baseline("", {})
    assert math.isclose(1 / 6, 0.16666666666666666)


def _train(model, T, steps, lr, batch_size=64, zero=True, clip=1.0, order="zero-backward-clip"):
    """The lab's loop, with the usual mistakes switchable."""
    from course_lib.data.synthetic import adding_problem

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        x, y = adding_problem(batch_size, T)
        loss = nn.functional.mse_loss(model(x), y)
        if zero and order != "zero-last":
            opt.zero_grad()
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if zero and order == "zero-last":
            opt.zero_grad()
    return model


def test_train_check_passes_the_lab_loop_and_catches_missing_zero_grad_and_clip(capsys):
    check_adding_train(_train)
    check_adding_train(_train, seed=7, T=14, steps=5, lr=0.002, batch_size=6)
    assert capsys.readouterr().out.count("✓") == 2
    with pytest.raises(CheckFailed, match="zero the gradients first"):
        check_adding_train(lambda *a: _train(*a, zero=False))
    with pytest.raises(CheckFailed, match="zero the gradients first"):  # stale gradients reach the first step
        check_adding_train(lambda *a: _train(*a, order="zero-last"))
    with pytest.raises(CheckFailed, match="above the clip"):
        check_adding_train(lambda *a: _train(*a, clip=None))
    with pytest.raises(CheckFailed, match="above the clip"):
        check_adding_train(lambda *a: _train(*a, clip=5.0))
