"""Figures for chapters 1-2: the unrolled graph, RNN input/output types, gradient norms, training
curves, clipping, hidden-unit text colouring and temperature samples. Every function returns a
matplotlib ``Figure`` (or an HTML string) and prints nothing."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_lib.plotting.labels import tr

__all__ = [
    "plot_unrolled_graph",
    "plot_rnn_types",
    "plot_design_patterns",
    "plot_gradient_norms",
    "plot_lm_history",
    "plot_clipping",
    "hidden_unit_html",
    "plot_hidden_unit_text",
    "plot_temperature_samples",
]

_COLORS = {"x": "#cfe2ff", "h": "#d1e7dd", "y": "#fff3cd", "L": "#f8d7da", "o": "#e2d9f3"}


def _node(ax, x, y, label, kind, w=0.6, h=0.45):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04", fc=_COLORS[kind],
                                ec="k", lw=1))
    ax.text(x, y, label, ha="center", va="center", fontsize=10)


def _arrow(ax, a, b, label="", color="k", rad=0.0, offset=(0.0, 0.0), **kw):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, color=color,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=12, shrinkB=12, **kw))
    if label:
        ax.text((a[0] + b[0]) / 2 + offset[0], (a[1] + b[1]) / 2 + offset[1], label, fontsize=8, color=color,
                ha="center", va="center")


def plot_unrolled_graph(T: int = 4, with_loss: bool = True) -> Figure:
    r"""Folded RNN (left, with its self-loop) = unfolded graph over T steps (right), the same
    :math:`W_{xh}, W_{hh}, W_{hy}` at every step; :math:`o_t` are the logits, :math:`L_t` the losses."""
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * T, 3.6 if with_loss else 3.0))
    rows = {"x": 0.0, "h": 1.2, "y": 2.4, "L": 3.4}
    # folded
    _node(ax, 0, rows["x"], "$x$", "x")
    _node(ax, 0, rows["h"], "$h$", "h")
    _node(ax, 0, rows["y"], "$o$", "y")
    _arrow(ax, (0, rows["x"]), (0, rows["h"]), "$W_{xh}$", offset=(0.3, 0))
    _arrow(ax, (0, rows["h"]), (0, rows["y"]), "$W_{hy}$", offset=(0.3, 0))
    ax.add_patch(FancyArrowPatch((-0.3, rows["h"] + 0.15), (-0.3, rows["h"] - 0.15), arrowstyle="-|>",
                                 connectionstyle="arc3,rad=1.6", mutation_scale=12, color="C3", shrinkA=0,
                                 shrinkB=0))
    ax.text(-0.95, rows["h"], "$W_{hh}$", color="C3", fontsize=8, ha="center")
    ax.text(0.95, rows["h"], "=", fontsize=20, ha="center", va="center")
    x0 = 2.0
    _node(ax, x0 - 0.2, rows["h"], "$h_0$", "h", w=0.5)
    for t in range(1, T + 1):
        cx = x0 + 1.5 * t - 0.7
        _node(ax, cx, rows["x"], f"$x_{t}$", "x")
        _node(ax, cx, rows["h"], f"$h_{t}$", "h")
        _node(ax, cx, rows["y"], f"$o_{t}$", "y")
        _arrow(ax, (cx, rows["x"]), (cx, rows["h"]), "$W_{xh}$", offset=(0.32, 0))
        _arrow(ax, (cx, rows["h"]), (cx, rows["y"]), "$W_{hy}$", offset=(0.32, 0))
        prev = x0 - 0.2 if t == 1 else cx - 1.5
        _arrow(ax, (prev, rows["h"]), (cx, rows["h"]), "$W_{hh}$" if t > 1 else "", color="C3", offset=(0, 0.22))
        if with_loss:
            _node(ax, cx, rows["L"], f"$L_{t}$", "L", h=0.4)
            _arrow(ax, (cx, rows["y"]), (cx, rows["L"]))
    ax.set_xlim(-1.2, x0 + 1.5 * T)
    ax.set_ylim(-0.5, (rows["L"] if with_loss else rows["y"]) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def _pattern(ax, title, n_steps, inputs, outputs, h_edges=True, y_to_h=False, first_only_input=False):
    for t in range(n_steps):
        if t in inputs:
            lab = "$x$" if not first_only_input or t == 0 else "$0$"
            _node(ax, t, 0, lab, "x", w=0.5, h=0.4)
            _arrow(ax, (t, 0), (t, 1))
        _node(ax, t, 1, "$h$", "h", w=0.5, h=0.4)
        if t in outputs:
            _node(ax, t, 2, "$o$", "y", w=0.5, h=0.4)
            _arrow(ax, (t, 1), (t, 2))
        if t > 0 and h_edges:
            _arrow(ax, (t - 1, 1), (t, 1), color="C3")
        if t > 0 and y_to_h and (t - 1) in outputs:
            _arrow(ax, (t - 1, 2), (t, 1), color="C4")
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-0.6, max(n_steps, 3) - 0.4)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_rnn_types() -> Figure:
    """One-to-one, one-to-many (zero inputs after the first), many-to-one, many-to-many delayed
    (encoder then decoder) and many-to-many synced, drawn as unrolled graphs."""
    fig, axes = plt.subplots(1, 5, figsize=(16, 2.8))
    _pattern(axes[0], "one-to-one", 1, {0}, {0})
    _pattern(axes[1], "one-to-many", 4, {0, 1, 2, 3}, {0, 1, 2, 3}, first_only_input=True)
    _pattern(axes[2], "many-to-one", 4, {0, 1, 2, 3}, {3})
    _pattern(axes[3], "many-to-many (delayed)", 6, {0, 1, 2}, {3, 4, 5})
    _pattern(axes[4], "many-to-many (synced)", 4, {0, 1, 2, 3}, {0, 1, 2, 3})
    fig.tight_layout()
    return fig


def plot_design_patterns() -> Figure:
    """The three patterns of *Deep Learning* ch. 10: hidden-to-hidden recurrence with an output at
    every step; output-to-hidden recurrence only; hidden-to-hidden with a single output at the end."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 2.8))
    _pattern(axes[0], "1. hidden-to-hidden, output each step", 4, {0, 1, 2, 3}, {0, 1, 2, 3})
    _pattern(axes[1], "2. output-to-hidden only", 4, {0, 1, 2, 3}, {0, 1, 2, 3}, h_edges=False, y_to_h=True)
    _pattern(axes[2], "3. hidden-to-hidden, one output", 4, {0, 1, 2, 3}, {3})
    fig.tight_layout()
    return fig


def plot_gradient_norms(curves: Mapping[str, Mapping[str, Sequence[float]]]) -> Figure:
    r"""``curves[activation][radius]`` = :math:`\lVert\partial L/\partial h_t\rVert` by distance; log scale."""
    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.6), squeeze=False)
    for ax, (act, by_r) in zip(axes[0], curves.items(), strict=True):
        for r, c in by_r.items():
            ax.semilogy(np.arange(len(c)), c, label=rf"$\rho = {r}$")
        ax.set_xlabel(tr("distance $T - t$ from the loss"))
        ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
        ax.set_title(tr("{activation} RNN").format(activation=tr(act)))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_lm_history(history, baselines: Mapping[str, float] | None = None, title: str = "") -> Figure:
    """Training loss (smoothed), validation loss and horizontal baseline lines, in nats/char."""
    h = history.to_dict() if hasattr(history, "to_dict") else history
    fig, ax = plt.subplots(figsize=(6, 3.6))
    tl = np.asarray(h["train_loss"])
    k = max(1, len(tl) // 50)
    smooth = np.convolve(tl, np.ones(k) / k, mode="valid") if len(tl) >= k else tl
    ax.plot(np.arange(len(smooth)) + k - 1, smooth, label=tr("train (smoothed)"), alpha=0.8)
    ax.plot(h["val_step"], h["val_loss"], "o-", label=tr("val"), ms=3)
    for (name, v), ls in zip((baselines or {}).items(), ("--", ":", "-."), strict=False):
        ax.axhline(v, color="gray", ls=ls, label=f"{tr(name)} = {v:.3f}")
    ax.set_xlabel(tr("step"))
    ax.set_ylabel(tr("loss (nats / char)"))
    ax.set_title(tr(title))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_clipping(g: Sequence[float], threshold: float) -> Figure:
    """A 2-D gradient, clipped by norm (direction kept) and by value (direction changes)."""
    g = np.asarray(g, dtype=float)
    by_norm = g * min(1.0, threshold / np.linalg.norm(g))
    by_value = np.clip(g, -threshold, threshold)
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    for v, lab, c in ((g, tr("gradient $g$"), "k"), (by_norm, tr("clipped by norm"), "C0"),
                      (by_value, tr("clipped by value"), "C3")):
        ax.annotate("", xy=v, xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color=c, lw=2))
        ax.plot([], [], color=c, label=f"{lab}: ({v[0]:.2f}, {v[1]:.2f})")
    ax.add_patch(plt.Circle((0, 0), threshold, fill=False, ls="--", color="C0"))
    ax.add_patch(plt.Rectangle((-threshold, -threshold), 2 * threshold, 2 * threshold, fill=False, ls=":",
                               color="C3"))
    lim = 1.1 * max(np.abs(g).max(), threshold)
    ax.set_xlim(-lim * 0.3, lim)
    ax.set_ylim(-lim * 0.3, lim)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _rgb(a: float) -> str:
    a = float(np.clip(a, -1, 1))
    r, g, b = (255, int(255 * (1 - a)), int(255 * (1 - a))) if a >= 0 else (int(255 * (1 + a)), int(255 * (1 + a)),
                                                                           255)
    return f"rgb({r},{g},{b})"


def hidden_unit_html(text: str, activations: Sequence[float]) -> str:
    """HTML that colours each character of ``text`` by one unit's activation in [-1, 1]
    (red positive, blue negative).

    Raises:
        ValueError: if ``text`` and ``activations`` differ in length.
    """
    if len(text) != len(activations):
        raise ValueError(f"text has {len(text)} characters but {len(activations)} activations were given")
    spans = []
    for ch, a in zip(text, activations, strict=True):
        shown = "⏎<br>" if ch == "\n" else html.escape(ch).replace(" ", "&nbsp;")
        spans.append(f'<span style="background:{_rgb(a)}" title="{float(a):+.2f}">{shown}</span>')
    return '<div style="font-family:monospace;line-height:1.6">' + "".join(spans) + "</div>"


def plot_hidden_unit_text(text: str, activations: Sequence[float], width: int = 60, title: str = "") -> Figure:
    """The same colouring as :func:`hidden_unit_html`, as a static figure (newlines shown as ⏎)."""
    if len(text) != len(activations):
        raise ValueError(f"text has {len(text)} characters but {len(activations)} activations were given")
    n_rows = (len(text) + width - 1) // width
    fig, ax = plt.subplots(figsize=(width * 0.14, 0.3 * n_rows + 0.5))
    cmap = plt.get_cmap("bwr")
    for i, (ch, a) in enumerate(zip(text, activations, strict=True)):
        r, c = divmod(i, width)
        ax.add_patch(plt.Rectangle((c, -r - 1), 1, 1, color=cmap((float(a) + 1) / 2)))
        ax.text(c + 0.5, -r - 0.5, "⏎" if ch == "\n" else ch, ha="center", va="center", fontsize=8,
                family="monospace")
    ax.set_xlim(0, width)
    ax.set_ylim(-n_rows, 0)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    return fig


def plot_temperature_samples(samples: Mapping[str | float, str], width: int = 40) -> Figure:
    """Samples at several temperatures side by side, one panel each."""
    import textwrap

    fig, axes = plt.subplots(1, len(samples), figsize=(3.4 * len(samples), 4.2), squeeze=False)
    for ax, (t, s) in zip(axes[0], samples.items(), strict=True):
        lines = []
        for line in s.split("\n"):
            lines.extend(textwrap.wrap(line, width) or [""])
        ax.text(0, 1, "\n".join(lines[:22]), va="top", ha="left", family="monospace", fontsize=7,
                transform=ax.transAxes)
        ax.set_title(rf"$\tau = {t}$")
        ax.axis("off")
    fig.tight_layout()
    return fig
