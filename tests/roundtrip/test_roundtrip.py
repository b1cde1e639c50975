"""Every lab through real nbgrader 0.9: generate_assignment, validate, autograde (solution = full, blank = 0).

One course folder per lab (so labs run in parallel under pytest-xdist): ``source/<lab>/`` holds
``solutions/<lab>.ipynb``; nbgrader writes the release; ``validate`` runs the instructor's
notebook and must say that it passes every test; two students are autograded: ``full`` (the
release with the solution code put back) must get every point, ``blank`` (the release as it
is) none. A graded cell whose last line has a value (a float) would be read by nbgrader as
partial credit: the protocol's checks return ``None``, so the scores are exactly max and 0.
Run by ``make nbgrader-roundtrip`` (part of ``make test``), not by ``make unit``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_lib.bench.grader import answered_notebook

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(p.stem for p in (ROOT / "solutions").glob("lab*.ipynb"))
BIN = Path(sys.executable).parent
CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "course"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.Execute.timeout = 900
c.ExecutePreprocessor.timeout = 900
"""


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for var in ("COURSE_GRADER", "COURSE_GRADER_SALT", "COURSE_GRADER_RECORDS"):
        env.pop(var, None)
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=1800)


def _scores(course: Path, lab: str) -> dict[str, tuple[float, float, dict[str, float]]]:
    """``student -> (autograded score, autograded max, {cell: score})``; manually graded answers
    (a written answer: nbgrader leaves their ``auto_score`` empty until an instructor grades them)
    are left out of both sums and listed with the score ``None``."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        out = {}
        for student in ("full", "blank"):
            sub = gb.find_submission(lab, student)
            grades = [g for nb in sub.notebooks for g in nb.grades]
            auto = [g for g in grades if g.auto_score is not None]
            cells = {g.name: (g.score if g.auto_score is not None else None) for g in grades}
            out[student] = (sum(g.score for g in auto), sum(g.max_score for g in auto), cells)
        return out


@pytest.mark.parametrize("lab", LABS)
def test_nbgrader_round_trip(lab, tmp_path):
    t0 = time.perf_counter()
    course = tmp_path / "course"
    (course / "source" / lab).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course)), encoding="utf-8")
    (course / "source" / lab / f"{lab}.ipynb").write_bytes((ROOT / "solutions" / f"{lab}.ipynb").read_bytes())

    gen = _nbgrader(course, "generate_assignment", lab, "--force")
    release = course / "release" / lab / f"{lab}.ipynb"
    assert gen.returncode == 0 and release.is_file(), f"{lab}: generate_assignment failed\n{gen.stdout}{gen.stderr}"

    val = _nbgrader(course, "validate", str(course / "source" / lab / f"{lab}.ipynb"))
    assert "Success! Your notebook passes all the tests." in val.stdout, \
        f"{lab}: nbgrader validate of the solution failed\n{val.stdout[-3000:]}{val.stderr[-2000:]}"

    released = nbformat.read(release, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source
               for c in answered_notebook(nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4)).cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    full = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in full.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[gid]
    for student, nb in (("full", full), ("blank", released)):
        folder = course / "submitted" / student / lab
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{lab}.ipynb")

    auto = _nbgrader(course, "autograde", lab, "--force", "--create")
    assert auto.returncode == 0, f"{lab}: autograde failed\n{auto.stdout[-3000:]}{auto.stderr[-3000:]}"
    scores = _scores(course, lab)
    (score, top, cells), (blank, _, blank_cells) = scores["full"], scores["blank"]
    print(f"{lab}: solution {score:g} / {top:g}, blank {blank:g} / {top:g} ({time.perf_counter() - t0:.0f} s)")
    assert top > 0 and score == top, f"{lab}: the solution lost marks under nbgrader: {cells}"
    assert blank == 0, f"{lab}: the blank release scores {blank:g} under nbgrader: {blank_cells}"
