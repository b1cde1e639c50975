"""Tiny runs of the chapter 3-4 experiments: they return what the chapters plot, and the measured
gradient flow orders the cells as chapter 3 says."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from course_lib.experiments.adding import SmallAddingConfig
from course_lib.experiments.adding import run as adding
from course_lib.experiments.gradient_flow import SmallGradientFlowConfig
from course_lib.experiments.gradient_flow import run as gradient_flow
from course_lib.experiments.lm_compare import SmallLMCompareConfig
from course_lib.experiments.lm_compare import run as lm_compare
from course_lib.experiments.registry import EXPERIMENTS, Experiment, discover


def test_gradient_through_cell_state_survives_longer_with_a_larger_forget_bias():
    r = gradient_flow(SmallGradientFlowConfig(T=25, hidden_size=8, batch_size=4, input_size=4))
    far = {k: v[0] for k, v in r["norms"].items()}  # distance T - 1
    assert far["LSTM, forget bias 3"] > far["LSTM, forget bias 1"] > far["LSTM, forget bias 0"]
    assert far["LSTM, forget bias 3"] > 100 * far["RNN (tanh)"]
    assert r["mean_forget_gate"]["3"] > 0.9 > 0.6 > r["mean_forget_gate"]["0"]
    assert r["figure"] is not None


def test_adding_experiment_reports_curves_parameters_and_the_exact_baseline():
    r = adding(SmallAddingConfig(T=6, hidden_size=4, steps=3, eval_every=2, eval_batches=1, eval_batch_size=8))
    assert r["baseline_mse"] == pytest.approx(1 / 6)
    assert set(r["runs"]) == {"rnn", "lstm", "gru"}
    assert r["runs"]["rnn"]["parameters"] < r["runs"]["gru"]["parameters"] < r["runs"]["lstm"]["parameters"]
    assert r["runs"]["gru"]["val_step"] == [0, 2]


def test_lm_compare_says_it_needs_the_chapter_2_experiment_when_absent(monkeypatch):
    discover()
    monkeypatch.delitem(EXPERIMENTS, "char_lm", raising=False)
    with pytest.raises(KeyError, match="char_lm"):
        lm_compare(SmallLMCompareConfig())


def test_lm_compare_runs_char_lm_once_per_cell_and_collects_its_numbers(monkeypatch):
    @dataclass
    class FakeConfig:
        cell: str = "rnn"
        seed: int = 0

    def fake_run(config):
        return {"best_val_loss": {"rnn": 2.0, "lstm": 1.8, "gru": 1.85}[config.cell], "parameters": 10,
                "train_time_s": 1.0, "figure": None}

    discover()
    monkeypatch.setitem(EXPERIMENTS, "char_lm", Experiment("char_lm", fake_run, FakeConfig, FakeConfig, "fake"))
    r = lm_compare(SmallLMCompareConfig())
    assert {k: v["best_val_loss"] for k, v in r["runs"].items()} == {"rnn": 2.0, "lstm": 1.8, "gru": 1.85}
