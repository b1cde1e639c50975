r"""One LSTM step in NumPy, forward and backward (CS231n style, PyTorch's gate order i, f, g, o).

.. math::
    a &= x W_x + h_{prev} W_h + b, \quad [a_i, a_f, a_g, a_o] = a \\
    i &= \sigma(a_i),\ f = \sigma(a_f),\ g = \tanh(a_g),\ o = \sigma(a_o) \\
    c_{next} &= f \odot c_{prev} + i \odot g, \qquad h_{next} = o \odot \tanh(c_{next})

Backward, with :math:`\bar{c} = \partial L/\partial c_{next}` including the path through
:math:`h_{next}`: :math:`\bar{c} = dc_{next} + dh_{next} \odot o \odot (1 - \tanh^2 c_{next})`, then
:math:`dc_{prev} = \bar{c} \odot f` (the forget gate is the only factor on the cell-to-cell path).
"""

from __future__ import annotations

import numpy as np

from course_lib.errors import check_shape

__all__ = ["sigmoid", "lstm_step_forward", "lstm_step_backward"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function (no overflow for large negative x)."""
    out = np.empty_like(x, dtype=np.result_type(x, np.float64) if not np.issubdtype(x.dtype, np.floating) else x.dtype)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def lstm_step_forward(x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, W_x: np.ndarray,
                      W_h: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Shapes: x (B, D), h_prev (B, H), c_prev (B, H), W_x (D, 4H), W_h (H, 4H), b (4H,)
    -> h_next (B, H), c_next (B, H), cache.

    Raises:
        ShapeError: if the shapes do not fit together.
    """
    sizes = check_shape("W_h", W_h, ("H", None))
    H = sizes["H"]
    check_shape("W_h", W_h, (H, 4 * H))
    check_shape("x", x, ("B", "D"))
    check_shape("W_x", W_x, (x.shape[1], 4 * H))
    check_shape("h_prev", h_prev, (x.shape[0], H))
    check_shape("c_prev", c_prev, (x.shape[0], H))
    check_shape("b", b, (4 * H,))
    a = x @ W_x + h_prev @ W_h + b  # (B, 4H)
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])  # 3 x (B, H)
    g = np.tanh(a[:, 2 * H:3 * H])  # (B, H)
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    cache = (x, h_prev, c_prev, W_x, W_h, i, f, g, o, tanh_c)
    return h_next, c_next, cache


def lstm_step_backward(dh_next: np.ndarray, dc_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """Gradients of one step: -> dx (B, D), dh_prev (B, H), dc_prev (B, H), dW_x (D, 4H),
    dW_h (H, 4H), db (4H,)."""
    x, h_prev, c_prev, W_x, W_h, i, f, g, o, tanh_c = cache
    dc = dc_next + dh_next * o * (1.0 - tanh_c**2)  # (B, H): both paths into c_next
    do = dh_next * tanh_c
    df = dc * c_prev
    di = dc * g
    dg = dc * i
    dc_prev = dc * f
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)  # (B, 4H)
    dx = da @ W_x.T  # (B, D)
    dh_prev = da @ W_h.T  # (B, H)
    dW_x = x.T @ da  # (D, 4H)
    dW_h = h_prev.T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,)
    return dx, dh_prev, dc_prev, dW_x, dW_h, db
