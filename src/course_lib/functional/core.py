"""Numerically stable softmax and log-sum-exp, and one-hot encoding (NumPy)."""

from __future__ import annotations

import numpy as np

from course_lib.errors import DTypeError, VocabError

__all__ = ["softmax", "logsumexp", "one_hot"]


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``, stable for large logits.

    .. math:: \operatorname{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \quad m = \max_j z_j

    Subtracting :math:`m` changes nothing mathematically and keeps every exponent :math:`\le 0`.
    Shapes: ``z`` any shape -> same shape, summing to 1 along ``axis``.
    """
    z = np.asarray(z, dtype=np.float64) if not np.issubdtype(np.asarray(z).dtype, np.floating) else np.asarray(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Stable :math:`\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}` along ``axis`` (removed)."""
    z = np.asarray(z, dtype=np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))


def one_hot(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot rows: ``ids`` of shape ``(...)`` -> float array ``(..., V)`` with a single 1 per row.

    Raises:
        DTypeError: if ``ids`` are not integers.
        VocabError: if an id is outside ``[0, vocab_size)``.
    """
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise DTypeError(f"ids must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        bad = ids[(ids < 0) | (ids >= vocab_size)].ravel()[0]
        raise VocabError(f"id {bad} is outside the vocabulary [0, {vocab_size})")
    return np.eye(vocab_size)[ids]  # (..., V)
