"""Chapter 4-6 architecture diagrams: drawn with the book's symbols, and the beam-search example
is a real run of course_lib's beam search in which greedy search misses the best output."""

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.plotting.diagrams_seq2seq import (  # noqa: E402
    BEAM_TABLE,
    beam_tree,
    plot_attention_flows,
    plot_attention_steps,
    plot_beam_search,
    plot_encoder_decoder,
    plot_gru_cell,
)


def _texts(fig):
    return {t.get_text() for ax in fig.axes for t in ax.texts} | {ax.get_title() for ax in fig.axes}


def test_gru_cell_shows_its_gates_and_the_reset_gate_after_the_hidden_product():
    fig = plot_gru_cell()
    texts = _texts(fig)
    assert {"$h_{t-1}$", "$h_t$", "$z_t$", "$r_t$", "$n_t$", "$1 - z_t$", r"$W_{hn} h_{t-1} + b_{hn}$"} <= texts
    plt.close(fig)


def test_encoder_decoder_has_S_encoder_states_and_T_decoder_steps():
    fig = plot_encoder_decoder(S=3, T=2)
    texts = _texts(fig)
    assert {r"$\bar h_1$", r"$\bar h_3$", "$h_1$", "$h_2$", "$c$", "$h_0 = c$", r"$c = \bar h_3$"} <= texts
    assert r"$\bar h_4$" not in texts and "$h_3$" not in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="S must be >= 1"):
        plot_encoder_decoder(S=0)


def test_beam_tree_is_a_real_search_where_greedy_misses_the_best_output():
    tree = beam_tree(beam_size=2, max_len=3)
    assert tree["best"] == ["b", "<end>"]
    assert tree["greedy"] == ["a", "a", "a"]
    first = {t: (lp, status) for _, t, lp, status in tree["steps"][0]}
    assert first["a"][1] == first["b"][1] == "kept" and first["<end>"][1] == "pruned"
    finished = [c for c in tree["steps"][1] if c[3] == "finished"]
    assert (("b",), "<end>") in {(p, t) for p, t, _, _ in finished}
    lp = next(lp for p, t, lp, _ in finished if p == ("b",))
    assert lp == pytest.approx(math.log(BEAM_TABLE["<bos>"]["b"] * BEAM_TABLE["b"]["<end>"]), rel=1e-6)
    fig = plot_beam_search()
    assert "step 2" in _texts(fig)
    plt.close(fig)


def test_attention_steps_draws_softmax_weights_of_the_scores():
    fig = plot_attention_steps(S=3, scores=(0.0, 0.0, math.log(2.0)))
    bars = [p for p in fig.axes[0].patches if type(p).__name__ == "Rectangle"]
    heights = sorted(b.get_height() for b in bars)
    assert heights[-1] == pytest.approx(2 * heights[0])  # alpha = (1/4, 1/4, 1/2)
    assert {r"$c_t = \sum_s \alpha_{ts}\, \bar h_s$", r"$\tilde h_t = \tanh(W_c [c_t; h_t])$"} <= _texts(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="S=2 entries"):
        plot_attention_steps(S=2, scores=(1.0,))


def test_attention_flows_contrast_the_previous_and_the_current_state_as_query():
    fig = plot_attention_flows()
    left, right = (_texts_of(ax) for ax in fig.axes)
    assert any("h_{t-1} + W_k" in t for t in left) and any("h_t + W_k" in t for t in right)
    plt.close(fig)


def _texts_of(ax):
    return {t.get_text() for t in ax.texts} | {ax.get_title()}
