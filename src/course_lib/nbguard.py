"""The checked-output guard: find a checked cell whose saved output only holds on this machine.

nbval (``make nbval``) runs every notebook and compares each checked cell (tag
``nbval-check-output``) with its saved output, but on the machine that saved it, so an output that
drifts with the CPU's floating-point path (a loss to four digits, ``1.3e-09``) passes here and
fails on a student's laptop. The guard runs the notebooks that have checked cells again, with the
numerics changed the ways another machine changes them, and compares every checked cell's output
with the saved one exactly as nbval does (streams merged, ``\\r`` applied, images not compared):

* ``kernels``: NumPy with its SIMD dispatch turned off (``NPY_DISABLE_CPU_FEATURES`` naming the
  dispatched feature groups this CPU has, read at run time); PyTorch on its baseline CPU kernels
  (``ATEN_CPU_CAPABILITY=default``), with MKL in its compatible code path and oneDNN limited to
  SSE4.1 (x86). One thread, as ``make nbval``.
* ``threads``: the machine's own kernels with two threads instead of one (``OMP_NUM_THREADS``,
  ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``): reductions split differently. (With
  ``OMP_WAIT_POLICY=PASSIVE``: two spinning OpenMP threads on a busy 2-core machine made one
  notebook 10 times slower; waiting passively changes the speed only, not a result.)
* ``accelerator`` (only where CUDA or MPS is present): ``COURSE_DEVICE`` set to it, so
  :func:`course_lib.utils.get_device` trains there. ``kernels`` and ``threads`` set
  ``COURSE_DEVICE=cpu``, so a machine with a GPU checks both paths.

``--env numpy`` / ``--env torch`` run the two halves of ``kernels`` alone, to see which one moves
an output. A notebook runs only up to its last checked cell. Runs go in parallel, one per core.

``python -m course_lib nbguard`` (all of book/ and solutions/) or ``... nbguard NOTEBOOK ...``;
``make guard``; part of ``make test``. Exit status 1 lists cell, environment, expected vs got.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import difflib
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib.notebooks import is_checked

__all__ = ["Drift", "GuardResult", "checked_notebooks", "comparable", "environments", "guard_notebook", "main"]

#: nbval's keys that are not compared (plugin.IPyNbFile.skip_compare, without --nbdime).
SKIP_COMPARE = frozenset({"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                          "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"})
#: What every run sets unless its environment says otherwise: one thread (as ``make nbval``) and
#: the CPU, also on a machine with a GPU (nbval uses the GPU there; ``accelerator`` checks it too).
BASE = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "COURSE_DEVICE": "cpu"}


# ---------------------------------------------------------------------------------------- environments
def numpy_dispatched_features() -> list[str]:
    """The SIMD feature groups NumPy dispatches to at run time on this CPU (e.g. ``X86_V3 X86_V4
    AVX512_ICL``): the ones it has compiled kernels for and the CPU supports, minus the baseline,
    which cannot be turned off."""
    import numpy as np

    try:
        umath = np._core._multiarray_umath
    except AttributeError:  # NumPy 1.x
        umath = np.core._multiarray_umath
    baseline = set(umath.__cpu_baseline__)
    return [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f) and f not in baseline]


def _x86() -> bool:
    return platform.machine().lower() in {"x86_64", "amd64", "i686", "x86"}


def numpy_baseline_env() -> dict[str, str]:
    # OpenBLAS's core type is left alone: some machines set OPENBLAS_CORETYPE because an older
    # OpenBLAS computes wrong results or crashes on their CPU.
    features = numpy_dispatched_features()
    return {"NPY_DISABLE_CPU_FEATURES": " ".join(features)} if features else {}


def torch_baseline_env() -> dict[str, str]:
    env = {"ATEN_CPU_CAPABILITY": "default"}
    if _x86():
        env |= {"MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41"}
    return env


def _accelerator() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else None


def environments() -> dict[str, dict[str, str]]:
    """Every environment the guard knows, name -> variables set for the kernel (over BASE)."""
    envs = {
        "kernels": numpy_baseline_env() | torch_baseline_env(),
        "threads": {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                    "OMP_WAIT_POLICY": "PASSIVE"},
        "numpy": numpy_baseline_env(),
        "torch": torch_baseline_env(),
    }
    device = _accelerator()
    if device:
        envs["accelerator"] = {"COURSE_DEVICE": device}
    return envs


def default_environments() -> list[str]:
    return ["kernels", "threads"] + (["accelerator"] if "accelerator" in environments() else [])


# ---------------------------------------------------------------------------------------- comparison
def comparable(outputs: list) -> dict[str, list]:
    """A cell's outputs as nbval compares them: streams of one name merged (``\\r``/``\\b`` applied),
    then every kept key and MIME type mapped to the list of its values, in order."""
    from nbval.plugin import coalesce_streams

    outs = coalesce_streams([nbformat.from_dict(o) for o in outputs])
    flat: dict[str, list] = {}
    for out in outs:
        if out.get("output_type") == "stream":
            flat.setdefault(out["name"], []).append(out["text"])
            continue
        for key, value in out.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        flat.setdefault(mime, []).append(data)
            else:
                flat.setdefault(key, []).append(value)
    return flat


def _as_text(flat: dict[str, list]) -> str:
    parts = []
    for key in sorted(flat):
        for value in flat[key]:
            text = "".join(value) if isinstance(value, list) else str(value)
            parts.append(text if key == "stdout" else f"[{key}]\n{text}")
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


@dataclass
class Drift:
    """One checked cell whose output under ``env`` is not the saved one."""

    notebook: str
    cell: int  # index among the notebook's code cells, as nbval's "Cell N"
    env: str
    expected: str
    got: str

    def __str__(self) -> str:
        diff = difflib.unified_diff(self.expected.splitlines(), self.got.splitlines(), "saved", self.env, lineterm="")
        return f"{self.notebook}::Cell {self.cell} [{self.env}]\n" + "\n".join("    " + line for line in diff)


@dataclass
class GuardResult:
    notebook: str
    env: str
    seconds: float
    checked: int
    drifts: list[Drift] = field(default_factory=list)
    error: str | None = None


# ---------------------------------------------------------------------------------------- running
def checked_notebooks(paths: list[str | Path] | None = None, root: str | Path = ".") -> list[Path]:
    """The notebooks among ``paths`` (default: book/ and solutions/ under ``root``) with a checked cell."""
    root = Path(root)
    if not paths:
        paths = sorted([*root.glob("book/**/*.ipynb"), *root.glob("solutions/*.ipynb")])
    found = []
    for p in map(Path, paths):
        if ".ipynb_checkpoints" in p.parts or "_build" in p.parts:
            continue
        nb = nbformat.read(p, as_version=4)
        if any(is_checked(c) for c in nb.cells):
            found.append(p)
    return found


def guard_notebook(path: str | Path, env_name: str, overrides: dict[str, str], timeout: int = 300) -> GuardResult:
    """Execute ``path`` (up to its last checked cell) with ``overrides`` set for the kernel and
    compare each checked cell that nbval compares (saved ``execution_count`` set) with its saved output."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path)
    saved = nbformat.read(path, as_version=4)
    run = nbformat.read(path, as_version=4)
    code = [i for i, c in enumerate(run.cells) if c.cell_type == "code"]
    last = max((i for i in code if is_checked(run.cells[i])), default=-1)
    run.cells = run.cells[: last + 1]
    for c in run.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    env = os.environ | BASE | overrides
    result = GuardResult(str(path), env_name, 0.0, 0)
    t0 = time.perf_counter()
    # The kernel's own stderr (start-up warnings) goes to a log, shown only if the run fails.
    with tempfile.TemporaryFile("w+") as log:
        try:
            NotebookClient(run, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute(env=env, stderr=log)
        except (CellExecutionError, CellTimeoutError) as exc:
            result.error = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        except Exception as exc:  # the kernel died or did not start
            log.seek(0)
            result.error = f"{type(exc).__name__}: {exc}\n" + "".join(log.readlines()[-10:])
    result.seconds = time.perf_counter() - t0
    for n, i in enumerate(code):
        if i > last or not is_checked(saved.cells[i]) or saved.cells[i].execution_count is None:
            continue
        result.checked += 1
        if result.error and not run.cells[i].outputs and run.cells[i].execution_count is None:
            continue  # not reached: the error is reported instead
        want, got = comparable(saved.cells[i].outputs), comparable(run.cells[i].outputs)
        if want != got:
            result.drifts.append(Drift(str(path), n, env_name, _as_text(want), _as_text(got)))
    return result


def _describe(env_names: list[str]) -> list[str]:
    envs = environments()
    return [f"  {name}: " + " ".join(f"{k}={v}" for k, v in (BASE | envs[name]).items()) for name in env_names]


def run_guard(paths: list[str | Path] | None, env_names: list[str], jobs: int, timeout: int = 300,
              out=sys.stdout) -> int:
    notebooks = checked_notebooks(paths)
    if not notebooks:
        print("nbguard: no notebook with a checked cell", file=out)
        return 0
    envs = environments()
    tasks = [(nb, name) for nb in notebooks for name in env_names]
    jobs = max(1, min(jobs, len(tasks)))
    print(f"nbguard: {len(notebooks)} notebook(s) x {len(env_names)} environment(s), {jobs} at a time", file=out)
    print("\n".join(_describe(env_names)), file=out, flush=True)
    t0 = time.perf_counter()
    results: list[GuardResult] = []
    # Longest notebooks first would be better; the order of the paths is close enough.
    with cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(guard_notebook, nb, name, envs[name], timeout): (nb, name) for nb, name in tasks}
        for fut in cf.as_completed(futures):
            r = fut.result()
            results.append(r)
            verdict = "ERROR" if r.error else ("DRIFT" if r.drifts else "ok")
            print(f"  {verdict:5s} {r.notebook} [{r.env}] {r.checked} checked cell(s), {r.seconds:.0f} s", file=out,
                  flush=True)
    drifts = [d for r in sorted(results, key=lambda r: (r.notebook, r.env)) for d in r.drifts]
    errors = [r for r in results if r.error]
    for d in sorted(drifts, key=lambda d: (d.notebook, d.cell, d.env)):
        print(d, file=out)
    for r in errors:
        print(f"{r.notebook} [{r.env}] raised: {r.error}", file=out)
    seconds = time.perf_counter() - t0
    if drifts or errors:
        cells = len({(d.notebook, d.cell) for d in drifts})
        print(f"nbguard: {cells} checked cell(s) print something that changes with the machine"
              f"{f', {len(errors)} run(s) failed' if errors else ''} ({seconds:.0f} s). Print a verdict against a "
              "tolerance, an integer or a coarsely rounded value instead (CONTRIBUTING.md, "
              "\"Adding a checked cell\").", file=out)
        return 1
    total = sum(r.checked for r in results)
    print(f"nbguard: {total} checked cell run(s) match their saved outputs in every environment ({seconds:.0f} s)",
          file=out)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebooks", nargs="*", help="notebooks to guard (default: every one in book/ and solutions/ "
                                                "with a checked cell)")
    p.add_argument("--env", action="append", choices=["kernels", "threads", "numpy", "torch", "accelerator"],
                   help="environment(s) to run (default: kernels, threads, and accelerator where present)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="runs at a time (default: cores)")
    p.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    p.add_argument("--list-env", action="store_true", help="print the environments' variables and exit")


def main(args: argparse.Namespace) -> int:
    names = args.env or default_environments()
    unknown = [n for n in names if n not in environments()]
    if unknown:
        print(f"nbguard: environment(s) {unknown} not available here", file=sys.stderr)
        return 2
    if args.list_env:
        print("\n".join(_describe(list(environments()))))
        return 0
    return run_guard(args.notebooks, names, args.jobs, args.timeout)
