"""A character-level GPT on Shakespeare, side by side with nanoGPT's shakespeare_char settings.

Three configurations:

* :class:`LiveConfig`: a few hundred steps of a small model, for a notebook cell (seconds);
* :class:`CPUConfig` (the experiment's ``small`` run): nanoGPT's CPU setting, 4 layers, 4 heads,
  128 dims, block 64, batch 12, 2000 iterations, dropout 0 (reference best val loss 1.8857);
* :class:`GPUConfig` (``--full``): nanoGPT's default, 6 layers, 6 heads, 384 dims, block 256,
  batch 64, dropout 0.2, 5000 iterations (reference 1.4697; run it where there is a GPU).

Data: the Shakespeare corpus split 90/10 at the character level, a 65-character vocabulary, random
windows of ``block_size + 1`` characters (input and target shifted by one), as in nanoGPT.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from course_lib.data import Vocab, load_corpus, split_text
from course_lib.experiments.registry import experiment
from course_lib.train import History, TrainConfig, fit
from course_lib.transformer import GPT, GPTConfig
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["CPUConfig", "GPUConfig", "LiveConfig", "ShakespeareChars", "bigram_baseline", "lm_loss",
           "run_gpt", "NANOGPT_REFERENCE"]

#: nanoGPT's published/measured references (DESIGN.md): best val loss and time.
NANOGPT_REFERENCE = {
    "cpu": {"best_val_loss": 1.8857, "time_s": 88.0, "where": "2 CPU cores"},
    "gpu": {"best_val_loss": 1.4697, "time_s": 128.0, "where": "H100 (DESIGN.md measured 1.4603)"},
}


@dataclass
class CPUConfig:
    """nanoGPT shakespeare_char, CPU setting."""

    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 64
    batch_size: int = 12
    dropout: float = 0.0
    steps: int = 2000
    lr: float = 1e-3
    warmup_steps: int = 100
    weight_decay: float = 0.1
    clip_norm: float = 1.0
    eval_every: int = 250
    eval_batches: int = 20
    seed: int = 1337
    device: str | None = "cpu"
    sample_chars: int = 500
    progress: bool = False


@dataclass
class GPUConfig(CPUConfig):
    """nanoGPT shakespeare_char default (GPU) setting."""

    n_layer: int = 6
    n_head: int = 6
    n_embd: int = 384
    block_size: int = 256
    batch_size: int = 64
    dropout: float = 0.2
    steps: int = 5000
    eval_every: int = 250
    eval_batches: int = 200
    device: str | None = None


@dataclass
class LiveConfig(CPUConfig):
    """A small run that fits in a notebook cell on a CPU."""

    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    block_size: int = 32
    batch_size: int = 16
    steps: int = 300
    warmup_steps: int = 20
    lr: float = 3e-3
    eval_every: int = 100
    eval_batches: int = 10
    sample_chars: int = 200


class ShakespeareChars:
    """The corpus as id tensors, and nanoGPT-style random batches.

    ``get_batch(split)`` returns ``(x, y)``, each (B, T) ids, ``y`` being ``x`` shifted by one.
    """

    def __init__(self, block_size: int, batch_size: int, seed: int = 0, text: str | None = None) -> None:
        text = load_corpus("tinyshakespeare") if text is None else text
        train, val = split_text(text, 0.1)
        self.vocab = Vocab.from_text(text, specials=())
        self.train = torch.tensor(self.vocab.encode(train), dtype=torch.long)  # (N_train,)
        self.val = torch.tensor(self.vocab.encode(val), dtype=torch.long)  # (N_val,)
        self.block_size, self.batch_size = block_size, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def get_batch(self, split: str) -> tuple[Tensor, Tensor]:
        data = self.train if split == "train" else self.val
        ix = torch.randint(len(data) - self.block_size - 1, (self.batch_size,), generator=self.generator)  # (B,)
        offsets = ix[:, None] + torch.arange(self.block_size + 1)  # (B, T + 1)
        window = data[offsets]  # (B, T + 1)
        return window[:, :-1], window[:, 1:]  # (B, T), (B, T)


def lm_loss(model: nn.Module, batch: tuple[Tensor, Tensor], state: None = None) -> tuple[Tensor, None]:
    """Mean next-token cross-entropy (nats per character), in :func:`course_lib.train.fit`'s form."""
    x, y = batch
    logits = model(x)  # (B, T, V)
    return nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten()), None


def bigram_baseline(train_ids: Tensor, val_ids: Tensor, vocab_size: int, alpha: float = 1.0) -> float:
    """Validation cross-entropy (nats/char) of a count-based bigram model with add-``alpha`` smoothing.

    The bar any model that looks further back than one character must beat.
    """
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train_ids[:-1].numpy(), train_ids[1:].numpy()), 1.0)
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))  # (V, V)
    return float(-logp[val_ids[:-1].numpy(), val_ids[1:].numpy()].mean())


def _figure(history: History, label: str, reference: float | None):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    steps = np.arange(len(history.train_loss))
    axes[0].plot(steps, history.train_loss, alpha=0.4, label="train (per batch)")
    axes[0].plot(history.val_step, history.val_loss, "o-", label="validation")
    axes[1].plot(history.elapsed, history.val_loss, "o-", label=label)
    for ax in axes:
        if reference is not None:
            ax.axhline(reference, color="gray", ls="--", label=f"nanoGPT best val {reference}")
        ax.set_ylabel("cross-entropy (nats/char)")
        ax.legend()
    axes[0].set_xlabel("step")
    axes[1].set_xlabel("training time (s)")
    fig.tight_layout()
    return fig


def run_gpt(config: CPUConfig) -> dict:
    """Train a GPT with ``config``; return losses, times, throughput, samples, the model and the vocabulary."""
    seed_everything(config.seed)
    device = get_device(config.device)
    data = ShakespeareChars(config.block_size, config.batch_size, seed=config.seed)
    model = GPT(GPTConfig(vocab_size=len(data.vocab), block_size=config.block_size, n_layer=config.n_layer,
                          n_head=config.n_head, n_embd=config.n_embd, dropout=config.dropout))
    train_cfg = TrainConfig(steps=config.steps, lr=config.lr, betas=(0.9, 0.99), clip_norm=config.clip_norm,
                            warmup_steps=config.warmup_steps, lr_decay="cosine", eval_every=config.eval_every,
                            eval_batches=config.eval_batches, device=str(device), seed=config.seed,
                            progress=config.progress)
    optimizer = model.configure_optimizer(config.lr, config.weight_decay, (0.9, 0.99))
    t0 = time.perf_counter()
    history = fit(model, data.get_batch, lm_loss, train_cfg, optimizer=optimizer)
    wall = time.perf_counter() - t0
    gen = torch.Generator(device="cpu").manual_seed(config.seed)
    start = torch.tensor([data.vocab.encode("\n")], device=device)  # (1, 1)
    model.to("cpu")
    samples = {}
    for temp in (0.8, 1.0):
        ids = model.generate(start.cpu(), config.sample_chars, temperature=temp, top_k=200, use_cache=True,
                             generator=gen)
        samples[f"T={temp}"] = data.vocab.decode(ids[0].tolist())
    tokens = config.steps * config.batch_size * config.block_size
    return {
        "best_val_loss": history.best_val_loss,
        "best_step": history.best_step,
        "final_val_loss": history.val_loss[-1] if history.val_loss else math.nan,
        "train_time_s": history.train_time,
        "wall_time_s": wall,
        "tokens_per_s": tokens / history.train_time if history.train_time else math.nan,
        "n_params": count_parameters(model),
        "bigram_val_loss": bigram_baseline(data.train, data.val, len(data.vocab)),
        "history": history.to_dict(),
        "samples": samples,
        "reference": NANOGPT_REFERENCE["gpu" if isinstance(config, GPUConfig) else "cpu"],
        "model": model,
        "vocab": data.vocab,
    }


@experiment("gpt_shakespeare", small=CPUConfig, full=GPUConfig)
def gpt_shakespeare(config: CPUConfig) -> dict:
    """Char-level GPT on Shakespeare: nanoGPT's CPU setting (default) or its GPU setting (--full)."""
    results = run_gpt(config)
    results.pop("model")
    results.pop("vocab")
    history = History(**{k: v for k, v in results["history"].items() if k not in ("best_val_loss", "best_step")})
    results["figure"] = _figure(history, "course_lib GPT", results["reference"]["best_val_loss"])
    return results
