"""RNN vs LSTM vs GRU on the adding problem: who remembers two marked values across T steps?

Each model reads the (value, marker) sequence, and a linear layer maps its last hidden state to the
predicted sum. The baseline is the MSE of predicting the mean, exactly 1/6 for values U(0, 1)
(:data:`course_lib.data.synthetic.ADDING_BASELINE_MSE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.data.synthetic import ADDING_BASELINE_MSE, adding_problem
from course_lib.experiments.registry import experiment
from course_lib.train import History, TrainConfig, fit
from course_lib.utils import count_parameters, seed_everything

__all__ = ["AddingConfig", "SmallAddingConfig", "AddingModel", "train_adding", "run", "plot_adding"]

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class AddingConfig:
    """The full run behind the chapter-4 figure (a few minutes on a CPU)."""

    T: int = 50
    hidden_size: int = 64
    cells: tuple[str, ...] = ("rnn", "lstm", "gru")
    steps: int = 3000
    batch_size: int = 64
    lr: float = 3e-3
    clip_norm: float = 1.0
    eval_every: int = 100
    eval_batches: int = 4
    eval_batch_size: int = 256
    seed: int = 0
    device: str | None = None


@dataclass
class SmallAddingConfig(AddingConfig):
    """A live run for the notebook: shorter sequences, fewer steps."""

    T: int = 20
    hidden_size: int = 32
    steps: int = 400
    eval_every: int = 50
    eval_batches: int = 2


class AddingModel(nn.Module):
    """A recurrent layer (``nn.RNN``/``nn.LSTM``/``nn.GRU``, or any module returning
    ``(output, state)``) and a linear read-out of the last step.

    Shapes: x (B, T, 2) -> y_hat (B,).
    """

    def __init__(self, cell: str | nn.Module, hidden_size: int) -> None:
        super().__init__()
        if isinstance(cell, str):
            if cell not in CELLS:
                raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
            cell = CELLS[cell](2, hidden_size, batch_first=True)
            if isinstance(cell, nn.LSTM):  # forget-gate bias 1 (chapter 3): remember by default
                with torch.no_grad():
                    cell.bias_ih_l0[hidden_size:2 * hidden_size].fill_(1.0)
                    cell.bias_hh_l0[hidden_size:2 * hidden_size].zero_()
        self.recurrent = cell
        self.readout = nn.Linear(hidden_size, 1)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.recurrent(x)  # (B, T, H)
        return self.readout(out[:, -1]).squeeze(-1)  # (B,)


def train_adding(model: nn.Module, config: AddingConfig) -> History:
    """Train ``model`` on fresh batches of the adding problem; validation uses a fixed seed stream."""
    gen = torch.Generator().manual_seed(config.seed)
    val_gen = torch.Generator().manual_seed(config.seed + 10_000)
    val = [adding_problem(config.eval_batch_size, config.T, val_gen) for _ in range(config.eval_batches)]
    val_iter = iter(())

    def get_batch(split: str) -> tuple[Tensor, Tensor]:
        nonlocal val_iter
        if split == "train":
            return adding_problem(config.batch_size, config.T, gen)
        batch = next(val_iter, None)
        if batch is None:
            val_iter = iter(val)
            batch = next(val_iter)
        return batch

    def loss_fn(model: nn.Module, batch: tuple[Tensor, Tensor], state: object) -> tuple[Tensor, None]:
        x, y = batch
        return nn.functional.mse_loss(model(x), y), None

    train_cfg = TrainConfig(steps=config.steps, lr=config.lr, clip_norm=config.clip_norm,
                            eval_every=config.eval_every, eval_batches=config.eval_batches,
                            device=config.device, seed=config.seed, progress=False)
    return fit(model, get_batch, loss_fn, train_cfg)


def plot_adding(results: dict, ax=None):
    """Validation MSE against training step, one line per cell, with the 1/6 baseline."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for cell, r in results["runs"].items():
        ax.plot(r["val_step"], r["val_loss"], label=f"{cell.upper()} ({r['parameters']} params)")
    ax.axhline(results["baseline_mse"], color="gray", ls="--", label="baseline: predict 1 (MSE = 1/6)")
    ax.axhline(0.01, color="gray", ls=":", label="goal: MSE = 0.01")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("validation MSE")
    ax.set_title(f"Adding problem, T = {results['T']}")
    ax.legend(fontsize=8)
    return ax.figure


@experiment("adding", small=SmallAddingConfig, full=AddingConfig)
def run(config: AddingConfig) -> dict:
    """RNN vs LSTM vs GRU on the adding problem: validation MSE over training steps."""
    runs = {}
    for cell in config.cells:
        seed_everything(config.seed)
        model = AddingModel(cell, config.hidden_size)
        hist = train_adding(model, config)
        below = [s for s, v in zip(hist.val_step, hist.val_loss, strict=True) if v < 0.01]
        runs[cell] = {
            "parameters": count_parameters(model),
            "val_step": hist.val_step,
            "val_loss": hist.val_loss,
            "final_val_mse": hist.val_loss[-1],
            "best_val_mse": hist.best_val_loss,
            "first_step_below_0.01": below[0] if below else None,
            "train_time_s": hist.train_time,
        }
    results = {"T": config.T, "baseline_mse": ADDING_BASELINE_MSE, "runs": runs}
    results["figure"] = plot_adding(results)
    return results
