"""An encoder-decoder Transformer for sequence-to-sequence tasks (e.g. chapter 5-6's dates).

The encoder reads the source with self-attention (padding masked); the decoder reads the target
shifted right with *causal* self-attention and looks at the encoder's output through cross-attention.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_shape
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
    pad_id: int = 0


class Seq2SeqTransformer(nn.Module):
    """Encoder-decoder Transformer with sinusoidal positions.

    Shapes: src (B, T_x) ids, tgt_in (B, T_y) ids (``<bos>`` then the target shifted right)
    -> logits (B, T_y, V_tgt). Padding is ``config.pad_id`` and is masked in every attention.

    Raises:
        DTypeError: if src or tgt_in are not integer tensors.
        ShapeError: if they are not 2-D with the same batch size.
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

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """src (B, T_x) -> (memory (B, T_x, D), src padding mask (B, T_x))."""
        check_dtype("src", src, "int")
        check_shape("src", src, ("B", "T_x"))
        pad = src == self.config.pad_id  # (B, T_x)
        x = self.pos(self.src_emb(src) * self.scale)  # (B, T_x, D)
        for block in self.encoder:
            x = block(x, key_padding_mask=pad)  # (B, T_x, D)
        return self.ln_enc(x), pad

    def decode(self, tgt_in: Tensor, memory: Tensor, src_pad: Tensor,
               need_weights: bool = False) -> tuple[Tensor, list[Tensor]]:
        """tgt_in (B, T_y) -> (logits (B, T_y, V), cross-attention weights per layer)."""
        check_dtype("tgt_in", tgt_in, "int")
        check_shape("tgt_in", tgt_in, (memory.shape[0], "T_y"))
        y = self.pos(self.tgt_emb(tgt_in) * self.scale)  # (B, T_y, D)
        weights = []
        for block in self.decoder:
            y, w = block(y, memory, memory_key_padding_mask=src_pad, need_weights=need_weights)  # (B, T_y, D)
            weights.append(w)
        return self.out(self.ln_dec(y)), weights  # (B, T_y, V)

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        memory, pad = self.encode(src)  # (B, T_x, D)
        logits, _ = self.decode(tgt_in, memory, pad)  # (B, T_y, V)
        return logits

    @torch.no_grad()
    def greedy_decode(self, src: Tensor, bos_id: int, max_len: int) -> Tensor:
        """Greedy decoding: (B, T_x) -> (B, max_len) predicted ids (without the ``<bos>``)."""
        was = self.training
        self.eval()
        memory, pad = self.encode(src)  # (B, T_x, D)
        ys = torch.full((src.shape[0], 1), bos_id, dtype=torch.long, device=src.device)  # (B, 1)
        for _ in range(max_len):
            logits, _ = self.decode(ys, memory, pad)  # (B, t, V)
            ys = torch.cat([ys, logits[:, -1:].argmax(-1)], dim=1)  # (B, t + 1)
        self.train(was)
        return ys[:, 1:]  # (B, max_len)
