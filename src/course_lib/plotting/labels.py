"""Figure text in the book's two languages.

Plotting code writes its labels in English through :func:`tr`; inside ``with language("ko"):`` the
same call returns the Korean label, so one function draws both editions' figures. The Korean terms
follow the glossary (``book/appendix/glossary_terms.yml``). The translations live in two tables,
one for the result plots (:data:`course_lib.plotting.labels_plots.KO`) and one for the diagrams
(:data:`course_lib.plotting.labels_diagrams.KO`).

A Korean figure needs a font with Hangul: :func:`require_hangul_font` raises
:class:`MissingFontError` (naming the package to install) rather than drawing empty boxes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["LANGUAGES", "MissingFontError", "current_language", "language", "tr", "translations",
           "require_hangul_font"]

LANGUAGES = ("en", "ko")
_current = ["en"]


class MissingFontError(RuntimeError):
    """A figure needs glyphs (Hangul) that no installed font has."""


def current_language() -> str:
    """The language figure text is drawn in now: ``"en"`` (default) or ``"ko"``."""
    return _current[-1]


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Draw figure text in ``lang`` inside the block.

    Raises:
        ValueError: if ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    _current.append(lang)
    try:
        yield lang
    finally:
        _current.pop()


def translations(lang: str = "ko") -> dict[str, str]:
    """English label -> label in ``lang`` (both tables merged)."""
    if lang == "en":
        return {}
    from course_lib.plotting import labels_diagrams, labels_plots

    return {**labels_plots.KO, **labels_diagrams.KO}


def tr(text: str) -> str:
    """``text`` in the current language; English text without a translation comes back unchanged
    (math, numbers, code names), so a missing entry never breaks a plot."""
    lang = current_language()
    return text if lang == "en" else translations(lang).get(text, text)


def require_hangul_font() -> str:
    """The family name of an installed Hangul font.

    Raises:
        MissingFontError: if there is none, saying what to install.
    """
    from course_lib.plotting.fonts import hangul_font

    name = hangul_font()
    if name is None:
        raise MissingFontError("no installed font draws Hangul; install Noto Sans CJK "
                               "(Debian/Ubuntu: apt-get install fonts-noto-cjk; macOS has Apple SD Gothic Neo)")
    return name
