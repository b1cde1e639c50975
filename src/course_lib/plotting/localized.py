"""Drawing a figure in one of the book's languages, with every glyph present.

:func:`figure_language` is the context a Korean (or English) figure is drawn and saved in: figure
text through :func:`course_lib.plotting.labels.tr` in that language, and for Korean a font list with
the Hangul font first (Noto Sans CJK KR, from Debian's ``fonts-noto-cjk``) and DejaVu Sans behind it
(matplotlib takes each glyph from the first font that has it; mathematics keeps its own DejaVu
fonts). Inside it, a glyph that no font has is an error (:class:`GlyphMissingError`), not
matplotlib's warning and an empty box in the saved file.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

from course_lib.plotting.labels import MissingFontError, language, require_hangul_font

__all__ = ["GlyphMissingError", "check_glyphs", "figure_language", "korean_fonts", "save_figure", "strict_glyphs"]

_MISSING = re.compile(r"Glyph \d+ .*missing from (current )?font")
#: matplotlib's mathtext logs (does not warn) when a font has no glyph for a symbol.
_MATH_LOGGER = "matplotlib.mathtext"


class GlyphMissingError(MissingFontError):
    """A figure asked for a character that none of its fonts draws."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "does not have a glyph" in record.getMessage():
            self.messages.append(record.getMessage())


def _font_hint(fonts: list[str]) -> str:
    return (f"the figure's fonts ({', '.join(fonts)}) lack it; install Noto Sans CJK "
            "(Debian/Ubuntu: apt-get install fonts-noto-cjk)")


@contextlib.contextmanager
def strict_glyphs(fonts: list[str] | None = None) -> Iterator[None]:
    """Turn matplotlib's "Glyph ... missing from font(s)" warning (and mathtext's missing-glyph log
    line) into :class:`GlyphMissingError` inside the block; the drawing happens at ``savefig`` or
    ``canvas.draw()``, so call those inside it."""
    from matplotlib import rcParams

    fonts = list(fonts or rcParams["font.family"])
    handler = _Collect()
    log = logging.getLogger(_MATH_LOGGER)
    log.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=_MISSING.pattern)
            try:
                yield
            except UserWarning as exc:
                if not _MISSING.search(str(exc)):
                    raise
                raise GlyphMissingError(f"{exc} {_font_hint(fonts)}") from exc
    finally:
        log.removeHandler(handler)
    if handler.messages:
        raise GlyphMissingError(f"{handler.messages[0]} (a glyph missing from the figure's fonts) {_font_hint(fonts)}")


def korean_fonts() -> list[str]:
    """The font list of a Korean figure: the installed Hangul font, then DejaVu Sans.

    Raises:
        MissingFontError: if no installed font draws Hangul, naming the package.
    """
    return [require_hangul_font(), "DejaVu Sans"]


def check_glyphs(fig) -> None:
    """Draw ``fig`` once and refuse it if any character was missing from its fonts.

    Raises:
        GlyphMissingError: naming the missing character and the fonts.
    """
    with strict_glyphs():
        fig.canvas.draw()


@contextlib.contextmanager
def figure_language(lang: str) -> Iterator[str]:
    """Draw figures in ``lang`` ("en" or "ko") inside the block, missing glyphs being errors.

    English keeps matplotlib's default style, so a figure drawn here is the one the experiments
    save. Korean puts the Hangul font first in ``font.family`` (DejaVu Sans behind it).

    Raises:
        MissingFontError: for "ko" when no installed font draws Hangul, naming the package.
        GlyphMissingError: on leaving the block, if a glyph was missing.
    """
    import matplotlib as mpl

    rc = {"font.family": korean_fonts()} if lang == "ko" else {}
    with language(lang), mpl.rc_context(rc), strict_glyphs():
        yield lang


def save_figure(fig, path: str | Path) -> Path:
    """``fig.savefig(path)`` as the experiments save their figures (120 dpi, tight box); call it inside
    :func:`figure_language` so that a missing glyph fails. Closes the figure."""
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
