r"""Why the LSTM's cell state carries gradients: :math:`\|\partial c_T / \partial c_t\|` measured.

For an untrained LSTM (PyTorch's initialisation) with the forget-gate bias set to 0, 1 or 3, and
for a vanilla RNN of the same width on the *same* random inputs, we record every state of one
forward pass and compute, with autograd, the Frobenius norm of the Jacobians

.. math:: \Big\|\frac{\partial c_T}{\partial c_t}\Big\|_F \ \text{(LSTM)}, \qquad
          \Big\|\frac{\partial h_T}{\partial h_t}\Big\|_F \ \text{(RNN)}

against the distance :math:`T - t`, averaged over the batch. Along the cell-to-cell path
:math:`\partial c_{t+1}/\partial c_t = \operatorname{diag}(f_{t+1})` (plus smaller paths through
:math:`h_t`), so the norm decays roughly like :math:`\bar f^{\,T-t}`: slowly when :math:`f \approx 1`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.experiments.registry import experiment
from course_lib.lstm import LSTMCell, lstm_cell_step
from course_lib.plotting.labels import tr
from course_lib.utils import seed_everything

__all__ = ["GradientFlowConfig", "SmallGradientFlowConfig", "jacobian_norms", "run", "plot_gradient_flow"]


@dataclass
class GradientFlowConfig:
    """Full run: T = 200 steps, H = 64, 32 sequences."""

    T: int = 200
    input_size: int = 16
    hidden_size: int = 64
    batch_size: int = 32
    forget_biases: tuple[float, ...] = (0.0, 1.0, 3.0)
    seed: int = 0
    device: str | None = None


@dataclass
class SmallGradientFlowConfig(GradientFlowConfig):
    """Live run for the notebook."""

    T: int = 60
    hidden_size: int = 32
    batch_size: int = 16


def jacobian_norms(target: Tensor, states: list[Tensor]) -> Tensor:
    r"""Frobenius norms :math:`\|\partial\, \text{target}_b / \partial\, \text{states}[t]_b\|_F` for
    every example b and step t, by one backward pass per hidden unit.

    Shapes: target (B, H), states: T tensors (B, H) in the graph of target -> (B, T).
    """
    H = target.shape[1]
    sq = torch.zeros(target.shape[0], len(states), device=target.device)  # (B, T)
    for k in range(H):  # examples are independent, so summing over the batch keeps them apart
        grads = torch.autograd.grad(target[:, k].sum(), states, retain_graph=True, allow_unused=True)
        for t, g in enumerate(grads):
            if g is not None:
                sq[:, t] += (g**2).sum(dim=1)
    return sq.sqrt()  # (B, T)


def _lstm_states(cell: LSTMCell, x: Tensor) -> tuple[list[Tensor], float]:
    """Every cell state c_1..c_T of one pass (in one graph) and the mean forget gate."""
    h, c = cell.init_state(x.shape[0], x.device)
    cs, forget = [], []
    for t in range(x.shape[1]):
        h, c, gates = lstm_cell_step(x[:, t] @ cell.W_x + cell.b, h, c, cell.W_h, return_gates=True)
        forget.append(float(gates["f"].detach().mean()))
        cs.append(c)
    return cs, sum(forget) / len(forget)


@experiment("gradient_flow", small=SmallGradientFlowConfig, full=GradientFlowConfig)
def run(config: GradientFlowConfig) -> dict:
    """||dc_T/dc_t|| of an LSTM (forget bias 0, 1, 3) vs ||dh_T/dh_t|| of a vanilla RNN, same inputs."""
    seed_everything(config.seed)
    device = torch.device(config.device or "cpu")
    x = torch.randn(config.batch_size, config.T, config.input_size, device=device)  # (B, T, D)
    distance = list(range(config.T - 1, -1, -1))  # T - 1 - t for t = 0..T-1
    curves, mean_forget = {}, {}
    for bias in config.forget_biases:
        seed_everything(config.seed + 1)  # the same weights for every bias; only b_f changes
        cell = LSTMCell(config.input_size, config.hidden_size, forget_bias=bias).to(device)
        cs, f_bar = _lstm_states(cell, x)
        norms = jacobian_norms(cs[-1], cs).mean(dim=0)  # (T,)
        curves[f"LSTM, forget bias {bias:g}"] = norms.tolist()
        mean_forget[f"{bias:g}"] = f_bar
    seed_everything(config.seed + 1)
    rnn = nn.RNNCell(config.input_size, config.hidden_size).to(device)
    h = torch.zeros(config.batch_size, config.hidden_size, device=device)
    hs = []
    for t in range(config.T):
        h = rnn(x[:, t], h)  # (B, H)
        hs.append(h)
    curves["RNN (tanh)"] = jacobian_norms(hs[-1], hs).mean(dim=0).tolist()
    results = {"T": config.T, "distance": distance, "norms": curves, "mean_forget_gate": mean_forget}
    # the norm at distance 50 (or the largest distance available) per curve, for the prose
    d = min(50, config.T - 1)
    results["norm_at_distance"] = {"distance": d, **{k: v[config.T - 1 - d] for k, v in curves.items()}}
    results["figure"] = plot_gradient_flow(results)
    return results


def _curve_label(label: str) -> str:
    """A saved curve's name (``"LSTM, forget bias 1"``, ``"RNN (tanh)"``) in the figure's language."""
    prefix = "LSTM, forget bias "
    if label.startswith(prefix):
        return tr(prefix + "{bias}").format(bias=label[len(prefix):])
    return tr(label)


def plot_gradient_flow(results: dict, ax=None):
    """Jacobian norm (log scale) against distance T - t, one line per model."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, norms in results["norms"].items():
        ax.semilogy(results["distance"], norms, label=_curve_label(label), ls="--" if label.startswith("RNN") else "-")
    ax.set_xlabel(tr("distance T - t (steps)"))
    ax.set_ylabel(tr(r"$\|\partial c_T/\partial c_t\|_F$  or  $\|\partial h_T/\partial h_t\|_F$"))
    ax.set_title(tr("Gradient flow over {T} steps (untrained cells, same inputs)").format(T=results["T"]))
    ax.legend(fontsize=8)
    return ax.figure
