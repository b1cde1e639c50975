"""A hostile student against the grader, on every lab: nothing unsolved may score a point.

For each lab, one grading run (shared by every test of that lab, across pytest-xdist workers) of

- ``blank``: the released notebook as it is (every graded cell must score 0: no free point);
- ``honest``: the release with the solution's code put back (full marks);
- ``patch_checks``: a blank notebook whose first answer cell replaces every function of every
  ``course_lib.checks`` module with a no-op (``setattr``) before the test cells run;
- ``patch_numeric``: the same with NumPy's and PyTorch's comparison functions
  (``np.allclose``, ``np.testing.*``, ``torch.allclose``, ``torch.testing.assert_close``...) and the
  builtins a check may use (``all``, ``any``, ``abs``) made to agree with anything;
- ``forge``: a blank notebook whose checks write forged record files (the right check names and
  cases, made-up values) and which writes fake "ok" lines and ``done`` to the result pipe (found
  through ``/proc/self/fd``);
- ``read_solutions``: a blank notebook each of whose answer cells reads
  ``solutions/<lab>.ipynb`` from the grader's checkout (by its real path, by the installed
  package's location and through ``/proc/<parent>/cwd``) and ``exec``s that cell's solution.

Then (lab00) processes: a fork bomb, a notebook that leaves sleeping children behind (some in
their own session), and pipe writers, graded at the same time as an honest notebook.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.bench.grader import answered_notebook
from course_lib.grading import isolation
from course_lib.grading.grade import grade_many, load_lab
from course_lib.grading.release import notebook_bytes, release_notebook

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted(p.stem for p in (ROOT / "solutions").glob("lab*.ipynb"))
ATTACKS = ("blank", "patch_checks", "patch_numeric", "forge", "read_solutions")
TIMEOUT, MEMORY_MB = 300.0, 4096

PATCH_CHECKS = """
import importlib, pkgutil
import course_lib.checks as _checks
_names = [m.name for m in pkgutil.iter_modules(_checks.__path__)]
_mods = [_checks] + [importlib.import_module("course_lib.checks." + n) for n in _names]
for _mod in _mods:
    for _name, _obj in list(vars(_mod).items()):
        if callable(_obj) and not isinstance(_obj, type) and not _name.startswith("__"):
            setattr(_mod, _name, lambda *a, **k: None)
"""

PATCH_NUMERIC = """
import builtins, numpy as np, numpy.testing, torch, torch.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
for _n in dir(np.testing):
    if _n.startswith("assert"):
        setattr(np.testing, _n, lambda *a, **k: None)
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
builtins.all = lambda *a, **k: True
builtins.any = lambda *a, **k: True
builtins.abs = lambda x: 0
import course_lib.checks.core as _core
_core.rel_error = lambda *a, **k: 0.0
_core.check_array = lambda *a, **k: 0.0
"""

FORGE = """
import json, os
import numpy as np
import course_lib.checks as _checks
from course_lib.checks import protocol as _p

def _forged_record(spec, kwargs):
    case = spec.full_case({k: v for k, v in kwargs.items() if k not in spec.options})
    fake = {k: np.zeros((4, 6)) for k in ("z", "big", "v", "out", "h_next", "dx", "loss", "logits")}
    fake["refused"] = {"1": True}
    return {"check": spec.func_name, "case": _p.encode(case), "measured": _p.encode(fake)}

def _pipe_fds():
    fds = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                fds.append(int(name))
        except OSError:
            pass
    return fds

def _forger(spec):
    def check(*students, **kwargs):
        rec = _forged_record(spec, kwargs)
        folder = os.environ.get(_p.RECORDS_ENV, ".")
        with open(os.path.join(folder, f"forged-{os.urandom(4).hex()}.json"), "w") as f:
            json.dump(rec, f)
        print("✓ all tests passed")
    return check

for _name, _spec in list(_p.CHECKS.items()):
    setattr(_checks, _name, _forger(_spec))
for _name in [n for n in dir(_checks) if n.startswith("check_") and n not in _p.CHECKS]:
    setattr(_checks, _name, lambda *a, **k: None)
_all = [_forged_record(s, {}) for s in _p.CHECKS.values()]
for _fd in _pipe_fds():
    try:
        for _i in range(400):
            os.write(_fd, (json.dumps({"index": _i, "ok": True, "error": "", "memory": False, "seconds": 0.1,
                                       "output": "✓", "records": _all}) + "\\n").encode())
        os.write(_fd, b'{"done": true}\\n')
    except OSError:
        pass
"""

READ_SOLUTION = """
import json as _json, os as _os, pathlib as _pl
import course_lib as _cl
_places = [_pl.Path({root!r}), *_pl.Path(_cl.__file__).resolve().parents, _pl.Path(f"/proc/{{_os.getppid()}}/cwd"),
           _pl.Path("/proc/1/cwd")]
for _place in _places:
    try:
        _nb = _json.loads((_place / "solutions" / "{lab}.ipynb").read_text())
    except Exception:
        continue
    for _c in _nb["cells"]:
        if _c.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == {gid!r}:
            exec("".join(_c["source"]))
    break
"""


def _answer_ids(nb) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def attacked(lab: str, attack: str) -> bytes:
    """The blank release of ``lab`` with ``attack`` written into its answer cells."""
    solution = nbformat.read(ROOT / "solutions" / f"{lab}.ipynb", as_version=4)
    nb = release_notebook(solution)
    first = True
    for cell in nb.cells:
        m = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not m.get("solution"):
            continue
        if attack == "read_solutions":
            code = READ_SOLUTION.format(root=str(ROOT), lab=lab, gid=m["grade_id"])
            cell.source = "try:\n" + "\n".join("    " + ln for ln in cell.source.split("\n")) + \
                          "\nexcept NotImplementedError:\n    pass\n" + code
        elif first and attack in ("patch_checks", "patch_numeric", "forge"):
            code = {"patch_checks": PATCH_CHECKS, "patch_numeric": PATCH_NUMERIC, "forge": FORGE}[attack]
            cell.source = code + "\n" + cell.source
        first = False
    return notebook_bytes(nb)


def _shared(tmp_path_factory, name: str) -> Path:
    base = tmp_path_factory.getbasetemp()  # this session's; with xdist, the parent is shared by the workers
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    folder.mkdir(exist_ok=True)
    return folder


def _grade_once(folder: Path, make: callable, jobs: int) -> dict[str, dict]:
    """Grade the submissions ``make(folder)`` returns, once per session (locked, cached on disk)."""
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = folder / "records.json"
            if not done.exists():
                for leftover in folder.iterdir():
                    if leftover.is_dir():
                        shutil.rmtree(leftover)
                lab, subs = make(folder)
                records = grade_many(subs, lab, jobs=jobs, timeout=TIMEOUT, memory_mb=MEMORY_MB,
                                     protected=[folder])
                done.write_text(json.dumps(records), encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return json.loads((folder / "records.json").read_text(encoding="utf-8"))


def _write(folder: Path, student: str, lab: str, data: bytes) -> tuple[Path, bytes]:
    path = folder / student / f"{lab}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path, data


@pytest.fixture(scope="session")
def lab_rows(tmp_path_factory):
    """``lab_rows(lab) -> {student: record}``: the honest notebook and every attack, graded once."""
    cache: dict[str, dict] = {}

    def get(lab: str) -> dict[str, dict]:
        if lab not in cache:
            def make(folder: Path):
                spec = load_lab(lab, ROOT / "solutions")
                subs = {a: _write(folder, a, lab, attacked(lab, a)) for a in ATTACKS}
                subs["honest"] = _write(folder, "honest", lab, notebook_bytes(answered_notebook(spec.solution)))
                return spec, subs

            cache[lab] = _grade_once(_shared(tmp_path_factory, f"grader-attacks-{lab}"), make, jobs=2)
        return cache[lab]

    return get


def _scores(record: dict) -> dict[str, float]:
    return dict(record["scores"])


@pytest.mark.parametrize("lab", LABS)
def test_honest_solution_scores_full_marks(lab_rows, lab):
    r = lab_rows(lab)["honest"]
    assert r["status"] == "ok", r["notes"]
    assert r["total"] == r["max"], {c["grade_id"]: c["message"] for c in r["cells"] if c["score"] < c["points"]}


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_on_a_blank_notebook_scores_zero_on_every_cell(lab_rows, lab, attack):
    r = lab_rows(lab)[attack]
    assert r["status"] != "invalid" and len(r["scores"]) >= 1
    assert all(v == 0 for v in r["scores"].values()), {
        c["grade_id"]: c["message"][:300] for c in r["cells"] if c["score"]}


@pytest.mark.parametrize("lab", LABS)
def test_submission_could_not_read_the_checkout(lab_rows, lab):
    rows = lab_rows(lab)
    if not rows["honest"].get("reads_confined"):
        pytest.fail("reads were not confined: this kernel has no Landlock (the README says what holds then)")
    assert all(rows[a]["reads_confined"] for a in ATTACKS)


# ------------------------------------------------------------------ processes (lab00)

LAB0 = "lab00_warmup"

FORK_BOMB = """
import os, time
_children = 0
while _children < 5000:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    _children += 1
print("forked", _children)
"""

SLEEPERS = """
import os, time
for _k in range(20):
    if os.fork() == 0:
        if _k % 2:
            os.setsid()  # leaves the process group: only its uid still finds it
        time.sleep(600)
        os._exit(0)
"""

PIPE_OK = """
import json, os
for _name in os.listdir("/proc/self/fd"):
    try:
        _pipe = os.readlink(f"/proc/self/fd/{_name}").startswith("pipe:")
    except OSError:
        continue
    if _pipe:
        for _i in range(400):
            os.write(int(_name), (json.dumps({"index": _i, "ok": True, "records": []}) + "\\n").encode())
"""


def _with(lab_nb: nbformat.NotebookNode, code_by_answer: dict[str, str]) -> bytes:
    nb = nbformat.from_dict(json.loads(json.dumps(lab_nb)))
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in code_by_answer:
            cell.source = code_by_answer[gid]
    return notebook_bytes(nb)


@pytest.fixture(scope="session")
def process_rows(tmp_path_factory):
    def make(folder: Path):
        spec = load_lab(LAB0, ROOT / "solutions")
        blank = release_notebook(spec.solution)
        good = {c.metadata["nbgrader"]["grade_id"]: c.source for c in answered_notebook(spec.solution).cells
                if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
        first = _answer_ids(blank)[0]
        blank_first = next(c.source for c in blank.cells if c.get("metadata", {}).get("nbgrader", {})
                           .get("grade_id") == first)
        subs = {
            "honest": _write(folder, "honest", LAB0, _with(blank, good)),
            "fork_bomb": _write(folder, "fork_bomb", LAB0, _with(blank, {first: FORK_BOMB + blank_first})),
            "sleepers": _write(folder, "sleepers", LAB0, _with(blank, {first: good[first] + SLEEPERS})),
            "pipe_blank": _write(folder, "pipe_blank", LAB0, _with(blank, {first: PIPE_OK + blank_first})),
            "pipe_one_solved": _write(folder, "pipe_one_solved", LAB0, _with(blank, {first: good[first] + PIPE_OK})),
            "honest2": _write(folder, "honest2", LAB0, _with(blank, good)),
        }
        return spec, subs

    return _grade_once(_shared(tmp_path_factory, "grader-processes"), make, jobs=3)


def test_fork_bomb_and_sleepers_score_only_what_they_solved_and_harm_no_other_row(process_rows):
    rows = process_rows
    assert rows["honest"]["total"] == rows["honest2"]["total"] == rows["honest"]["max"], rows["honest"]["cells"]
    assert rows["fork_bomb"]["total"] == 0, rows["fork_bomb"]["cells"]
    first = next(iter(rows["sleepers"]["scores"]))
    assert rows["sleepers"]["scores"][first] > 0 and rows["sleepers"]["total"] == rows["sleepers"]["scores"][first]


def test_no_process_of_a_submission_outlives_its_grading(process_rows):
    uids = [r["uid"] for r in process_rows.values()]
    if os.geteuid() == 0:
        assert all(isinstance(u, int) and u >= isolation.UID_BASE for u in uids)
        assert len(set(uids)) >= 2  # graded at the same time, each as its own uid
        # counted by the grader after its final kill, before the uid went back to the pool (another
        # grader running at the same time may reuse a uid as soon as it is released)
        survivors = {s: r["survivors"] for s, r in process_rows.items()}
        assert not any(survivors.values()), survivors


def test_writes_to_the_result_pipe_do_not_change_marks(process_rows):
    assert process_rows["pipe_blank"]["total"] == 0
    solved = process_rows["pipe_one_solved"]
    first = next(iter(solved["scores"]))
    assert solved["total"] <= process_rows["honest"]["scores"][first]  # at most the one cell it solved


# ------------------------------------------------------------------ isolation helpers (fast)


def test_read_roots_never_hold_the_checkout_and_split_a_folder_that_does(tmp_path):
    roots = isolation.confined_roots(isolation.read_roots(), [str(ROOT)])
    real = os.path.realpath(ROOT)
    assert not any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots), roots
    (tmp_path / "sys" / "lib").mkdir(parents=True)
    (tmp_path / "sys" / "course" / "solutions").mkdir(parents=True)
    (tmp_path / "sys" / "course" / "other").mkdir()
    got = isolation.confined_roots([str(tmp_path / "sys")], [str(tmp_path / "sys" / "course" / "solutions")])
    assert got == [str(tmp_path / "sys" / "course" / "other"), str(tmp_path / "sys" / "lib")]


def test_the_student_package_is_a_copy_outside_the_checkout_without_solutions():
    pkg = isolation.student_package()
    assert (pkg / "checks" / "protocol.py").is_file() and (pkg / "__init__.py").is_file()
    assert not os.path.realpath(pkg).startswith(os.path.realpath(ROOT) + "/")
    assert not list(pkg.parent.rglob("*.ipynb")) and not (pkg.parent / "solutions").exists()


def test_concurrent_gradings_never_share_a_uid():
    pool = isolation.UidPool()
    (a, ha), (b, hb) = pool.acquire(), pool.acquire()
    try:
        assert a != b and a >= isolation.UID_BASE and b >= isolation.UID_BASE
    finally:
        pool.release(ha)
        pool.release(hb)


HANDLE_PROBE = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
class FH(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 128)]
fh, mount_id = FH(128, 0), ctypes.c_int()
assert libc.name_to_handle_at(-100, b".", ctypes.byref(fh), ctypes.byref(mount_id), 0) == 0
fd = os.open(".", os.O_RDONLY)
print("opened" if libc.open_by_handle_at(fd, ctypes.byref(fh), 0) >= 0 else "refused")
'''


def test_a_submission_cannot_open_files_by_handle_past_the_path_rules():
    """open_by_handle_at needs CAP_DAC_READ_SEARCH (kept as root when Python is under /root): refused."""
    from course_lib.grading.sandbox import run_cells

    run = run_cells([{"index": 0, "graded": True, "source": HANDLE_PROBE},
                     {"index": 1, "graded": True, "source": f"open({str(ROOT / 'README.md')!r}).read()"}],
                    timeout=60, memory_mb=None)
    assert run.cells[0].ok and "opened" not in run.cells[0].output, run.cells[0].error
    if run.reads_confined:
        assert not run.cells[1].ok and "Permission denied" in run.cells[1].error


def test_read_roots_follow_packages_linked_into_site_packages(tmp_path, monkeypatch):
    """A venv whose packages are links (as the wheel test builds) must still import them."""
    target = tmp_path / "elsewhere" / "pkg"
    target.mkdir(parents=True)
    site = tmp_path / "venv" / "site-packages"
    site.mkdir(parents=True)
    (site / "pkg").symlink_to(target)
    monkeypatch.setattr(sys, "path", [str(site)])
    assert os.path.realpath(target) in isolation.read_roots()
