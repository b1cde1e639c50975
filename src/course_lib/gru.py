r"""Gated recurrent unit (GRU), from scratch in PyTorch, readable and equal to ``torch.nn.GRU``.

One step, as the code computes it (gates in PyTorch's order r, z, n):

.. math::
    [u_r, u_z, u_n] &= x_t W_x + b_x, \qquad [v_r, v_z, v_n] = h_{t-1} W_h + b_h\\
    r_t &= \sigma(u_r + v_r), \qquad z_t = \sigma(u_z + v_z)\\
    n_t &= \tanh\big(u_n + r_t \odot v_n\big)
         = \tanh\big(x_t W_{xn} + b_{xn} + r_t \odot (h_{t-1} W_{hn} + b_{hn})\big)\\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

**Where the reset gate sits.** :cite:`cho2014learning` write :math:`n_t = \tanh(W x_t + U (r_t \odot
h_{t-1}))`: the reset gate multiplies :math:`h_{t-1}` *before* the matrix product. PyTorch (and cuDNN)
multiply it *after*: :math:`r_t \odot (h_{t-1} W_{hn} + b_{hn})`. That lets all three hidden
products be one fused :math:`h_{t-1} W_h`, and it is why the GRU keeps two biases: :math:`b_{hn}` is
inside the reset gate and :math:`b_{xn}` outside, so they cannot be merged. We follow PyTorch.

**Update gate.** :math:`z_t \approx 1` keeps the old state (like an LSTM forget gate near 1 with
its input gate near 0); :math:`z_t \approx 0` replaces it with the candidate :math:`n_t`. One gate
does the work of the LSTM's coupled forget and input gates.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_shape
from course_lib.stacked import StackedRecurrent
from course_lib.torch_weights import copy_recurrent_weights

__all__ = ["GRUCell", "GRU", "GATES", "gru_cell_step"]

#: Gate order of the fused weight's column blocks, as in ``torch.nn.GRU``.
GATES = ("r", "z", "n")


def gru_cell_step(u: Tensor, h_prev: Tensor, W_h: Tensor, b_h: Tensor,
                  return_gates: bool = False) -> Tensor | tuple[Tensor, dict]:
    """One GRU step given the input's share ``u = x_t W_x + b_x`` (B, 3H).

    Shapes: u (B, 3H), h_prev (B, H), W_h (H, 3H), b_h (3H,) -> h_t (B, H)
    (and, with ``return_gates``, a dict of r, z, n, each (B, H)).
    """
    v = h_prev @ W_h + b_h  # (B, 3H): every hidden share in one product
    u_r, u_z, u_n = u.chunk(3, dim=-1)  # 3 x (B, H)
    v_r, v_z, v_n = v.chunk(3, dim=-1)  # 3 x (B, H)
    r_t = torch.sigmoid(u_r + v_r)
    z_t = torch.sigmoid(u_z + v_z)
    n_t = torch.tanh(u_n + r_t * v_n)  # reset gate applied after the product (PyTorch's placement)
    h_t = (1 - z_t) * n_t + z_t * h_prev  # (B, H)
    if return_gates:
        return h_t, {"r": r_t, "z": z_t, "n": n_t}
    return h_t


class GRUCell(nn.Module):
    r"""One GRU step (see the module docstring for the equations and the reset gate's placement).

    Args:
        input_size: D.
        hidden_size: H.

    Shapes:
        x_t: (B, D), h_prev: (B, H) or None (zeros) -> h_t: (B, H).

    Raises:
        ShapeError: if x_t or h_prev do not have the shapes above.
        DTypeError: if x_t is not floating point.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.W_x = nn.Parameter(torch.empty(input_size, 3 * hidden_size))
        self.W_h = nn.Parameter(torch.empty(hidden_size, 3 * hidden_size))
        self.b_x = nn.Parameter(torch.empty(3 * hidden_size))
        self.b_h = nn.Parameter(torch.empty(3 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(H), 1/sqrt(H)) for every parameter, as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x_t: Tensor, h_prev: Tensor | None = None) -> Tensor:
        check_dtype("x_t", x_t, "float")
        check_shape("x_t", x_t, ("B", "D"), D=self.input_size)
        if h_prev is None:
            h_prev = x_t.new_zeros(x_t.shape[0], self.hidden_size)
        check_shape("h_prev", h_prev, ("B", "H"), B=x_t.shape[0], H=self.hidden_size)
        return gru_cell_step(x_t @ self.W_x + self.b_x, h_prev, self.W_h, self.b_h)  # (B, H)

    @torch.no_grad()
    def load_from_torch(self, cell: nn.GRUCell | nn.GRU, suffix: str = "_l0") -> GRUCell:
        """Copy the weights of an ``nn.GRUCell`` (or one layer/direction of an ``nn.GRU``, named by
        ``suffix``): ``W_x = weight_ih.T``, ``W_h = weight_hh.T``, ``b_x = bias_ih``, ``b_h = bias_hh``
        (see :func:`course_lib.torch_weights.copy_recurrent_weights`; it raises ShapeError on other sizes).
        """
        for mine, bias in zip((self.b_x, self.b_h), copy_recurrent_weights(self, cell, suffix, 3), strict=True):
            mine.copy_(bias) if bias is not None else mine.zero_()
        return self


class GRU(StackedRecurrent):
    r"""A multi-layer, optionally bidirectional GRU that loops over time with :func:`gru_cell_step`
    (stacking as in :class:`course_lib.stacked.StackedRecurrent`).

    Args:
        input_size: D.
        hidden_size: H.
        num_layers: L.
        bidirectional: also run each layer backwards in time and concatenate (output width 2H).
        batch_first: ``x`` is (B, T, D) if True, (T, B, D) if False.

    Shapes:
        x: (B, T, D); h_0: (L * dirs, B, H) or None -> output (B, T, dirs * H), h_n (L * dirs, B, H),
        exactly as ``nn.GRU``.

    Raises:
        ShapeError: if x or h_0 do not have those shapes, or T = 0.
        DTypeError: if x is not floating point.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
                 batch_first: bool = True) -> None:
        super().__init__(GRUCell, input_size, hidden_size, num_layers, bidirectional, batch_first)

    @staticmethod
    def _run_direction(cell: GRUCell, x: Tensor, state: tuple[Tensor], reverse: bool,
                       gates: list | None = None) -> tuple[Tensor, tuple[Tensor]]:
        (h,) = state
        u = (x @ cell.W_x + cell.b_x).unbind(1)  # T x (B, 3H): the input's share of every step, in one product
        T = x.shape[1]
        outputs: list[Tensor] = [None] * T  # type: ignore[list-item]
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            if gates is not None:
                h, g = gru_cell_step(u[t], h, cell.W_h, cell.b_h, return_gates=True)
                gates.append(g)
            else:
                h = gru_cell_step(u[t], h, cell.W_h, cell.b_h)  # (B, H)
            outputs[t] = h
        return torch.stack(outputs, dim=1), (h,)  # (B, T, H)

    def forward(self, x: Tensor, h_0: Tensor | None = None,
                return_gates: bool = False) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, dict]:
        """Run the whole sequence. With ``return_gates`` (one layer, one direction), also return a
        dict of the gates ``r, z, n``, each (B, T, H)."""
        x = self._batch_first_input(x)  # (B, T, D)
        gates: list | None = [] if return_gates else None
        output, (h_n,) = self._run_layers(x, (self._initial("h_0", h_0, x),), self._run_direction, gates)
        if gates is not None:
            stacked = {k: torch.stack([g[k] for g in gates], dim=1) for k in GATES}  # (B, T, H)
            return output, h_n, stacked
        return output, h_n  # (L * dirs, B, H)
