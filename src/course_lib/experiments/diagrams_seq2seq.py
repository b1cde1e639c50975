"""The architecture diagrams of chapters 4-6 (:mod:`course_lib.plotting.diagrams_seq2seq`), saved as
files for the chapter pages; ``python -m course_lib experiment gru_cell_diagram --full [--lang ko]``
(and the others below) redraws one (:func:`course_lib.experiments.diagrams.diagram`)."""

from __future__ import annotations

from course_lib.experiments.diagrams import diagram
from course_lib.plotting.diagrams_seq2seq import (
    beam_tree,
    plot_attention_flows,
    plot_attention_steps,
    plot_beam_search,
    plot_encoder_decoder,
    plot_gru_cell,
)


def _beam_facts() -> dict:
    tree = beam_tree()
    return {"greedy": tree["greedy"], "best": tree["best"]}


diagram("gru_cell_diagram", plot_gru_cell,
        "The GRU cell of chapter 4 (PyTorch's form: reset gate after the hidden product).")
diagram("encoder_decoder_diagram", plot_encoder_decoder, "The encoder-decoder of chapter 5 with its context vector c.")
diagram("beam_search_diagram", plot_beam_search,
        "The beam-search tree of chapter 5 (two beams on a small probability table).", _beam_facts)
diagram("attention_steps_diagram", plot_attention_steps,
        "Attention in four steps (chapter 6): score, softmax, weighted sum, concat and W_c.")
diagram("attention_flows_diagram", plot_attention_flows,
        "Bahdanau's and Luong's decoders side by side: which state scores, where c_t goes (chapter 6).")
