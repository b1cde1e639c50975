"""A look inside a trained LSTM: gate activations over a passage of Shakespeare.

The model is chapter 2's character language model, ``course_lib.lm.CharLM(cell="lstm")``, trained
by chapter 2's :func:`course_lib.experiments.char_lm.train_char_lm` with ``nn.LSTM`` (fast). Its
weights are then loaded into the same model built with ``scratch=True`` (the scratch
:class:`course_lib.lstm.LSTM`), whose ``return_gates=True`` exposes ``i, f, g, o`` and ``c`` at
every character of a validation passage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from course_lib.experiments.char_lm import CharLMConfig, build_model, train_char_lm
from course_lib.experiments.registry import experiment
from course_lib.experiments.results import load_results, results_dir
from course_lib.plotting.gates import plot_gate_activations

__all__ = ["GatesConfig", "SmallGatesConfig", "char_lm_config", "run", "figure", "redraw"]


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


def char_lm_config(config: GatesConfig) -> CharLMConfig:
    """The chapter-2 configuration this experiment trains: an LSTM, random windows, ten evaluations."""
    return CharLMConfig(cell="lstm", embed_dim=config.embed_dim, hidden_size=config.hidden_size, block=config.block,
                        batch_size=config.batch_size, iters=config.steps, lr=config.lr,
                        eval_every=max(50, config.steps // 10), eval_batches=10, seed=config.seed,
                        device=config.device)


@experiment("lstm_gates", small=SmallGatesConfig, full=GatesConfig)
def run(config: GatesConfig) -> dict:
    """Train chapter 2's LSTM LM on Shakespeare, then record its gates over a validation passage."""
    lm_config = char_lm_config(config)
    model, vocab, hist, (_, val) = train_char_lm(lm_config)
    model.cpu().eval()
    scratch = build_model(CharLMConfig(**{**lm_config.__dict__, "scratch": True}), len(vocab)).eval()
    scratch.embedding.load_state_dict(model.embedding.state_dict())
    scratch.head.load_state_dict(model.head.state_dict())
    scratch.rnn.load_from_torch(model.rnn)
    ids = val[config.passage_start:config.passage_start + config.passage_length][None]  # (1, T)
    passage = vocab.decode(ids[0].tolist(), strip_specials=False, stop_at_end=False)
    with torch.no_grad():
        emb = scratch.embedding(ids)  # (1, T, E)
        _, _, gates = scratch.rnn(emb, return_gates=True)
        diff = (scratch(ids)[0] - model(ids)[0]).abs().max()  # logits (1, T, V): scratch vs nn.LSTM
    # the 6 units whose cell state varies most over the passage (the most "active" memories); only
    # their gates are saved
    c = gates["c"][0]  # (T, H)
    units = torch.argsort(c.std(dim=0), descending=True)[:6].tolist()
    results = {
        "val_loss": hist.val_loss, "val_step": hist.val_step, "best_val_loss": hist.best_val_loss,
        "train_time_s": hist.train_time,
        "scratch_vs_torch_max_abs_diff": float(diff),
        "passage": passage, "units": units,
        "gates": {k: v[0][:, units].tolist() for k, v in gates.items()},  # (T, 6): the units below only
        "mean_gate": {k: float(v.mean()) for k, v in gates.items() if k in ("i", "f", "o")},
    }
    results["figure"] = figure(results)
    return results


def figure(results: dict):
    """The chapter's figure from a run's results: gates of the first four saved units as heat maps,
    their cell states as lines."""
    return plot_gate_activations(results["passage"], results["gates"], [0, 1, 2, 3],
                                 unit_labels=results["units"][:4])


def redraw(name: str = "lstm_gates") -> Path:
    """Redraw ``<name>.png`` from the saved ``<name>.json`` (no training); returns the PNG's path."""
    import matplotlib.pyplot as plt

    fig = figure(load_results(name)["results"])
    path = results_dir() / f"{name}.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
