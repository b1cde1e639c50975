"""A character-level GPT on Shakespeare, side by side with nanoGPT's shakespeare_char settings.

Three configurations:

* :class:`LiveConfig`: a few hundred steps of a small model, for a notebook cell (seconds);
* :class:`CPUConfig` (the experiment's ``small`` run): nanoGPT's CPU setting, 4 layers, 4 heads,
  128 dims, block 64, batch 12, 2000 iterations, dropout 0 (reference best val loss 1.8857);
* :class:`GPUConfig` (``--full``): nanoGPT's default, 6 layers, 6 heads, 384 dims, block 256,
  batch 64, dropout 0.2, 5000 iterations (reference 1.4603 on an H100; run it where there is a GPU).

Scoring follows nanoGPT: every ``eval_every`` steps, the mean loss of ``eval_batches`` random
batches of the validation split (``eval_iters=20`` in its CPU setting), the best of those being the
"best validation loss". Twenty batches are a noisy estimate, so the run also reports
:func:`split_loss`, the loss over the **whole** validation split cut into windows of ``block_size``.
The reference numbers live in ``book/_static/results/references.json`` (:func:`load_references`).

Data (:mod:`course_lib.data.chars`): the Shakespeare corpus split 90/10 at the character level, a
65-character vocabulary, random windows of ``block_size + 1`` characters (input and target shifted
by one). The training loop is nanoGPT's, random stream included: ``torch.manual_seed(seed)``
initialises the model, the batches continue that stream (``RandomWindows(seed=None)``), each
evaluation estimates the train loss and then the validation loss, and ``val_step`` counts the
updates made (``TrainConfig(eval_first=True)``). With the same seed our GPT therefore sees the
batches nanoGPT's script sees, from the same initial weights (:func:`from_nanogpt` maps the weights).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from course_lib.data.chars import RandomWindows, shakespeare
from course_lib.experiments.registry import experiment
from course_lib.lm import bigram_loss, lm_loss_fn, split_loss
from course_lib.paths import repo_path
from course_lib.train import TrainConfig, fit
from course_lib.transformer import GPT, GPTConfig
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["CPUConfig", "GPUConfig", "LiveConfig", "from_nanogpt", "load_references", "nanogpt_lr", "reference",
           "run_gpt"]


#: The file of measured reference runs, shipped with the repository.
REFERENCES_FILE = repo_path("COURSE_REFERENCES_FILE", "book", "_static", "results", "references.json")


def load_references() -> dict:
    """The measured reference runs (``book/_static/results/references.json``): ``{"runs": {key: row}}``,
    each row with ``best_val_loss``, ``time_s``, ``where``, ``how`` and ``source``.

    Raises:
        FileNotFoundError: if the file is missing.
    """
    return json.loads(Path(REFERENCES_FILE).read_text())


def reference(key: str) -> dict:
    """One reference run (``"nanogpt_cpu"``, ``"nanogpt_gpu"``, ``"lstm_cpu"``, ``"lstm_gpu"``).

    Raises:
        KeyError: naming the known keys.
    """
    runs = load_references()["runs"]
    if key not in runs:
        raise KeyError(f"no reference run {key!r}; known: {sorted(runs)}")
    return runs[key]


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
    fast_attention: bool = False  # F.scaled_dot_product_attention instead of the readable softmax(QK^T)V
    whole_split: bool = True  # also score the whole validation split (a few seconds)


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


def nanogpt_lr(config: CPUConfig) -> Callable[[int], float]:
    r"""nanoGPT's learning-rate schedule (``get_lr`` in its ``train.py``): a linear warm-up
    :math:`\eta (s + 1) / (W + 1)` for :math:`s < W`, then a cosine from :math:`\eta` down to
    :math:`\eta / 10` at the last step."""
    lr, warmup, steps, min_lr = config.lr, config.warmup_steps, config.steps, config.lr / 10

    def lr_at(step: int) -> float:
        if step < warmup:
            return lr * (step + 1) / (warmup + 1)
        ratio = min(1.0, (step - warmup) / (steps - warmup))
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)

    return lr_at


def from_nanogpt(state_dict: dict[str, Tensor], config: GPTConfig) -> GPT:
    """Our :class:`GPT` holding the weights of a nanoGPT checkpoint (``ckpt["model"]``).

    nanoGPT packs the query, key and value projections in one ``c_attn`` of shape (3D, D), rows
    ``[0, D)`` for the queries, then the keys, then the values; every other weight has a one-to-one
    counterpart. The output head is tied to the token embedding in both.

    Raises:
        KeyError / RuntimeError: if the checkpoint does not have this configuration's weights.
    """
    sd = {k.removeprefix("_orig_mod."): v for k, v in state_dict.items()}  # a compiled model's prefix
    D = config.n_embd
    ours = {"tok_emb.weight": sd["transformer.wte.weight"], "pos_emb.weight": sd["transformer.wpe.weight"],
            "ln_f.weight": sd["transformer.ln_f.weight"], "lm_head.weight": sd["lm_head.weight"]}
    for i in range(config.n_layer):
        h = f"transformer.h.{i}."
        W_q, W_k, W_v = sd[h + "attn.c_attn.weight"].split(D, dim=0)  # 3 x (D, D)
        ours.update({f"blocks.{i}.ln_1.weight": sd[h + "ln_1.weight"], f"blocks.{i}.ln_2.weight": sd[h + "ln_2.weight"],
                     f"blocks.{i}.attn.W_q.weight": W_q, f"blocks.{i}.attn.W_k.weight": W_k,
                     f"blocks.{i}.attn.W_v.weight": W_v, f"blocks.{i}.attn.W_o.weight": sd[h + "attn.c_proj.weight"],
                     f"blocks.{i}.mlp.W_1.weight": sd[h + "mlp.c_fc.weight"],
                     f"blocks.{i}.mlp.W_2.weight": sd[h + "mlp.c_proj.weight"]})
    model = GPT(config)
    model.load_state_dict(ours, strict=True)
    return model


def run_gpt(config: CPUConfig) -> dict:
    """Train a GPT with ``config``; return losses, times, throughput, samples, the model and the vocabulary."""
    seed_everything(config.seed)  # nanoGPT's torch.manual_seed: it initialises the model, then draws the batches
    device = get_device(config.device)
    corpus = shakespeare()
    model = GPT(GPTConfig(vocab_size=len(corpus.vocab), block_size=config.block_size, n_layer=config.n_layer,
                          n_head=config.n_head, n_embd=config.n_embd, dropout=config.dropout,
                          fast_attention=config.fast_attention))
    batches = RandomWindows(corpus.splits, config.batch_size, config.block_size, seed=None)  # the same stream
    train_cfg = TrainConfig(steps=config.steps, lr=config.lr, clip_norm=config.clip_norm, lr_at=nanogpt_lr(config),
                            eval_every=config.eval_every, eval_batches=config.eval_batches, eval_first=True,
                            eval_train=True, device=str(device), seed=None, progress=config.progress)
    optimizer = model.configure_optimizer(config.lr, config.weight_decay, (0.9, 0.99))
    t0 = time.perf_counter()
    history = fit(model, batches, lm_loss_fn, train_cfg, optimizer=optimizer)
    wall = time.perf_counter() - t0
    val_whole = split_loss(model, corpus.val, config.block_size) if config.whole_split else math.nan
    gen = torch.Generator(device="cpu").manual_seed(config.seed)
    start = torch.tensor([corpus.vocab.encode("\n")], device=device)  # (1, 1)
    model.to("cpu")
    samples = {}
    for temp in (0.8, 1.0):
        ids = model.generate(start.cpu(), config.sample_chars, temperature=temp, top_k=200, use_cache=True,
                             generator=gen)
        samples[f"T={temp}"] = corpus.vocab.decode(ids[0].tolist())
    tokens = config.steps * config.batch_size * config.block_size  # training tokens
    return {
        "best_val_loss": history.best_val_loss,
        "best_step": history.best_step,
        "final_val_loss": history.val_loss[-1] if history.val_loss else math.nan,
        "val_loss_whole_split": val_whole,
        "val_tokens": len(corpus.val),
        "train_time_s": history.train_time,
        "wall_time_s": wall,
        "tokens_per_s": tokens / history.train_time if history.train_time else math.nan,
        "n_params": count_parameters(model),
        "bigram_val_loss": bigram_loss(corpus.train, corpus.val, len(corpus.vocab)),
        "history": history.to_dict(),
        "samples": samples,
        "reference": reference("nanogpt_gpu" if isinstance(config, GPUConfig) else "nanogpt_cpu"),
        "model": model,
        "vocab": corpus.vocab,
    }


@experiment("gpt_shakespeare", small=CPUConfig, full=GPUConfig)
def gpt_shakespeare(config: CPUConfig) -> dict:
    """Char-level GPT on Shakespeare: nanoGPT's CPU setting (default) or its GPU setting (--full)."""
    results = run_gpt(config)
    results.pop("model")
    results.pop("vocab")
    from course_lib.plotting.transformer import plot_gpt_training

    results["figure"] = plot_gpt_training(results["history"], "course_lib GPT", results["reference"]["best_val_loss"])
    return results


#: nanoGPT's CPU command from its README (run from a nanoGPT checkout, after data/shakespeare_char/prepare.py).
NANOGPT_CPU_ARGS = ["config/train_shakespeare_char.py", "--device=cpu", "--compile=False", "--eval_iters=20",
                    "--log_interval=1", "--block_size=64", "--batch_size=12", "--n_layer=4", "--n_head=4",
                    "--n_embd=128", "--max_iters=2000", "--lr_decay_iters=2000", "--dropout=0.0"]


def parse_nanogpt_log(log: str, tokens_per_iter: int, eval_interval: int = 250) -> dict:
    """Best validation loss and training throughput from the printout of nanoGPT's ``train.py``.

    ``step N: train loss a, val loss b`` gives the validation estimates; ``iter N: loss l, time t ms``
    the time of each iteration. The iterations that follow an evaluation (``N % eval_interval == 0``)
    include its time, so throughput is measured on the others.

    Raises:
        ValueError: if the log has no evaluation or no timed iteration.
    """
    import re

    val = {int(m[1]): float(m[2]) for m in re.finditer(r"step (\d+): train loss [\d.]+, val loss ([\d.]+)", log)}
    times = {int(m[1]): float(m[2]) / 1000 for m in re.finditer(r"iter (\d+): loss [\d.]+, time ([\d.]+)ms", log)}
    timed = [t for i, t in times.items() if i % eval_interval and i > 0]
    if not val or not timed:
        raise ValueError("no 'step N: ... val loss' or 'iter N: ... time' lines in the nanoGPT log")
    tokens_per_s = tokens_per_iter / (sum(timed) / len(timed))
    best_step = min(val, key=val.get)
    return {"best_val_loss": val[best_step], "best_step": best_step, "val_step": sorted(val),
            "val_loss": [val[k] for k in sorted(val)], "tokens_per_s": tokens_per_s,
            "iters_timed": len(timed), "train_time_s": 2000 * tokens_per_iter / tokens_per_s}


#: The one line of nanoGPT's ``train.py`` that fixes its seed (no command-line option sets it).
NANOGPT_SEED_LINE = "torch.manual_seed(1337 + seed_offset)"


def seeded_nanogpt(nanogpt_dir: str | Path, seed: int, into: str | Path) -> Path:
    """A copy of the nanoGPT checkout in ``into`` whose ``train.py`` differs only in its seed constant
    (1337 -> ``seed``); the checkout itself when ``seed`` is 1337.

    Raises:
        ValueError: if ``train.py`` does not contain :data:`NANOGPT_SEED_LINE` exactly once.
    """
    import shutil

    nanogpt_dir = Path(nanogpt_dir)
    source = (nanogpt_dir / "train.py").read_text()
    if source.count(NANOGPT_SEED_LINE) != 1:
        raise ValueError(f"expected {NANOGPT_SEED_LINE!r} once in {nanogpt_dir / 'train.py'}, "
                         f"found it {source.count(NANOGPT_SEED_LINE)} times")
    if seed == 1337:
        return nanogpt_dir
    copy = Path(into) / f"nanogpt_seed{seed}"
    shutil.copytree(nanogpt_dir, copy, ignore=shutil.ignore_patterns(".git", "out*"))
    (copy / "train.py").write_text(source.replace(NANOGPT_SEED_LINE, f"torch.manual_seed({seed} + seed_offset)"))
    return copy


def _nanogpt_train(nanogpt_dir: str | Path, out_dir: str | Path, *overrides: str,
                   env: dict[str, str] | None = None) -> str:
    """Run nanoGPT's ``train.py`` with :data:`NANOGPT_CPU_ARGS` (each ``--key=value`` of ``overrides``
    replacing the same key) writing into ``out_dir``; return what it printed.

    Raises:
        subprocess.CalledProcessError: if the script fails.
    """
    import subprocess
    import sys

    keys = {o.split("=")[0] for o in overrides}
    args = [a for a in NANOGPT_CPU_ARGS if a.split("=")[0] not in keys] + list(overrides)
    return subprocess.run([sys.executable, "train.py", *args, f"--out_dir={out_dir}"], cwd=nanogpt_dir,
                          capture_output=True, text=True, check=True, env=env).stdout


def run_nanogpt(nanogpt_dir: str | Path, out_dir: str | Path, block_size: int = 64, seed: int = 1337) -> dict:
    """Run nanoGPT's ``train.py`` in its CPU setting, unmodified except for its seed constant
    (:func:`seeded_nanogpt`); return :func:`parse_nanogpt_log`'s numbers plus the loss of its best
    checkpoint on the whole validation split (:func:`split_loss`).

    ``nanogpt_dir`` is a checkout of https://github.com/karpathy/nanoGPT with
    ``data/shakespeare_char/{train,val}.bin`` prepared from this repository's corpus.
    """
    nanogpt_dir = seeded_nanogpt(nanogpt_dir, seed, out_dir)
    t0 = time.perf_counter()
    log = _nanogpt_train(nanogpt_dir, out_dir)
    wall = time.perf_counter() - t0
    result = parse_nanogpt_log(log, tokens_per_iter=12 * block_size)
    ckpt = torch.load(Path(out_dir) / "ckpt.pt", map_location="cpu", weights_only=False)
    args = ckpt["model_args"]
    ours = from_nanogpt(ckpt["model"], GPTConfig(vocab_size=args["vocab_size"], block_size=args["block_size"],
                                                 n_layer=args["n_layer"], n_head=args["n_head"], n_embd=args["n_embd"],
                                                 bias=args["bias"]))
    result.update(seed=seed, val_loss_whole_split=split_loss(ours, shakespeare().val, block_size), wall_time_s=wall,
                  checkpoint_iter=int(ckpt["iter_num"]), command="python train.py " + " ".join(NANOGPT_CPU_ARGS),
                  log_val_loss=result["val_loss"], max_abs_logit_gap=_logit_gap(nanogpt_dir, ckpt, ours))
    return result


def _logit_gap(nanogpt_dir: Path, ckpt: dict, ours: GPT) -> float:
    """Largest |logit difference| between nanoGPT's model (its own ``model.py``) and ours holding the
    same checkpoint, on 4 validation windows: the two forward passes are the same function."""
    import sys

    sys.path.insert(0, str(nanogpt_dir))
    try:
        import model as nanogpt_model  # nanoGPT's model.py
    finally:
        sys.path.pop(0)
    net = nanogpt_model.GPT(nanogpt_model.GPTConfig(**ckpt["model_args"]))
    net.load_state_dict(ckpt["model"])
    net.eval()
    ours.eval()
    x, y = RandomWindows(shakespeare().splits, 4, ckpt["model_args"]["block_size"], seed=0)("val")  # (4, T)
    with torch.no_grad():
        return float((net(x, targets=y)[0] - ours(x)).abs().max())


@dataclass
class SideBySideConfig:
    """Our GPT at nanoGPT's CPU setting and nanoGPT itself (when ``nanogpt_dir`` or ``$NANOGPT_DIR`` is
    given), each for several seeds, on one machine in the same window of time so that throughputs
    compare: one after the other (``parallel=False``) or ``workers`` processes at once, one thread
    each, the runs interleaved (ours seed s, nanoGPT seed s, ours next seed, ...)."""

    seeds: tuple[int, ...] = (1337, 0, 1)
    nanogpt_dir: str | None = None
    nanogpt_seeds: tuple[int, ...] = (1337, 0, 1)  # nanoGPT's seed constant, changed in a copy of it
    parallel: bool = True
    workers: int = 2
    fast_attention: bool = False
    device: str | None = "cpu"


def _our_run(seed: int, fast_attention: bool, device: str | None) -> dict:
    r = run_gpt(CPUConfig(seed=seed, device=device, fast_attention=fast_attention, sample_chars=200))
    keep = ("best_val_loss", "best_step", "val_loss_whole_split", "train_time_s", "tokens_per_s", "n_params", "samples")
    return {"seed": seed, **{k: r[k] for k in keep}, "val_step": r["history"]["val_step"],
            "val_loss": r["history"]["val_loss"], "train_estimate": r["history"]["train_estimate"],
            "elapsed": r["history"]["elapsed"],
            "threads": torch.get_num_threads()}


def _their_run(nanogpt_dir: str, seed: int = 1337) -> dict:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        return {**run_nanogpt(nanogpt_dir, out, seed=seed), "threads_env": os.environ.get("OMP_NUM_THREADS")}


@experiment("gpt_vs_nanogpt", small=lambda: SideBySideConfig(seeds=(1337,), nanogpt_seeds=(1337,), parallel=False),
            full=SideBySideConfig)
def gpt_vs_nanogpt(config: SideBySideConfig) -> dict:
    """Our GPT and nanoGPT, several seeds each, on one machine at once: best val loss, whole-split loss,
    tokens/s, per seed and as means over the seeds."""
    import os

    nanogpt_dir = config.nanogpt_dir or os.environ.get("NANOGPT_DIR")
    their_seeds = tuple(config.nanogpt_seeds) if nanogpt_dir else ()
    jobs = [("ours", s) for s in config.seeds] + [("nanogpt", s) for s in their_seeds]
    jobs.sort(key=lambda job: (list(config.seeds) + list(their_seeds)).index(job[1]))  # interleave by seed
    if config.parallel:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max(1, config.workers), mp_context=mp.get_context("spawn")) as pool:
            futures = [pool.submit(_our_run, s, config.fast_attention, config.device) if who == "ours"
                       else pool.submit(_their_run, nanogpt_dir, s) for who, s in jobs]
            done = [(who, f.result()) for (who, _), f in zip(jobs, futures, strict=True)]
    else:
        done = [(who, _our_run(s, config.fast_attention, config.device) if who == "ours"
                 else _their_run(nanogpt_dir, s)) for who, s in jobs]
    ours = [r for who, r in done if who == "ours"]
    theirs = [r for who, r in done if who == "nanogpt"]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    target = reference("nanogpt_cpu")["best_val_loss"]
    summary = {"mean_best_val_loss": mean([o["best_val_loss"] for o in ours]),
               "mean_val_loss_whole_split": mean([o["val_loss_whole_split"] for o in ours]),
               "mean_tokens_per_s": mean([o["tokens_per_s"] for o in ours]), "concurrent_runs": config.parallel,
               "workers": config.workers if config.parallel else 1, "seeds": list(config.seeds),
               "target_best_val_loss": target}
    summary["meets_target"] = summary["mean_best_val_loss"] <= target
    if theirs:
        summary.update(nanogpt_seeds=list(their_seeds),
                       nanogpt_best_val_loss=mean([t["best_val_loss"] for t in theirs]),
                       nanogpt_val_loss_whole_split=mean([t["val_loss_whole_split"] for t in theirs]),
                       nanogpt_tokens_per_s=mean([t["tokens_per_s"] for t in theirs]))
        summary["nanogpt_meets_target"] = summary["nanogpt_best_val_loss"] <= target
        summary["best_val_loss_gap"] = summary["mean_best_val_loss"] - summary["nanogpt_best_val_loss"]
        summary["whole_split_gap"] = summary["mean_val_loss_whole_split"] - summary["nanogpt_val_loss_whole_split"]
        summary["tokens_per_s_ratio"] = summary["mean_tokens_per_s"] / summary["nanogpt_tokens_per_s"]
        same = [(o, t) for o in ours for t in theirs if o["seed"] == t["seed"]]
        if same:  # same seed, same random stream: nanoGPT prints 4 decimals, so a gap <= 5e-5 is no gap
            summary["same_seed_max_val_gap"] = max(abs(a - b) for o, t in same
                                                   for a, b in zip(o["val_loss"], t["val_loss"], strict=True))
            summary["max_abs_logit_gap"] = max(t["max_abs_logit_gap"] for t in theirs)
    from course_lib.plotting.transformer import plot_gpt_vs_nanogpt

    out = {"ours": ours, "nanogpt": theirs, "summary": summary}
    out["figure"] = plot_gpt_vs_nanogpt(out, target)
    return out


@dataclass
class SpeedConfig:
    """Training throughput only, on an otherwise idle machine: our GPT with the readable attention, with
    the fused kernel, and nanoGPT (``nanogpt_dir`` or ``$NANOGPT_DIR``), each for ``steps`` steps of
    nanoGPT's CPU setting, one after the other, ``rounds`` times in turn, one thread each."""

    steps: int = 300
    rounds: int = 2
    nanogpt_dir: str | None = None
    device: str | None = "cpu"


def _nanogpt_tokens_per_s(nanogpt_dir: str, steps: int) -> float:
    """nanoGPT's training tokens/s over ``steps`` iterations of its CPU command (one evaluation, at 0)."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        log = _nanogpt_train(nanogpt_dir, out, f"--max_iters={steps}", f"--lr_decay_iters={steps}",
                             f"--eval_interval={10 * steps}", env={**os.environ, "OMP_NUM_THREADS": "1"})
    return parse_nanogpt_log(log, tokens_per_iter=12 * 64, eval_interval=10 * steps)["tokens_per_s"]


@experiment("gpt_speed", small=lambda: SpeedConfig(steps=40, rounds=1), full=SpeedConfig)
def gpt_speed(config: SpeedConfig) -> dict:
    """Tokens per second of our GPT (readable and fused attention) and of nanoGPT, measured in turn."""
    import os

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # nanoGPT's runs get OMP_NUM_THREADS=1 too (below)
    nanogpt_dir = config.nanogpt_dir or os.environ.get("NANOGPT_DIR")
    rows: dict[str, list[float]] = {"readable": [], "fused": [], "nanogpt": []}
    try:
        for _ in range(config.rounds):
            for fast in (False, True):
                r = run_gpt(CPUConfig(steps=config.steps, eval_every=0, fast_attention=fast, sample_chars=1,
                                      whole_split=False, device=config.device))
                rows["fused" if fast else "readable"].append(r["tokens_per_s"])
            if nanogpt_dir:
                rows["nanogpt"].append(_nanogpt_tokens_per_s(nanogpt_dir, config.steps))
    finally:
        torch.set_num_threads(threads)
    mean = {k: sum(v) / len(v) for k, v in rows.items() if v}
    out = {"tokens_per_s": rows, "mean_tokens_per_s": mean, "steps": config.steps, "rounds": config.rounds,
           "threads": 1}
    if "nanogpt" in mean:
        out["readable_over_nanogpt"] = mean["readable"] / mean["nanogpt"]
        out["fused_over_nanogpt"] = mean["fused"] / mean["nanogpt"]
        ref = reference("nanogpt_cpu")["time_s"]
        out["readable_time_at_reference_speed_s"] = ref / out["readable_over_nanogpt"]
        out["fused_time_at_reference_speed_s"] = ref / out["fused_over_nanogpt"]
    return out
