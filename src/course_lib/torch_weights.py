"""Reading the weights of PyTorch's recurrent modules, for the scratch RNN, LSTM and GRU.

``nn.RNN``/``nn.LSTM``/``nn.GRU`` (and their ``*Cell`` versions) store, per layer and direction,
``weight_ih{sfx}`` of shape (G*H, D), ``weight_hh{sfx}`` of shape (G*H, H) and optional biases
``bias_ih{sfx}``, ``bias_hh{sfx}`` of shape (G*H,), with G = 1, 4, 3 gates and ``sfx`` like
``"_l0"``, ``"_l1_reverse"`` or ``""`` for a cell. The course's cells multiply row vectors, so they
hold the transposes.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from course_lib.errors import check_shape

__all__ = ["torch_recurrent_weights", "copy_recurrent_weights"]


def torch_recurrent_weights(module: nn.Module, sfx: str, n_gates: int, input_size: int,
                            hidden_size: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
    """``(W_x (D, G*H), W_h (H, G*H), bias_ih or None, bias_hh or None)`` of one layer/direction.

    Raises:
        ShapeError: if the module's sizes differ from ``input_size``/``hidden_size``.
    """
    w_ih, w_hh = getattr(module, "weight_ih" + sfx), getattr(module, "weight_hh" + sfx)
    check_shape("weight_ih" + sfx, w_ih, (n_gates * hidden_size, input_size))
    check_shape("weight_hh" + sfx, w_hh, (n_gates * hidden_size, hidden_size))
    return w_ih.T, w_hh.T, getattr(module, "bias_ih" + sfx, None), getattr(module, "bias_hh" + sfx, None)


@torch.no_grad()
def copy_recurrent_weights(cell: nn.Module, module: nn.Module, suffix: str, n_gates: int,
                           names: tuple[str, str] = ("W_x", "W_h")) -> tuple[Tensor | None, Tensor | None]:
    """Copy the two weight matrices of one layer/direction of ``module`` into a scratch ``cell``.

    ``cell.<names[0]> = weight_ih{suffix}.T`` and ``cell.<names[1]> = weight_hh{suffix}.T``, with the
    sizes checked against ``cell.input_size`` and ``cell.hidden_size``. ``suffix`` (``"_l0"``,
    ``"_l1_reverse"``, ...) is ignored when ``module`` is a ``*Cell`` (its names carry none). The biases
    are returned, ``(bias_ih or None, bias_hh or None)``, since each cell keeps them its own way.

    Raises:
        ShapeError: if the torch module's sizes differ from the cell's.
    """
    sfx = "" if isinstance(module, nn.RNNCellBase) else suffix
    W_x, W_h, b_ih, b_hh = torch_recurrent_weights(module, sfx, n_gates, cell.input_size, cell.hidden_size)
    getattr(cell, names[0]).copy_(W_x)
    getattr(cell, names[1]).copy_(W_h)
    return b_ih, b_hh
