r"""Scaled dot-product attention and multi-head attention, from the equations.

.. math::
    \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}}\Big) V

Mask conventions (the same everywhere in ``course_lib``):

* ``mask``: boolean, **True = may attend** (the convention of
  ``torch.nn.functional.scaled_dot_product_attention``); broadcast against the scores (..., T_q, T_k).
* ``key_padding_mask``: boolean (B, T_k), **True = padding, ignore this key** (the convention of
  ``torch.nn.MultiheadAttention``).
* ``causal=True``: query ``i`` sees keys ``j <= i`` (aligned at the end when T_k > T_q, as with a
  KV cache).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_nonempty, check_shape

__all__ = ["causal_mask", "scaled_dot_product_attention", "MultiHeadAttention"]


def causal_mask(T_q: int, T_k: int | None = None, device: torch.device | str | None = None) -> Tensor:
    """Boolean (T_q, T_k) mask, True where query ``i`` may attend key ``j``: ``j <= i + (T_k - T_q)``.

    With ``T_k == T_q`` this is the lower triangle; with a KV cache (``T_k > T_q``) the queries are
    the *last* ``T_q`` positions.
    """
    T_k = T_q if T_k is None else T_k
    if T_q > T_k:
        raise ValueError(f"causal_mask needs T_q <= T_k, got T_q={T_q}, T_k={T_k}")
    i = torch.arange(T_q, device=device)[:, None] + (T_k - T_q)  # (T_q, 1)
    j = torch.arange(T_k, device=device)[None, :]  # (1, T_k)
    return j <= i  # (T_q, T_k)


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    key_padding_mask: Tensor | None = None,
    causal: bool = False,
    dropout_p: float = 0.0,
) -> tuple[Tensor, Tensor]:
    r"""Scaled dot-product attention.

    .. math::
        \text{scores} = \frac{q k^\top}{\sqrt{d_k}},\quad
        \alpha = \operatorname{softmax}(\text{scores} + \text{mask}),\quad
        \text{out} = \alpha v

    Args:
        q: (..., T_q, d_k) queries; k: (..., T_k, d_k) keys; v: (..., T_k, d_v) values. The leading
            dimensions (batch, heads) must match.
        mask: boolean, True = may attend, broadcastable to (..., T_q, T_k).
        key_padding_mask: boolean (B, T_k), True = padding (q has shape (B, T_q, d_k) or
            (B, h, T_q, d_k)).
        causal: also forbid attending to later positions (:func:`causal_mask`).
        dropout_p: dropout on the attention weights (training only when > 0).

    Returns:
        ``(out, alpha)``: out (..., T_q, d_v), attention weights alpha (..., T_q, T_k) whose rows sum
        to 1. A query whose keys are all masked gets NaN, as in PyTorch.

    Raises:
        ShapeError: if q, k, v or the masks do not have matching shapes.
        DTypeError: if a mask is not boolean or q is not floating point.
    """
    check_dtype("q", q, "float")
    if q.dim() < 2:
        raise ValueError(f"q must have shape (..., T_q, d_k), got {tuple(q.shape)}")
    d_k = q.shape[-1]
    check_nonempty("k", k, dim=k.dim() - 2, what="keys")
    check_shape("k", k, (*q.shape[:-2], "T_k", d_k))
    check_shape("v", v, (*q.shape[:-2], k.shape[-2], None))
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool, device=q.device)  # (T_q, T_k)
    if causal:
        allowed = allowed & causal_mask(q.shape[-2], k.shape[-2], device=q.device)
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError(f"mask must be boolean (True = may attend), got {mask.dtype}")
        allowed = allowed & mask  # broadcasts to (..., T_q, T_k)
    if key_padding_mask is not None:
        if key_padding_mask.dtype != torch.bool:
            raise TypeError(f"key_padding_mask must be boolean (True = padding), got {key_padding_mask.dtype}")
        check_shape("key_padding_mask", key_padding_mask, (q.shape[0], k.shape[-2]))
        keep = ~key_padding_mask  # (B, T_k)
        keep = keep.view(q.shape[0], *([1] * (q.dim() - 2)), k.shape[-2])  # (B, 1.., 1, T_k)
        allowed = allowed & keep  # (..., T_q, T_k)
    scores = scores.masked_fill(~allowed, float("-inf"))  # (..., T_q, T_k)
    alpha = torch.softmax(scores, dim=-1)  # (..., T_q, T_k)
    if dropout_p > 0.0:
        alpha = torch.nn.functional.dropout(alpha, p=dropout_p, training=True)
    return alpha @ v, alpha  # (..., T_q, d_v), (..., T_q, T_k)


def _fused_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, key_padding_mask: Tensor | None,
                     causal: bool, dropout_p: float) -> Tensor:
    """The same attention as :func:`scaled_dot_product_attention` through PyTorch's fused kernel.

    q (B, h, T_q, d_k), k and v (B, h, T_k, d_k) -> (B, h, T_q, d_k). The masks are combined into one
    boolean (True = may attend) as in the readable version; ``causal`` with T_q == T_k uses the
    kernel's own ``is_causal``.
    """
    T_q, T_k = q.shape[-2], k.shape[-2]
    allowed = None
    if causal and (T_q != T_k or mask is not None or key_padding_mask is not None):
        allowed = causal_mask(T_q, T_k, device=q.device)  # (T_q, T_k)
    if mask is not None:
        allowed = mask if allowed is None else allowed & mask
    if key_padding_mask is not None:
        keep = ~key_padding_mask[:, None, None, :]  # (B, 1, 1, T_k)
        allowed = keep if allowed is None else allowed & keep
    is_causal = causal and allowed is None
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=dropout_p,
                                                            is_causal=is_causal)  # (B, h, T_q, d_k)


class MultiHeadAttention(nn.Module):
    r"""Multi-head attention with learned projections of queries, keys and values.

    .. math::
        Q = X_q W_Q,\; K = X_{kv} W_K,\; V = X_{kv} W_V;\quad
        \text{head}_i = \operatorname{Attention}(Q_i, K_i, V_i);\quad
        \operatorname{MHA} = \operatorname{concat}(\text{head}_1, \dots, \text{head}_h) W_O

    where :math:`Q_i` is the i-th slice of :math:`d_k = d_{model}/h` columns of :math:`Q`.

    Args:
        d_model: D, features in and out.
        n_heads: h; must divide ``d_model``.
        dropout: dropout on the attention weights (training only).
        bias: biases in the four projections.
        fast: compute the attention with ``torch.nn.functional.scaled_dot_product_attention`` (a
            fused kernel, same result to rounding) instead of the readable
            :func:`scaled_dot_product_attention`; the weights are then not available.

    Shapes:
        x_q: (B, T_q, D), x_kv: (B, T_k, D) (defaults to x_q: self-attention) -> (B, T_q, D);
        weights (B, h, T_q, T_k) when ``need_weights``.

    Raises:
        ValueError: if ``n_heads`` does not divide ``d_model``.
        ShapeError: if the inputs are not (B, T, D).
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True,
                 fast: bool = False) -> None:
        super().__init__()
        self.fast = fast
        if d_model % n_heads:
            raise ValueError(f"n_heads must divide d_model, got d_model={d_model}, n_heads={n_heads}")
        self.d_model, self.n_heads, self.d_k = d_model, n_heads, d_model // n_heads
        self.dropout = dropout
        self.W_q = nn.Linear(d_model, d_model, bias=bias)
        self.W_k = nn.Linear(d_model, d_model, bias=bias)
        self.W_v = nn.Linear(d_model, d_model, bias=bias)
        self.W_o = nn.Linear(d_model, d_model, bias=bias)

    def split_heads(self, x: Tensor) -> Tensor:
        """(B, T, D) -> (B, h, T, d_k)."""
        B, T, _ = x.shape
        return x.view(B, T, self.n_heads, self.d_k).transpose(1, 2)  # (B, h, T, d_k)

    def forward(
        self,
        x_q: Tensor,
        x_kv: Tensor | None = None,
        key_padding_mask: Tensor | None = None,
        mask: Tensor | None = None,
        causal: bool = False,
        need_weights: bool = False,
        cache: dict | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``x_q`` to ``x_kv``.

        ``cache`` (self-attention only): a dict that keeps the keys and values of earlier positions
        (``"k"``, ``"v"``: (B, h, T_past, d_k)); the new keys and values are appended to it, so
        that generation computes each position's K and V once.
        """
        check_shape("x_q", x_q, ("B", "T_q", self.d_model))
        x_kv = x_q if x_kv is None else x_kv
        check_shape("x_kv", x_kv, (x_q.shape[0], "T_k", self.d_model))
        B, T_q, _ = x_q.shape
        Q = self.split_heads(self.W_q(x_q))  # (B, h, T_q, d_k)
        K = self.split_heads(self.W_k(x_kv))  # (B, h, T_k, d_k)
        V = self.split_heads(self.W_v(x_kv))  # (B, h, T_k, d_k)
        if cache is not None:
            if "k" in cache:
                K = torch.cat([cache["k"], K], dim=2)  # (B, h, T_past + T_k, d_k)
                V = torch.cat([cache["v"], V], dim=2)  # (B, h, T_past + T_k, d_k)
            cache["k"], cache["v"] = K, V
        p = self.dropout if self.training else 0.0
        if self.fast and not need_weights:
            heads = _fused_attention(Q, K, V, mask, key_padding_mask, causal, p)  # (B, h, T_q, d_k)
            concat = heads.transpose(1, 2).reshape(B, T_q, self.d_model)  # (B, T_q, D)
            return self.W_o(concat), None
        heads, alpha = scaled_dot_product_attention(Q, K, V, mask=mask, key_padding_mask=key_padding_mask,
                                                    causal=causal, dropout_p=p)  # (B, h, T_q, d_k)
        concat = heads.transpose(1, 2).reshape(B, T_q, self.d_model)  # (B, T_q, D)
        return self.W_o(concat), (alpha if need_weights else None)  # (B, T_q, D), (B, h, T_q, T_k)

    @torch.no_grad()
    def load_from_torch(self, mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """Copy the weights of a ``torch.nn.MultiheadAttention`` (same d_model, packed in_proj).

        PyTorch stores W_Q, W_K, W_V stacked as ``in_proj_weight`` (3D, D) in ``nn.Linear`` layout.

        Raises:
            ValueError: if the sizes differ or the torch module has separate k/v dimensions.
        """
        if mha.embed_dim != self.d_model or mha.num_heads != self.n_heads or mha.in_proj_weight is None:
            raise ValueError(f"need nn.MultiheadAttention({self.d_model}, {self.n_heads}) with packed in_proj, "
                             f"got embed_dim={mha.embed_dim}, num_heads={mha.num_heads}")
        W_q, W_k, W_v = mha.in_proj_weight.chunk(3, dim=0)  # 3 x (D, D)
        for lin, w in ((self.W_q, W_q), (self.W_k, W_k), (self.W_v, W_v)):
            lin.weight.copy_(w)
        self.W_o.weight.copy_(mha.out_proj.weight)
        if mha.in_proj_bias is not None and self.W_q.bias is not None:
            b_q, b_k, b_v = mha.in_proj_bias.chunk(3)  # 3 x (D,)
            for lin, b in ((self.W_q, b_q), (self.W_k, b_k), (self.W_v, b_v)):
                lin.bias.copy_(b)
            self.W_o.bias.copy_(mha.out_proj.bias)
        return self
