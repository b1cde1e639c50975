"""The Korean edition keeps in step with the English source.

- Every page listed in locale/ko/translated.txt has a catalogue with no untranslated and no fuzzy
  entry: when an English paragraph changes, `python -m course_lib.book.i18n update` turns its
  translation fuzzy (or adds the new string untranslated), and this test fails until a translator
  has dealt with it.
- The catalogues are current: extracting the messages from today's pages again gives exactly the
  msgids that the translated pages' catalogues hold (nothing new, nothing gone). Editing a
  translated page without running `update` fails here.
- The language switch's relative URLs lead to the same page in the other edition.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from course_lib.book import i18n
from course_lib.book.language_switch import EDITIONS, other_edition_url

ROOT = Path(__file__).resolve().parents[1]
UPDATE = "run `python -m course_lib.book.i18n update`, then translate what it marks"


def toc_docnames() -> set[str]:
    """Every docname in _toc.yml (the book's pages)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = {toc["root"]}

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                names.add(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    return names


def messages(path: Path) -> list:
    """The entries of a .po or .pot file, header excluded."""
    with path.open("rb") as f:
        catalog = read_po(f)
    return [m for m in catalog if m.id]


TRANSLATED = i18n.translated_docs("ko")


def test_the_list_of_translated_pages_names_pages_of_the_book():
    unknown = sorted(set(TRANSLATED) - toc_docnames())
    assert TRANSLATED, "locale/ko/translated.txt lists no page"
    assert not unknown, f"locale/ko/translated.txt names pages that are not in _toc.yml: {unknown}"
    assert len(set(TRANSLATED)) == len(TRANSLATED), "a page is listed twice"


def test_every_page_of_the_book_has_a_korean_catalogue():
    missing = sorted(d for d in toc_docnames() if not i18n.catalogue(d).exists())
    assert not missing, f"no catalogue for {missing}: {UPDATE}"


@pytest.mark.parametrize("docname", TRANSLATED)
def test_translated_page_has_no_untranslated_or_fuzzy_entry(docname):
    path = i18n.catalogue(docname)
    assert path.exists(), f"{docname} is listed as translated but {path} does not exist: {UPDATE}"
    entries = messages(path)
    untranslated = [m.id for m in entries if not m.string]
    fuzzy = [m.id for m in entries if m.fuzzy and m.string]
    problems = [f"untranslated: {s[:70]!r}" for s in untranslated]
    problems += [f"fuzzy (the English changed; check the translation, then drop the flag): {s[:70]!r}"
                 for s in fuzzy]
    assert entries, f"{path} holds no message"
    assert not problems, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="module")
def fresh_templates(tmp_path_factory) -> Path:
    """Message templates extracted from the pages as they are now (no notebook runs)."""
    out = tmp_path_factory.mktemp("gettext") / "gettext"
    assert i18n.extract(out) == 0, "the gettext build failed"
    return out


@pytest.mark.parametrize("docname", TRANSLATED)
def test_translated_page_catalogue_is_current(fresh_templates, docname):
    pot = fresh_templates / f"{docname}.pot"
    assert pot.exists(), f"extraction wrote no {pot.name} for {docname}"
    now = {m.id for m in messages(pot)}
    held = {m.id for m in messages(i18n.catalogue(docname))}
    new = sorted(now - held)
    gone = sorted(held - now)
    problems = [f"new English string: {s[:70]!r}" for s in new]
    problems += [f"string no longer in the page: {s[:70]!r}" for s in gone]
    assert not problems, f"{docname}: the catalogue is out of date ({UPDATE}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page", ["book/index", "book/03_lstm/index", "search", "book/appendix/notation"])
def test_language_switch_urls_lead_to_the_same_page_in_the_other_edition(page, tmp_path):
    site = tmp_path / "html"
    for name, (folder, _label, _title) in EDITIONS.items():
        here = (site / folder / f"{page}.html").resolve()
        for other, (other_folder, _l, _t) in EDITIONS.items():
            if other == name:
                continue
            url = other_edition_url(page, name, other)
            assert not url.startswith(("/", "http")), url
            target = (here.parent / url).resolve()
            assert target == (site / other_folder / f"{page}.html").resolve(), (name, other, url)


def test_language_switch_rejects_an_unknown_edition():
    with pytest.raises(KeyError, match="expected an edition"):
        other_edition_url("book/index", "en", "fr")
