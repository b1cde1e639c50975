"""Run one submission's cells in a child process with limits: :func:`run_cells`.

Each call gets

- a fresh temporary working directory outside the checkout (a copy of the student's folder, if
  any), which is also the child's ``HOME`` and ``TMPDIR``, removed afterwards; it holds the
  child's own copy of ``course_lib`` and of the data (:mod:`course_lib.grading.isolation`), so
  the child never needs the checkout;
- the protocol's environment: ``COURSE_GRADER=1``, a fresh secret ``COURSE_GRADER_SALT`` per run,
  ``COURSE_GRADER_RECORDS`` (a folder in the work dir) -- the checks only measure there;
- its own process group (``start_new_session``), killed as a whole with ``SIGKILL`` on timeout
  and after the run; when the grader is root, also its own unprivileged uid (every process of
  which is killed at the end, wherever it went) with ``RLIMIT_NPROC``; otherwise
  ``RLIMIT_NPROC`` relative to the processes the user already has;
- an address-space limit (``RLIMIT_AS``), a file-size limit and no core dumps, set by the child
  (:mod:`course_lib.grading.runner`) before any student code runs;
- a wall-time limit on the whole run;
- a private pipe for results: the child's stdout and stderr go to ``/dev/null``, so nothing the
  student prints can be taken for a result, and the grader reads at most ``MAX_REPORT_BYTES``;
- on Linux >= 5.13 (Landlock, unprivileged): no right to write outside that directory and no
  right to read outside it and the system, Python and virtualenv folders: the checkout
  (``solutions/``, ``tests/``), the submissions and the grader's outputs are out of reach.

The pipe is not trusted: the child's own code can write to it. A cell's line only says that it
ran and what the checks measured; the grader judges the measurements itself.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.grading import isolation

__all__ = ["CellResult", "RunResult", "run_cells", "MAX_REPORT_BYTES"]

MAX_REPORT_BYTES = 64 * 2**20
NPROC = 256  # processes and threads one submission may have at once
MAX_COPY_BYTES = 64 * 2**20
_SRC = str(Path(__file__).resolve().parents[2])  # the folder that holds course_lib
# Started by path, not with -m: importing the course_lib.grading package would pull in nbformat
# (about a second of CPU per submission) for a script that needs only the standard library.
_RUNNER = str(Path(__file__).with_name("runner.py"))


@dataclass
class CellResult:
    index: int
    ok: bool
    error: str = ""
    memory: bool = False
    output: str = ""
    seconds: float = 0.0
    records: list = field(default_factory=list)  # the measurements reported with a graded cell


@dataclass
class RunResult:
    """What happened to one run: per-cell results in order, and how the process ended."""

    cells: dict[int, CellResult] = field(default_factory=dict)
    finished: bool = False  # the runner reported the end of the last cell
    timed_out: bool = False
    returncode: int | None = None
    seconds: float = 0.0
    problem: str = ""  # why the run ended early, in words
    isolated: bool = False  # writes were confined to the working folder (Landlock)
    reads_confined: bool = False  # reads were confined too (the checkout was unreadable)
    uid: int | None = None  # the unprivileged uid the submission ran as (grader running as root)
    survivors: int = 0  # processes of that uid still alive after the final kill, before the uid is reused
    salt: str = ""
    header: bool = False  # the runner's first line (written before any student code) was read

    @property
    def memory(self) -> bool:
        return any(c.memory for c in self.cells.values())


def _copy_folder(src: Path | None, dst: Path) -> None:
    """Copy the student's folder (skipping notebooks, hidden files and anything past 64 MiB)."""
    if src is None or not src.is_dir():
        return
    budget = MAX_COPY_BYTES
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part.startswith(".") for part in rel.parts) or path.is_symlink():
            continue
        if path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        elif path.is_file() and path.suffix != ".ipynb" and path.stat().st_size <= budget:
            budget -= path.stat().st_size
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst / rel)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _child_env(workdir: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": workdir, "TMPDIR": workdir,
           "PYTHONPATH": _SRC, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "COURSE_DEVICE": "cpu"}
    return env


def run_cells(cells: list[dict], *, timeout: float, memory_mb: int | None, file_mb: int = 64,
              folder: Path | None = None, restrict: bool = True, salt: str | None = None,
              data_dir: Path | None = None, protected: list[Path] | None = None,
              own_uid: bool | None = None, python: str = sys.executable) -> RunResult:
    """Execute ``cells`` (dicts with ``index``, ``source``, ``graded``) in a limited child process.

    Args:
        cells: the code cells to run, in order.
        timeout: wall-time limit in seconds for the whole run.
        memory_mb: address-space limit of the child (``None``: unlimited).
        file_mb: largest file the child may write.
        folder: the student's folder, copied into the temporary working directory.
        restrict: confine the child's writes and reads where the kernel supports Landlock
            (Linux >= 5.13); elsewhere the run goes on without it.
        salt: the run's secret (default: a fresh one), mixed into every check's seed.
        data_dir: a folder of corpora copied for the child and named by ``$COURSE_DATA_DIR``
            (default: none, so the child reads the corpora its copy of the package ships).
        protected: more folders that must stay unreadable even if a system folder holds them
            (the solutions, the submissions, the grader's outputs); the checkout always is.
        own_uid: run as a dedicated unprivileged uid (default: when the grader is root).

    Returns:
        A :class:`RunResult`; cells that never reported are absent from ``cells``.
    """
    result = RunResult(salt=secrets.token_hex(16) if salt is None else salt)
    workdir = tempfile.mkdtemp(prefix="course-grade-")
    read_fd, write_fd = os.pipe()
    t0 = time.monotonic()
    proc, uid, handle = None, None, None
    try:
        _copy_folder(folder, Path(workdir))
        extra = isolation.prepare_workdir(Path(workdir), data_dir)  # None: the package copy's data/files
        env = {**_child_env(workdir), **extra, "COURSE_GRADER": "1", "COURSE_GRADER_SALT": result.salt,
               "COURSE_GRADER_RECORDS": str(Path(workdir) / ".course" / "records")}
        root = os.geteuid() == 0
        job = {"fd": write_fd, "cells": cells, "memory_mb": memory_mb, "file_mb": file_mb, "restrict": restrict}
        if restrict:
            shield = [isolation.repo_root(), *(protected or [])]
            job["read_roots"] = isolation.confined_roots(isolation.read_roots(), [str(p) for p in shield])
        if root and own_uid is not False and sys.platform.startswith("linux"):
            keep_read = isolation.needs_read_capability(python) or isolation.needs_read_capability(sys.base_prefix)
            if keep_read and not (restrict and isolation.landlock_abi() >= 1):
                raise RuntimeError(
                    f"the Python install ({os.path.realpath(sys.base_prefix)}) cannot be read by an unprivileged "
                    "user, and without Landlock the read capability it would need exposes the checkout: install "
                    "Python where every user can read it, or run the grader as a non-root user")
            uid, handle = isolation.UidPool().acquire()
            isolation.chown_tree(Path(workdir), uid)
            job.update(uid=uid, nproc=NPROC, keep_read=keep_read)
            result.uid = uid
        elif not root:
            job["nproc"] = isolation.task_count(os.getuid()) + NPROC
        proc = subprocess.Popen(
            [python, _RUNNER], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir, env=env,
            pass_fds=(write_fd,), start_new_session=True, close_fds=True)
        os.close(write_fd)
        write_fd = -1
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        _collect(proc, read_fd, t0 + timeout, result)
    finally:
        if write_fd >= 0:
            os.close(write_fd)
        os.close(read_fd)
        if proc is not None:
            _kill_group(proc.pid)
            if uid is not None:
                isolation.kill_uid(uid)
                result.survivors = len(isolation.uid_processes(uid))
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            result.returncode = proc.returncode if result.returncode is None else result.returncode
        if handle is not None:
            isolation.UidPool.release(handle)
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    return result


def _collect(proc: subprocess.Popen, read_fd: int, deadline: float, result: RunResult) -> None:
    buffer, received = b"", 0
    sel = selectors.DefaultSelector()
    sel.register(read_fd, selectors.EVENT_READ)
    expected = None
    try:
        while not result.finished:
            left = deadline - time.monotonic()
            if left <= 0:
                result.timed_out = True
                break
            if not sel.select(timeout=min(left, 1.0)):
                if proc.poll() is not None and not sel.select(timeout=0):
                    break
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            received += len(chunk)
            if received > MAX_REPORT_BYTES:
                result.problem = f"sent more than {MAX_REPORT_BYTES // 2**20} MiB of results"
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                expected = _accept(line, result, expected)
    finally:
        sel.close()
    if result.timed_out:
        _kill_group(proc.pid)
        return
    if result.finished:  # the runner leaves with os._exit right after; do not wait long for it
        deadline = min(deadline, time.monotonic() + 5)
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        result.timed_out = not result.finished
        _kill_group(proc.pid)
        return
    result.returncode = proc.returncode


def _accept(line: bytes, result: RunResult, expected: int | None) -> int | None:
    """Take one result line; records must come in order, one per cell, and parse as JSON."""
    try:
        record = json.loads(line)
    except ValueError:
        return expected
    if not isinstance(record, dict):
        return expected
    if not result.header:  # the first line is the runner's, written before any student code ran
        result.header = True
        result.isolated = record.get("isolated") is True
        result.reads_confined = record.get("reads_confined") is True
        return expected
    if record.get("done") is True:
        result.finished = True
        return expected
    index = record.get("index")
    if not isinstance(index, int) or index in result.cells or (expected is not None and index <= expected):
        return expected
    result.cells[index] = CellResult(
        index=index, ok=record.get("ok") is True, error=str(record.get("error", ""))[:4000],
        memory=record.get("memory") is True, output=str(record.get("output", ""))[:8000],
        seconds=float(record.get("seconds", 0.0)) if isinstance(record.get("seconds"), (int, float)) else 0.0,
        records=[r for r in record.get("records", []) if isinstance(r, dict)][:64]
        if isinstance(record.get("records"), list) else [])
    return index
