r"""A vanilla RNN in NumPy, CS231n style: every ``*_forward`` returns ``(out, cache)`` and every
``*_backward(dout, cache)`` returns the gradients of its inputs.

Code uses batches of row vectors, so the update of the lecture notes,
:math:`h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b)`, is written

.. math:: h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b), \qquad x_t: (N, D),\ W_{xh}: (D, H),\ W_{hh}: (H, H).
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

    Shapes: x (N, D), W (D, M), b (M,) -> y (N, M).

    Raises:
        ShapeError: if the shapes do not agree.
    """
    s = check_shape("x", x, ("N", "D"))
    check_shape("W", W, ("D", "M"), D=s["D"])
    check_shape("b", b, (W.shape[1],))
    y = x @ W + b  # (N, M)
    return y, (x, W)


def affine_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`\partial L/\partial x = dy\,W^\top`, :math:`\partial L/\partial W = x^\top dy`,
    :math:`\partial L/\partial b = \sum_n dy_n`. Returns ``(dx, dW, db)``."""
    x, W = cache
    return dy @ W.T, x.T @ dy, dy.sum(axis=0)  # (N, D), (D, M), (M,)


def temporal_affine_forward(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""The same affine map at every time step, :math:`y_t = h_t W_{hy} + b_y`.

    Shapes: h (N, T, H), W (H, V), b (V,) -> y (N, T, V).
    """
    s = check_shape("h", h, ("N", "T", "H"))
    check_shape("W", W, ("H", "V"), H=s["H"])
    check_shape("b", b, (W.shape[1],))
    y, _ = affine_forward(h.reshape(-1, s["H"]), W, b)  # (N*T, V)
    return y.reshape(s["N"], s["T"], -1), (h, W)  # (N, T, V)


def temporal_affine_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward of :func:`temporal_affine_forward`: returns ``(dh, dW, db)``."""
    h, W = cache
    N, T, H = h.shape
    dh, dW, db = affine_backward(dy.reshape(N * T, -1), (h.reshape(N * T, H), W))  # (N*T, H)
    return dh.reshape(N, T, H), dW, db  # (N, T, H)


def rnn_step_forward(x: np.ndarray, h_prev: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                     b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""One RNN step, :math:`h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)`.

    Shapes: x (N, D), h_prev (N, H), W_xh (D, H), W_hh (H, H), b (H,) -> h_next (N, H).

    Raises:
        ShapeError: if a shape is off (a transposed ``W_xh`` is named as such).
    """
    s = check_shape("x", x, ("N", "D"))
    check_shape("W_xh", W_xh, ("D", "H"), D=s["D"])
    H = W_xh.shape[1]
    check_shape("h_prev", h_prev, ("N", "H"), N=s["N"], H=H)
    check_shape("W_hh", W_hh, ("H", "H"), H=H)
    check_shape("b", b, ("H",), H=H)
    h_next = np.tanh(x @ W_xh + h_prev @ W_hh + b)  # (N, H)
    return h_next, (x, h_prev, W_xh, W_hh, h_next)


def rnn_step_backward(dh_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    r"""Backward of one step. With :math:`a = x W_{xh} + h_{t-1} W_{hh} + b` and
    :math:`\tanh'(a) = 1 - h_t^2`:

    .. math:: da = dh_t \odot (1 - h_t^2),\ dx = da\,W_{xh}^\top,\ dh_{t-1} = da\,W_{hh}^\top,\
              dW_{xh} = x^\top da,\ dW_{hh} = h_{t-1}^\top da,\ db = \textstyle\sum_n da_n.

    Returns ``(dx, dh_prev, dW_xh, dW_hh, db)``.
    """
    x, h_prev, W_xh, W_hh, h_next = cache
    da = dh_next * (1.0 - h_next**2)  # (N, H)
    return da @ W_xh.T, da @ W_hh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                b: np.ndarray) -> tuple[np.ndarray, tuple]:
    r"""Run :func:`rnn_step_forward` over T steps with the *same* weights at every step.

    Shapes: x (N, T, D), h0 (N, H) -> h (N, T, H), the hidden state at every step.

    Raises:
        ShapeError: for wrong shapes, or an empty sequence (T = 0).
    """
    s = check_shape("x", x, ("N", "T", "D"))
    check_nonempty("x", x, dim=1)
    check_shape("h0", h0, ("N", "H"), N=s["N"], H=W_hh.shape[-1])
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, W_xh))  # (N, T, H)
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, c = rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)  # (N, H)
        h[:, t] = h_prev
        caches.append(c)
    return h, tuple(caches)


def rnn_backward(dh: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    r"""Backpropagation through time. ``dh[:, t]`` is the gradient reaching :math:`h_t` from the
    loss at step t only; the gradient from the future flows in through :math:`h_t` as well:

    .. math:: \frac{\partial L}{\partial h_t} = \frac{\partial L_t}{\partial h_t}
              + \frac{\partial L}{\partial h_{t+1}} \frac{\partial h_{t+1}}{\partial h_t}.

    Weight gradients are summed over the steps, since the weights are shared.
    Shapes: dh (N, T, H) -> dx (N, T, D), dh0 (N, H), dW_xh (D, H), dW_hh (H, H), db (H,).
    """
    caches = cache
    N, T, H = dh.shape
    D = caches[0][0].shape[1]
    dx = np.empty((N, T, D), dtype=dh.dtype)  # (N, T, D)
    dW_xh = np.zeros_like(caches[0][2])
    dW_hh = np.zeros_like(caches[0][3])
    db = np.zeros(H, dtype=dh.dtype)
    dh_prev = np.zeros((N, H), dtype=dh.dtype)  # gradient arriving from step t+1
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx, dWh, dbt = rnn_step_backward(dh[:, t] + dh_prev, caches[t])
        dW_xh += dWx
        dW_hh += dWh
        db += dbt
    return dx, dh_prev, dW_xh, dW_hh, db


def temporal_softmax_loss(scores: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None
                          ) -> tuple[float, np.ndarray]:
    r"""Cross-entropy summed over time and averaged over the batch, skipping masked steps.

    .. math:: L = -\frac{1}{N} \sum_{n,t} m_{nt} \log \operatorname{softmax}(s_{nt})_{y_{nt}}

    Shapes: scores (N, T, V), y (N, T) integer targets, mask (N, T) bool (default all True).
    Returns ``(loss, dscores)`` with dscores (N, T, V).

    Raises:
        ShapeError: for mismatched shapes; DTypeError for non-integer targets;
        VocabError: for a target outside ``[0, V)``.
    """
    s = check_shape("scores", scores, ("N", "T", "V"))
    check_shape("y", y, ("N", "T"), N=s["N"], T=s["T"])
    check_dtype("y", y, "int")
    if y.size and (y.min() < 0 or y.max() >= s["V"]):
        raise VocabError(f"targets y must be in [0, V={s['V']}), got values in [{y.min()}, {y.max()}]")
    if mask is None:
        mask = np.ones(y.shape, dtype=bool)
    check_shape("mask", mask, ("N", "T"), N=s["N"], T=s["T"])
    if scores.shape[1] == 0:
        raise ShapeError("scores has T = 0 time steps: there is nothing to score")
    N, T, V = scores.shape
    p = softmax(scores.reshape(N * T, V))  # (N*T, V)
    flat_y, flat_m = y.reshape(-1), mask.reshape(-1).astype(p.dtype)  # (N*T,)
    rows = np.arange(N * T)
    loss = -np.sum(flat_m * np.log(p[rows, flat_y] + 1e-300)) / N
    dflat = p.copy()
    dflat[rows, flat_y] -= 1.0
    dflat *= flat_m[:, None] / N
    return float(loss), dflat.reshape(N, T, V)  # (N, T, V)
