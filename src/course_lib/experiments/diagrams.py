"""Diagrams saved as files so that the chapter pages (and the landing page, which runs no code) can
show them, in English (``NAME.png``) and in Korean (``NAME.ko.png``, which the Korean edition shows
in place of ``NAME.png``).

They are drawn by the same plotting functions the chapters call live. Each diagram is declared once
with :func:`diagram`: its name, its drawing function, and the facts its results file records;
``python -m course_lib experiment rnn_types_diagram --full`` redraws the English file and
``... --full --lang ko`` the Korean one (``make diagrams`` redraws them all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from course_lib.experiments.registry import experiment
from course_lib.plotting.diagram_style import render_diagram, translate_figure
from course_lib.plotting.diagrams import plot_bidirectional_rnn, plot_bptt_chunks, plot_lstm_cell, plot_stacked_rnn
from course_lib.plotting.localized import korean_fonts
from course_lib.plotting.rnn import plot_rnn_types, plot_unrolled_graph

__all__ = ["DiagramConfig", "DIAGRAMS", "diagram"]


@dataclass
class DiagramConfig:
    seed: int = 0  # the drawing is deterministic; kept for the results file's provenance
    lang: str = "en"  # the language of the figure's words: "en" (NAME.png) or "ko" (NAME.ko.png)


#: name -> the function (no arguments) that draws the diagram, for every diagram experiment.
DIAGRAMS: dict[str, Callable[[], Figure]] = {}


def diagram(name: str, draw: Callable[[], Figure], description: str,
            facts: dict[str, Any] | Callable[[], dict[str, Any]] | None = None) -> Callable[[DiagramConfig], dict]:
    """Register the experiment ``name``: ``draw()`` in the config's language (:func:`render_diagram`,
    which refuses a Korean figure with a missing glyph), saved with ``facts`` (a dict, or a function
    returning one) as its results; a Korean file also records the fonts it was drawn with.

    Raises:
        ValueError: if ``name`` is registered twice.
    """

    def run(config: DiagramConfig) -> dict:
        results = dict(facts() if callable(facts) else facts or {})
        if config.lang != "en":
            results["fonts"] = korean_fonts()
        results["figure"] = render_diagram(draw, config.lang)
        return results

    run.__name__ = run.__qualname__ = name
    run.__doc__ = description
    experiment(name, small=DiagramConfig, full=DiagramConfig)(run)
    DIAGRAMS[name] = draw
    return run


# chapter 1: drawn by course_lib.plotting.rnn, whose labels are translated after drawing
diagram("rnn_types_diagram", lambda: translate_figure(plot_rnn_types()),
        "The RNN input/output patterns of chapter 1, as a static picture.")
diagram("unrolled_graph_diagram", lambda: translate_figure(plot_unrolled_graph(T=4)),
        "Chapter 1: the folded RNN and its graph unfolded over four steps.")

# chapters 1-3: architecture diagrams (course_lib.plotting.diagrams)
diagram("stacked_rnn_diagram", lambda: plot_stacked_rnn(T=4, num_layers=3),
        "Chapter 1: a three-layer RNN unrolled over four steps.", {"T": 4, "num_layers": 3})
diagram("bidirectional_rnn_diagram", lambda: plot_bidirectional_rnn(T=4),
        "Chapter 1: a bidirectional RNN over four steps.", {"T": 4})
diagram("bptt_diagram", lambda: plot_bptt_chunks(T=9, chunk=3),
        "Chapter 2: full BPTT against truncated BPTT in chunks, values and gradient flow.", {"T": 9, "chunk": 3})
diagram("lstm_cell_diagram", plot_lstm_cell, "Chapter 3: the LSTM cell, its four gates and the cell-state line.")
