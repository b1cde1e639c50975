"""A language switch on every page: the same page in the other edition, by a relative URL.

The English edition is ``_build/html/<page>.html`` and the Korean one ``_build/html/ko/<page>.html``
(:mod:`course_lib.book.i18n`). Each page gets a link, in the article header next to the theme's
buttons, to its twin in the other edition; the URL is relative, so the site works offline and from
any folder. In the Korean edition, a page whose translation is not finished (not listed in
``locale/ko/translated.txt``) shows the English text under a short Korean note saying so. The
extension also adds the stylesheet that shows each edition its own image of a bilingual notebook
figure (:mod:`course_lib.plotting.bilingual`).
"""

from __future__ import annotations

import html
from os import path as os_path
from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

__all__ = ["UNTRANSLATED_NOTE", "other_edition_url", "setup"]

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
SWITCH_TEMPLATE = "language-switch.html"
SWITCH_CSS = "course-language-switch.css"
#: Shows a notebook figure's English image in the English edition and its Korean one in the Korean
#: edition (course_lib.plotting.bilingual).
FIGURES_CSS = "course-figures.css"
#: Edition -> (its folder under _build/html, the switch's label, what the link's title says).
EDITIONS = {
    "en": ("", "English", "Read this page in English"),
    "ko": ("ko", "한국어", "이 페이지를 한국어로 읽기"),
}
UNTRANSLATED_NOTE = "이 페이지는 아직 번역되지 않았습니다. 아래는 영어 원문입니다."


def edition(language: str | None) -> str:
    """The edition a Sphinx ``language`` setting builds (None and "en" are the English one)."""
    return "en" if language in (None, "", "en") else language


def other_edition_url(pagename: str, this: str, other: str) -> str:
    """Relative URL of ``pagename``'s page in edition ``other``, from its page in ``this``.

    >>> other_edition_url("book/03_lstm/index", "en", "ko")
    '../../ko/book/03_lstm/index.html'
    >>> other_edition_url("book/03_lstm/index", "ko", "en")
    '../../../book/03_lstm/index.html'
    """
    for name in (this, other):
        if name not in EDITIONS:
            raise KeyError(f"expected an edition in {sorted(EDITIONS)}, got {name!r}")
    up_to_edition = "../" * pagename.count("/")
    this_folder, other_folder = EDITIONS[this][0], EDITIONS[other][0]
    up_to_site = "../" * (this_folder.count("/") + 1) if this_folder else ""
    into_other = f"{other_folder}/" if other_folder else ""
    return f"{up_to_edition}{up_to_site}{into_other}{pagename}.html"


def _config_inited(app: Any, config: Any) -> None:
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", ["article-header-buttons.html"])
    end = [s.strip() for s in end.split(",")] if isinstance(end, str) else list(end)
    if SWITCH_TEMPLATE not in end:
        options["article_header_end"] = [SWITCH_TEMPLATE, *end]
    config.html_theme_options = options


class TranslateInsertedToctrees(SphinxTransform):
    """Translate the captions of the toctrees that sphinx-external-toc inserts from _toc.yml.

    Sphinx translates a page (its Locale transform, priority 20) before sphinx-external-toc adds the
    root page's toctrees (priority 100), so the part captions ("Recurrent networks") would stay
    English in the navigation although the catalogue of the root page translates them.
    """

    default_priority = 101

    def apply(self, **kwargs: Any) -> None:
        if edition(self.config.language) == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [os_path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return
        for node in self.document.findall(addnodes.toctree):
            caption = node.get("caption")
            if caption and catalog.gettext(caption) != caption:
                node["caption"] = catalog.gettext(caption)


def _translated(app: Any, language: str) -> set[str]:
    from course_lib.book.i18n import translated_docs

    key = f"_course_translated_{language}"
    if not hasattr(app, key):
        setattr(app, key, set(translated_docs(language)))
    return getattr(app, key)


def _page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    this = edition(app.config.language)
    switches = []
    for other, (_folder, label, title) in EDITIONS.items():
        if other != this:
            switches.append({"url": other_edition_url(pagename, this, other), "label": label,
                             "title": title, "lang": other})
    context["course_language_switches"] = switches
    if this != "en" and doctree is not None and pagename not in _translated(app, this):
        note = (f'<div class="admonition note course-untranslated" lang="{this}">'
                f'<p>{html.escape(UNTRANSLATED_NOTE)}</p></div>\n')
        context["body"] = note + context.get("body", "")


def setup(app: Any) -> dict:
    app.add_transform(TranslateInsertedToctrees)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context)
    app.add_css_file(SWITCH_CSS)
    app.add_css_file(FIGURES_CSS)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
