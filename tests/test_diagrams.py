"""Chapter 1-3 architecture diagrams: drawn, with the book's symbols, and bad sizes refused."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.plotting.diagrams import (  # noqa: E402
    plot_bidirectional_rnn,
    plot_bptt_chunks,
    plot_lstm_cell,
    plot_stacked_rnn,
)


def _texts(fig):
    return {t.get_text() for ax in fig.axes for t in ax.texts}


def test_stacked_rnn_has_one_state_per_layer_and_step_and_logits_on_top():
    fig = plot_stacked_rnn(T=3, num_layers=2)
    texts = _texts(fig)
    assert {"$h^{(1)}_1$", "$h^{(2)}_3$", "$o_3$", "$x_1$"} <= texts
    assert "$h^{(3)}_1$" not in texts
    plt.close(fig)


def test_bidirectional_rnn_draws_both_directions():
    fig = plot_bidirectional_rnn(T=3)
    texts = _texts(fig)
    assert r"$\overrightarrow{h}_3$" in texts and r"$\overleftarrow{h}_1$" in texts
    assert r"$\overleftarrow{h}_4$" in texts  # the backward RNN's initial state sits after the last step
    plt.close(fig)


def test_bptt_diagram_marks_one_detach_per_chunk_boundary():
    fig = plot_bptt_chunks(T=9, chunk=3)
    full, truncated = fig.axes
    assert sum(t.get_text() == "detach" for t in full.texts) == 0
    assert sum(t.get_text() == "detach" for t in truncated.texts) == 2
    plt.close(fig)
    with pytest.raises(ValueError, match="chunk must be smaller"):
        plot_bptt_chunks(T=3, chunk=3)
    with pytest.raises(ValueError, match="T must be >= 1"):
        plot_stacked_rnn(T=0)


def test_lstm_cell_shows_four_gates_and_the_cell_state():
    fig = plot_lstm_cell()
    texts = _texts(fig)
    assert {"forget", "input", "candidate", "output"} <= texts
    assert {"$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$"} <= texts
    plt.close(fig)


def test_gate_figure_draws_the_cell_state_as_lines_so_values_beyond_one_stay_readable():
    import numpy as np

    from course_lib.experiments.lstm_gates import figure
    from course_lib.experiments.results import load_results

    r = load_results("lstm_gates")["results"]
    fig = figure(r)
    *gate_axes, cell_ax = fig.axes
    assert all(ax.images for ax in gate_axes) and not cell_ax.images
    c = np.asarray(r["gates"]["c"])  # (T, 6)
    drawn = [ln.get_ydata() for ln in cell_ax.lines if len(ln.get_ydata()) == c.shape[0]]
    assert len(drawn) == 4
    np.testing.assert_allclose(drawn[0], c[:, 0])
    assert np.abs(c[:, :4]).max() > 1  # the point of lines: the counters leave [-1, 1]
    plt.close(fig)
