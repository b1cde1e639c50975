"""Checks for lab 06 (attention): masked softmax, additive attention, attentional output, trained model."""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.attention import additive_score, attend
from course_lib.attention import masked_softmax as ref_masked_softmax
from course_lib.checks.core import as_numpy, check_array, fail, passed
from course_lib.checks.lab05 import check_date_accuracy, check_shape_of
from course_lib.data.dates import DateDataset
from course_lib.seq2seq import Seq2Seq

__all__ = ["check_additive_attention", "check_attentional_output", "check_masked_softmax",
           "check_trained_attention"]


def check_masked_softmax(masked_softmax: Callable, seed: int = 0, B: int = 3, S: int = 6) -> None:
    """Values vs the reference, masked positions exactly 0, rows sum to 1, fully-masked rows 0 without NaN."""
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(B, S, generator=g, dtype=torch.float64) * 3
    mask = torch.ones(B, S, dtype=torch.bool)
    mask[1, S // 2:] = False
    mask[2, :] = False  # a fully masked row
    got = masked_softmax(scores, mask)
    check_shape_of("masked_softmax", "alpha", got, (B, S), "one weight per score: the shape of scores.")
    g_np = as_numpy(got)
    if not (g_np == g_np).all():
        fail("masked_softmax", "the fully masked row (row 2) contains NaN",
             "softmax of all -inf is 0/0; use a large finite negative number, then multiply by the mask.")
    check_array("masked_softmax", "alpha", got, ref_masked_softmax(scores, mask), tol=1e-8,
                hint="masked positions get weight 0, the rest is a softmax over the unmasked scores only; "
                     "a fully masked row is all zeros.")
    sums = got.sum(-1)
    check_array("masked_softmax", "row sums", sums, torch.tensor([1.0, 1.0, 0.0], dtype=sums.dtype), tol=1e-8)
    big = scores * 1000  # overflow check
    check_array("masked_softmax", "alpha for scores near +-5000", masked_softmax(big, mask),
                ref_masked_softmax(big, mask), tol=1e-8, hint="subtract the row maximum (torch.softmax does).")
    x = scores.clone().requires_grad_(True)
    masked_softmax(x, mask)[:, 0].sum().backward()
    if x.grad is None or not torch.isfinite(x.grad).all():
        fail("masked_softmax", "the gradient contains NaN or is missing",
             "avoid -inf in the forward pass: a fully masked row must give finite gradients.")
    passed("masked_softmax", "matches the reference; rows sum to 1; a fully masked row is 0, no NaN in value or grad")


def _attention_inputs(seed: int, B: int = 3, S: int = 5, Hq: int = 4, Hk: int = 6, A: int = 7):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)  # noqa: E731
    mask = torch.ones(B, S, dtype=torch.bool)
    mask[1, 3:] = False
    return r(B, Hq), r(B, S, Hk), mask, r(Hq, A), r(Hk, A), r(A)


def check_additive_attention(additive_attention: Callable, seed: int = 0) -> None:
    """context and alpha of one additive-attention step vs the reference (with a padded row)."""
    q, keys, mask, W_q, W_k, v_a = _attention_inputs(seed)
    got = additive_attention(q, keys, mask, W_q, W_k, v_a)
    if not isinstance(got, tuple) or len(got) != 2:
        fail("additive_attention", f"must return (context, alpha), got {type(got).__name__}")
    context, alpha = got
    c_ref, a_ref = attend(additive_score(q[:, None], keys, W_q, W_k, v_a), keys, mask)
    check_shape_of("additive_attention", "alpha", alpha, (q.shape[0], keys.shape[1]), "alpha is (B, S).")
    check_array("additive_attention", "alpha", alpha, a_ref[:, 0], tol=1e-8,
                hint="e_s = v_a . tanh(q W_q + k_s W_k); then masked softmax over s. Row 1 has padding at s >= 3.")
    check_array("additive_attention", "alpha row sums", alpha.sum(-1), torch.ones(q.shape[0], dtype=alpha.dtype),
                tol=1e-8)
    check_shape_of("additive_attention", "context", context, (q.shape[0], keys.shape[2]), "context is (B, Hk).")
    check_array("additive_attention", "context", context, c_ref[:, 0], tol=1e-8,
                hint="c = sum_s alpha_s k_s: a batched (B, 1, S) @ (B, S, Hk).")
    passed("additive_attention", "context and alpha match the reference; weights sum to 1")


def check_attentional_output(attentional_output: Callable, seed: int = 0, B: int = 3, H: int = 4, Hk: int = 6) -> None:
    """h_tilde = tanh([c; h] W_c) vs the reference."""
    g = torch.Generator().manual_seed(seed)
    h, c, W_c = (torch.randn(B, H, generator=g, dtype=torch.float64), torch.randn(B, Hk, generator=g,
                 dtype=torch.float64), torch.randn(Hk + H, H, generator=g, dtype=torch.float64))
    got = attentional_output(h, c, W_c)
    want = torch.tanh(torch.cat([c, h], dim=-1) @ W_c)

    def hint(g_, e_):
        if g_.shape == e_.shape and abs(g_).max() <= 1:
            return "the concatenation order is [c_t; h_t] (context first), matching the rows of W_c."
        return "tanh of the concatenation [c_t; h_t] (B, Hk + H) times W_c (Hk + H, H)."

    check_array("attentional_output", "h_tilde", got, want, tol=1e-8, hint=hint)
    passed("attentional_output", f"h_tilde of shape {tuple(want.shape)} matches tanh([c; h] W_c)")


def check_trained_attention(model: Seq2Seq, data: DateDataset, additive_attention: Callable | None = None,
                            bar: float = 0.8, n: int = 500) -> float:
    """Exact match >= ``bar``; attention weights sum to 1 over the real source characters; and, if given,
    the student's ``additive_attention`` reproduces the trained model's weights."""
    em = check_date_accuracy(model, data, bar=bar, n=n)
    model.eval()
    batch = data.encode(data.test[:16])
    with torch.no_grad():
        memory = model.encode(batch.src, batch.src_mask)
        logits, state, alpha = model.step(batch.tgt_in[:, 0], model.init_state(memory), memory)
    if alpha is None:
        fail("trained attention", "the model returns no attention weights", "use an AttentionDecoder.")
    check_array("trained attention", "sum of alpha over the source", alpha.sum(-1), torch.ones(alpha.shape[0]),
                tol=1e-5)
    if bool((alpha * ~batch.src_mask).abs().max() > 0):
        fail("trained attention", "some weight falls on <pad> positions", "pass the source mask to the attention.")
    att = model.decoder.attention
    if additive_attention is not None and att.score == "additive":
        h = (state[0] if isinstance(state, tuple) else state)[-1]
        with torch.no_grad():
            _, a_student = additive_attention(h, memory.outputs, memory.mask, att.W_q, att.W_k, att.v_a)
        check_array("trained attention", "your additive_attention on the trained model's first step", a_student,
                    alpha, tol=1e-4)
    passed("trained attention", f"exact match {em:.1%}; weights sum to 1 and skip <pad>")
    return em
