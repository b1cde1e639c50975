"""The bottleneck, measured and removed: accuracy against input length, plain seq2seq vs attention.

Both models are trained on the copy task (:mod:`course_lib.data.seq_tasks`) with source lengths
uniform in ``[min_len, max_len]``, with about the same number of parameters, then decoded greedily
on fresh sources of each length. The plain model must squeeze the whole source into its last
encoder state; the attention model can look back at every position. The figure has the shape of
Bahdanau et al. (2015), Fig. 2.

``python -m course_lib experiment bottleneck --full`` writes ``book/_static/results/bottleneck.json/.png``.

Two controls, each its own experiment:

- ``bottleneck_longer`` trains the plain model for 2x and 3x as many steps (the same run, continued,
  so its first round *is* the plain model of ``bottleneck``): if the fall with length came from a
  model that had not yet fit its training data, the curve moves up with more steps.
- ``copy_errors`` retrains the attention model of ``bottleneck`` and classifies its failed copies:
  :func:`course_lib.metrics.position_errors` (what token accuracy counts) against
  :func:`course_lib.metrics.edit_ops` (substitutions, skipped and extra characters).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch

from course_lib.data.seq_tasks import SeqTask
from course_lib.decoding import translate
from course_lib.experiments.registry import experiment
from course_lib.metrics import edit_ops, exact_match, position_errors, token_accuracy
from course_lib.plotting.labels import tr
from course_lib.seq2seq import Seq2Seq, Seq2SeqConfig, make_loss_fn, make_seq2seq
from course_lib.train import TrainConfig, fit, make_optimizer
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["BottleneckConfig", "LongerConfig", "CopyErrorsConfig", "CopyRun", "copy_run", "evaluate_lengths",
           "error_summary", "run", "run_longer", "run_copy_errors", "plot_bottleneck", "plot_longer"]


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
                label=tr("{model} ({n:,} params)").format(
                    model=tr("seq2seq" if name == "plain" else "seq2seq + attention"), n=r["parameters"]))
    ax.axvspan(results["train_min_len"], results["train_max_len"], color="0.92", zorder=0)
    ax.set_xlabel(tr("source length (characters)"))
    ax.set_ylabel(tr("token accuracy (%)"))
    ax.set_ylim(0, 102)
    ax.set_title(tr("{task} task: accuracy against length").format(task=tr(results["task"])))
    ax.legend(loc="lower left")
    ax.figure.tight_layout()
    return ax.figure


class CopyRun:
    """One model on the copy task, trained in rounds of ``config.steps`` steps that continue each
    other (same batches stream, same optimizer): round 1 is exactly :func:`run`'s model."""

    def __init__(self, config: BottleneckConfig, hidden: int, score: str | None) -> None:
        self.config = config
        self.device = get_device(config.device)
        self.task = SeqTask(config.task)
        V = len(self.task.vocab)
        seed_everything(config.seed)
        self.model: Seq2Seq = make_seq2seq(V, V, Seq2SeqConfig(emb_size=config.emb_size, hidden_size=hidden,
                                                               attention=score))
        self.hidden = hidden
        self.gen = torch.Generator().manual_seed(config.seed)
        self.train_cfg = TrainConfig(steps=config.steps, lr=config.lr, eval_every=0, progress=False,
                                     device=str(self.device), seed=config.seed)
        self.model.to(self.device)
        self.optimizer = make_optimizer(self.model, self.train_cfg)
        self.train_loss: list[float] = []
        self.train_time = 0.0

    def get_batch(self, split: str) -> tuple:
        c = self.config
        return tuple(self.task.get_batch(c.batch_size, c.min_len, c.max_len, generator=self.gen))

    def train_round(self) -> None:
        t0 = time.perf_counter()
        hist = fit(self.model, self.get_batch, make_loss_fn(self.task.vocab.pad_id), self.train_cfg,
                   optimizer=self.optimizer)
        self.train_time += time.perf_counter() - t0
        self.train_loss += hist.train_loss

    @property
    def final_train_loss(self) -> float:
        return sum(self.train_loss[-20:]) / min(20, len(self.train_loss))


def copy_run(config: BottleneckConfig, hidden: int, score: str | None) -> CopyRun:
    """A :class:`CopyRun` after one round of training."""
    r = CopyRun(config, hidden, score)
    r.train_round()
    return r


def evaluate_lengths(model: Seq2Seq, task: SeqTask, config: BottleneckConfig) -> dict:
    """Greedy copies of ``eval_per_length`` fresh sources of each length (the same sources on every
    call): exact match, token accuracy, and the outputs (``preds``/``refs``, one list per length)."""
    eval_gen = torch.Generator().manual_seed(config.seed + 1000)
    out: dict = {"exact_match": [], "token_accuracy": [], "preds": [], "refs": []}
    for L in config.eval_lengths:
        pairs = task.pairs(config.eval_per_length, L, L, generator=eval_gen)
        preds = translate(model, [s for s, _ in pairs], task.vocab, task.vocab, max_len=L + 2)
        refs = [t for _, t in pairs]
        out["exact_match"].append(exact_match(preds, refs))
        out["token_accuracy"].append(token_accuracy(preds, refs))
        out["preds"].append(preds)
        out["refs"].append(refs)
    return out


def error_summary(preds: list[str], refs: list[str]) -> dict:
    """What went wrong in the failed copies: per failed string, the mean of
    :func:`~course_lib.metrics.position_errors` and of the edit distance, the share of failures that
    are one or two edits, the share with a wrong length, and the total substitutions / deletions
    (skipped characters) / insertions (extra characters)."""
    failed = [(p, r) for p, r in zip(preds, refs, strict=True) if p != r]
    n = len(failed)
    ops = [edit_ops(p, r) for p, r in failed]
    mean = (lambda xs: sum(xs) / n) if n else (lambda xs: None)  # noqa: E731
    return {
        "failed": n,
        "mean_position_errors": mean([position_errors(p, r) for p, r in failed]),
        "mean_edit_distance": mean([o.distance for o in ops]),
        "share_one_edit": mean([o.distance == 1 for o in ops]),
        "share_at_most_two_edits": mean([o.distance <= 2 for o in ops]),
        "share_wrong_length": mean([len(p) != len(r) for p, r in failed]),
        "substitutions": sum(o.substitutions for o in ops),
        "deletions": sum(o.deletions for o in ops),
        "insertions": sum(o.insertions for o in ops),
    }


@experiment("bottleneck", small=BottleneckConfig, full=_full)
def run(config: BottleneckConfig) -> dict:
    """Accuracy vs source length on the copy task: plain seq2seq vs attention (comparable size)."""
    out: dict = {"task": config.task, "lengths": list(config.eval_lengths), "train_min_len": config.min_len,
                 "train_max_len": config.max_len}
    for name, hidden, score in (("plain", config.plain_hidden, None),
                                ("attention", config.attention_hidden, config.score)):
        r = copy_run(config, hidden, score)
        ev = evaluate_lengths(r.model, r.task, config)
        out[name] = {"parameters": count_parameters(r.model), "hidden_size": hidden,
                     "exact_match": ev["exact_match"], "token_accuracy": ev["token_accuracy"],
                     "final_train_loss": r.final_train_loss, "train_time_s": r.train_time}
    out["figure"] = plot_bottleneck(out)
    return out


@dataclass
class LongerConfig:
    """``bottleneck_longer``: the plain model of ``base``, trained for ``rounds`` x ``base.steps`` steps."""

    base: BottleneckConfig = field(default_factory=BottleneckConfig)
    rounds: int = 2
    loss_every: int = 50  # the training-loss curve is averaged over windows of this many steps
    device: str | None = None


def _longer_full() -> LongerConfig:
    return LongerConfig(base=_full(), rounds=3, loss_every=100)


def plot_longer(results: dict):
    """Left: the plain model's token accuracy against length after each round, with the attention
    model of ``bottleneck``. Right: its training loss."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    last = results["rounds"][-1]["steps"]
    for rnd in results["rounds"]:
        ax.plot(results["lengths"], [100 * a for a in rnd["token_accuracy"]], "o-", color="C0",
                label=tr("seq2seq, {steps:,} steps").format(steps=rnd["steps"]),
                alpha=0.35 + 0.65 * rnd["steps"] / last)
    if results.get("attention"):
        ax.plot(results["lengths"], [100 * a for a in results["attention"]["token_accuracy"]], "s--",
                color="0.4",
                label=tr("seq2seq + attention, {steps:,} steps").format(steps=results["attention"]["steps"]))
    ax.axvspan(results["train_min_len"], results["train_max_len"], color="0.92", zorder=0)
    ax.set_xlabel(tr("source length (characters)"))
    ax.set_ylabel(tr("token accuracy (%)"))
    ax.set_ylim(0, 102)
    ax.set_title(tr("More training for the plain model"))
    ax.legend(loc="lower left", fontsize=8)
    ax2.plot(results["loss_step"], results["train_loss"], color="C0")
    for rnd in results["rounds"]:
        ax2.axvline(rnd["steps"], color="0.7", ls=":")
    ax2.set_ylim(0, None)
    ax2.set_xlabel(tr("training step"))
    ax2.set_ylabel(tr("training loss (nats per token)"))
    ax2.set_title(tr("Plain seq2seq: training loss"))
    fig.tight_layout()
    return fig


@experiment("bottleneck_longer", small=LongerConfig, full=_longer_full)
def run_longer(config: LongerConfig) -> dict:
    """Control for the bottleneck: the plain seq2seq trained 2-3x longer, accuracy vs length after each round."""
    base = config.base
    if config.device is not None:
        base.device = config.device
    r = CopyRun(base, base.plain_hidden, None)
    rounds = []
    for k in range(config.rounds):
        r.train_round()
        ev = evaluate_lengths(r.model, r.task, base)
        rounds.append({"steps": (k + 1) * base.steps, "exact_match": ev["exact_match"],
                       "token_accuracy": ev["token_accuracy"], "final_train_loss": r.final_train_loss,
                       "train_time_s": r.train_time,
                       "errors": [error_summary(p, t) for p, t in zip(ev["preds"], ev["refs"], strict=True)]})
    w = config.loss_every
    loss = [sum(r.train_loss[i:i + w]) / len(r.train_loss[i:i + w]) for i in range(0, len(r.train_loss), w)]
    out: dict = {"task": base.task, "lengths": list(base.eval_lengths), "train_min_len": base.min_len,
                 "train_max_len": base.max_len, "parameters": count_parameters(r.model),
                 "hidden_size": base.plain_hidden, "rounds": rounds,
                 "loss_step": [i + w // 2 for i in range(0, len(r.train_loss), w)], "train_loss": loss}
    try:  # the attention model of the saved full run, for comparison (when its configuration matches)
        from course_lib.experiments.results import load_results
        saved = load_results("bottleneck")
        if saved["config"]["steps"] == base.steps and saved["results"]["lengths"] == out["lengths"]:
            out["attention"] = {"steps": base.steps, "token_accuracy": saved["results"]["attention"]["token_accuracy"]}
    except FileNotFoundError:
        pass
    out["figure"] = plot_longer(out)
    return out


@dataclass
class CopyErrorsConfig:
    """``copy_errors``: the attention model of ``base``, its failures classified at each length."""

    base: BottleneckConfig = field(default_factory=BottleneckConfig)
    device: str | None = None


def _copy_errors_full() -> CopyErrorsConfig:
    return CopyErrorsConfig(base=_full())


@experiment("copy_errors", small=CopyErrorsConfig, full=_copy_errors_full)
def run_copy_errors(config: CopyErrorsConfig) -> dict:
    """What the attention model gets wrong on long copies: substitutions, or skipped / repeated characters."""
    base = config.base
    if config.device is not None:
        base.device = config.device
    r = copy_run(base, base.attention_hidden, base.score)
    ev = evaluate_lengths(r.model, r.task, base)
    examples = []
    for preds, refs in zip(ev["preds"][::-1], ev["refs"][::-1], strict=True):  # longest first
        examples += [{"ref": t, "pred": p} for p, t in zip(preds, refs, strict=True) if p != t][:3]
        if len(examples) >= 3:
            break
    return {"task": base.task, "lengths": list(base.eval_lengths), "parameters": count_parameters(r.model),
            "hidden_size": base.attention_hidden, "score": base.score, "exact_match": ev["exact_match"],
            "token_accuracy": ev["token_accuracy"], "final_train_loss": r.final_train_loss,
            "train_time_s": r.train_time,
            "errors": [error_summary(p, t) for p, t in zip(ev["preds"], ev["refs"], strict=True)],
            "examples": examples[:3]}
