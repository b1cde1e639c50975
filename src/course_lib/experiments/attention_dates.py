"""Attention on the date task: train, measure exact match, and draw heat maps of the alignment.

``python -m course_lib experiment attention_dates --full`` writes
``book/_static/results/attention_dates.json/.png`` (the heat maps of chapter 6). The JSON keeps each
example's attention weights, so :func:`replot` redraws the figure without training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course_lib.data.dates import make_date_dataset
from course_lib.decoding import translate
from course_lib.experiments.registry import experiment
from course_lib.metrics import bleu, exact_match, token_accuracy
from course_lib.plotting.attention import AttentionExample, attention_examples, plot_attention_grid
from course_lib.seq2seq import Seq2SeqConfig, make_loss_fn, make_seq2seq
from course_lib.train import TrainConfig, fit
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["AttentionDatesConfig", "run", "saved_examples", "replot"]


@dataclass
class AttentionDatesConfig:
    n: int = 6000
    steps: int = 150
    batch_size: int = 64
    lr: float = 5e-3
    emb_size: int = 32
    hidden_size: int = 64
    score: str = "general"
    examples: list[str] = field(default_factory=lambda: ["Monday, November 23, 2026", "2026년 11월 23일",
                                                         "11/23/26", "the 3rd of March 1999"])
    seed: int = 0
    device: str | None = None


def _full() -> AttentionDatesConfig:
    return AttentionDatesConfig(n=10_000, steps=500)


@experiment("attention_dates", small=AttentionDatesConfig, full=_full)
def run(config: AttentionDatesConfig) -> dict:
    """Attention seq2seq on dates: exact match, token accuracy, BLEU, and heat maps of examples."""
    device = get_device(config.device)
    data = make_date_dataset(config.n, seed=config.seed)
    seed_everything(config.seed)
    model = make_seq2seq(len(data.src_vocab), len(data.tgt_vocab),
                         Seq2SeqConfig(config.emb_size, config.hidden_size, attention=config.score))
    hist = fit(model, lambda split: tuple(data.get_batch(split, config.batch_size)),
               make_loss_fn(data.tgt_vocab.pad_id),
               TrainConfig(steps=config.steps, lr=config.lr, eval_every=0, progress=False, device=str(device),
                           seed=config.seed))
    refs = [t for _, t in data.test]
    preds = translate(model, [s for s, _ in data.test], data.src_vocab, data.tgt_vocab, max_len=12)
    examples = attention_examples(model, config.examples, data.src_vocab, data.tgt_vocab)
    return {
        "parameters": count_parameters(model),
        "test_size": len(refs),
        "exact_match": exact_match(preds, refs),
        "token_accuracy": token_accuracy(preds, refs),
        "bleu": bleu(preds, refs),
        "train_time_s": hist.train_time,
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
