r"""One style for every architecture diagram in the book (chapters 1-7): colours, boxes, arrows, labels.

The diagram modules (:mod:`course_lib.plotting.diagrams`, ``diagrams_seq2seq``,
``diagrams_transformer``) draw with these helpers only, so that an input, a hidden state, a gate
or a loss looks the same in every chapter. Coordinates are data units on an axis with equal aspect
and no ticks (:func:`new_diagram`); a box is addressed by its :class:`Box` anchors.

Example::

    fig, ax = new_diagram(6, 3)
    x = box(ax, (1, 0.5), "$x_t$", kind="x")
    h = box(ax, (1, 2), "$h_t$", kind="h")
    arrow(ax, x.top, h.bottom, label="$W_{xh}$")

Every diagram is drawn in English or Korean by the same code: labels go through
:func:`course_lib.plotting.labels.tr`, and :func:`render_diagram` draws a figure in a language,
with a Hangul font for Korean and a check that no glyph is missing (a figure with empty boxes
for characters is never returned).

Kinds (the colour of a box says what it holds): ``x`` input, ``h`` hidden state, ``o`` logits /
output, ``L`` loss, ``c`` cell state or context, ``gate`` a sigmoid gate, ``op`` a pointwise
operation, ``attn`` attention, ``emb`` embedding, ``norm`` a normalisation, ``ff`` a feed-forward
layer, ``plain`` anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text

from course_lib.plotting.labels import MissingFontError, language, tr
from course_lib.plotting.localized import check_glyphs, korean_fonts

__all__ = [
    "COLORS",
    "EDGE",
    "FORWARD",
    "BACKWARD",
    "RECURRENT",
    "FONTSIZE",
    "GATE_WORD",
    "Box",
    "new_diagram",
    "setup_axes",
    "box",
    "op",
    "arrow",
    "line",
    "label",
    "bracket",
    "legend",
    "gate",
    "state_line",
    "check_positive",
    "render_diagram",
    "translate_figure",
]

# Fill colours by kind of node (light, so that black text reads on all of them).
COLORS: dict[str, str] = {
    "x": "#cfe2ff",  # input
    "h": "#d1e7dd",  # hidden state
    "o": "#fff3cd",  # logits / output
    "y": "#fff3cd",  # kept for callers that say y
    "L": "#f8d7da",  # loss
    "c": "#ffe5d0",  # cell state, context vector
    "gate": "#e2d9f3",  # sigmoid gate
    "op": "#ffffff",  # pointwise operation (circle)
    "attn": "#fde2f3",  # attention
    "emb": "#e7f1ff",  # embedding
    "norm": "#f1f3f5",  # LayerNorm
    "ff": "#d2f4ea",  # feed-forward
    "plain": "#f8f9fa",
}
EDGE = "#212529"  # outline of boxes, default arrows
FORWARD = "#212529"  # forward data flow
BACKWARD = "#d63384"  # gradient flow (drawn dashed)
RECURRENT = "#c0392b"  # hidden-to-hidden (recurrent) edges
FONTSIZE = 10
GATE_WORD = "#495057"  # the small word under a gate's symbol (forget, update, ...)


@dataclass(frozen=True)
class Box:
    """A drawn box: centre ``(x, y)``, width ``w``, height ``h``; anchors for arrows."""

    x: float
    y: float
    w: float
    h: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x, self.y)

    @property
    def top(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.x, self.y - self.h / 2)

    @property
    def left(self) -> tuple[float, float]:
        return (self.x - self.w / 2, self.y)

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y)

    def at(self, fx: float, fy: float) -> tuple[float, float]:
        """A point on or inside the box: ``fx, fy`` in [-1, 1] from the centre (1 = right / top edge)."""
        return (self.x + fx * self.w / 2, self.y + fy * self.h / 2)


def new_diagram(width: float, height: float, scale: float = 1.0, x0: float = 0.0,
                y0: float = 0.0) -> tuple[Figure, Axes]:
    """A figure whose axis spans ``[x0, x0 + width] x [y0, y0 + height]`` data units, equal aspect, no axes.

    ``scale`` is inches per data unit.

    Raises:
        ValueError: if ``width``, ``height`` or ``scale`` is not positive.
    """
    if width <= 0 or height <= 0 or scale <= 0:
        raise ValueError(f"width, height and scale must be positive, got {width}, {height}, {scale}")
    fig, ax = plt.subplots(figsize=(width * scale, height * scale))
    setup_axes(ax, width, height, x0, y0)
    fig.subplots_adjust(0, 0, 1, 1)
    return fig, ax


def setup_axes(ax: Axes, width: float, height: float, x0: float = 0.0, y0: float = 0.0) -> Axes:
    """Make an existing axis a diagram panel (for figures with several panels): limits, equal aspect, no axes."""
    ax.set_xlim(x0, x0 + width)
    ax.set_ylim(y0, y0 + height)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def box(ax: Axes, xy: Sequence[float], text: str = "", kind: str = "plain", w: float = 0.6, h: float = 0.45,
        fontsize: float = FONTSIZE, dashed: bool = False, color: str | None = None, zorder: float = 2,
        **text_kw) -> Box:
    """A rounded box centred at ``xy`` filled with the colour of ``kind``, with ``text`` inside.

    ``zorder`` below 1 puts the box behind the arrows (a frame around a group of nodes).

    Raises:
        ValueError: if ``kind`` is not one of :data:`COLORS` (and no ``color`` is given).
    """
    if color is None and kind not in COLORS:
        raise ValueError(f"kind must be one of {sorted(COLORS)}, got {kind!r}")
    x, y = float(xy[0]), float(xy[1])
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                fc=color or COLORS[kind], ec=EDGE, lw=1.0, ls="--" if dashed else "-",
                                zorder=zorder))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=zorder + 1, **text_kw)
    return Box(x, y, w, h)


def op(ax: Axes, xy: Sequence[float], symbol: str, r: float = 0.17, fontsize: float = FONTSIZE,
       kind: str = "op") -> Box:
    r"""A pointwise operation drawn as a circle (``r"$\odot$"``, ``"+"``, ``"tanh"``, ``r"$\sigma$"``)."""
    x, y = float(xy[0]), float(xy[1])
    ax.add_patch(Circle((x, y), r, fc=COLORS[kind], ec=EDGE, lw=1.0, zorder=4))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=fontsize if len(symbol) < 4 else fontsize * 0.7,
            zorder=5)
    return Box(x, y, 2 * r, 2 * r)


def arrow(ax: Axes, start: Sequence[float], end: Sequence[float], label: str = "", color: str = FORWARD,
          rad: float = 0.0, dashed: bool = False, lw: float = 1.2, shrink: float = 0.0,
          label_offset: Sequence[float] = (0.0, 0.0), label_pos: float = 0.5, fontsize: float = FONTSIZE - 1,
          head: bool = True, zorder: float = 1) -> FancyArrowPatch:
    """An arrow from ``start`` to ``end`` (points, e.g. ``Box.top``); ``rad`` bends it, ``dashed`` for gradients.

    ``label`` is written at ``label_pos`` (0 = start, 1 = end) of the straight segment, moved by
    ``label_offset``; ``shrink`` (points) leaves a gap at both ends.
    """
    patch = FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>" if head else "-", mutation_scale=11,
                            color=color, lw=lw, ls="--" if dashed else "-", connectionstyle=f"arc3,rad={rad}",
                            shrinkA=shrink, shrinkB=shrink, zorder=zorder)
    ax.add_patch(patch)
    if label:
        lx = start[0] + label_pos * (end[0] - start[0]) + label_offset[0]
        ly = start[1] + label_pos * (end[1] - start[1]) + label_offset[1]
        ax.text(lx, ly, label, fontsize=fontsize, color=color, ha="center", va="center", zorder=6)
    return patch


def line(ax: Axes, points: Sequence[Sequence[float]], color: str = FORWARD, lw: float = 1.2, dashed: bool = False,
         arrow_end: bool = True, zorder: float = 1) -> None:
    """A polyline through ``points`` (right-angle routing), with an arrow head on its last segment."""
    pts = [tuple(map(float, p)) for p in points]
    if len(pts) < 2:
        raise ValueError(f"a line needs at least 2 points, got {len(pts)}")
    for a, b in zip(pts[:-2], pts[1:-1], strict=True):
        ax.plot([a[0], b[0]], [a[1], b[1]], color=color, lw=lw, ls="--" if dashed else "-", zorder=zorder,
                solid_capstyle="butt")
    arrow(ax, pts[-2], pts[-1], color=color, lw=lw, dashed=dashed, head=arrow_end, zorder=zorder)


def label(ax: Axes, xy: Sequence[float], text: str, fontsize: float = FONTSIZE - 1, color: str = EDGE,
          ha: str = "center", va: str = "center", **kw) -> None:
    """Free text (a weight name, a caption inside the drawing)."""
    ax.text(float(xy[0]), float(xy[1]), text, fontsize=fontsize, color=color, ha=ha, va=va, zorder=6, **kw)


def bracket(ax: Axes, x0: float, x1: float, y: float, text: str = "", color: str = EDGE, below: bool = True,
            fontsize: float = FONTSIZE - 1) -> None:
    """A horizontal bracket from ``x0`` to ``x1`` at height ``y`` (a chunk, a span of steps), text beside it."""
    d = -0.12 if below else 0.12
    ax.plot([x0, x0, x1, x1], [y - d, y, y, y - d], color=color, lw=1.0, zorder=1)
    if text:
        ax.text((x0 + x1) / 2, y + (-0.22 if below else 0.22), text, ha="center", va="top" if below else "bottom",
                fontsize=fontsize, color=color)


def legend(ax: Axes, entries: Sequence[tuple[str, str, bool]], loc: str = "lower right",
           fontsize: float = FONTSIZE - 2) -> None:
    """A legend of line styles: ``entries`` = ``[(text, colour, dashed), ...]``."""
    handles = [plt.Line2D([], [], color=c, ls="--" if d else "-", lw=1.4) for _, c, d in entries]
    ax.legend(handles, [t for t, _, _ in entries], loc=loc, fontsize=fontsize, frameon=False)


def gate(ax: Axes, xy: Sequence[float], symbol: str, word: str, feed: Sequence[float], fontsize: float = FONTSIZE,
         w: float = 0.95, h: float = 0.62) -> Box:
    r"""A gate of a cell diagram: a box with its nonlinearity ``symbol`` (``r"$\sigma$"``, ``"tanh"``) over
    its name ``word`` ("forget", "update"), fed by an arrow from ``feed`` (a point on the input bus)."""
    x, y = float(xy[0]), float(xy[1])
    g = box(ax, (x, y), "", kind="gate", w=w, h=h)
    label(ax, (x, y + 0.1), symbol, fontsize=fontsize)
    label(ax, (x, y - 0.17), word, fontsize=7, color=GATE_WORD)
    arrow(ax, feed, g.bottom)
    return g


def state_line(ax: Axes, y: float, names: tuple[str, str], xs: tuple[float, float, float, float, float, float]
               ) -> tuple[Box, Box]:
    r"""The thick state line along the top of a cell diagram: ``names[0]`` comes in on the left, is
    multiplied (:math:`\odot`), then added to (+), and leaves as ``names[1]`` on the right.

    ``xs`` = (incoming name, start of the line, :math:`\odot`, +, end of the line, outgoing name).
    Returns the two operation circles (:math:`\odot`, +).
    """
    x_in, x_start, x_times, x_plus, x_end, x_out = xs
    label(ax, (x_in, y), names[0], fontsize=11)
    times = op(ax, (x_times, y), r"$\odot$", fontsize=15)
    plus = op(ax, (x_plus, y), "+", fontsize=14)
    label(ax, (x_out, y), names[1], fontsize=11)
    arrow(ax, (x_start, y), times.left, lw=2.2)
    arrow(ax, times.right, plus.left, lw=2.2)
    arrow(ax, plus.right, (x_end, y), lw=2.2)
    return times, plus


def check_positive(**kw: int) -> None:
    """Refuse a size below 1.

    Raises:
        ValueError: naming the first argument below 1.
    """
    for name, v in kw.items():
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")


def translate_figure(fig: Figure) -> Figure:
    """Put every text of ``fig`` (titles, labels, legends) through :func:`tr`, for figures drawn by code
    that does not call it itself. English text without a translation stays as it is."""
    for text in fig.findobj(Text):
        text.set_text(tr(text.get_text()))
    return fig


def render_diagram(draw: Callable[[], Figure], lang: str = "en") -> Figure:
    """``draw()`` with its figure text in ``lang``.

    English calls ``draw()`` as it is. Korean draws with the fonts
    :func:`~course_lib.plotting.localized.korean_fonts` (Hangul first, then DejaVu Sans; mathematics
    keeps its own fonts) and checks the result with :func:`~course_lib.plotting.localized.check_glyphs`.

    Raises:
        ValueError: if ``lang`` is not a language of :mod:`course_lib.plotting.labels`.
        MissingFontError: if no Hangul font is installed, or a character of the figure has no glyph.
    """
    with language(lang):
        if lang == "en":
            return draw()
        with plt.rc_context({"font.family": korean_fonts()}):
            fig = draw()
            try:
                check_glyphs(fig)
            except MissingFontError:
                plt.close(fig)
                raise
    return fig
