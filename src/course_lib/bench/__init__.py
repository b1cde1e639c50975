"""``make bench``: timings printed, never asserted. Each submodule defines ``bench() -> list[str]``
returning printable lines; ``python -m course_lib bench [NAME...]`` runs them."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

__all__ = ["discover"]


def discover() -> dict[str, Callable[[], list[str]]]:
    import course_lib.bench as pkg

    found = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"course_lib.bench.{info.name}")
        if hasattr(mod, "bench"):
            found[info.name] = mod.bench
    return found
