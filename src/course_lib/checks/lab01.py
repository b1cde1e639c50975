"""Checks for lab 01 (a vanilla RNN in NumPy): step and sequence, forward and backward.

Each check is a *measure* (runs the student's functions on inputs drawn from the case seed and
returns what came out) and a *judge* (rebuilds the inputs, computes the reference with
:mod:`course_lib.functional.rnn`, compares, and names the usual mistake from the values): see
:mod:`course_lib.checks.protocol`. Backward passes are compared with the reference *and* with a
float64 central-difference gradient of the reference forward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.checks.core import attempt, check_array, fail, norm_rel_error, require_value
from course_lib.checks.protocol import register
from course_lib.functional import rnn as ref

__all__ = ["check_rnn_step_forward", "check_rnn_step_backward", "check_rnn_forward", "check_rnn_backward"]

GRAD_TOL = 1e-7


def _weights(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    return {"W_xh": rng.normal(size=(D, H)) * 0.4, "W_hh": rng.normal(size=(H, H)) * 0.4, "b": rng.normal(size=H) * 0.1}


def _step_inputs(seed: int, sizes) -> dict[str, np.ndarray]:
    """x (B, D), h_prev (B, H) and the weights of one step, from ``seed``."""
    B, D, H = sizes
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(B, D)), "h_prev": rng.normal(size=(B, H)), **_weights(rng, D, H)}


def _seq_inputs(seed: int, sizes) -> dict[str, np.ndarray]:
    """x (B, T, D), h0 (B, H) and the weights of a sequence, from ``seed``."""
    B, T, D, H = sizes
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(B, T, D)), "h0": rng.normal(size=(B, H)), **_weights(rng, D, H)}


def _pair(out) -> dict:
    """What a ``forward -> (out, cache)`` call returned: the output when it is a pair."""
    if isinstance(out, dict):  # attempt() recorded an exception
        return {"value": out, "kind": "raised"}
    if isinstance(out, tuple) and len(out) == 2:
        return {"value": out[0], "kind": "pair"}
    return {"value": None, "kind": type(out).__name__ + (f" of length {len(out)}" if isinstance(out, tuple) else "")}


def _require_pair(name: str, m: dict, what: str) -> np.ndarray:
    require_value(name, what, m["value"])
    if m["kind"] != "pair":
        fail(name, f"should return (out, cache), got {m['kind']}", "return both values: return h, cache")
    return m["value"]


def _step_hint(x, h_prev, W_xh, W_hh, b) -> Callable[[np.ndarray, np.ndarray], str | None]:
    def hint(got: np.ndarray, expected: np.ndarray) -> str | None:
        cands = {
            "W_hh is used transposed: with row vectors it is h_prev @ W_hh (shape (B, H) @ (H, H)).":
                np.tanh(x @ W_xh + h_prev @ W_hh.T + b),
            "the tanh is missing: h_next = tanh(x @ W_xh + h_prev @ W_hh + b).": x @ W_xh + h_prev @ W_hh + b,
            "the bias b is missing inside the tanh.": np.tanh(x @ W_xh + h_prev @ W_hh),
        }
        for text, value in cands.items():
            if value.shape == got.shape and norm_rel_error(got, value) < 1e-6:
                return text
        if np.all(np.abs(got) <= 1):
            return "the values are all in (-1, 1) but wrong; check which weight multiplies x and which h_prev."
        return None

    return hint


# --- one step forward ---------------------------------------------------------------------------

def _measure_step_forward(rnn_step_forward: Callable, *, seed: int, sizes) -> dict:
    p = _step_inputs(seed, sizes)
    return _pair(attempt(rnn_step_forward, p.pop("x"), p.pop("h_prev"), **p))


def _judge_step_forward(m: dict, *, seed: int, sizes) -> str:
    """h_next of one step against the reference, with hints for a transposed weight, no tanh, no bias."""
    B, D, H = sizes
    p = _step_inputs(seed, sizes)
    h = _require_pair("rnn_step_forward", m, "rnn_step_forward(x, h_prev, W_xh, W_hh, b)")
    expected, _ = ref.rnn_step_forward(**p)
    check_array("rnn_step_forward", "h_next", h, expected, tol=1e-8, hint=_step_hint(**p))
    return f"h_next matches for B={B}, D={D}, H={H}"


check_rnn_step_forward = register("rnn_step_forward", _measure_step_forward, _judge_step_forward,
                                  seed=0, sizes=(3, 4, 5))


# --- backward (one step, or through time) -------------------------------------------------------

def _grad_names(kind: str) -> tuple[str, ...]:
    return ("dx", "dh_prev" if kind == "step" else "dh0", "dW_xh", "dW_hh", "db")


HINTS = {
    "dx": "dx = da @ W_xh.T with da = dout * (1 - h_next**2).",
    "dh_prev": "dh_prev = da @ W_hh.T; the tanh derivative is 1 - h_next**2 (not 1 - h_prev**2).",
    "dh0": "the gradient flowing into h_{t-1} must be added to dh[:, t-1] before stepping back.",
    "dW_xh": "dW_xh = x.T @ da (shape (D, H)); over a sequence, sum it over all steps.",
    "dW_hh": "dW_hh = h_prev.T @ da (shape (H, H)); over a sequence, sum it over all steps.",
    "db": "db = da.sum(axis=0); over a sequence, sum it over all steps.",
}
CARRY_HINT = ("the gradient carried back from step t+1 is missing: the last step's gradients are right, "
              "earlier ones are not. At each step the gradient of h_t is dh[:, t] plus the dh_prev that "
              "rnn_step_backward returned for step t+1.")


def _step_backward_variants(p: dict, dout: np.ndarray) -> dict[str, tuple]:
    """The usual wrong step gradients, to name the mistake from the values."""
    x, h_prev, W_xh, W_hh = p["x"], p["h_prev"], p["W_xh"], p["W_hh"]
    out = {}
    for text, da in (("the tanh derivative is 1 - h_next**2 (h_next is tanh(a)), not 1 - h_prev**2.",
                      dout * (1 - h_prev**2)),
                     ("the tanh derivative is missing: da = dout * (1 - h_next**2), then dx = da @ W_xh.T.", dout)):
        out[text] = (da @ W_xh.T, da @ W_hh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0))
    return out


def _no_carry(inputs: dict, dout: np.ndarray) -> tuple:
    """BPTT without the carried gradient: each step sees only dh[:, t]."""
    _, caches = ref.rnn_forward(**inputs)
    outs = [ref.rnn_step_backward(dout[:, t], caches[t]) for t in range(dout.shape[1])]
    return (np.stack([o[0] for o in outs], 1), outs[0][1], sum(o[2] for o in outs), sum(o[3] for o in outs),
            sum(o[4] for o in outs))


def _backward_case(kind: str, seed: int, sizes) -> tuple[dict, np.ndarray]:
    inputs = _step_inputs(seed, sizes) if kind == "step" else _seq_inputs(seed, sizes)
    out_shape = (sizes[0], sizes[2]) if kind == "step" else (sizes[0], sizes[1], sizes[3])
    dout = np.random.default_rng(seed + 1).normal(size=out_shape)
    return inputs, dout


def _measure_backward(kind: str):
    def measure(forward: Callable, backward: Callable, *, seed: int, sizes) -> dict:
        inputs, dout = _backward_case(kind, seed, sizes)
        out = attempt(forward, **{k: v.copy() for k, v in inputs.items()})
        m = {"forward": _pair(out)}
        if m["forward"]["kind"] == "pair":
            grads = attempt(backward, dout.copy(), out[1])
            m["grads"] = tuple(grads) if isinstance(grads, (tuple, list)) else grads
        return m

    return measure


def _judge_backward(kind: str):
    name = "rnn_step_backward" if kind == "step" else "rnn_backward"
    fwd_name = "rnn_step_forward" if kind == "step" else "rnn_forward"
    ref_fwd = ref.rnn_step_forward if kind == "step" else ref.rnn_forward
    ref_bwd = ref.rnn_step_backward if kind == "step" else ref.rnn_backward

    def judge(m: dict, *, seed: int, sizes) -> str:
        from course_lib.gradcheck import numerical_gradient_array  # here: gradcheck imports checks.core

        inputs, dout = _backward_case(kind, seed, sizes)
        out = _require_pair(name, m["forward"], f"{fwd_name} (needed for its cache)")
        check_array(name, f"the output of your {fwd_name} (its cache feeds the backward pass)", out,
                    ref_fwd(**inputs)[0], tol=1e-8, hint=f"make {fwd_name} pass its own check first.")
        names = _grad_names(kind)
        grads = require_value(name, f"{name}(dout, cache)", m["grads"])
        if not isinstance(grads, tuple) or len(grads) != 5:
            fail(name, f"should return 5 gradients {names}, got {type(grads).__name__}"
                 f"{' of length ' + str(len(grads)) if isinstance(grads, tuple) else ''}")
        expected = ref_bwd(dout, ref_fwd(**inputs)[1])
        variants = _step_backward_variants(inputs, dout) if kind == "step" else {}
        carry = _no_carry(inputs, dout) if kind == "seq" else None

        def hint_for(k: int, n: str):
            def hint(got: np.ndarray, exp: np.ndarray) -> str:
                for text, wrong in variants.items():
                    if wrong[k].shape == got.shape and norm_rel_error(got, wrong[k]) < 1e-6:
                        return text
                if carry is not None and carry[k].shape == got.shape and norm_rel_error(got, carry[k]) < 1e-6:
                    return CARRY_HINT
                if kind == "seq" and n == "dx" and got.shape == exp.shape and got.shape[1] > 1 \
                        and norm_rel_error(got[:, -1], exp[:, -1]) < 1e-6:
                    return CARRY_HINT
                return HINTS[n]
            return hint

        for k, (n, g, e) in enumerate(zip(names, grads, expected, strict=True)):
            check_array(name, n, g, e, tol=1e-8, hint=hint_for(k, n))
        for (arg, x), n, g in zip(inputs.items(), names, grads, strict=True):
            num = numerical_gradient_array(lambda: ref_fwd(**inputs)[0], x, dout)
            err = norm_rel_error(g, num)
            if not err < GRAD_TOL:
                fail(name, f"{n} fails the numerical gradient check (relative error {err:.2g}, want < {GRAD_TOL:.0e})",
                     f"perturbing {arg} changes the output differently from what {n} says.")
        return f"all 5 gradients match the reference and a float64 numerical gradient (< {GRAD_TOL:.0e})"

    judge.__doc__ = ("The five gradients of one step: against the reference and a numerical gradient (float64)."
                     if kind == "step" else
                     "Backpropagation through time: five gradients against the reference and a numerical gradient.")
    return judge


check_rnn_step_backward = register("rnn_step_backward", _measure_backward("step"), _judge_backward("step"),
                                   seed=0, sizes=(3, 4, 5))


# --- a whole sequence forward -------------------------------------------------------------------

def _measure_forward(rnn_forward: Callable, *, seed: int, sizes) -> dict:
    p = _seq_inputs(seed, sizes)
    return _pair(attempt(rnn_forward, p.pop("x"), p.pop("h0"), **p))


def _judge_forward(m: dict, *, seed: int, sizes) -> str:
    """All hidden states h (B, T, H) against the reference."""
    B, T, D, H = sizes
    h = _require_pair("rnn_forward", m, "rnn_forward(x, h0, W_xh, W_hh, b)")
    expected, _ = ref.rnn_forward(**_seq_inputs(seed, sizes))

    def hint(got: np.ndarray, exp: np.ndarray) -> str | None:
        if norm_rel_error(got[:, 0], exp[:, 0]) < 1e-8:
            return "the first step is right but later ones are not: feed each new h back in as h_prev."
        return "h[:, t] is the state after reading x[:, t], starting from h0 (h0 itself is not in h)."

    check_array("rnn_forward", "h", h, expected, tol=1e-8, hint=hint)
    return f"h matches for B={B}, T={T}, D={D}, H={H}"


check_rnn_forward = register("rnn_forward", _measure_forward, _judge_forward, seed=0, sizes=(2, 6, 3, 4))

check_rnn_backward = register("rnn_backward", _measure_backward("seq"), _judge_backward("seq"),
                              seed=0, sizes=(2, 5, 3, 4))
