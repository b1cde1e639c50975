"""Translated releases of the labs: ``labs/<lang>/labNN_*.ipynb`` from the same solutions.

One graded source, several languages of instructions. ``labs/ko/lab03_lstm.ipynb`` is exactly
``labs/lab03_lstm.ipynb`` (what :func:`~course_lib.grading.release.release_notebook` makes of
``solutions/lab03_lstm.ipynb``) except that the text of each Markdown cell is replaced by its
translation from the catalogue ``locale/ko/LC_MESSAGES/labs/lab03_lstm.po``. Code cells, graded
cells, metadata and nbgrader ids are untouched, so the autograder grades a submission made from the
Korean release exactly like one made from the English release.

- A catalogue entry's ``msgid`` is one Markdown cell of the *released* lab, whole; its ``msgstr``
  is the translation. A cell with no translation, or with a fuzzy one (the English changed since it
  was translated), stays English in the translated release, as Sphinx does for the book.
- :func:`update_catalogues` brings the catalogues in step with the solutions: a new cell becomes an
  untranslated entry; a changed one keeps its old translation, marked fuzzy, under the new English.
- :func:`release_translations` writes ``labs/<lang>/``; :func:`check_translations_sync` compares it
  byte for byte with what it would write (``python -m course_lib check-sync`` runs both checks).

A language has a translated release when ``locale/<lang>/LC_MESSAGES/labs/`` exists.
"""

from __future__ import annotations

import copy
import datetime
import io
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from course_lib.grading.release import SyncProblem, notebook_bytes, release_notebook

__all__ = [
    "catalogue_path",
    "check_translations_sync",
    "languages",
    "markdown_messages",
    "read_catalogue",
    "release_translations",
    "translate_notebook",
    "update_catalogues",
]

LINE_WIDTH = 100  # as sphinx-intl writes the book's catalogues
HEADER = ("# The Markdown cells of {lab} in {language}: labs/{language}/{lab}.ipynb.\n"
          "# msgid: one Markdown cell of labs/{lab}.ipynb, whole. After editing solutions/{lab}.ipynb:\n"
          "# `python -m course_lib lab-catalogues`, translate, `python -m course_lib release`.")


def _released(solutions: Path) -> list[tuple[str, nbformat.NotebookNode]]:
    """``[(lab name, released notebook), ...]`` for every ``solutions/lab*.ipynb``."""
    return [(src.stem, release_notebook(nbformat.read(src, as_version=4), name=str(src)))
            for src in sorted(Path(solutions).glob("lab*.ipynb"))]


def languages(locale: str | Path) -> list[str]:
    """The languages with lab catalogues: ``locale/<lang>/LC_MESSAGES/labs/`` exists."""
    return sorted(p.parent.parent.name for p in Path(locale).glob("*/LC_MESSAGES/labs") if p.is_dir())


def catalogue_path(locale: str | Path, language: str, lab: str) -> Path:
    """``locale/<language>/LC_MESSAGES/labs/<lab>.po``."""
    return Path(locale) / language / "LC_MESSAGES" / "labs" / f"{lab}.po"


def markdown_messages(released: nbformat.NotebookNode) -> list[str]:
    """The msgids of a released lab: each non-empty Markdown cell's text, in order, once each."""
    seen: dict[str, None] = {}
    for cell in released.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            seen.setdefault(cell.source, None)
    return list(seen)


def read_catalogue(path: str | Path) -> Catalog | None:
    """The catalogue at ``path``, or None when there is no file."""
    path = Path(path)
    if not path.exists():
        return None
    with path.open("rb") as f:
        return read_po(f)


def translate_notebook(released: nbformat.NotebookNode, catalog: Catalog | None) -> nbformat.NotebookNode:
    """A copy of ``released`` whose Markdown cells hold their translations (fuzzy/missing: English)."""
    out = copy.deepcopy(released)
    if catalog is None:
        return out
    for cell in out.cells:
        if cell.cell_type != "markdown" or not cell.source.strip():
            continue
        message = catalog.get(cell.source)
        if message is not None and message.string and not message.fuzzy:
            cell.source = message.string
    return out


def _expected(solutions: Path, locale: Path) -> dict[Path, bytes]:
    """``{relative path under labs/: bytes}`` of every translated release."""
    out = {}
    released = _released(solutions)
    for language in languages(locale):
        for lab, nb in released:
            catalog = read_catalogue(catalogue_path(locale, language, lab))
            out[Path(language) / f"{lab}.ipynb"] = notebook_bytes(translate_notebook(nb, catalog))
    return out


def release_translations(solutions: str | Path = "solutions", labs: str | Path = "labs",
                         locale: str | Path = "locale") -> list[Path]:
    """Write ``labs/<lang>/<lab>.ipynb`` for every language with lab catalogues and every lab."""
    written = []
    for rel, data in _expected(Path(solutions), Path(locale)).items():
        dst = Path(labs) / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        written.append(dst)
    return written


def check_translations_sync(solutions: str | Path = "solutions", labs: str | Path = "labs",
                            locale: str | Path = "locale") -> list[SyncProblem]:
    """Compare ``labs/<lang>/`` with what :func:`release_translations` would write (empty = in sync)."""
    labs = Path(labs)
    expected = _expected(Path(solutions), Path(locale))
    problems = []
    for rel, want in expected.items():
        dst = labs / rel
        if not dst.exists():
            problems.append(SyncProblem(dst, "missing; run `make release` to generate it"))
        elif dst.read_bytes() != want:
            problems.append(SyncProblem(dst, "differs from what `release` generates from solutions/ and "
                                             f"{catalogue_path(locale, rel.parent.name, rel.stem)} "
                                             "(labs/ is generated: edit those and run `make release`)"))
    for extra in sorted(labs.glob("*/lab*.ipynb")):
        if extra.relative_to(labs) not in expected:
            problems.append(SyncProblem(extra, "has no source in solutions/ and locale/ "
                                               "(labs/ is generated, never edited)"))
    return problems


def _catalogue_text(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=LINE_WIDTH, sort_output=False, omit_header=False)
    return buf.getvalue()


def _entries(catalog: Catalog) -> list[tuple]:
    """What matters in a catalogue (not its dates): each entry, translation and flags, obsolete too."""
    def row(m):
        return (m.id, m.string, tuple(sorted(m.flags)), m.previous_id)
    return [row(m) for m in catalog if m.id] + [("#~",) + row(m) for m in catalog.obsolete.values()]


def update_catalogues(solutions: str | Path = "solutions", locale: str | Path = "locale",
                      languages_: tuple[str, ...] | None = None) -> list[Path]:
    """Bring every lab catalogue in step with the released labs; return the files rewritten.

    New Markdown cells become untranslated entries; a changed cell keeps the translation of the
    closest old one, marked fuzzy; a cell that is gone stays at the end as an obsolete (``#~``)
    entry. A catalogue whose entries did not change is not rewritten.
    """
    written = []
    for language in languages_ or tuple(languages(locale)) or ("ko",):
        for lab, nb in _released(Path(solutions)):
            template = Catalog(locale=language, project=lab, fuzzy=False)
            for msgid in markdown_messages(nb):
                template.add(msgid)
            path = catalogue_path(locale, language, lab)
            old = read_catalogue(path)
            if old is None:
                catalog = Catalog(locale=language, project=lab, version="", fuzzy=False,
                                  header_comment=HEADER.format(lab=lab, language=language),
                                  creation_date=datetime.datetime.now(datetime.timezone.utc))
                catalog.update(template)
            else:
                catalog = copy.deepcopy(old)
                catalog.update(template, update_header_comment=False)
                if _entries(catalog) == _entries(old):
                    continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_catalogue_text(catalog))
            written.append(path)
    return written
