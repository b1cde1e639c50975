"""The test harness itself can fail: nbval notices an altered output of a checked cell (tag
``nbval-check-output``)."""

import subprocess
import sys

import nbformat


def _nbval(path):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", str(path)], capture_output=True, text=True, cwd=path.parent)


def test_nbval_fails_when_a_checked_output_is_altered(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    cell = nbformat.v4.new_code_cell("print(6 * 7)", metadata={"tags": ["nbval-check-output"]})
    cell.execution_count = 1  # nbval compares only cells that were run
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    nb.cells = [cell]
    good = tmp_path / "good.ipynb"
    nbformat.write(nb, good)
    assert _nbval(good).returncode == 0
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="41\n")]
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    result = _nbval(bad)
    assert result.returncode != 0, result.stdout
    assert "41" in result.stdout and "42" in result.stdout
