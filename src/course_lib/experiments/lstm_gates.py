"""A look inside a trained LSTM: gate activations over a passage of Shakespeare.

A one-layer LSTM language model (embedding -> LSTM -> linear) is trained briefly with ``nn.LSTM``
(fast), then its weights are loaded into the scratch :class:`course_lib.lstm.LSTM`, whose
``return_gates=True`` exposes ``i, f, g, o`` and ``c`` at every character. The chapter 2 language
model (``course_lib.lm``) is the full treatment of character LMs; this is the smallest model that
lets us look at trained gates.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.data import Vocab, load_corpus, split_text
from course_lib.experiments.registry import experiment
from course_lib.lstm import LSTM
from course_lib.plotting.gates import plot_gate_activations
from course_lib.train import TrainConfig, fit
from course_lib.utils import seed_everything

__all__ = ["GatesConfig", "SmallGatesConfig", "TinyLSTMLM", "run"]


@dataclass
class GatesConfig:
    hidden_size: int = 128
    embed_dim: int = 32
    block: int = 64
    batch_size: int = 32
    steps: int = 1500
    lr: float = 3e-3
    passage_start: int = 0
    passage_length: int = 80
    seed: int = 0
    device: str | None = None


@dataclass
class SmallGatesConfig(GatesConfig):
    hidden_size: int = 64
    steps: int = 150


class TinyLSTMLM(nn.Module):
    """Shapes: ids (B, T) -> logits (B, T, V)."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: Tensor) -> Tensor:
        out, _ = self.lstm(self.embed(ids))  # (B, T, H)
        return self.head(out)  # (B, T, V)


@experiment("lstm_gates", small=SmallGatesConfig, full=GatesConfig)
def run(config: GatesConfig) -> dict:
    """Train a small LSTM LM on Shakespeare, then record its gates over a validation passage."""
    seed_everything(config.seed)
    train_text, val_text = split_text(load_corpus("tinyshakespeare"))
    vocab = Vocab.from_text(train_text, specials=())
    data = {"train": torch.tensor(vocab.encode(train_text)), "val": torch.tensor(vocab.encode(val_text))}
    gen = torch.Generator().manual_seed(config.seed)

    def get_batch(split: str) -> tuple[Tensor, Tensor]:
        d = data[split]
        starts = torch.randint(0, len(d) - config.block - 1, (config.batch_size,), generator=gen)
        idx = starts[:, None] + torch.arange(config.block + 1)  # (B, block + 1)
        chunk = d[idx]
        return chunk[:, :-1], chunk[:, 1:]

    def loss_fn(model: nn.Module, batch: tuple[Tensor, Tensor], state: object) -> tuple[Tensor, None]:
        x, y = batch
        return nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten()), None

    model = TinyLSTMLM(len(vocab), config.embed_dim, config.hidden_size)
    train_cfg = TrainConfig(steps=config.steps, lr=config.lr, eval_every=max(50, config.steps // 10),
                            eval_batches=10, device=config.device, seed=config.seed, progress=False)
    hist = fit(model, get_batch, loss_fn, train_cfg)
    model.cpu()
    scratch = LSTM(config.embed_dim, config.hidden_size).load_from_torch(model.lstm)
    passage = val_text[config.passage_start:config.passage_start + config.passage_length]
    ids = torch.tensor([vocab.encode(passage)])  # (1, T)
    with torch.no_grad():
        emb = model.embed(ids)  # (1, T, E)
        out, _, gates = scratch(emb, return_gates=True)
        ref_out, _ = model.lstm(emb)
    # the 6 units whose cell state varies most over the passage (the most "active" memories); only
    # their gates are saved
    c = gates["c"][0]  # (T, H)
    units = torch.argsort(c.std(dim=0), descending=True)[:6].tolist()
    results = {
        "val_loss": hist.val_loss, "val_step": hist.val_step, "best_val_loss": hist.best_val_loss,
        "train_time_s": hist.train_time,
        "scratch_vs_torch_max_abs_diff": float((out - ref_out).abs().max()),
        "passage": passage, "units": units,
        "gates": {k: v[0][:, units].tolist() for k, v in gates.items()},  # (T, 6): the units below only
        "mean_gate": {k: float(v.mean()) for k, v in gates.items() if k in ("i", "f", "o")},
    }
    results["figure"] = plot_gate_activations(passage, results["gates"], [0, 1, 2, 3], unit_labels=units[:4])
    return results
