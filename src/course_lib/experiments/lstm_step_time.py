"""Time of one training step of the scratch LSTM against ``nn.LSTM`` (chapter 3), saved as a result.

The same measurement as ``python -m course_lib bench`` (:func:`time_training_step`: the median of
repeated forward + backward + Adam steps), written with its provenance so that the
chapter can quote it. Each model is timed ``rounds`` times, alternating, and the file keeps every
round, so that a reader sees the spread as well as the median.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from course_lib.experiments.registry import experiment
from course_lib.lstm import LSTM

__all__ = ["BenchConfig", "StepTimeConfig", "time_training_step", "run"]


@dataclass
class BenchConfig:
    batch_size: int = 64
    T: int = 50
    input_size: int = 128
    hidden_size: int = 128
    warmup: int = 3
    repeats: int = 15
    seed: int = 0


def time_training_step(lstm: nn.Module, config: BenchConfig) -> float:
    """Median seconds of one step: forward through ``lstm``, MSE of its output, backward, Adam step."""
    torch.manual_seed(config.seed)
    x = torch.randn(config.batch_size, config.T, config.input_size)  # (B, T, D)
    y = torch.randn(config.batch_size, config.T, config.hidden_size)  # (B, T, H)
    opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
    times = []
    for i in range(config.warmup + config.repeats):
        t0 = time.perf_counter()
        out, _ = lstm(x)
        loss = nn.functional.mse_loss(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= config.warmup:
            times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


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
