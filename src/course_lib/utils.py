"""Small utilities every chapter uses: seeding, device choice, parameter counts."""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from torch import nn

__all__ = ["seed_everything", "get_device", "count_parameters", "DEVICE_ENV"]

#: Environment variable that overrides :func:`get_device` (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
DEVICE_ENV = "COURSE_DEVICE"


def seed_everything(seed: int = 0, deterministic: bool = False) -> torch.Generator:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and every GPU); return a seeded generator.

    Args:
        seed: the seed.
        deterministic: also ask PyTorch for deterministic kernels (slower on GPUs).

    Returns:
        A ``torch.Generator`` seeded with ``seed``, for code that wants its own stream.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - seeds the legacy global generator that user code may use
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    return torch.Generator().manual_seed(seed)


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """The device to compute on: ``prefer`` if given, else ``$COURSE_DEVICE``, else cuda > mps > cpu.

    The same notebook therefore runs unchanged on a laptop CPU, an Apple GPU (MPS) or an NVIDIA GPU.

    Raises:
        RuntimeError: if the requested device is not available here, saying which ones are.
    """
    choice = prefer if prefer is not None else os.environ.get(DEVICE_ENV) or None
    if choice is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(choice)
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": _mps_available()}
    if not available.get(device.type, False):
        have = ", ".join(k for k, v in available.items() if v)
        raise RuntimeError(f"device {str(device)!r} was requested but is not available here (have: {have})")
    return device


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters in ``model`` (only those with ``requires_grad`` by default)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
