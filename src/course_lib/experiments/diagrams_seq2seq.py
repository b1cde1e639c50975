"""The architecture diagrams of chapters 4-6 (:mod:`course_lib.plotting.diagrams_seq2seq`), saved as
files for the chapter pages; ``python -m course_lib experiment gru_cell_diagram --full`` (and the
others below) redraws one."""

from __future__ import annotations

from course_lib.experiments.diagrams import DiagramConfig
from course_lib.experiments.registry import experiment
from course_lib.plotting.diagrams_seq2seq import (
    beam_tree,
    plot_attention_flows,
    plot_attention_steps,
    plot_beam_search,
    plot_encoder_decoder,
    plot_gru_cell,
)


@experiment("gru_cell_diagram", small=DiagramConfig, full=DiagramConfig)
def gru_cell(config: DiagramConfig) -> dict:
    """The GRU cell of chapter 4 (PyTorch's form: reset gate after the hidden product)."""
    return {"figure": plot_gru_cell()}


@experiment("encoder_decoder_diagram", small=DiagramConfig, full=DiagramConfig)
def encoder_decoder(config: DiagramConfig) -> dict:
    """The encoder-decoder of chapter 5 with its context vector c."""
    return {"figure": plot_encoder_decoder()}


@experiment("beam_search_diagram", small=DiagramConfig, full=DiagramConfig)
def beam_search_tree(config: DiagramConfig) -> dict:
    """The beam-search tree of chapter 5 (two beams on a small probability table)."""
    tree = beam_tree()
    return {"greedy": tree["greedy"], "best": tree["best"], "figure": plot_beam_search()}


@experiment("attention_steps_diagram", small=DiagramConfig, full=DiagramConfig)
def attention_steps(config: DiagramConfig) -> dict:
    """Attention in four steps (chapter 6): score, softmax, weighted sum, concat and W_c."""
    return {"figure": plot_attention_steps()}


@experiment("attention_flows_diagram", small=DiagramConfig, full=DiagramConfig)
def attention_flows(config: DiagramConfig) -> dict:
    """Bahdanau's and Luong's decoders side by side: which state scores, where c_t goes (chapter 6)."""
    return {"figure": plot_attention_flows()}
