"""RNN vs LSTM vs GRU on the Shakespeare character language model of chapter 2.

This module owns no language model: it runs the chapter-2 experiment ``char_lm`` once per cell
type (its config must have a ``cell`` field, as ``course_lib.lm.CharLM`` takes ``cell="rnn" |
"lstm" | "gru"``) and collects validation loss, parameter count and time. Until ``char_lm`` is
registered, :func:`run` raises a ``KeyError`` that says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from course_lib.experiments.registry import experiment, get_experiment

__all__ = ["LMCompareConfig", "SmallLMCompareConfig", "run"]

#: Keys looked up in the char_lm results, in order of preference.
_KEYS = {"best_val_loss": ("best_val_loss",), "parameters": ("parameters", "n_params", "num_parameters"),
         "train_time_s": ("train_time_s", "train_time", "wall_time_s")}


@dataclass
class LMCompareConfig:
    cells: tuple[str, ...] = ("rnn", "lstm", "gru")
    full: bool = True  # use char_lm's full config (else its small one)
    seed: int = 0
    device: str | None = None


@dataclass
class SmallLMCompareConfig(LMCompareConfig):
    full: bool = False


def _find(results: dict, names: tuple[str, ...]):
    for name in names:
        if name in results:
            return results[name]
        hist = results.get("history", {})
        if isinstance(hist, dict) and name in hist:
            return hist[name]
    return None


@experiment("lm_compare", small=SmallLMCompareConfig, full=LMCompareConfig)
def run(config: LMCompareConfig) -> dict:
    """RNN vs LSTM vs GRU on the chapter-2 character LM (validation loss, parameters, time)."""
    char_lm = get_experiment("char_lm")  # KeyError naming the known experiments if chapter 2 is absent
    base = char_lm.full() if config.full else char_lm.small()
    fields = {f.name for f in dataclasses.fields(base)}
    if "cell" not in fields:
        raise TypeError(f"the char_lm config has no 'cell' field (fields: {sorted(fields)})")
    runs = {}
    for cell in config.cells:
        changes = {"cell": cell}
        for name in ("seed", "device"):
            if name in fields and getattr(config, name) is not None:
                changes[name] = getattr(config, name)
        out = char_lm.run(dataclasses.replace(base, **changes))
        out.pop("figure", None)
        runs[cell] = {key: _find(out, names) for key, names in _KEYS.items()}
    return {"runs": runs, "char_lm_config": dataclasses.asdict(base)}
