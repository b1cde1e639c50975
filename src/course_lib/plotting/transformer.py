"""Figures for chapter 7: positional encodings, attention maps of heads, dot-product variance vs d_k."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_lib.plotting.labels import tr
from course_lib.transformer import sinusoidal_positional_encoding

__all__ = ["dot_product_variance", "plot_attention_heads", "plot_dot_product_variance", "plot_positional_encoding",
           "plot_val_loss_vs_time", "plot_long_context",
           "plot_gpt_vs_nanogpt", "plot_gpt_training"]


def plot_positional_encoding(T: int = 100, d_model: int = 64, dims: Sequence[int] = (0, 1, 6, 7, 30)):
    """Left: the (T, d) sinusoidal table as an image; right: a few of its columns against position."""
    pe = sinusoidal_positional_encoding(T, d_model).numpy()  # (T, d)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    im = axes[0].imshow(pe, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
    axes[0].set_xlabel(tr("dimension i"))
    axes[0].set_ylabel(tr("position t"))
    axes[0].set_title(tr("sinusoidal positional encoding"))
    fig.colorbar(im, ax=axes[0])
    for d in dims:
        axes[1].plot(pe[:, d], label=tr("dim {d} ({fn})").format(d=d, fn="sin" if d % 2 == 0 else "cos"))
    axes[1].set_xlabel(tr("position t"))
    axes[1].legend(fontsize=8, loc="lower left")
    axes[1].set_title(tr("low dimensions oscillate fast, high ones slowly"))
    fig.tight_layout()
    return fig


def plot_attention_heads(weights: torch.Tensor, tokens: Sequence[str], title: str = "", max_heads: int = 8):
    """One heat map per head. ``weights``: (h, T_q, T_k) of one example; ``tokens`` label both axes."""
    w = weights.detach().cpu().numpy()  # (h, T, T)
    h = min(w.shape[0], max_heads)
    fig, axes = plt.subplots(1, h, figsize=(3.0 * h, 3.2), squeeze=False)
    labels = [repr(t)[1:-1] if t in ("\n", " ") else t for t in tokens]
    for i, ax in enumerate(axes[0]):
        ax.imshow(w[i], cmap="viridis", vmin=0, vmax=1)
        ax.set_title(tr("head {i}").format(i=i))
        ax.set_xticks(range(len(labels)), labels, fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_xlabel(tr("key (attended)"))
    axes[0][0].set_ylabel(tr("query"))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def dot_product_variance(d_ks: Sequence[int], n: int = 20000, seed: int = 0) -> dict[str, list[float]]:
    """Empirical variance of q·k and of q·k/sqrt(d_k) for q, k with i.i.d. N(0, 1) entries, and the
    largest softmax weight over 64 keys (how peaked attention is) with and without the scaling."""
    g = torch.Generator().manual_seed(seed)
    out: dict[str, list[float]] = {"d_k": [], "var": [], "var_scaled": [], "max_alpha": [], "max_alpha_scaled": []}
    for d_k in d_ks:
        q = torch.randn(n, d_k, generator=g)  # (n, d_k)
        k = torch.randn(n, d_k, generator=g)  # (n, d_k)
        dots = (q * k).sum(-1)  # (n,)
        scores = dots[: (n // 64) * 64].view(-1, 64)  # (n/64, 64): 64 keys per query
        out["d_k"].append(d_k)
        out["var"].append(dots.var().item())
        out["var_scaled"].append((dots / math.sqrt(d_k)).var().item())
        out["max_alpha"].append(torch.softmax(scores, -1).max(-1).values.mean().item())
        out["max_alpha_scaled"].append(torch.softmax(scores / math.sqrt(d_k), -1).max(-1).values.mean().item())
    return out


def plot_dot_product_variance(stats: dict[str, list[float]]):
    """Variance of dot products against d_k (log-log), and how peaked the softmax becomes."""
    d = np.array(stats["d_k"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    axes[0].loglog(d, stats["var"], "o-", label=r"Var$(q\cdot k)$")
    axes[0].loglog(d, stats["var_scaled"], "s-", label=r"Var$(q\cdot k/\sqrt{d_k})$")
    axes[0].loglog(d, d, "k:", label="$d_k$")
    axes[0].set_xlabel("$d_k$")
    axes[0].legend()
    axes[1].semilogx(d, stats["max_alpha"], "o-", label=tr("unscaled"))
    axes[1].semilogx(d, stats["max_alpha_scaled"], "s-", label=tr(r"scaled by $1/\sqrt{d_k}$"))
    axes[1].set_xlabel("$d_k$")
    axes[1].set_ylabel(tr("mean largest weight (64 keys)"))
    axes[1].legend()
    fig.tight_layout()
    return fig


def plot_val_loss_vs_time(rows: Sequence[dict], ax=None):
    """Validation loss against training time, one line per saved run that has a history
    (rows of :func:`course_lib.experiments.lm_table.lm_rows`); references as dashed lines at their loss
    and a marker at their time."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for r in rows:
        if r.get("elapsed"):
            ax.plot(r["elapsed"], r["val_loss"], "o-", ms=3, label=r["model"].replace("`", ""))
        elif r["reference"]:
            line = ax.axhline(r["best_val_loss"], ls="--", lw=1, color="gray")
            ax.plot([r["train_time_s"]], [r["best_val_loss"]], "x", color=line.get_color(), ms=8,
                    label=tr("{model}: {loss} at {time:.0f} s").format(model=r["model"].replace("`", ""),
                                                                       loss=r["best_val_loss"], time=r["train_time_s"]))
    ax.set_xscale("log")
    ax.set_xlim(left=1)
    return _finish(ax, (1.6, 2.6), tr("training time (s, log scale; see each run's machine in the table)"),
                   tr("validation cross-entropy (nats/char)"), legend_size=7)


def plot_long_context(results: dict, axes=None):
    """Accuracy against length (left) and time per training step against length (right), one line per model."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    labels = {"rnn": "RNN", "lstm": "LSTM", "transformer": "Transformer"}
    lengths = results["lengths"]
    for name, runs in results["models"].items():
        label = tr("{model} ({n:,} params)").format(model=tr(labels[name]), n=results["parameters"][name])
        axes[0].plot(lengths, [r["accuracy"] for r in runs], "o-", label=label)
        axes[1].plot(lengths, [1000 * r["step_time_s"] for r in runs], "o-", label=tr(labels[name]))
    axes[0].axhline(1 / results["K"], color="gray", ls="--", label=tr("chance"))
    axes[0].set_ylabel(tr("test accuracy"))
    axes[0].set_ylim(0, 1.05)
    axes[1].set_ylabel(tr("time per training step (ms)"))
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel(tr("sequence length T (distance to the marked symbol: 3T/4 to T)"))
        ax.legend(fontsize=8)
    axes[0].set_title(tr("recall after {steps} steps").format(steps=results["steps"]))
    axes[1].set_title(tr("cost of one step (batch of {})").format(results["batch_size"]))
    fig = axes[0].figure
    fig.tight_layout()
    return fig


def plot_gpt_vs_nanogpt(results: dict, reference: float | None = None, ax=None):
    """Validation loss (nanoGPT's 20-batch estimate) against step, one line per seed of our GPT and
    one per seed of nanoGPT run beside them (``results`` of the ``gpt_vs_nanogpt`` experiment); ``reference``
    as a dashed line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for o in results["ours"]:
        ax.plot(o["val_step"], o["val_loss"], "o-", ms=3,
                label=tr("course_lib GPT, seed {seed}").format(seed=o["seed"]))
    for i, t in enumerate(results["nanogpt"]):
        ax.plot(t["val_step"], t["val_loss"], "s--", ms=3, color=str(0.5 * i / max(1, len(results["nanogpt"]))),
                label=tr("nanoGPT, run beside it, seed {seed}").format(seed=t.get("seed", 1337)))
    if reference is not None:
        ax.axhline(reference, color="gray", ls=":",
                   label=tr("nanoGPT reference {reference}").format(reference=reference))
    return _finish(ax, (1.7, 2.8), tr("step"), tr("validation loss (nats/char, 20 batches)"), legend_size=8)


def _finish(ax, ylim: tuple[float, float], xlabel: str, ylabel: str, legend_size: int):
    """The common end of the loss plots: y range, axis labels, legend, layout; returns the figure."""
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend_size)
    ax.figure.tight_layout()
    return ax.figure


def plot_gpt_training(history, label: str, reference: float | None = None):
    """Left: training loss per batch and validation loss against step; right: validation loss against
    training time (``label`` names that line); ``reference`` (nanoGPT's best) as a dashed line on both.
    The figure of ``gpt_shakespeare_small``; ``history`` is a :class:`~course_lib.train.History` or
    its ``to_dict()``."""
    h = history.to_dict() if hasattr(history, "to_dict") else history
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    steps = np.arange(len(h["train_loss"]))
    axes[0].plot(steps, h["train_loss"], alpha=0.4, label=tr("train (per batch)"))
    axes[0].plot(h["val_step"], h["val_loss"], "o-", label=tr("validation"))
    axes[1].plot(h["elapsed"], h["val_loss"], "o-", label=tr(label))
    for ax in axes:
        if reference is not None:
            ax.axhline(reference, color="gray", ls="--", label=tr("nanoGPT best val {reference}").format(
                reference=reference))
        ax.set_ylabel(tr("cross-entropy (nats/char)"))
        ax.legend()
    axes[0].set_xlabel(tr("step"))
    axes[1].set_xlabel(tr("training time (s)"))
    fig.tight_layout()
    return fig
