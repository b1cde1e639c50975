"""Lab 07 mutants: attention without (or with the wrong) scale, over the queries, with the mask inverted; causal
masks without the diagonal or transposed; multi-head attention with one head or no causal mask; a post-LN,
non-causal or swapped-norm block."""

from mutants.harness import mutant, variant

LAB = "lab07_transformer"

_BLOCK = "x = x + self.attn(self.ln_1(x), causal=True)\n        x = x + self.mlp(self.ln_2(x))"
_MASK = "mask = causal_mask(T).to(x.device) if causal else None"

MUTANTS = [
    mutant("attention without the 1/sqrt(d_k) scale", "sdpa",
           "scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)", "scores = q @ k.transpose(-2, -1)",
           target="test_sdpa", hint="sqrt(d_k)"),
    mutant("attention scaled by 1/d_k", "sdpa",
           "/ math.sqrt(d_k)", "/ d_k", target="test_sdpa", hint="not by d_k"),
    mutant("attention softmax over the queries", "sdpa",
           "alpha = torch.softmax(scores, dim=-1)", "alpha = torch.softmax(scores, dim=-2)",
           target="test_sdpa", hint="LAST axis"),
    mutant("attention with the mask inverted", "sdpa",
           "scores.masked_fill(~mask, float(\"-inf\"))", "scores.masked_fill(mask, float(\"-inf\"))",
           target="test_sdpa", hint="True means 'may attend'"),
    mutant("causal mask without the diagonal", "causal_mask",
           ".tril()", ".tril(-1)", target="test_causal_mask", hint="keep the diagonal"),
    mutant("causal mask as the upper triangle", "causal_mask",
           ".tril()", ".triu()", target="test_causal_mask", hint="upper triangle"),
    mutant("multi-head attention whose own mask drops the diagonal (NaN rows)", "mha",
           _MASK, "mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril(-1) if causal else None",
           target="test_mha", hint="keep the diagonal"),
    mutant("multi-head attention with a single head", "mha",
           "return z.view(B, T, self.n_heads, self.d_k).transpose(1, 2)", "return z.view(B, T, 1, D).transpose(1, 2)",
           target="test_mha", hint="single-head"),
    mutant("multi-head attention ignoring causal", "mha",
           _MASK, "mask = None", target="test_mha", hint="causal=True"),
    mutant("post-LN block", "block",
           _BLOCK, "x = self.ln_1(x + self.attn(x, causal=True))\n        x = self.ln_2(x + self.mlp(x))",
           target="test_tiny_gpt", hint="post-LN"),
    mutant("non-causal block", "block",
           "self.attn(self.ln_1(x), causal=True)", "self.attn(self.ln_1(x))",
           target="test_tiny_gpt", hint="must be causal"),
    mutant("block with its layer norms swapped", "block",
           _BLOCK, "x = x + self.attn(self.ln_2(x), causal=True)\n        x = x + self.mlp(self.ln_1(x))",
           target="test_tiny_gpt", hint="ln_1 goes before the attention"),
    mutant("block without the MLP's residual connection", "block",
           "x = x + self.mlp(self.ln_2(x))", "x = self.mlp(self.ln_2(x))",
           target="test_tiny_gpt", hint="both residual"),
]

VARIANTS = [
    variant("attention through F.scaled_dot_product_attention and a finfo.min fill", "sdpa",
            "    out = alpha @ v  # (..., T_q, d_v)\n",
            "    out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (..., T_q, d_v)\n",
            also=[("sdpa", "float(\"-inf\")", "torch.finfo(scores.dtype).min")]),
    variant("causal mask by comparing indices", "causal_mask",
            "return torch.ones(T, T, dtype=torch.bool).tril()",
            "i = torch.arange(T)\n    return i[:, None] >= i[None, :]"),
    variant("multi-head attention with einsum and reshape", "mha",
            "heads, _ = scaled_dot_product_attention(Q, K, V, mask=mask)  # (B, h, T, d_k)",
            "scores = torch.einsum(\"bhqd,bhkd->bhqk\", Q, K) / math.sqrt(self.d_k)\n"
            "        if mask is not None:\n            scores = scores.masked_fill(~mask, float(\"-inf\"))\n"
            "        heads = torch.einsum(\"bhqk,bhkd->bhqd\", scores.softmax(-1), V)  # (B, h, T, d_k)"),
]
