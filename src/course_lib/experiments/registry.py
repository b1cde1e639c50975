"""Registry of experiments: every submodule of ``course_lib.experiments`` may register some."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Experiment", "EXPERIMENTS", "experiment", "get_experiment", "discover"]


@dataclass(frozen=True)
class Experiment:
    name: str
    run: Callable[..., dict]
    small: Callable[[], Any]  # config for a quick run (seconds, on a CPU)
    full: Callable[[], Any]  # config for the full run behind the book's figures
    description: str


EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, small: Callable[[], Any], full: Callable[[], Any]) -> Callable:
    """Decorator: register ``run(config) -> dict`` under ``name`` with its small and full configs."""

    def register(fn: Callable[..., dict]) -> Callable[..., dict]:
        if name in EXPERIMENTS and EXPERIMENTS[name].run is not fn:
            raise ValueError(f"experiment {name!r} is registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        EXPERIMENTS[name] = Experiment(name, fn, small, full, doc[0] if doc else "")
        return fn

    return register


def discover() -> dict[str, Experiment]:
    """Import every submodule so that all experiments are registered."""
    import course_lib.experiments as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in ("registry", "results", "cli", "replot"):
            importlib.import_module(f"course_lib.experiments.{info.name}")
    return EXPERIMENTS


def get_experiment(name: str) -> Experiment:
    discover()
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; known: {sorted(EXPERIMENTS)}")
    return EXPERIMENTS[name]
