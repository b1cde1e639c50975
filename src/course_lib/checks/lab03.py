"""Checks for lab 03 (LSTM): NumPy step forward/backward, and a PyTorch cell equal to nn.LSTMCell.

Wrong answers are diagnosed by recomputing the usual mistakes (gate order i, f, o, g instead of
PyTorch's i, f, g, o; sigmoid for the candidate; a forgotten ``f * c_prev``; ``h = o * c`` without
tanh) and saying which one the student's numbers match.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from course_lib.checks.core import as_numpy, check_array, fail, passed, rel_error
from course_lib.functional.lstm import lstm_step_backward as ref_backward
from course_lib.functional.lstm import lstm_step_forward as ref_forward
from course_lib.functional.lstm import sigmoid

__all__ = ["check_lstm_step_forward", "check_lstm_step_backward", "check_lstm_cell", "lstm_inputs"]

NAMES = ("x", "h_prev", "c_prev", "W_x", "W_h", "b")


def lstm_inputs(seed: int = 0, sizes: tuple[int, int, int] = (3, 4, 5)) -> dict[str, np.ndarray]:
    """Random float64 inputs of one step: N examples, D features, H hidden units."""
    N, D, H = sizes
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), "c_prev": rng.normal(size=(N, H)),
            "W_x": rng.normal(size=(D, 4 * H)) * 0.5, "W_h": rng.normal(size=(H, 4 * H)) * 0.5,
            "b": rng.normal(size=4 * H)}


def _variant(p: dict, order: str = "ifgo", g_act: str = "tanh", forget: bool = True,
             tanh_c: bool = True) -> tuple[np.ndarray, np.ndarray]:
    H = p["h_prev"].shape[1]
    a = p["x"] @ p["W_x"] + p["h_prev"] @ p["W_h"] + p["b"]
    blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
    g = np.tanh(blocks["g"]) if g_act == "tanh" else sigmoid(blocks["g"])
    c = (f * p["c_prev"] if forget else 0) + i * g
    return (o * np.tanh(c) if tanh_c else o * c), c


MISTAKES = {
    "the gate order i, f, o, g (CS231n's); PyTorch's order is i, f, g, o: columns 2H:3H are the candidate g":
        {"order": "ifog"},
    "a sigmoid for the candidate g; the candidate uses tanh so it can be negative": {"g_act": "sigmoid"},
    "c_next without f * c_prev: the forget gate must scale the previous cell state": {"forget": False},
    "h_next = o * c_next; it should be o * tanh(c_next)": {"tanh_c": False},
}


def _diagnose(p: dict, got_h: np.ndarray, got_c: np.ndarray | None = None) -> str:
    for text, kw in MISTAKES.items():
        h, c = _variant(p, **kw)
        if rel_error(got_h, h) < 1e-6 and (got_c is None or rel_error(got_c, c) < 1e-6):
            return f"your numbers match {text}."
    return ("compute a = x @ W_x + h_prev @ W_h + b once, split it into 4 blocks of H columns (i, f, g, o), "
            "apply sigmoid to i, f, o and tanh to g.")


def check_lstm_step_forward(lstm_step_forward: Callable, seed: int = 0,
                            sizes: tuple[int, int, int] = (3, 4, 5)) -> None:
    """``lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b) -> (h_next, c_next, cache)``."""
    p = lstm_inputs(seed, sizes)
    h_ref, c_ref, _ = ref_forward(**p)
    out = lstm_step_forward(**{k: v.copy() for k, v in p.items()})
    if not isinstance(out, tuple) or len(out) != 3:
        fail("lstm_step_forward", f"expected (h_next, c_next, cache), got {type(out).__name__}"
             + (f" of length {len(out)}" if isinstance(out, tuple) else ""))
    h, c, _ = out

    def hint_h(g: np.ndarray, e: np.ndarray) -> str:
        return _diagnose(p, g, as_numpy(c))

    check_array("lstm_step_forward", "c_next", c, c_ref, tol=1e-8, hint=lambda g, e: _diagnose(p, as_numpy(h), g))
    check_array("lstm_step_forward", "h_next", h, h_ref, tol=1e-8, hint=hint_h)
    passed("lstm_step_forward", f"h_next and c_next match the reference for (N, D, H) = {sizes}")


def check_lstm_step_backward(lstm_step_forward: Callable, lstm_step_backward: Callable, seed: int = 0,
                             sizes: tuple[int, int, int] = (3, 4, 5)) -> None:
    """Your backward against a float64 numerical gradient of your forward (and the reference)."""
    from course_lib.gradcheck import numerical_gradient_array  # here: gradcheck imports checks.core

    p = lstm_inputs(seed, sizes)
    rng = np.random.default_rng(seed + 1)
    h, c, cache = lstm_step_forward(**p)
    dh, dc = rng.normal(size=np.shape(h)), rng.normal(size=np.shape(c))
    grads = lstm_step_backward(dh, dc, cache)
    if not isinstance(grads, tuple) or len(grads) != 6:
        fail("lstm_step_backward", "expected 6 gradients (dx, dh_prev, dc_prev, dW_x, dW_h, db), got "
             f"{len(grads) if isinstance(grads, tuple) else type(grads).__name__}")
    ref = ref_backward(dh, dc, ref_forward(**p)[2])
    hints = {"dc_prev": "dc_prev = (dc_next + dh_next * o * (1 - tanh(c_next)**2)) * f: both paths into c_next.",
             "db": "db sums da over the batch (axis=0).",
             "dW_x": "dW_x = x.T @ da, where da stacks the four gates' pre-activation gradients in order i, f, g, o.",
             "dW_h": "dW_h = h_prev.T @ da."}
    for k, name in enumerate(NAMES):
        def f(name=name):
            hh, cc, _ = lstm_step_forward(**p)
            return np.concatenate([hh, cc], axis=1)

        num = numerical_gradient_array(f, p[name], np.concatenate([dh, dc], axis=1))
        check_array("lstm_step_backward", "d" + name + " (vs a numerical gradient in float64)", grads[k], num,
                    tol=1e-5, hint=hints.get("d" + name, "apply the chain rule through each gate: sigmoid' = "
                                             "s(1 - s), tanh' = 1 - tanh^2."))
        check_array("lstm_step_backward", "d" + name, grads[k], ref[k], tol=1e-8)
    passed("lstm_step_backward", "all six gradients pass a float64 gradient check (relative error < 1e-5)")


def _copy_lstm_weights(cell: nn.Module, ref: nn.LSTMCell) -> None:
    with torch.no_grad():
        for name, value in (("W_x", ref.weight_ih.T), ("W_h", ref.weight_hh.T), ("b", ref.bias_ih + ref.bias_hh)):
            param = getattr(cell, name, None)
            if param is None:
                fail("LSTM cell", f"your cell has no parameter {name}",
                     "define self.W_x (D, 4H), self.W_h (H, 4H) and self.b (4H,) as nn.Parameter in __init__.")
            if tuple(param.shape) != tuple(value.shape):
                fail("LSTM cell", f"{name} has shape {tuple(param.shape)}, expected {tuple(value.shape)}",
                     "W_x is (D, 4H) and W_h is (H, 4H): the code multiplies row vectors, x_t @ W_x.")
            param.copy_(value)


def check_lstm_cell(cell_class: Callable[[int, int], nn.Module], seed: int = 0,
                    sizes: tuple[int, int, int] = (4, 3, 5)) -> None:
    """Your ``cell_class(input_size, hidden_size)`` against ``nn.LSTMCell`` after loading its weights:
    outputs ``(h, c)`` and the gradients of every parameter."""
    B, D, H = sizes
    torch.manual_seed(seed)
    ref = nn.LSTMCell(D, H)
    cell = cell_class(D, H)
    _copy_lstm_weights(cell, ref)
    x, h0, c0 = torch.randn(B, D), torch.randn(B, H), torch.randn(B, H)
    out = cell(x, (h0, c0))
    if not isinstance(out, tuple) or len(out) != 2:
        fail("LSTM cell", "forward must return the tuple (h_t, c_t)", "return h_t, c_t")
    h_ref, c_ref = ref(x, (h0, c0))
    p = {"x": x.double().numpy(), "h_prev": h0.double().numpy(), "c_prev": c0.double().numpy(),
         "W_x": ref.weight_ih.detach().T.double().numpy(), "W_h": ref.weight_hh.detach().T.double().numpy(),
         "b": (ref.bias_ih + ref.bias_hh).detach().double().numpy()}
    check_array("LSTM cell", "c_t (vs nn.LSTMCell)", out[1], c_ref, tol=1e-5,
                hint=lambda g, e: _diagnose(p, as_numpy(out[0]), g))
    check_array("LSTM cell", "h_t (vs nn.LSTMCell)", out[0], h_ref, tol=1e-5,
                hint=lambda g, e: _diagnose(p, g, as_numpy(out[1])))
    (out[0].sum() + out[1].pow(2).sum()).backward()
    (h_ref.sum() + c_ref.pow(2).sum()).backward()
    check_array("LSTM cell", "the gradient of W_h", cell.W_h.grad, ref.weight_hh.grad.T, tol=1e-4,
                hint="use only differentiable torch operations (no .detach(), .numpy() or in-place edits).")
    passed("LSTM cell", f"equal to nn.LSTMCell (outputs and gradients) for (B, D, H) = {sizes}")
