"""Adding problem and copy-memory: shapes, exactly two markers, targets, and the stated baselines."""

from __future__ import annotations

import math

import pytest
import torch

from course_lib.data.synthetic import (
    ADDING_BASELINE_MSE,
    CopyMemoryTask,
    adding_problem,
    copy_memory,
    copy_memory_baseline,
)


def test_adding_problem_has_two_markers_one_per_half_and_target_is_their_sum():
    x, y = adding_problem(32, 10, torch.Generator().manual_seed(0))
    assert x.shape == (32, 10, 2) and y.shape == (32,)
    markers = x[..., 1]
    assert torch.all(markers.sum(1) == 2)
    assert torch.all(markers[:, :5].sum(1) == 1) and torch.all(markers[:, 5:].sum(1) == 1)
    torch.testing.assert_close(y, (x[..., 0] * markers).sum(1))


def test_predicting_one_scores_the_stated_baseline_mse_of_one_sixth():
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    _, y = adding_problem(200_000, 4, torch.Generator().manual_seed(1))
    mse = float(((y - 1.0) ** 2).mean())
    assert mse == pytest.approx(1 / 6, abs=3e-3)


def test_adding_problem_is_reproducible_with_a_generator_and_rejects_short_sequences():
    a = adding_problem(4, 8, torch.Generator().manual_seed(2))
    b = adding_problem(4, 8, torch.Generator().manual_seed(2))
    torch.testing.assert_close(a[0], b[0])
    with pytest.raises(ValueError, match="T must be >= 2"):
        adding_problem(4, 1)


def test_copy_memory_target_repeats_the_symbols_after_the_delimiter():
    task = CopyMemoryTask(T=7, K=3, A=4)
    x, y = copy_memory(5, task, torch.Generator().manual_seed(3))
    assert x.shape == y.shape == (5, 13)
    torch.testing.assert_close(y[:, -3:], x[:, :3])
    assert torch.all(x[:, 10] == 5) and torch.all(y[:, :10] == 0)
    assert torch.all((x[:, :3] >= 1) & (x[:, :3] <= 4))
    assert copy_memory_baseline(task) == pytest.approx(3 * math.log(4) / 13)
