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


@pytest.mark.parametrize("key", KEYS)
def test_graded_cells_hold_only_check_calls_with_literal_cases_and_hidden_calls(key):
    import nbformat

    from course_lib.checks.protocol import expected_calls
    from course_lib.grading.release import BEGIN_HIDDEN

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / f"{load_catalogue(key).lab}.ipynb", 4)
    graded = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")
              and c.cell_type == "code"]
    assert graded
    for cell in graded:
        calls = expected_calls(cell.source)  # raises CellSpecError for anything but imports and check calls
        public = expected_calls(cell.source.split(BEGIN_HIDDEN)[0])
        hidden = calls[len(public):]
        assert public and hidden, f"{cell.metadata.nbgrader.grade_id}: needs public and hidden calls"
        assert all(h not in public for h in hidden), "hidden calls must try other cases than the public ones"
        if any("seed" in c for _, c in public):  # checks without randomness (one_hot, batchify) vary the case only
            assert {c["seed"] for _, c in hidden} - {c["seed"] for _, c in public}, "hidden calls need other seeds"


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
    assert not survivors, f"salt {rep.salt}\n" + "\n".join(survivors)
    assert all(m.hidden_checked for m in rep.mutants), "every target cell needs hidden calls"


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_honest_solution_and_variants_get_full_marks(key, report):
    rep = report(key)
    rejected = [f"{v.variant.name}: {v.failures}" for v in rep.variants if not v.accepted]
    assert not rejected, "\n".join(rejected)
