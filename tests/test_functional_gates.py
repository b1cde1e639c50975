"""NumPy LSTM and GRU steps: equal to the torch cells, and their backward passes pass float64 gradient checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.errors import ShapeError
from course_lib.functional import gru_step_backward, gru_step_forward, lstm_step_backward, lstm_step_forward
from course_lib.gradcheck import numerical_gradient_array, rel_error


def _lstm_inputs(rng, N=3, D=4, H=5):
    return dict(x=rng.normal(size=(N, D)), h_prev=rng.normal(size=(N, H)), c_prev=rng.normal(size=(N, H)),
                W_x=rng.normal(size=(D, 4 * H)) * 0.5, W_h=rng.normal(size=(H, 4 * H)) * 0.5,
                b=rng.normal(size=4 * H))


def _gru_inputs(rng, N=3, D=4, H=5):
    return dict(x=rng.normal(size=(N, D)), h_prev=rng.normal(size=(N, H)),
                W_x=rng.normal(size=(D, 3 * H)) * 0.5, W_h=rng.normal(size=(H, 3 * H)) * 0.5,
                b_x=rng.normal(size=3 * H), b_h=rng.normal(size=3 * H))


def test_lstm_step_forward_matches_torch_lstm_cell():
    rng = np.random.default_rng(0)
    p = _lstm_inputs(rng)
    h, c, _ = lstm_step_forward(**p)
    cell = torch.nn.LSTMCell(4, 5).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["W_x"].T))
        cell.weight_hh.copy_(torch.from_numpy(p["W_h"].T))
        cell.bias_ih.copy_(torch.from_numpy(p["b"]))
        cell.bias_hh.zero_()
    h_ref, c_ref = cell(torch.from_numpy(p["x"]), (torch.from_numpy(p["h_prev"]), torch.from_numpy(p["c_prev"])))
    torch.testing.assert_close(torch.from_numpy(h), h_ref.detach())
    torch.testing.assert_close(torch.from_numpy(c), c_ref.detach())


def test_lstm_step_backward_passes_float64_gradient_check():
    rng = np.random.default_rng(1)
    p = _lstm_inputs(rng)
    h, c, cache = lstm_step_forward(**p)
    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    grads = dict(zip(["x", "h_prev", "c_prev", "W_x", "W_h", "b"], lstm_step_backward(dh, dc, cache), strict=True))

    def f():
        h, c, _ = lstm_step_forward(**p)
        return np.concatenate([h, c], axis=1)

    for name, g in grads.items():
        num = numerical_gradient_array(f, p[name], np.concatenate([dh, dc], axis=1))
        assert rel_error(g, num) < 1e-6, name


def test_gru_step_forward_matches_torch_gru_cell():
    rng = np.random.default_rng(2)
    p = _gru_inputs(rng)
    h, _ = gru_step_forward(**p)
    cell = torch.nn.GRUCell(4, 5).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["W_x"].T))
        cell.weight_hh.copy_(torch.from_numpy(p["W_h"].T))
        cell.bias_ih.copy_(torch.from_numpy(p["b_x"]))
        cell.bias_hh.copy_(torch.from_numpy(p["b_h"]))
    h_ref = cell(torch.from_numpy(p["x"]), torch.from_numpy(p["h_prev"]))
    torch.testing.assert_close(torch.from_numpy(h), h_ref.detach())


def test_gru_step_backward_passes_float64_gradient_check():
    rng = np.random.default_rng(3)
    p = _gru_inputs(rng)
    h, cache = gru_step_forward(**p)
    dh = rng.normal(size=h.shape)
    grads = dict(zip(p, gru_step_backward(dh, cache), strict=True))
    for name, g in grads.items():
        num = numerical_gradient_array(lambda: gru_step_forward(**p)[0], p[name], dh)
        assert rel_error(g, num) < 1e-6, name


def test_step_forward_rejects_mismatched_weights():
    rng = np.random.default_rng(4)
    p = _lstm_inputs(rng)
    p["W_x"] = p["W_x"][:, :-1]
    with pytest.raises(ShapeError, match="W_x"):
        lstm_step_forward(**p)
    q = _gru_inputs(rng)
    q["b_h"] = q["b_h"][:-1]
    with pytest.raises(ShapeError, match="b_h"):
        gru_step_forward(**q)
