"""Chapter 7's architecture diagrams saved as files, so that the chapter's page can show them.

``python -m course_lib experiment transformer_block_diagram --full [--lang ko]`` (and
``transformer_encoder_decoder_diagram``) redraws ``book/_static/results/<name>[.ko].png``
(:func:`course_lib.experiments.diagrams.diagram`).
"""

from __future__ import annotations

from course_lib.experiments.diagrams import diagram
from course_lib.plotting.diagrams_transformer import plot_encoder_decoder_transformer, plot_transformer_block

diagram("transformer_block_diagram", plot_transformer_block,
        "Figure (i) of chapter 7: pre-LN and post-LN blocks, multi-head split and concatenation.")
diagram("transformer_encoder_decoder_diagram", plot_encoder_decoder_transformer,
        "Figure (j) of chapter 7: the encoder-decoder Transformer with cross-attention.")
