r"""Synthetic long-range tasks: the adding problem and copy-memory.

**Adding problem** :cite:`hochreiter1997long`. Each step carries a pair (value, marker); values are
drawn i.i.d. from U(0, 1) and exactly two markers are 1: one at a random position in the first half
of the sequence and one in the second half. The target is the sum of the two marked values. A model
that ignores the input and predicts the mean, :math:`E[v_1 + v_2] = 1`, scores

.. math::
    \mathrm{MSE}_{\text{base}} = \operatorname{Var}(v_1 + v_2) = 2 \cdot \tfrac{1}{12} = \tfrac{1}{6} \approx 0.1667,

so a model beats the baseline only by remembering the marked values across up to ``T - 1`` steps.

**Copy-memory** (in the form of Arjovsky et al., 2016). The input is ``K`` symbols from
``{1..A}``, then ``T`` blanks (0), then a delimiter ``A + 1`` and ``K - 1`` more blanks; the target
is blanks for the first ``T + K`` steps and then the ``K`` symbols. Predicting blanks and then a
uniform guess scores a cross-entropy of :math:`K \log A / (T + 2K)` per step (the baseline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "ADDING_BASELINE_MSE",
    "adding_problem",
    "adding_baseline_mse",
    "CopyMemoryTask",
    "copy_memory",
    "copy_memory_baseline",
]

#: Variance of the sum of two independent U(0, 1) values: the MSE of always predicting 1.
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_baseline_mse() -> float:
    """The MSE of predicting the expected sum 1 for values U(0, 1): exactly 2/12 = 1/6."""
    return ADDING_BASELINE_MSE


def adding_problem(batch_size: int, T: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """A batch of the adding problem.

    Shapes: -> x (B, T, 2) with x[..., 0] the values and x[..., 1] the markers; y (B,) the sums.

    Raises:
        ValueError: if ``T < 2`` or ``batch_size < 1``.
    """
    if T < 2:
        raise ValueError(f"T must be >= 2 (two marked positions), got {T}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    values = torch.rand(batch_size, T, generator=generator)  # (B, T)
    half = T // 2
    first = torch.randint(0, half, (batch_size,), generator=generator)  # (B,)
    second = torch.randint(half, T, (batch_size,), generator=generator)  # (B,)
    markers = torch.zeros(batch_size, T)
    rows = torch.arange(batch_size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=-1)  # (B, T, 2)
    y = values[rows, first] + values[rows, second]  # (B,)
    return x, y


@dataclass
class CopyMemoryTask:
    """Sizes of a copy-memory task: ``K`` symbols to remember from an alphabet of ``A``, ``T`` blanks."""

    T: int = 50
    K: int = 10
    A: int = 8

    @property
    def length(self) -> int:
        """Sequence length T + 2K."""
        return self.T + 2 * self.K

    @property
    def vocab_size(self) -> int:
        """Blank 0, symbols 1..A, delimiter A + 1."""
        return self.A + 2


def copy_memory(batch_size: int, task: CopyMemoryTask | None = None,
                generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """A batch of copy-memory.

    Shapes: -> x (B, T + 2K) ids, y (B, T + 2K) ids (int64).

    Raises:
        ValueError: if a size is not positive.
    """
    task = task or CopyMemoryTask()
    if min(task.T, task.K, task.A, batch_size) < 1:
        raise ValueError(f"T, K, A and batch_size must be >= 1, got {task} and batch_size={batch_size}")
    symbols = torch.randint(1, task.A + 1, (batch_size, task.K), generator=generator)  # (B, K)
    x = torch.zeros(batch_size, task.length, dtype=torch.long)  # (B, T + 2K)
    y = torch.zeros_like(x)
    x[:, :task.K] = symbols
    x[:, task.K + task.T] = task.A + 1  # the delimiter: "now recall"
    y[:, task.T + task.K:] = symbols
    return x, y


def copy_memory_baseline(task: CopyMemoryTask | None = None) -> float:
    """Cross-entropy per step of the memoryless strategy: K log A / (T + 2K)."""
    task = task or CopyMemoryTask()
    return task.K * math.log(task.A) / task.length
