r"""Positional encodings: attention alone is permutation-equivariant, so positions are added in.

.. math::
    PE_{t, 2i} = \sin(t / 10000^{2i/d}),\qquad PE_{t, 2i+1} = \cos(t / 10000^{2i/d})
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from course_lib.errors import check_shape

__all__ = ["sinusoidal_positional_encoding", "SinusoidalPositionalEncoding", "LearnedPositionalEncoding"]


def sinusoidal_positional_encoding(T: int, d_model: int, base: float = 10000.0) -> Tensor:
    """The (T, d_model) table of sines (even columns) and cosines (odd columns) of Vaswani et al.

    Raises:
        ValueError: if ``d_model`` is odd or ``T`` < 1.
    """
    if d_model % 2 or T < 1:
        raise ValueError(f"need T >= 1 and an even d_model, got T={T}, d_model={d_model}")
    t = torch.arange(T, dtype=torch.float32)[:, None]  # (T, 1)
    inv_freq = torch.exp(-math.log(base) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d/2,)
    pe = torch.zeros(T, d_model)  # (T, d)
    pe[:, 0::2] = torch.sin(t * inv_freq)  # (T, d/2)
    pe[:, 1::2] = torch.cos(t * inv_freq)  # (T, d/2)
    return pe


class SinusoidalPositionalEncoding(nn.Module):
    """x + PE[offset : offset + T]; a fixed buffer, no parameters.

    Shapes: x (B, T, D) -> (B, T, D). Raises ShapeError if T + offset > max_len or D differs.
    """

    def __init__(self, d_model: int, max_len: int = 512) -> None:
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model), persistent=False)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        check_shape("x", x, ("B", "T", self.d_model))
        if offset + x.shape[1] > self.max_len:
            raise ValueError(f"positions up to {offset + x.shape[1]} exceed max_len={self.max_len}")
        return x + self.pe[offset: offset + x.shape[1]].to(x.dtype)  # (B, T, D)


class LearnedPositionalEncoding(nn.Module):
    """x + P[offset : offset + T] with a learned table P (max_len, D), as in GPT.

    Shapes: x (B, T, D) -> (B, T, D). Raises ValueError if T + offset > max_len.
    """

    def __init__(self, d_model: int, max_len: int = 512) -> None:
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.P = nn.Embedding(max_len, d_model)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        check_shape("x", x, ("B", "T", self.d_model))
        if offset + x.shape[1] > self.max_len:
            raise ValueError(f"positions up to {offset + x.shape[1]} exceed max_len={self.max_len}")
        pos = torch.arange(offset, offset + x.shape[1], device=x.device)  # (T,)
        return x + self.P(pos)  # (B, T, D)
