"""An encoder-decoder Transformer for sequence-to-sequence tasks (e.g. chapter 5-6's dates).

The encoder reads the source with self-attention (padding masked); the decoder reads the target
shifted right with *causal* self-attention and looks at the encoder's output through cross-attention.

It speaks the same interface as chapter 5-6's RNN :class:`course_lib.seq2seq.Seq2Seq`, so
:func:`course_lib.seq2seq.make_loss_fn`, :func:`course_lib.decoding.greedy_decode`,
:func:`~course_lib.decoding.beam_search` and :func:`~course_lib.decoding.translate` work unchanged:

``encode(src, src_mask) -> Memory``; ``forward(src, src_mask, tgt_in) -> logits``;
``init_state(memory) -> state``; ``step(y_prev, state, memory) -> (logits, state, alpha)``.

A Transformer decoder has no recurrent state: its "state" is the prefix of tokens read so far,
stored time-first ``(t, B)`` so that beam search can select beams with ``state[:, idx]`` as it does
for an RNN state ``(L, B, H)``. Each step re-reads the whole prefix (no KV cache here: the date
outputs are 11 tokens long).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.errors import check_shape
from course_lib.seq2seq import Memory, check_src
from course_lib.transformer.blocks import DecoderBlock, TransformerBlock
from course_lib.transformer.positional import SinusoidalPositionalEncoding

__all__ = ["Seq2SeqTransformerConfig", "Seq2SeqTransformer"]


@dataclass
class Seq2SeqTransformerConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 64
    n_heads: int = 4
    n_enc_layers: int = 2
    n_dec_layers: int = 2
    d_ff: int = 128
    dropout: float = 0.0
    max_len: int = 128
    norm_first: bool = True


class Seq2SeqTransformer(nn.Module):
    r"""Encoder-decoder Transformer with sinusoidal positions (pre-LN by default).

    .. math::
        \bar H = \operatorname{Enc}(E_x x \sqrt{d_{model}} + P), \quad
        p(y_t \mid y_{<t}, x) = \operatorname{softmax}(\operatorname{Dec}(E_y y_{<t} \sqrt{d_{model}} + P,
        \bar H)_t W + b)

    The embeddings start with entries of standard deviation :math:`d_{model}^{-1/2}`, so that after the
    scaling by :math:`\sqrt{d_{model}}` tokens and positions (entries in [-1, 1]) have the same size.

    Shapes: src (B, S) ids, src_mask (B, S) bool (True = real token), tgt_in (B, T) ids
    (``<bos>`` then the target shifted right) -> logits (B, T, V_tgt). Source padding is masked in
    the encoder's self-attention and in every cross-attention; target padding needs no mask, since
    with the causal mask a real position never attends to the padding after it.

    Raises:
        DTypeError, ShapeError: for bad sources (see :func:`course_lib.seq2seq.check_src`) or a
            ``tgt_in`` that is not (B, T) with the source's batch size.
    """

    def __init__(self, config: Seq2SeqTransformerConfig) -> None:
        super().__init__()
        c = self.config = config
        self.src_emb = nn.Embedding(c.src_vocab_size, c.d_model)
        self.tgt_emb = nn.Embedding(c.tgt_vocab_size, c.d_model)
        self.pos = SinusoidalPositionalEncoding(c.d_model, c.max_len)
        self.encoder = nn.ModuleList(TransformerBlock(c.d_model, c.n_heads, c.d_ff, c.dropout,
                                                      norm_first=c.norm_first) for _ in range(c.n_enc_layers))
        self.decoder = nn.ModuleList(DecoderBlock(c.d_model, c.n_heads, c.d_ff, c.dropout,
                                                  norm_first=c.norm_first) for _ in range(c.n_dec_layers))
        self.ln_enc = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.ln_dec = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.out = nn.Linear(c.d_model, c.tgt_vocab_size)
        self.scale = c.d_model ** 0.5
        # Vaswani et al. multiply the embeddings by sqrt(D); that presumes entries of size D^(-1/2), so that
        # the scaled embedding has entries of size 1, like the sines and cosines added to it. With
        # nn.Embedding's N(0, 1) start the token signal would be sqrt(D) times the positions and drown them.
        for emb in (self.src_emb, self.tgt_emb):
            nn.init.normal_(emb.weight, mean=0.0, std=c.d_model ** -0.5)

    def encode(self, src: Tensor, src_mask: Tensor) -> Memory:
        """src (B, S), src_mask (B, S) -> Memory(outputs (B, S, D), state None, mask (B, S))."""
        check_src(src, src_mask)
        pad = ~src_mask  # (B, S) True = padding
        x = self.pos(self.src_emb(src) * self.scale)  # (B, S, D)
        for block in self.encoder:
            x = block(x, key_padding_mask=pad)  # (B, S, D)
        return Memory(self.ln_enc(x), None, src_mask)

    def decode(self, tgt_in: Tensor, memory: Memory, need_weights: bool = False) -> tuple[Tensor, list]:
        """tgt_in (B, T) -> (logits (B, T, V), cross-attention weights (B, h, T, S) per layer, or Nones)."""
        check_shape("tgt_in", tgt_in, (memory.outputs.shape[0], "T"))
        y = self.pos(self.tgt_emb(tgt_in) * self.scale)  # (B, T, D)
        weights = []
        for block in self.decoder:
            y, w = block(y, memory.outputs, memory_key_padding_mask=~memory.mask,
                         need_weights=need_weights)  # (B, T, D)
            weights.append(w)
        return self.out(self.ln_dec(y)), weights  # (B, T, V)

    def forward(self, src: Tensor, src_mask: Tensor, tgt_in: Tensor,
                return_attention: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """Teacher forcing, all target positions in one pass: logits (B, T, V) (and the last layer's
        cross-attention averaged over heads, (B, T, S), with ``return_attention``)."""
        memory = self.encode(src, src_mask)
        logits, w = self.decode(tgt_in, memory, need_weights=return_attention)  # (B, T, V)
        return (logits, w[-1].mean(dim=1)) if return_attention else logits

    def init_state(self, memory: Memory) -> Tensor:
        """The empty prefix, (0, B) ids (time first, see the module docstring)."""
        B = memory.outputs.shape[0]
        return torch.empty(0, B, dtype=torch.long, device=memory.outputs.device)  # (0, B)

    def step(self, y_prev: Tensor, state: Tensor, memory: Memory) -> tuple[Tensor, Tensor, Tensor]:
        """One decoder step: y_prev (B,) -> logits (B, V), prefix (t + 1, B), cross-attention (B, S)
        of the last layer, averaged over heads."""
        check_shape("y_prev", y_prev, (memory.outputs.shape[0],))
        state = torch.cat([state, y_prev[None]], dim=0)  # (t + 1, B)
        logits, w = self.decode(state.T, memory, need_weights=True)  # (B, t + 1, V)
        return logits[:, -1], state, w[-1][:, :, -1].mean(dim=1)  # (B, V), (t + 1, B), (B, S)
