"""Checks for lab 00 (warm-up): stable softmax, log-sum-exp, one-hot encoding."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.checks.core import check_array, fail, passed
from course_lib.data import Vocab
from course_lib.functional import logsumexp as ref_logsumexp
from course_lib.functional import one_hot as ref_one_hot
from course_lib.functional import softmax as ref_softmax

__all__ = ["check_softmax", "check_logsumexp", "check_one_hot"]


def _softmax_hint(got: np.ndarray, expected: np.ndarray) -> str:
    sums = got.sum(axis=-1)
    if not np.allclose(sums, 1.0):
        if np.allclose(got.sum(axis=0), 1.0):
            return "your columns sum to 1, not your rows: normalise along the last axis (axis=-1)."
        return "each row must sum to 1: divide by the sum of the exponentials of that row (keepdims=True)."
    return "rows sum to 1 but the values are off: exponentiate z minus its row maximum, not the global one."


def check_softmax(softmax: Callable, seed: int = 0, shape: tuple[int, int] = (4, 6)) -> None:
    """softmax(z) on random logits, on huge logits (overflow) and on a 1-D vector."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) * 3.0
    check_array("softmax", "softmax(z)", softmax(z), ref_softmax(z), tol=1e-10, hint=_softmax_hint)
    big = z * 100.0 + 1000.0  # exp(1000) overflows float64: only the stable version survives
    check_array("softmax", "softmax(z) for logits near 1000", softmax(big), ref_softmax(big), tol=1e-10,
                hint="subtract the row maximum before np.exp, so every exponent is <= 0.")
    v = rng.normal(size=shape[1])
    check_array("softmax", "softmax of a 1-D vector", softmax(v), ref_softmax(v), tol=1e-10,
                hint="use axis=-1 and keepdims=True so the same code works for 1-D and 2-D inputs.")
    passed("softmax", f"matches the reference on shape {shape}, large logits and 1-D input")


def check_logsumexp(logsumexp: Callable, seed: int = 0, shape: tuple[int, int] = (3, 5)) -> None:
    """logsumexp(z) along the last axis, including values where the naive formula overflows."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape)
    check_array("logsumexp", "logsumexp(z)", logsumexp(z), ref_logsumexp(z), tol=1e-10,
                hint="log(sum(exp(z))) along the last axis; the result has one value per row.")
    big = np.concatenate([z * 10 + 800.0, z * 10 - 800.0])
    check_array("logsumexp", "logsumexp for values near +-800", logsumexp(big), ref_logsumexp(big),
                tol=1e-10, hint="m + log(sum(exp(z - m))) with m the row maximum never overflows or gives -inf.")
    passed("logsumexp", "matches the reference, stable at +-800")


def check_one_hot(one_hot: Callable, text: str = "hello") -> None:
    """one_hot(ids, V) for the ids of ``text`` in its character Vocab, and a clear error for a bad id."""
    vocab = Vocab.from_text(text)
    ids = np.array(vocab.encode(text))
    got = one_hot(ids, len(vocab))
    check_array("one_hot", f"one_hot(ids of {text!r}, V={len(vocab)})", got, ref_one_hot(ids, len(vocab)),
                tol=1e-12, hint="row t has a single 1, in column ids[t]; try np.eye(V)[ids].")
    for bad in (len(vocab), -1):  # np.eye(V)[-1] silently returns the last row: a wrong answer
        try:
            one_hot(np.array([bad]), len(vocab))
        except (ValueError, IndexError):
            continue
        fail("one_hot", f"the id {bad} was accepted for V={len(vocab)}",
             "raise ValueError for an id outside [0, V); negative ids index from the end in NumPy.")
    passed("one_hot", f"{len(text)} tokens -> shape {got.shape}; out-of-range ids are refused")
