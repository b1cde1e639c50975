"""The tools every chapter builds on: gradient checking, experiment results, notebook hygiene."""

import json

import nbformat
import numpy as np
import pytest

from course_lib.errors import DTypeError
from course_lib.experiments import load_results, save_results
from course_lib.experiments.registry import EXPERIMENTS, experiment
from course_lib.gradcheck import gradcheck, numerical_gradient
from course_lib.notebooks import strip_outputs


def test_numerical_gradient_of_a_quadratic_is_exact_to_1e_8():
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    assert x.tolist() == [1.0, -2.0, 3.0]  # restored after probing


def test_gradcheck_accepts_a_right_backward_and_catches_a_wrong_one():
    def forward(x, w):
        return x @ w, (x, w)

    def backward(dout, cache):
        x, w = cache
        return dout @ w.T, x.T @ dout

    def wrong_backward(dout, cache):
        x, w = cache
        return dout @ w.T, x.T @ dout * 1.01

    rng = np.random.default_rng(0)
    inputs = {"x": rng.normal(size=(3, 4)), "w": rng.normal(size=(4, 2))}
    assert max(gradcheck(forward, backward, inputs).values()) < 1e-8
    assert gradcheck(forward, wrong_backward, inputs)["w"] > 1e-3


def test_gradcheck_refuses_float32():
    with pytest.raises(DTypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_save_results_records_provenance_and_round_trips(tmp_path):
    path = save_results("demo", {"steps": 3}, {"loss": [1.0, 0.5]}, device="cpu", seed=1, wall_time=0.1,
                        directory=tmp_path)
    data = json.loads(path.read_text())
    assert data["provenance"]["device"] == "cpu" and data["seed"] == 1
    assert {"commit", "torch", "date"} <= set(data["provenance"])
    assert load_results("demo", tmp_path)["results"]["loss"] == [1.0, 0.5]
    with pytest.raises(FileNotFoundError, match="course_lib experiment missing --full"):
        load_results("missing", tmp_path)


def test_registering_two_experiments_under_one_name_is_refused():
    @experiment("_test_demo", small=dict, full=dict)
    def run(config):
        return {}

    assert "_test_demo" in EXPERIMENTS
    with pytest.raises(ValueError, match="registered twice"):
        experiment("_test_demo", small=dict, full=dict)(lambda c: {})
    del EXPERIMENTS["_test_demo"]


def test_strip_outputs_keeps_only_checked_cells():
    tagged = nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["nbval-check-output"]})
    commented = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)")  # nbval's other form
    drop = nbformat.v4.new_code_cell("print(2)  # NBVAL_CHECK_OUTPUT is not a marker here")
    for c in (tagged, commented, drop):
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
        c.execution_count = 1
    nb = strip_outputs(nbformat.v4.new_notebook(cells=[tagged, commented, drop]))
    assert nb.cells[0].outputs and nb.cells[1].outputs
    assert not nb.cells[2].outputs and nb.cells[2].execution_count is None


def test_strip_outputs_drops_saved_widget_state():
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    assert "widgets" not in strip_outputs(nb).metadata


def test_committed_notebooks_carry_no_widget_state(root):
    """Saved widget state makes the site load the widget manager for widgets nobody can use."""
    for path in [*root.glob("book/*/*.ipynb"), *root.glob("solutions/*.ipynb"), *root.glob("labs/*.ipynb")]:
        assert "widgets" not in nbformat.read(path, as_version=4).metadata, path
