"""Diagrams saved as files so that pages without code (the landing page) can show them.

They are drawn by the same plotting functions the chapters call live; ``python -m course_lib
experiment rnn_types_diagram --full`` redraws the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.experiments.registry import experiment
from course_lib.plotting.diagrams import plot_bidirectional_rnn, plot_bptt_chunks, plot_lstm_cell, plot_stacked_rnn
from course_lib.plotting.rnn import plot_rnn_types, plot_unrolled_graph


@dataclass
class DiagramConfig:
    seed: int = 0  # the drawing is deterministic; kept for the results file's provenance


@experiment("rnn_types_diagram", small=DiagramConfig, full=DiagramConfig)
def run(config: DiagramConfig) -> dict:
    """The RNN input/output patterns of chapter 1, as a static picture."""
    return {"figure": plot_rnn_types()}


# chapters 1-3: architecture diagrams (course_lib.plotting.diagrams)


@experiment("unrolled_graph_diagram", small=DiagramConfig, full=DiagramConfig)
def unrolled_graph(config: DiagramConfig) -> dict:
    """Chapter 1: the folded RNN and its graph unfolded over four steps."""
    return {"figure": plot_unrolled_graph(T=4)}


@experiment("stacked_rnn_diagram", small=DiagramConfig, full=DiagramConfig)
def stacked_rnn(config: DiagramConfig) -> dict:
    """Chapter 1: a three-layer RNN unrolled over four steps."""
    return {"figure": plot_stacked_rnn(T=4, num_layers=3), "T": 4, "num_layers": 3}


@experiment("bidirectional_rnn_diagram", small=DiagramConfig, full=DiagramConfig)
def bidirectional_rnn(config: DiagramConfig) -> dict:
    """Chapter 1: a bidirectional RNN over four steps."""
    return {"figure": plot_bidirectional_rnn(T=4), "T": 4}


@experiment("bptt_diagram", small=DiagramConfig, full=DiagramConfig)
def bptt(config: DiagramConfig) -> dict:
    """Chapter 2: full BPTT against truncated BPTT in chunks, values and gradient flow."""
    return {"figure": plot_bptt_chunks(T=9, chunk=3), "T": 9, "chunk": 3}


@experiment("lstm_cell_diagram", small=DiagramConfig, full=DiagramConfig)
def lstm_cell(config: DiagramConfig) -> dict:
    """Chapter 3: the LSTM cell, its four gates and the cell-state line."""
    return {"figure": plot_lstm_cell()}
