"""The lab 00 checks pass a right answer and explain a wrong one."""

import numpy as np
import pytest

from course_lib.checks import CheckFailed, check_logsumexp, check_one_hot, check_softmax
from course_lib.functional import logsumexp, one_hot, softmax


def test_checks_pass_the_reference_implementations(capsys):
    check_softmax(softmax)
    check_logsumexp(logsumexp)
    check_one_hot(one_hot)
    assert capsys.readouterr().out.count("✓") == 3


def test_unstable_softmax_fails_on_large_logits_with_a_hint():
    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(CheckFailed, match="NaN or inf"):
        check_softmax(naive)


def test_softmax_normalised_over_columns_is_told_so():
    def by_columns(z):
        z = np.asarray(z, dtype=float)
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    with pytest.raises(CheckFailed, match="columns sum to 1"):
        check_softmax(by_columns)


def test_naive_logsumexp_fails_at_large_values():
    def naive(z):
        return np.log(np.exp(z).sum(axis=-1))

    with np.errstate(over="ignore", divide="ignore"), pytest.raises(CheckFailed):
        check_logsumexp(naive)


def test_one_hot_that_wraps_negative_ids_is_refused():
    with pytest.raises(CheckFailed, match="the id -1 was accepted"):
        check_one_hot(lambda ids, V: np.eye(V)[ids])


def test_wrong_shape_is_reported_as_expected_vs_got():
    with pytest.raises(CheckFailed, match=r"has shape \(6, 4\), expected \(4, 6\)"):
        check_softmax(lambda z: softmax(z).T)


def test_softmax_shifted_by_the_global_maximum_is_told_so():
    def global_max(z):
        z = np.asarray(z, dtype=float)
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(invalid="ignore"), pytest.raises(CheckFailed, match="not the global maximum"):
        check_softmax(global_max)


def test_an_error_in_the_students_function_is_a_check_failure_with_a_hint():
    def no_keepdims(z):
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
        return e / e.sum(axis=-1)

    with pytest.raises(CheckFailed, match=r"raised ValueError.*\n  Hint: .*keepdims=True"):
        check_softmax(no_keepdims)

    def crashes(ids, V):
        raise TypeError("oops")

    with pytest.raises(CheckFailed, match="raised TypeError: oops"):
        check_one_hot(crashes)
