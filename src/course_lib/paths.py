"""Where a clone's folders are, for the tools that work on the repository itself.

Only the repository's tooling uses it: the experiments that write saved results into
``book/_static/results/``, the book's ``{result}`` role that reads them, the benchmarks, and the
fallback to ``labs/`` for ``course check`` in a clone. Nothing a lab imports depends on it: the
corpus and the released labs are package data (:mod:`course_lib.data.corpus`, :mod:`course_lib.labs`).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_path"]


def repo_path(env: str, *parts: str) -> Path:
    """``$env`` if that variable is set, else ``<repository>/<parts...>``.

    The repository is the first folder above this package that holds ``src/course_lib`` (an
    editable install or a clone); outside one, the current directory stands in for it.
    """
    override = os.environ.get(env)
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        if (parent / "src" / "course_lib").is_dir() and (parent / parts[0]).is_dir():
            return parent.joinpath(*parts)
    return Path.cwd().joinpath(*parts)
