"""The lab 07 checks pass right answers and explain the usual wrong ones."""

import math

import pytest
import torch
from torch import nn

from course_lib.checks import CheckFailed
from course_lib.checks.lab07 import (
    check_causal_mask,
    check_multi_head_attention,
    check_no_future_attention,
    check_scaled_dot_product_attention,
    check_tiny_gpt_beats_bigram,
    check_transformer_block,
)
from course_lib.transformer import MultiHeadAttention, TransformerBlock, scaled_dot_product_attention


def sdpa(q, k, v, mask=None):
    return scaled_dot_product_attention(q, k, v, mask=mask)


def unscaled(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    alpha = torch.softmax(scores, -1)
    return alpha @ v, alpha


def softmax_over_queries(q, k, v, mask=None):
    alpha = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), -2)
    return alpha @ v, alpha


def mask_ignored(q, k, v, mask=None):
    return scaled_dot_product_attention(q, k, v)


class Reference(nn.Module):
    """course_lib's multi-head attention under the lab's interface."""

    def __init__(self, d_model, n_heads, causal_ok=True):
        super().__init__()
        self.mha = MultiHeadAttention(d_model, n_heads)
        self.W_q, self.W_k, self.W_v, self.W_o = self.mha.W_q, self.mha.W_k, self.mha.W_v, self.mha.W_o
        self.causal_ok = causal_ok

    def forward(self, x, causal=False):
        return self.mha(x, causal=causal and self.causal_ok)[0]


class NeverCausal(Reference):
    def __init__(self, d_model, n_heads):
        super().__init__(d_model, n_heads, causal_ok=False)


class SingleHead(Reference):
    def forward(self, x, causal=False):
        Q, K, V = self.W_q(x), self.W_k(x), self.W_v(x)
        out, _ = scaled_dot_product_attention(Q, K, V, causal=causal)
        return self.W_o(out)


class GoodBlock(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.block = TransformerBlock(d_model, n_heads)

    def forward(self, x):
        return self.block(x, causal=True)


class NonCausalBlock(GoodBlock):
    def forward(self, x):
        return self.block(x, causal=False)


class DeadBlock(GoodBlock):
    def forward(self, x):  # throws the residual stream away: the model can only learn unigram frequencies
        return 0.0 * self.block(x, causal=True)


def test_checks_pass_the_reference_implementations(capsys):
    check_scaled_dot_product_attention(sdpa)
    check_causal_mask(lambda T: torch.ones(T, T, dtype=torch.bool).tril())
    check_multi_head_attention(Reference)
    check_no_future_attention(Reference)
    assert capsys.readouterr().out.count("✓") == 4


@pytest.mark.parametrize("wrong,match", [(unscaled, "sqrt\\(d_k\\)"), (softmax_over_queries, "LAST axis|over the keys"),
                                         (mask_ignored, "-inf")])
def test_wrong_attention_fails_with_a_hint(wrong, match):
    with pytest.raises(CheckFailed, match=match):
        check_scaled_dot_product_attention(wrong)


@pytest.mark.parametrize("wrong,match", [
    (lambda T: torch.ones(T, T, dtype=torch.bool).triu(), "upper triangle"),
    (lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1), "attend to itself"),
    (lambda T: torch.ones(T, T).tril(), "boolean"),
])
def test_wrong_causal_mask_is_explained(wrong, match):
    with pytest.raises(CheckFailed, match=match):
        check_causal_mask(wrong)


def test_single_head_attention_is_told_to_split_heads():
    with pytest.raises(CheckFailed, match="single-head"):
        check_multi_head_attention(SingleHead)


def test_attention_that_ignores_causal_fails_parity_and_the_future_check():
    with pytest.raises(CheckFailed, match="causal=True"):
        check_multi_head_attention(NeverCausal)
    with pytest.raises(CheckFailed, match="earlier positions"):
        check_no_future_attention(NeverCausal)


def test_tiny_gpt_check_passes_a_causal_block_and_fails_a_non_causal_one(capsys):
    assert check_tiny_gpt_beats_bigram(GoodBlock, steps=300) is None
    assert "✓ tiny_gpt_beats_bigram" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not causal"):  # it would read the next character and cheat
        check_tiny_gpt_beats_bigram(NonCausalBlock, steps=10)


def test_tiny_gpt_check_fails_a_block_that_cannot_beat_bigrams():
    with pytest.raises(CheckFailed, match="does not beat the bigram"):
        check_tiny_gpt_beats_bigram(DeadBlock, steps=60)


class LabBlock(nn.Module):
    """The lab's Block layout (ln_1, attn, ln_2, mlp as nn.Sequential) in pre-LN form."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(d_model), Reference(d_model, n_heads), nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x), causal=True)
        return x + self.mlp(self.ln_2(x))


class PostLNBlock(LabBlock):
    def forward(self, x):
        x = self.ln_1(x + self.attn(x, causal=True))
        return self.ln_2(x + self.mlp(x))


def test_block_check_accepts_pre_ln_and_names_a_post_ln_block(capsys):
    check_transformer_block(LabBlock)
    check_transformer_block(LabBlock, seed=4, sizes=(1, 5, 12, 3))
    assert capsys.readouterr().out.count("✓") == 2
    with pytest.raises(CheckFailed, match="(?s)post-LN.*pre-LN"):
        check_transformer_block(PostLNBlock, seed=4, sizes=(1, 5, 12, 3))


class NoDiagonal(Reference):
    """Masks the diagonal too: query 0 may attend no key, so its softmax is 0/0 = NaN."""

    def forward(self, x, causal=False):
        T = x.shape[1]
        mask = torch.ones(T, T, dtype=torch.bool).tril(-1) if causal else None
        Q, K, V = (self.mha.split_heads(w(x)) for w in (self.W_q, self.W_k, self.W_v))
        out, _ = scaled_dot_product_attention(Q, K, V, mask=mask)
        return self.W_o(out.transpose(1, 2).reshape(x.shape))


def test_a_mask_without_its_diagonal_is_blamed_on_the_diagonal_not_on_an_overflow():
    with pytest.raises(CheckFailed, match="(?s)NaN.*keep the diagonal"):
        check_multi_head_attention(NoDiagonal)
    with pytest.raises(CheckFailed, match="(?s)NaN.*keep the diagonal"):  # used to print a check mark
        check_no_future_attention(NoDiagonal)


def test_lab07_checks_do_not_depend_on_the_books_experiment_code():
    import ast
    import inspect

    import course_lib.checks.lab07 as lab07

    imported = {n.module for n in ast.walk(ast.parse(inspect.getsource(lab07))) if isinstance(n, ast.ImportFrom)}
    assert imported and not any(m.startswith("course_lib.experiments") for m in imported), imported
