"""Lab 06 mutants: masked softmax with -inf (NaN), without the mask, or without zeroing a fully masked row;
additive attention without the mask or the tanh; the attentional output with the wrong order or no tanh."""

from mutants.harness import mutant, variant

LAB = "lab06_attention"

MUTANTS = [
    mutant("masked softmax filling -inf (a fully masked row gives NaN)", "masked_softmax",
           "torch.finfo(scores.dtype).min", "float(\"-inf\")",
           target="test_masked_softmax", hint="softmax of all -inf is 0/0"),
    mutant("masked softmax not multiplied by the mask (fully masked row uniform)", "masked_softmax",
           "return torch.softmax(x, dim=-1) * mask", "return torch.softmax(x, dim=-1)",
           target="test_masked_softmax", hint="uniform weights 1/S"),
    mutant("masked softmax ignoring the mask", "masked_softmax",
           "return torch.softmax(x, dim=-1) * mask", "return torch.softmax(scores, dim=-1)",
           target="test_masked_softmax", hint="the mask is ignored"),
    mutant("masked softmax that masks after normalising", "masked_softmax",
           "return torch.softmax(x, dim=-1) * mask", "return torch.softmax(scores, dim=-1) * mask",
           target="test_masked_softmax", hint="do not sum to 1"),
    mutant("additive attention without the mask", "additive_attention",
           "alpha = masked_softmax(scores, mask)", "alpha = torch.softmax(scores, dim=-1)",
           target="test_additive_attention", hint="the mask is ignored"),
    mutant("additive attention without the tanh", "additive_attention",
           "scores = torch.tanh(q + k) @ v_a", "scores = (q + k) @ v_a",
           target="test_additive_attention", hint="need the tanh"),
    mutant("attentional output concatenating [h; c]", "attentional_output",
           "torch.cat([context, h], dim=-1)", "torch.cat([h, context], dim=-1)",
           target="test_attentional_output", hint="context first"),
    mutant("attentional output without the tanh", "attentional_output",
           "return torch.tanh(torch.cat([context, h], dim=-1) @ W_c)", "return torch.cat([context, h], dim=-1) @ W_c",
           target="test_attentional_output", hint="apply the tanh"),
]

VARIANTS = [
    variant("masked softmax with a -1e9 fill", "masked_softmax",
            "torch.finfo(scores.dtype).min", "-1e9"),
    variant("additive attention with einsum and bmm", "additive_attention",
            "    scores = torch.tanh(q + k) @ v_a  # (B, S)\n",
            "    scores = torch.einsum(\"bsa,a->bs\", torch.tanh(q + k), v_a)  # (B, S)\n",
            also=[("additive_attention", "context = (alpha[:, None, :] @ keys)[:, 0]  # (B, Hk)",
                   "context = torch.bmm(alpha.unsqueeze(1), keys).squeeze(1)  # (B, Hk)")]),
    variant("attentional output with W_c split into its two blocks", "attentional_output",
            "return torch.tanh(torch.cat([context, h], dim=-1) @ W_c)  # (B, H)",
            "Hk = context.shape[-1]\n    return torch.tanh(context @ W_c[:Hk] + h @ W_c[Hk:])  # (B, H)"),
]
