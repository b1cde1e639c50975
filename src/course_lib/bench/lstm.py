"""Time of one training step (forward, backward, Adam) of the scratch LSTM vs ``nn.LSTM`` on the CPU."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from course_lib.lstm import LSTM

__all__ = ["BenchConfig", "time_training_step", "bench"]


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


def bench(config: BenchConfig | None = None) -> list[str]:
    """Printable lines: both times and their ratio (scratch / torch)."""
    config = config or BenchConfig()
    torch.manual_seed(config.seed)
    ref = nn.LSTM(config.input_size, config.hidden_size, batch_first=True)
    ours = LSTM(config.input_size, config.hidden_size).load_from_torch(ref)
    t_ref = time_training_step(ref, config)
    t_ours = time_training_step(ours, config)
    size = f"B={config.batch_size}, T={config.T}, D={config.input_size}, H={config.hidden_size}"
    return [
        f"LSTM training step, CPU, {torch.get_num_threads()} thread(s), {size}",
        f"  nn.LSTM          {1000 * t_ref:8.1f} ms",
        f"  scratch LSTM     {1000 * t_ours:8.1f} ms",
        f"  ratio scratch / nn.LSTM = {t_ours / t_ref:.2f}x (target <= 2x)",
    ]
