"""Exact match, token accuracy and BLEU computed by hand."""

import math

import pytest

from course_lib.metrics import EditOps, bleu, edit_ops, exact_match, ngrams, position_errors, token_accuracy


def test_exact_match_counts_whole_sequences():
    assert exact_match(["2026-11-23", "2026-11-24"], ["2026-11-23", "2026-11-23"]) == 0.5


def test_token_accuracy_counts_positions_and_missing_ones_as_wrong():
    assert token_accuracy(["abcd", "ab"], ["abce", "abcd"]) == pytest.approx(5 / 8)
    assert token_accuracy(["abcdxyz"], ["abcd"]) == 1.0


def test_bleu_of_a_perfect_output_is_one():
    s = "the cat sat on the mat".split()
    assert bleu([s], [s]) == pytest.approx(1.0)


def test_bleu_matches_the_hand_computed_value_without_smoothing():
    # p1 = 3/4, p2 = 2/3, p3 = 1/2; same length so no brevity penalty
    got = bleu([list("abcd")], [list("abce")], max_n=3, smooth=False)
    assert got == pytest.approx((3 / 4 * 2 / 3 * 1 / 2) ** (1 / 3))
    assert bleu([list("abcd")], [list("abce")], max_n=4, smooth=False) == 0.0


def test_bleu_brevity_penalty_punishes_short_outputs():
    got = bleu([list("ab")], [list("abcd")], max_n=1)
    assert got == pytest.approx(math.exp(1 - 4 / 2))


def test_modified_precision_clips_repeated_ngrams():
    assert ngrams("aaa", 2) == {("a", "a"): 2}
    assert bleu([list("aaaa")], [list("abcd")], max_n=1) == pytest.approx(0.25)


def test_metrics_refuse_mismatched_or_empty_lists():
    with pytest.raises(ValueError, match="2 predictions for 1 references"):
        exact_match(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="empty"):
        bleu([], [])


def test_a_skipped_character_is_one_edit_but_shifts_every_later_position():
    ref = "abcdefghij"
    pred = "abdefghij"  # c skipped
    assert position_errors(pred, ref) == 8
    assert edit_ops(pred, ref) == EditOps(substitutions=0, deletions=1, insertions=0)
    assert edit_ops("abccdefghi", ref) == EditOps(0, 1, 1)  # c repeated, j lost at the end
    assert edit_ops(ref, ref).distance == 0 and position_errors(ref, ref) == 0


def test_edit_ops_counts_substitutions_and_agrees_with_the_levenshtein_distance():
    assert edit_ops("abxd", "abcd") == EditOps(1, 0, 0)
    assert edit_ops("", "abc") == EditOps(0, 3, 0)
    assert edit_ops("abc", "") == EditOps(0, 0, 3)
    assert edit_ops("sitting", "kitten").distance == 3  # the textbook example
    assert position_errors("ab", "abcd") == 2  # missing positions count, as in token_accuracy
