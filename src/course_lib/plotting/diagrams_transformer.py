r"""Architecture diagrams of chapter 7, drawn from code: the Transformer block (pre-LN and post-LN)
with multi-head attention's split and concatenation, and the encoder-decoder Transformer with
cross-attention. Each function returns a matplotlib ``Figure`` and prints nothing.

The colours are the book's for kinds of node (:data:`course_lib.plotting.diagram_style.COLORS`: input,
hidden state, output, attention, normalisation, feed-forward, embedding); the words are drawn in the
current language (:func:`course_lib.plotting.labels.language`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from course_lib.plotting.diagram_style import COLORS, EDGE, RECURRENT, setup_axes
from course_lib.plotting.labels import tr

__all__ = ["plot_transformer_block", "plot_encoder_decoder_transformer"]

RESIDUAL = RECURRENT  # the residual paths, in the red of the recurrent edges


def _box(ax: Axes, xy: Sequence[float], text: str, kind: str = "plain", w: float = 2.2, h: float = 0.5,
         fontsize: float = 9) -> tuple[float, float, float, float]:
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.03", fc=COLORS[kind],
                                ec=EDGE, lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    return x, y, w, h


def _plus(ax: Axes, xy: Sequence[float], r: float = 0.16) -> None:
    ax.add_patch(Circle(xy, r, fc="white", ec=EDGE, lw=1, zorder=3))
    ax.text(xy[0], xy[1], "+", ha="center", va="center", fontsize=10, zorder=4)


def _arrow(ax: Axes, a: Sequence[float], b: Sequence[float], color: str = EDGE, rad: float = 0.0,
           label: str = "", dashed: bool = False, lw: float = 1.2) -> None:
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=10, color=color, lw=lw,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0,
                                 ls="--" if dashed else "-", zorder=2))
    if label:
        ax.text((a[0] + b[0]) / 2 + 0.1, (a[1] + b[1]) / 2, label, fontsize=8, color=color, va="center")


def _path(ax: Axes, points: Sequence[Sequence[float]], color: str = RESIDUAL, lw: float = 1.4) -> None:
    """A poly-line whose last segment ends in an arrow head."""
    xs, ys = zip(*points, strict=True)
    ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, zorder=1, solid_capstyle="round")
    _arrow(ax, points[-2], points[-1], color=color, lw=lw)


def _embedded_stack(ax: Axes, x: float, tokens: str, tokens_w: float, stack_h: float) -> None:
    """The bottom of an encoder or decoder: ``tokens``, their embedding with positions, and the dashed
    frame (``stack_h`` high) of the blocks repeated :math:`L` times."""
    _box(ax, (x, 0.4), tokens, "x", w=tokens_w)
    _box(ax, (x, 1.2), tr(r"embedding $\cdot\sqrt{d_{model}}$ + positions"), "emb", w=3.4)
    _arrow(ax, (x, 0.65), (x, 0.95))
    ax.add_patch(FancyBboxPatch((x - 1.9, 1.7), 3.8, stack_h, boxstyle="round,pad=0.05", fc="none", ec=EDGE,
                                ls="--", lw=1))


def _block(ax: Axes, x: float, pre_ln: bool) -> None:
    """One block, bottom (input x) to top (output), with the residual paths in red."""
    _box(ax, (x, 0.4), r"$x$  (B, T, $d_{model}$)", "x")
    if pre_ln:
        steps = [("LayerNorm", "norm", 1.3), ("multi-head\nself-attention", "attn", 2.2), ("+", None, 3.1),
                 ("LayerNorm", "norm", 3.9), ("MLP", "ff", 4.8), ("+", None, 5.7)]
    else:
        steps = [("multi-head\nself-attention", "attn", 1.5), ("+", None, 2.4), ("LayerNorm", "norm", 3.2),
                 ("MLP", "ff", 4.1), ("+", None, 5.0), ("LayerNorm", "norm", 5.8)]
    prev_y, prev_top = 0.4, 0.65
    adds = []
    for text, kind, y in steps:
        if kind is None:
            _plus(ax, (x, y))
            _arrow(ax, (x, prev_top), (x, y - 0.16))
            adds.append(y)
            prev_top = y + 0.16
        else:
            h = 0.62 if "\n" in text else 0.45
            _box(ax, (x, y), tr(text), kind, h=h)
            _arrow(ax, (x, prev_top), (x, y - h / 2))
            prev_top = y + h / 2
        prev_y = y
    _arrow(ax, (x, prev_top), (x, prev_y + 0.75))
    ax.text(x, prev_y + 0.9, tr("output (B, T, $d_{model}$)"), ha="center", fontsize=8)
    # residual paths: from the stream below each sub-layer around it to its "+"
    starts = [0.8, adds[0] + 0.3] if pre_ln else [0.8, 3.65]  # below each sub-layer's input
    for y0, y1 in zip(starts, adds, strict=True):
        _path(ax, [(x, y0), (x - 1.45, y0), (x - 1.45, y1), (x - 0.16, y1)])
    ax.set_title(tr("pre-LN (GPT-2, nanoGPT, course_lib default)") if pre_ln else
                 tr("post-LN (Vaswani et al. 2017)"), fontsize=9)


def _multi_head(ax: Axes) -> None:
    """Q, K, V projections, split into n_h heads, attention per head, concatenation, W_O."""
    _box(ax, (3.0, 0.4), r"$X$  (B, T, $d_{model}$)", "x", w=2.6)
    for i, (name, xq) in enumerate((("Q", 1.0), ("K", 3.0), ("V", 5.0))):
        _box(ax, (xq, 1.4), f"${name} = XW_{name}$", "h", w=1.6)
        _arrow(ax, (3.0, 0.65), (xq, 1.15), rad=0.0 if i == 1 else (0.15 if i == 0 else -0.15))
    ax.text(3.0, 1.95, tr(r"split: view (B, T, $n_h$, $d_k$), transpose $\to$ (B, $n_h$, T, $d_k$)"),
            ha="center", fontsize=8)
    heads_x = [0.9, 2.3, 3.7, 5.1]
    for j, hx in enumerate(heads_x):
        label = tr("head {}").format(j + 1) if j < 3 else tr(r"head $n_h$")
        _box(ax, (hx, 3.0), label + "\n" + r"softmax$(\frac{Q_iK_i^\top}{\sqrt{d_k}})V_i$", "attn", w=1.3,
             h=0.8, fontsize=7)
        for xq in (1.0, 3.0, 5.0):
            _arrow(ax, (xq, 1.65), (hx, 2.6), color="#adb5bd", lw=0.6)
    _box(ax, (3.0, 4.3), tr(r"concat heads $\to$ (B, T, $d_{model}$)"), "plain", w=3.6)
    for hx in heads_x:
        _arrow(ax, (hx, 3.4), (3.0 + (hx - 3.0) * 0.6, 4.05))
    _box(ax, (3.0, 5.2), r"$\cdot\,W_O$  (B, T, $d_{model}$)", "o", w=2.4)
    _arrow(ax, (3.0, 4.55), (3.0, 4.95))
    ax.set_title(tr(r"multi-head attention: $d_k = d_{model}/n_h$ per head"), fontsize=9)


def plot_transformer_block() -> Figure:
    """Figure (i): a pre-LN and a post-LN Transformer block side by side (residual paths in red) and
    multi-head attention's split into heads and concatenation."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1, 1, 1.5]})
    for ax, pre in zip(axes[:2], (True, False), strict=True):
        setup_axes(ax, 4.0, 7.0)
        _block(ax, 2.3, pre)
    setup_axes(axes[2], 6.0, 5.8)
    _multi_head(axes[2])
    fig.tight_layout()
    return fig


def plot_encoder_decoder_transformer() -> Figure:
    """Figure (j): the encoder-decoder Transformer. The encoder's blocks read the source with
    self-attention (padding masked); each decoder block has causal self-attention, then
    cross-attention whose queries come from the decoder and keys and values from the encoder's
    output $\\bar H$, then an MLP."""
    fig, ax = plt.subplots(figsize=(10, 6))
    setup_axes(ax, 10.0, 7.6)
    # encoder
    ex, dx = 2.4, 7.2
    _embedded_stack(ax, ex, tr(r"source $x_1 \dots x_S$"), 2.6, 2.6)
    ax.text(ex - 1.8, 4.15, tr(r"encoder block $\times L$"), fontsize=8, va="top")
    _box(ax, (ex, 2.3), tr("self-attention\n(key-padding mask)"), "attn", w=2.6, h=0.62)
    _box(ax, (ex, 3.4), tr("MLP"), "ff", w=2.6)
    _arrow(ax, (ex, 1.45), (ex, 1.99))
    _arrow(ax, (ex, 2.61), (ex, 3.17))
    _box(ax, (ex, 5.0), tr(r"encoder output $\bar H$  (B, S, $d_{model}$)"), "h", w=3.4)
    _arrow(ax, (ex, 3.62), (ex, 4.75))
    # decoder
    _embedded_stack(ax, dx, tr(r"target shifted right: <bos> $y_1 \dots y_{T-1}$"), 3.8, 3.9)
    ax.text(dx + 1.8, 5.45, tr(r"decoder block $\times L$"), fontsize=8, va="top", ha="right")
    _box(ax, (dx, 2.3), tr("causal self-attention\n(query $t$ sees keys $\\leq t$)"), "attn", w=2.8, h=0.62)
    _box(ax, (dx, 3.6), tr("cross-attention\nQ from the decoder, K, V from $\\bar H$"), "attn", w=2.8, h=0.62)
    _box(ax, (dx, 4.8), tr("MLP"), "ff", w=2.8)
    _arrow(ax, (dx, 1.45), (dx, 1.99))
    _arrow(ax, (dx, 2.61), (dx, 3.29))
    _arrow(ax, (dx, 3.91), (dx, 4.57))
    _path(ax, [(ex + 1.7, 5.0), (4.8, 5.0), (4.8, 3.6), (dx - 1.4, 3.6)], color="#d63384")
    ax.text(4.7, 4.3, tr(r"$K, V$ from $\bar H$" + "\n(source mask)"), fontsize=8, color="#d63384", ha="right")
    _box(ax, (dx, 6.3), tr(r"LayerNorm, linear, softmax: $p(y_t \mid y_{<t}, x)$"), "o", w=3.8)
    _arrow(ax, (dx, 5.03), (dx, 6.05))
    ax.text(5.0, 7.3, tr("each block adds its sub-layers to a residual stream with layer norms (figure (i))"),
            ha="center", fontsize=8, color="#6c757d")
    fig.tight_layout()
    return fig
