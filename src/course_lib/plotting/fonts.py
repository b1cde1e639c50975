"""Fonts for figures whose labels are not Latin: Hangul in the date task's Korean format (chapter 6).

Matplotlib's default font, DejaVu Sans, has no Hangul. :func:`hangul_font` finds an installed font
that has it (Debian's ``fonts-noto-cjk``, which the CI script installs, or Noto Sans KR, Nanum
Gothic, Malgun Gothic, Apple SD Gothic Neo), registering it with matplotlib if its font cache was
built before the font was installed. Without one it returns ``None`` and the plots fall back to
romanised labels, so nothing breaks on a machine without CJK fonts.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["HANGUL_FONT_NAMES", "hangul_font", "font_family"]

#: Font families that draw Hangul, most preferred first (matched against matplotlib's font names).
HANGUL_FONT_NAMES = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans KR",
                     "NanumGothic", "Malgun Gothic", "Apple SD Gothic Neo", "Noto Sans CJK TC")
_FILE_PATTERN = re.compile(r"(NotoSansCJK|NotoSansKR|NanumGothic|malgun|AppleSDGothicNeo)[^/]*\.(ttc|otf|ttf)$",
                           re.IGNORECASE)


def _known(names: set[str]) -> str | None:
    return next((n for n in HANGUL_FONT_NAMES if n in names), None)


@cache
def hangul_font() -> str | None:
    """The family name of an installed font with Hangul glyphs, or ``None`` when there is none."""
    from matplotlib import font_manager

    name = _known({f.name for f in font_manager.fontManager.ttflist})
    if name:
        return name
    for path in sorted(font_manager.findSystemFonts()):  # installed after matplotlib built its cache
        if _FILE_PATTERN.search(path) and "Bold" not in path:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _known({f.name for f in font_manager.fontManager.ttflist})


def font_family() -> list[str]:
    """A matplotlib ``fontfamily`` list: the default sans-serif font, then the Hangul font if any
    (matplotlib takes each glyph from the first font in the list that has it)."""
    name = hangul_font()
    return ["DejaVu Sans", name] if name else ["DejaVu Sans"]
