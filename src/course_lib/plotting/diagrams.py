r"""Architecture diagrams of chapters 1-3, drawn with :mod:`course_lib.plotting.diagram_style`.

- :func:`plot_stacked_rnn`: a multi-layer RNN unrolled over time (chapter 1);
- :func:`plot_bidirectional_rnn`: a forward and a backward RNN whose states are concatenated (chapter 1);
- :func:`plot_bptt_chunks`: full BPTT against truncated BPTT, forward values and gradient flow (chapter 2);
- :func:`plot_lstm_cell`: the LSTM cell with its four gates and the cell-state line (chapter 3).

The symbols are the book's (appendix "Notation"): inputs :math:`x_t`, states :math:`h_t`, logits
:math:`o_t`, losses :math:`L_t`, weights :math:`W_{xh}, W_{hh}, W_{hy}`, gates
:math:`f_t, i_t, g_t, o_t` and cell state :math:`c_t`. Every function returns a ``Figure``; its words
are drawn in the current language (:func:`course_lib.plotting.labels.language`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from course_lib.plotting.diagram_style import (
    BACKWARD,
    RECURRENT,
    arrow,
    box,
    bracket,
    check_positive,
    gate,
    label,
    legend,
    line,
    new_diagram,
    op,
    setup_axes,
    state_line,
)
from course_lib.plotting.labels import tr

__all__ = ["plot_stacked_rnn", "plot_bidirectional_rnn", "plot_bptt_chunks", "plot_lstm_cell"]

BACKWARD_RNN = "#0d6efd"  # the right-to-left RNN of a bidirectional layer


def plot_stacked_rnn(T: int = 4, num_layers: int = 3) -> Figure:
    r"""A stacked RNN: layer :math:`l` reads the states of layer :math:`l-1` at the same step.

    .. math:: h^{(l)}_t = \tanh(W^{(l)}_{hh} h^{(l)}_{t-1} + W^{(l)}_{xh} h^{(l-1)}_t + b^{(l)}_h),
              \quad h^{(0)}_t = x_t,\quad o_t = W_{hy} h^{(L)}_t + b_y

    Raises:
        ValueError: if ``T`` or ``num_layers`` is below 1.
    """
    check_positive(T=T, num_layers=num_layers)
    dx, dy = 1.7, 1.25
    width, height = 1.6 + dx * T + 1.4, 1.0 + dy * (num_layers + 1) + 0.2
    fig, ax = new_diagram(width, height, scale=0.85)
    col = [1.6 + dx * t for t in range(T)]
    y_x, y_o = 0.5, 0.5 + dy * (num_layers + 1)
    below = [box(ax, (c, y_x), f"$x_{t + 1}$", kind="x") for t, c in enumerate(col)]
    for layer in range(1, num_layers + 1):
        y = 0.5 + dy * layer
        h0 = box(ax, (0.45, y), f"$h^{{({layer})}}_0$", kind="h", w=0.62, dashed=True)
        prev = h0
        row = []
        for t, c in enumerate(col):
            h = box(ax, (c, y), f"$h^{{({layer})}}_{t + 1}$", kind="h", w=0.72)
            arrow(ax, prev.right, h.left, color=RECURRENT, label=f"$W^{{({layer})}}_{{hh}}$" if t == 0 else "",
                  label_offset=(0, 0.22))
            w_in = "W_{xh}^{(1)}" if layer == 1 else f"W_{{xh}}^{{({layer})}}"
            arrow(ax, below[t].top, h.bottom, label=f"${w_in}$" if t == 0 else "", label_offset=(0.42, 0))
            prev = h
            row.append(h)
        label(ax, (col[-1] + 0.75, y), tr("layer {}").format(layer), ha="left", fontsize=8)
        below = row
    for t, c in enumerate(col):
        o = box(ax, (c, y_o), f"$o_{t + 1}$", kind="o")
        arrow(ax, below[t].top, o.bottom, label="$W_{hy}$" if t == 0 else "", label_offset=(0.36, 0))
    return fig


def plot_bidirectional_rnn(T: int = 4) -> Figure:
    r"""A bidirectional RNN: :math:`\overrightarrow{h}_t` reads :math:`x_1..x_t`, :math:`\overleftarrow{h}_t`
    reads :math:`x_T..x_t`; the output sees both, :math:`o_t = W_{hy}[\overrightarrow{h}_t; \overleftarrow{h}_t] + b_y`.

    Raises:
        ValueError: if ``T`` is below 1.
    """
    check_positive(T=T)
    dx = 2.0
    col = [1.7 + dx * t for t in range(T)]
    width, height = col[-1] + 1.7, 5.7
    fig, ax = new_diagram(width, height, scale=0.85)
    y_x, y_f, y_b, y_o = 0.5, 1.8, 3.1, 4.45
    fwd_prev = box(ax, (0.5, y_f), r"$\overrightarrow{h}_0$", kind="h", w=0.62, dashed=True)
    bwd = [None] * T
    xs, fwd = [], []
    for t, c in enumerate(col):
        x = box(ax, (c, y_x), f"$x_{t + 1}$", kind="x", w=0.7)
        f = box(ax, (c, y_f), rf"$\overrightarrow{{h}}_{t + 1}$", kind="h", w=0.7, h=0.5)
        arrow(ax, fwd_prev.right, f.left, color=RECURRENT)
        arrow(ax, x.top, f.bottom)
        xs.append(x)
        fwd.append(f)
        fwd_prev = f
    bwd_next = box(ax, (col[-1] + 1.2, y_b), rf"$\overleftarrow{{h}}_{T + 1}$", kind="h", w=0.62, dashed=True)
    for t in reversed(range(T)):
        c = col[t]
        b = box(ax, (c, y_b), rf"$\overleftarrow{{h}}_{t + 1}$", kind="h", w=0.7, h=0.5)
        arrow(ax, bwd_next.left, b.right, color=BACKWARD_RNN)
        bwd[t] = b
        bwd_next = b
    for t, c in enumerate(col):
        x, f, b = xs[t], fwd[t], bwd[t]
        # x_t -> backward state: around the left of the forward state (crossing the forward chain)
        line(ax, [x.left, (c - 0.6, y_x), (c - 0.6, y_b - 0.12), b.at(-1, -0.5)], color="#6c757d", lw=1.0)
        o = box(ax, (c, y_o), f"$o_{t + 1}$", kind="o", w=0.7)
        arrow(ax, b.top, o.bottom)
        # forward state -> output: around the right of the backward state
        line(ax, [f.at(1, 0.5), (c + 0.6, y_f + 0.12), (c + 0.6, y_o), o.right], color="#6c757d", lw=1.0)
    label(ax, (0.1, y_o + 0.9), r"$o_t = W_{hy}[\overrightarrow{h}_t;\ \overleftarrow{h}_t] + b_y$", ha="left",
          fontsize=10)
    legend(ax, [(tr("forward RNN (left to right)"), RECURRENT, False),
               (tr("backward RNN (right to left)"), BACKWARD_RNN, False)], loc="upper right")
    return fig


def _chain(ax, T: int, chunk: int | None, y_h: float = 0.9, y_l: float = 2.1, dx: float = 1.25) -> None:
    """One row of states h_1..h_T with losses L_t: forward (solid) and gradient (dashed) flow."""
    cols = [1.3 + dx * t for t in range(T)]
    h0 = box(ax, (0.35, y_h), "$h_0$", kind="h", w=0.5, dashed=True)
    prev, hs = h0, []
    for t, c in enumerate(cols):
        h = box(ax, (c, y_h), f"$h_{{{t + 1}}}$", kind="h", w=0.62)
        L = box(ax, (c, y_l), f"$L_{{{t + 1}}}$", kind="L", w=0.62, h=0.4)
        boundary = chunk is not None and t > 0 and t % chunk == 0
        arrow(ax, prev.right, h.left, color=RECURRENT, dashed=False)
        arrow(ax, h.at(-0.3, 1), L.at(-0.3, -1))  # forward: h_t -> o_t -> L_t
        arrow(ax, L.at(0.3, -1), h.at(0.3, 1), color=BACKWARD, dashed=True)  # gradient of L_t reaches h_t
        if t > 0:
            if boundary:
                label(ax, ((prev.x + h.x) / 2, y_h - 0.42), "×", color=BACKWARD, fontsize=16)
                label(ax, ((prev.x + h.x) / 2, y_h - 0.78), tr("detach"), color=BACKWARD, fontsize=7)
            else:
                arrow(ax, h.at(-0.4, -1), prev.at(0.4, -1), color=BACKWARD, dashed=True, rad=-0.45)
        prev = h
        hs.append(h)
    if chunk is not None:
        for k, start in enumerate(range(0, T, chunk)):
            end = min(start + chunk, T) - 1
            bracket(ax, cols[start] - 0.4, cols[end] + 0.4, y_h - 1.15, tr("chunk {}").format(k + 1))


def plot_bptt_chunks(T: int = 9, chunk: int = 3) -> Figure:
    r"""Full BPTT (top) against truncated BPTT in chunks of ``chunk`` steps (bottom).

    Solid arrows: the forward pass (values); dashed: the gradient. In truncated BPTT the state is
    carried across a chunk boundary but detached there, so no gradient crosses it.

    Raises:
        ValueError: if ``T`` or ``chunk`` is below 1, or ``chunk`` is not below ``T``.
    """
    check_positive(T=T, chunk=chunk)
    if chunk >= T:
        raise ValueError(f"chunk must be smaller than T={T} to show a boundary, got {chunk}")
    width, height = 1.3 + 1.25 * T, 3.3
    fig, axes = plt.subplots(2, 1, figsize=(width * 0.85, 2 * height * 0.85))
    titles = (tr("full BPTT: the gradient of every $L_t$ flows back to $h_1$ ({} steps)").format(T),
              tr("truncated BPTT, chunks of {}: the state is carried on, the gradient stops at each boundary"
                 ).format(chunk))
    for ax, c, title in ((axes[0], None, titles[0]), (axes[1], chunk, titles[1])):
        setup_axes(ax, width, height, y0=-0.75)
        _chain(ax, T, c)
        ax.set_title(title, fontsize=10)
    legend(axes[0], [(tr("forward (values)"), RECURRENT, False), (tr("gradient"), BACKWARD, True)], loc="lower left")
    fig.tight_layout()
    return fig


def plot_lstm_cell() -> Figure:
    r"""The LSTM cell: the cell-state line :math:`c_{t-1} \to c_t` along the top, scaled by the forget
    gate and added to by the input gate times the candidate; the output gate masks :math:`\tanh(c_t)`.

    .. math:: c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
    """
    fig, ax = new_diagram(10.4, 6.2, scale=0.8)
    box(ax, (5.1, 3.15), "", kind="plain", w=7.6, h=5.2, zorder=0)  # the cell
    y_c, y_h, y_bus, y_gate = 5.2, 0.75, 1.55, 2.55
    # cell-state line
    forget, add = state_line(ax, y_c, ("$c_{t-1}$", "$c_t$"), (0.55, 0.95, 2.5, 5.0, 9.45, 9.85))
    label(ax, (6.5, y_c + 0.3), tr("cell state: no matrix product"), fontsize=7.5, color="#6c757d")
    # hidden state and input enter, are concatenated, and feed the four gates
    label(ax, (0.55, y_h), "$h_{t-1}$", fontsize=11)
    label(ax, (1.55, -0.05), "$x_t$", fontsize=11)
    cat = box(ax, (1.55, y_bus), r"$[h_{t-1}; x_t]$", kind="x", w=1.15, h=0.42, fontsize=8)
    line(ax, [(0.95, y_h), (1.2, y_h), (1.2, cat.bottom[1])], arrow_end=True)
    arrow(ax, (1.55, 0.15), (1.55, cat.bottom[1]))
    ax.plot([cat.right[0], 6.6], [y_bus, y_bus], color="k", lw=1.2, zorder=1)
    gates = [(2.5, r"$\sigma$", "$f_t$", "forget"), (3.8, r"$\sigma$", "$i_t$", "input"),
             (5.0, "tanh", "$g_t$", "candidate"), (6.6, r"$\sigma$", "$o_t$", "output")]
    boxes = {}
    for x, sym, name, word in gates:
        boxes[name] = gate(ax, (x, y_gate), sym, tr(word), feed=(x, y_bus))
    # forget gate scales the memory
    arrow(ax, boxes["$f_t$"].top, forget.bottom, label="$f_t$", label_offset=(0.22, 0.2))
    # input gate times candidate is added
    write = op(ax, (5.0, 3.85), r"$\odot$", fontsize=15)
    line(ax, [boxes["$i_t$"].top, (3.8, 3.85), write.left])
    label(ax, (3.6, 3.35), "$i_t$")
    arrow(ax, boxes["$g_t$"].top, write.bottom, label="$g_t$", label_offset=(0.22, 0))
    arrow(ax, write.top, add.bottom)
    # output: tanh of the new memory, masked by the output gate
    squash = op(ax, (7.9, 4.15), "tanh", r=0.24)
    arrow(ax, (7.9, y_c), squash.top)
    show = op(ax, (7.9, 3.0), r"$\odot$", fontsize=15)
    arrow(ax, squash.bottom, show.top)
    line(ax, [boxes["$o_t$"].top, (6.6, 3.0), show.left])
    label(ax, (6.4, 3.3), "$o_t$")
    line(ax, [show.bottom, (7.9, y_h), (9.45, y_h)])
    label(ax, (9.85, y_h), "$h_t$", fontsize=11)
    arrow(ax, (8.6, y_h), (8.6, 6.05), color="#6c757d", lw=1.0)
    label(ax, (8.75, 5.95), tr("$h_t$ to the layer above"), ha="left", fontsize=7.5, color="#6c757d")
    label(ax, (5.1, 0.12), tr(r"each gate: $\sigma(W_{x\bullet} x_t + W_{h\bullet} h_{t-1} + b_\bullet)$, "
                              r"the candidate with tanh"), fontsize=8, color="#6c757d", ha="left")
    return fig
