"""The wheel works without the repository (`make wheel-test`, part of `make test`).

The wheel (``$COURSE_WHEEL``, which ``make dist`` builds; else built here with ``python -m build``)
is installed with ``--no-deps --no-index`` into a fresh virtual environment in a temporary folder
outside the clone. No network: the fresh environment reuses this environment's installed
packages (torch, numpy, Jupyter...) through a folder of links to them that leaves ``course_lib``
out, so the only course_lib it can import is the wheel's. Then, from another temporary folder:
a full solution notebook that trains on the Shakespeare corpus runs in a Jupyter kernel of that
environment, and the ``course`` console script checks an answered and a blank lab.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from course_lib.bench.grader import answered_notebook
from course_lib.grading.release import notebook_bytes

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "lab02_char_lm"  # loads the corpus (package data) and trains: the whole lab
LEFT_OUT = ("course_lib", "__editable__", "_course_lib")
SCRUB = ("PYTHONPATH", "COURSE_DATA_DIR", "COURSE_LABS_DIR", "COURSE_RESULTS_DIR", "COURSE_REPO_DIR",
         "JUPYTER_PATH", "VIRTUAL_ENV")


def _run(cmd, cwd, env, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """``(python, bin folder, work folder, env)`` of a fresh environment with only the wheel's course_lib."""
    tmp = tmp_path_factory.mktemp("wheel")
    assert ROOT not in tmp.resolve().parents, "the test folder must be outside the clone"
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    wheel = os.environ.get("COURSE_WHEEL")
    wheel = str(Path(wheel).resolve()) if wheel else None  # the test runs pip from another folder
    if not wheel:
        out = _run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", tmp / "dist", ROOT],
                   ROOT, env)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        wheel = next((tmp / "dist").glob("course_lib-*.whl"))
    venv = tmp / "venv"
    out = _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp, env)
    assert out.returncode == 0, out.stderr
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env)
                .stdout.strip())
    deps = tmp / "deps"
    deps.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for entry in here.iterdir():
        if not entry.name.startswith(LEFT_OUT) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    (site / "course-deps.pth").write_text(f"{deps}\n")
    out = _run([sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check", "install",
                "--no-deps", "--no-index", "--no-cache-dir", wheel], tmp, env)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    work = tmp / "work"
    work.mkdir()
    return python, venv / "bin", work, env


def test_installed_course_lib_is_the_wheels_with_its_data_and_labs(fresh):
    python, _, work, env = fresh
    code = ("import json, course_lib, course_lib.labs as L, course_lib.data as D; "
            "print(json.dumps([course_lib.__file__, str(D.data_dir()), str(L.released_labs_dir()), "
            "len(D.load_corpus()), L.lab_names()]))")
    out = _run([python, "-c", code], work, fresh[3])
    assert out.returncode == 0, out.stderr[-3000:]
    module, data, labs, n_chars, names = json.loads(out.stdout)
    prefix = str(python.parent.parent)
    assert module.startswith(prefix) and data.startswith(prefix) and labs.startswith(prefix), (module, data, labs)
    assert n_chars == 1_115_394
    assert names == sorted(p.stem for p in (ROOT / "labs").glob("lab*.ipynb"))
    for name in names:  # the wheel's released labs are the repository's, byte for byte
        assert (Path(labs) / f"{name}.ipynb").read_bytes() == (ROOT / "labs" / f"{name}.ipynb").read_bytes()


@pytest.mark.slow
def test_a_full_solution_notebook_runs_from_a_folder_outside_the_clone(fresh, tmp_path):
    python, _, work, env = fresh
    kernels = tmp_path / "jupyter" / "kernels" / "wheel"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "wheel", "language": "python"}))
    nb = nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import course_lib, sys; print(course_lib.__file__); print(sys.executable)"))
    path = work / f"{NOTEBOOK}.ipynb"
    nbformat.write(nb, path)
    script = ("import sys, nbformat, nbclient; nb = nbformat.read(sys.argv[1], as_version=4); "
              "nbclient.NotebookClient(nb, timeout=600, kernel_name='wheel', resources={'metadata': {'path': '.'}})"
              ".execute(); nbformat.write(nb, sys.argv[1])")
    out = _run([python, "-c", script, path.name], work, {**env, "JUPYTER_PATH": str(tmp_path / "jupyter"),
                                                         "COURSE_DEVICE": "cpu"})
    assert out.returncode == 0, out.stderr[-4000:]
    ran = nbformat.read(path, as_version=4)
    first = "".join(o.get("text", "") for o in ran.cells[1].outputs)
    assert "device cpu" in first, first
    last = "".join(o.get("text", "") for o in ran.cells[-1].outputs).split()
    assert last[0].startswith(str(python.parent.parent)) and last[1] == str(python), last


@pytest.mark.slow
def test_course_check_in_the_fresh_environment_scores_the_answered_and_the_blank_lab(fresh):
    _, bin_dir, work, env = fresh
    solution = nbformat.read(ROOT / "solutions" / "lab00_warmup.ipynb", as_version=4)
    (work / "answered").mkdir()
    (work / "answered" / "lab00_warmup.ipynb").write_bytes(notebook_bytes(answered_notebook(solution)))
    (work / "blank").mkdir()
    (work / "blank" / "lab00_warmup.ipynb").write_bytes((ROOT / "labs" / "lab00_warmup.ipynb").read_bytes())
    good = _run([bin_dir / "course", "check", "answered/lab00_warmup.ipynb", "--no-progress"], work, env)
    assert good.returncode == 0 and "score: 6 / 6" in good.stdout, good.stdout + good.stderr
    blank = _run([bin_dir / "course", "check", "blank/lab00_warmup.ipynb", "--no-progress"], work, env)
    assert blank.returncode == 1 and "score: 0 / 6" in blank.stdout, blank.stdout + blank.stderr


def test_every_import_of_every_lab_resolves_from_the_wheel(fresh):
    python, _, work, env = fresh
    imports = set()
    for path in sorted((ROOT / "solutions").glob("lab*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                imports |= {ln.split("#")[0].strip() for ln in cell.source.split("\n")
                            if ln.startswith(("import ", "from ")) and "course_lib" in ln}
    assert len(imports) > 10
    code = "\n".join(sorted(imports)) + "\nimport course_lib, sys\nprint(course_lib.__file__)"
    out = _run([python, "-c", code], work, env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().startswith(str(python.parent.parent))
