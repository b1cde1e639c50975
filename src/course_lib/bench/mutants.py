"""Mutant catalogues (``tests/mutants/labNN.py``): how many plausible mistakes each lab's checks catch.

For every lab with a catalogue, each mutant (a small wrong change to a solution cell) runs through
the lab's public test cell and through its hidden calls alone (every seed mixed with a fresh salt,
as the grader does), in this process; the honest solution and the correct variants must pass
everything. Set ``COURSE_BENCH_MUTANTS_GRADER=1`` to also grade every mutant with the autograder
(slower: one process per notebook); ``tests/test_mutants.py`` always does both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["bench"]

_REPO = Path(__file__).resolve().parents[3]


def _harness():
    tests = _REPO / "tests"
    if not (tests / "mutants" / "harness.py").is_file():  # an installed wheel has no tests/
        return None
    if str(tests) not in sys.path:
        sys.path.insert(0, str(tests))
    import mutants.harness as harness

    return harness


def bench() -> list[str]:
    harness = _harness()
    if harness is None:
        return ["no tests/mutants/harness.py in this checkout"]
    grader = os.environ.get("COURSE_BENCH_MUTANTS_GRADER") == "1"
    lines = [f"{'lab':<6} {'mutants caught':>15} {'variants accepted':>18} {'seconds':>8}"
             + ("   (in process; COURSE_BENCH_MUTANTS_GRADER=1 adds the autograder)" if not grader else "")]
    survivors = []
    for key in harness.catalogue_keys():
        rep = harness.evaluate(harness.load_catalogue(key), jobs=2, grader=grader)
        lab, caught, total, ok, n_var = rep.table_row()
        honest = "" if rep.variants[0].accepted else "  HONEST SOLUTION FAILS"
        lines.append(f"{lab:<6} {f'{caught} / {total}':>15} {f'{ok} / {n_var}':>18} {rep.seconds:>8.1f}{honest}")
        survivors += [f"  survivor {lab}: {m.mutant.name}" for m in rep.mutants if not m.caught]
        survivors += [f"  rejected {lab}: {v.variant.name}" for v in rep.variants if not v.accepted]
    return lines + survivors
