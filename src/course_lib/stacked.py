"""Stacking and bidirectionality, shared by the scratch LSTM and GRU layers.

A layer of ``L`` stacked layers and ``dirs`` directions holds ``L * dirs`` cells, indexed
``layer * dirs + direction`` as PyTorch indexes its final states. Layer ``l > 0`` reads the outputs
of layer ``l - 1``, both directions concatenated.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_nonempty, check_shape

__all__ = ["StackedRecurrent"]

#: run_direction(cell, x (B, T, D), state tuple of (B, H), reverse, gates list or None)
#: -> (outputs (B, T, H), final state tuple)
RunDirection = Callable[[nn.Module, Tensor, tuple[Tensor, ...], bool, list | None], tuple[Tensor, tuple[Tensor, ...]]]


class StackedRecurrent(nn.Module):
    """Base of :class:`course_lib.lstm.LSTM` and :class:`course_lib.gru.GRU`.

    Args:
        make_cell: ``make_cell(input_size, hidden_size) -> cell``; the cell has ``load_from_torch``.
        input_size, hidden_size, num_layers, bidirectional, batch_first: as in ``torch.nn.LSTM``.

    Raises:
        ValueError: if ``num_layers < 1``.
    """

    def __init__(self, make_cell: Callable[[int, int], nn.Module], input_size: int, hidden_size: int,
                 num_layers: int = 1, bidirectional: bool = False, batch_first: bool = True) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bidirectional, self.batch_first = bidirectional, batch_first
        self.num_directions = 2 if bidirectional else 1
        self.cells = nn.ModuleList()
        for layer in range(num_layers):
            d_in = input_size if layer == 0 else hidden_size * self.num_directions
            for _ in range(self.num_directions):
                self.cells.append(make_cell(d_in, hidden_size))

    def _batch_first_input(self, x: Tensor) -> Tensor:
        """Check ``x`` and return it as (B, T, D)."""
        check_dtype("x", x, "float")
        if not self.batch_first:
            check_shape("x", x, ("T", "B", "D"), D=self.input_size)
            x = x.transpose(0, 1)  # (B, T, D)
        check_shape("x", x, ("B", "T", "D"), D=self.input_size)
        check_nonempty("x", x, dim=1)
        return x

    def _initial(self, name: str, state: Tensor | None, x: Tensor) -> Tensor:
        """Zeros, or the given state checked to be (L * dirs, B, H)."""
        shape = (self.num_layers * self.num_directions, x.shape[0], self.hidden_size)
        if state is None:
            return x.new_zeros(shape)
        check_shape(name, state, shape)
        return state

    def _run_layers(self, x: Tensor, initial: tuple[Tensor, ...], run_direction: RunDirection,
                    gates: list | None = None) -> tuple[Tensor, tuple[Tensor, ...]]:
        """x (B, T, D), initial: tensors (L * dirs, B, H) -> output (as given layout), finals (L * dirs, B, H)."""
        if gates is not None and len(self.cells) != 1:
            raise ValueError(f"return_gates needs one layer and one direction, got {len(self.cells)} cells")
        finals: list[tuple[Tensor, ...]] = []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                out, final = run_direction(self.cells[k], layer_in, tuple(s[k] for s in initial), d == 1, gates)
                outs.append(out)
                finals.append(final)
            layer_in = torch.cat(outs, dim=-1) if len(outs) > 1 else outs[0]  # (B, T, dirs * H)
        output = layer_in if self.batch_first else layer_in.transpose(0, 1)
        return output, tuple(torch.stack(parts) for parts in zip(*finals, strict=True))  # (L * dirs, B, H)

    @torch.no_grad()
    def load_from_torch(self, module: nn.Module) -> StackedRecurrent:
        """Copy every layer and direction of the matching ``nn.LSTM`` / ``nn.GRU``.

        Raises:
            ValueError: if layers, directions or ``proj_size`` differ.
        """
        if module.num_layers != self.num_layers or module.bidirectional != self.bidirectional:
            raise ValueError(f"{type(module).__name__} has num_layers={module.num_layers}, "
                             f"bidirectional={module.bidirectional}; expected {self.num_layers}, {self.bidirectional}")
        if getattr(module, "proj_size", 0):
            raise ValueError("proj_size > 0 is not supported")
        for layer in range(self.num_layers):
            for d in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
                self.cells[layer * self.num_directions + d].load_from_torch(module, suffix)
        return self
