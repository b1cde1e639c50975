r"""RNN vs LSTM vs GRU on the Shakespeare character language model of chapter 2.

This module owns no language model and no training loop: each cell's run is the chapter-2
experiment, :func:`course_lib.experiments.char_lm.run`, with ``CharLMConfig(cell=...)`` and every
other field shared. A cell whose run is already saved under ``book/_static/results/`` (``char_lm``
for the RNN, ``char_lm_lstm``, ``char_lm_gru``) with *exactly* the requested configuration is read
from that file instead of being trained again (``reuse_saved``); any difference in the
configuration, the device aside, trains it afresh. Per cell it reports

- the best validation loss during training (mean over ``eval_batches`` random windows) and the
  exact loss over the whole validation stream at the end, in nats per character;
- the parameter count of the whole model (embedding, recurrent layers, read-out);
- the training time (evaluations excluded), per 100 steps and per epoch, where an epoch is
  :math:`N_{\text{train}} / (B T)` steps of random windows: as many characters as the training text.

Saved runs are timed on whatever the machine was doing when each ran, so their times compare badly
on a shared machine. :func:`matched_timing` therefore also trains every cell for a few steps
round-robin in one process (``timing_rounds`` x ``timing_steps``; the fastest round of each cell is
reported, all rounds kept), which puts the cells under the same load.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from course_lib.experiments.char_lm import CharLMConfig, build_model, train_char_lm
from course_lib.experiments.char_lm import run as char_lm_run
from course_lib.experiments.registry import experiment
from course_lib.experiments.results import load_results
from course_lib.utils import count_parameters

__all__ = ["SAVED_RUNS", "LMCompareConfig", "SmallLMCompareConfig", "cell_config", "saved_run", "summarise",
           "matched_timing", "run"]

#: The chapter-2 experiment that saves each cell's full run.
SAVED_RUNS = {"rnn": "char_lm", "lstm": "char_lm_lstm", "gru": "char_lm_gru"}


@dataclass
class LMCompareConfig:
    cells: tuple[str, ...] = ("rnn", "lstm", "gru")
    char_lm: CharLMConfig = field(default_factory=CharLMConfig)  # the shared setting; its cell is replaced
    reuse_saved: bool = True  # read a cell from its saved char_lm run when that run's config is this one
    results_dir: str | None = None  # where saved runs are looked up (default: book/_static/results)
    device: str | None = None  # for the runs trained here (set by the CLI's --device)
    timing_steps: int = 100  # steps per cell and round of matched_timing (0: skip it)
    timing_rounds: int = 3


def _small_char_lm() -> CharLMConfig:
    return CharLMConfig(embed_dim=32, hidden_size=64, iters=150, eval_every=50, eval_batches=5,
                        corpus_chars=100_000, temperatures=(1.0,), sample_chars=40)


@dataclass
class SmallLMCompareConfig(LMCompareConfig):
    char_lm: CharLMConfig = field(default_factory=_small_char_lm)
    reuse_saved: bool = False
    timing_steps: int = 10
    timing_rounds: int = 1


def cell_config(config: LMCompareConfig, cell: str) -> CharLMConfig:
    """The chapter-2 configuration of one cell's run: the shared setting with ``cell`` (and the device)."""
    changes: dict = {"cell": cell}
    if config.device is not None:
        changes["device"] = config.device
    return dataclasses.replace(config.char_lm, **changes)


def _as_json(config: CharLMConfig) -> dict:
    """The config as it reads back from a saved JSON file (tuples become lists), without the device."""
    d = json.loads(json.dumps(dataclasses.asdict(config)))
    d.pop("device", None)
    return d


def saved_run(config: CharLMConfig, results_dir: str | None = None) -> dict | None:
    """The saved run of ``config.cell`` if its configuration equals ``config`` (device aside), else None."""
    try:
        saved = load_results(SAVED_RUNS[config.cell], results_dir)
    except FileNotFoundError:
        return None
    stored = dict(saved.get("config", {}))
    stored.pop("device", None)
    return saved if stored == _as_json(config) else None


def summarise(config: CharLMConfig, results: dict) -> dict:
    """One cell's row from the chapter-2 experiment's results (as returned by its ``run`` or saved)."""
    train_time = float(results["train_time_s"])
    steps_per_epoch = results["train_chars"] / (config.batch_size * config.block)
    hist = results["history"]
    return {
        "best_val_loss": float(results["best_val_loss"]),
        "final_val_loss_full_stream": float(results["final_val_loss_full_stream"]),
        "parameters": count_parameters(build_model(config, results["vocab_size"])),
        "train_time_s": train_time,
        "s_per_100_steps": 100 * train_time / config.iters,
        "steps_per_epoch": steps_per_epoch,
        "s_per_epoch": steps_per_epoch * train_time / config.iters,
        "val_step": list(hist["val_step"]),
        "val_loss": list(hist["val_loss"]),
    }


def matched_timing(config: LMCompareConfig) -> dict[str, list[float]]:
    """Seconds per 100 training steps of each cell, one value per round, timed round-robin so that
    the cells share the machine's load.

    Each round trains every cell for ``timing_steps`` steps (no evaluation) from a fresh model.
    """
    rounds: dict[str, list[float]] = {cell: [] for cell in config.cells}
    for _ in range(config.timing_rounds):
        for cell in config.cells:
            cfg = dataclasses.replace(cell_config(config, cell), iters=config.timing_steps, eval_every=0)
            _, _, history, _ = train_char_lm(cfg)
            rounds[cell].append(100 * history.train_time / config.timing_steps)
    return rounds


@experiment("lm_compare", small=SmallLMCompareConfig, full=LMCompareConfig)
def run(config: LMCompareConfig) -> dict:
    """RNN vs LSTM vs GRU on the chapter-2 character LM (validation loss, parameters, time)."""
    from course_lib.plotting.gates import plot_lm_compare

    runs, baselines = {}, None
    for cell in config.cells:
        cfg = cell_config(config, cell)
        saved = saved_run(cfg, config.results_dir) if config.reuse_saved else None
        if saved is not None:
            results = saved["results"]
            source = {"saved": SAVED_RUNS[cell], "provenance": saved["provenance"]}
        else:
            results = char_lm_run(cfg)
            results.pop("figure", None)
            source = {"saved": None, "provenance": None}  # trained in this run: the run's own provenance
        runs[cell] = {**summarise(cfg, results), "source": source}
        baselines = results["baselines"]
    if config.timing_steps > 0:
        for cell, times in matched_timing(config).items():
            row = runs[cell]
            row["s_per_100_steps_matched_rounds"] = times
            row["s_per_100_steps_matched"] = min(times)
            row["s_per_epoch_matched"] = row["steps_per_epoch"] * min(times) / 100
    return {"runs": runs, "baselines": baselines, "char_lm_config": _as_json(config.char_lm),
            "figure": plot_lm_compare(runs, baselines)}
