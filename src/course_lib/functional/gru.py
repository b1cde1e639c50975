r"""One GRU step in NumPy, forward and backward (PyTorch's gate order r, z, n and reset placement).

.. math::
    u &= x W_x + b_x, \quad v = h_{prev} W_h + b_h \quad (\text{blocks } r, z, n) \\
    r &= \sigma(u_r + v_r), \quad z = \sigma(u_z + v_z) \\
    n &= \tanh(u_n + r \odot v_n) \\
    h_{next} &= (1 - z) \odot n + z \odot h_{prev}
"""

from __future__ import annotations

import numpy as np

from course_lib.errors import check_shape
from course_lib.functional.lstm import sigmoid

__all__ = ["gru_step_forward", "gru_step_backward"]


def gru_step_forward(x: np.ndarray, h_prev: np.ndarray, W_x: np.ndarray, W_h: np.ndarray,
                     b_x: np.ndarray, b_h: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Shapes: x (B, D), h_prev (B, H), W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)
    -> h_next (B, H), cache.

    Raises:
        ShapeError: if the shapes do not fit together.
    """
    H = check_shape("W_h", W_h, ("H", None))["H"]
    check_shape("W_h", W_h, (H, 3 * H))
    check_shape("x", x, ("B", "D"))
    check_shape("W_x", W_x, (x.shape[1], 3 * H))
    check_shape("h_prev", h_prev, (x.shape[0], H))
    check_shape("b_x", b_x, (3 * H,))
    check_shape("b_h", b_h, (3 * H,))
    u = x @ W_x + b_x  # (B, 3H)
    v = h_prev @ W_h + b_h  # (B, 3H)
    r = sigmoid(u[:, :H] + v[:, :H])  # (B, H)
    z = sigmoid(u[:, H:2 * H] + v[:, H:2 * H])  # (B, H)
    v_n = v[:, 2 * H:]  # (B, H)
    n = np.tanh(u[:, 2 * H:] + r * v_n)  # (B, H)
    h_next = (1 - z) * n + z * h_prev
    cache = (x, h_prev, W_x, W_h, r, z, n, v_n)
    return h_next, cache


def gru_step_backward(dh_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """Gradients of one step: -> dx (B, D), dh_prev (B, H), dW_x (D, 3H), dW_h (H, 3H),
    db_x (3H,), db_h (3H,)."""
    x, h_prev, W_x, W_h, r, z, n, v_n = cache
    dn = dh_next * (1 - z)
    dz = dh_next * (h_prev - n)
    da_n = dn * (1 - n**2)  # (B, H): pre-activation of n
    dr = da_n * v_n
    da_r = dr * r * (1 - r)
    da_z = dz * z * (1 - z)
    du = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H)
    dv = np.concatenate([da_r, da_z, da_n * r], axis=1)  # (B, 3H): the reset gate scales v_n
    dx = du @ W_x.T  # (B, D)
    dh_prev = dv @ W_h.T + dh_next * z  # (B, H)
    return dx, dh_prev, x.T @ du, h_prev.T @ dv, du.sum(axis=0), dv.sum(axis=0)
