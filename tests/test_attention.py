"""Masked softmax and the three attention scores, against explicit loops."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.attention import Attention, additive_score, attend, dot_score, general_score, masked_softmax
from course_lib.errors import ShapeError


def _inputs(B=2, T=3, S=5, Hq=4, Hk=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, T, Hq, generator=g), torch.randn(B, S, Hk, generator=g)


def test_masked_softmax_gives_zero_weight_to_masked_positions_and_rows_sum_to_one():
    scores = torch.randn(3, 6)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 1, 0]], dtype=torch.bool)
    alpha = masked_softmax(scores, mask)
    assert (alpha[~mask] == 0).all()
    torch.testing.assert_close(alpha.sum(-1), torch.ones(3))
    torch.testing.assert_close(alpha[1, :2], torch.softmax(scores[1, :2], -1))


def test_fully_masked_row_is_all_zero_without_nan_in_value_or_gradient():
    scores = torch.randn(2, 4, requires_grad=True)
    mask = torch.tensor([[True, True, False, False], [False] * 4])
    alpha = masked_softmax(scores, mask)
    assert torch.isfinite(alpha).all() and (alpha[1] == 0).all()
    (alpha * torch.randn(2, 4)).sum().backward()
    assert torch.isfinite(scores.grad).all() and (scores.grad[1] == 0).all()


def test_masked_softmax_is_stable_for_huge_scores():
    alpha = masked_softmax(torch.tensor([[1e6, 0.0, -1e6]]), torch.tensor([[True, True, True]]))
    torch.testing.assert_close(alpha, torch.tensor([[1.0, 0.0, 0.0]]))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 7), st.integers(0, 2**16))
def test_property_weights_sum_to_one_on_rows_with_a_real_position(B, T, S, seed):
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(B, T, S, generator=g) * 10
    mask = torch.rand(B, S, generator=g) > 0.4
    alpha = masked_softmax(scores, mask)
    want = mask.any(-1, keepdim=True).expand(B, T).to(alpha.dtype)
    torch.testing.assert_close(alpha.sum(-1), want)
    assert (alpha * ~mask[:, None, :] == 0).all()


def test_the_three_scores_match_explicit_loops():
    q, k = _inputs()
    W_a = torch.randn(4, 4)
    W_q, W_k, v_a = torch.randn(4, 3), torch.randn(4, 3), torch.randn(3)
    dot, gen, add = dot_score(q, k), general_score(q, k, W_a), additive_score(q, k, W_q, W_k, v_a)
    for b in range(2):
        for t in range(3):
            for s in range(5):
                torch.testing.assert_close(dot[b, t, s], q[b, t] @ k[b, s])
                torch.testing.assert_close(gen[b, t, s], q[b, t] @ W_a @ k[b, s])
                torch.testing.assert_close(add[b, t, s], v_a @ torch.tanh(q[b, t] @ W_q + k[b, s] @ W_k))


def test_context_is_the_alpha_weighted_sum_of_the_values():
    q, k = _inputs()
    context, alpha = attend(dot_score(q, k), k)
    torch.testing.assert_close(context[1, 2], sum(alpha[1, 2, s] * k[1, s] for s in range(5)))


@pytest.mark.parametrize("score", ["dot", "general", "additive"])
def test_attention_module_accepts_one_query_per_row_and_ignores_padding(score):
    att = Attention(score, 4, 4)
    q, k = _inputs()
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    c, a = att(q[:, 0], k, mask)
    assert c.shape == (2, 4) and a.shape == (2, 5)
    k2 = k.clone()
    k2[1, 2:] = 99.0  # padding content must not matter
    torch.testing.assert_close(att(q[:, 0], k2, mask)[0], c)


def test_bad_inputs_raise_typed_errors_saying_expected_vs_got():
    att = Attention("general", 4, 6)
    q, k = torch.randn(2, 4), torch.randn(3, 5, 6)
    with pytest.raises(ShapeError, match=r"query must have shape \(3, \*\), got \(2, 4\)"):
        att(q, k)
    with pytest.raises(ShapeError, match="mask must have shape"):
        att(torch.randn(3, 4), k, torch.ones(3, 7, dtype=torch.bool))
    with pytest.raises(ShapeError, match="at least one position"):
        att(torch.randn(3, 4), torch.randn(3, 0, 6))
    with pytest.raises(TypeError, match="bool"):
        masked_softmax(torch.randn(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match="query_size == key_size"):
        Attention("dot", 4, 6)


def test_heat_maps_check_their_shape_and_need_a_model_with_attention():
    import matplotlib

    matplotlib.use("Agg")
    from course_lib.data.dates import date_vocabs
    from course_lib.plotting.attention import (
        attention_examples,
        attention_explorer,
        plot_attention,
        plot_attention_grid,
    )
    from course_lib.seq2seq import Seq2SeqConfig, make_seq2seq

    with pytest.raises(ShapeError, match=r"alpha must have shape \(len\(output\)=2, len\(source\)=3\)"):
        plot_attention(torch.zeros(3, 2), list("abc"), list("xy"))
    src_vocab, tgt_vocab = date_vocabs()
    for seed in range(4):  # untrained models emit any token, <unk> and <pad> included
        torch.manual_seed(seed)
        model = make_seq2seq(len(src_vocab), len(tgt_vocab), Seq2SeqConfig(8, 16, attention="dot"))
        examples = attention_examples(model, ["2026년 11월 23일", "1/2/03"], src_vocab, tgt_vocab, max_len=4)
        for ex in examples:
            assert ex.alpha.shape == (len(ex.output), len(ex.source))
    fig = plot_attention_grid(examples)
    from course_lib.plotting.fonts import hangul_font

    year = "년" if hangul_font() else "nyeon"  # Hangul with a CJK font installed, romanised without one
    assert year in [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert attention_explorer(examples) is not None
    with pytest.raises(ValueError, match="no attention"):
        attention_examples(make_seq2seq(len(src_vocab), len(tgt_vocab)), ["1/2/03"], src_vocab, tgt_vocab)
