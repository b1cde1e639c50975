"""The character language models of chapters 2-4 and 7 side by side, read from the saved runs.

Nothing here trains: :func:`lm_rows` reads ``book/_static/results/`` (the GPT at nanoGPT's CPU setting,
``gpt_shakespeare_small*.json``; the vanilla RNN of chapter 2, ``char_lm.json``; the LSTM at the
DESIGN.md reference setting, ``char_lm_lstm.json``; the GRU from ``lm_compare*.json`` when present)
and adds DESIGN.md's measured references, clearly labelled. :func:`lm_table` renders the rows as a
Markdown table; :func:`course_lib.plotting.transformer.plot_val_loss_vs_time` draws their histories.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from course_lib.experiments.results import load_results, results_dir

__all__ = ["REFERENCE_ROWS", "best_row", "lm_rows", "lm_table", "where_note"]

#: DESIGN.md's measured references (not run by this course), for the same data and split.
REFERENCE_ROWS = [
    {"model": "nanoGPT, CPU setting (reference, DESIGN.md)", "parameters": None, "best_val_loss": 1.8857,
     "train_time_s": 88.0, "where": "reference: 2 idle CPU cores", "reference": True, "file": None},
    {"model": "`nn.LSTM` 1×128, same block/batch/steps (reference, DESIGN.md)", "parameters": None,
     "best_val_loss": 1.7872, "train_time_s": 22.0, "where": "reference: 2 CPU cores", "reference": True,
     "file": None},
]


def where_note(provenance: dict) -> str:
    """'cpu, 1 thread of 2 cores, load 9.8' from a result's provenance (load only when it was recorded)."""
    dev = provenance.get("device", "?")
    note = dev if not dev.startswith("cuda") else f"{dev} ({provenance.get('device_name', '?')})"
    if not dev.startswith("cuda"):
        note += f", {provenance.get('torch_threads', '?')} thread(s) of {provenance.get('cpu_count', '?')} cores"
    load = provenance.get("load_avg_1m")
    note += f", load {load:.1f}" if load is not None else ", load not recorded"
    return note


def _char_lm_parameters(config: dict) -> int | None:
    from course_lib.experiments.char_lm import CharLMConfig, build_model
    from course_lib.utils import count_parameters

    names = {f.name for f in dataclasses.fields(CharLMConfig)}
    try:
        return count_parameters(build_model(CharLMConfig(**{k: v for k, v in config.items() if k in names}), 65))
    except (TypeError, ValueError):
        return None


def lm_rows(directory: str | Path | None = None, references: bool = True) -> list[dict]:
    """One dict per model: ``model, parameters, best_val_loss, train_time_s, where, reference, file``,
    and ``elapsed``/``val_loss`` (the validation history against training time) when the file has it.

    Files that are absent are skipped; the references come first when ``references``.
    """
    directory = Path(directory) if directory is not None else results_dir()
    rows = [dict(r) for r in REFERENCE_ROWS] if references else []
    for path in sorted(directory.glob("gpt_shakespeare_small*.json")):
        saved = load_results(path.stem, directory)
        r, c = saved["results"], saved["config"]
        rows.append({"model": f"course_lib GPT {c['n_layer']}×{c['n_embd']}, same setting, seed {c['seed']}",
                     "parameters": r["n_params"], "best_val_loss": r["best_val_loss"],
                     "train_time_s": r["train_time_s"], "where": where_note(saved["provenance"]),
                     "reference": False, "file": path.name,
                     "elapsed": r["history"]["elapsed"], "val_loss": r["history"]["val_loss"]})
    for name, label in (("char_lm", "vanilla RNN"), ("char_lm_lstm", "LSTM")):
        if not (directory / f"{name}.json").is_file():
            continue
        saved = load_results(name, directory)
        r, c = saved["results"], saved["config"]
        rows.append({"model": f"course_lib {label} {c['num_layers']}×{c['hidden_size']} (`{name}`)",
                     "parameters": _char_lm_parameters(c), "best_val_loss": r["best_val_loss"],
                     "train_time_s": r["train_time_s"], "where": where_note(saved["provenance"]),
                     "reference": False, "file": f"{name}.json",
                     "elapsed": r["history"]["elapsed"], "val_loss": r["history"]["val_loss"]})
    for path in sorted(directory.glob("lm_compare*.json")):
        saved = load_results(path.stem, directory)
        gru = saved["results"].get("runs", {}).get("gru")
        if gru:
            rows.append({"model": "course_lib GRU (`lm_compare`)", "parameters": gru.get("parameters"),
                         "best_val_loss": gru.get("best_val_loss"), "train_time_s": gru.get("train_time_s"),
                         "where": where_note(saved["provenance"]), "reference": False, "file": path.name})
    return rows


def best_row(rows: list[dict], include_references: bool = False) -> dict:
    """The row with the lowest best validation loss (among the course's own runs by default).

    Raises:
        ValueError: if there is no such row.
    """
    pool = [r for r in rows if r["best_val_loss"] is not None and (include_references or not r["reference"])]
    if not pool:
        raise ValueError("no saved language-model run to compare")
    return min(pool, key=lambda r: r["best_val_loss"])


def lm_table(rows: list[dict]) -> str:
    """A Markdown table: model, parameters, best val loss, training time, where it ran."""
    out = ["| model | parameters | best val loss (nats/char) | training time | where (from the file) |",
           "|---|---:|---:|---:|---|"]
    for r in rows:
        params = f"{r['parameters']:,}" if r["parameters"] else "—"
        loss = f"{r['best_val_loss']:.4f}" if r["best_val_loss"] is not None else "—"
        time_s = f"{r['train_time_s']:.0f} s" if r["train_time_s"] is not None else "—"
        model = f"*{r['model']}*" if r["reference"] else r["model"]
        out.append(f"| {model} | {params} | {loss} | {time_s} | {r['where']} |")
    return "\n".join(out)
