"""Figures that notebooks draw while the book builds, in both of the book's languages.

The Korean edition reads the notebooks' outputs from the English build's execution cache
(:mod:`course_lib.book.i18n`), so a figure a cell draws (a training curve) was drawn once, in
English. :func:`enable` registers, in the running IPython kernel, a formatter that gives matplotlib
figures a ``text/html`` output: next to the ordinary ``image/png`` output, each figure with
translatable text also gets ``<div class="course-figure">`` holding two images, the figure as drawn
(``img.course-fig-en``) and the same figure with its texts put through the Korean labels of
:mod:`course_lib.plotting.labels` in a Hangul font (``img.course-fig-ko``). The site's stylesheet
(``course_lib/book/static/course-figures.css``) shows the English image on English pages and the
Korean one on Korean pages (``<html lang="ko">``); myst-nb prefers ``text/html`` to ``image/png``
for HTML builds. The Korean image carries ``style="display: none"`` (which the site's stylesheet
overrides), so the executed notebook opened in Jupyter, which also prefers ``text/html`` but has
no such stylesheet, shows the English image only. (Not the ``hidden`` attribute: the theme's
Bootstrap hides ``[hidden]`` with ``!important``.) Notebooks need no change: ``import course_lib``
calls :func:`enable` when ``COURSE_BILINGUAL_FIGURES=1`` (``make book`` sets it), so students see
ordinary figures and need no CJK font.

A text is translated when it is a key of the label tables, or when it is what a template key
(``"{model} ({n:,} params)"``) formats to: the Korean template is filled with the same pieces.
A text without a translation stays English (numbers, maths, names), and a figure with no
translatable text keeps its plain ``image/png`` output.
"""

from __future__ import annotations

import base64
import html
import re
import string
from collections.abc import Callable
from functools import cache
from typing import Any

from course_lib.plotting.labels import language, tr, translations

__all__ = ["ENV_VAR", "enable", "figure_html", "korean_text"]

#: ``import course_lib`` calls :func:`enable` when this environment variable is ``"1"``.
ENV_VAR = "COURSE_BILINGUAL_FIGURES"


def _template(key: str, value: str) -> tuple[re.Pattern[str], list[str | int]] | None:
    """A regular expression matching what ``key.format(...)`` writes, and ``value`` as literal text
    and the numbers of the expression's groups (None when ``key`` has no field)."""
    try:
        key_parts = list(string.Formatter().parse(key))
        value_parts = list(string.Formatter().parse(value))
    except ValueError:
        return None
    names: list[str] = []
    pattern = ""
    for literal, field, _spec, _conv in key_parts:
        pattern += re.escape(literal)
        if field is not None:
            field = field or str(sum(1 for n in names if n.isdigit()))
            if field in names:
                pattern += f"(?P=f{names.index(field)})"
            else:
                names.append(field)
                pattern += f"(?P<f{len(names) - 1}>.+?)"
    if not names:
        return None
    out: list[str | int] = []
    positional = 0
    for literal, field, _spec, _conv in value_parts:
        out.append(literal)
        if field is not None:
            if not field:
                field, positional = str(positional), positional + 1
            if field not in names:
                return None
            out.append(names.index(field))
    return re.compile(pattern, re.DOTALL), out


@cache
def _templates() -> tuple[tuple[re.Pattern[str], list[str | int]], ...]:
    found = [t for key, value in translations("ko").items() if (t := _template(key, value))]
    # The template with the most fixed text first: "{model} ({n:,} params)" before "{step} step".
    return tuple(sorted(found, key=lambda t: -len(re.sub(r"\(\?P[^)]*\)", "", t[0].pattern))))


def korean_text(text: str) -> str:
    """``text`` (as drawn in English) in Korean: its label, or a filled template; else unchanged.

    >>> korean_text("step"), korean_text("GRU (1,234 params)"), korean_text("forget step"), korean_text("42")
    ('스텝', 'GRU (파라미터 1,234개)', '망각 단계', '42')
    """
    with language("ko"):
        ko = tr(text)
    if ko != text or not text.strip():
        return ko
    for pattern, parts in _templates():
        match = pattern.fullmatch(text)
        if match:  # each piece through the labels too: "{step} step" is filled with tr("forget")
            pieces = match.groups()
            with language("ko"):
                return "".join(p if isinstance(p, str) else tr(pieces[p]) for p in parts)
    return text


def _png_of_shell() -> Callable[[Any], Any]:
    """The running kernel's own ``image/png`` formatter for figures (so both images match the plain
    output: same dpi, same tight box), or IPython's ``print_figure`` outside a kernel."""
    from IPython.core.pylabtools import print_figure

    try:
        from IPython import get_ipython

        shell = get_ipython()
        return shell.display_formatter.formatters["image/png"].lookup_by_type(_figure_class())
    except (AttributeError, KeyError, TypeError):
        return lambda fig: print_figure(fig, "png", bbox_inches="tight")


def _figure_class() -> type:
    from matplotlib.figure import Figure

    return Figure


def _data_uri(png: Any) -> str:
    if isinstance(png, bytes):
        png = base64.b64encode(png).decode("ascii")
    return f"data:image/png;base64,{png}"


def _alt(texts: list[str], lang: str) -> str:
    word = "그림" if lang == "ko" else "Figure"
    shown = [t for t in texts if t.strip() and not re.fullmatch(r"[-−\d.,%eE+ ]*", t)]
    return f"{word}: {'; '.join(shown[:3])}" if shown else word


def figure_html(fig: Any, png: Callable[[Any], Any] | None = None) -> str | None:
    """``fig`` as ``<div class="course-figure">`` with its English and its Korean image, or None when
    none of its texts has a Korean label. ``png(fig)`` renders a PNG (bytes or base64 text; default:
    the kernel's ``image/png`` formatter). The figure's texts and fonts are restored afterwards.

    Raises:
        MissingFontError: if no installed font draws Hangul, or a character of the Korean figure
            has no glyph in its fonts (:func:`course_lib.plotting.localized.strict_glyphs`).
    """
    from matplotlib.text import Text

    from course_lib.plotting.localized import korean_fonts, strict_glyphs

    texts = [t for t in fig.findobj(Text) if t.get_text()]
    english = [t.get_text() for t in texts]
    korean = [korean_text(s) for s in english]
    if korean == english:
        return None
    png = png or _png_of_shell()
    en_png = png(fig)
    if en_png is None:  # an empty figure: IPython shows nothing either
        return None
    fonts = korean_fonts()
    saved = [t.get_fontproperties().copy() for t in texts]
    try:
        for text, ko in zip(texts, korean, strict=True):
            text.set_text(ko)
            text.set_fontfamily(fonts)
        with strict_glyphs(fonts):
            ko_png = png(fig)
    finally:
        for text, en, props in zip(texts, english, saved, strict=True):
            text.set_text(en)
            text.set_fontproperties(props)
    shown = _title_texts(fig)
    titles = [s for s in english if s in shown]
    titles_ko = [korean_text(t) for t in titles]
    return ('<div class="course-figure">'
            f'<img class="course-fig-en" lang="en" src="{_data_uri(en_png)}" '
            f'alt="{html.escape(_alt(titles, "en"))}"/>'
            f'<img class="course-fig-ko" lang="ko" style="display: none" src="{_data_uri(ko_png)}" '
            f'alt="{html.escape(_alt(titles_ko, "ko"))}"/>'
            '</div>')


def _title_texts(fig: Any) -> set[str]:
    """The texts that say what a figure shows: its suptitle and its axes' titles."""
    found = {fig._suptitle.get_text()} if getattr(fig, "_suptitle", None) is not None else set()
    for ax in fig.axes:
        found.update(ax.get_title(loc) for loc in ("left", "center", "right"))
    return {t for t in found if t}


def _bundle(fig: Any) -> dict[str, str] | None:
    out = figure_html(fig)
    return None if out is None else {"text/html": out}


def enable() -> bool:
    """Give every matplotlib figure the running IPython shell displays a bilingual ``text/html``
    output (:func:`figure_html`); False (and nothing registered) outside IPython.

    The output comes from the shell's mime-bundle formatter, not its ``text/html`` one: when
    matplotlib-inline configures the inline backend (on the first figure, possibly after this
    call) it removes every per-mime formatter registered for ``Figure``; the bundle formatter
    stays, and the ``image/png`` formatter still adds the plain image beside it. matplotlib is
    imported only when the first figure is formatted.

    Without an installed Hangul font it warns and registers nothing (False): the Korean edition
    then shows those figures in English, rather than a machine without the font failing to build.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import warnings

    from course_lib.plotting.labels import MissingFontError, require_hangul_font

    try:
        require_hangul_font()
    except MissingFontError as exc:
        warnings.warn(f"live figures stay English in the Korean edition: {exc}", UserWarning, stacklevel=2)
        return False
    shell.display_formatter.mimebundle_formatter.for_type_by_name("matplotlib.figure", "Figure", _bundle)
    return True
