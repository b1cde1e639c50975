"""Checks for lab 06 (attention): masked softmax, additive (concat) attention, attentional output, and a
trained attention model judged on dates drawn for this run.

Each check is a *measure* (runs the student's code, returns what came out) and a *judge* (rebuilds
the inputs from the case, computes the reference, compares): see :mod:`course_lib.checks.protocol`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from course_lib.attention import additive_score, attend
from course_lib.attention import masked_softmax as ref_masked_softmax
from course_lib.checks.core import check_array, check_close, fail
from course_lib.checks.lab05 import _fresh_dates, check_shape_of, judge_date_predictions, predict_dates
from course_lib.checks.protocol import register
from course_lib.data.dates import DateDataset, date_vocabs, encode_pairs
from course_lib.seq2seq import Seq2Seq

__all__ = ["check_additive_attention", "check_attentional_output", "check_masked_softmax",
           "check_trained_attention"]


# --- masked softmax ---------------------------------------------------------------------------------

def _softmax_inputs(seed: int, B: int, S: int) -> tuple[torch.Tensor, torch.Tensor, int, int]:
    """scores (B, S) float64, a mask with one partly masked row ``part`` and one fully masked row ``full``."""
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(B, S, generator=g, dtype=torch.float64) * 3
    part, full = torch.randperm(B, generator=g)[:2].tolist()
    mask = torch.rand(B, S, generator=g) > 0.3
    mask[:, 0] = True  # every other row keeps at least one position
    keep = int(torch.randint(1, S, (1,), generator=g))
    mask[part] = torch.arange(S) < keep  # a padded row: the first `keep` positions are real
    mask[full] = False  # a fully masked row
    return scores, mask, part, full


def _measure_masked_softmax(masked_softmax: Callable, *, seed: int, B: int, S: int) -> dict:
    scores, mask, _, _ = _softmax_inputs(seed, B, S)
    x = scores.clone().requires_grad_(True)
    alpha = masked_softmax(x, mask)
    w = torch.linspace(1.0, 2.0, S, dtype=torch.float64)  # a loss that reads every weight
    grad = None
    if isinstance(alpha, torch.Tensor) and alpha.requires_grad:
        (alpha * w).sum().backward()
        grad = x.grad
    with torch.no_grad():
        big = masked_softmax(scores * 1000, mask)
    return {"alpha": alpha, "big": big, "grad": grad}


def _judge_masked_softmax(m: dict, *, seed: int, B: int, S: int) -> str:
    """Values vs the reference, masked positions exactly 0, rows sum to 1, fully-masked rows 0 without NaN,
    large scores and finite gradients."""
    scores, mask, part, full = _softmax_inputs(seed, B, S)
    name = "masked_softmax"
    got = m["alpha"]
    check_shape_of(name, "alpha", got, (B, S), "one weight per score: the shape of scores.")
    if not np.all(np.isfinite(got[full])):
        fail(name, f"the fully masked row (row {full}) contains NaN",
             "softmax of all -inf is 0/0; use a large finite negative number, then multiply by the mask.")
    want = ref_masked_softmax(scores, mask)
    if np.allclose(got[full], 1.0 / S):
        hint = ("the fully masked row got uniform weights 1/S: a finite fill makes it a softmax of equal "
                "scores; multiply by the mask so that it is all zeros.")
    elif np.allclose(got, torch.softmax(scores, -1).numpy()):
        hint = "the mask is ignored: fill the masked scores (where mask is False) before the softmax."
    elif np.allclose(got, (torch.softmax(scores, -1) * mask).numpy()):
        hint = ("multiplying a softmax over all positions by the mask leaves rows that do not sum to 1: "
                "fill the masked scores first, then softmax, then multiply by the mask.")
    else:
        hint = ("masked positions get weight 0, the rest is a softmax over the unmasked scores only; "
                "a fully masked row is all zeros.")
    check_array(name, "alpha", got, want, tol=1e-8, hint=hint)
    sums = np.where(mask.any(-1).numpy(), 1.0, 0.0)
    check_array(name, "row sums", got.sum(-1), sums, tol=1e-8)
    big = scores * 1000
    check_array(name, "alpha for scores near +-5000", m["big"], ref_masked_softmax(big, mask), tol=1e-8,
                hint="subtract the row maximum (torch.softmax does).")
    if m["grad"] is None or not np.all(np.isfinite(m["grad"])):
        fail(name, "the gradient contains NaN or is missing",
             "avoid -inf in the forward pass: a fully masked row must give finite gradients.")
    x = scores.clone().requires_grad_(True)
    (ref_masked_softmax(x, mask) * torch.linspace(1.0, 2.0, S, dtype=torch.float64)).sum().backward()
    check_array(name, "the gradient w.r.t. the scores", m["grad"], x.grad, tol=1e-6,
                hint="use differentiable torch operations only (no .detach() or in-place edits of scores).")
    return "matches the reference; rows sum to 1; a fully masked row is 0, no NaN in value or grad"


check_masked_softmax = register("masked_softmax", _measure_masked_softmax, _judge_masked_softmax, seed=0, B=3, S=6)


# --- additive (concat) attention --------------------------------------------------------------------

def _attention_inputs(seed: int, B: int, S: int, Hq: int, Hk: int, A: int):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)  # noqa: E731
    lengths = torch.randint(1, S + 1, (B,), generator=g)
    lengths[0] = S
    lengths[-1] = min(int(lengths[-1]), S - 1) if S > 1 else 1  # at least one padded row
    mask = torch.arange(S)[None, :] < lengths[:, None]  # (B, S)
    return r(B, Hq), r(B, S, Hk), mask, r(Hq, A), r(Hk, A), r(A)


def _measure_additive(additive_attention: Callable, *, seed: int, B: int, S: int, Hq: int, Hk: int, A: int) -> dict:
    out = additive_attention(*_attention_inputs(seed, B, S, Hq, Hk, A))
    if not isinstance(out, tuple) or len(out) != 2:
        return {"kind": type(out).__name__}
    return {"kind": "pair", "context": out[0], "alpha": out[1]}


def _judge_additive(m: dict, *, seed: int, B: int, S: int, Hq: int, Hk: int, A: int) -> str:
    """context and alpha of one additive-attention step vs the reference (with padded rows)."""
    name = "additive_attention"
    if m["kind"] != "pair":
        fail(name, f"must return (context, alpha), got {m['kind']}")
    q, keys, mask, W_q, W_k, v_a = _attention_inputs(seed, B, S, Hq, Hk, A)
    c_ref, a_ref = attend(additive_score(q[:, None], keys, W_q, W_k, v_a), keys, mask)
    alpha, context = m["alpha"], m["context"]
    check_shape_of(name, "alpha", alpha, (B, S), "alpha is (B, S).")
    padded = [b for b in range(B) if not bool(mask[b].all())]

    def hint(got, expected):
        e = torch.tanh((q @ W_q)[:, None, :] + keys @ W_k) @ v_a  # (B, S)
        if np.allclose(got, torch.softmax(e, -1).numpy()):
            return f"the mask is ignored: rows {padded} have padding; use your masked_softmax."
        no_tanh = ((q @ W_q)[:, None, :] + keys @ W_k) @ v_a  # (B, S)
        if np.allclose(got, ref_masked_softmax(no_tanh, mask).numpy()):
            return "the scores need the tanh: e_s = v_a . tanh(q W_q + k_s W_k)."
        return f"e_s = v_a . tanh(q W_q + k_s W_k); then masked softmax over s. Rows {padded} have padding."

    check_array(name, "alpha", alpha, a_ref[:, 0], tol=1e-8, hint=hint)
    check_array(name, "alpha row sums", alpha.sum(-1), np.ones(B), tol=1e-8)
    check_shape_of(name, "context", context, (B, Hk), "context is (B, Hk).")
    check_array(name, "context", context, c_ref[:, 0], tol=1e-8,
                hint="c = sum_s alpha_s k_s: a batched (B, 1, S) @ (B, S, Hk).")
    return "context and alpha match the reference; weights sum to 1"


check_additive_attention = register("additive_attention", _measure_additive, _judge_additive,
                                    seed=0, B=3, S=5, Hq=4, Hk=6, A=7)


# --- the attentional output -------------------------------------------------------------------------

def _output_inputs(seed: int, B: int, H: int, Hk: int):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(B, H, generator=g, dtype=torch.float64), torch.randn(B, Hk, generator=g, dtype=torch.float64),
            torch.randn(Hk + H, H, generator=g, dtype=torch.float64))


def _measure_output(attentional_output: Callable, *, seed: int, B: int, H: int, Hk: int) -> dict:
    return {"h_tilde": attentional_output(*_output_inputs(seed, B, H, Hk))}


def _judge_output(m: dict, *, seed: int, B: int, H: int, Hk: int) -> str:
    """h_tilde = tanh([c; h] W_c) vs the reference."""
    h, c, W_c = _output_inputs(seed, B, H, Hk)
    want = torch.tanh(torch.cat([c, h], dim=-1) @ W_c)

    def hint(g_, e_):
        if np.allclose(g_, torch.tanh(torch.cat([h, c], dim=-1) @ W_c).numpy()):
            return "the concatenation order is [c_t; h_t] (context first), matching the rows of W_c."
        if np.allclose(g_, (torch.cat([c, h], dim=-1) @ W_c).numpy()):
            return "apply the tanh: h_tilde = tanh([c_t; h_t] W_c)."
        return "tanh of the concatenation [c_t; h_t] (B, Hk + H) times W_c (Hk + H, H)."

    check_array("attentional_output", "h_tilde", m["h_tilde"], want, tol=1e-8, hint=hint)
    return f"h_tilde of shape {tuple(want.shape)} matches tanh([c; h] W_c)"


check_attentional_output = register("attentional_output", _measure_output, _judge_output, seed=0, B=3, H=4, Hk=6)


# --- the trained model ------------------------------------------------------------------------------

def _probe_batch(seed: int, k: int = 16):
    """The first ``k`` dates of this run, encoded (the vocabularies are fixed: :func:`date_vocabs`)."""
    src_vocab, tgt_vocab = date_vocabs()
    return encode_pairs(_fresh_dates(seed, k), src_vocab, tgt_vocab)


def _measure_trained(model: Seq2Seq, data: DateDataset, additive_attention: Callable | None = None, *,
                     bar: float, n: int, seed: int) -> dict:
    preds = predict_dates(model, data, [s for s, _ in _fresh_dates(seed, n)])
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    batch = data.encode(_fresh_dates(seed, 16)).to(device)
    with torch.no_grad():
        memory = model.encode(batch.src, batch.src_mask)
        _, state, alpha = model.step(batch.tgt_in[:, 0], model.init_state(memory), memory)
    model.train(was_training)
    out = {"preds": preds, "alpha": alpha, "student": None}
    att = getattr(model.decoder, "attention", None)
    if additive_attention is not None and alpha is not None and getattr(att, "score", None) == "additive":
        h = (state[0] if isinstance(state, tuple) else state)[-1]  # (B, H): the current decoder state h_t
        weights = {"W_q": att.W_q, "W_k": att.W_k, "v_a": att.v_a}
        with torch.no_grad():
            _, a_student = additive_attention(h, memory.outputs, memory.mask, *weights.values())
        out["student"] = {"alpha": a_student, "h": h, "keys": memory.outputs, **weights}
    return out


def _judge_trained(m: dict, *, bar: float, n: int, seed: int) -> str:
    """Exact match >= ``bar`` on ``n`` dates drawn for this run; the model's attention weights sum to 1 over
    the real source characters; and, if given, your ``additive_attention`` reproduces the trained model's
    weights (which the judge recomputes from the model's parameters)."""
    name = "trained attention"
    em, _ = judge_date_predictions(name, m["preds"], bar=bar, n=n, seed=seed)
    alpha = m["alpha"]
    if alpha is None:
        fail(name, "the model returns no attention weights", "use an AttentionDecoder.")
    mask = _probe_batch(seed).src_mask.numpy()
    check_shape_of(name, "alpha", alpha, mask.shape, "one weight per source position: (B, S).")
    check_array(name, "sum of alpha over the source", alpha.sum(-1), np.ones(mask.shape[0]), tol=1e-5)
    if np.abs(alpha * ~mask).max() > 0:
        fail(name, "some weight falls on <pad> positions", "pass the source mask to the attention.")
    s = m["student"]
    if s is not None:
        keys = torch.as_tensor(s["keys"])
        _, a_ref = attend(additive_score(torch.as_tensor(s["h"])[:, None], keys, *(torch.as_tensor(s[k]) for k in
                                                                                   ("W_q", "W_k", "v_a"))),
                          keys, torch.as_tensor(mask))
        check_close(name, "your additive_attention on the trained model's first step", s["alpha"], a_ref[:, 0],
                    tol=1e-4, hint="e_s = v_a . tanh(q W_q + k_s W_k); then masked softmax over s.")
        check_close(name, "the trained model's weights vs additive attention of its parameters", alpha, a_ref[:, 0],
                    tol=1e-4)
    return f"exact match {em:.1%}; weights sum to 1 and skip <pad>"


check_trained_attention = register("trained_attention", _measure_trained, _judge_trained, bar=0.8, n=500, seed=0)
