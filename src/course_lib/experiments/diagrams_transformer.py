"""Chapter 7's architecture diagrams saved as files, so that the chapter's page can show them.

``python -m course_lib experiment transformer_block_diagram --full`` (and
``transformer_encoder_decoder_diagram``) redraws ``book/_static/results/<name>.png``.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.experiments.registry import experiment
from course_lib.plotting.diagrams_transformer import plot_encoder_decoder_transformer, plot_transformer_block


@dataclass
class DiagramConfig:
    seed: int = 0  # the drawing is deterministic; kept for the results file's provenance


@experiment("transformer_block_diagram", small=DiagramConfig, full=DiagramConfig)
def transformer_block_diagram(config: DiagramConfig) -> dict:
    """Figure (i) of chapter 7: pre-LN and post-LN blocks, multi-head split and concatenation."""
    return {"figure": plot_transformer_block()}


@experiment("transformer_encoder_decoder_diagram", small=DiagramConfig, full=DiagramConfig)
def transformer_encoder_decoder_diagram(config: DiagramConfig) -> dict:
    """Figure (j) of chapter 7: the encoder-decoder Transformer with cross-attention."""
    return {"figure": plot_encoder_decoder_transformer()}
