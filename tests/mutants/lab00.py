"""Lab 00 mutants: the classic softmax / log-sum-exp / one-hot mistakes, and correct variants."""

from mutants.harness import mutant, variant

LAB = "lab00_warmup"

MUTANTS = [
    mutant("softmax without the max shift (overflows)", "softmax",
           "np.exp(z - z.max(axis=-1, keepdims=True))", "np.exp(z)",
           target="test_softmax", hint="NaN or inf"),
    mutant("softmax normalised over columns", "softmax",
           "e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
           "e = np.exp(z - z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)",
           target="test_softmax", hint="columns sum to 1"),
    mutant("softmax shifted by the global maximum", "softmax",
           "z.max(axis=-1, keepdims=True)", "z.max()",
           target="test_softmax", hint="not the global maximum"),
    mutant("softmax without keepdims (breaks 2-D broadcasting)", "softmax",
           "return e / e.sum(axis=-1, keepdims=True)", "return e / e.sum(axis=-1)",
           target="test_softmax", hint="keepdims"),
    mutant("naive log-sum-exp", "logsumexp",
           "return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]",
           "return np.log(np.exp(z).sum(axis=-1))",
           target="test_logsumexp", hint="never overflows"),
    mutant("log-sum-exp over the wrong axis", "logsumexp",
           "m = z.max(axis=-1, keepdims=True)\n    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]",
           "m = z.max(axis=0, keepdims=True)\n    return (m + np.log(np.exp(z - m).sum(axis=0, keepdims=True)))[0]",
           target="test_logsumexp", hint="which dimension is the batch"),
    mutant("one-hot that wraps negative ids", "one_hot",
           "ids.min() < 0 or ", "",
           target="test_one_hot", hint="negative ids index from the end"),
    mutant("one-hot off by one", "one_hot",
           "return np.eye(vocab_size)[ids]", "return np.eye(vocab_size)[ids - 1]",
           target="test_one_hot", hint="row t has a single 1, in column ids[t]"),
    mutant("one-hot transposed", "one_hot",
           "return np.eye(vocab_size)[ids]", "return np.eye(vocab_size)[ids].T",
           target="test_one_hot", hint="print the shapes"),
]

VARIANTS = [
    variant("softmax via exp(z - logsumexp)", "softmax",
            "e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
            "m = z.max(axis=-1, keepdims=True)\n"
            "    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))\n"
            "    return np.exp(z - lse)"),
    variant("log-sum-exp with squeeze and a one-hot by comparison", "logsumexp",
            "return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]",
            "return np.squeeze(m, -1) + np.log(np.sum(np.exp(z - m), axis=-1))",
            also=[("one_hot", "return np.eye(vocab_size)[ids]",
                   "return (ids[:, None] == np.arange(vocab_size)[None, :]).astype(float)")]),
    variant("one-hot by fancy-index assignment", "one_hot",
            "return np.eye(vocab_size)[ids]",
            "out = np.zeros((len(ids), vocab_size))\n    out[np.arange(len(ids)), ids] = 1.0\n    return out"),
]
