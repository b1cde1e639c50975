r"""Attention: scores, masked softmax, weighted sum (chapter 6).

The four steps, for a decoder state :math:`h_t` (the *query*) and encoder states
:math:`\bar h_1, \dots, \bar h_S` (the *keys*, also the *values* here):

1. scores :math:`e_{ts} = \operatorname{score}(h_t, \bar h_s)`, one of

   * dot: :math:`h_t^\top \bar h_s`;
   * general (multiplicative, Luong): :math:`h_t^\top W_a \bar h_s`;
   * additive (Luong's concat): :math:`v_a^\top \tanh(W_q h_t + W_k \bar h_s)`, on the current state
     :math:`h_t` (Bahdanau et al.'s additive score has the same form on the previous state :math:`h_{t-1}`);
2. the attention distribution :math:`\alpha_t = \operatorname{softmax}(e_t)` over unmasked positions;
3. the context vector :math:`c_t = \sum_s \alpha_{ts} \bar h_s`;
4. the attentional output :math:`\tilde h_t = \tanh(W_c [c_t; h_t])` (in :mod:`course_lib.seq2seq`).

Code uses batches of row vectors: queries ``(B, T, Hq)``, keys ``(B, S, Hk)``, mask ``(B, S)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from course_lib.errors import ShapeError, check_dtype, check_shape

__all__ = [
    "SCORES",
    "Attention",
    "additive_score",
    "attend",
    "dot_score",
    "general_score",
    "masked_softmax",
]

SCORES = ("dot", "general", "additive")


def _check_mask(mask: Tensor | None, scores: Tensor) -> Tensor | None:
    """Return ``mask`` broadcast to ``scores`` (B, T, S), after checking its shape and dtype."""
    if mask is None:
        return None
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a bool tensor (True = attend), got {mask.dtype}")
    B, S = scores.shape[0], scores.shape[-1]
    if mask.dim() == 2:
        check_shape("mask", mask, (B, S))
        return mask[:, None, :].expand_as(scores)  # (B, T, S)
    check_shape("mask", mask, tuple(scores.shape))
    return mask


def masked_softmax(scores: Tensor, mask: Tensor | None = None) -> Tensor:
    r"""Softmax over the last axis that gives masked positions exactly zero weight.

    .. math:: \alpha_s = \frac{m_s e^{x_s}}{\sum_{s'} m_{s'} e^{x_{s'}}}

    A row whose positions are *all* masked gets all-zero weights (not NaN, which is what
    ``softmax`` of all ``-inf`` gives), so a padded query never poisons the loss or its gradient.

    Args:
        scores: (B, T, S) or (B, S).
        mask: bool, True where attending is allowed: (B, S) (shared over T) or the shape of ``scores``.

    Returns:
        alpha: the shape of ``scores``; each row sums to 1, or to 0 when fully masked.

    Raises:
        ShapeError, TypeError: if ``mask`` does not match ``scores`` or is not bool.
    """
    check_dtype("scores", scores, "float")
    if mask is None:
        return torch.softmax(scores, dim=-1)
    squeeze = scores.dim() == 2
    x = scores[:, None, :] if squeeze else scores  # (B, T, S)
    m = _check_mask(mask, x)  # (B, T, S)
    x = x.masked_fill(~m, torch.finfo(x.dtype).min)  # finite: exp(min - max) underflows to exactly 0
    alpha = torch.softmax(x, dim=-1) * m  # (B, T, S); a fully masked row was uniform, is now 0
    return alpha[:, 0, :] if squeeze else alpha


def _as_3d(query: Tensor, keys: Tensor) -> tuple[Tensor, bool]:
    check_shape("keys", keys, ("B", "S", None))
    if keys.shape[1] == 0:
        raise ShapeError(f"keys must have at least one position S >= 1, got shape {tuple(keys.shape)}")
    if query.dim() == 2:
        check_shape("query", query, (keys.shape[0], None))
        return query[:, None, :], True  # (B, 1, Hq)
    check_shape("query", query, (keys.shape[0], None, None))
    return query, False


def dot_score(query: Tensor, keys: Tensor) -> Tensor:
    r"""Dot-product scores :math:`e_{ts} = h_t^\top \bar h_s`. query (B, T, H), keys (B, S, H) -> (B, T, S)."""
    if query.shape[-1] != keys.shape[-1]:
        raise ShapeError(f"dot attention needs query and keys of the same size, got {query.shape[-1]} "
                         f"and {keys.shape[-1]}; use 'general' or 'additive' scores for different sizes")
    return query @ keys.transpose(1, 2)  # (B, T, S)


def general_score(query: Tensor, keys: Tensor, W_a: Tensor) -> Tensor:
    r"""Multiplicative scores :math:`e_{ts} = h_t^\top W_a \bar h_s`. W_a: (Hq, Hk) -> (B, T, S)."""
    check_shape("W_a", W_a, (query.shape[-1], keys.shape[-1]))
    return (query @ W_a) @ keys.transpose(1, 2)  # (B, T, S)


def additive_score(query: Tensor, keys: Tensor, W_q: Tensor, W_k: Tensor, v_a: Tensor) -> Tensor:
    r"""Additive (concat) scores :math:`e_{ts} = v_a^\top \tanh(W_q h_t + W_k \bar h_s)`, Luong et al.'s
    :math:`v_a^\top \tanh(W_a [h_t; \bar h_s])` with :math:`W_a = [W_q\ W_k]`.

    Shapes: query (B, T, Hq), keys (B, S, Hk), W_q (Hq, A), W_k (Hk, A), v_a (A,) -> (B, T, S).
    """
    check_shape("W_q", W_q, (query.shape[-1], "A"))
    check_shape("W_k", W_k, (keys.shape[-1], W_q.shape[1]))
    check_shape("v_a", v_a, (W_q.shape[1],))
    q = (query @ W_q)[:, :, None, :]  # (B, T, 1, A)
    k = (keys @ W_k)[:, None, :, :]  # (B, 1, S, A)
    return torch.tanh(q + k) @ v_a  # (B, T, S)


def attend(scores: Tensor, values: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""Steps 2 and 3: :math:`\alpha = \operatorname{softmax}(e)`, :math:`c_t = \sum_s \alpha_{t,s} v_s`.

    Shapes: scores (B, T, S), values (B, S, Hv), mask (B, S) -> context (B, T, Hv), alpha (B, T, S).
    """
    check_shape("values", values, (scores.shape[0], scores.shape[-1], None))
    alpha = masked_softmax(scores, mask)  # (B, T, S)
    return alpha @ values, alpha  # (B, T, Hv), (B, T, S)


class Attention(nn.Module):
    r"""Attention of queries over keys (= values): scores, masked softmax, weighted sum.

    Args:
        score: ``"dot"``, ``"general"`` or ``"additive"``.
        query_size: Hq; key_size: Hk (must equal Hq for ``"dot"``).
        attn_size: A, the hidden size of the additive score (default Hk).

    Shapes:
        query (B, T, Hq) or (B, Hq), keys (B, S, Hk), mask (B, S) bool ->
        context (B, T, Hk) or (B, Hk), alpha (B, T, S) or (B, S).

    Raises:
        ShapeError: if sizes disagree (batch sizes, feature sizes, mask length) or S = 0.
        ValueError: for an unknown score.
    """

    def __init__(self, score: str, query_size: int, key_size: int, attn_size: int | None = None) -> None:
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"score must be one of {SCORES}, got {score!r}")
        if score == "dot" and query_size != key_size:
            raise ValueError(f"dot attention needs query_size == key_size, got {query_size} and {key_size}")
        self.score, self.query_size, self.key_size = score, query_size, key_size
        A = attn_size or key_size
        if score == "general":
            self.W_a = nn.Parameter(torch.empty(query_size, key_size))
        elif score == "additive":
            self.W_q = nn.Parameter(torch.empty(query_size, A))
            self.W_k = nn.Parameter(torch.empty(key_size, A))
            self.v_a = nn.Parameter(torch.empty(A))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for p in self.parameters():
            bound = 1.0 / math.sqrt(p.shape[0])
            nn.init.uniform_(p, -bound, bound)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        """Step 1 only: query (B, T, Hq), keys (B, S, Hk) -> (B, T, S)."""
        check_shape("query", query, (keys.shape[0], None, self.query_size))
        check_shape("keys", keys, (query.shape[0], None, self.key_size))
        if self.score == "dot":
            return dot_score(query, keys)  # (B, T, S)
        if self.score == "general":
            return general_score(query, keys, self.W_a)  # (B, T, S)
        return additive_score(query, keys, self.W_q, self.W_k, self.v_a)  # (B, T, S)

    def forward(self, query: Tensor, keys: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        q, squeeze = _as_3d(query, keys)  # (B, T, Hq)
        context, alpha = attend(self.scores(q, keys), keys, mask)  # (B, T, Hk), (B, T, S)
        if squeeze:
            return context[:, 0], alpha[:, 0]  # (B, Hk), (B, S)
        return context, alpha

    def extra_repr(self) -> str:
        return f"score={self.score!r}, query_size={self.query_size}, key_size={self.key_size}"
