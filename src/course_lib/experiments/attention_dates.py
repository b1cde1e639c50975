"""Attention on the date task: train, measure exact match, and draw heat maps of the alignment.

``python -m course_lib experiment attention_dates --full`` writes
``book/_static/results/attention_dates.json/.png`` (the heat maps of chapter 6). The JSON keeps each
example's attention weights, so :func:`replot` redraws the figure without training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course_lib.experiments.registry import experiment
from course_lib.experiments.seq2seq_dates import DateTrainConfig, train_date_model
from course_lib.plotting.attention import AttentionExample, attention_examples, plot_attention_grid

__all__ = ["AttentionDatesConfig", "run", "saved_examples", "replot"]


@dataclass
class AttentionDatesConfig(DateTrainConfig):
    score: str = "general"
    examples: list[str] = field(default_factory=lambda: ["Monday, November 23, 2026", "2026년 11월 23일",
                                                         "11/23/26", "the 3rd of March 1999"])


def _full() -> AttentionDatesConfig:
    return AttentionDatesConfig(n=10_000, steps=500)


@experiment("attention_dates", small=AttentionDatesConfig, full=_full)
def run(config: AttentionDatesConfig) -> dict:
    """Attention seq2seq on dates: exact match, token accuracy, BLEU, and heat maps of examples."""
    trained = train_date_model(config, attention=config.score)
    examples = attention_examples(trained.model, config.examples, trained.data.src_vocab, trained.data.tgt_vocab)
    return {
        **trained.metrics(),
        "examples": [{"source": e.source, "output": e.output, "alpha": e.alpha.tolist()} for e in examples],
        "figure": plot_attention_grid(examples, ncols=2),
    }


def saved_examples(results: dict) -> list[AttentionExample]:
    """The heat-map examples stored in a results dict (``load_results(...)["results"]``).

    Raises:
        KeyError: if the file predates the saving of attention weights.
    """
    import numpy as np

    return [AttentionExample(e["source"], e["output"], np.asarray(e["alpha"])) for e in results["examples"]]


def replot(stem: str = "attention_dates", directory=None) -> None:
    """Redraw ``<stem>.png`` from ``<stem>.json`` (e.g. after installing a font that draws Hangul)."""
    from pathlib import Path

    from course_lib.experiments.results import load_results, results_dir

    saved = load_results(stem, directory)
    fig = plot_attention_grid(saved_examples(saved["results"]), ncols=2)
    fig.savefig(Path(directory or results_dir()) / f"{stem}.png", dpi=120, bbox_inches="tight")
