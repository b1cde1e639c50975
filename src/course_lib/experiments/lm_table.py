"""The character language models of chapters 2-4 and 7 side by side, under one protocol.

Protocol (nanoGPT's CPU setting): the Shakespeare corpus split 90/10, random windows of 64
characters, batch 12, 2000 steps; every 250 steps the mean loss of 20 random validation batches
(the "best validation loss" is the best of those), and at the end the loss on the **whole**
validation split (:func:`course_lib.lm.split_loss`), the stable figure.

* the GPT: ``gpt_vs_nanogpt.json`` (several seeds, and nanoGPT itself run beside them), or, until
  that has been run, the single-seed runs ``gpt_shakespeare_small*.json`` of the same setting;
* the RNN, LSTM and GRU of chapters 2-4 at their chapters' settings (one layer of 128 units,
  embedding 128, AdamW lr 2e-3): ``lm_protocol.json``, written by the ``lm_protocol`` experiment;
* the measured references: ``references.json``.

:func:`lm_rows` reads them, :func:`lm_table` renders a Markdown table and
:func:`course_lib.plotting.transformer.plot_val_loss_vs_time` draws the histories.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from course_lib.experiments.registry import experiment
from course_lib.experiments.results import load_results, results_dir

__all__ = ["LMProtocolConfig", "best_row", "lm_rows", "lm_table", "where_note", "run_protocol"]

LABELS = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def where_note(provenance: dict) -> str:
    """'cpu, 1 thread of 2 cores' (or 'cuda (H100)') from a result's provenance."""
    dev = provenance.get("device", "?")
    if dev.startswith("cuda"):
        return f"{dev} ({provenance.get('device_name', '?')})"
    return f"{dev}, {provenance.get('torch_threads', '?')} thread(s) of {provenance.get('cpu_count', '?')} cores"


@dataclass
class LMProtocolConfig:
    cells: tuple[str, ...] = ("rnn", "lstm", "gru")
    iters: int = 2000
    eval_every: int = 250
    eval_batches: int = 20
    corpus_chars: int | None = None
    parallel: bool = False  # one process per cell, all at once
    seed: int = 0
    device: str | None = "cpu"


def _small() -> LMProtocolConfig:
    return LMProtocolConfig(cells=("rnn",), iters=60, eval_every=30, eval_batches=2, corpus_chars=50_000)


@experiment("lm_protocol", small=_small, full=LMProtocolConfig)
def run_protocol(config: LMProtocolConfig) -> dict:
    """Chapters 2-4's RNN, LSTM and GRU language models scored with nanoGPT's protocol and on the whole val split."""
    if config.parallel:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(len(config.cells), mp_context=mp.get_context("spawn")) as pool:
            futures = {cell: pool.submit(_protocol_run, cell, config) for cell in config.cells}
            return {"runs": {cell: f.result() for cell, f in futures.items()}}
    return {"runs": {cell: _protocol_run(cell, config) for cell in config.cells}}


def _protocol_run(cell: str, config: LMProtocolConfig) -> dict:
    """Train one cell at its chapter's setting and score it (run in a worker process when parallel)."""
    import torch

    from course_lib.experiments.char_lm import CharLMConfig, train_char_lm
    from course_lib.lm import split_loss
    from course_lib.utils import count_parameters

    if config.parallel:
        torch.set_num_threads(1)
    cfg = CharLMConfig(cell=cell, iters=config.iters, eval_every=config.eval_every,
                       eval_batches=config.eval_batches, corpus_chars=config.corpus_chars, seed=config.seed,
                       device=config.device, eval_first=True)  # val_step counts updates, as the GPT's
    model, _, history, (_, val) = train_char_lm(cfg)
    tokens = cfg.iters * cfg.batch_size * cfg.block  # training tokens
    return {"parameters": count_parameters(model), "best_val_loss": history.best_val_loss,
            "best_step": history.best_step,
            "val_loss_whole_split": split_loss(model, val.to(next(model.parameters()).device), cfg.block),
            "train_time_s": history.train_time, "tokens_per_s": tokens / history.train_time,
            "val_step": history.val_step, "val_loss": history.val_loss, "elapsed": history.elapsed,
            "setting": {"embed_dim": cfg.embed_dim, "hidden_size": cfg.hidden_size, "lr": cfg.lr,
                        "block": cfg.block, "batch_size": cfg.batch_size}}


def lm_rows(directory: str | Path | None = None, references: bool = True) -> list[dict]:
    """One dict per model: ``model, parameters, best_val_loss, val_loss_whole_split, train_time_s,
    tokens_per_s, where, reference, file``, and ``elapsed``/``val_loss`` (the validation history
    against training time) for the course's runs.

    Files that are absent are skipped; the references (2 CPU cores) come first when ``references``.
    """
    directory = Path(directory) if directory is not None else results_dir()
    rows: list[dict] = []
    ref_path = directory / "references.json"
    if references and ref_path.is_file():
        for key in ("nanogpt_cpu", "lstm_cpu"):
            r = json.loads(ref_path.read_text())["runs"][key]
            rows.append({"model": f"{r['model']} (reference)", "parameters": None,
                         "best_val_loss": r["best_val_loss"], "val_loss_whole_split": None,
                         "train_time_s": r["time_s"], "tokens_per_s": None, "where": f"reference: {r['where']}",
                         "reference": True, "file": "references.json"})
    if (directory / "gpt_vs_nanogpt.json").is_file():
        saved = load_results("gpt_vs_nanogpt", directory)
        where = where_note(saved["provenance"])
        for t in saved["results"]["nanogpt"]:  # one row per seed of nanoGPT
            rows.append({"model": f"nanoGPT, run here beside ours, seed {t.get('seed', 1337)}", "parameters": None,
                         "best_val_loss": t["best_val_loss"], "val_loss_whole_split": t["val_loss_whole_split"],
                         "train_time_s": t["train_time_s"],
                         "tokens_per_s": t.get("tokens_per_s", saved["results"]["summary"]["nanogpt_tokens_per_s"]),
                         "where": where,
                         "reference": False, "file": "gpt_vs_nanogpt.json", "ours": False})
        for o in saved["results"]["ours"]:
            rows.append({"model": f"course_lib GPT 4×128, seed {o['seed']}", "parameters": o["n_params"],
                         "best_val_loss": o["best_val_loss"], "val_loss_whole_split": o["val_loss_whole_split"],
                         "train_time_s": o["train_time_s"], "tokens_per_s": o["tokens_per_s"], "where": where,
                         "reference": False, "file": "gpt_vs_nanogpt.json", "elapsed": o["elapsed"],
                         "val_loss": o["val_loss"]})
    else:  # single-seed runs of the GPT at the same setting (nanoGPT's 20-batch estimate only)
        for path in sorted(directory.glob("gpt_shakespeare_small*.json")):
            if "." in path.stem:  # a translated figure's record (gpt_shakespeare_small.ko.json), not a run
                continue
            saved = load_results(path.stem, directory)
            r, c = saved["results"], saved["config"]
            rows.append({"model": f"course_lib GPT {c['n_layer']}×{c['n_embd']}, seed {c['seed']}",
                         "parameters": r["n_params"], "best_val_loss": r["best_val_loss"],
                         "val_loss_whole_split": r.get("val_loss_whole_split"), "train_time_s": r["train_time_s"],
                         "tokens_per_s": r.get("tokens_per_s"), "where": where_note(saved["provenance"]),
                         "reference": False, "file": path.name, "elapsed": r["history"]["elapsed"],
                         "val_loss": r["history"]["val_loss"]})
    if (directory / "lm_protocol.json").is_file():
        saved = load_results("lm_protocol", directory)
        where = where_note(saved["provenance"])
        for cell, r in saved["results"]["runs"].items():
            s = r["setting"]
            rows.append({"model": f"course_lib {LABELS[cell]} 1×{s['hidden_size']}", "parameters": r["parameters"],
                         "best_val_loss": r["best_val_loss"], "val_loss_whole_split": r["val_loss_whole_split"],
                         "train_time_s": r["train_time_s"], "tokens_per_s": r["tokens_per_s"], "where": where,
                         "reference": False, "file": "lm_protocol.json", "elapsed": r["elapsed"],
                         "val_loss": r["val_loss"]})
    return rows


def best_row(rows: list[dict], include_references: bool = False, key: str = "best_val_loss") -> dict:
    """The row with the lowest ``key`` (among the course's own runs by default).

    Raises:
        ValueError: if there is no such row.
    """
    pool = [r for r in rows if r.get(key) is not None and (include_references or not r["reference"])
            and r.get("ours", True)]
    if not pool:
        raise ValueError("no saved language-model run to compare")
    return min(pool, key=lambda r: r[key])


def lm_table(rows: list[dict]) -> str:
    """A Markdown table: model, parameters, best val loss (20 batches), whole-split val loss,
    training time, tokens/s, where it ran."""
    out = ["| model | parameters | best val loss (20 batches) | val loss, whole split | training time | "
           "tokens/s | where (from the file) |", "|---|---:|---:|---:|---:|---:|---|"]
    f = lambda v, fmt: "—" if v is None else format(v, fmt)  # noqa: E731
    for r in rows:
        model = f"*{r['model']}*" if r["reference"] else r["model"]
        out.append(f"| {model} | {f(r['parameters'], ',')} | {f(r['best_val_loss'], '.4f')} | "
                   f"{f(r['val_loss_whole_split'], '.4f')} | {f(r['train_time_s'], '.0f')} s | "
                   f"{f(r['tokens_per_s'], ',.0f')} | {r['where']} |")
    return "\n".join(out)
