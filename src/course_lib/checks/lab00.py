"""Checks for lab 00 (warm-up): stable softmax, log-sum-exp, one-hot encoding.

Each check is a *measure* (runs the student's function, returns what came out) and a *judge*
(rebuilds the inputs, computes the reference, compares): see :mod:`course_lib.checks.protocol`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.checks.core import attempt, check_array, check_finite, fail, require_value
from course_lib.checks.protocol import register
from course_lib.data import Vocab
from course_lib.functional import logsumexp as ref_logsumexp
from course_lib.functional import one_hot as ref_one_hot
from course_lib.functional import softmax as ref_softmax

__all__ = ["check_softmax", "check_logsumexp", "check_one_hot"]


def _softmax_inputs(seed: int, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) * 3.0  # (B, V)
    big = z * 10.0 + 1000.0  # exp(1000) overflows float64: only the stable version survives
    v = rng.normal(size=shape[1])  # (V,)
    # rows near +800 and near -800: shifting by the global maximum underflows the low rows to 0 / 0
    mixed = z + np.where(np.arange(shape[0]) % 2 == 0, 800.0, -800.0)[:, None]  # (B, V)
    return {"z": z, "big": big, "mixed": mixed, "v": v}


def _softmax_hint(got: np.ndarray, expected: np.ndarray) -> str:
    sums = got.sum(axis=-1)
    if not np.allclose(sums, 1.0):
        if np.allclose(got.sum(axis=0), 1.0):
            return "your columns sum to 1, not your rows: normalise along the last axis (axis=-1)."
        return "each row must sum to 1: divide by the sum of the exponentials of that row (keepdims=True)."
    return "rows sum to 1 but the values are off: exponentiate z minus its row maximum, not the global one."


def _measure_softmax(softmax: Callable, *, seed: int, shape: tuple[int, int]) -> dict:
    return {k: attempt(softmax, x) for k, x in _softmax_inputs(seed, tuple(shape)).items()}


def _judge_softmax(m: dict, *, seed: int, shape: tuple[int, int]) -> str:
    """softmax(z) on random logits, on huge logits (overflow) and on a 1-D vector."""
    x = _softmax_inputs(seed, tuple(shape))
    keepdims = "use axis=-1 and keepdims=True so the same code works for 1-D and 2-D inputs."
    require_value("softmax", f"softmax(z) for z of shape {tuple(shape)}", m["z"], keepdims)
    check_array("softmax", "softmax(z)", m["z"], ref_softmax(x["z"]), tol=1e-10, hint=_softmax_hint)
    check_finite("softmax", "softmax(z) for logits near 1000", m["big"],
                 "an overflow: subtract the row maximum before np.exp, so every exponent is <= 0.")
    check_array("softmax", "softmax(z) for logits near 1000", m["big"], ref_softmax(x["big"]), tol=1e-10,
                hint="subtract the row maximum before np.exp, so every exponent is <= 0.")
    row_max = ("rows far below the largest logit underflow to 0 / 0: subtract each row's own maximum "
               "(axis=-1, keepdims=True), not the global maximum.")
    check_finite("softmax", "softmax(z) for rows near +800 and rows near -800", m["mixed"], row_max)
    check_array("softmax", "softmax(z) for rows near +800 and rows near -800", m["mixed"],
                ref_softmax(x["mixed"]), tol=1e-10, hint=row_max)
    check_array("softmax", "softmax of a 1-D vector", m["v"], ref_softmax(x["v"]), tol=1e-10,
                hint="use axis=-1 and keepdims=True so the same code works for 1-D and 2-D inputs.")
    return f"matches the reference on shape {tuple(shape)}, large logits and 1-D input"


check_softmax = register("softmax", _measure_softmax, _judge_softmax, seed=0, shape=(4, 6))


def _logsumexp_inputs(seed: int, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    z = np.random.default_rng(seed).normal(size=shape)  # (B, V)
    return {"z": z, "big": np.concatenate([z * 10 + 800.0, z * 10 - 800.0])}  # (2B, V)


def _measure_logsumexp(logsumexp: Callable, *, seed: int, shape: tuple[int, int]) -> dict:
    return {k: attempt(logsumexp, x) for k, x in _logsumexp_inputs(seed, tuple(shape)).items()}


def _judge_logsumexp(m: dict, *, seed: int, shape: tuple[int, int]) -> str:
    """logsumexp(z) along the last axis, including values where the naive formula overflows."""
    x = _logsumexp_inputs(seed, tuple(shape))
    check_array("logsumexp", "logsumexp(z)", m["z"], ref_logsumexp(x["z"]), tol=1e-10,
                hint="log(sum(exp(z))) along the last axis; the result has one value per row.")
    check_array("logsumexp", "logsumexp for values near +-800", m["big"], ref_logsumexp(x["big"]), tol=1e-10,
                hint="m + log(sum(exp(z - m))) with m the row maximum never overflows or gives -inf.")
    return "matches the reference, stable at +-800"


check_logsumexp = register("logsumexp", _measure_logsumexp, _judge_logsumexp, seed=0, shape=(3, 5))


def _refuses(one_hot: Callable, bad: int, V: int) -> bool | str:
    """True if ``one_hot`` refuses the id ``bad``, False if it accepts it, the error text if it fails otherwise."""
    try:
        one_hot(np.array([bad]), V)
    except (ValueError, IndexError):
        return True
    except Exception as exc:  # noqa: BLE001 - reported by the judge
        return f"{type(exc).__name__}: {exc}"[:300]
    return False


def _measure_one_hot(one_hot: Callable, *, text: str) -> dict:
    vocab = Vocab.from_text(text)
    ids = np.array(vocab.encode(text))  # (T,)
    V = len(vocab)
    # np.eye(V)[-1] silently returns the last row: a wrong answer that must be refused
    return {"out": attempt(one_hot, ids, V), "refused": {str(bad): _refuses(one_hot, bad, V) for bad in (V, -1)}}


def _judge_one_hot(m: dict, *, text: str) -> str:
    """one_hot(ids, V) for the ids of ``text`` in its character Vocab, and a clear error for a bad id."""
    vocab = Vocab.from_text(text)
    ids = np.array(vocab.encode(text))
    V = len(vocab)
    want = ref_one_hot(ids, V)
    check_array("one_hot", f"one_hot(ids of {text!r}, V={V})", m["out"], want, tol=1e-12,
                hint="row t has a single 1, in column ids[t]; try np.eye(V)[ids].")
    for bad, refused in m["refused"].items():
        if isinstance(refused, str):
            fail("one_hot", f"the id {bad} (V={V}) raised {refused}",
                 "raise ValueError for an id outside [0, V), saying which id and what range was expected.")
        if refused is not True:
            fail("one_hot", f"the id {bad} was accepted for V={V}",
                 "raise ValueError for an id outside [0, V); negative ids index from the end in NumPy.")
    return f"{len(text)} tokens -> shape {want.shape}; out-of-range ids are refused"


check_one_hot = register("one_hot", _measure_one_hot, _judge_one_hot, text="hello")
