r"""Transformer blocks: attention and an MLP, each wrapped in a residual connection and a layer norm.

Pre-LN (the default, as in GPT-2 and nanoGPT), which trains stably without a warm-up:

.. math::
    x \leftarrow x + \operatorname{MHA}(\operatorname{LN}(x)),\qquad
    x \leftarrow x + \operatorname{MLP}(\operatorname{LN}(x))

Post-LN (``norm_first=False``, the original Transformer of Vaswani et al.):

.. math::
    x \leftarrow \operatorname{LN}(x + \operatorname{MHA}(x)),\qquad
    x \leftarrow \operatorname{LN}(x + \operatorname{MLP}(x))
"""

from __future__ import annotations

from torch import Tensor, nn

from course_lib.transformer.attention import MultiHeadAttention

__all__ = ["FeedForward", "TransformerBlock", "DecoderBlock"]


class FeedForward(nn.Module):
    r"""Position-wise MLP :math:`\operatorname{GELU}(x W_1 + b_1) W_2 + b_2`, then dropout.

    Shapes: (B, T, D) -> (B, T, D), hidden width d_ff (4 D by default).
    """

    def __init__(self, d_model: int, d_ff: int | None = None, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        d_ff = d_ff or 4 * d_model
        self.W_1 = nn.Linear(d_model, d_ff, bias=bias)
        self.W_2 = nn.Linear(d_ff, d_model, bias=bias)
        self.act = nn.GELU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.drop(self.W_2(self.act(self.W_1(x))))  # (B, T, D)


class TransformerBlock(nn.Module):
    """Self-attention + MLP. An encoder block; with ``causal=True`` a GPT (decoder-only) block.

    Args:
        d_model, n_heads, d_ff, dropout, bias: sizes (d_ff defaults to 4 d_model).
        norm_first: pre-LN (True) or post-LN (False); see the module docstring.
        fast_attention: use PyTorch's fused attention kernel (see :class:`MultiHeadAttention`).

    Shapes: x (B, T, D) -> (B, T, D); ``key_padding_mask`` (B, T) True = padding.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int | None = None, dropout: float = 0.0,
                 bias: bool = True, norm_first: bool = True, fast_attention: bool = False) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.ln_1 = nn.LayerNorm(d_model, bias=bias)
        self.attn = MultiHeadAttention(d_model, n_heads, dropout=dropout, bias=bias, fast=fast_attention)
        self.drop = nn.Dropout(dropout)
        self.ln_2 = nn.LayerNorm(d_model, bias=bias)
        self.mlp = FeedForward(d_model, d_ff, dropout=dropout, bias=bias)

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None, causal: bool = False,
                cache: dict | None = None) -> Tensor:
        if self.norm_first:
            a, _ = self.attn(self.ln_1(x), key_padding_mask=key_padding_mask, causal=causal, cache=cache)
            x = x + self.drop(a)  # (B, T, D)
            return x + self.mlp(self.ln_2(x))  # (B, T, D)
        a, _ = self.attn(x, key_padding_mask=key_padding_mask, causal=causal, cache=cache)
        x = self.ln_1(x + self.drop(a))  # (B, T, D)
        return self.ln_2(x + self.mlp(x))  # (B, T, D)


class DecoderBlock(nn.Module):
    """Causal self-attention, then cross-attention to the encoder's output (the memory), then MLP.

    Shapes: y (B, T_y, D), memory (B, T_x, D) -> (B, T_y, D); ``memory_key_padding_mask`` (B, T_x)
    True = padding in the source, ``key_padding_mask`` (B, T_y) for padding in the target.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int | None = None, dropout: float = 0.0,
                 bias: bool = True, norm_first: bool = True) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.ln_1 = nn.LayerNorm(d_model, bias=bias)
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout, bias=bias)
        self.ln_2 = nn.LayerNorm(d_model, bias=bias)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout, bias=bias)
        self.ln_3 = nn.LayerNorm(d_model, bias=bias)
        self.mlp = FeedForward(d_model, d_ff, dropout=dropout, bias=bias)
        self.drop = nn.Dropout(dropout)

    def forward(self, y: Tensor, memory: Tensor, memory_key_padding_mask: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """Returns (y, cross-attention weights (B, h, T_y, T_x) or None)."""
        if self.norm_first:
            a, _ = self.self_attn(self.ln_1(y), key_padding_mask=key_padding_mask, causal=True)
            y = y + self.drop(a)  # (B, T_y, D)
            c, w = self.cross_attn(self.ln_2(y), memory, key_padding_mask=memory_key_padding_mask,
                                   need_weights=need_weights)  # (B, T_y, D)
            y = y + self.drop(c)  # (B, T_y, D)
            return y + self.mlp(self.ln_3(y)), w  # (B, T_y, D)
        a, _ = self.self_attn(y, key_padding_mask=key_padding_mask, causal=True)
        y = self.ln_1(y + self.drop(a))  # (B, T_y, D)
        c, w = self.cross_attn(y, memory, key_padding_mask=memory_key_padding_mask, need_weights=need_weights)
        y = self.ln_2(y + self.drop(c))  # (B, T_y, D)
        return self.ln_3(y + self.mlp(y)), w  # (B, T_y, D)
