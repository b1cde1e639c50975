"""Numerical gradients by central differences, to check hand-written backward passes in float64.

.. math:: \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + h e_i) - f(x - h e_i)}{2h}

The error of the central difference is :math:`O(h^2)`; with float64 and :math:`h = 10^{-6}` a
correct backward pass agrees to a relative error of about :math:`10^{-8}` or better.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.arrays import rel_error
from course_lib.errors import DTypeError

__all__ = ["numerical_gradient", "numerical_gradient_array", "rel_error", "gradcheck"]


def _require_float64(name: str, x: np.ndarray) -> None:
    if x.dtype != np.float64:
        raise DTypeError(f"{name} must be float64 for a gradient check (float32 gives ~1e-3 noise), got {x.dtype}")


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar ``f()`` with respect to ``x``, which ``f`` reads (``x`` is changed in
    place during the call and restored after).

    Shapes: ``x`` any shape -> gradient of the same shape.

    Raises:
        DTypeError: if ``x`` is not float64.
    """
    _require_float64("x", x)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def numerical_gradient_array(f: Callable[[], np.ndarray], x: np.ndarray, dout: np.ndarray,
                             h: float = 1e-6) -> np.ndarray:
    """Gradient of ``sum(f() * dout)`` with respect to ``x``: checks a layer's backward pass for an
    upstream gradient ``dout`` without writing a loss."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def gradcheck(
    forward: Callable[..., tuple[np.ndarray, object]],
    backward: Callable[[np.ndarray, object], tuple[np.ndarray, ...]],
    inputs: dict[str, np.ndarray],
    seed: int = 0,
    h: float = 1e-6,
) -> dict[str, float]:
    """Check a CS231n-style layer: ``forward(**inputs) -> (out, cache)`` and
    ``backward(dout, cache) -> grads`` (one gradient per input, in the order of ``inputs``).

    Returns:
        The relative error of each input's gradient, by name.
    """
    for name, x in inputs.items():
        _require_float64(name, x)
    out, cache = forward(**inputs)
    dout = np.random.default_rng(seed).normal(size=np.shape(out))
    grads = backward(dout, cache)
    if len(grads) != len(inputs):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(inputs)} inputs {list(inputs)}")
    errors = {}
    for (name, x), g in zip(inputs.items(), grads, strict=True):
        num = numerical_gradient_array(lambda: forward(**inputs)[0], x, dout, h)
        errors[name] = rel_error(g, num)
    return errors
