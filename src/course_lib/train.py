"""One model-agnostic training loop for every chapter.

A task is two functions:

* ``get_batch(split) -> batch`` draws a batch (any nesting of tensors) for ``"train"`` or ``"val"``;
* ``loss_fn(model, batch, state) -> (loss, state)`` computes a scalar loss. ``state`` is whatever
  the model carries between batches (an RNN's hidden state for truncated BPTT) or ``None``.

:func:`fit` moves batches to the device, clips gradients (by norm or by value), carries the state
between consecutive batches **detached** from the graph (that is truncated backpropagation through
time: gradients stop at the chunk boundary, values flow on), evaluates, shows progress with tqdm,
and saves checkpoints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from course_lib.utils import get_device, seed_everything

__all__ = [
    "TrainConfig",
    "History",
    "fit",
    "evaluate",
    "detach_state",
    "to_device",
    "clip_gradients",
    "make_optimizer",
    "save_checkpoint",
    "load_checkpoint",
]

Batch = Any
State = Any
LossFn = Callable[[nn.Module, Batch, State], tuple[torch.Tensor, State]]


@dataclass
class TrainConfig:
    """Settings of :func:`fit`. ``clip_norm`` rescales the whole gradient when its L2 norm exceeds
    it; ``clip_value`` clamps each component (either, both or neither).

    Evaluation: by default after the update of every step ``s`` with ``s % eval_every == 0`` and
    after the last one (``val_step`` holds ``s``). With ``eval_first`` it follows nanoGPT's
    ``train.py``: before the first update and after every ``eval_every`` updates, the last included,
    ``val_step`` holding the number of updates made (0, 250, ..., steps), and each step's training
    batch drawn *before* that step's evaluation (nanoGPT fetches it during the previous step), so
    that with ``seed=None`` and ``RandomWindows(seed=None)`` the random stream is the script's.
    """

    steps: int = 1000
    lr: float = 1e-3
    optimizer: str = "adamw"  # "adamw", "adam" or "sgd"
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.99)
    momentum: float = 0.0  # sgd only
    clip_norm: float | None = 1.0
    clip_value: float | None = None
    warmup_steps: int = 0
    lr_decay: str = "constant"  # "constant" or "cosine" (to 10% of lr)
    eval_every: int = 100
    eval_batches: int = 20
    eval_first: bool = False  # evaluate before the first update too; val_step then counts updates made
    eval_train: bool = False  # also estimate the train loss (eval_batches train batches) at each evaluation
    lr_at: Callable[[int], float] | None = field(default=None, repr=False)  # replaces warmup_steps/lr_decay
    carry_state: bool = False  # truncated BPTT: feed the detached state to the next batch
    device: str | None = None
    seed: int | None = 0  # None: do not reseed (the caller's random stream continues)
    progress: bool = True
    checkpoint: str | None = None  # path; the best model (by val loss) is saved there

    def __post_init__(self) -> None:
        if self.steps < 0:
            raise ValueError(f"steps must be >= 0, got {self.steps}")
        if self.optimizer not in ("adamw", "adam", "sgd"):
            raise ValueError(f"optimizer must be 'adamw', 'adam' or 'sgd', got {self.optimizer!r}")
        if self.lr_decay not in ("constant", "cosine"):
            raise ValueError(f"lr_decay must be 'constant' or 'cosine', got {self.lr_decay!r}")
        for name in ("clip_norm", "clip_value"):
            v = getattr(self, name)
            if v is not None and v <= 0:
                raise ValueError(f"{name} must be positive or None, got {v}")


@dataclass
class History:
    """What :func:`fit` measured. ``train_loss`` and ``grad_norm`` have one entry per step;
    ``val_loss`` one per evaluation, at ``val_step``; ``elapsed`` is training time in seconds
    (evaluation excluded) at each evaluation."""

    train_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    val_step: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_estimate: list[float] = field(default_factory=list)  # with eval_train: train loss at each evaluation
    elapsed: list[float] = field(default_factory=list)
    train_time: float = 0.0
    device: str = "cpu"

    @property
    def best_val_loss(self) -> float:
        return min(self.val_loss) if self.val_loss else math.nan

    @property
    def best_step(self) -> int:
        return self.val_step[self.val_loss.index(self.best_val_loss)] if self.val_loss else -1

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(best_val_loss=self.best_val_loss, best_step=self.best_step)
        return d


def to_device(batch: Batch, device: torch.device) -> Batch:
    """Move every tensor in a (nested) tuple/list/dict to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch


def detach_state(state: State) -> State:
    """Cut the graph behind a carried state (tensor, or nested tuple/list of tensors, or None).

    This is what makes backpropagation *truncated*: the next chunk starts from the same values,
    but its gradient stops here.
    """
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (list, tuple)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"cannot detach a state of type {type(state).__name__}")


def clip_gradients(model: nn.Module, clip_norm: float | None = None, clip_value: float | None = None) -> float:
    r"""Clip in place; return the gradient's L2 norm *before* clipping.

    By norm: :math:`g \leftarrow g \cdot \min(1, \tau / \lVert g \rVert)` (direction kept).
    By value: :math:`g_i \leftarrow \max(-v, \min(v, g_i))` (direction can change).
    """
    params = [p for p in model.parameters() if p.grad is not None]
    if not params:
        return 0.0
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))
    if clip_value is not None:
        torch.nn.utils.clip_grad_value_(params, clip_value)
    if clip_norm is not None:
        torch.nn.utils.clip_grad_norm_(params, clip_norm)
    return float(norm)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    return cls(params, lr=config.lr, betas=config.betas, weight_decay=config.weight_decay)


def _lr_at(step: int, config: TrainConfig) -> float:
    if config.lr_at is not None:
        return config.lr_at(step)
    if config.warmup_steps and step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.lr_decay == "cosine" and config.steps > config.warmup_steps:
        progress = (step - config.warmup_steps) / (config.steps - config.warmup_steps)
        return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
    return config.lr


@torch.no_grad()
def evaluate(model: nn.Module, get_batch: Callable[[str], Batch], loss_fn: LossFn, n_batches: int,
             device: torch.device, split: str = "val") -> float:
    """Mean loss over ``n_batches`` batches of ``split`` (model in eval mode, state reset each batch)."""
    was_training = model.training
    model.eval()
    total = 0.0
    for _ in range(n_batches):
        loss, _ = loss_fn(model, to_device(get_batch(split), device), None)
        total += float(loss)
    model.train(was_training)
    return total / max(1, n_batches)


def fit(model: nn.Module, get_batch: Callable[[str], Batch], loss_fn: LossFn, config: TrainConfig,
        optimizer: torch.optim.Optimizer | None = None) -> History:
    """Train ``model`` for ``config.steps`` steps; return the :class:`History`.

    Raises:
        FloatingPointError: if the loss becomes NaN or inf (with the step number), rather than
            training on garbage.
    """
    if config.seed is not None:
        seed_everything(config.seed)
    device = get_device(config.device)
    model.to(device)
    model.train()
    optimizer = optimizer or make_optimizer(model, config)
    history = History(device=str(device))
    state: State = None
    best = math.inf
    train_time = 0.0

    def evaluate_now(step: int) -> None:
        nonlocal best
        if config.eval_train:
            history.train_estimate.append(evaluate(model, get_batch, loss_fn, config.eval_batches, device, "train"))
        val = evaluate(model, get_batch, loss_fn, config.eval_batches, device)
        history.val_step.append(step)
        history.val_loss.append(val)
        history.elapsed.append(train_time)
        bar.set_postfix(train=f"{history.train_loss[-1]:.3f}" if history.train_loss else "-", val=f"{val:.3f}")
        if config.checkpoint and val < best:
            save_checkpoint(config.checkpoint, model, optimizer, step, extra={"val_loss": val})
        best = min(best, val)

    bar = tqdm(range(config.steps + int(config.eval_first)), disable=not config.progress, desc="train", leave=False)
    for step in bar:
        t0 = time.perf_counter()
        batch = to_device(get_batch("train"), device)
        if config.eval_first and config.eval_every and (step % config.eval_every == 0 or step == config.steps):
            train_time += time.perf_counter() - t0
            evaluate_now(step)  # the model after `step` updates
            t0 = time.perf_counter()
        if step == config.steps:  # eval_first's extra round: nothing left to train
            break
        for group in optimizer.param_groups:
            group["lr"] = _lr_at(step, config)
        loss, state = loss_fn(model, batch, state if config.carry_state else None)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {float(loss)} at step {step}; try a lower lr or clipping")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        history.grad_norm.append(clip_gradients(model, config.clip_norm, config.clip_value))
        optimizer.step()
        state = detach_state(state) if config.carry_state else None
        history.train_loss.append(loss.item())
        if device.type == "cuda":
            torch.cuda.synchronize()
        train_time += time.perf_counter() - t0
        last = step == config.steps - 1
        if not config.eval_first and config.eval_every and (step % config.eval_every == 0 or last):
            evaluate_now(step)
    history.train_time = train_time
    return history


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    step: int = 0, extra: dict | None = None) -> Path:
    """Save model (and optimizer) state with the step and any extra information."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"model": model.state_dict(), "step": step, "extra": extra or {}}
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    payload = torch.load(path, map_location=map_location, weights_only=True)
    model.load_state_dict(payload["model"])
    if optimizer is not None and "optimizer" in payload:
        optimizer.load_state_dict(payload["optimizer"])
    return {"step": payload["step"], **payload["extra"]}
