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
from typing import NamedTuple

__all__ = ["EditOps", "bleu", "edit_ops", "exact_match", "ngrams", "position_errors", "token_accuracy"]


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


def position_errors(pred: Sequence, ref: Sequence) -> int:
    """Reference positions whose token ``pred`` does not have at the same position (missing ones
    count), the errors that :func:`token_accuracy` counts for one pair."""
    return sum(i >= len(pred) or pred[i] != r for i, r in enumerate(ref))


class EditOps(NamedTuple):
    """A cheapest way to turn a reference into a prediction: ``substitutions`` (a wrong token),
    ``deletions`` (a reference token the prediction skips) and ``insertions`` (an extra token in
    the prediction, e.g. a repeated one). ``distance`` is their sum, the Levenshtein distance."""

    substitutions: int
    deletions: int
    insertions: int

    @property
    def distance(self) -> int:
        return self.substitutions + self.deletions + self.insertions


def edit_ops(pred: Sequence, ref: Sequence) -> EditOps:
    r"""The Levenshtein distance between ``ref`` and ``pred``, split by kind of operation.

    Dynamic programming over :math:`D[i][j]` = cost of turning ``ref[:i]`` into ``pred[:j]``,
    then one backtrace; among equally cheap alignments, substitutions are preferred, then deletions.
    A prediction that skips one character of a long copy has ``distance`` 1 but up to ``len(ref)``
    :func:`position_errors`: every token after the skip is shifted.
    """
    n, m = len(ref), len(pred)
    D = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        D[i][0] = i
    for j in range(m + 1):
        D[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            D[i][j] = min(D[i - 1][j - 1] + (ref[i - 1] != pred[j - 1]), D[i - 1][j] + 1, D[i][j - 1] + 1)
    sub = dele = ins = 0
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and D[i][j] == D[i - 1][j - 1] + (ref[i - 1] != pred[j - 1]):
            sub += ref[i - 1] != pred[j - 1]
            i, j = i - 1, j - 1
        elif i > 0 and D[i][j] == D[i - 1][j] + 1:
            dele += 1
            i -= 1
        else:
            ins += 1
            j -= 1
    return EditOps(sub, dele, ins)
