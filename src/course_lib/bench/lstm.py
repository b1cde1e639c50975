"""Time of one training step (forward, backward, Adam) of the scratch LSTM vs ``nn.LSTM`` on the CPU."""

from __future__ import annotations

import torch
from torch import nn

from course_lib.experiments.lstm_step_time import BenchConfig, time_training_step
from course_lib.lstm import LSTM

__all__ = ["BenchConfig", "time_training_step", "bench"]


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
