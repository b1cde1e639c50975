r"""Vanishing and exploding gradients, measured.

Backpropagation through time multiplies one Jacobian per step,

.. math:: \frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}
          \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}, \qquad
          \frac{\partial h_k}{\partial h_{k-1}} = \operatorname{diag}(1 - h_k^2)\, W_{hh}^\top
          \ \text{(column-vector form)},

so its norm behaves like :math:`\rho(W_{hh})^{T-t}` when the tanh is in its linear range. We set
:math:`W_{hh} = \rho Q` with :math:`Q` a random orthogonal matrix (all eigenvalues of modulus 1,
so the spectral radius is exactly :math:`\rho`), put a loss on the last step only, and record
:math:`\lVert \partial L / \partial h_t \rVert` against the distance :math:`T - t`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from course_lib.experiments.registry import experiment

__all__ = ["GradientNormsConfig", "gradient_norm_curve", "run"]


@dataclass
class GradientNormsConfig:
    radii: tuple[float, ...] = (0.9, 1.0, 1.1)
    activations: tuple[str, ...] = ("linear", "tanh")
    steps: int = 50  # T
    hidden_size: int = 32
    input_size: int = 8
    input_scale: float = 0.1  # small inputs keep tanh near its linear range at first
    seeds: int = 3
    seed: int = 0
    device: str = "cpu"


def gradient_norm_curve(radius: float, steps: int, hidden_size: int = 32, input_size: int = 8,
                        activation: str = "tanh", input_scale: float = 0.1, seed: int = 0) -> np.ndarray:
    r""":math:`\lVert \partial L/\partial h_t \rVert` for t = T..1, i.e. at distance 0..T-1 from the loss.

    Returns an array of shape (T,), index k = distance :math:`T - t`.
    """
    if activation not in ("tanh", "linear"):
        raise ValueError(f"activation must be 'tanh' or 'linear', got {activation!r}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    g = torch.Generator().manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(hidden_size, hidden_size, generator=g, dtype=torch.float64))
    W_hh = radius * Q  # spectral radius exactly `radius`
    W_xh = torch.randn(input_size, hidden_size, generator=g, dtype=torch.float64) / input_size**0.5
    x = input_scale * torch.randn(1, steps, input_size, generator=g, dtype=torch.float64)  # (1, T, D)
    act = torch.tanh if activation == "tanh" else (lambda a: a)
    h = torch.zeros(1, hidden_size, dtype=torch.float64, requires_grad=True)  # (1, H)
    hs = []
    for t in range(steps):
        h = act(x[:, t] @ W_xh + h @ W_hh)  # (1, H)
        h.retain_grad()
        hs.append(h)
    v = torch.randn(hidden_size, generator=g, dtype=torch.float64)
    loss = (hs[-1] @ v).sum()  # a loss on the last step only
    loss.backward()
    norms = [float(hs[t].grad.norm()) for t in range(steps)]  # t = 0..T-1
    return np.array(norms[::-1])  # (T,), distance 0..T-1


def _small() -> GradientNormsConfig:
    return GradientNormsConfig(steps=40, seeds=2)


def _full() -> GradientNormsConfig:
    return GradientNormsConfig(steps=100, hidden_size=64, seeds=10)


@experiment("gradient_norms", small=_small, full=_full)
def run(config: GradientNormsConfig) -> dict:
    """Norm of dL/dh_t against distance T - t, for spectral radius below, at and above 1."""
    from course_lib.plotting.rnn import plot_gradient_norms

    curves: dict[str, dict[str, list[float]]] = {}
    for act in config.activations:
        curves[act] = {}
        for rho in config.radii:
            runs = [gradient_norm_curve(rho, config.steps, config.hidden_size, config.input_size, act,
                                        config.input_scale, config.seed + s) for s in range(config.seeds)]
            curves[act][str(rho)] = np.exp(np.mean(np.log(np.array(runs) + 1e-300), axis=0)).tolist()  # geo-mean
    ratio = {act: {r: c[-1] / c[0] for r, c in curves[act].items()} for act in curves}
    fig = plot_gradient_norms(curves)
    return {"curves": curves, "ratio_last_to_first": ratio, "figure": fig}
