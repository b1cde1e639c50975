"""The child process that runs one submission: ``python .../course_lib/grading/runner.py``.

Started by :func:`course_lib.grading.sandbox.run_cells`, never by hand. It

1. reads the job (JSON on stdin: cells, result fd, limits, read roots, uid) and points stdin at
   ``/dev/null``; its environment already says ``COURSE_GRADER=1``, the run's secret
   ``COURSE_GRADER_SALT`` and ``COURSE_GRADER_RECORDS`` (set by the grader at start), so the
   checks only measure (:mod:`course_lib.checks.protocol`);
2. gives up, before any student code exists in the process: every write outside its working
   folder and every read outside that folder and the listed roots (the Python install, the
   virtualenv, ``/usr``, ``/etc``, ``/proc``...; Landlock, Linux >= 5.13), then lowers its limits:
   address space (``RLIMIT_AS``), file size (``RLIMIT_FSIZE``), no core dumps, processes
   (``RLIMIT_NPROC``); started as root, it then becomes the submission's own unprivileged uid.
   Doing it here rather than in a ``preexec_fn`` is equivalent (nothing of the student's has run
   yet) and safe with the grader's worker threads, where ``preexec_fn`` is documented as unsafe;
3. executes the code cells in order in one namespace with ``exec`` (like a kernel would, without
   the kernel), each with ``sys.stdout``/``sys.stderr`` replaced by a capped buffer;
4. writes ``{"isolated", "reads_confined"}``, then after each cell one JSON line on the private
   result pipe (never stdout, so what the student prints cannot count):
   ``{"index", "ok", "error", "memory", "output", "seconds", "records"}`` (``records``: the
   measurements the checks wrote during a graded cell; the files are deleted after every cell),
   and ``{"done": true}`` at the end, then leaves with ``os._exit`` (no atexit, no stray threads).

Nothing in these lines decides a mark: student code shares this process and can write to the
pipe too. The grader judges the records itself (:func:`course_lib.checks.protocol.judge_cell`),
on inputs drawn from the salted seeds, with the case read from its own copy of the cell.

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
MAX_RECORDS = 64  # measurements kept per graded cell
MAX_RECORD_BYTES = 4 * 2**20 + 4096  # the checks refuse to write more (protocol.MAX_RECORD_BYTES)


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


# Linux Landlock (kernel >= 5.13): an unprivileged process can give up rights to files, for itself
# and every child. Here: write only beneath the working folder, read only beneath the folders the
# grader lists (the Python install, the virtualenv, the system folders) and the working folder.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same number on every arch
_RULE_PATH_BENEATH, _PR_SET_NO_NEW_PRIVS, _PR_SET_KEEPCAPS = 1, 38, 8
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR, _FS_TRUNCATE = 1, 1 << 1, 1 << 2, 1 << 3, 1 << 14
_FS_WRITE_ANY = sum(1 << b for b in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make *
_FS_READ_ANY = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_CAP_DAC_READ_SEARCH = 2


def restrict(folder: str, read_roots: list[str] | None) -> tuple[bool, bool]:
    """Confine writes to ``folder`` (and ``/dev/null``) and, when ``read_roots`` is given, reads to
    ``folder`` plus ``read_roots``. Returns ``(writes confined, reads confined)``; ``(False, False)``
    where Landlock is absent."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return False, False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
        if abi < 1:
            return False, False
        handled = _FS_WRITE_ANY | ((1 << 13) if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
        if read_roots is not None:
            handled |= _FS_READ_ANY

        class RulesetAttr(ctypes.Structure):
            _fields_ = [("handled_access_fs", ctypes.c_uint64)]

        class PathBeneath(ctypes.Structure):
            _pack_ = 1
            _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

        attr = RulesetAttr(handled)
        ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                               ctypes.c_uint32(0))
        if ruleset < 0:
            return False, False
        file_rights = handled & (_FS_WRITE_FILE | _FS_TRUNCATE | _FS_READ_FILE)
        rules = [(folder, handled), (os.devnull, file_rights)]
        rules += [(root, handled & _FS_READ_ANY) for root in (read_roots or [])]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a listed folder that does not exist here
            rule = PathBeneath(rights, fd)
            ok = libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                              ctypes.byref(rule), ctypes.c_uint32(0))
            os.close(fd)
            if ok != 0:
                os.close(ruleset)
                return False, False
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            os.close(ruleset)
            return False, False
        done = libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
        os.close(ruleset)
        return done, done and read_roots is not None
    except (OSError, AttributeError):
        return False, False


def drop_to_uid(uid: int, keep_read: bool) -> None:
    """Become ``uid`` (group ``uid``, no supplementary groups) for good.

    ``keep_read`` keeps the one capability ``CAP_DAC_READ_SEARCH`` (read any file the Landlock
    rules allow) for a Python install that an unprivileged user could not reach otherwise
    (pyenv under ``/root``, mode 0700). It never lets the process write, signal or trace
    anything of another user.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if keep_read and libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_KEEPCAPS)")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("setresuid did not take effect")
    if keep_read:
        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                        ("inheritable", ctypes.c_uint32)]

        caps = (Data * 2)()
        caps[0].effective = caps[0].permitted = 1 << _CAP_DAC_READ_SEARCH
        if libc.capset(ctypes.byref(Header(0x20080522, 0)), caps) != 0:
            raise OSError(ctypes.get_errno(), "capset")
        libc.prctl(_PR_SET_KEEPCAPS, 0, 0, 0, 0)


# open_by_handle_at(2) opens a file by inode, past every path rule; it needs CAP_DAC_READ_SEARCH,
# which drop_to_uid may keep, so a seccomp filter refuses it (EPERM) for the native and compat ABIs.
_HANDLE_SYSCALLS = {"x86_64": [(0xC000003E, (304, 0x40000000 | 304)), (0x40000003, (342,))],
                    "aarch64": [(0xC00000B7, (265,)), (0x40000028, (371,))]}


def block_open_by_handle() -> bool:
    """Install a seccomp filter that makes ``open_by_handle_at`` fail; False where unsupported."""
    import ctypes
    import platform

    table = _HANDLE_SYSCALLS.get(platform.machine())
    if not sys.platform.startswith("linux") or table is None:
        return False
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    prog: list[tuple[int, int, int, int]] = []
    jumps = []  # (index of a JEQ on a syscall number) -> patched to jump to the final deny
    for arch, numbers in table:
        prog.append((ld, 0, 0, 4))  # seccomp_data.arch
        prog.append((jeq, 0, len(numbers) + 2, arch))
        prog.append((ld, 0, 0, 0))  # seccomp_data.nr
        for nr in numbers:
            jumps.append(len(prog))
            prog.append((jeq, 0, 0, nr))
        prog.append((ret, 0, 0, allow))
    prog.append((ret, 0, 0, allow))
    prog.append((ret, 0, 0, deny))
    for i in jumps:
        code, _, jf, k = prog[i]
        prog[i] = (code, len(prog) - 1 - i - 1, jf, k)

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(prog))(*[Filter(*ins) for ins in prog])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    program = Program(len(prog), filters)
    return libc.prctl(22, 2, ctypes.byref(program), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


def take_records(folder: str | None, keep: bool) -> list:
    """Read (when ``keep``) and delete every record file the checks wrote into ``folder``."""
    if not folder:
        return []
    records: list = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in names:
        path = os.path.join(folder, name)
        try:
            if keep and name.endswith(".json") and len(records) < MAX_RECORDS:
                with open(path, "rb") as f:
                    raw = f.read(MAX_RECORD_BYTES + 1)
                if len(raw) <= MAX_RECORD_BYTES:
                    records.append(json.loads(raw))
        except (OSError, ValueError):
            pass
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
    return records


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

    writes, reads = restrict(os.getcwd(), job.get("read_roots")) if job.get("restrict") else (False, False)
    report({"isolated": writes, "reads_confined": reads})
    _set_limits(job.get("memory_mb"), job.get("file_mb"))
    if job.get("nproc"):
        resource.setrlimit(resource.RLIMIT_NPROC, (job["nproc"], job["nproc"]))
    if job.get("uid") is not None:
        if job.get("keep_read") and not block_open_by_handle():
            raise SystemExit("cannot keep the read capability without a seccomp filter on open_by_handle_at")
        drop_to_uid(job["uid"], bool(job.get("keep_read")))
    records_dir = os.environ.get("COURSE_GRADER_RECORDS")
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
        graded = bool(cell.get("graded"))
        report({"index": cell["index"], "ok": error is None, "memory": memory,
                "error": (error or "")[-ERROR_KEEP:], "seconds": round(now() - t0, 3),
                "output": buf.getvalue() if graded else "", "records": take_records(records_dir, graded)})
    report({"done": True})
    os._exit(0)


if __name__ == "__main__":
    main()
