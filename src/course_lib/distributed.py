r"""Data-parallel training with ``torch.nn.parallel.DistributedDataParallel`` (DDP).

Each of the ``W`` processes holds a full copy of the model, draws its own batches, and computes
its own gradient; DDP all-reduces (averages) the gradients during ``backward()``, so every process
applies the same update and the copies stay identical:

.. math::
    \theta \leftarrow \theta - \eta \, \frac{1}{W} \sum_{r=0}^{W-1} \nabla_\theta L_r(\theta)

The training loop is generic over any ``nn.Module`` and any ``loss_fn(model, batch) -> loss``.
The command line trains a character language model: any factory ``vocab_size -> nn.Module`` whose
forward maps ids ``(B, T)`` to logits ``(B, T, V)`` (or a tuple whose first item is the logits),
e.g. the chapter-2 model. Launch it with ``torchrun`` (see the appendix "Scaling out")::

    torchrun --standalone --nproc_per_node 2 -m course_lib.distributed \
        --model course_lib.lm:CharLM --steps 200 --out runs/ddp

``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
``init_process_group`` reads them. Each rank saves ``rank{r}.pt`` (its parameters and losses) in
``--out`` so that one can check every copy ended identical.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from course_lib.data import Vocab, load_corpus
from course_lib.data.chars import random_windows
from course_lib.lm import lm_loss_fn
from course_lib.utils import seed_everything

Batch = tuple[Tensor, Tensor]
LossFn = Callable[[nn.Module, Batch], Tensor]


@dataclass
class DDPConfig:
    """Settings of one data-parallel run (per process unless said otherwise).

    Attributes:
        steps: optimiser steps.
        batch_size: sequences per process per step (the global batch is ``W * batch_size``).
        block_size: characters per sequence, T.
        lr: AdamW learning rate.
        clip_norm: gradient clipping on the averaged gradient (None: no clipping).
        seed: the model is initialised from ``seed`` on every rank; rank r samples its batches
            from ``seed + 1 + r``, so the ranks see different data.
        backend: ``"gloo"`` (CPU, any machine) or ``"nccl"`` (NVIDIA GPUs).
        max_chars: use only the first ``max_chars`` characters of the corpus (None: all).
    """

    steps: int = 200
    batch_size: int = 12
    block_size: int = 64
    lr: float = 2e-3
    clip_norm: float | None = 1.0
    seed: int = 0
    backend: str = "gloo"
    max_chars: int | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "block_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.backend not in ("gloo", "nccl"):
            raise ValueError(f"backend must be 'gloo' or 'nccl', got {self.backend!r}")


def init_distributed(backend: str = "gloo") -> tuple[int, int, torch.device]:
    """Join the process group that ``torchrun`` set up; return ``(rank, world_size, device)``.

    With ``nccl`` each process uses the GPU ``LOCAL_RANK``; with ``gloo`` the CPU.

    Raises:
        RuntimeError: if the process was not started by ``torchrun`` (no ``RANK`` in the
            environment), or nccl is asked for without a GPU.
    """
    if "RANK" not in os.environ:
        raise RuntimeError("RANK is not set: start this with torchrun, e.g. "
                           "`torchrun --standalone --nproc_per_node 2 -m course_lib.distributed ...`")
    if backend == "nccl":
        if not torch.cuda.is_available():
            raise RuntimeError("backend 'nccl' needs CUDA GPUs; use 'gloo' on a CPU machine")
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), device


def lm_loss(model: nn.Module, batch: Batch) -> Tensor:
    """Mean next-token cross-entropy of a model mapping ids (B, T) to logits (B, T, V) (or to
    ``(logits, state)``): :func:`course_lib.lm.lm_loss_fn` without a carried state."""
    return lm_loss_fn(model, batch)[0]


def train_ddp(model: nn.Module, get_batch: Callable[[int], Batch], loss_fn: LossFn, config: DDPConfig,
              device: torch.device) -> list[float]:
    """Train ``model`` with DDP in the current process group; return this rank's losses.

    Args:
        model: the same architecture on every rank; DDP broadcasts rank 0's initial parameters.
        get_batch: ``step -> (x, y)``, this rank's batch for that step.
        loss_fn: ``(model, batch) -> scalar loss``; it receives the DDP-wrapped model.
        config: steps, learning rate, clipping.
        device: where this rank computes.

    Raises:
        RuntimeError: if no process group is initialised (call :func:`init_distributed`).
    """
    if not dist.is_initialized():
        raise RuntimeError("no process group: call init_distributed() first (under torchrun)")
    model = model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.AdamW(ddp.parameters(), lr=config.lr)
    losses = []
    for step in range(config.steps):
        x, y = (t.to(device) for t in get_batch(step))
        loss = loss_fn(ddp, (x, y))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # gradients are averaged across ranks here
        if config.clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(ddp.parameters(), config.clip_norm)
        optimizer.step()
        losses.append(loss.item())
    return losses


def load_factory(spec: str) -> Callable[[int], nn.Module]:
    """``"package.module:name"`` -> the callable ``vocab_size -> nn.Module`` it names.

    Raises:
        ValueError: if ``spec`` has no ``:``; ImportError/AttributeError if it does not exist.
    """
    if ":" not in spec:
        raise ValueError(f"--model must look like 'package.module:name', got {spec!r}")
    module_name, name = spec.split(":", 1)
    return getattr(importlib.import_module(module_name), name)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point, run once per process by ``torchrun``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True,
                        help="factory vocab_size -> nn.Module, as package.module:name")
    parser.add_argument("--corpus", default="tinyshakespeare")
    parser.add_argument("--out", type=Path, required=True, help="folder for rank{r}.pt")
    defaults = DDPConfig()
    for field, value in asdict(defaults).items():
        if field in ("clip_norm", "max_chars"):
            parser.add_argument(f"--{field.replace('_', '-')}", type=float if field == "clip_norm" else int,
                                default=value)
        else:
            parser.add_argument(f"--{field.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    config = DDPConfig(**{k: getattr(args, k) for k in asdict(defaults)})

    rank, world_size, device = init_distributed(config.backend)
    try:
        text = load_corpus(args.corpus)[: config.max_chars]
        vocab = Vocab.from_text(text)
        ids = torch.tensor(vocab.encode(text), dtype=torch.long)                 # (N,)
        seed_everything(config.seed)  # same initial weights everywhere (DDP also broadcasts them)
        model = load_factory(args.model)(len(vocab))
        data_gen = torch.Generator().manual_seed(config.seed + 1 + rank)
        losses = train_ddp(model, lambda step: random_windows(ids, config.batch_size, config.block_size,
                                                              data_gen),
                           lm_loss, config, device)
        args.out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save({"rank": rank, "world_size": world_size, "losses": losses, "state_dict": state,
                    "config": asdict(config)}, args.out / f"rank{rank}.pt")
        if rank == 0:
            print(f"world size {world_size}, {config.steps} steps: loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
