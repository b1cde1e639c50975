"""The NumPy RNN layers: gradients agree with central differences in float64; bad input is refused."""

import numpy as np
import pytest

from course_lib.errors import DTypeError, ShapeError, VocabError
from course_lib.functional import (
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
from course_lib.gradcheck import gradcheck, numerical_gradient, rel_error

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Each test draws the same inputs whatever ran before it (xdist changes the order)."""
    global rng
    rng = np.random.default_rng(0)
N, T, D, H, V = 3, 5, 4, 6, 7


def _params():
    return dict(W_xh=rng.normal(size=(D, H)) * 0.5, W_hh=rng.normal(size=(H, H)) * 0.5, b=rng.normal(size=H))


def test_affine_backward_matches_numerical_gradient():
    errs = gradcheck(affine_forward, affine_backward,
                     dict(x=rng.normal(size=(N, D)), W=rng.normal(size=(D, H)), b=rng.normal(size=H)))
    assert max(errs.values()) < 1e-7, errs


def test_temporal_affine_backward_matches_numerical_gradient():
    errs = gradcheck(temporal_affine_forward, temporal_affine_backward,
                     dict(h=rng.normal(size=(N, T, H)), W=rng.normal(size=(H, V)), b=rng.normal(size=V)))
    assert max(errs.values()) < 1e-7, errs


def test_rnn_step_forward_equals_tanh_of_affine_sum():
    p = _params()
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    out, _ = rnn_step_forward(x, h, **p)
    np.testing.assert_allclose(out, np.tanh(x @ p["W_xh"] + h @ p["W_hh"] + p["b"]))


# Elementwise relative error: entries where tanh saturates have gradients near 1e-4, and there the
# central difference's own round-off (~1e-11) reads as ~1e-7. A wrong backward pass is off by 1e-2 or
# more, so 1e-6 over several random draws is a strict test that does not flake.
@pytest.mark.parametrize("seed", range(5))
def test_rnn_step_backward_matches_numerical_gradient(seed):
    global rng
    rng = np.random.default_rng(seed)
    errs = gradcheck(rnn_step_forward, rnn_step_backward,
                     dict(x=rng.normal(size=(N, D)), h_prev=rng.normal(size=(N, H)), **_params()), h=1e-5)
    assert max(errs.values()) < 1e-6, errs


@pytest.mark.parametrize("seed", range(5))
def test_rnn_backward_through_time_matches_numerical_gradient(seed):
    global rng
    rng = np.random.default_rng(seed)
    errs = gradcheck(rnn_forward, rnn_backward,
                     dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)), **_params()), h=1e-5)
    assert max(errs.values()) < 1e-6, errs


def test_rnn_forward_last_state_equals_stepping_by_hand():
    p = _params()
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h, _ = rnn_forward(x, h0, **p)
    hh = h0
    for t in range(T):
        hh, _ = rnn_step_forward(x[:, t], hh, **p)
    np.testing.assert_allclose(h[:, -1], hh)


def test_temporal_softmax_loss_gradient_and_mask():
    scores = rng.normal(size=(N, T, V))
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) > 0.3
    loss, d = temporal_softmax_loss(scores, y, mask)
    num = numerical_gradient(lambda: temporal_softmax_loss(scores, y, mask)[0], scores)
    assert rel_error(d, num) < 1e-7
    assert np.all(d[~mask] == 0)  # masked steps get no gradient
    full, _ = temporal_softmax_loss(scores, y)
    assert full > loss


def test_uniform_scores_give_T_log_V_loss():
    loss, _ = temporal_softmax_loss(np.zeros((N, T, V)), np.zeros((N, T), dtype=int))
    assert loss == pytest.approx(T * np.log(V))


def test_bad_inputs_raise_typed_errors():
    p = _params()
    with pytest.raises(ShapeError, match="time steps"):
        rnn_forward(np.zeros((N, 0, D)), np.zeros((N, H)), **p)
    with pytest.raises(ShapeError, match="W_xh"):
        rnn_step_forward(np.zeros((N, D)), np.zeros((N, H)), p["W_xh"].T, p["W_hh"], p["b"])
    with pytest.raises(ShapeError, match="h_prev"):
        rnn_step_forward(np.zeros((N, D)), np.zeros((H, N)), **p)
    with pytest.raises(VocabError):
        temporal_softmax_loss(np.zeros((N, T, V)), np.full((N, T), V))
    with pytest.raises(DTypeError):
        temporal_softmax_loss(np.zeros((N, T, V)), np.zeros((N, T)))
