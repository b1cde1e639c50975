r"""A GPT: token + learned position embeddings, causal Transformer blocks, a language-model head.

.. math::
    h_0 = E[x_t] + P[t],\qquad h_\ell = \operatorname{Block}_\ell(h_{\ell-1}),\qquad
    p(x_{t+1} \mid x_{\le t}) = \operatorname{softmax}(\operatorname{LN}(h_L) E^\top)

The output matrix is tied to the token embedding :math:`E` (as in GPT-2 and nanoGPT).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.errors import check_dtype, check_shape
from course_lib.transformer.blocks import TransformerBlock

__all__ = ["GPTConfig", "GPT"]


@dataclass
class GPTConfig:
    """Sizes of a :class:`GPT` (the defaults are nanoGPT's shakespeare_char CPU setting)."""

    vocab_size: int = 65
    block_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False
    fast_attention: bool = False  # fused F.scaled_dot_product_attention (same maths, faster)


class GPT(nn.Module):
    """Decoder-only Transformer language model.

    Shapes: idx (B, T) integer ids with T <= block_size -> logits (B, T, V).

    Raises:
        DTypeError: if idx is not an integer tensor.
        ShapeError / ValueError: if idx is not 2-D or is longer than the block size.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.tok_emb = nn.Embedding(c.vocab_size, c.n_embd)
        self.pos_emb = nn.Embedding(c.block_size, c.n_embd)
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(
            TransformerBlock(c.n_embd, c.n_head, dropout=c.dropout, bias=c.bias, fast_attention=c.fast_attention)
            for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.tok_emb.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2: scale the residual projections by 1/sqrt(2L)
            if name.endswith("attn.W_o.weight") or name.endswith("mlp.W_2.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: Tensor, caches: list[dict] | None = None) -> Tensor:
        """Logits for the next token at every position. With ``caches`` (one dict per layer), ``idx``
        holds only the new tokens and the positions continue after the cached ones."""
        check_dtype("idx", idx, "int")
        check_shape("idx", idx, ("B", "T"))
        offset = caches[0]["k"].shape[2] if caches and "k" in caches[0] else 0
        T = idx.shape[1]
        if offset + T > self.config.block_size:
            raise ValueError(f"sequence of {offset + T} tokens exceeds block_size={self.config.block_size}")
        pos = torch.arange(offset, offset + T, device=idx.device)  # (T,)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))  # (B, T, D)
        for i, block in enumerate(self.blocks):
            x = block(x, causal=True, cache=caches[i] if caches is not None else None)  # (B, T, D)
        return self.lm_head(self.ln_f(x))  # (B, T, V)

    def attention_maps(self, idx: Tensor) -> list[Tensor]:
        """The attention weights of every layer on ``idx``: a list of (B, h, T, T), in eval mode."""
        maps = []
        was = self.training
        self.eval()
        with torch.no_grad():
            pos = torch.arange(idx.shape[1], device=idx.device)  # (T,)
            x = self.tok_emb(idx) + self.pos_emb(pos)  # (B, T, D)
            for block in self.blocks:
                _, w = block.attn(block.ln_1(x), causal=True, need_weights=True)
                maps.append(w)  # (B, h, T, T)
                x = block(x, causal=True)  # (B, T, D)
        self.train(was)
        return maps

    def configure_optimizer(self, lr: float, weight_decay: float = 0.1,
                            betas: tuple[float, float] = (0.9, 0.99)) -> torch.optim.AdamW:
        """AdamW with weight decay on matrices only (not on biases, norms), as in nanoGPT."""
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                  {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=betas)

    @torch.no_grad()
    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 use_cache: bool = False, generator: torch.Generator | None = None) -> Tensor:
        """Append ``max_new_tokens`` sampled tokens to ``idx`` (B, T) -> (B, T + max_new_tokens).

        ``temperature`` divides the logits (0 means greedy: argmax); ``top_k`` keeps only the k most
        likely tokens. With ``use_cache`` each layer keeps its keys and values, so each new token
        costs one position instead of the whole context; when the context reaches ``block_size`` the
        cache is rebuilt from the last ``block_size`` tokens, so the tokens are the same as without it.

        Raises:
            ValueError: if temperature < 0 or top_k < 1.
        """
        if temperature < 0 or (top_k is not None and top_k < 1):
            raise ValueError(f"need temperature >= 0 and top_k >= 1, got {temperature}, {top_k}")
        was = self.training
        self.eval()
        bs = self.config.block_size
        caches: list[dict] | None = None
        for _ in range(max_new_tokens):
            if use_cache:
                cached = caches[0]["k"].shape[2] if caches else 0
                if caches is None or cached + 1 > bs or cached + 1 != idx.shape[1]:
                    caches = [{} for _ in self.blocks]
                    logits = self(idx[:, -bs:], caches)  # (B, T, V)
                else:
                    logits = self(idx[:, -1:], caches)  # (B, 1, V)
            else:
                logits = self(idx[:, -bs:])  # (B, T, V)
            logits = logits[:, -1, :]  # (B, V)
            if temperature == 0:
                nxt = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                logits = logits / temperature  # (B, V)
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]  # (B, 1)
                    logits = logits.masked_fill(logits < kth, float("-inf"))  # (B, V)
                probs = torch.softmax(logits, dim=-1)  # (B, V)
                nxt = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, nxt], dim=1)  # (B, T + 1)
        self.train(was)
        return idx
