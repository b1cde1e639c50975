"""Attention heat maps (chapter 6) and an ipywidgets explorer over examples.

The explorer needs a running kernel; :func:`plot_attention_grid` draws the same maps as one static
figure, which the book shows beside it so that the page reads well without a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_lib.errors import ShapeError
from course_lib.plotting.fonts import font_family, hangul_font
from course_lib.plotting.labels import tr

__all__ = ["AttentionExample", "attention_examples", "attention_explorer", "plot_attention", "plot_attention_grid"]


#: A space is shown as an open box.
SPACE = "␣"
#: Romanised labels for the Korean date suffixes year/month/day, used only when no installed font
#: draws Hangul (:func:`course_lib.plotting.fonts.hangul_font`).
ROMANISED = {"년": "nyeon", "월": "wol", "일": "il"}


def _tick(c: str) -> str:
    if c == " ":
        return SPACE
    return c if hangul_font() else ROMANISED.get(c, c)


def _drawable(text: str) -> str:
    """``text`` as the title can draw it: unchanged with a Hangul font, else the suffixes romanised."""
    if hangul_font():
        return text
    return "".join(f"({ROMANISED[c]})" if c in ROMANISED else c for c in text)


@dataclass
class AttentionExample:
    """One decoded example: source characters, output characters and alpha (len(output), len(source))."""

    source: str
    output: str
    alpha: np.ndarray


def plot_attention(alpha, source: Sequence[str], output: Sequence[str], ax=None, title: str | None = None):
    """Heat map of the attention weights: one row per output token, one column per source token.

    Raises:
        ShapeError: if ``alpha`` is not (len(output), len(source)).
    """
    a = alpha.detach().cpu().numpy() if isinstance(alpha, torch.Tensor) else np.asarray(alpha)
    if a.shape != (len(output), len(source)):
        raise ShapeError(f"alpha must have shape (len(output)={len(output)}, len(source)={len(source)}), "
                         f"got {a.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.28 * len(source) + 1.2, 0.28 * len(output) + 1.0))
    ax.imshow(a, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    labels = [_tick(c) for c in source]
    ax.set_xticks(range(len(source)), labels, fontsize=8, fontfamily=font_family())
    for t, lab in zip(ax.get_xticklabels(), labels, strict=True):
        t.set_rotation(90 if len(lab) > 1 else 0)
    ax.set_yticks(range(len(output)), list(output), fontsize=8)
    ax.set_xlabel(tr("source"))
    ax.set_ylabel(tr("output"))
    if title:
        ax.set_title(title, fontsize=9, fontfamily=font_family())
    return ax


def attention_examples(model, sources: Sequence[str], src_vocab, tgt_vocab,
                       max_len: int = 12) -> list[AttentionExample]:
    """Greedy-decode ``sources`` and collect their attention maps (``<end>`` row included as "$";
    ``<unk>``, ``<pad>`` and ``<bos>`` drawn as "?", "_" and "^").

    Raises:
        ValueError: if the model's decoder has no attention.
    """
    from course_lib.data.dates import encode_pairs
    from course_lib.decoding import greedy_decode

    batch = encode_pairs([(s, "") for s in sources], src_vocab, tgt_vocab)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    ids, attn = greedy_decode(model, batch.src.to(device), batch.src_mask.to(device), tgt_vocab.bos_id,
                              tgt_vocab.end_id, max_len, pad_id=tgt_vocab.pad_id)
    model.train(was_training)
    if attn is None:
        raise ValueError("this model has no attention to show (its decoder returns alpha=None)")
    # One character per decoded step, so that output[t] labels row t of alpha: the special tokens
    # (which an untrained model may well produce) are drawn as single symbols.
    symbol = {tgt_vocab.end_id: "$", tgt_vocab.unk_id: "?", tgt_vocab.pad_id: "_", tgt_vocab.bos_id: "^"}
    out = []
    for b, s in enumerate(sources):
        toks = []
        for i in ids[b].tolist():
            toks.append(symbol.get(i, str(tgt_vocab.itos[i])))
            if i == tgt_vocab.end_id:
                break
        out.append(AttentionExample(s, "".join(toks), attn[b, :len(toks), :len(s)].cpu().numpy()))
    return out


def plot_attention_grid(examples: Sequence[AttentionExample], ncols: int = 2):
    """All examples' heat maps in one static figure."""
    n = len(examples)
    nrows = (n + ncols - 1) // ncols
    width = max(len(e.source) for e in examples)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * (0.24 * width + 1.4), nrows * 3.4), squeeze=False)
    for ax, ex in zip(axes.flat, examples, strict=False):
        plot_attention(ex.alpha, list(ex.source), list(ex.output), ax=ax,
                       title=f"{_drawable(ex.source)!r} → {ex.output[:-1]}")
    for ax in axes.flat[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def attention_explorer(examples: Sequence[AttentionExample]):
    """An ipywidgets slider over ``examples`` that redraws the heat map (needs a live kernel).

    Returns the widget, or ``None`` when ipywidgets is not installed (show the static grid then).
    """
    try:
        import ipywidgets as widgets
        from IPython.display import display
    except ImportError:
        return None
    out = widgets.Output()

    def show(i: int) -> None:
        out.clear_output(wait=True)
        with out:
            ex = examples[i]
            ax = plot_attention(ex.alpha, list(ex.source), list(ex.output),
                                title=f"{_drawable(ex.source)!r} → {ex.output}")
            display(ax.figure)
            plt.close(ax.figure)

    slider = widgets.IntSlider(value=0, min=0, max=len(examples) - 1, description="example")
    slider.observe(lambda change: show(change["new"]), names="value")
    show(0)
    return widgets.VBox([slider, out])
