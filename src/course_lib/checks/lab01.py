"""Checks for lab 01 (a vanilla RNN in NumPy): step and sequence, forward and backward.

Forward values are compared with :mod:`course_lib.functional.rnn`; backward passes are compared
with it *and* with a float64 central-difference gradient of the student's own forward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.checks.core import check_array, fail, passed, rel_error
from course_lib.functional import rnn as ref

__all__ = ["check_rnn_step_forward", "check_rnn_step_backward", "check_rnn_forward", "check_rnn_backward"]

GRAD_TOL = 1e-7


def norm_rel_error(got: np.ndarray, expected: np.ndarray) -> float:
    r"""Relative error of whole arrays, :math:`\lVert g - e \rVert / (\lVert g \rVert + \lVert e \rVert)`
    (elementwise ratios blow up on entries that are nearly zero)."""
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return float(np.linalg.norm(g - e) / max(1e-300, np.linalg.norm(g) + np.linalg.norm(e)))


def _weights(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    return {"W_xh": rng.normal(size=(D, H)) * 0.4, "W_hh": rng.normal(size=(H, H)) * 0.4, "b": rng.normal(size=H) * 0.1}


def _step_hint(x, h_prev, W_xh, W_hh, b) -> Callable[[np.ndarray, np.ndarray], str | None]:
    def hint(got: np.ndarray, expected: np.ndarray) -> str | None:
        cands = {
            "W_hh is used transposed: with row vectors it is h_prev @ W_hh (shape (N, H) @ (H, H)).":
                np.tanh(x @ W_xh + h_prev @ W_hh.T + b),
            "the tanh is missing: h_next = tanh(x @ W_xh + h_prev @ W_hh + b).": x @ W_xh + h_prev @ W_hh + b,
            "the bias b is missing inside the tanh.": np.tanh(x @ W_xh + h_prev @ W_hh),
        }
        for text, value in cands.items():
            if value.shape == got.shape and rel_error(got, value) < 1e-6:
                return text
        if np.all(np.abs(got) <= 1):
            return "the values are all in (-1, 1) but wrong; check which weight multiplies x and which h_prev."
        return None

    return hint


def check_rnn_step_forward(rnn_step_forward: Callable, seed: int = 0, sizes: tuple[int, int, int] = (3, 4, 5)) -> None:
    """h_next of one step against the reference, with hints for a transposed weight, no tanh, no bias."""
    N, D, H = sizes
    rng = np.random.default_rng(seed)
    x, h_prev, w = rng.normal(size=(N, D)), rng.normal(size=(N, H)), _weights(rng, D, H)
    out = rnn_step_forward(x, h_prev, **w)
    if not isinstance(out, tuple) or len(out) != 2:
        fail("rnn_step_forward", f"should return (h_next, cache), got {type(out).__name__}")
    expected, _ = ref.rnn_step_forward(x, h_prev, **w)
    check_array("rnn_step_forward", "h_next", out[0], expected, tol=1e-8, hint=_step_hint(x, h_prev, **w))
    passed("rnn_step_forward", f"h_next matches for N={N}, D={D}, H={H}")


def _grad_names(kind: str) -> tuple[str, ...]:
    return ("dx", "dh_prev" if kind == "step" else "dh0", "dW_xh", "dW_hh", "db")


def _check_backward(name: str, forward: Callable, backward: Callable, inputs: dict, kind: str, seed: int) -> None:
    from course_lib.gradcheck import numerical_gradient_array  # here: gradcheck imports checks.core

    out, cache = forward(**inputs)
    dout = np.random.default_rng(seed + 1).normal(size=np.shape(out))
    grads = backward(dout, cache)
    names = _grad_names(kind)
    if not isinstance(grads, tuple) or len(grads) != 5:
        fail(name, f"should return 5 gradients {names}, got {type(grads).__name__}"
             f"{' of length ' + str(len(grads)) if isinstance(grads, tuple) else ''}")
    ref_fwd = ref.rnn_step_forward if kind == "step" else ref.rnn_forward
    ref_bwd = ref.rnn_step_backward if kind == "step" else ref.rnn_backward
    _, ref_cache = ref_fwd(**inputs)
    expected = ref_bwd(dout, ref_cache)
    hints = {
        "dx": "dx = da @ W_xh.T with da = dout * (1 - h_next**2).",
        "dh_prev": "dh_prev = da @ W_hh.T; the tanh derivative is 1 - h_next**2 (not 1 - h_prev**2).",
        "dh0": "the gradient flowing into h_{t-1} must be added to dh[:, t-1] before stepping back.",
        "dW_xh": "dW_xh = x.T @ da (shape (D, H)); over a sequence, sum it over all steps.",
        "dW_hh": "dW_hh = h_prev.T @ da (shape (H, H)); over a sequence, sum it over all steps.",
        "db": "db = da.sum(axis=0); over a sequence, sum it over all steps.",
    }
    for n, g, e in zip(names, grads, expected, strict=True):
        check_array(name, n, g, e, tol=1e-8, hint=hints[n])
    for (arg, x), n, g in zip(inputs.items(), names, grads, strict=True):
        num = numerical_gradient_array(lambda: forward(**inputs)[0], x, dout)
        err = norm_rel_error(g, num)
        if not err < GRAD_TOL:
            fail(name, f"{n} fails the numerical gradient check (relative error {err:.2g}, want < {GRAD_TOL:.0e})",
                 f"perturbing {arg} changes the output differently from what {n} says.")
    passed(name, f"all 5 gradients match the reference and a float64 numerical gradient (< {GRAD_TOL:.0e})")


def check_rnn_step_backward(rnn_step_forward: Callable, rnn_step_backward: Callable, seed: int = 0,
                            sizes: tuple[int, int, int] = (3, 4, 5)) -> None:
    """The five gradients of one step: against the reference and a numerical gradient (float64)."""
    N, D, H = sizes
    rng = np.random.default_rng(seed)
    inputs = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), **_weights(rng, D, H)}
    _check_backward("rnn_step_backward", rnn_step_forward, rnn_step_backward, inputs, "step", seed)


def check_rnn_forward(rnn_forward: Callable, seed: int = 0, sizes: tuple[int, int, int, int] = (2, 6, 3, 4)) -> None:
    """All hidden states h (N, T, H) against the reference."""
    N, T, D, H = sizes
    rng = np.random.default_rng(seed)
    x, h0, w = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), _weights(rng, D, H)
    out = rnn_forward(x, h0, **w)
    if not isinstance(out, tuple) or len(out) != 2:
        fail("rnn_forward", f"should return (h, cache), got {type(out).__name__}")
    expected, _ = ref.rnn_forward(x, h0, **w)

    def hint(got: np.ndarray, exp: np.ndarray) -> str | None:
        if rel_error(got[:, 0], exp[:, 0]) < 1e-8:
            return "the first step is right but later ones are not: feed each new h back in as h_prev."
        return "h[:, t] is the state after reading x[:, t], starting from h0 (h0 itself is not in h)."

    check_array("rnn_forward", "h", out[0], expected, tol=1e-8, hint=hint)
    passed("rnn_forward", f"h matches for N={N}, T={T}, D={D}, H={H}")


def check_rnn_backward(rnn_forward: Callable, rnn_backward: Callable, seed: int = 0,
                       sizes: tuple[int, int, int, int] = (2, 5, 3, 4)) -> None:
    """Backpropagation through time: five gradients against the reference and a numerical gradient."""
    N, T, D, H = sizes
    rng = np.random.default_rng(seed)
    inputs = {"x": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H)), **_weights(rng, D, H)}
    _check_backward("rnn_backward", rnn_forward, rnn_backward, inputs, "seq", seed)
