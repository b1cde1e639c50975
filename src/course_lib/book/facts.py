"""Derived numbers for the book's prose (``{result}`@name```): each is computed from saved files.

Add a fact with ``@fact`` on a function of no arguments that reads what it needs with :func:`load`.
Keep each one small and named after the sentence it serves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from course_lib.experiments.results import load_results

__all__ = ["FACTS", "fact", "load"]

FACTS: dict[str, Callable[[], Any]] = {}


@cache
def load(stem: str) -> dict:
    """``book/_static/results/<stem>.json`` as a dict (cached for one build)."""
    return load_results(stem)


def fact(func: Callable[[], Any]) -> Callable[[], Any]:
    """Register ``func`` under its name."""
    FACTS[func.__name__] = func
    return func


@fact
def adding_orders_below_baseline() -> float:
    """How many orders of magnitude the best final MSE on the adding problem sits below the baseline."""
    import math

    res = load("adding")["results"]
    best = min(run["val_loss"][-1] for run in res["runs"].values())
    return math.log10(res["baseline_mse"] / best)
