"""The Korean release of the labs (labs/ko/) keeps in step with the graded English one.

- Every lab has a catalogue locale/ko/LC_MESSAGES/labs/<lab>.po with no untranslated and no fuzzy
  entry, and it is current: its msgids are exactly the Markdown cells of today's release.
- labs/ko/ is byte for byte what `release` generates, and differs from labs/ only in the text of
  Markdown cells (code, graded cells, metadata, nbgrader ids identical).
- Editing a solution's Markdown makes `lab-catalogues` mark the entry fuzzy (old translation kept),
  and the Korean release shows the new English until it is translated again.
- The autograder gives a Korean-release submission with the solution code full marks.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib.__main__ import main as cli
from course_lib.bench.grader import answered_notebook
from course_lib.grading.lab_translation import (
    catalogue_path,
    check_translations_sync,
    languages,
    markdown_messages,
    read_catalogue,
    release_translations,
    update_catalogues,
)
from course_lib.grading.release import release_notebook

ROOT = Path(__file__).resolve().parents[1]

LABS = sorted(p.stem for p in (ROOT / "solutions").glob("lab*.ipynb"))
UPDATE = "run `python -m course_lib lab-catalogues`, translate what it marks, then `make release`"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _released(lab: str) -> nbformat.NotebookNode:
    return release_notebook(nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4))


def test_korean_has_lab_catalogues():
    assert "ko" in languages(ROOT / "locale")


@pytest.mark.parametrize("lab", LABS)
def test_lab_catalogue_is_complete_and_current(lab):
    path = catalogue_path(ROOT / "locale", "ko", lab)
    catalog = read_catalogue(path)
    assert catalog is not None, f"no {path.relative_to(ROOT)}: {UPDATE}"
    entries = [m for m in catalog if m.id]
    problems = [f"untranslated: {m.id[:70]!r}" for m in entries if not m.string]
    problems += [f"fuzzy (the English changed; check the translation, then drop the flag): {m.id[:70]!r}"
                 for m in entries if m.string and m.fuzzy]
    now, held = set(markdown_messages(_released(lab))), {m.id for m in entries}
    problems += [f"new English cell: {s[:70]!r}" for s in sorted(now - held)]
    problems += [f"cell no longer in the lab: {s[:70]!r}" for s in sorted(held - now)]
    assert not problems, f"{path.relative_to(ROOT)} ({UPDATE}):\n  " + "\n  ".join(problems)


def test_korean_labs_are_what_release_generates():
    problems = check_translations_sync(ROOT / "solutions", ROOT / "labs", ROOT / "locale")
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("lab", LABS)
def test_korean_lab_differs_from_the_english_one_only_in_markdown_text(lab):
    en = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
    ko = nbformat.read(ROOT / "labs" / "ko" / f"{lab}.ipynb", as_version=4)
    assert ko.metadata == en.metadata and len(ko.cells) == len(en.cells)
    for i, (a, b) in enumerate(zip(en.cells, ko.cells, strict=True)):
        assert (a.cell_type, a.metadata, a.get("id")) == (b.cell_type, b.metadata, b.get("id")), f"cell {i}"
        if a.cell_type == "markdown" and a.source.strip():
            assert HANGUL.search(b.source), f"{lab}, cell {i}: the Korean release shows no Korean"
        else:
            assert a == b, f"{lab}, cell {i}: a non-Markdown cell differs"


def test_a_changed_cell_turns_fuzzy_and_shows_english_until_translated(tmp_path):
    lab = "lab00_warmup"
    (tmp_path / "solutions").mkdir()
    labs_locale = Path("locale") / "ko" / "LC_MESSAGES" / "labs"
    shutil.copytree(ROOT / labs_locale, tmp_path / labs_locale)
    nb = nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    old = first.source
    first.source = old.replace("Use NumPy only", "Use NumPy only (no PyTorch)")
    assert first.source != old
    nb.cells.append(nbformat.v4.new_markdown_cell("A brand-new closing remark."))
    nbformat.write(nb, tmp_path / "solutions" / f"{lab}.ipynb")

    written = update_catalogues(tmp_path / "solutions", tmp_path / "locale", ("ko",))
    path = catalogue_path(tmp_path / "locale", "ko", lab)
    assert path in written
    catalog = read_catalogue(path)
    changed, new = catalog.get(first.source), catalog.get("A brand-new closing remark.")
    kept = read_catalogue(catalogue_path(ROOT / "locale", "ko", lab)).get(old).string
    assert changed.fuzzy and changed.string == kept, "the old translation is kept, marked fuzzy"
    assert new is not None and not new.string and not new.fuzzy
    assert old not in {m.id for m in catalog}, "the old English is no longer an entry"
    assert update_catalogues(tmp_path / "solutions", tmp_path / "locale", ("ko",)) == [], \
        "a second update with nothing changed rewrites nothing"

    (out,) = release_translations(tmp_path / "solutions", tmp_path / "labs", tmp_path / "locale")
    ko = nbformat.read(out, as_version=4)
    assert first.source in [c.source for c in ko.cells], "a fuzzy entry shows the new English"
    assert ko.cells[-1].source == "A brand-new closing remark."
    problems = check_translations_sync(tmp_path / "solutions", tmp_path / "labs", tmp_path / "locale")
    assert problems == []
    out.write_bytes(out.read_bytes().replace(b"# YOUR CODE HERE", b"# MY CODE HERE", 1))  # a hand edit
    (tmp_path / "labs" / "ko" / "lab99_orphan.ipynb").write_text("{}")
    reasons = [p.reason for p in check_translations_sync(tmp_path / "solutions", tmp_path / "labs",
                                                          tmp_path / "locale")]
    assert len(reasons) == 2 and "differs" in reasons[0] and "no source" in reasons[1]


def test_a_korean_release_submission_with_the_solution_code_gets_full_marks(tmp_path):
    lab = "lab00_warmup"
    answers = answered_notebook(nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4))
    ko = nbformat.read(ROOT / "labs" / "ko" / f"{lab}.ipynb", as_version=4)
    for mine, theirs in zip(ko.cells, answers.cells, strict=True):
        if mine.get("metadata", {}).get("nbgrader", {}).get("solution"):
            mine.source = theirs.source
    assert any(HANGUL.search(c.source) for c in ko.cells if c.cell_type == "markdown")
    subs, out = tmp_path / "submissions", tmp_path / "out"
    (subs / "korean").mkdir(parents=True)
    nbformat.write(ko, subs / "korean" / f"{lab}.ipynb")
    assert cli(["grade", str(subs), "--lab", lab, "--out", str(out), "-j", "1", "--timeout", "60",
                "--memory", "768", "--no-progress"]) == 0
    (row,) = csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))
    assert row["status"] == "ok" and row["notes"] == "", row
    assert float(row["total"]) == float(row["max"]) > 0, row
