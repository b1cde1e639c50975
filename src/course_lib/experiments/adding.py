r"""RNN vs LSTM vs GRU on the adding problem: who remembers two marked values across T steps?

Each model reads the (value, marker) sequence, and a linear layer maps its last hidden state to the
predicted sum. The baseline is the MSE of predicting the mean, exactly 1/6 for values U(0, 1)
(:data:`course_lib.data.synthetic.ADDING_BASELINE_MSE`).

Every ``grad_every`` training steps the run also logs how much gradient reaches each input step,

.. math:: g_t = \frac{1}{B} \sum_b \Big\lVert \frac{\partial (\hat y_b - y_b)^2}{\partial x_{b,t}} \Big\rVert_2,
          \qquad t = 1, \dots, T,

on a fixed probe batch (:func:`input_gradient_profile`), so that a plateau in the loss can be
compared with the gradient that would teach the model to store an early value: the ratio
:math:`g_1 / g_T` is small when the gradient vanishes on its way back through time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.data.synthetic import ADDING_BASELINE_MSE, adding_problem
from course_lib.experiments.registry import experiment
from course_lib.plotting.labels import tr
from course_lib.train import History, TrainConfig, fit
from course_lib.utils import count_parameters, seed_everything

__all__ = ["AddingConfig", "SmallAddingConfig", "AddingModel", "input_gradient_profile", "train_adding", "run",
           "plot_adding"]

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
    grad_every: int = 100  # log the input-gradient profile every this many steps (0: never)
    grad_probe_size: int = 256
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
    grad_every: int = 0


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


def input_gradient_profile(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    r"""The gradient that reaches each input step: :math:`g_t = \operatorname{mean}_b
    \lVert \partial (\hat y_b - y_b)^2 / \partial x_{b,t} \rVert_2`.

    The parameters' ``.grad`` are left untouched (the gradient is taken with respect to ``x`` only).

    Shapes: x (B, T, 2), y (B,) -> (T,).
    """
    x = x.detach().clone().requires_grad_(True)  # (B, T, 2)
    loss = ((model(x) - y) ** 2).sum()  # examples are independent: d loss / d x_b = d (y_hat_b - y_b)^2 / d x_b
    (grad,) = torch.autograd.grad(loss, x)  # (B, T, 2)
    return grad.norm(dim=-1).mean(dim=0)  # (T,)


def train_adding(model: nn.Module, config: AddingConfig,
                 probe: Callable[[nn.Module, int], None] | None = None) -> History:
    """Train ``model`` on fresh batches of the adding problem; validation uses a fixed seed stream.

    ``probe(model, step)``, if given, is called before each training step's forward pass (it must
    not change the model); evaluation does not call it.
    """
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

    step = 0

    def loss_fn(model: nn.Module, batch: tuple[Tensor, Tensor], state: object) -> tuple[Tensor, None]:
        nonlocal step
        if probe is not None and torch.is_grad_enabled():  # a training step (evaluation runs without grad)
            probe(model, step)
            step += 1
        x, y = batch
        return nn.functional.mse_loss(model(x), y), None

    train_cfg = TrainConfig(steps=config.steps, lr=config.lr, clip_norm=config.clip_norm,
                            eval_every=config.eval_every, eval_batches=config.eval_batches,
                            device=config.device, seed=config.seed, progress=False)
    return fit(model, get_batch, loss_fn, train_cfg)


def plot_adding(results: dict, ax=None):
    """Validation MSE against training step, one line per cell, with the 1/6 baseline.

    Without ``ax``, and when the runs logged input gradients, a second panel shows the ratio
    :math:`g_1 / g_T` over training (:func:`plot_adding_gradients`).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        with_grads = all(r.get("grad_step") for r in results["runs"].values())
        _, axes = plt.subplots(1, 2 if with_grads else 1, figsize=(11 if with_grads else 6, 3.5), squeeze=False)
        ax = axes[0, 0]
        if with_grads:
            plot_adding_gradients(results, ax=axes[0, 1])
    for cell, r in results["runs"].items():
        ax.plot(r["val_step"], r["val_loss"],
                label=tr("{model} ({n} params)").format(model=cell.upper(), n=r["parameters"]))
    ax.axhline(results["baseline_mse"], color="gray", ls="--", label=tr("baseline: predict 1 (MSE = 1/6)"))
    ax.axhline(0.01, color="gray", ls=":", label=tr("goal: MSE = 0.01"))
    ax.set_yscale("log")
    ax.set_xlabel(tr("training step"))
    ax.set_ylabel(tr("validation MSE"))
    ax.set_title(tr("Adding problem, T = {T}").format(T=results["T"]))
    ax.legend(fontsize=8)
    ax.figure.tight_layout()
    return ax.figure


def plot_adding_gradients(results: dict, ax=None):
    """The ratio :math:`g_1 / g_T` (gradient reaching the first input step over the last) against
    training step, one line per cell, on a log scale."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for cell, r in results["runs"].items():
        ax.plot(r["grad_step"], r["grad_ratio_first_last"], label=cell.upper())
    ax.set_yscale("log")
    ax.set_xlabel(tr("training step"))
    ax.set_ylabel(r"$g_1 / g_T$")
    ax.set_title(tr("Gradient reaching step 1 relative to step T = {T}").format(T=results["T"]))
    ax.legend(fontsize=8)
    return ax.figure


@experiment("adding", small=SmallAddingConfig, full=AddingConfig)
def run(config: AddingConfig) -> dict:
    """RNN vs LSTM vs GRU on the adding problem: validation MSE over training steps."""
    runs = {}
    for cell in config.cells:
        seed_everything(config.seed)
        model = AddingModel(cell, config.hidden_size)
        grad_step: list[int] = []
        profiles: list[list[float]] = []
        probe_x, probe_y = adding_problem(config.grad_probe_size, config.T,
                                          torch.Generator().manual_seed(config.seed + 20_000))

        def probe(model: nn.Module, step: int, grad_step=grad_step, profiles=profiles, x=probe_x,
                  y=probe_y) -> None:
            if config.grad_every and (step % config.grad_every == 0 or step == config.steps - 1):
                device = next(model.parameters()).device
                grad_step.append(step)
                profiles.append(input_gradient_profile(model, x.to(device), y.to(device)).tolist())

        hist = train_adding(model, config, probe if config.grad_every else None)
        below = [s for s, v in zip(hist.val_step, hist.val_loss, strict=True) if v < 0.01]
        runs[cell] = {
            "parameters": count_parameters(model),
            "val_step": hist.val_step,
            "val_loss": hist.val_loss,
            "final_val_mse": hist.val_loss[-1],
            "best_val_mse": hist.best_val_loss,
            "first_step_below_0.01": below[0] if below else None,
            "train_time_s": hist.train_time,
            "grad_step": grad_step,
            "grad_profile": profiles,  # g_t for t = 1..T at each grad_step
            "grad_ratio_first_last": [p[0] / p[-1] for p in profiles],
        }
    results = {"T": config.T, "baseline_mse": ADDING_BASELINE_MSE, "runs": runs}
    results["figure"] = plot_adding(results)
    return results
