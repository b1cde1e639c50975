"""The scratch attention equals PyTorch's, masks hide what they should, positions and blocks behave."""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from course_lib.errors import ShapeError
from course_lib.transformer import (
    DecoderBlock,
    LearnedPositionalEncoding,
    MultiHeadAttention,
    Seq2SeqTransformer,
    Seq2SeqTransformerConfig,
    SinusoidalPositionalEncoding,
    TransformerBlock,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)

B, T, D, H = 3, 7, 16, 4


def _qkv(seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, H, T, D // H, generator=g, dtype=dtype)
    k = torch.randn(B, H, T + 2, D // H, generator=g, dtype=dtype)
    v = torch.randn(B, H, T + 2, 5, generator=g, dtype=dtype)
    return q, k, v


def test_scaled_dot_product_matches_torch_sdpa_without_mask():
    q, k, v = _qkv()
    out, alpha = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))
    torch.testing.assert_close(alpha.sum(-1), torch.ones(B, H, T, dtype=torch.float64))


def test_scaled_dot_product_matches_torch_sdpa_with_boolean_mask():
    q, k, v = _qkv(1)
    mask = torch.rand(T, T + 2, generator=torch.Generator().manual_seed(3)) > 0.3
    mask[:, 0] = True  # every query keeps at least one key
    out, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


def test_scaled_dot_product_causal_matches_torch_sdpa_is_causal():
    q, _, _ = _qkv(2)
    k, v = q.clone(), q.flip(-1).clone()
    out, alpha = scaled_dot_product_attention(q, k, v, causal=True)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert torch.all(alpha.triu(1) == 0)


def test_causal_mask_aligns_queries_at_the_end_for_a_kv_cache():
    m = causal_mask(2, 5)
    assert m.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]
    assert torch.equal(causal_mask(4), torch.ones(4, 4, dtype=torch.bool).tril())


def test_key_padding_mask_gives_padded_keys_zero_weight():
    q, k, v = _qkv(3)
    pad = torch.zeros(B, T + 2, dtype=torch.bool)
    pad[0, -3:] = True
    _, alpha = scaled_dot_product_attention(q, k, v, key_padding_mask=pad)
    assert torch.all(alpha[0, :, :, -3:] == 0)
    assert torch.all(alpha[1:, :, :, -3:] > 0)


def test_scaled_dot_product_rejects_mismatched_key_size():
    q, k, v = _qkv()
    with pytest.raises(ShapeError, match="k must have shape"):
        scaled_dot_product_attention(q, k[..., :-1], v)
    with pytest.raises(TypeError, match="boolean"):
        scaled_dot_product_attention(q, k, v, mask=torch.ones(T, T + 2))


def _mha_pair(seed=0, bias=True):
    torch.manual_seed(seed)
    ref = nn.MultiheadAttention(D, H, batch_first=True, bias=bias).double().eval()
    mine = MultiHeadAttention(D, H, bias=bias).double().eval().load_from_torch(ref)
    return mine, ref


@pytest.mark.parametrize("bias", [True, False])
def test_scratch_multihead_matches_torch_multihead_self_attention(bias):
    mine, ref = _mha_pair(bias=bias)
    x = torch.randn(B, T, D, dtype=torch.float64)
    out, w = mine(x, need_weights=True)
    ref_out, ref_w = ref(x, x, x, need_weights=True, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(w, ref_w)


def test_scratch_multihead_matches_torch_with_key_padding_mask_cross_attention():
    mine, ref = _mha_pair(1)
    x_q = torch.randn(B, T, D, dtype=torch.float64)
    x_kv = torch.randn(B, T + 3, D, dtype=torch.float64)
    pad = torch.zeros(B, T + 3, dtype=torch.bool)
    pad[1, -4:] = True
    pad[2, -1:] = True
    out, _ = mine(x_q, x_kv, key_padding_mask=pad)
    ref_out, _ = ref(x_q, x_kv, x_kv, key_padding_mask=pad)
    torch.testing.assert_close(out, ref_out)


def test_scratch_multihead_causal_matches_torch_attn_mask():
    mine, ref = _mha_pair(2)
    x = torch.randn(B, T, D, dtype=torch.float64)
    pad = torch.zeros(B, T, dtype=torch.bool)
    pad[0, -2:] = True
    out, _ = mine(x, key_padding_mask=pad, causal=True)
    blocked = nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64) != 0  # True = blocked
    ref_out, _ = ref(x, x, x, attn_mask=blocked, key_padding_mask=pad)
    torch.testing.assert_close(out, ref_out)


def test_multihead_rejects_n_heads_that_do_not_divide_d_model():
    with pytest.raises(ValueError, match="n_heads must divide"):
        MultiHeadAttention(10, 3)


def test_causal_self_attention_ignores_a_perturbed_future_token():
    torch.manual_seed(0)
    block = TransformerBlock(D, H).double().eval()
    x = torch.randn(1, T, D, dtype=torch.float64)
    x2 = x.clone()
    x2[0, 4] += 3.0 * torch.randn(D, dtype=torch.float64)
    y, y2 = block(x, causal=True), block(x2, causal=True)
    torch.testing.assert_close(y[0, :4], y2[0, :4])
    assert not torch.allclose(y[0, 4:], y2[0, 4:])
    # without the mask, the change leaks backwards
    assert (block(x)[0, :4] - block(x2)[0, :4]).abs().max() > 1e-6


def test_kv_cache_gives_the_same_outputs_as_full_causal_attention():
    torch.manual_seed(0)
    mha = MultiHeadAttention(D, H).double().eval()
    x = torch.randn(B, T, D, dtype=torch.float64)
    full, _ = mha(x, causal=True)
    cache: dict = {}
    steps = [mha(x[:, :3], causal=True, cache=cache)[0]]
    steps += [mha(x[:, t:t + 1], causal=True, cache=cache)[0] for t in range(3, T)]
    torch.testing.assert_close(torch.cat(steps, dim=1), full)
    assert cache["k"].shape == (B, H, T, D // H)


def test_dot_product_variance_grows_like_d_k_and_scaling_fixes_it():
    g = torch.Generator().manual_seed(0)
    for d_k in (4, 64, 512):
        q, k = torch.randn(20000, d_k, generator=g), torch.randn(20000, d_k, generator=g)
        dots = (q * k).sum(-1)
        assert abs(dots.var().item() / d_k - 1) < 0.1
        assert abs((dots / math.sqrt(d_k)).var().item() - 1) < 0.1


def test_sinusoidal_encoding_has_sin_cos_columns_and_unit_pairs():
    pe = sinusoidal_positional_encoding(50, 16)
    assert pe.shape == (50, 16)
    torch.testing.assert_close(pe[:, 0], torch.sin(torch.arange(50.0)))
    torch.testing.assert_close(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, torch.ones(50, 8))
    with pytest.raises(ValueError):
        sinusoidal_positional_encoding(5, 7)


def test_positional_encodings_add_to_the_input_and_check_length():
    x = torch.zeros(2, 5, 8)
    torch.testing.assert_close(SinusoidalPositionalEncoding(8, 10)(x)[0], sinusoidal_positional_encoding(10, 8)[:5])
    learned = LearnedPositionalEncoding(8, 10)
    torch.testing.assert_close(learned(x, offset=2)[1], learned.P.weight[2:7])
    with pytest.raises(ValueError, match="max_len"):
        learned(x, offset=6)


def test_post_ln_block_output_is_normalised_and_pre_ln_is_not():
    torch.manual_seed(0)
    x = 5 * torch.randn(2, T, D)
    post = TransformerBlock(D, H, norm_first=False)(x)
    pre = TransformerBlock(D, H, norm_first=True)(x)
    torch.testing.assert_close(post.mean(-1), torch.zeros(2, T), atol=1e-5, rtol=0)
    assert pre.std(-1).mean() > 2  # the residual stream keeps the input's scale


def test_decoder_block_is_causal_in_the_target_and_sees_all_of_the_source():
    torch.manual_seed(0)
    block = DecoderBlock(D, H).eval()
    y, mem = torch.randn(1, 5, D), torch.randn(1, 6, D)
    out, w = block(y, mem, need_weights=True)
    assert w.shape == (1, H, 5, 6) and torch.all(w > 0)
    y2 = y.clone()
    y2[0, 3] += 5
    torch.testing.assert_close(block(y2, mem)[0][0, :3], out[0, :3])


def test_seq2seq_transformer_masks_source_padding():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(Seq2SeqTransformerConfig(src_vocab_size=12, tgt_vocab_size=9, d_model=16,
                                                        n_heads=2, d_ff=32)).eval()
    src = torch.tensor([[4, 5, 6, 0, 0]])
    src_more_pad = torch.tensor([[4, 5, 6, 0, 0, 0, 0]])
    tgt = torch.tensor([[1, 3, 4]])
    torch.testing.assert_close(model(src, src != 0, tgt), model(src_more_pad, src_more_pad != 0, tgt))
    _, alpha = model(src, src != 0, tgt, return_attention=True)
    assert alpha.shape == (1, 3, 5) and torch.all(alpha[..., 3:] == 0)


def test_plotting_measures_variance_near_d_k_and_draws_figures():
    import matplotlib

    matplotlib.use("Agg")
    from course_lib.plotting.transformer import (
        dot_product_variance,
        plot_attention_heads,
        plot_dot_product_variance,
        plot_positional_encoding,
    )

    stats = dot_product_variance([8, 128], n=8192)
    assert abs(stats["var"][1] / 128 - 1) < 0.1 and abs(stats["var_scaled"][1] - 1) < 0.1
    assert stats["max_alpha"][1] > stats["max_alpha_scaled"][1]
    assert len(plot_dot_product_variance(stats).axes) == 2
    assert len(plot_positional_encoding(20, 8, dims=(0, 1)).axes) == 3  # image, colour bar, lines
    w = torch.softmax(torch.randn(2, 4, 4), -1)
    assert len(plot_attention_heads(w, list("abcd")).axes) == 2


@pytest.mark.parametrize("case", ["plain", "causal", "padding", "causal_padding", "kv_cache"])
def test_fast_multihead_attention_equals_the_readable_one(case):
    from course_lib.transformer import MultiHeadAttention

    torch.manual_seed(0)
    readable = MultiHeadAttention(16, 4).double()
    fast = MultiHeadAttention(16, 4, fast=True).double()
    fast.load_state_dict(readable.state_dict())
    x = torch.randn(3, 7, 16, dtype=torch.float64)  # (B, T, D)
    pad = torch.zeros(3, 7, dtype=torch.bool)
    pad[1, 5:] = True  # the second sequence has two padded keys
    kw = {"plain": {}, "causal": {"causal": True}, "padding": {"key_padding_mask": pad},
          "causal_padding": {"causal": True, "key_padding_mask": pad}}.get(case)
    if case == "kv_cache":  # the last query against all seven cached keys
        c_r, c_f = {}, {}
        readable(x[:, :6], causal=True, cache=c_r), fast(x[:, :6], causal=True, cache=c_f)
        out_r, _ = readable(x[:, 6:], causal=True, cache=c_r)
        out_f, _ = fast(x[:, 6:], causal=True, cache=c_f)
    else:
        out_r, _ = readable(x, **kw)
        out_f, _ = fast(x, **kw)
    torch.testing.assert_close(out_f, out_r)


def test_gpt_with_fast_attention_gives_the_readable_gpts_logits_and_gradients():
    from course_lib.transformer import GPT, GPTConfig

    torch.manual_seed(0)
    cfg = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
    readable = GPT(GPTConfig(**cfg)).double()
    fast = GPT(GPTConfig(**cfg, fast_attention=True)).double()
    fast.load_state_dict(readable.state_dict())
    idx = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(1))
    out_r, out_f = readable(idx), fast(idx)
    torch.testing.assert_close(out_f, out_r)
    out_r.square().mean().backward()
    out_f.square().mean().backward()
    torch.testing.assert_close(fast.blocks[0].attn.W_q.weight.grad, readable.blocks[0].attn.W_q.weight.grad)
