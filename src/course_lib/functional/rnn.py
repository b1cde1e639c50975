r"""A vanilla RNN in NumPy, CS231n style: every ``*_forward`` returns ``(out, cache)`` and every
``*_backward(dout, cache)`` returns the gradients of its inputs.

Code uses batches of row vectors, so the update of the lecture notes,
:math:`h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b)`, is written

.. math:: h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b), \qquad x_t: (B, D),\ W_{xh}: (D, H),\ W_{hh}: (H, H).
"""

from __future__ import annotations

import numpy as np

from course_lib.errors import ShapeError, VocabError, check_dtype, check_nonempty, check_shape
from course_lib.functional.core import softmax

__all__ = [
    "affine_forward",
    "affine_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "temporal_softmax_loss",
]


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""Affine layer :math:`y = x W + b`.

    Shapes: x (B, D), W (D, M), b (M,) -> y (B, M).

    Raises:
        ShapeError: if the shapes do not agree.
    """
    s = check_shape("x", x, ("B", "D"))
    check_shape("W", W, ("D", "M"), D=s["D"])
    check_shape("b", b, (W.shape[1],))
    y = x @ W + b  # (B, M)
    return y, (x, W)


def affine_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`\partial L/\partial x = dy\,W^\top`, :math:`\partial L/\partial W = x^\top dy`,
    :math:`\partial L/\partial b = \sum_n dy_n`. Returns ``(dx, dW, db)``."""
    x, W = cache
    return dy @ W.T, x.T @ dy, dy.sum(axis=0)  # (B, D), (D, M), (M,)


def temporal_affine_forward(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""The same affine map at every time step, :math:`y_t = h_t W_{hy} + b_y`.

    Shapes: h (B, T, H), W (H, V), b (V,) -> y (B, T, V).
    """
    s = check_shape("h", h, ("B", "T", "H"))
    check_shape("W", W, ("H", "V"), H=s["H"])
    check_shape("b", b, (W.shape[1],))
    y, _ = affine_forward(h.reshape(-1, s["H"]), W, b)  # (B*T, V)
    return y.reshape(s["B"], s["T"], -1), (h, W)  # (B, T, V)


def temporal_affine_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward of :func:`temporal_affine_forward`: returns ``(dh, dW, db)``."""
    h, W = cache
    B, T, H = h.shape
    dh, dW, db = affine_backward(dy.reshape(B * T, -1), (h.reshape(B * T, H), W))  # (B*T, H)
    return dh.reshape(B, T, H), dW, db  # (B, T, H)


def rnn_step_forward(x: np.ndarray, h_prev: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                     b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""One RNN step, :math:`h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)`.

    Shapes: x (B, D), h_prev (B, H), W_xh (D, H), W_hh (H, H), b (H,) -> h_next (B, H).

    Raises:
        ShapeError: if a shape is off (a transposed ``W_xh`` is named as such).
    """
    s = check_shape("x", x, ("B", "D"))
    check_shape("W_xh", W_xh, ("D", "H"), D=s["D"])
    H = W_xh.shape[1]
    check_shape("h_prev", h_prev, ("B", "H"), B=s["B"], H=H)
    check_shape("W_hh", W_hh, ("H", "H"), H=H)
    check_shape("b", b, ("H",), H=H)
    h_next = np.tanh(x @ W_xh + h_prev @ W_hh + b)  # (B, H)
    return h_next, (x, h_prev, W_xh, W_hh, h_next)


def rnn_step_backward(dh_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    r"""Backward of one step. With :math:`a = x W_{xh} + h_{t-1} W_{hh} + b` and
    :math:`\tanh'(a) = 1 - h_t^2`:

    .. math:: da = dh_t \odot (1 - h_t^2),\ dx = da\,W_{xh}^\top,\ dh_{t-1} = da\,W_{hh}^\top,\
              dW_{xh} = x^\top da,\ dW_{hh} = h_{t-1}^\top da,\ db = \textstyle\sum_n da_n.

    Returns ``(dx, dh_prev, dW_xh, dW_hh, db)``.
    """
    x, h_prev, W_xh, W_hh, h_next = cache
    da = dh_next * (1.0 - h_next**2)  # (B, H)
    return da @ W_xh.T, da @ W_hh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""Run :func:`rnn_step_forward` over T steps with the *same* weights at every step.

    Shapes: x (B, T, D), h0 (B, H) -> h (B, T, H), the hidden state at every step.

    Raises:
        ShapeError: for wrong shapes, or an empty sequence (T = 0).
    """
    s = check_shape("x", x, ("B", "T", "D"))
    check_nonempty("x", x, dim=1)
    check_shape("h0", h0, ("B", "H"), B=s["B"], H=W_hh.shape[-1])
    B, T, _ = x.shape
    h = np.empty((B, T, h0.shape[1]), dtype=np.result_type(x, h0, W_xh))  # (B, T, H)
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, c = rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)  # (B, H)
        h[:, t] = h_prev
        caches.append(c)
    return h, tuple(caches)


def rnn_backward(dh: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    r"""Backpropagation through time. ``dh[:, t]`` is the gradient reaching :math:`h_t` from the
    loss at step t only; the gradient from the future flows in through :math:`h_t` as well:

    .. math:: \frac{\partial L}{\partial h_t} = \frac{\partial L_t}{\partial h_t}
              + \frac{\partial L}{\partial h_{t+1}} \frac{\partial h_{t+1}}{\partial h_t}.

    Weight gradients are summed over the steps, since the weights are shared.
    Shapes: dh (B, T, H) -> dx (B, T, D), dh0 (B, H), dW_xh (D, H), dW_hh (H, H), db (H,).
    """
    caches = cache
    B, T, H = dh.shape
    D = caches[0][0].shape[1]
    dx = np.empty((B, T, D), dtype=dh.dtype)  # (B, T, D)
    dW_xh = np.zeros_like(caches[0][2])
    dW_hh = np.zeros_like(caches[0][3])
    db = np.zeros(H, dtype=dh.dtype)
    dh_prev = np.zeros((B, H), dtype=dh.dtype)  # gradient arriving from step t+1
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx, dWh, dbt = rnn_step_backward(dh[:, t] + dh_prev, caches[t])
        dW_xh += dWx
        dW_hh += dWh
        db += dbt
    return dx, dh_prev, dW_xh, dW_hh, db


def temporal_softmax_loss(scores: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None
                          ) -> tuple[float, np.ndarray]:
    r"""Cross-entropy summed over time and averaged over the batch, skipping masked steps.

    .. math:: L = -\frac{1}{B} \sum_{n,t} m_{nt} \log \operatorname{softmax}(s_{nt})_{y_{nt}}

    Shapes: scores (B, T, V), y (B, T) integer targets, mask (B, T) bool (default all True).
    Returns ``(loss, dscores)`` with dscores (B, T, V).

    Raises:
        ShapeError: for mismatched shapes; DTypeError for non-integer targets;
        VocabError: for a target outside ``[0, V)``.
    """
    s = check_shape("scores", scores, ("B", "T", "V"))
    check_shape("y", y, ("B", "T"), B=s["B"], T=s["T"])
    check_dtype("y", y, "int")
    if y.size and (y.min() < 0 or y.max() >= s["V"]):
        raise VocabError(f"targets y must be in [0, V={s['V']}), got values in [{y.min()}, {y.max()}]")
    if mask is None:
        mask = np.ones(y.shape, dtype=bool)
    check_shape("mask", mask, ("B", "T"), B=s["B"], T=s["T"])
    if scores.shape[1] == 0:
        raise ShapeError("scores has T = 0 time steps: there is nothing to score")
    B, T, V = scores.shape
    p = softmax(scores.reshape(B * T, V))  # (B*T, V)
    flat_y, flat_m = y.reshape(-1), mask.reshape(-1).astype(p.dtype)  # (B*T,)
    rows = np.arange(B * T)
    loss = -np.sum(flat_m * np.log(p[rows, flat_y] + 1e-300)) / B
    dflat = p.copy()
    dflat[rows, flat_y] -= 1.0
    dflat *= flat_m[:, None] / B
    return float(loss), dflat.reshape(B, T, V)  # (B, T, V)
