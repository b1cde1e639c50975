r"""A readable scratch RNN in PyTorch: one cell, then layers and directions stacked from it.

Code uses batches of row vectors, so the cell computes

.. math:: h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h),

which is the lecture notes' :math:`h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b)` transposed.
:class:`RNN` loops over time in Python (slow but readable) and gives the same numbers as
``torch.nn.RNN`` after :meth:`RNN.load_from_torch` copies its weights.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_nonempty, check_shape

__all__ = ["RNNCell", "RNN"]


class RNNCell(nn.Module):
    r"""One step of an Elman RNN :cite:`elman1990finding`.

    .. math:: h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)

    Args:
        input_size: D, features per time step.
        hidden_size: H.

    Shapes:
        x_t: (B, D), h_prev: (B, H) -> h_t: (B, H)

    Raises:
        ShapeError: if x_t or h_prev do not have the shapes above.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.W_xh = nn.Parameter(torch.empty(input_size, hidden_size))
        self.W_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.b_h = nn.Parameter(torch.zeros(hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in :math:`[-1/\\sqrt{H}, 1/\\sqrt{H}]`, as ``nn.RNN`` does."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x_t: Tensor, h_prev: Tensor) -> Tensor:
        check_shape("x_t", x_t, ("B", self.input_size))
        check_shape("h_prev", h_prev, (x_t.shape[0], self.hidden_size))
        return torch.tanh(x_t @ self.W_xh + h_prev @ self.W_hh + self.b_h)  # (B, H)


class RNN(nn.Module):
    r"""Multi-layer, optionally bidirectional RNN built from :class:`RNNCell` (batch first).

    Layer :math:`\ell > 0` reads the outputs of layer :math:`\ell - 1` (both directions
    concatenated). The backward direction reads the sequence from the end:
    :math:`\overleftarrow{h}_t = \tanh(x_t W^{\leftarrow}_{xh} + \overleftarrow{h}_{t+1} W^{\leftarrow}_{hh} + b^{\leftarrow})`.

    Args:
        input_size: D. hidden_size: H. num_layers: L. bidirectional: two directions (K = 2).
        batch_first: must be True (the course is batch first); kept for symmetry with ``nn.RNN``.

    Shapes:
        x: (B, T, D), h0: (L*K, B, H) or None -> output (B, T, K*H), h_n (L*K, B, H)

    Raises:
        ShapeError: wrong shapes or T = 0. DTypeError: integer inputs.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
                 batch_first: bool = True) -> None:
        super().__init__()
        if not batch_first:
            raise ValueError("course_lib.rnn.RNN is batch first: x has shape (B, T, D)")
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.num_directions = 2 if bidirectional else 1
        self.cells = nn.ModuleList(
            RNNCell(input_size if layer == 0 else hidden_size * self.num_directions, hidden_size)
            for layer in range(num_layers) for _ in range(self.num_directions)
        )

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        check_dtype("x", x, "float")
        s = check_shape("x", x, ("B", "T", self.input_size))
        check_nonempty("x", x, dim=1)
        B, T = s["B"], s["T"]
        LK, H = self.num_layers * self.num_directions, self.hidden_size
        if h0 is None:
            h0 = x.new_zeros(LK, B, H)  # (L*K, B, H)
        check_shape("h0", h0, (LK, B, H))
        layer_in = x  # (B, T, D)
        h_n = []
        for layer in range(self.num_layers):
            outs = []
            for k in range(self.num_directions):
                idx = layer * self.num_directions + k
                cell = self.cells[idx]
                h = h0[idx]  # (B, H)
                steps = range(T) if k == 0 else reversed(range(T))
                hs: list[Tensor] = [x.new_empty(0)] * T
                for t in steps:
                    h = cell(layer_in[:, t], h)  # (B, H)
                    hs[t] = h
                outs.append(torch.stack(hs, dim=1))  # (B, T, H)
                h_n.append(h)
            layer_in = torch.cat(outs, dim=-1)  # (B, T, K*H)
        return layer_in, torch.stack(h_n)  # (B, T, K*H), (L*K, B, H)

    @torch.no_grad()
    def load_from_torch(self, rnn: nn.RNN) -> RNN:
        """Copy the weights of a ``torch.nn.RNN`` (tanh) of the same sizes into this module.

        ``nn.RNN`` stores ``weight_ih_l{l}{_reverse}`` of shape (H, D) and two biases; here
        ``W_xh`` is its transpose and ``b_h`` the sum of the biases.

        Raises:
            ValueError: if the sizes, nonlinearity or layout differ.
        """
        if (rnn.input_size, rnn.hidden_size, rnn.num_layers) != (self.input_size, self.hidden_size,
                                                                 self.num_layers) \
                or (2 if rnn.bidirectional else 1) != self.num_directions or rnn.nonlinearity != "tanh":
            raise ValueError(f"cannot load {rnn} into {self.extra_repr()}: sizes or settings differ")
        for layer in range(self.num_layers):
            for k in range(self.num_directions):
                sfx = f"l{layer}" + ("_reverse" if k == 1 else "")
                cell = self.cells[layer * self.num_directions + k]
                cell.W_xh.copy_(getattr(rnn, f"weight_ih_{sfx}").T)
                cell.W_hh.copy_(getattr(rnn, f"weight_hh_{sfx}").T)
                b = torch.zeros_like(cell.b_h)
                if rnn.bias:
                    b = getattr(rnn, f"bias_ih_{sfx}") + getattr(rnn, f"bias_hh_{sfx}")
                cell.b_h.copy_(b)
        return self

    @classmethod
    def from_torch(cls, rnn: nn.RNN) -> RNN:
        """A scratch :class:`RNN` with the same sizes and weights as ``rnn`` (batch first)."""
        return cls(rnn.input_size, rnn.hidden_size, rnn.num_layers, rnn.bidirectional).load_from_torch(rnn).to(
            next(rnn.parameters()).device)

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, hidden_size={self.hidden_size}, num_layers={self.num_layers}, "
                f"bidirectional={self.num_directions == 2}")
