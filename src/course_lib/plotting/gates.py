"""Figures for chapters 3-4: what each LSTM step does to a few units, gates over a text, and the
RNN/LSTM/GRU comparison on the chapter-2 language model."""

from __future__ import annotations

import numpy as np
import torch

from course_lib.lstm import LSTMCell, lstm_cell_step
from course_lib.plotting.labels import tr

__all__ = ["lstm_step_values", "plot_lstm_step", "plot_gate_activations", "LSTM_STEPS", "plot_lm_compare",
           "lm_compare_table"]

#: The four steps of chapter 3 and the vectors each figure shows (inputs, then result).
LSTM_STEPS = {
    "forget": (("c_prev", r"$c_{t-1}$"), ("f", r"$f_t$"), ("f_c", r"$f_t \odot c_{t-1}$")),
    "input": (("i", r"$i_t$"), ("g", r"$g_t$"), ("i_g", r"$i_t \odot g_t$")),
    "cell": (("f_c", r"$f_t \odot c_{t-1}$"), ("i_g", r"$i_t \odot g_t$"), ("c", r"$c_t$")),
    "output": (("o", r"$o_t$"), ("tanh_c", r"$\tanh(c_t)$"), ("h", r"$h_t$")),
}


@torch.no_grad()
def lstm_step_values(cell: LSTMCell, x_t: torch.Tensor, h_prev: torch.Tensor, c_prev: torch.Tensor) -> dict:
    """Every intermediate vector of one step of ``cell`` for one example.

    Shapes: x_t (1, D), h_prev (1, H), c_prev (1, H) -> dict of NumPy vectors (H,).
    """
    h, c, g = lstm_cell_step(x_t @ cell.W_x + cell.b, h_prev, c_prev, cell.W_h, return_gates=True)
    vals = {k: v[0] for k, v in g.items()}
    vals.update(c_prev=c_prev[0], f_c=g["f"][0] * c_prev[0], i_g=g["i"][0] * g["g"][0], c=c[0],
                tanh_c=torch.tanh(c[0]), h=h[0])
    return {k: v.numpy() for k, v in vals.items()}


def plot_lstm_step(values: dict, step: str, ax=None):
    """One small figure per step: three rows of H coloured cells (blue < 0 < red), numbers inside."""
    import matplotlib.pyplot as plt

    if step not in LSTM_STEPS:
        raise ValueError(f"step must be one of {list(LSTM_STEPS)}, got {step!r}")
    rows = LSTM_STEPS[step]
    H = len(values[rows[0][0]])
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * H + 1.5, 1.5))
    grid = np.stack([values[k] for k, _ in rows])  # (3, H)
    ax.imshow(grid, cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
    for r in range(grid.shape[0]):
        for j in range(H):
            ax.text(j, r, f"{grid[r, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), [label for _, label in rows])
    ax.set_xticks(range(H), [str(j) for j in range(H)])
    ax.set_xlabel(tr("hidden unit"))
    ax.set_title(tr("{step} step").format(step=tr(step)), fontsize=9)
    return ax.figure


def plot_gate_activations(text: str, gates: dict, units: list[int], names: tuple[str, ...] = ("i", "f", "o", "c"),
                          max_chars: int = 80, unit_labels: list[int] | None = None):
    """Gate values over the characters of ``text``: one panel per gate, one row per unit (heat maps,
    0 dark to 1 yellow), and the cell state ``c`` (or any unbounded state) as one line per unit, so
    that values far beyond +-1, such as counters, stay readable.

    Args:
        gates: name -> array (T, H) for one sequence (``LSTM(..., return_gates=True)`` gives (B, T, H)).
        units: the columns of each array to draw.
        unit_labels: the names of those units in the labels (default: ``units``).
    """
    import matplotlib.pyplot as plt

    T = min(len(text), max_chars)
    labels = unit_labels or units
    heights = [2.2 if name not in ("i", "f", "o", "r", "z") else 0.45 * len(units) for name in names]
    fig, axes = plt.subplots(len(names), 1, figsize=(0.14 * T + 1.5, sum(heights) + 0.8), sharex=True,
                             gridspec_kw={"height_ratios": heights})
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        values = np.asarray(gates[name])[:T, units].T  # (units, T)
        if name in ("i", "f", "o", "r", "z"):  # gates in (0, 1): heat map
            ax.imshow(values, cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            ax.set_yticks(range(len(units)), [f"{name}[{u}]" for u in labels], fontsize=7)
        else:  # unbounded (the cell state): lines
            for k, u in enumerate(labels):
                ax.plot(np.arange(T), values[k], color=f"C{k}", lw=1.4, label=f"{name}[{u}]")
            ax.axhline(0, color="gray", lw=0.6)
            ax.set_ylabel(f"${name}_t$", fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, ncol=len(units), loc="best")
    last = np.atleast_1d(axes)[-1]
    last.set_xticks(range(T), [repr(ch)[1:-1] if ch != " " else "␣" for ch in text[:T]], fontsize=7)
    last.set_xlim(-0.5, T - 0.5)
    fig.tight_layout()
    return fig


def plot_lm_compare(runs: dict, baselines: dict | None = None):
    """Validation loss over training steps of each cell, and its training time per 100 steps (the
    same-load timing if every row has one).

    Args:
        runs: cell -> row of :func:`course_lib.experiments.lm_compare.summarise` (``val_step``,
            ``val_loss``, ``s_per_100_steps``, ``parameters``).
        baselines: name -> loss, drawn as horizontal lines (e.g. the bigram model).
    """
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    for cell, r in runs.items():
        ax.plot(r["val_step"], r["val_loss"], "o-", ms=3,
                label=tr("{cell} (best {loss:.3f})").format(cell=cell.upper(), loss=min(r["val_loss"])))
    for (name, v), ls in zip((baselines or {}).items(), ("--", ":"), strict=False):
        if name != "uniform_lnV":  # ln V = 4.17 would squash the curves
            ax.axhline(v, color="gray", ls=ls, label=f"{tr(name)} = {v:.3f}")
    lo = min(min(r["val_loss"]) for r in runs.values())
    hi = max([lo + 0.5] + [v for k, v in (baselines or {}).items() if k != "uniform_lnV"])
    ax.set_ylim(lo - 0.05, hi + 0.15)  # the first evaluations (near ln V) are above the top
    ax.set_xlabel(tr("step"))
    ax.set_ylabel(tr("validation loss (nats / char)"))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    cells = list(runs)
    key = "s_per_100_steps_matched" if all("s_per_100_steps_matched" in r for r in runs.values()) \
        else "s_per_100_steps"
    times = [runs[c][key] for c in cells]
    bars = bx.barh([c.upper() for c in cells], times, color=[f"C{i}" for i in range(len(cells))])
    for b, c in zip(bars, cells, strict=True):
        bx.text(b.get_width(), b.get_y() + b.get_height() / 2, tr(" {n:,d} params").format(n=runs[c]["parameters"]),
                va="center", fontsize=8)
    bx.set_xlabel(tr("training time per 100 steps (s)") + (tr(", same load") if key.endswith("matched") else ""))
    bx.set_xlim(0, 1.6 * max(times))
    bx.invert_yaxis()
    fig.tight_layout()
    return fig


def lm_compare_table(runs: dict) -> str:
    """A plain-text table of :func:`course_lib.experiments.lm_compare.summarise` rows, one per cell."""
    lines = [f"{'cell':5s} {'parameters':>10s} {'best val':>9s} {'val (full)':>10s} {'s/100 steps':>11s} "
             f"{'s/epoch':>8s} {'same load: s/100':>16s} {'s/epoch':>8s}"]
    for cell, r in runs.items():
        row = (f"{cell.upper():5s} {r['parameters']:>10,d} {r['best_val_loss']:>9.3f} "
               f"{r['final_val_loss_full_stream']:>10.3f} {r['s_per_100_steps']:>11.2f} {r['s_per_epoch']:>8.1f} ")
        if "s_per_100_steps_matched" in r:
            row += f"{r['s_per_100_steps_matched']:>16.2f} {r['s_per_epoch_matched']:>8.1f}"
        else:
            row += f"{'-':>16s} {'-':>8s}"
        lines.append(row)
    return "\n".join(lines)
