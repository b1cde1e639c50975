r"""Long short-term memory (LSTM), from scratch in PyTorch, readable and equal to ``torch.nn.LSTM``.

One step, as the code computes it (batches of row vectors, gates in PyTorch's order i, f, g, o):

.. math::
    [a_i, a_f, a_g, a_o] &= x_t W_x + h_{t-1} W_h + b  \qquad \text{(one fused product, } 4H \text{ columns)}\\
    i_t = \sigma(a_i), \quad f_t &= \sigma(a_f), \quad g_t = \tanh(a_g), \quad o_t = \sigma(a_o)\\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t\\
    h_t &= o_t \odot \tanh(c_t)

``W_x`` is ``(D, 4H)``, ``W_h`` is ``(H, 4H)`` and ``b`` is ``(4H,)``; column block ``k*H:(k+1)*H``
belongs to gate ``k`` of ``(i, f, g, o)``. PyTorch stores the transposes (``weight_ih_l0`` is
``(4H, D)``) and two biases, ``bias_ih + bias_hh``, whose sum is our ``b``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_shape
from course_lib.stacked import StackedRecurrent
from course_lib.torch_weights import copy_recurrent_weights

__all__ = ["LSTMCell", "LSTM", "GATES", "lstm_cell_step"]

#: Gate order of the fused weight's column blocks, as in ``torch.nn.LSTM``.
GATES = ("i", "f", "g", "o")

LSTMState = tuple[Tensor, Tensor]


def lstm_cell_step(a_x: Tensor, h_prev: Tensor, c_prev: Tensor, W_h: Tensor,
                   return_gates: bool = False) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, dict]:
    """One LSTM step given the input's share of the pre-activations ``a_x = x_t W_x + b`` (B, 4H).

    Shapes: a_x (B, 4H), h_prev (B, H), c_prev (B, H), W_h (H, 4H) -> h_t (B, H), c_t (B, H)
    (and, with ``return_gates``, a dict of the gates i, f, g, o, each (B, H)).
    """
    a = torch.addmm(a_x, h_prev, W_h)  # (B, 4H): a_x + h_prev @ W_h, every gate in one product
    i_t, f_t, _, o_t = torch.sigmoid(a).chunk(4, dim=-1)  # 3 x (B, H): one call for the sigmoid gates
    g_t = torch.tanh(a.chunk(4, dim=-1)[2])  # (B, H): the candidate uses tanh
    c_t = torch.addcmul(f_t * c_prev, i_t, g_t)  # (B, H): forget some old memory, write some new
    h_t = o_t * torch.tanh(c_t)  # (B, H): expose part of the memory
    if return_gates:
        return h_t, c_t, {"i": i_t, "f": f_t, "g": g_t, "o": o_t}
    return h_t, c_t


class LSTMCell(nn.Module):
    r"""One LSTM step (see the module docstring for the equations).

    Args:
        input_size: D.
        hidden_size: H.
        forget_bias: added to the forget gate's bias at initialisation (``1.0`` is the common
            choice of :cite:`gers2000learning` and :cite:`jozefowicz2015empirical`; PyTorch uses 0).

    Shapes:
        x_t: (B, D), state: ``(h_prev, c_prev)`` each (B, H) or None (zeros)
        -> ``(h_t, c_t)`` each (B, H).

    Raises:
        ShapeError: if x_t or the state do not have the shapes above.
        DTypeError: if x_t is not floating point.
    """

    def __init__(self, input_size: int, hidden_size: int, forget_bias: float = 0.0) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.W_x = nn.Parameter(torch.empty(input_size, 4 * hidden_size))
        self.W_h = nn.Parameter(torch.empty(hidden_size, 4 * hidden_size))
        self.b = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters(forget_bias)

    def reset_parameters(self, forget_bias: float = 0.0) -> None:
        """U(-1/sqrt(H), 1/sqrt(H)) as PyTorch, then ``forget_bias`` added to the forget block."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in (self.W_x, self.W_h, self.b):
            nn.init.uniform_(p, -bound, bound)
        with torch.no_grad():
            self.b[self.hidden_size:2 * self.hidden_size] += forget_bias

    def init_state(self, batch_size: int, device: torch.device | None = None,
                   dtype: torch.dtype | None = None) -> LSTMState:
        """Zeros ``(h_0, c_0)``, each (B, H)."""
        z = torch.zeros(batch_size, self.hidden_size, device=device or self.W_x.device, dtype=dtype or self.W_x.dtype)
        return z, z.clone()

    def forward(self, x_t: Tensor, state: LSTMState | None = None) -> LSTMState:
        check_dtype("x_t", x_t, "float")
        check_shape("x_t", x_t, ("B", "D"), D=self.input_size)
        if state is None:
            state = self.init_state(x_t.shape[0], x_t.device, x_t.dtype)
        h_prev, c_prev = state
        check_shape("h_prev", h_prev, ("B", "H"), B=x_t.shape[0], H=self.hidden_size)
        check_shape("c_prev", c_prev, ("B", "H"), B=x_t.shape[0], H=self.hidden_size)
        return lstm_cell_step(x_t @ self.W_x + self.b, h_prev, c_prev, self.W_h)  # 2 x (B, H)

    @torch.no_grad()
    def load_from_torch(self, cell: nn.LSTMCell | nn.LSTM, suffix: str = "_l0") -> LSTMCell:
        """Copy the weights of an ``nn.LSTMCell`` (or one layer/direction of an ``nn.LSTM``, named by
        ``suffix`` such as ``"_l1_reverse"``): ``W_x = weight_ih.T``, ``b = bias_ih + bias_hh``
        (see :func:`course_lib.torch_weights.copy_recurrent_weights`; it raises ShapeError on other sizes).
        """
        biases = copy_recurrent_weights(self, cell, suffix, 4)
        self.b.zero_()
        for bias in biases:
            if bias is not None:
                self.b.add_(bias)
        return self


class LSTM(StackedRecurrent):
    r"""A multi-layer, optionally bidirectional LSTM that loops over time with :class:`LSTMCell`.

    Layer :math:`\ell > 0` reads the outputs of layer :math:`\ell - 1` (both directions concatenated
    when bidirectional; see :class:`course_lib.stacked.StackedRecurrent`). The input's share of every
    step, :math:`x_t W_x + b`, is computed for all ``T`` steps in one product before the loop; only
    :math:`h_{t-1} W_h` stays inside it.

    Args:
        input_size: D.
        hidden_size: H.
        num_layers: L, stacked layers.
        bidirectional: also run each layer from t = T to 1 and concatenate (output width 2H).
        batch_first: ``x`` is (B, T, D) if True (the course's convention), (T, B, D) if False.
        forget_bias: see :class:`LSTMCell`.

    Shapes:
        x: (B, T, D); state: ``(h_0, c_0)`` each (L * dirs, B, H), or None for zeros
        -> output (B, T, dirs * H), ``(h_n, c_n)`` each (L * dirs, B, H), exactly as ``nn.LSTM``.

    Raises:
        ShapeError: if x or the state do not have those shapes, or T = 0.
        DTypeError: if x is not floating point.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
                 batch_first: bool = True, forget_bias: float = 0.0) -> None:
        super().__init__(lambda d, h: LSTMCell(d, h, forget_bias), input_size, hidden_size, num_layers,
                         bidirectional, batch_first)

    @staticmethod
    def _run_direction(cell: LSTMCell, x: Tensor, state: tuple[Tensor, Tensor], reverse: bool,
                       gates: list | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        h, c = state
        T = x.shape[1]
        a_x = torch.addmm(cell.b, x.transpose(0, 1).reshape(-1, x.shape[-1]), cell.W_x)  # (T * B, 4H)
        # T x (B, 4H): the input's share of every step. unbind, not a_x[t]: indexing would make the
        # backward pass build a zero (T, B, 4H) gradient per step (3x slower training at T = 50).
        a_x = a_x.view(T, x.shape[0], -1).unbind(0)
        outputs: list[Tensor] = [None] * T  # type: ignore[list-item]
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            if gates is not None:
                h, c, g = lstm_cell_step(a_x[t], h, c, cell.W_h, return_gates=True)
                g["c"] = c
                gates.append(g)
            else:
                h, c = lstm_cell_step(a_x[t], h, c, cell.W_h)  # 2 x (B, H)
            outputs[t] = h
        return torch.stack(outputs, dim=1), (h, c)  # (B, T, H)

    def forward(self, x: Tensor, state: LSTMState | None = None,
                return_gates: bool = False) -> tuple[Tensor, LSTMState] | tuple[Tensor, LSTMState, dict]:
        """Run the whole sequence. With ``return_gates`` (one layer, one direction only), also return
        a dict of the gates ``i, f, g, o`` and the cell state ``c``, each (B, T, H)."""
        x = self._batch_first_input(x)  # (B, T, D)
        h_0, c_0 = state if state is not None else (None, None)
        initial = (self._initial("h_0", h_0, x), self._initial("c_0", c_0, x))
        gates: list | None = [] if return_gates else None
        output, (h_n, c_n) = self._run_layers(x, initial, self._run_direction, gates)
        if gates is not None:
            stacked = {k: torch.stack([g[k] for g in gates], dim=1) for k in ("i", "f", "g", "o", "c")}  # (B, T, H)
            return output, (h_n, c_n), stacked
        return output, (h_n, c_n)
