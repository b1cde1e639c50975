"""Checks for lab 07 (Transformer): scaled dot-product attention, the causal mask, multi-head
self-attention (parity with ``torch.nn.MultiheadAttention``), "no position attends to the future",
and a tiny GPT built from the student's block that must beat a bigram model."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from course_lib.checks.core import check_array, fail, passed
from course_lib.experiments.gpt import ShakespeareChars, bigram_baseline, lm_loss
from course_lib.train import TrainConfig, fit

__all__ = [
    "check_scaled_dot_product_attention",
    "check_causal_mask",
    "check_multi_head_attention",
    "check_no_future_attention",
    "check_tiny_gpt_beats_bigram",
]


def _call_attention(name: str, fn: Callable, *args, **kwargs):
    out = fn(*args, **kwargs)
    if not (isinstance(out, tuple) and len(out) == 2):
        fail(name, f"expected a pair (out, alpha), got {type(out).__name__}",
             "return both the weighted sum of the values and the attention weights.")
    return out


def check_scaled_dot_product_attention(fn: Callable, seed: int = 0, sizes: tuple[int, int, int, int] = (2, 5, 6, 8)
                                       ) -> None:
    """fn(q, k, v, mask=None) -> (out, alpha) against ``F.scaled_dot_product_attention``, with and
    without a boolean mask (True = may attend)."""
    B, T_q, T_k, d_k = sizes
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, T_q, d_k, generator=g, dtype=torch.float64)
    k = torch.randn(B, T_k, d_k, generator=g, dtype=torch.float64)
    v = torch.randn(B, T_k, 3, generator=g, dtype=torch.float64)
    name = "scaled_dot_product_attention"
    out, alpha = _call_attention(name, fn, q, k, v)
    ref = F.scaled_dot_product_attention(q, k, v)
    unscaled = torch.softmax(q @ k.transpose(-2, -1), -1) @ v

    def hint(got, expected):
        if got.shape == expected.shape and torch.allclose(torch.as_tensor(got), unscaled):
            return "you forgot to divide the scores by sqrt(d_k)."
        return "scores = q @ k.transpose(-2, -1) / sqrt(d_k); softmax over the LAST axis (the keys); then @ v."

    check_array(name, "out", out, ref, tol=1e-8, hint=hint)
    check_array(name, "alpha.sum(-1) (each query's weights sum to 1)", alpha.sum(-1),
                torch.ones(B, T_q, dtype=torch.float64), tol=1e-8,
                hint="the softmax must run over the keys (dim=-1), not over the queries.")
    mask = torch.rand(T_q, T_k, generator=g) > 0.4
    mask[:, 0] = True
    out_m, alpha_m = _call_attention(name, fn, q, k, v, mask=mask)
    check_array(name, "out with a mask", out_m, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), tol=1e-8,
                hint="set the scores where mask is False to -inf (masked_fill(~mask, float('-inf'))) BEFORE "
                     "the softmax; True means 'may attend'.")
    if torch.any(torch.as_tensor(alpha_m)[..., ~mask] != 0):
        fail(name, "a masked key got a non-zero weight", "masked scores must be -inf, so exp() gives exactly 0.")
    passed(name, f"matches torch's scaled_dot_product_attention on q {tuple(q.shape)}, with and without a mask")


def check_causal_mask(fn: Callable, sizes: tuple[int, ...] = (1, 4, 9)) -> None:
    """fn(T) -> boolean (T, T), True where query i may attend key j, i.e. j <= i."""
    name = "causal_mask"
    for T in sizes:
        got = fn(T)
        expected = torch.ones(T, T, dtype=torch.bool).tril()
        if not isinstance(got, torch.Tensor) or got.dtype != torch.bool:
            fail(name, f"causal_mask({T}) must be a boolean tensor, got {getattr(got, 'dtype', type(got).__name__)}",
                 "compare with a condition (j <= i) or use torch.ones(T, T, dtype=torch.bool).tril().")
        if got.shape != expected.shape:
            fail(name, f"causal_mask({T}) has shape {tuple(got.shape)}, expected {(T, T)}")
        if not torch.equal(got, expected):
            if torch.equal(got, expected.T):
                hint = "you built the upper triangle: rows are queries, so row i must be True for columns j <= i."
            elif torch.equal(got, expected.tril(-1)):
                hint = "a position may attend to itself: keep the diagonal."
            elif torch.equal(got, ~expected):
                hint = "True means 'may attend' here; you built the mask of blocked positions."
            else:
                hint = "row i (a query) must be True exactly in columns 0..i."
            fail(name, f"causal_mask({T}) is not the lower triangle: got\n{got.int()}", hint)
    passed(name, f"lower-triangular for T in {sizes}")


def _copy_from_torch(module: nn.Module, mha: nn.MultiheadAttention, name: str) -> None:
    for attr in ("W_q", "W_k", "W_v", "W_o"):
        if not isinstance(getattr(module, attr, None), nn.Linear):
            fail(name, f"self.{attr} must be an nn.Linear(d_model, d_model)",
                 "keep the attribute names W_q, W_k, W_v, W_o from the template.")
    W_q, W_k, W_v = mha.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = mha.in_proj_bias.detach().chunk(3)
    with torch.no_grad():
        for lin, w, b in ((module.W_q, W_q, b_q), (module.W_k, W_k, b_k), (module.W_v, W_v, b_v),
                          (module.W_o, mha.out_proj.weight, mha.out_proj.bias)):
            if lin.weight.shape != w.shape:
                fail(name, f"a projection has weight shape {tuple(lin.weight.shape)}, expected {tuple(w.shape)}")
            lin.weight.copy_(w)
            lin.bias.copy_(b)


def check_multi_head_attention(cls: Callable, seed: int = 0, sizes: tuple[int, int, int, int] = (2, 6, 16, 4)
                               ) -> None:
    """cls(d_model, n_heads) with W_q, W_k, W_v, W_o; ``forward(x, causal=False) -> (B, T, D)`` equals
    ``nn.MultiheadAttention(batch_first=True)`` after loading its weights, without and with a causal mask."""
    B, T, D, h = sizes
    name = "MultiHeadSelfAttention"
    torch.manual_seed(seed)
    mha = nn.MultiheadAttention(D, h, batch_first=True).double().eval()
    module = cls(D, h).double().eval()
    _copy_from_torch(module, mha, name)
    x = torch.randn(B, T, D, dtype=torch.float64)
    ref, _ = mha(x, x, x, need_weights=False)
    one_head = nn.MultiheadAttention(D, 1, batch_first=True).double().eval()
    one_head.load_state_dict(mha.state_dict())
    ref_one, _ = one_head(x, x, x, need_weights=False)

    def hint(got, expected):
        if torch.allclose(torch.as_tensor(got), ref_one):
            return "this is single-head attention: split D into n_heads heads of d_k = D // n_heads each."
        return ("Q, K, V = W_q(x), W_k(x), W_v(x); reshape (B, T, D) -> (B, T, h, d_k) -> transpose to "
                "(B, h, T, d_k); attend with scale 1/sqrt(d_k); transpose back, reshape to (B, T, D); then W_o.")

    out = module(x)
    check_array(name, "output (no mask)", out, ref, tol=1e-8, hint=hint)
    blocked = torch.ones(T, T, dtype=torch.bool).triu(1)  # torch's convention: True = blocked
    ref_c, _ = mha(x, x, x, attn_mask=blocked, need_weights=False)
    check_array(name, "output with causal=True", module(x, causal=True), ref_c, tol=1e-8,
                hint="with causal=True, mask every score where key j > query i before the softmax.")
    passed(name, f"matches nn.MultiheadAttention({D}, {h}) on x {tuple(x.shape)}, with and without the causal mask")


def check_no_future_attention(cls: Callable, seed: int = 0, sizes: tuple[int, int, int, int] = (1, 8, 16, 4),
                              ) -> None:
    """Perturb the token at position p: with ``causal=True`` the outputs at positions < p must not change
    (and those at >= p should)."""
    B, T, D, h = sizes
    name = "no position attends to the future"
    torch.manual_seed(seed)
    module = cls(D, h).double().eval()
    x = torch.randn(B, T, D, dtype=torch.float64)
    for p in range(1, T):
        x2 = x.clone()
        x2[:, p] += torch.randn(B, D, dtype=torch.float64)
        y, y2 = module(x, causal=True), module(x2, causal=True)
        leak = (y[:, :p] - y2[:, :p]).abs().max().item()
        if leak > 1e-10:
            fail(name, f"changing the token at position {p} changed the outputs at earlier positions "
                       f"(max change {leak:.2g}, want 0)",
                 "a query at position i may only see keys 0..i; mask the scores before the softmax.")
        if torch.allclose(y[:, p:], y2[:, p:]):
            fail(name, f"changing the token at position {p} did not change its own output",
                 "a position must attend to itself: keep the diagonal of the mask.")
    passed(name, f"perturbing any of {T - 1} positions leaves every earlier output unchanged")


class _TinyGPT(nn.Module):
    """Token + position embeddings, the student's blocks, a final layer norm and a linear head."""

    def __init__(self, block_cls: Callable, vocab_size: int, block_size: int, d_model: int, n_heads: int,
                 n_layer: int) -> None:
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)
        self.blocks = nn.ModuleList(block_cls(d_model, n_heads) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[1], device=idx.device))  # (B, T, D)
        for block in self.blocks:
            x = block(x)  # (B, T, D)
        return self.head(self.ln_f(x))  # (B, T, V)


def check_tiny_gpt_beats_bigram(block_cls: Callable, steps: int = 300, budget_s: float = 120.0, seed: int = 0,
                                margin: float = 0.02) -> float:
    """Train a 2-layer GPT made of ``block_cls(d_model, n_heads)`` blocks for ``steps`` steps on Shakespeare
    (block 32, batch 16, 64 dims) and require a validation loss below the bigram model's, within
    ``budget_s`` seconds of training. Returns the best validation loss."""
    name = "tiny GPT"
    torch.manual_seed(seed)
    data = ShakespeareChars(block_size=32, batch_size=16, seed=seed)
    model = _TinyGPT(block_cls, len(data.vocab), 32, 64, 4, 2)
    y = model.blocks[0](torch.randn(2, 5, 64))
    if not isinstance(y, torch.Tensor) or y.shape != (2, 5, 64):
        fail(name, f"Block(64, 4) maps (2, 5, 64) to {getattr(y, 'shape', type(y).__name__)}, expected (2, 5, 64)",
             "the block returns x after both residual additions, a tensor of the same shape.")
    x = torch.randn(1, 6, 64)
    x2 = x.clone()
    x2[:, 3] += torch.randn(64)
    with torch.no_grad():
        leak = (model.blocks[0](x)[:, :3] - model.blocks[0](x2)[:, :3]).abs().max().item()
    if leak > 1e-5:
        fail(name, f"Block is not causal: changing position 3 changed earlier outputs by {leak:.2g}",
             "call the attention with causal=True; otherwise the model reads the next character and cheats.")
    t0 = time.perf_counter()
    history = fit(model, data.get_batch, lm_loss,
                  TrainConfig(steps=steps, lr=3e-3, warmup_steps=20, lr_decay="cosine", eval_every=steps // 3,
                              eval_batches=10, seed=seed, progress=False, device="cpu"))
    elapsed = time.perf_counter() - t0
    bigram = bigram_baseline(data.train, data.val, len(data.vocab))
    best = history.best_val_loss
    if not math.isfinite(best) or best > bigram - margin:
        fail(name, f"best validation loss {best:.3f} nats/char does not beat the bigram model's {bigram:.3f}",
             "check that the block is causal (else training cheats and validation fails), that both residual "
             "connections are there (x + ...), and that the layer norms come first (pre-LN).")
    if elapsed > budget_s:
        fail(name, f"{steps} steps took {elapsed:.0f} s, over the budget of {budget_s:.0f} s",
             "avoid Python loops over positions or heads: use batched matrix products.")
    passed(name, f"val loss {best:.2f} < bigram {bigram:.2f} nats/char after {steps} steps")
    return best
