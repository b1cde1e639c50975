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

from course_lib.errors import check_nonempty, check_shape
from course_lib.stacked import StackedRecurrent
from course_lib.torch_weights import copy_recurrent_weights

__all__ = ["RNNCell", "RNN", "PATTERNS", "rnn_pattern", "pattern_toy_task", "train_pattern_toy"]


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

    @torch.no_grad()
    def load_from_torch(self, rnn: nn.RNN | nn.RNNCell, suffix: str = "_l0") -> RNNCell:
        """Copy one layer and direction (``suffix``, e.g. ``"_l1_reverse"``) of a tanh ``nn.RNN``.

        ``W_xh`` is ``weight_ih`` transposed and ``b_h = bias_ih + bias_hh`` (one bias is enough for
        a plain RNN: both are added to the same pre-activation).
        """
        b_ih, b_hh = copy_recurrent_weights(self, rnn, suffix, 1, names=("W_xh", "W_hh"))
        self.b_h.copy_(b_ih + b_hh if rnn.bias else torch.zeros_like(self.b_h))
        return self


class RNN(StackedRecurrent):
    r"""Multi-layer, optionally bidirectional RNN built from :class:`RNNCell` (batch first).

    Layers and directions are stacked by :class:`course_lib.stacked.StackedRecurrent`, as for the
    scratch LSTM and GRU: layer :math:`\ell > 0` reads the outputs of layer :math:`\ell - 1` (both
    directions concatenated), and the backward direction reads the sequence from the end:
    :math:`\overleftarrow{h}_t = \tanh(x_t \overleftarrow{W}_{xh} + \overleftarrow{h}_{t+1} \overleftarrow{W}_{hh}
    + \overleftarrow{b}_h)`.

    Args:
        input_size: D. hidden_size: H. num_layers: L. bidirectional: two directions (K = 2).
        batch_first: ``x`` is (B, T, D) if True (the course's layout), (T, B, D) if False.

    Shapes:
        x: (B, T, D), h0: (L*K, B, H) or None -> output (B, T, K*H), h_n (L*K, B, H)

    Raises:
        ShapeError: wrong shapes or T = 0. DTypeError: integer inputs.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
                 batch_first: bool = True) -> None:
        super().__init__(RNNCell, input_size, hidden_size, num_layers, bidirectional, batch_first)

    @staticmethod
    def _run_direction(cell: RNNCell, x: Tensor, state: tuple[Tensor], reverse: bool,
                       gates: list | None = None) -> tuple[Tensor, tuple[Tensor]]:
        (h,) = state  # (B, H)
        T = x.shape[1]
        hs: list[Tensor] = [x.new_empty(0)] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            h = cell(x[:, t], h)  # (B, H)
            hs[t] = h
        return torch.stack(hs, dim=1), (h,)  # (B, T, H)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        x = self._batch_first_input(x)  # (B, T, D)
        output, (h_n,) = self._run_layers(x, (self._initial("h0", h0, x),), self._run_direction)
        return output, h_n  # (B, T, K*H), (L*K, B, H)

    @torch.no_grad()
    def load_from_torch(self, rnn: nn.RNN) -> RNN:
        """Copy the weights of a ``torch.nn.RNN`` (tanh) of the same sizes into this module.

        ``nn.RNN`` stores ``weight_ih_l{l}{_reverse}`` of shape (H, D) and two biases; here
        ``W_xh`` is its transpose and ``b_h`` the sum of the biases.

        Raises:
            ValueError: if the sizes, nonlinearity or layout differ.
        """
        if (rnn.input_size, rnn.hidden_size) != (self.input_size, self.hidden_size) or rnn.nonlinearity != "tanh":
            raise ValueError(f"cannot load {rnn} into {self.extra_repr()}: sizes or settings differ")
        return super().load_from_torch(rnn)

    @classmethod
    def from_torch(cls, rnn: nn.RNN) -> RNN:
        """A scratch :class:`RNN` with the same sizes, weights, device and dtype as ``rnn``."""
        p = next(rnn.parameters())
        ours = cls(rnn.input_size, rnn.hidden_size, rnn.num_layers, rnn.bidirectional, rnn.batch_first)
        return ours.to(device=p.device, dtype=p.dtype).load_from_torch(rnn)

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, hidden_size={self.hidden_size}, num_layers={self.num_layers}, "
                f"bidirectional={self.num_directions == 2}")


# -- input/output patterns (chapter 1) ------------------------------------------------------------

PATTERNS = ("one-to-one", "one-to-many", "many-to-one", "many-to-many-delayed", "many-to-many-synced")


def rnn_pattern(pattern: str, rnn: nn.Module, head: nn.Module, x: Tensor, n_out: int = 1) -> Tensor:
    r"""Run ``rnn`` (batch first) in one of the five input/output patterns; ``head`` maps
    :math:`h_t \mapsto y_t`.

    * one-to-one: x (B, D) -> y (B, V), a single step.
    * one-to-many: x (B, D) -> y (B, n_out, V); the input is x at the first step and zeros after.
    * many-to-one: x (B, T, D) -> y (B, V), read out from the last state only.
    * many-to-many-synced: x (B, T, D) -> y (B, T, V), one output per input.
    * many-to-many-delayed: x (B, T, D) -> y (B, n_out, V): read all of x, then n_out steps with
      zero input produce the outputs (an encoder and a decoder sharing one RNN).

    Raises:
        ValueError: unknown pattern. ShapeError: x of the wrong rank for the pattern, T = 0.
    """
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")
    if pattern in ("one-to-one", "one-to-many"):
        check_shape("x", x, ("B", "D"))
        steps = 1 if pattern == "one-to-one" else n_out
        seq = torch.cat([x[:, None], x.new_zeros(x.shape[0], steps - 1, x.shape[1])], dim=1)  # (B, steps, D)
        h, _ = rnn(seq)  # (B, steps, H)
        return head(h[:, 0]) if pattern == "one-to-one" else head(h)  # (B, V) or (B, n_out, V)
    check_shape("x", x, ("B", "T", "D"))
    check_nonempty("x", x, dim=1)
    if pattern == "many-to-many-delayed":
        x = torch.cat([x, x.new_zeros(x.shape[0], n_out, x.shape[2])], dim=1)  # (B, T + n_out, D)
    h, _ = rnn(x)  # (B, T', H)
    if pattern == "many-to-one":
        return head(h[:, -1])  # (B, V)
    if pattern == "many-to-many-delayed":
        return head(h[:, -n_out:])  # (B, n_out, V)
    return head(h)  # (B, T, V)


def pattern_toy_task(pattern: str, batch_size: int, T: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """A toy task on random bits for each pattern (inputs are ±1, D = 1; classes are {0, 1}).

    * one-to-one: copy the bit. * one-to-many: from one bit b, emit b, 1-b, b, ... (T outputs).
    * many-to-one: the majority bit of T (odd) bits. * many-to-many-synced: y_t = x_{t-1}
      (y_0 = 0). * many-to-many-delayed: the T bits in reverse order.

    Returns x ((B, 1) or (B, T, 1)) and integer targets y ((B,) or (B, T)).
    """
    bits = torch.randint(0, 2, (batch_size, T), generator=generator)  # (B, T)
    x = (2.0 * bits - 1.0)[..., None]  # (B, T, 1)
    if pattern == "one-to-one":
        return x[:, 0], bits[:, 0]
    if pattern == "one-to-many":
        return x[:, 0], (bits[:, :1] + torch.arange(T)) % 2  # (B, T)
    if pattern == "many-to-one":
        return x, (bits.sum(1) * 2 > T).long()  # (B,)
    if pattern == "many-to-many-synced":
        return x, torch.cat([torch.zeros_like(bits[:, :1]), bits[:, :-1]], dim=1)  # (B, T)
    if pattern == "many-to-many-delayed":
        return x, bits.flip(1)  # (B, T)
    raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")


def train_pattern_toy(pattern: str, T: int = 5, hidden_size: int = 32, steps: int = 300, batch_size: int = 64,
                      lr: float = 1e-2, seed: int = 0) -> dict:
    """Train a scratch :class:`RNN` + linear head on :func:`pattern_toy_task`; return the shapes seen
    and the accuracy on 1000 fresh examples."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    rnn, head = RNN(1, hidden_size), nn.Linear(hidden_size, 2)
    params = [*rnn.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        x, y = pattern_toy_task(pattern, batch_size, T, g)
        logits = rnn_pattern(pattern, rnn, head, x, n_out=T)  # (B, [T,] 2)
        loss = nn.functional.cross_entropy(logits.reshape(-1, 2), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        x, y = pattern_toy_task(pattern, 1000, T, g)
        logits = rnn_pattern(pattern, rnn, head, x, n_out=T)
        acc = float((logits.argmax(-1) == y).float().mean())
    return {"pattern": pattern, "x": tuple(x.shape), "y": tuple(y.shape), "logits": tuple(logits.shape),
            "accuracy": acc, "final_loss": float(loss.detach())}
