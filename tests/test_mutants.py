"""Every lab's mutant catalogue (tests/mutants/labNN.py): each plausible mistake fails the right
graded cell with the hint meant for it, in the student's notebook (public calls), with the hidden
calls alone, and in the autograder; the honest solution and the correct variants get full marks.

One autograder call per lab (a module-scoped fixture) grades every mutant and variant at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutants.harness import catalogue_keys, evaluate, load_catalogue  # noqa: E402

KEYS = catalogue_keys()
_REPORTS: dict = {}


@pytest.fixture(scope="module")
def report():
    def get(key: str):
        if key not in _REPORTS:
            _REPORTS[key] = evaluate(load_catalogue(key), jobs=2)
            rep = _REPORTS[key]
            _, caught, total, ok, n_var = rep.table_row()
            print(f"\n[mutants] {key}: {caught}/{total} mutants caught, {ok}/{n_var} variants accepted, "
                  f"{rep.seconds:.1f} s")
        return _REPORTS[key]

    return get


def _describe(m) -> str:
    return (f"{m.mutant.name} (target {m.mutant.target}, hint {m.mutant.hint!r}):\n"
            f"  public: {m.public!r}\n  earlier failures: {m.earlier_failures}\n"
            f"  hidden: {m.hidden!r}\n  grader: {m.grader!r}")


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_catalogue_is_large_enough(key):
    cat = load_catalogue(key)
    assert len(cat.mutants) >= 5 and len(cat.variants) >= 2
    assert len({m.name for m in cat.mutants}) == len(cat.mutants)


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_every_mutant_fails_its_cell_with_its_hint(key, report):
    rep = report(key)
    survivors = [_describe(m) for m in rep.mutants if not m.caught]
    assert not survivors, "\n".join(survivors)
    assert all(m.hidden is not None for m in rep.mutants), "every target cell needs hidden calls"


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_honest_solution_and_variants_get_full_marks(key, report):
    rep = report(key)
    rejected = [f"{v.variant.name}: {v.failures}" for v in rep.variants if not v.accepted]
    assert not rejected, "\n".join(rejected)
