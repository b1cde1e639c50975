"""A character language model on Shakespeare, against a uniform and a bigram baseline.

Data: the tiny-Shakespeare corpus split 90/10 at the character level (the nanoGPT split), vocabulary
of its 65 characters. ``CharLMConfig(cell="lstm", embed_dim=128, hidden_size=128, block=64,
batch_size=12, iters=2000, lr=2e-3)`` is the DESIGN.md reference setting (``char_lm_lstm``); the
chapter's run ``char_lm`` uses the vanilla RNN at the same sizes, and ``char_lm_gru`` (chapter 4) the GRU.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from course_lib.data import Vocab
from course_lib.data.chars import shakespeare
from course_lib.experiments.registry import experiment
from course_lib.lm import (
    CharLM,
    RandomWindows,
    TBPTTBatches,
    bigram_loss,
    evaluate_stream,
    lm_loss_fn,
    sample,
    uniform_loss,
)
from course_lib.train import TrainConfig, fit
from course_lib.utils import get_device, seed_everything

__all__ = ["CharLMConfig", "prepare_data", "build_model", "train_char_lm", "run"]


@dataclass
class CharLMConfig:
    cell: str = "rnn"
    embed_dim: int = 128
    hidden_size: int = 128
    num_layers: int = 1
    dropout: float = 0.0
    scratch: bool = False
    block: int = 64  # T
    batch_size: int = 12  # B
    iters: int = 2000
    lr: float = 2e-3
    weight_decay: float = 0.0
    clip_norm: float | None = 1.0
    batching: str = "random"  # "random" (nanoGPT windows) or "tbptt" (contiguous chunks, state carried)
    eval_every: int = 100
    eval_batches: int = 50
    eval_first: bool = False  # evaluate before the first update too (nanoGPT's order; see TrainConfig)
    corpus_chars: int | None = None  # use only the first N characters (small runs, labs)
    temperatures: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5)
    sample_chars: int = 200
    prompt: str = "ROMEO:"
    seed: int = 0
    device: str | None = None
    extra: dict = field(default_factory=dict)


def prepare_data(corpus_chars: int | None = None) -> tuple[Vocab, torch.Tensor, torch.Tensor]:
    """(vocab of the 65 characters, train ids, val ids) from the 90/10 character split."""
    corpus = shakespeare(corpus_chars)
    return corpus.vocab, corpus.train, corpus.val


def build_model(config: CharLMConfig, vocab_size: int) -> CharLM:
    return CharLM(vocab_size, config.embed_dim, config.hidden_size, config.num_layers, config.cell,
                  config.dropout, config.scratch)


def train_char_lm(config: CharLMConfig, progress: bool = False):
    """Train as configured; return ``(model, vocab, history, (train_ids, val_ids))``."""
    if config.batching not in ("random", "tbptt"):
        raise ValueError(f"batching must be 'random' or 'tbptt', got {config.batching!r}")
    seed_everything(config.seed)
    vocab, train, val = prepare_data(config.corpus_chars)
    model = build_model(config, len(vocab))
    splits = {"train": train, "val": val}
    tbptt = config.batching == "tbptt"
    get = TBPTTBatches(splits, config.batch_size, config.block) if tbptt else \
        RandomWindows(splits, config.batch_size, config.block, seed=config.seed)
    tc = TrainConfig(steps=config.iters, lr=config.lr, weight_decay=config.weight_decay, clip_norm=config.clip_norm,
                     eval_every=config.eval_every, eval_batches=config.eval_batches, eval_first=config.eval_first,
                     carry_state=tbptt,
                     device=config.device, seed=config.seed, progress=progress)
    history = fit(model, get, lm_loss_fn, tc)
    return model, vocab, history, (train, val)


def _small() -> CharLMConfig:
    return CharLMConfig(embed_dim=32, hidden_size=64, iters=150, eval_every=50, eval_batches=5,
                        corpus_chars=100_000, sample_chars=80)


def _full() -> CharLMConfig:
    return CharLMConfig()


def _full_lstm() -> CharLMConfig:
    return CharLMConfig(cell="lstm")


def _full_gru() -> CharLMConfig:
    return CharLMConfig(cell="gru")


@experiment("char_lm_gru", small=lambda: CharLMConfig(**{**_small().__dict__, "cell": "gru"}), full=_full_gru)
@experiment("char_lm_lstm", small=lambda: CharLMConfig(**{**_small().__dict__, "cell": "lstm"}), full=_full_lstm)
@experiment("char_lm", small=_small, full=_full)
def run(config: CharLMConfig) -> dict:
    """Character LM on Shakespeare (90/10 split) vs uniform ln V and a bigram baseline."""
    from course_lib.plotting.rnn import plot_lm_history

    t0 = time.perf_counter()
    model, vocab, history, (train, val) = train_char_lm(config)
    val_full = evaluate_stream(model, val.to(get_device(config.device)))
    gen = torch.Generator().manual_seed(config.seed)
    samples = {str(t): sample(model, vocab, config.prompt, config.sample_chars, t, gen) for t in config.temperatures}
    baselines = {"uniform_lnV": uniform_loss(len(vocab)), "bigram": bigram_loss(train, val, len(vocab))}
    fig = plot_lm_history(history, baselines, title=f"{config.cell} char LM")
    return {
        "history": history.to_dict(),
        "best_val_loss": history.best_val_loss,
        "final_val_loss_full_stream": val_full,
        "baselines": baselines,
        "vocab_size": len(vocab),
        "train_chars": len(train),
        "val_chars": len(val),
        "samples": samples,
        "train_time_s": history.train_time,
        "total_time_s": time.perf_counter() - t0,
        "figure": fig,
    }
