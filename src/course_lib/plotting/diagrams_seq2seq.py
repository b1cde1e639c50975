r"""Architecture diagrams of chapters 4-6, drawn with :mod:`course_lib.plotting.diagram_style`.

- :func:`plot_gru_cell`: the GRU cell in PyTorch's form, reset gate after the hidden product (chapter 4);
- :func:`plot_encoder_decoder`: an encoder-decoder whose decoder sees the context vector
  :math:`c = \bar h_S` as its initial state and as an input at every step (chapter 5);
- :func:`plot_beam_search`: a beam-search tree on a small probability table, kept and pruned
  prefixes, next to the greedy path (chapter 5);
- :func:`plot_attention_steps`: attention over the encoder states in four steps, score, softmax,
  weighted sum, :math:`\tanh(W_c[c_t; h_t])` (chapter 6);
- :func:`plot_attention_flows`: where attention sits in Bahdanau et al.'s and in Luong et al.'s
  decoders (chapter 6).

The symbols are the book's (appendix "Notation"): encoder states :math:`\bar h_s` (:math:`s = 1..S`),
decoder states :math:`h_t`, context :math:`c` or :math:`c_t`, attention weights
:math:`\alpha_{ts}`, scores :math:`e_{ts}`, attentional state :math:`\tilde h_t`, targets
:math:`y_t`. Every function returns a ``Figure``; its words are drawn in the current language
(:func:`course_lib.plotting.labels.language`).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from course_lib.plotting.diagram_style import (
    EDGE,
    FONTSIZE,
    GATE_WORD,
    RECURRENT,
    arrow,
    box,
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

__all__ = [
    "BEAM_TABLE",
    "plot_gru_cell",
    "plot_encoder_decoder",
    "beam_tree",
    "plot_beam_search",
    "plot_attention_steps",
    "plot_attention_flows",
]

GREY = "#6c757d"
PRUNED = "#adb5bd"


def plot_gru_cell() -> Figure:
    r"""The GRU cell as PyTorch computes it (gate order r, z, n):

    .. math::
        n_t = \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big), \qquad
        h_t = z_t \odot h_{t-1} + (1 - z_t) \odot n_t

    The state line :math:`h_{t-1} \to h_t` runs along the top; the reset gate multiplies the hidden
    product *after* it is computed.
    """
    fig, ax = new_diagram(10.8, 6.4, scale=0.8)
    box(ax, (5.55, 3.2), "", kind="plain", w=8.3, h=5.1, zorder=0)  # the cell
    y_h, y_bus, y_gate = 5.3, 1.2, 2.45
    # the state line: keep z_t of the old state, add (1 - z_t) of the candidate
    keep, add = state_line(ax, y_h, ("$h_{t-1}$", "$h_t$"), (0.5, 0.95, 2.6, 7.8, 9.85, 10.3))
    label(ax, (5.2, y_h + 0.3), tr("state: kept where $z_t \\approx 1$"), fontsize=7.5, color=GREY)
    # inputs: the previous state and x_t, concatenated, on one bus
    cat = box(ax, (1.45, y_bus), r"$[h_{t-1}; x_t]$", kind="x", w=1.15, h=0.42, fontsize=8)
    line(ax, [(1.1, y_h), (1.1, cat.top[1])])
    label(ax, (1.75, -0.05), "$x_t$", fontsize=11)
    arrow(ax, (1.75, 0.15), (1.75, cat.bottom[1]))
    ax.plot([cat.right[0], 8.85], [y_bus, y_bus], color="k", lw=1.2, zorder=1)
    # update gate z_t: scales the old state, and 1 - z_t scales the candidate
    z = gate(ax, (2.6, y_gate), r"$\sigma$", tr("update"), feed=(2.6, y_bus), fontsize=FONTSIZE - 1)
    arrow(ax, z.top, keep.bottom, label="$z_t$", label_offset=(-0.25, 0.6))
    one_minus = op(ax, (4.2, 4.35), "1−", r=0.22, fontsize=9)
    line(ax, [(2.6, 4.35), one_minus.left])
    write = op(ax, (7.8, 4.35), r"$\odot$", fontsize=15)
    arrow(ax, one_minus.right, write.left, label="$1 - z_t$", label_offset=(0, 0.2), label_pos=0.35)
    arrow(ax, write.top, add.bottom)
    # reset gate r_t: scales the hidden share of the candidate
    r = gate(ax, (4.9, y_gate), r"$\sigma$", tr("reset"), feed=(4.9, y_bus), fontsize=FONTSIZE - 1)
    # candidate n_t = tanh(x-part + r_t * hidden-part)
    hid = box(ax, (6.75, 2.0), r"$W_{hn} h_{t-1} + b_{hn}$", kind="h", w=1.55, h=0.42, fontsize=7.5)
    xin = box(ax, (8.85, 2.0), r"$W_{in} x_t + b_{in}$", kind="x", w=1.35, h=0.42, fontsize=7.5)
    arrow(ax, (6.75, y_bus), hid.bottom)
    arrow(ax, (8.85, y_bus), xin.bottom)
    reset = op(ax, (6.75, 3.0), r"$\odot$", fontsize=15)
    arrow(ax, hid.top, reset.bottom)
    line(ax, [r.top, (4.9, 3.0), reset.left])
    label(ax, (5.25, 3.2), "$r_t$")
    mix = op(ax, (7.8, 3.0), "+", fontsize=14)
    arrow(ax, reset.right, mix.left)
    line(ax, [xin.top, (8.85, 3.0), mix.right])
    squash = op(ax, (7.8, 3.68), "tanh", r=0.24)
    arrow(ax, mix.top, squash.bottom)
    arrow(ax, squash.top, write.bottom, label="$n_t$", label_offset=(0.25, 0))
    label(ax, (9.05, 3.68), tr("candidate"), fontsize=7, color=GATE_WORD)
    label(ax, (2.2, 0.3), tr(r"gates: $\sigma(W_{i\bullet} x_t + b_{i\bullet} + W_{h\bullet} h_{t-1} + b_{h\bullet})$,"
                             r" $\bullet \in \{r, z\}$ (PyTorch's form)"), fontsize=8, color=GREY, ha="left")
    return fig


def plot_encoder_decoder(S: int = 4, T: int = 4) -> Figure:
    r"""An encoder-decoder with one context vector :math:`c = \bar h_S`.

    The encoder reads :math:`x_1..x_S`; the decoder starts from :math:`h_0 = c` and also reads
    :math:`c` at every step next to the previous target, :math:`h_t = \mathrm{GRU}([E y_{t-1}; c], h_{t-1})`;
    it reads ``<bos>`` first and is trained to predict ``<end>`` last.

    Raises:
        ValueError: if ``S`` or ``T`` is below 1.
    """
    check_positive(S=S, T=T)
    dx = 1.25
    enc_x = [0.9 + dx * s for s in range(S)]
    c_x = enc_x[-1] + 1.55
    dec_x = [c_x + 1.55 + dx * t for t in range(T)]
    width, height = dec_x[-1] + 1.0, 5.3
    fig, ax = new_diagram(width, height, scale=0.85)
    y_in, y_h, y_out, y_bus = 0.6, 2.2, 3.9, 1.3
    prev = None
    for s, x in enumerate(enc_x):
        xin = box(ax, (x, y_in), f"$x_{s + 1}$", kind="x", w=0.6)
        h = box(ax, (x, y_h), rf"$\bar h_{s + 1}$", kind="h", w=0.66)
        arrow(ax, xin.top, h.bottom)
        if prev is not None:
            arrow(ax, prev.right, h.left, color=RECURRENT)
        prev = h
    label(ax, ((enc_x[0] + enc_x[-1]) / 2, y_out + 0.95), tr("encoder"), fontsize=10)
    label(ax, ((enc_x[0] + enc_x[-1]) / 2, y_out), tr("(reads the source,\nno outputs)"), fontsize=8, color=GREY)
    c = box(ax, (c_x, y_h), "$c$", kind="c", w=0.6, h=0.5)
    arrow(ax, prev.right, c.left, label=rf"$c = \bar h_{S}$", label_offset=(0, 0.24), color=COLORS_C_EDGE)
    label(ax, (c_x, y_h + 0.88), tr("context vector"), fontsize=8, color=GREY)
    label(ax, (c_x, y_h + 0.62), tr("($H$ numbers)"), fontsize=8, color=GREY)
    prev = c
    tokens = ["<bos>"] + [f"y_{t}" for t in range(1, T)]
    for t, x in enumerate(dec_x):
        tok = tokens[t]
        yin = box(ax, (x, y_in), r"$\langle$bos$\rangle$" if tok == "<bos>" else f"${tok}$", kind="x", w=0.7,
                  fontsize=8 if tok == "<bos>" else 10)
        h = box(ax, (x, y_h), f"$h_{t + 1}$", kind="h", w=0.62)
        arrow(ax, yin.top, h.bottom)
        arrow(ax, prev.right, h.left, color=RECURRENT, label="$h_0 = c$" if t == 0 else "", label_offset=(0, 0.24))
        out = rf"$\hat y_{{{t + 1}}}$"
        o = box(ax, (x, y_out), out, kind="o", w=0.62)
        arrow(ax, h.top, o.bottom)
        if t == T - 1:
            label(ax, (x, y_out + 0.45), tr(r"trained to be $\langle$end$\rangle$"), fontsize=7.5, color=GREY)
        # c as an input at every step: a dashed line from the context vector along the bottom
        line(ax, [(c_x, y_bus), (x - 0.2, y_bus), (x - 0.2, h.bottom[1])], color=COLORS_C_EDGE, dashed=True,
             lw=1.0)
        prev = h
    line(ax, [c.bottom, (c_x, y_bus)], color=COLORS_C_EDGE, dashed=True, lw=1.0, arrow_end=False)
    label(ax, ((dec_x[0] + dec_x[-1]) / 2, y_out + 0.95), tr("decoder"), fontsize=10)
    label(ax, ((dec_x[0] + dec_x[-1]) / 2, 0.0), tr(r"inputs: the true $y_{t-1}$ in training (teacher forcing), "
          r"its own $\hat y_{t-1}$ at test time"), fontsize=7.5, color=GREY)
    legend(ax, [(tr("recurrent state"), RECURRENT, False), (tr("$c$ as input at every step"), COLORS_C_EDGE, True)],
           loc="upper right")
    return fig


COLORS_C_EDGE = "#e8590c"  # the context vector's own edges (its box is COLORS["c"])


#: Next-token probabilities of the beam-search example, by previous token (a first-order table):
#: greedy search takes ``a`` and keeps taking it; the most probable finished output is ``b <end>``.
BEAM_TABLE: dict[str, dict[str, float]] = {
    "<bos>": {"a": 0.5, "b": 0.4, "<end>": 0.1},
    "a": {"a": 0.4, "b": 0.3, "<end>": 0.3},
    "b": {"a": 0.05, "b": 0.05, "<end>": 0.9},
}


class _TableModel:
    """A decoder whose next-token distribution is :data:`BEAM_TABLE` (state: the previous token)."""

    tokens = ["<pad>", "<bos>", "<end>", "a", "b"]

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        import torch

        V = len(self.tokens)
        self.logp = torch.full((V, V), math.log(1e-12))
        for prev, row in table.items():
            for tok, p in row.items():
                self.logp[self.tokens.index(prev), self.tokens.index(tok)] = math.log(p)

    def encode(self, src, src_mask):
        import torch

        from course_lib.seq2seq import Memory

        return Memory(torch.zeros(1, 1, 1), torch.zeros(1, 1, 1), src_mask)

    def init_state(self, memory):
        import torch

        return torch.ones(1, 1, 1)

    def step(self, y_prev, state, memory):
        return self.logp[y_prev], y_prev[None, :, None].float(), None


def beam_tree(table: dict[str, dict[str, float]] | None = None, beam_size: int = 2, max_len: int = 3) -> dict:
    """Run :func:`course_lib.decoding.beam_search` (with its ``trace``) and greedy search on a table.

    Returns ``{"steps": [[(prefix, token, log_prob, status), ...], ...], "greedy": [tokens],
    "best": [tokens]}``, tokens as strings; extensions of probability below 1e-6 are left out.
    """
    import torch

    from course_lib.decoding import beam_search, greedy_decode

    model = _TableModel(table or BEAM_TABLE)
    tok = model.tokens
    src, mask = torch.zeros(1, 1, dtype=torch.long), torch.ones(1, 1, dtype=torch.bool)
    trace: list = []
    hyps = beam_search(model, src, mask, tok.index("<bos>"), tok.index("<end>"), max_len, beam_size=beam_size,
                       lam=1.0, trace=trace)
    greedy, _ = greedy_decode(model, src, mask, tok.index("<bos>"), tok.index("<end>"), max_len)
    steps = [[(tuple(tok[i] for i in c["prefix"]), tok[c["token"]], c["log_prob"], c["status"]) for c in step
              if c["log_prob"] > math.log(1e-6)]
             for step in trace]
    return {"steps": steps, "greedy": [tok[i] for i in greedy[0].tolist()], "best": [tok[i] for i in hyps[0].ids]}


def _tok(t: str) -> str:
    return r"$\langle$end$\rangle$" if t == "<end>" else f"${t}$"


def plot_beam_search(beam_size: int = 2) -> Figure:
    r"""The search tree of beam search (``beam_size`` beams) on :data:`BEAM_TABLE`, with the greedy path.

    Each node is a prefix with its log-probability :math:`\sum_t \log p(y_t \mid y_{<t})`; kept
    prefixes are extended, pruned ones (grey) are dropped, finished ones end with ``<end>``.

    Raises:
        ValueError: if ``beam_size`` is below 1.
    """
    check_positive(beam_size=beam_size)
    tree = beam_tree(beam_size=beam_size)
    steps = tree["steps"]
    dx, dy = 2.6, 0.62
    leaves = [c for c in steps[-1]]
    n_rows = len(leaves) + sum(1 for c in steps[0] if c[3] != "kept")
    width, height = 1.3 + dx * len(steps) + 1.6, dy * (n_rows + 1) + 0.9
    fig, ax = new_diagram(width, height, scale=0.8)
    ys: dict[tuple, float] = {}
    # place the deepest level first, one row per node, then each parent at the mean of its children
    row = 0
    for depth in range(len(steps) - 1, -1, -1):
        for prefix, t, _, _ in steps[depth]:
            node = prefix + (t,)
            kids = [ys[k] for k in ys if len(k) == len(node) + 1 and k[:-1] == node]
            if kids:
                ys[node] = sum(kids) / len(kids)
            else:
                ys[node] = height - 0.7 - dy * row
                row += 1
    ys[()] = sum(ys[(t,)] for _, t, _, _ in steps[0]) / len(steps[0])
    root = box(ax, (0.75, ys[()]), r"$\langle$bos$\rangle$", kind="x", w=0.95, h=0.42, fontsize=8)
    pos = {(): root}
    greedy = tuple(tree["greedy"])
    best = tuple(tree["best"])
    for depth, step in enumerate(steps):
        x = 1.3 + dx * (depth + 1) - 0.6
        for prefix, t, lp, status in step:
            node = prefix + (t,)
            kind = {"kept": "h", "finished": "c", "pruned": "plain"}[status]
            color = PRUNED if status == "pruned" else EDGE
            b = box(ax, (x, ys[node]), "", kind=kind, w=1.75, h=0.44, dashed=status == "pruned")
            label(ax, (x - 0.45, ys[node]), _tok(t), fontsize=9 if t != "<end>" else 7.5, color=color)
            label(ax, (x + 0.5, ys[node]), f"{lp:.2f}", fontsize=8.5, color=color)
            parent = pos[prefix]
            on_greedy = greedy[:len(node)] == node
            arrow(ax, parent.right, b.left, color=RECURRENT if on_greedy else (PRUNED if status == "pruned" else EDGE),
                  dashed=on_greedy, lw=1.6 if node == best else 1.0)
            pos[node] = b
            if on_greedy and depth == len(steps) - 1:
                rest = "".join(_tok(s) for s in greedy)
                note = (tr("greedy: {tokens}, no {end} in {n} steps").format(
                    tokens=rest, end=r"$\langle$end$\rangle$", n=len(greedy))
                    if "<end>" not in greedy else tr("greedy: {tokens}").format(tokens=rest))
                label(ax, (x + 1.05, ys[node]), note, ha="left", fontsize=8, color=RECURRENT)
            if node == best:
                words = "".join(_tok(s) for s in best[:-1]) + r" $\langle$end$\rangle$"
                label(ax, (x + 1.05, ys[node]), tr("best: {tokens} (score {score:.2f})").format(
                    tokens=words, score=lp / len(best)), ha="left", fontsize=8)
    for depth in range(len(steps)):
        label(ax, (1.3 + dx * (depth + 1) - 0.6, height - 0.25), tr("step {}").format(depth + 1), fontsize=9,
              color=GREY)
    legend(ax, [(tr("greedy path"), RECURRENT, True), (tr("extension kept or finished"), EDGE, False),
                (tr("pruned"), PRUNED, True)], loc="lower right")
    return fig


def _step_badge(ax, xy, n: int) -> None:
    op(ax, xy, str(n), r=0.2, fontsize=9, kind="attn")


def plot_attention_steps(S: int = 5, scores: tuple[float, ...] = (0.2, 0.9, 2.6, 1.4, -0.3)) -> Figure:
    r"""Attention over the encoder states in four steps (Luong et al.'s global attention):

    .. math::
        e_{ts} = \operatorname{score}(h_t, \bar h_s), \quad
        \alpha_{ts} = \frac{\exp e_{ts}}{\sum_{s'} \exp e_{ts'}}, \quad
        c_t = \sum_s \alpha_{ts} \bar h_s, \quad
        \tilde h_t = \tanh(W_c [c_t; h_t]), \quad \hat y_t = \operatorname{softmax}(W_s \tilde h_t)

    The bars are the softmax of the illustrative ``scores``.

    Raises:
        ValueError: if ``S`` is below 1 or ``scores`` does not have ``S`` entries.
    """
    check_positive(S=S)
    if len(scores) != S:
        raise ValueError(f"scores must have S={S} entries, got {len(scores)}")
    z = sum(math.exp(e) for e in scores)
    alpha = [math.exp(e) / z for e in scores]
    dx = 1.15
    xs = [2.5 + dx * s for s in range(S)]
    x_q = xs[-1] + 1.9
    width, height = x_q + 2.6, 7.4
    fig, ax = new_diagram(width, height, scale=0.8)
    y_enc, y_e, y_sm, y_bar, y_c, y_out = 0.55, 1.75, 2.75, 3.35, 4.85, 6.1
    for s, x in enumerate(xs):
        box(ax, (x, y_enc), rf"$\bar h_{s + 1}$", kind="h", w=0.66)
    label(ax, ((xs[0] + xs[-1]) / 2, y_enc - 0.5), tr(r"encoder states $\bar h_s$ (keys and values)"), fontsize=8,
          color=GREY)
    q = box(ax, (x_q, y_enc), "$h_t$", kind="h", w=0.62)
    label(ax, (x_q, y_enc - 0.5), tr("decoder state (query)"), fontsize=8, color=GREY)
    # step 1: one score per source position, from the query and that encoder state
    line(ax, [q.top, (x_q, y_e), (xs[0] + 0.3, y_e)], color=GREY, lw=1.0, arrow_end=False)
    e_nodes = []
    for s, x in enumerate(xs):
        e = op(ax, (x, y_e), f"$e_{{t{s + 1}}}$", r=0.27, fontsize=12.5)
        arrow(ax, (x, y_enc + 0.23), e.bottom)
        e_nodes.append(e)
    # step 2: a softmax over s turns the scores into weights
    sm = box(ax, ((xs[0] + xs[-1]) / 2, y_sm), tr(r"softmax over $s$ (masked: $\alpha_{ts} = 0$ on padding)"),
             kind="attn", w=xs[-1] - xs[0] + 0.9, h=0.42, fontsize=8)
    for e in e_nodes:
        arrow(ax, e.top, (e.x, sm.bottom[1]))
    bar_tops = []
    for s, x in enumerate(xs):
        hgt = 1.1 * alpha[s]
        ax.add_patch(plt.Rectangle((x - 0.22, y_bar), 0.44, hgt, fc="#d63384", ec=EDGE, lw=0.8, zorder=2))
        label(ax, (x + 0.38, y_bar + 0.12), rf"$\alpha_{{t{s + 1}}}$", fontsize=7.5)
        bar_tops.append((x, y_bar + hgt))
    for x in xs:
        arrow(ax, (x, sm.top[1]), (x, y_bar), lw=0.8)
    # step 3: the context vector is the weighted sum of the encoder states
    c = box(ax, ((xs[0] + xs[-1]) / 2, y_c), r"$c_t = \sum_s \alpha_{ts}\, \bar h_s$", kind="c", w=2.3, h=0.5,
            fontsize=9)
    for x, top in bar_tops:
        arrow(ax, (x, top), c.at(max(-0.9, min(0.9, (x - c.x) / (c.w / 2))), -1), lw=0.8, color=GREY)
    # step 4: combine context and decoder state, predict
    cat = box(ax, (x_q, y_c), "$[c_t; h_t]$", kind="plain", w=1.05, h=0.45)
    arrow(ax, c.right, cat.left)
    line(ax, [(x_q + 0.45, y_e), (x_q + 0.45, cat.bottom[1])], color=GREY, lw=1.0)
    line(ax, [q.at(1, 0), (x_q + 0.45, y_enc), (x_q + 0.45, y_e)], color=GREY, lw=1.0, arrow_end=False)
    ht = box(ax, (x_q, y_out), r"$\tilde h_t = \tanh(W_c [c_t; h_t])$", kind="h", w=2.4, h=0.5, fontsize=9)
    arrow(ax, cat.top, ht.bottom)
    out = box(ax, (x_q, y_out + 0.95), r"$\hat y_t = \mathrm{softmax}(W_s \tilde h_t)$", kind="o", w=2.4, h=0.45,
              fontsize=9)
    arrow(ax, ht.top, out.bottom)
    for n, y in ((1, y_e), (2, y_sm), (3, y_c), (4, y_out)):
        _step_badge(ax, (0.35, y), n)
    label(ax, (0.7, y_e), tr("score"), ha="left", fontsize=8)
    label(ax, (0.7, y_sm), tr("softmax"), ha="left", fontsize=8)
    label(ax, (0.7, y_c), tr("weighted\nsum"), ha="left", fontsize=8)
    label(ax, (0.7, y_out), tr(r"concat, $W_c$"), ha="left", fontsize=8)
    return fig


def _attend(ax, query, y: float, y_c: float):
    """The attention block of :func:`plot_attention_flows`: encoder states and ``query`` in, ``c_t`` out."""
    enc = box(ax, (0.95, y), r"$\bar h_1 \ldots \bar h_S$", kind="h", w=1.35, fontsize=9)
    att = box(ax, (3.2, y), tr("score, softmax,\nweighted sum"), kind="attn", w=1.75, h=0.7, fontsize=8)
    arrow(ax, enc.right, att.left)
    arrow(ax, query.top, att.bottom, label=tr("query"), label_offset=(0.35, 0), fontsize=8)
    c = box(ax, (3.2, y_c), "$c_t$", kind="c", w=0.6)
    arrow(ax, att.top, c.bottom)
    return c


def _recurrent_step(ax, y: float):
    """The decoder's GRU step of :func:`plot_attention_flows`, with ``y_{t-1}`` coming in from the left."""
    rnn = box(ax, (3.2, y), tr("GRU step"), kind="plain", w=1.5, h=0.5, fontsize=9)
    prev = box(ax, (0.95, y), "$y_{t-1}$", kind="x", w=0.75)
    arrow(ax, prev.right, rnn.left)
    return rnn


def plot_attention_flows() -> Figure:
    r"""Where attention sits in the decoder, two ways.

    Left, Bahdanau et al. (2015): the *previous* state :math:`h_{t-1}` (their :math:`s_{t-1}`)
    scores the encoder states with the additive score :math:`v^\top \tanh(W_q h_{t-1} + W_k \bar h_s)`;
    the context :math:`c_t` is an *input* of the recurrent step, :math:`h_t = f(h_{t-1}, y_{t-1}, c_t)`,
    and the output reads :math:`h_t, c_t, y_{t-1}`.

    Right, Luong et al. (2015), the form of this book: the recurrent step runs first; the *current*
    state :math:`h_t` scores (dot, general or concat), and :math:`c_t` is combined *after* it,
    :math:`\tilde h_t = \tanh(W_c [c_t; h_t])`.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 7.0))
    W, H = 6.2, 8.0
    for ax in axes:
        setup_axes(ax, W, H)
    # Bahdanau: attend with h_{t-1}, then the RNN step reads c_t
    ax = axes[0]
    ax.set_title(tr("Bahdanau et al. (2015): attend, then step"), fontsize=10)
    hp = box(ax, (3.2, 0.6), "$h_{t-1}$", kind="h", w=0.75)
    label(ax, (2.2, 0.6), tr("(their $s_{t-1}$)"), fontsize=8, color=GREY)
    c = _attend(ax, hp, 2.2, 3.55)
    rnn = _recurrent_step(ax, 4.9)
    arrow(ax, c.top, rnn.bottom, label=tr("input"), label_offset=(0.35, 0), fontsize=8)
    line(ax, [hp.right, (4.6, 0.6), (4.6, 4.9), rnn.right], color=RECURRENT)
    h = box(ax, (3.2, 6.1), "$h_t$", kind="h", w=0.6)
    arrow(ax, rnn.top, h.bottom)
    out = box(ax, (3.2, 7.2), tr(r"$\hat y_t$ from $h_t, c_t, y_{t-1}$"), kind="o", w=2.4, h=0.5, fontsize=9)
    arrow(ax, h.top, out.bottom)
    label(ax, (0.1, 7.85), tr(r"score: additive $v^\top \tanh(W_q h_{t-1} + W_k \bar h_s)$"), ha="left", fontsize=8.5)
    for n, yy in ((1, 2.2), (2, 4.9), (3, 7.2)):
        _step_badge(ax, (5.6, yy), n)
    # Luong: step, then attend with h_t and combine
    ax = axes[1]
    ax.set_title(tr("Luong et al. (2015), this book: step, then attend"), fontsize=10)
    hp = box(ax, (3.2, 0.6), "$h_{t-1}$", kind="h", w=0.75)
    rnn = _recurrent_step(ax, 1.75)
    arrow(ax, hp.top, rnn.bottom, color=RECURRENT)
    h = box(ax, (3.2, 2.9), "$h_t$", kind="h", w=0.6)
    arrow(ax, rnn.top, h.bottom)
    c = _attend(ax, h, 4.1, 5.35)
    mix = box(ax, (3.2, 6.35), r"$\tilde h_t = \tanh(W_c [c_t; h_t])$", kind="h", w=2.4, h=0.5, fontsize=9)
    arrow(ax, c.top, mix.bottom)
    line(ax, [h.right, (4.6, 2.9), (4.6, 6.35), mix.right], color=GREY)
    out = box(ax, (3.2, 7.3), r"$\hat y_t = \mathrm{softmax}(W_s \tilde h_t)$", kind="o", w=2.4, h=0.45,
              fontsize=9)
    arrow(ax, mix.top, out.bottom)
    label(ax, (0.1, 7.9), tr(r"score$(h_t, \bar h_s)$: dot, general, or concat $v^\top \tanh(W_q h_t + W_k \bar h_s)$"),
          ha="left", fontsize=8.5)
    for n, yy in ((1, 1.75), (2, 4.1), (3, 6.35)):
        _step_badge(ax, (5.6, yy), n)
    fig.tight_layout()
    return fig
