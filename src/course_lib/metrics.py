r"""Sequence metrics: exact match, token accuracy and BLEU (Papineni et al. 2002), from scratch.

Sequences are strings (compared character by character) or lists of tokens.

BLEU: with modified n-gram precisions :math:`p_n` (clipped counts over the corpus) and brevity
penalty :math:`\mathrm{BP} = \min(1, e^{1 - r/c})` for total reference length :math:`r` and
candidate length :math:`c`,

.. math:: \mathrm{BLEU} = \mathrm{BP} \cdot \exp\Big(\sum_{n=1}^{N} \tfrac1N \log p_n\Big).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

__all__ = ["bleu", "exact_match", "ngrams", "token_accuracy"]


def _check_pairs(preds: Sequence, refs: Sequence) -> None:
    if len(preds) != len(refs):
        raise ValueError(f"got {len(preds)} predictions for {len(refs)} references")
    if len(refs) == 0:
        raise ValueError("no sequences to score (empty lists)")


def exact_match(preds: Sequence[Sequence], refs: Sequence[Sequence]) -> float:
    """Fraction of predictions equal to their reference, in [0, 1].

    Raises:
        ValueError: if the lists are empty or of different lengths.
    """
    _check_pairs(preds, refs)
    return sum(list(p) == list(r) for p, r in zip(preds, refs, strict=True)) / len(refs)


def token_accuracy(preds: Sequence[Sequence], refs: Sequence[Sequence]) -> float:
    """Fraction of reference positions whose token the prediction has at the same position
    (a missing position counts as wrong; extra predicted tokens are ignored)."""
    _check_pairs(preds, refs)
    total = sum(len(r) for r in refs)
    if total == 0:
        raise ValueError("the references have no tokens")
    hits = sum(sum(a == b for a, b in zip(p, r, strict=False)) for p, r in zip(preds, refs, strict=True))
    return hits / total


def ngrams(seq: Sequence, n: int) -> Counter:
    """Counts of the n-grams (as tuples) of ``seq``."""
    return Counter(tuple(seq[i:i + n]) for i in range(len(seq) - n + 1))


def bleu(preds: Sequence[Sequence], refs: Sequence[Sequence], max_n: int = 4, smooth: bool = True) -> float:
    """Corpus BLEU in [0, 1] with one reference per prediction.

    Args:
        smooth: add 1 to the numerator and denominator of :math:`p_n` for n > 1 (Lin & Och's
            smoothing), so short outputs without a 4-gram match do not score exactly 0.

    Raises:
        ValueError: if the lists are empty or of different lengths.
    """
    _check_pairs(preds, refs)
    log_p = 0.0
    for n in range(1, max_n + 1):
        match = total = 0
        for p, r in zip(preds, refs, strict=True):
            cand, ref = ngrams(list(p), n), ngrams(list(r), n)
            match += sum(min(c, ref[g]) for g, c in cand.items())
            total += max(0, len(p) - n + 1)
        if smooth and n > 1:
            match, total = match + 1, total + 1
        if match == 0 or total == 0:
            return 0.0
        log_p += math.log(match / total) / max_n
    c = sum(len(p) for p in preds)
    r = sum(len(x) for x in refs)
    bp = 1.0 if c > r else math.exp(1 - r / max(c, 1))
    return bp * math.exp(log_p)
