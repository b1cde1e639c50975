"""Checks for lab 07 (Transformer): scaled dot-product attention, the causal mask, multi-head
self-attention (parity with ``torch.nn.MultiheadAttention``), "no position attends to the future",
a pre-LN block (against pre-LN and post-LN references), and a tiny GPT built from the student's
block that must beat a bigram model on Shakespeare windows drawn for this run.

Each check is a *measure* (runs the student's code, returns what came out) and a *judge* (rebuilds
the inputs from the case, computes the reference, compares): see :mod:`course_lib.checks.protocol`.
The checks use only the library's pieces (:mod:`course_lib.transformer`, :mod:`course_lib.lm`,
:mod:`course_lib.data`, :mod:`course_lib.train`), never the book's experiment code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_lib.checks.core import check_array, check_finite, fail, seeded
from course_lib.checks.protocol import register
from course_lib.data.chars import random_windows, shakespeare
from course_lib.lm import bigram_log_probs, lm_loss_fn
from course_lib.train import TrainConfig, fit
from course_lib.transformer import TransformerBlock

__all__ = [
    "check_scaled_dot_product_attention",
    "check_causal_mask",
    "check_multi_head_attention",
    "check_no_future_attention",
    "check_transformer_block",
    "check_tiny_gpt_beats_bigram",
]

NAN_FROM_MASK = ("a NaN comes from a query that may attend no key at all: softmax over a row of -inf is 0/0. "
                 "The causal mask must keep the diagonal (j <= i), so every position sees at least itself.")


def _pair(out: object) -> bool:
    return isinstance(out, tuple) and len(out) == 2


# --- scaled dot-product attention -------------------------------------------------------------------

def _sdpa_inputs(seed: int, sizes: tuple[int, int, int, int]):
    B, T_q, T_k, d_k = sizes
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, T_q, d_k, generator=g, dtype=torch.float64)
    k = torch.randn(B, T_k, d_k, generator=g, dtype=torch.float64)
    v = torch.randn(B, T_k, 3, generator=g, dtype=torch.float64)
    mask = torch.rand(T_q, T_k, generator=g) > 0.4
    mask[:, 0] = True  # every query may attend at least one key
    return q, k, v, mask


def _measure_sdpa(fn: Callable, *, seed: int, sizes: tuple[int, int, int, int]) -> dict:
    q, k, v, mask = _sdpa_inputs(seed, tuple(sizes))
    plain, masked = fn(q, k, v), fn(q, k, v, mask=mask)
    return {"plain": plain if not _pair(plain) else {"out": plain[0], "alpha": plain[1]},
            "masked": masked if not _pair(masked) else {"out": masked[0], "alpha": masked[1]}}


def _judge_sdpa(m: dict, *, seed: int, sizes: tuple[int, int, int, int]) -> str:
    """fn(q, k, v, mask=None) -> (out, alpha) against ``F.scaled_dot_product_attention``, with and
    without a boolean mask (True = may attend)."""
    name = "scaled_dot_product_attention"
    q, k, v, mask = _sdpa_inputs(seed, tuple(sizes))
    for key in ("plain", "masked"):
        if not isinstance(m[key], dict):
            fail(name, f"expected a pair (out, alpha), got {type(m[key]).__name__}",
                 "return both the weighted sum of the values and the attention weights.")
    scores = q @ k.transpose(-2, -1)

    def hint(got, expected):
        if got.shape == expected.shape:
            if np.allclose(got, (torch.softmax(scores, -1) @ v).numpy()):
                return "you forgot to divide the scores by sqrt(d_k)."
            if np.allclose(got, (torch.softmax(scores / q.shape[-1], -1) @ v).numpy()):
                return "divide the scores by sqrt(d_k), not by d_k."
        return "scores = q @ k.transpose(-2, -1) / sqrt(d_k); softmax over the LAST axis (the keys); then @ v."

    out, alpha = m["plain"]["out"], m["plain"]["alpha"]
    check_array(name, "out", out, F.scaled_dot_product_attention(q, k, v), tol=1e-8, hint=hint)
    check_array(name, "alpha.sum(-1) (each query's weights sum to 1)", np.asarray(alpha).sum(-1),
                np.ones(q.shape[:2]), tol=1e-8,
                hint="the softmax must run over the keys (dim=-1), not over the queries.")
    out_m, alpha_m = m["masked"]["out"], m["masked"]["alpha"]
    check_finite(name, "out with a mask", out_m, "every query here may attend at least one key: True means 'may "
                 "attend', so fill the scores where mask is False (masked_fill(~mask, ...)), not the allowed ones.")

    def mask_hint(got, expected):
        inverted = F.scaled_dot_product_attention(q, k, v, attn_mask=~mask) if bool((~mask).any(-1).all()) else None
        if inverted is not None and np.allclose(got, inverted.numpy()):
            return "True means 'may attend': fill the scores where mask is False (masked_fill(~mask, ...))."
        return ("set the scores where mask is False to -inf (masked_fill(~mask, float('-inf'))) BEFORE "
                "the softmax; True means 'may attend'.")

    check_array(name, "out with a mask", out_m, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), tol=1e-8,
                hint=mask_hint)
    if np.any(np.asarray(alpha_m)[..., ~mask.numpy()] != 0):
        fail(name, "a masked key got a non-zero weight", "masked scores must be -inf, so exp() gives exactly 0.")
    return f"matches torch's scaled_dot_product_attention on q {tuple(q.shape)}, with and without a mask"


check_scaled_dot_product_attention = register("scaled_dot_product_attention", _measure_sdpa, _judge_sdpa,
                                              seed=0, sizes=(2, 5, 6, 8))


# --- the causal mask --------------------------------------------------------------------------------

def _measure_causal_mask(fn: Callable, *, sizes: tuple[int, ...]) -> dict:
    out = {}
    for T in sizes:
        got = fn(T)
        out[str(T)] = {"mask": got, "tensor": isinstance(got, torch.Tensor),
                       "dtype": str(getattr(got, "dtype", type(got).__name__))}
    return out


def _judge_causal_mask(m: dict, *, sizes: tuple[int, ...]) -> str:
    """fn(T) -> boolean (T, T), True where query i may attend key j, i.e. j <= i."""
    name = "causal_mask"
    for T in sizes:
        rec = m[str(T)]
        got = rec["mask"]
        expected = np.tril(np.ones((T, T), dtype=bool))
        if not rec["tensor"] or rec["dtype"] != "torch.bool":
            fail(name, f"causal_mask({T}) must be a boolean tensor, got {rec['dtype']}",
                 "compare with a condition (j <= i) or use torch.ones(T, T, dtype=torch.bool).tril().")
        if got.shape != expected.shape:
            fail(name, f"causal_mask({T}) has shape {tuple(got.shape)}, expected {(T, T)}")
        if not np.array_equal(got, expected):
            if np.array_equal(got, expected.T):
                hint = "you built the upper triangle: rows are queries, so row i must be True for columns j <= i."
            elif np.array_equal(got, np.tril(expected, -1)):
                hint = "a position may attend to itself: keep the diagonal."
            elif np.array_equal(got, ~expected):
                hint = "True means 'may attend' here; you built the mask of blocked positions."
            else:
                hint = "row i (a query) must be True exactly in columns 0..i."
            fail(name, f"causal_mask({T}) is not the lower triangle: got\n{got.astype(int)}", hint)
    return f"lower-triangular for T in {tuple(sizes)}"


check_causal_mask = register("causal_mask", _measure_causal_mask, _judge_causal_mask, sizes=(1, 4, 9))


# --- multi-head self-attention ----------------------------------------------------------------------

def _mha_inputs(seed: int, sizes: tuple[int, int, int, int]):
    B, T, D, h = sizes
    with seeded(seed):
        mha = nn.MultiheadAttention(D, h, batch_first=True).double().eval()
    x = torch.randn(B, T, D, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)
    return mha, x


def _load_from_torch(module: nn.Module, mha: nn.MultiheadAttention) -> str | None:
    """Copy ``mha``'s weights into ``module.W_q..W_o``; the problem as text, or None."""
    for attr in ("W_q", "W_k", "W_v", "W_o"):
        if not isinstance(getattr(module, attr, None), nn.Linear):
            return f"self.{attr} must be an nn.Linear(d_model, d_model)"
    W_q, W_k, W_v = mha.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = mha.in_proj_bias.detach().chunk(3)
    with torch.no_grad():
        for lin, w, b in ((module.W_q, W_q, b_q), (module.W_k, W_k, b_k), (module.W_v, W_v, b_v),
                          (module.W_o, mha.out_proj.weight, mha.out_proj.bias)):
            if lin.weight.shape != w.shape or lin.bias is None:
                return f"a projection has weight shape {tuple(lin.weight.shape)}, expected {tuple(w.shape)} (with bias)"
            lin.weight.copy_(w)
            lin.bias.copy_(b)
    return None


def _measure_mha(cls: Callable, *, seed: int, sizes: tuple[int, int, int, int]) -> dict:
    B, T, D, h = sizes
    mha, x = _mha_inputs(seed, tuple(sizes))
    module = cls(D, h).double().eval()
    problem = _load_from_torch(module, mha)
    if problem is not None:
        return {"problem": problem}
    with torch.no_grad():
        return {"problem": None, "out": module(x), "causal": module(x, causal=True)}


def _judge_mha(m: dict, *, seed: int, sizes: tuple[int, int, int, int]) -> str:
    """cls(d_model, n_heads) with W_q, W_k, W_v, W_o; ``forward(x, causal=False) -> (B, T, D)`` equals
    ``nn.MultiheadAttention(batch_first=True)`` after loading its weights, without and with a causal mask."""
    B, T, D, h = sizes
    name = "MultiHeadSelfAttention"
    if m["problem"]:
        fail(name, m["problem"], "keep the attribute names W_q, W_k, W_v, W_o from the template.")
    mha, x = _mha_inputs(seed, tuple(sizes))
    with torch.no_grad():
        ref, _ = mha(x, x, x, need_weights=False)
        one_head = nn.MultiheadAttention(D, 1, batch_first=True).double().eval()
        one_head.load_state_dict(mha.state_dict())
        ref_one, _ = one_head(x, x, x, need_weights=False)
        blocked = torch.ones(T, T, dtype=torch.bool).triu(1)  # torch's convention: True = blocked
        ref_c, _ = mha(x, x, x, attn_mask=blocked, need_weights=False)

    def hint(got, expected):
        if got.shape == expected.shape and np.allclose(got, ref_one.numpy()):
            return "this is single-head attention: split D into n_heads heads of d_k = D // n_heads each."
        return ("Q, K, V = W_q(x), W_k(x), W_v(x); reshape (B, T, D) -> (B, T, h, d_k) -> transpose to "
                "(B, h, T, d_k); attend with scale 1/sqrt(d_k); transpose back, reshape to (B, T, D); then W_o.")

    check_array(name, "output (no mask)", m["out"], ref, tol=1e-8, hint=hint)
    check_finite(name, "output with causal=True", m["causal"], NAN_FROM_MASK)
    check_array(name, "output with causal=True", m["causal"], ref_c, tol=1e-8,
                hint="with causal=True, mask every score where key j > query i before the softmax.")
    return f"matches nn.MultiheadAttention({D}, {h}) on x {tuple(x.shape)}, with and without the causal mask"


check_multi_head_attention = register("multi_head_attention", _measure_mha, _judge_mha,
                                      seed=0, sizes=(2, 6, 16, 4))


# --- no position attends to the future --------------------------------------------------------------

def _future_inputs(seed: int, sizes: tuple[int, int, int, int]):
    B, T, D, h = sizes
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(B, T, D, generator=g, dtype=torch.float64)
    bumps = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    return x, bumps


def _measure_future(cls: Callable, *, seed: int, sizes: tuple[int, int, int, int]) -> dict:
    B, T, D, h = sizes
    with seeded(seed):
        module = cls(D, h).double().eval()
    x, bumps = _future_inputs(seed, tuple(sizes))
    with torch.no_grad():
        y = module(x, causal=True)
        perturbed = []
        for p in range(1, T):
            x2 = x.clone()
            x2[:, p] += bumps[p]
            perturbed.append(module(x2, causal=True))
    return {"y": y, "perturbed": perturbed}


def _judge_future(m: dict, *, seed: int, sizes: tuple[int, int, int, int]) -> str:
    """Perturb the token at position p: with ``causal=True`` the outputs at positions < p must not change
    (and those at >= p should)."""
    B, T, D, h = sizes
    name = "no position attends to the future"
    y = m["y"]
    check_finite(name, "the output with causal=True", y, NAN_FROM_MASK)
    if tuple(np.shape(y)) != (B, T, D):
        fail(name, f"the output has shape {tuple(np.shape(y))}, expected {(B, T, D)}")
    for p, y2 in enumerate(m["perturbed"], start=1):
        check_finite(name, f"the output after changing position {p}", y2, NAN_FROM_MASK)
        leak = float(np.max(np.abs(y[:, :p] - y2[:, :p])))
        if leak > 1e-10:
            fail(name, f"changing the token at position {p} changed the outputs at earlier positions "
                       f"(max change {leak:.2g}, want 0)",
                 "a query at position i may only see keys 0..i; mask the scores before the softmax.")
        if np.allclose(y[:, p:], y2[:, p:]):
            fail(name, f"changing the token at position {p} did not change its own output",
                 "a position must attend to itself: keep the diagonal of the mask.")
    return f"perturbing any of {T - 1} positions leaves every earlier output unchanged"


check_no_future_attention = register("no_future_attention", _measure_future, _judge_future,
                                     seed=0, sizes=(1, 8, 16, 4))


# --- the block: pre-LN, against pre-LN and post-LN references ---------------------------------------

_BLOCK_KEYS = {  # the lab's Block -> course_lib.transformer.TransformerBlock
    "ln_1.weight": "ln_1.weight", "ln_1.bias": "ln_1.bias", "ln_2.weight": "ln_2.weight", "ln_2.bias": "ln_2.bias",
    **{f"attn.{w}.{p}": f"attn.{w}.{p}" for w in ("W_q", "W_k", "W_v", "W_o") for p in ("weight", "bias")},
    "mlp.0.weight": "mlp.W_1.weight", "mlp.0.bias": "mlp.W_1.bias",
    "mlp.2.weight": "mlp.W_2.weight", "mlp.2.bias": "mlp.W_2.bias",
}


def _block_inputs(seed: int, sizes: tuple[int, int, int, int]):
    """Weights for every parameter of the block (layer norms far from 1/0, so pre-LN, post-LN and swapped
    layer norms all differ) and an input with a non-zero mean and scale, all float64."""
    B, T, D, h = sizes
    ref = TransformerBlock(D, h).double()
    g = torch.Generator().manual_seed(seed)
    weights = {}
    for key, ref_key in _BLOCK_KEYS.items():
        shape = dict(ref.named_parameters())[ref_key].shape
        w = torch.randn(shape, generator=g, dtype=torch.float64) / math.sqrt(shape[-1])
        if key.startswith("ln_"):
            w = (1.0 + 0.5 * torch.randn(shape, generator=g, dtype=torch.float64)) if key.endswith("weight") else \
                0.5 * torch.randn(shape, generator=g, dtype=torch.float64)
        weights[key] = w
    x = 3.0 * torch.randn(B, T, D, generator=g, dtype=torch.float64) + 1.5
    return weights, x


def _block_references(seed: int, sizes: tuple[int, int, int, int]) -> dict[str, torch.Tensor]:
    B, T, D, h = sizes
    weights, x = _block_inputs(seed, tuple(sizes))
    out = {}
    for label, norm_first, causal in (("pre", True, True), ("post", False, True), ("pre_non_causal", True, False)):
        ref = TransformerBlock(D, h, norm_first=norm_first).double().eval()
        ref.load_state_dict({_BLOCK_KEYS[k]: v for k, v in weights.items()})
        with torch.no_grad():
            out[label] = ref(x, causal=causal)
    with torch.no_grad():  # the layer norms swapped: ln_2 before attention, ln_1 before the MLP
        swap = {"ln_1": "ln_2", "ln_2": "ln_1"}
        swapped = {swap.get(k[:4], k[:4]) + k[4:]: v for k, v in weights.items()}
        ref = TransformerBlock(D, h).double().eval()
        ref.load_state_dict({_BLOCK_KEYS[k]: v for k, v in swapped.items()})
        out["swapped_ln"] = ref(x, causal=True)
    return out


def _resolve(module: nn.Module, key: str) -> torch.Tensor | None:
    """``block``'s tensor at ``"attn.W_q.weight"`` / ``"mlp.0.bias"`` by attribute (or index), else None."""
    obj: object = module
    for part in key.split("."):
        if part.isdigit() and isinstance(obj, nn.Sequential) and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            obj = getattr(obj, part, None)
    return obj if isinstance(obj, torch.Tensor) else None


def _measure_block(block_cls: Callable, *, seed: int, sizes: tuple[int, int, int, int]) -> dict:
    B, T, D, h = sizes
    weights, x = _block_inputs(seed, tuple(sizes))
    block = block_cls(D, h).double().eval()
    found = {k: _resolve(block, k) for k in weights}
    missing = sorted(k for k, t in found.items() if t is None or t.shape != weights[k].shape)
    if missing:
        return {"missing": missing}
    with torch.no_grad():
        for k, w in weights.items():
            found[k].copy_(w)
        return {"missing": [], "out": block(x)}


def _judge_block(m: dict, *, seed: int, sizes: tuple[int, int, int, int]) -> str:
    """Block(d_model, n_heads) with the template's ln_1, attn, ln_2, mlp: with the same weights, its output
    equals the pre-LN reference x + MHA(LN_1(x)), then + MLP(LN_2(x)), with causal attention."""
    name = "Block"
    if m["missing"]:
        fail(name, f"the block has no parameter (of the template's shape) {', '.join(m['missing'])}",
             "keep __init__ as given (ln_1, attn, ln_2, mlp) and write only forward.")
    refs = _block_references(seed, tuple(sizes))
    got = m["out"]
    check_finite(name, "the block's output", got, NAN_FROM_MASK)

    def hint(g, e):
        if g.shape == e.shape:
            if np.allclose(g, refs["post"].numpy(), atol=1e-8):
                return ("this is a post-LN block, LN(x + MHA(x)): the lab asks for a pre-LN block, "
                        "x = x + attn(ln_1(x), causal=True), then x = x + mlp(ln_2(x)).")
            if np.allclose(g, refs["pre_non_causal"].numpy(), atol=1e-8):
                return "the attention must be causal: self.attn(self.ln_1(x), causal=True)."
            if np.allclose(g, refs["swapped_ln"].numpy(), atol=1e-8):
                return "ln_1 goes before the attention and ln_2 before the MLP."
        return ("a pre-LN block: x = x + attn(ln_1(x), causal=True), then x = x + mlp(ln_2(x)); both residual "
                "additions use the stream x, not the normalised one.")

    check_array(name, "the block's output (vs a pre-LN reference)", got, refs["pre"], tol=1e-8, hint=hint)
    return f"equals the pre-LN reference (causal) on x {tuple(refs['pre'].shape)}"


check_transformer_block = register("transformer_block", _measure_block, _judge_block, seed=0, sizes=(2, 6, 16, 4))


# --- a tiny GPT of the student's blocks --------------------------------------------------------------

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


_BLOCK, _BATCH, _D, _HEADS, _LAYERS = 32, 16, 64, 4, 2


def _eval_windows(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    return random_windows(shakespeare().val, n, _BLOCK, torch.Generator().manual_seed(seed + 1))  # (n, T) each


def _measure_gpt(block_cls: Callable, *, steps: int, budget_s: float, seed: int, margin: float, n_eval: int,
                 device: str = "cpu") -> dict:
    corpus = shakespeare()
    with seeded(seed):
        model = _TinyGPT(block_cls, len(corpus.vocab), _BLOCK, _D, _HEADS, _LAYERS)
    g = torch.Generator().manual_seed(seed + 2)
    probe = torch.randn(1, 6, _D, generator=g)
    probe2 = probe.clone()
    probe2[:, 3] += torch.randn(_D, generator=g)  # a random change (a constant shift would vanish in a layer norm)
    with torch.no_grad():
        y, y2 = model.blocks[0](probe), model.blocks[0](probe2)
    out = {"probe": y, "probe2": y2, "trained": False}
    if not (isinstance(y, torch.Tensor) and y.shape == probe.shape and bool(torch.isfinite(y).all())):
        return out  # not a working block: training would only crash; the judge says why
    g = torch.Generator().manual_seed(seed + 3)
    t0 = time.perf_counter()
    try:
        fit(model, lambda split: random_windows(corpus.train, _BATCH, _BLOCK, g), lm_loss_fn,
            TrainConfig(steps=steps, lr=3e-3, warmup_steps=20, lr_decay="cosine", eval_every=0, seed=seed,
                        progress=False, device=device))
    except FloatingPointError as exc:
        return {**out, "train_error": str(exc)}
    out["seconds"] = time.perf_counter() - t0
    x, _ = _eval_windows(seed, n_eval)
    model.eval()
    with torch.no_grad():
        out["logits"] = model(x.to(next(model.parameters()).device)).float().cpu()  # (n, T, V)
    out["trained"] = True
    return out


def _judge_gpt(m: dict, *, steps: int, budget_s: float, seed: int, margin: float, n_eval: int) -> str:
    """Train a 2-layer GPT made of ``block_cls(d_model, n_heads)`` blocks for ``steps`` steps on Shakespeare
    (block 32, batch 16, 64 dims); on ``n_eval`` validation windows drawn for this run, its loss must be
    ``margin`` below the bigram model's on the same characters, within ``budget_s`` seconds of training."""
    name = "tiny GPT"
    y, y2 = m["probe"], m["probe2"]
    if not isinstance(y, np.ndarray) or y.shape != (1, 6, _D):
        fail(name, f"Block({_D}, {_HEADS}) maps (1, 6, {_D}) to {getattr(y, 'shape', type(y).__name__)}, "
                   f"expected (1, 6, {_D})",
             "the block returns x after both residual additions, a tensor of the same shape.")
    check_finite(name, "the block's output", y, NAN_FROM_MASK)
    leak = float(np.max(np.abs(y[:, :3] - y2[:, :3])))
    if leak > 1e-5:
        fail(name, f"Block is not causal: changing position 3 changed earlier outputs by {leak:.2g}",
             "call the attention with causal=True; otherwise the model reads the next character and cheats.")
    if m.get("train_error"):
        fail(name, f"training failed: {m['train_error']}",
             "a NaN loss with a working block usually means the residual stream blows up: use the pre-LN form.")
    corpus = shakespeare()
    V = len(corpus.vocab)
    x, target = _eval_windows(seed, n_eval)
    logits = torch.as_tensor(m["logits"], dtype=torch.float64)
    if tuple(logits.shape) != (*x.shape, V):
        fail(name, f"the model's logits have shape {tuple(logits.shape)}, expected {(*x.shape, V)}")
    check_finite(name, "the trained model's logits", logits, "the training diverged: check the block (pre-LN).")
    model_nll = float(F.cross_entropy(logits.flatten(0, 1), target.flatten()))
    logp = bigram_log_probs(corpus.train, V)  # (V, V), add-one smoothing
    bigram_nll = float(-logp[x.flatten(), target.flatten()].mean())
    if not math.isfinite(model_nll) or model_nll > bigram_nll - margin:
        fail(name, f"validation loss {model_nll:.3f} nats/char does not beat the bigram model's {bigram_nll:.3f} "
                   f"on the same {x.numel()} characters",
             "check that the block is causal (else training cheats and validation fails), that both residual "
             "connections are there (x + ...), and that the layer norms come first (pre-LN).")
    if m["seconds"] > budget_s:
        fail(name, f"{steps} steps took {m['seconds']:.0f} s, over the budget of {budget_s:.0f} s",
             "avoid Python loops over positions or heads: use batched matrix products.")
    return f"val loss {model_nll:.2f} < bigram {bigram_nll:.2f} nats/char after {steps} steps"


check_tiny_gpt_beats_bigram = register("tiny_gpt_beats_bigram", _measure_gpt, _judge_gpt, options={"device": "cpu"},
                                       steps=300, budget_s=120.0, seed=0, margin=0.02, n_eval=64)
