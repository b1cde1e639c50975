"""What a submission's process may see and own, prepared by the grader: :func:`prepare_workdir`.

Every submission runs in its own temporary folder outside the checkout, holding

- ``.course/course_lib``: a copy of the package as a student has it (no ``solutions/``, no
  ``tests/``, no grader state), compiled once per grading run and copied per submission, so that
  a submission that edits its own copy changes nothing for anyone else;
- ``.course/data``: a copy of the shipped corpora (``$COURSE_DATA_DIR`` points there);
- ``.course/records``: where the checks write their measurements (``$COURSE_GRADER_RECORDS``).

:func:`read_roots` lists the folders the child may read once Landlock is on (the Python install,
the virtualenv, the system folders); :func:`confined_roots` drops any of them that holds the
checkout, the solutions or the grader's outputs and allows their other children instead.

When the grader runs as root, each submission also gets its own unprivileged uid
(:class:`UidPool`, 61000 and up, no passwd entry needed), owner of its folder and nothing else;
:func:`kill_uid` ends every process of that uid at the end, wherever it went.
"""

from __future__ import annotations

import atexit
import compileall
import fcntl
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

__all__ = ["PACKAGE", "repo_root", "student_package", "prepare_workdir", "read_roots", "confined_roots",
           "UidPool", "kill_uid", "uid_processes", "task_count", "needs_read_capability", "chown_tree",
           "landlock_abi"]

PACKAGE = Path(__file__).resolve().parents[1]  # src/course_lib of the grader
UID_BASE, UID_COUNT = 61000, 1000
_LOCKS = Path(tempfile.gettempdir()) / "course-grader-uids"
_master: dict[str, Path] = {}
_master_lock = threading.Lock()


def repo_root() -> Path:
    """The checkout the grader runs from (the folder above ``src/course_lib``)."""
    return PACKAGE.parents[1]


def student_package() -> Path:
    """A compiled copy of ``course_lib`` (the package only) in a temporary folder, made once per process."""
    key = str(PACKAGE)
    with _master_lock:
        if key not in _master:
            base = Path(tempfile.mkdtemp(prefix="course-grader-pkg-"))
            atexit.register(shutil.rmtree, base, True)
            dst = base / "course_lib"
            shutil.copytree(PACKAGE, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            compileall.compile_dir(dst, quiet=2, workers=1)
            for path in [base, *base.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            _master[key] = dst
        return _master[key]


def prepare_workdir(workdir: Path, data_dir: Path | None) -> dict[str, str]:
    """Copy the package and the data into ``workdir/.course``; return the child's extra environment."""
    course = workdir / ".course"
    course.mkdir()
    shutil.copytree(student_package(), course / "course_lib")
    env = {"PYTHONPATH": str(course)}
    if data_dir is not None and data_dir.is_dir():
        shutil.copytree(data_dir, course / "data")
        env["COURSE_DATA_DIR"] = str(course / "data")
    (course / "records").mkdir()
    return env


def read_roots() -> list[str]:
    """Folders the submission may read (and execute from) besides its own: system, Python, venv."""
    roots = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev"]
    site = [p for p in sys.path if p.endswith("site-packages")]
    roots += [sys.base_prefix, sys.prefix, *site]
    for folder in [p for p in sys.path if p and os.path.isdir(p)]:  # packages linked in from elsewhere: their targets
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            roots += [os.path.realpath(e.path) for e in entries if e.is_symlink()]
    seen, out = set(), []
    for root in roots:
        real = os.path.realpath(root)
        if real not in seen and os.path.isdir(real):
            seen.add(real)
            out.append(real)
    return out


def _beneath(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def confined_roots(roots: list[str], protected: list[str]) -> list[str]:
    """``roots`` with every folder that holds a ``protected`` path replaced by its other children."""
    protected = [os.path.realpath(p) for p in protected]
    out: list[str] = []

    def add(root: str) -> None:
        inside = [p for p in protected if _beneath(p, root)]
        if not inside:
            out.append(root)
            return
        if any(p == root for p in inside):
            return
        try:
            children = sorted(os.listdir(root))
        except OSError:
            return
        for name in children:
            child = os.path.join(root, name)
            if os.path.isdir(child) and not os.path.islink(child):
                add(child)

    for root in roots:
        add(root)
    return out


def needs_read_capability(path: str) -> bool:
    """True when an unprivileged uid could not reach ``path`` (a folder above it lacks o+x)."""
    real = Path(os.path.realpath(path))
    for folder in [real, *real.parents]:
        try:
            if not folder.stat().st_mode & 0o001:
                return True
        except OSError:
            return True
    return False


class UidPool:
    """Unprivileged uids ``61000 + k`` for concurrent submissions, unique across grader processes.

    A uid is held by an ``flock`` on ``$TMPDIR/course-grader-uids/<uid>.lock`` for as long as
    its submission runs, so two graders on one machine (pytest-xdist workers, two courses)
    never share one.
    """

    def acquire(self) -> tuple[int, object]:
        _LOCKS.mkdir(mode=0o700, exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_COUNT):
            handle = open(_LOCKS / f"{uid}.lock", "w")  # noqa: SIM115 - held until release
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            kill_uid(uid)  # a leftover from a grader that died
            return uid, handle
        raise RuntimeError(f"no free grading uid in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")

    @staticmethod
    def release(handle: object) -> None:
        handle.close()  # type: ignore[attr-defined]


def uid_processes(uid: int) -> list[int]:
    """Live pids whose real uid is ``uid`` (read from ``/proc``; zombies, already dead, are left out)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid and not fields.get("State", "").strip().startswith(("Z", "X")):
                pids.append(int(entry))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return pids


def kill_uid(uid: int, rounds: int = 200) -> int:
    """SIGKILL every process of ``uid`` until none is left alive (a fork bomb forks while we kill)."""
    import time

    killed = 0
    for k in range(rounds):
        pids = uid_processes(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        if k >= 3:
            time.sleep(0.01)  # let the kernel finish the deaths it was given
    return killed


def task_count(uid: int) -> int:
    """Threads and processes of ``uid`` now: what ``RLIMIT_NPROC`` counts."""
    total = 0
    for pid in uid_processes(uid):
        try:
            total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return total


def chown_tree(root: Path, uid: int) -> None:
    for path in [root, *root.rglob("*")]:
        try:
            os.lchown(path, uid, uid)
        except OSError:
            pass


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 where there is none)."""
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return max(0, int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))))
    except (OSError, AttributeError):
        return 0
