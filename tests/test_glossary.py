"""The Korean <-> English glossary: every term links to a label that exists in the book.

book/appendix/glossary_terms.yml is the one table of term -> label; book/appendix/glossary.md is
generated from it (`python tests/test_glossary.py --write`) and must stay in sync.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
TERMS = BOOK / "appendix" / "glossary_terms.yml"
GLOSSARY = BOOK / "appendix" / "glossary.md"
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$", re.MULTILINE)
REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`")

HEADER = """(appendix-glossary)=
# Glossary: Korean ↔ English

The lecture notes this course was built from are in Korean. This table gives, for every technical
term the course uses, the Korean term, the English one used in the book, and the section that
defines it. Sorted by where the term first appears in the course.

<!-- Generated from glossary_terms.yml by `python tests/test_glossary.py --write`; edit that file. -->

| 한국어 | English | defined in | note |
|--------|---------|------------|------|
"""


def book_labels() -> set[str]:
    """Every MyST label `(name)=` in the book's Markdown pages and notebook Markdown cells."""
    labels: set[str] = set()
    for md in BOOK.rglob("*.md"):
        labels |= set(LABEL.findall(md.read_text(encoding="utf-8")))
    for nb in BOOK.rglob("*.ipynb"):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                labels |= set(LABEL.findall("".join(cell["source"])))
    return labels


def load_terms() -> list[dict]:
    return yaml.safe_load(TERMS.read_text(encoding="utf-8"))["terms"]


def render_glossary(terms: list[dict]) -> str:
    rows = [f"| {t['ko']} | {t['en']} | {{ref}}`{t['label']}` | {t.get('note', '')} |".replace("|  |", "| |")
            for t in terms]
    return HEADER + "\n".join(rows) + "\n"


def test_every_glossary_term_links_to_a_label_that_exists():
    labels = book_labels()
    missing = [f"{t['en']} -> {t['label']}" for t in load_terms() if t["label"] not in labels]
    assert not missing, f"glossary labels not found in the book: {missing}"


def test_every_ref_on_the_glossary_page_resolves():
    refs = REF.findall(GLOSSARY.read_text(encoding="utf-8"))
    assert len(refs) == len(load_terms())
    assert set(refs) <= book_labels()


def test_glossary_page_is_generated_from_the_terms_table():
    assert GLOSSARY.read_text(encoding="utf-8") == render_glossary(load_terms()), (
        "glossary.md is out of date: run `python tests/test_glossary.py --write`")


def test_glossary_has_each_term_once_with_both_languages():
    terms = load_terms()
    assert all(t["ko"].strip() and t["en"].strip() and t["label"] for t in terms)
    english = [t["en"].lower() for t in terms]
    assert len(english) == len(set(english)), "a term is listed twice"
    for must in ("recurrent neural network (RNN)", "vanishing gradient", "gate", "hidden state",
                 "attention", "query·key·value (QKV)"):
        assert must.lower() in english


def test_glossary_has_the_notes_own_words_and_both_gru_forms():
    by_ko = {t["ko"]: t for t in load_terms()}
    for ko in ("스위치", "STM (단기 기억)", "LTM (장기 기억)", "게이트 게이트", "스펙트럼 반지름 (반경)"):
        assert ko in by_ko, ko
    update = by_ko["업데이트 게이트"]["note"]
    assert "(1 - z_t)" in update.replace("−", "-") and "1 - z" in update.replace("−", "-")


def test_the_label_finder_would_notice_a_missing_label():
    assert "ch0-notation" in book_labels()
    assert "no-such-label-anywhere" not in book_labels()


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        GLOSSARY.write_text(render_glossary(load_terms()), encoding="utf-8")
        print(f"wrote {GLOSSARY.relative_to(ROOT)}")
    else:
        print("usage: python tests/test_glossary.py --write")
