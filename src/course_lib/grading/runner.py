"""The child process that runs one submission: ``python -m course_lib.grading.runner``.

Started by :func:`course_lib.grading.sandbox.run_cells`, never by hand. It

1. reads the job (JSON on stdin: cells, result fd, limits) and points stdin at ``/dev/null``;
2. lowers its own limits before any student code exists in the process: address space
   (``RLIMIT_AS``), file size (``RLIMIT_FSIZE``), no core dumps. Doing it here rather than in a
   ``preexec_fn`` is equivalent (nothing of the student's has run yet) and safe with the grader's
   worker threads, where ``preexec_fn`` is documented as unsafe;
3. executes the code cells in order in one namespace with ``exec`` (like a kernel would, without
   the kernel), each with ``sys.stdout``/``sys.stderr`` replaced by a capped buffer;
4. after each cell writes one JSON line on the private result pipe (never stdout, so what the
   student prints cannot count): ``{"index", "ok", "error", "memory", "output", "seconds"}``,
   and ``{"done": true}`` at the end, then leaves with ``os._exit`` (no atexit, no stray threads).

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


def main() -> None:
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
