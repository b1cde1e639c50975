"""Time of one training step of the scratch LSTM against ``nn.LSTM`` (chapter 3), saved as a result.

The same measurement as ``python -m course_lib bench`` (:func:`course_lib.bench.lstm.time_training_step`:
median of repeated forward + backward + Adam steps), written with its provenance so that the
chapter can quote it. Each model is timed ``rounds`` times, alternating, and the file keeps every
round, so that a reader sees the spread as well as the median.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from course_lib.bench.lstm import BenchConfig, time_training_step
from course_lib.experiments.registry import experiment
from course_lib.lstm import LSTM

__all__ = ["StepTimeConfig", "run"]


@dataclass
class StepTimeConfig(BenchConfig):
    """The bench's sizes (B, T, D, H, warm-up and repeats), timed in ``rounds`` alternating rounds."""

    rounds: int = 3
    threads: int = 1  # one thread: the comparison is of the two implementations, not of parallelism
    device: str = "cpu"


def _small() -> StepTimeConfig:
    return StepTimeConfig(batch_size=8, T=10, input_size=16, hidden_size=16, repeats=3, rounds=1)


@experiment("lstm_step_time", small=_small, full=StepTimeConfig)
def run(config: StepTimeConfig) -> dict:
    """One training step of the scratch LSTM vs nn.LSTM on the CPU (ms, and their ratio)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        torch.manual_seed(config.seed)
        ref = nn.LSTM(config.input_size, config.hidden_size, batch_first=True)
        ours = LSTM(config.input_size, config.hidden_size).load_from_torch(ref)
        torch_ms, scratch_ms = [], []
        for _ in range(config.rounds):
            torch_ms.append(1000 * time_training_step(ref, config))
            scratch_ms.append(1000 * time_training_step(ours, config))
    finally:
        torch.set_num_threads(previous)
    ratios = [s / t for s, t in zip(scratch_ms, torch_ms, strict=True)]
    return {"torch_ms": torch_ms, "scratch_ms": scratch_ms, "ratios": ratios,
            "median_ratio": sorted(ratios)[len(ratios) // 2], "threads": config.threads}
