"""Array helpers at the bottom of course_lib (NumPy only): conversion and relative error.

Used by :mod:`course_lib.gradcheck` and by the student checks; importing this loads nothing else
of course_lib, and not torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_numpy", "rel_error"]


def as_numpy(x: Any) -> np.ndarray:
    """Tensors (any device) and arrays -> NumPy arrays, for comparison."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def rel_error(got: Any, expected: Any) -> float:
    r"""Largest elementwise relative error :math:`\max |g - e| / \max(10^{-12}, |g| + |e|)`."""
    g, e = as_numpy(got).astype(np.float64), as_numpy(expected).astype(np.float64)
    return float(np.max(np.abs(g - e) / np.maximum(1e-12, np.abs(g) + np.abs(e)))) if g.size else 0.0
