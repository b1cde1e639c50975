"""The child process that runs one submission: ``python .../course_lib/grading/runner.py``.

Started by :func:`course_lib.grading.sandbox.run_cells`, never by hand. It

1. reads the job (JSON on stdin: cells, result fd, limits) and points stdin at ``/dev/null``;
2. lowers its own limits before any student code exists in the process: address space
   (``RLIMIT_AS``), file size (``RLIMIT_FSIZE``), no core dumps. Doing it here rather than in a
   ``preexec_fn`` is equivalent (nothing of the student's has run yet) and safe with the grader's
   worker threads, where ``preexec_fn`` is documented as unsafe. Where the kernel has Landlock,
   it also gives up the right to write anywhere but its working folder (so a submission cannot
   touch another's files, the submissions or the grader's outputs);
3. executes the code cells in order in one namespace with ``exec`` (like a kernel would, without
   the kernel), each with ``sys.stdout``/``sys.stderr`` replaced by a capped buffer;
4. writes ``{"isolated": bool}`` (whether writes are confined), then after each cell one JSON
   line on the private result pipe (never stdout, so what the student prints cannot count):
   ``{"index", "ok", "error", "memory", "output", "seconds"}``, and ``{"done": true}`` at the end,
   then leaves with ``os._exit`` (no atexit, no stray threads).

A ``SystemExit`` or ``KeyboardInterrupt`` raised by a cell is that cell's error, as in Jupyter;
``os._exit`` or a signal ends the process, and the grader sees the missing cells.
IPython magics (``%...``, ``!...``, ``%%cell``) are dropped: there is no kernel to run them.
"""

from __future__ import annotations

import builtins
import json
import os
import resource
import sys
import time

OUTPUT_KEEP = 4000  # characters of a graded cell's output kept for the feedback
ERROR_KEEP = 2000


class CappedText:
    """A text stream that keeps the first ``keep`` characters and counts the rest."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, keep: int) -> None:
        self.keep, self.parts, self.size, self.total = keep, [], 0, 0

    def write(self, s: str) -> int:
        s = str(s)
        self.total += len(s)
        if self.size < self.keep:
            self.parts.append(s[: self.keep - self.size])
            self.size += len(self.parts[-1])
        return len(s)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.total > self.size:
            text += f"\n... ({self.total - self.size} more characters not kept)"
        return text

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def strip_magics(source: str) -> str:
    """Drop IPython-only syntax: a ``%%magic`` first line, and ``%line`` / ``!shell`` lines."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines = lines[1:]
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass  # IPython magic removed by the grader"
        out.append(line)
    return "\n".join(out)


def _set_limits(memory_mb: int | None, file_mb: int | None) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_mb:
        cap = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if file_mb:
        cap = file_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))


# Linux Landlock (kernel >= 5.13): an unprivileged process can give up the right to write outside
# chosen folders, for itself and every child. Reads stay allowed (numpy, course_lib, data).
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same number on every arch
_RULE_PATH_BENEATH, _PR_SET_NO_NEW_PRIVS = 1, 38
_FS_WRITE_FILE, _FS_TRUNCATE = 1 << 1, 1 << 14
_FS_WRITE_ANY = sum(1 << b for b in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make *


def restrict_writes(folder: str) -> bool:
    """Allow writes only beneath ``folder`` (and to ``/dev/null``); False where Landlock is absent."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
        if abi < 1:
            return False
        handled = _FS_WRITE_ANY | ((1 << 13) if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)

        class RulesetAttr(ctypes.Structure):
            _fields_ = [("handled_access_fs", ctypes.c_uint64)]

        class PathBeneath(ctypes.Structure):
            _pack_ = 1
            _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

        attr = RulesetAttr(handled)
        ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                               ctypes.c_uint32(0))
        if ruleset < 0:
            return False
        file_rights = handled & (_FS_WRITE_FILE | _FS_TRUNCATE)
        for path, rights in ((folder, handled), (os.devnull, file_rights)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            rule = PathBeneath(rights, fd)
            ok = libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                              ctypes.byref(rule), ctypes.c_uint32(0))
            os.close(fd)
            if ok != 0:
                os.close(ruleset)
                return False
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            os.close(ruleset)
            return False
        done = libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
        os.close(ruleset)
        return done
    except (OSError, AttributeError):
        return False


def main() -> None:
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # started by path: do not let `import release` find course_lib's modules
    job = json.loads(sys.stdin.buffer.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    fd = job["fd"]
    write, dumps, now = os.write, json.dumps, time.perf_counter
    real_out, real_err = sys.stdout, sys.stderr

    def report(record: dict) -> None:
        data = (dumps(record) + "\n").encode()
        while data:
            data = data[write(fd, data):]

    isolated = restrict_writes(os.getcwd()) if job.get("restrict_writes") else False
    report({"isolated": isolated})
    _set_limits(job.get("memory_mb"), job.get("file_mb"))
    reserve = bytearray(16 * 2**20)  # freed after a MemoryError so that reporting it still works
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    for cell in job["cells"]:
        buf = CappedText(OUTPUT_KEEP)
        sys.stdout = sys.stderr = buf
        t0 = now()
        error, memory = None, False
        try:
            exec(compile(strip_magics(cell["source"]), f"<cell {cell['index']}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt are cell errors too
            memory = isinstance(exc, MemoryError)
            if memory:
                reserve = None
            error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            del exc
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        if memory and reserve is None:
            try:
                reserve = bytearray(16 * 2**20)
            except MemoryError:
                reserve = b""
        report({"index": cell["index"], "ok": error is None, "memory": memory,
                "error": (error or "")[-ERROR_KEEP:], "seconds": round(now() - t0, 3),
                "output": buf.getvalue() if cell.get("graded") else ""})
    report({"done": True})
    os._exit(0)


if __name__ == "__main__":
    main()
