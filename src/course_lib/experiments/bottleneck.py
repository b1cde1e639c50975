"""The bottleneck, measured and removed: accuracy against input length, plain seq2seq vs attention.

Both models are trained on the copy task (:mod:`course_lib.data.seq_tasks`) with source lengths
uniform in ``[min_len, max_len]``, with about the same number of parameters, then decoded greedily
on fresh sources of each length. The plain model must squeeze the whole source into its last
encoder state; the attention model can look back at every position. The figure has the shape of
Bahdanau et al. (2015), Fig. 2.

``python -m course_lib experiment bottleneck --full`` writes ``book/_static/results/bottleneck.json/.png``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch

from course_lib.data.seq_tasks import SeqTask
from course_lib.decoding import translate
from course_lib.experiments.registry import experiment
from course_lib.metrics import exact_match, token_accuracy
from course_lib.seq2seq import Seq2SeqConfig, make_loss_fn, make_seq2seq
from course_lib.train import TrainConfig, fit
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["BottleneckConfig", "run", "plot_bottleneck"]


@dataclass
class BottleneckConfig:
    task: str = "copy"
    min_len: int = 4
    max_len: int = 16
    eval_lengths: list[int] = field(default_factory=lambda: [4, 8, 12, 16])
    eval_per_length: int = 50
    batch_size: int = 64
    steps: int = 100
    lr: float = 3e-3
    emb_size: int = 32
    plain_hidden: int = 96  # chosen so both models have about the same number of parameters
    attention_hidden: int = 92
    score: str = "general"
    seed: int = 0
    device: str | None = None


def _full() -> BottleneckConfig:
    return BottleneckConfig(min_len=4, max_len=40, eval_lengths=[4, 8, 12, 16, 20, 24, 28, 32, 36, 40],
                            eval_per_length=200, steps=1000, plain_hidden=128, attention_hidden=124)


def plot_bottleneck(results: dict, ax=None):
    """Token accuracy against source length, one line per model (the figure of the chapters 5-6)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for name, style in (("plain", "o-"), ("attention", "s-")):
        r = results[name]
        ax.plot(results["lengths"], [100 * a for a in r["token_accuracy"]], style,
                label=f"{'seq2seq' if name == 'plain' else 'seq2seq + attention'} ({r['parameters']:,} params)")
    ax.axvspan(results["train_min_len"], results["train_max_len"], color="0.92", zorder=0)
    ax.set_xlabel("source length (characters)")
    ax.set_ylabel("token accuracy (%)")
    ax.set_ylim(0, 102)
    ax.set_title(f"{results['task']} task: accuracy against length")
    ax.legend(loc="lower left")
    ax.figure.tight_layout()
    return ax.figure


@experiment("bottleneck", small=BottleneckConfig, full=_full)
def run(config: BottleneckConfig) -> dict:
    """Accuracy vs source length on the copy task: plain seq2seq vs attention (comparable size)."""
    device = get_device(config.device)
    task = SeqTask(config.task)
    V = len(task.vocab)
    out: dict = {"task": config.task, "lengths": list(config.eval_lengths), "train_min_len": config.min_len,
                 "train_max_len": config.max_len}
    for name, hidden, score in (("plain", config.plain_hidden, None),
                                ("attention", config.attention_hidden, config.score)):
        seed_everything(config.seed)
        model = make_seq2seq(V, V, Seq2SeqConfig(emb_size=config.emb_size, hidden_size=hidden, attention=score))
        gen = torch.Generator().manual_seed(config.seed)

        def get_batch(split: str, gen=gen) -> tuple:
            return tuple(task.get_batch(config.batch_size, config.min_len, config.max_len, generator=gen))

        t0 = time.perf_counter()
        hist = fit(model, get_batch, make_loss_fn(task.vocab.pad_id),
                   TrainConfig(steps=config.steps, lr=config.lr, eval_every=0, progress=False,
                               device=str(device), seed=config.seed))
        train_time = time.perf_counter() - t0
        eval_gen = torch.Generator().manual_seed(config.seed + 1000)
        em, acc = [], []
        for L in config.eval_lengths:
            pairs = task.pairs(config.eval_per_length, L, L, generator=eval_gen)
            preds = translate(model, [s for s, _ in pairs], task.vocab, task.vocab, max_len=L + 2)
            refs = [t for _, t in pairs]
            em.append(exact_match(preds, refs))
            acc.append(token_accuracy(preds, refs))
        out[name] = {"parameters": count_parameters(model), "hidden_size": hidden, "exact_match": em,
                     "token_accuracy": acc, "final_train_loss": sum(hist.train_loss[-20:]) / min(20, config.steps),
                     "train_time_s": train_time}
    out["figure"] = plot_bottleneck(out)
    return out
