"""The book's editions: English (the source) and Korean (Sphinx gettext catalogues).

One source, two languages. The English pages and notebooks are the only source; the Korean edition
is the same Sphinx build with ``language = "ko"``, which replaces every paragraph, heading and
caption by its translation from ``locale/ko/LC_MESSAGES/<docname>.po`` (one catalogue per page,
``gettext_compact = False``). Mathematics, code and code output are not in the catalogues, so they
stay exactly as in the English edition. A saved figure ``_static/results/NAME.png`` is shown as
``NAME.ko.png`` where that file exists (``figure_language_filename`` in _config.yml): the figure
redrawn from its saved results with Korean labels by ``python -m course_lib experiment replot NAME
--lang ko`` (:mod:`course_lib.experiments.replot`). Figures that notebooks draw while they run come
from the English execution cache: the book build draws each of them with English and with Korean
labels (``COURSE_BILINGUAL_FIGURES=1``, :mod:`course_lib.plotting.bilingual`), and each edition's
stylesheet shows its own.

Commands (``python -m course_lib.book.i18n ...``):

- ``extract [DIR]``: write the message templates (``.pot``, one per page) into ``DIR``
  (default ``_build/gettext``). Notebooks are *not* executed for this: the catalogues hold the
  Markdown cells and captions, never outputs.
- ``update``: ``extract`` then ``sphinx-intl update``: new English strings appear in the ``.po``
  files as untranslated, changed ones as fuzzy (with the old translation kept as a hint).
- ``build ko [-W] [--keep-going]``: build the Korean edition into ``_build/html/ko``. It reads the
  executed notebooks from the same Jupyter cache as the English build (``_build/.jupyter_cache``),
  so after the English build no notebook runs again.

Pages listed in ``locale/ko/translated.txt`` must be complete (tests/test_translations.py); any
other page falls back to English in the Korean edition, under a short note saying so
(:mod:`course_lib.book.language_switch`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course_lib.paths import repo_path

__all__ = ["LANGUAGES", "LOCALE", "build", "catalogue", "extract", "translated_docs", "update"]

#: The repository (the folder that holds _config.yml and _toc.yml).
ROOT = repo_path("COURSE_BOOK_ROOT", "_toc.yml").parent
LOCALE = ROOT / "locale"
GETTEXT = ROOT / "_build" / "gettext"
#: Edition -> its folder under _build/html ("" is the root: the English edition).
LANGUAGES = {"en": "", "ko": "ko"}


class TranslationError(RuntimeError):
    """The translation machinery was asked for something that does not exist."""


def translated_docs(language: str = "ko") -> list[str]:
    """Docnames (``book/03_lstm/index``) whose translation is complete and must stay complete."""
    path = LOCALE / language / "translated.txt"
    if not path.exists():
        raise TranslationError(f"expected the list of translated pages at {path}, found no file")
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def catalogue(docname: str, language: str = "ko") -> Path:
    """The ``.po`` file that holds the translation of ``docname``."""
    return LOCALE / language / "LC_MESSAGES" / f"{docname}.po"


def _build_sphinx(outdir: Path, builder: str, overrides: dict, *, doctrees: Path,
                  strict: bool = False, keep_going: bool = False, nitpicky: bool = False) -> int:
    """What ``jupyter-book build .`` does, with extra Sphinx configuration (same _config.yml)."""
    from jupyter_book.sphinx import build_sphinx

    config = {"external_toc_path": (ROOT / "_toc.yml").as_posix(), "latex_individualpages": False,
              **overrides}
    if nitpicky:
        config["nitpicky"] = True
    result = build_sphinx(ROOT, outdir, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=config, builder=builder, doctreedir=doctrees,
                          warningiserror=strict, keep_going=keep_going)
    if isinstance(result, Exception):
        print(f"the {builder} build failed: {result}", file=sys.stderr)
        return 1
    return int(result)


def extract(outdir: Path = GETTEXT) -> int:
    """Write one ``.pot`` per page into ``outdir``, without executing any notebook."""
    return _build_sphinx(outdir, "gettext", {"nb_execution_mode": "off"},
                         doctrees=outdir.parent / ".doctrees-gettext")


def update(language: str = "ko", pot_dir: Path = GETTEXT) -> int:
    """Re-extract, then bring ``locale/<language>`` in step with the templates (sphinx-intl)."""
    from sphinx_intl.basic import update as intl_update

    status = extract(pot_dir)
    if status:
        return status
    intl_update(str(LOCALE), str(pot_dir), (language,), line_width=100)
    return 0


def translated_title(language: str) -> str | None:
    """The book's title (``title`` in _config.yml) as the root page's catalogue translates it."""
    import yaml
    from babel.messages.pofile import read_po

    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    path = catalogue(root, language)
    if not path.exists():
        return None
    with path.open("rb") as f:
        message = read_po(f).get(title)
    return message.string if message is not None and message.string and not message.fuzzy else None


def build(language: str, *, strict: bool = False, keep_going: bool = False,
          nitpicky: bool = False) -> int:
    """Build the edition of ``language`` into ``_build/html/<folder>`` (the English one: root)."""
    if language not in LANGUAGES or not LANGUAGES[language]:
        raise TranslationError(f"expected one of {[k for k, v in LANGUAGES.items() if v]}, "
                               f"got {language!r} (the English edition is `jupyter-book build .`)")
    out = ROOT / "_build" / "html" / LANGUAGES[language]
    overrides: dict = {"language": language}
    if title := translated_title(language):
        overrides["html_title"] = title  # the sidebar's and every <title>'s book name
    return _build_sphinx(out, "html", overrides,
                         doctrees=ROOT / "_build" / f".doctrees-{language}",
                         strict=strict, keep_going=keep_going, nitpicky=nitpicky)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.book.i18n", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_extract = sub.add_parser("extract", help="write the .pot templates (no notebook runs)")
    p_extract.add_argument("outdir", nargs="?", type=Path, default=GETTEXT)
    p_update = sub.add_parser("update", help="extract, then sphinx-intl update the .po files")
    p_update.add_argument("-l", "--language", default="ko")
    p_build = sub.add_parser("build", help="build one translated edition into _build/html/<lang>")
    p_build.add_argument("language")
    p_build.add_argument("-W", dest="strict", action="store_true", help="warnings are errors")
    p_build.add_argument("-n", dest="nitpicky", action="store_true", help="nit-picky references")
    p_build.add_argument("--keep-going", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "extract":
        return extract(args.outdir)
    if args.command == "update":
        return update(args.language)
    return build(args.language, strict=args.strict, keep_going=args.keep_going,
                 nitpicky=args.nitpicky)


if __name__ == "__main__":
    sys.exit(main())
