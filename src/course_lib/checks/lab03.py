"""Checks for lab 03 (LSTM): NumPy step forward/backward, and a PyTorch cell equal to nn.LSTMCell.

Each check is a *measure* (runs the student's code on inputs drawn from the case seed, returns
what came out) and a *judge* (rebuilds the inputs, computes the reference, compares): see
:mod:`course_lib.checks.protocol`.

Wrong answers are diagnosed by recomputing the usual mistakes (gate order i, f, o, g instead of
PyTorch's i, f, g, o; sigmoid for the candidate; a forgotten ``f * c_prev``; ``h = o * c`` without
tanh) and saying which one the student's numbers match.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from course_lib.checks.core import (
    as_numpy,
    attempt,
    check_array,
    check_close,
    fail,
    norm_rel_error,
    raised,
    require_value,
)
from course_lib.checks.protocol import register
from course_lib.functional.lstm import lstm_step_backward as ref_backward
from course_lib.functional.lstm import lstm_step_forward as ref_forward
from course_lib.functional.lstm import sigmoid

__all__ = ["check_lstm_step_forward", "check_lstm_step_backward", "check_lstm_cell", "lstm_inputs"]

NAMES = ("x", "h_prev", "c_prev", "W_x", "W_h", "b")


def lstm_inputs(seed: int = 0, sizes: tuple[int, int, int] = (3, 4, 5)) -> dict[str, np.ndarray]:
    """Random float64 inputs of one step: B examples, D features, H hidden units."""
    B, D, H = sizes
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(B, D)), "h_prev": rng.normal(size=(B, H)), "c_prev": rng.normal(size=(B, H)),
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
        # whole-array error: a float32 cell's entries near zero carry rounding noise, a mistake is off by O(1)
        if norm_rel_error(got_h, h) < 1e-5 and (got_c is None or norm_rel_error(got_c, c) < 1e-5):
            return f"your numbers match {text}."
    return ("compute a = x @ W_x + h_prev @ W_h + b once, split it into 4 blocks of H columns (i, f, g, o), "
            "apply sigmoid to i, f, o and tanh to g.")


def _outputs(out, n: int, names: str) -> dict:
    """What a call returned: its first values when it is a tuple of ``n``, else what it was."""
    if raised(out):
        return {"kind": "raised", "raised": raised(out)}
    if isinstance(out, tuple) and len(out) == n:
        return {"kind": "tuple", "values": tuple(out[:2]) if names == "forward" else tuple(out)}
    return {"kind": type(out).__name__ + (f" of length {len(out)}" if isinstance(out, tuple) else "")}


def _require_tuple(name: str, m: dict, what: str, expected: str) -> tuple:
    if m["kind"] == "raised":
        fail(name, f"{what} raised {m['raised']}")
    if m["kind"] != "tuple":
        fail(name, f"expected {expected}, got {m['kind']}")
    return m["values"]


# --- one step forward ---------------------------------------------------------------------------

def _measure_step_forward(lstm_step_forward: Callable, *, seed: int, sizes) -> dict:
    p = lstm_inputs(seed, tuple(sizes))
    return _outputs(attempt(lstm_step_forward, **{k: v.copy() for k, v in p.items()}), 3, "forward")


def _judge_step_forward(m: dict, *, seed: int, sizes) -> str:
    """``lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b) -> (h_next, c_next, cache)``."""
    p = lstm_inputs(seed, tuple(sizes))
    h_ref, c_ref, _ = ref_forward(**p)
    h, c = _require_tuple("lstm_step_forward", m, "lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b)",
                          "(h_next, c_next, cache)")
    require_value("lstm_step_forward", "c_next", c)
    require_value("lstm_step_forward", "h_next", h)
    check_array("lstm_step_forward", "c_next", c, c_ref, tol=1e-8, hint=lambda g, e: _diagnose(p, as_numpy(h), g))
    check_array("lstm_step_forward", "h_next", h, h_ref, tol=1e-8, hint=lambda g, e: _diagnose(p, g, as_numpy(c)))
    return f"h_next and c_next match the reference for (B, D, H) = {tuple(sizes)}"


check_lstm_step_forward = register("lstm_step_forward", _measure_step_forward, _judge_step_forward,
                                   seed=0, sizes=(3, 4, 5))


#: Whole-array relative error allowed between a gradient and its float64 central difference.
GRAD_TOL = 1e-7


# --- one step backward --------------------------------------------------------------------------

def _upstream(seed: int, sizes) -> tuple[np.ndarray, np.ndarray]:
    B, _, H = sizes
    rng = np.random.default_rng(seed + 1)
    return rng.normal(size=(B, H)), rng.normal(size=(B, H))


def _backward_variant(p: dict, dh: np.ndarray, dc_next: np.ndarray, *, through_h: bool = True,
                      forget: bool = True, g_prime: str = "tanh", order: str = "ifgo") -> tuple:
    """The step's six gradients, right or with one of the usual mistakes (to name it from the values)."""
    H = p["h_prev"].shape[1]
    a = p["x"] @ p["W_x"] + p["h_prev"] @ p["W_h"] + p["b"]
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    tanh_c = np.tanh(f * p["c_prev"] + i * g)
    dc = dc_next + (dh * o * (1 - tanh_c**2) if through_h else 0)
    do, df, di, dg = dh * tanh_c, dc * p["c_prev"], dc * g, dc * i
    dc_prev = dc * f if forget else dc
    blocks = {"i": di * i * (1 - i), "f": df * f * (1 - f), "o": do * o * (1 - o),
              "g": dg * (1 - g**2) if g_prime == "tanh" else dg * g * (1 - g)}
    da = np.concatenate([blocks[k] for k in order], axis=1)
    return (da @ p["W_x"].T, da @ p["W_h"].T, dc_prev, p["x"].T @ da, p["h_prev"].T @ da, da.sum(axis=0))


BACKWARD_MISTAKES = {
    "c_t receives gradient from two places: dc = dc_next + dh_next * o * (1 - tanh(c_t)**2), "
    "then df, di, dg and dc_prev all use that dc.": {"through_h": False},
    "the forget gate is the only factor between c_t and c_{t-1}: dc_prev = dc * f.": {"forget": False},
    "the candidate g is a tanh: its derivative is 1 - g**2, not g * (1 - g).": {"g_prime": "sigmoid"},
    "stack da in PyTorch's gate order i, f, g, o (the order of the forward pass's column blocks).":
        {"order": "ifog"},
}


def _measure_step_backward(lstm_step_forward: Callable, lstm_step_backward: Callable, *, seed: int, sizes) -> dict:
    p = lstm_inputs(seed, tuple(sizes))
    dh, dc = _upstream(seed, sizes)
    out = attempt(lstm_step_forward, **{k: v.copy() for k, v in p.items()})
    m = {"forward": _outputs(out, 3, "forward")}
    if m["forward"]["kind"] == "tuple":
        m["grads"] = _outputs(attempt(lstm_step_backward, dh.copy(), dc.copy(), out[2]), 6, "backward")
    return m


def _judge_step_backward(m: dict, *, seed: int, sizes) -> str:
    """Your backward against a float64 numerical gradient of the step (and the reference)."""
    from course_lib.gradcheck import numerical_gradient_array  # here: gradcheck imports checks.core

    p = lstm_inputs(seed, tuple(sizes))
    dh, dc = _upstream(seed, sizes)
    h, c = _require_tuple("lstm_step_backward", m["forward"], "lstm_step_forward (needed for its cache)",
                          "(h_next, c_next, cache) from lstm_step_forward")
    h_ref, c_ref, cache_ref = ref_forward(**p)
    first = "make lstm_step_forward pass its own check first: its cache feeds the backward pass."
    check_array("lstm_step_backward", "h_next of your lstm_step_forward", h, h_ref, tol=1e-8, hint=first)
    check_array("lstm_step_backward", "c_next of your lstm_step_forward", c, c_ref, tol=1e-8, hint=first)
    grads = _require_tuple("lstm_step_backward", m["grads"], "lstm_step_backward(dh_next, dc_next, cache)",
                           "6 gradients (dx, dh_prev, dc_prev, dW_x, dW_h, db)")
    ref = ref_backward(dh, dc, cache_ref)
    hints = {"dc_prev": "dc_prev = (dc_next + dh_next * o * (1 - tanh(c_next)**2)) * f: both paths into c_next.",
             "db": "db sums da over the batch (axis=0).",
             "dW_x": "dW_x = x.T @ da, where da stacks the four gates' pre-activation gradients in order i, f, g, o.",
             "dW_h": "dW_h = h_prev.T @ da."}
    wrong = {text: _backward_variant(p, dh, dc, **kw) for text, kw in BACKWARD_MISTAKES.items()}

    def hint_for(k: int, name: str):
        def hint(g: np.ndarray, e: np.ndarray) -> str:
            for text, values in wrong.items():  # a mistake that leaves this gradient as it is cannot be the one
                if (values[k].shape == g.shape and norm_rel_error(g, values[k]) < 1e-6
                        and norm_rel_error(values[k], e) > 1e-6):
                    return text
            return hints.get("d" + name, "apply the chain rule through each gate: sigmoid' = s(1 - s), "
                             "tanh' = 1 - tanh^2.")
        return hint

    for k, name in enumerate(NAMES):
        require_value("lstm_step_backward", "d" + name, grads[k])
        check_array("lstm_step_backward", "d" + name, grads[k], ref[k], tol=1e-8, hint=hint_for(k, name))
    for k, name in enumerate(NAMES):
        def f():
            hh, cc, _ = ref_forward(**p)  # p[name] is perturbed in place by the numerical gradient
            return np.concatenate([hh, cc], axis=1)

        num = numerical_gradient_array(f, p[name], np.concatenate([dh, dc], axis=1))
        err = norm_rel_error(grads[k], num)  # whole-array error: entries near zero carry finite-difference noise
        if not err < GRAD_TOL:
            fail("lstm_step_backward", f"d{name} fails the float64 numerical gradient check (relative error "
                                       f"{err:.2g}, want < {GRAD_TOL:.0e})",
                 f"perturbing {name} changes the step's output differently from what d{name} says.")
    return f"all six gradients match the reference and a float64 numerical gradient (relative error < {GRAD_TOL:.0e})"


check_lstm_step_backward = register("lstm_step_backward", _measure_step_backward, _judge_step_backward,
                                    seed=0, sizes=(3, 4, 5))


# --- the PyTorch cell ---------------------------------------------------------------------------

def _cell_case(seed: int, sizes) -> tuple[nn.LSTMCell, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The reference nn.LSTMCell and the inputs x (B, D), h0 (B, H), c0 (B, H), from ``seed``."""
    B, D, H = sizes
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        ref = nn.LSTMCell(D, H)
        x, h0, c0 = torch.randn(B, D), torch.randn(B, H), torch.randn(B, H)
    return ref, x, h0, c0


def _ref_params(ref: nn.LSTMCell) -> dict[str, torch.Tensor]:
    return {"W_x": ref.weight_ih.detach().T, "W_h": ref.weight_hh.detach().T,
            "b": (ref.bias_ih + ref.bias_hh).detach()}


def _measure_lstm_cell(cell_class: Callable[[int, int], nn.Module], *, seed: int, sizes) -> dict:
    B, D, H = sizes
    ref, x, h0, c0 = _cell_case(seed, sizes)
    cell = attempt(cell_class, D, H)
    if raised(cell) or not isinstance(cell, nn.Module):
        return {"built": raised(cell) or type(cell).__name__}
    shapes = {}
    for name, value in _ref_params(ref).items():
        param = getattr(cell, name, None)
        shapes[name] = tuple(param.shape) if isinstance(param, torch.Tensor) else None
        if shapes[name] == tuple(value.shape):
            with torch.no_grad():
                param.copy_(value)
    m = {"built": None, "shapes": shapes}
    if any(shapes[k] != tuple(v.shape) for k, v in _ref_params(ref).items()):
        return m
    out = attempt(cell, x, (h0, c0))
    m["out"] = _outputs(out, 2, "backward")
    if m["out"]["kind"] == "tuple" and all(isinstance(t, torch.Tensor) for t in out):
        back = attempt(lambda: (out[0].sum() + out[1].pow(2).sum()).backward())
        m["backward"] = raised(back)
        m["grad_W_h"] = None if cell.W_h.grad is None else cell.W_h.grad.detach().clone()
    return m


def _judge_lstm_cell(m: dict, *, seed: int, sizes) -> str:
    """Your ``cell_class(input_size, hidden_size)`` against ``nn.LSTMCell`` after loading its weights:
    outputs ``(h, c)`` and the gradients of every parameter."""
    B, D, H = sizes
    ref, x, h0, c0 = _cell_case(seed, sizes)
    if m["built"] is not None:
        fail("LSTM cell", f"cell_class({D}, {H}) did not give an nn.Module ({m['built']})",
             "define class MyLSTMCell(nn.Module) with __init__(self, input_size, hidden_size).")
    for name, value in _ref_params(ref).items():
        got = m["shapes"][name]
        if got is None:
            fail("LSTM cell", f"your cell has no parameter {name}",
                 "define self.W_x (D, 4H), self.W_h (H, 4H) and self.b (4H,) as nn.Parameter in __init__.")
        if tuple(got) != tuple(value.shape):
            fail("LSTM cell", f"{name} has shape {tuple(got)}, expected {tuple(value.shape)}",
                 "W_x is (D, 4H) and W_h is (H, 4H): the code multiplies row vectors, x_t @ W_x.")
    h, c = _require_tuple("LSTM cell", m["out"], "forward(x_t, (h_prev, c_prev))", "the tuple (h_t, c_t)")
    h_ref, c_ref = ref(x, (h0, c0))
    p = {"x": x.double().numpy(), "h_prev": h0.double().numpy(), "c_prev": c0.double().numpy(),
         **{k: v.double().numpy() for k, v in _ref_params(ref).items()}}
    # float32 results: whole-array relative error (an entry near zero carries rounding noise)
    check_close("LSTM cell", "c_t (vs nn.LSTMCell)", c, c_ref, tol=1e-5, hint=lambda g, e: _diagnose(p, as_numpy(h), g))
    check_close("LSTM cell", "h_t (vs nn.LSTMCell)", h, h_ref, tol=1e-5, hint=lambda g, e: _diagnose(p, g, as_numpy(c)))
    (h_ref.sum() + c_ref.pow(2).sum()).backward()
    differentiable = "use only differentiable torch operations (no .detach(), .numpy() or in-place edits)."
    if m.get("backward"):
        fail("LSTM cell", f"backpropagating through your outputs raised {m['backward']}", differentiable)
    if m.get("grad_W_h") is None:
        fail("LSTM cell", "W_h received no gradient", differentiable)
    check_close("LSTM cell", "the gradient of W_h", m["grad_W_h"], ref.weight_hh.grad.T, tol=1e-5,
                hint=differentiable)
    return f"equal to nn.LSTMCell (outputs and gradients) for (B, D, H) = {tuple(sizes)}"


check_lstm_cell = register("LSTM cell", _measure_lstm_cell, _judge_lstm_cell, func_name="check_lstm_cell",
                           seed=0, sizes=(4, 3, 5))
