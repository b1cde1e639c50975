"""Hangul in the attention maps: drawn with an installed CJK font, romanised when there is none."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import course_lib.plotting.attention as attention_plots  # noqa: E402
from course_lib.plotting.fonts import font_family, hangul_font  # noqa: E402

SOURCE = "2026년 11월"


def _ticks(monkeypatch, font):
    monkeypatch.setattr(attention_plots, "hangul_font", lambda: font)
    ax = attention_plots.plot_attention(np.full((2, len(SOURCE)), 1 / len(SOURCE)), list(SOURCE), list("20"),
                                        title=attention_plots._drawable(SOURCE))
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    title = ax.get_title()
    plt.close(ax.figure)
    return ticks, title


def test_without_a_hangul_font_the_suffixes_are_romanised(monkeypatch):
    ticks, title = _ticks(monkeypatch, None)
    assert "nyeon" in ticks and "wol" in ticks and "년" not in ticks
    assert "(nyeon)" in title and "년" not in title
    assert ticks[4] == "nyeon" and ticks[5] == "␣"


def test_with_a_hangul_font_the_labels_are_the_source_characters(monkeypatch):
    ticks, title = _ticks(monkeypatch, "Noto Sans CJK JP")
    assert ticks[4] == "년" and ticks[-1] == "월" and title == SOURCE


def test_the_font_lookup_returns_a_font_that_matplotlib_can_find_or_none():
    name = hangul_font()
    if name is None:
        assert font_family() == ["DejaVu Sans"]
    else:
        from matplotlib import font_manager

        path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        assert path and font_family() == ["DejaVu Sans", name]
