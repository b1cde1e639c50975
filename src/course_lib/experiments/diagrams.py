"""Diagrams saved as files so that pages without code (the landing page) can show them.

They are drawn by the same plotting functions the chapters call live; ``python -m course_lib
experiment rnn_types_diagram --full`` redraws the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.experiments.registry import experiment
from course_lib.plotting.rnn import plot_rnn_types


@dataclass
class DiagramConfig:
    seed: int = 0  # the drawing is deterministic; kept for the results file's provenance


@experiment("rnn_types_diagram", small=DiagramConfig, full=DiagramConfig)
def run(config: DiagramConfig) -> dict:
    """The RNN input/output patterns of chapter 1, as a static picture."""
    return {"figure": plot_rnn_types()}
