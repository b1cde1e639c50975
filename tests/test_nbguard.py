"""The guard that re-runs the checked cells under changed numerics (``course_lib.nbguard``,
``make guard``). See CONTRIBUTING.md, "Adding a checked cell"."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from course_lib import nbguard
from course_lib.notebooks import CHECK_TAG


def test_comparison_is_nbvals():
    """Streams of one name merged, carriage returns applied, images and metadata ignored."""
    a = [{"output_type": "stream", "name": "stdout", "text": "50%\r100%\nloss"},
         {"output_type": "stream", "name": "stdout", "text": " 1\n"},
         {"output_type": "display_data", "metadata": {}, "data": {"image/png": "AAAA", "text/plain": "<Figure>"}}]
    b = [{"output_type": "stream", "name": "stdout", "text": "100%\nloss 1\n"},
         {"output_type": "display_data", "metadata": {"x": 1}, "data": {"image/png": "BBBB", "text/plain": "<Figure>"}}]
    assert nbguard.comparable(a) == nbguard.comparable(b)
    b[0]["text"] = "100%\nloss 2\n"
    assert nbguard.comparable(a) != nbguard.comparable(b)


def test_numpy_honours_the_guards_feature_list():
    """NPY_DISABLE_CPU_FEATURES names real dispatched groups of this CPU (an unknown name would make
    NumPy refuse to import), and NumPy turns them off."""
    env = nbguard.numpy_baseline_env()
    features = nbguard.numpy_dispatched_features()
    code = ("import json, numpy as np; u = np._core._multiarray_umath; "
            "print(json.dumps({f: u.__cpu_features__.get(f) for f in u.__cpu_dispatch__}))")
    out = subprocess.run([sys.executable, "-c", code], env=os.environ | env, capture_output=True, text=True,
                         check=True)
    assert not any(json.loads(out.stdout).values()), (env, out.stdout)
    if features:
        assert env["NPY_DISABLE_CPU_FEATURES"].split() == features


@pytest.mark.slow
def test_guard_finds_an_output_that_changes_with_the_thread_count(tmp_path):
    """A checked cell printing the thread count (saved: 1) matches under `kernels` (one thread, baseline
    kernels, which the cell also checks took effect) and drifts under `threads`."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    cell = nbformat.v4.new_code_cell(
        "import torch\nprint(torch.get_num_threads())\n"
        "print(torch.backends.cpu.get_cpu_capability() == 'DEFAULT' or torch.get_num_threads() == 2)",
        metadata={"tags": [CHECK_TAG]})
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\nTrue\n")]
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), cell, nbformat.v4.new_code_cell("raise RuntimeError")]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    envs = nbguard.environments()
    ok = nbguard.guard_notebook(path, "kernels", envs["kernels"], timeout=60)
    assert ok.error is None and ok.checked == 1 and not ok.drifts  # the cell after the last checked one never ran
    bad = nbguard.guard_notebook(path, "threads", envs["threads"], timeout=60)
    assert [(d.cell, d.expected, d.got) for d in bad.drifts] == [(1, "1\nTrue\n", "2\nTrue\n")]
    assert "threads" in str(bad.drifts[0]) and "-1" in str(bad.drifts[0]) and "+2" in str(bad.drifts[0])
