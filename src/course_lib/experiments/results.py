"""Saving and loading experiment results (JSON, with provenance) under ``book/_static/results/``."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

from course_lib.paths import repo_path

__all__ = ["results_dir", "save_results", "load_results", "provenance", "RESULTS_ENV"]

RESULTS_ENV = "COURSE_RESULTS_DIR"


def results_dir() -> Path:
    """``$COURSE_RESULTS_DIR`` if set, else the repository's ``book/_static/results``."""
    return repo_path(RESULTS_ENV, "book", "_static", "results")


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(device: str | torch.device | None = None) -> dict[str, Any]:
    """Where and when a result was produced: device (with GPU name), threads, load, versions, commit."""
    dev = str(device) if device is not None else "cpu"
    info = {
        "device": dev,
        "device_name": torch.cuda.get_device_name() if dev.startswith("cuda") else platform.processor() or "cpu",
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "commit": _git_commit(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    return info


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        return obj.tolist()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def save_results(name: str, config: Any, results: dict, device: str | torch.device | None = None,
                 seed: int | None = None, wall_time: float | None = None, figure: Any = None,
                 directory: str | Path | None = None) -> Path:
    """Write ``<dir>/<name>.json`` (config, results, provenance) and ``<name>.png`` if a figure is given."""
    directory = Path(directory) if directory is not None else results_dir()
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "name": name,
        "config": _jsonable(config),
        "seed": seed,
        "wall_time_s": wall_time,
        "provenance": provenance(device),
        "results": _jsonable(results),
    }
    path = directory / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n")
    tmp.replace(path)
    if figure is not None:
        figure.savefig(directory / f"{name}.png", dpi=120, bbox_inches="tight")
    return path


def load_results(name: str, directory: str | Path | None = None) -> dict:
    """Read a saved result.

    Raises:
        FileNotFoundError: naming the command that produces the missing file.
    """
    directory = Path(directory) if directory is not None else results_dir()
    path = directory / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no saved results at {path}; produce them with "
                                f"`python -m course_lib experiment {name} --full`")
    return json.loads(path.read_text())
