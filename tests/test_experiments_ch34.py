"""Tiny runs of the chapter 3-4 experiments: they return what the chapters plot (lm_compare through the
real chapter-2 experiment), and the measured
gradient flow orders the cells as chapter 3 says."""

from __future__ import annotations

import dataclasses

import pytest

from course_lib.experiments.adding import SmallAddingConfig
from course_lib.experiments.adding import run as adding
from course_lib.experiments.char_lm import CharLMConfig
from course_lib.experiments.gradient_flow import SmallGradientFlowConfig
from course_lib.experiments.gradient_flow import run as gradient_flow
from course_lib.experiments.lm_compare import SAVED_RUNS, SmallLMCompareConfig, cell_config, saved_run
from course_lib.experiments.lm_compare import run as lm_compare
from course_lib.experiments.lstm_gates import SmallGatesConfig, char_lm_config
from course_lib.experiments.lstm_gates import run as lstm_gates
from course_lib.experiments.results import save_results
from course_lib.plotting.gates import lm_compare_table


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


def _tiny_lm_compare(**kw) -> SmallLMCompareConfig:
    tiny = CharLMConfig(embed_dim=8, hidden_size=8, block=8, batch_size=4, iters=4, eval_every=2, eval_batches=1,
                        corpus_chars=5_000, temperatures=(1.0,), sample_chars=5)
    return SmallLMCompareConfig(char_lm=tiny, **{"timing_steps": 2, **kw})


def test_lm_compare_trains_the_chapter_2_model_once_per_cell_and_reports_its_numbers():
    r = lm_compare(_tiny_lm_compare())
    runs = r["runs"]
    assert list(runs) == ["rnn", "lstm", "gru"]
    assert runs["rnn"]["parameters"] < runs["gru"]["parameters"] < runs["lstm"]["parameters"]
    V, E, H = 65, 8, 8
    assert runs["gru"]["parameters"] == V * E + 3 * (H * (E + H) + 2 * H) + H * V + V
    for row in runs.values():
        assert row["val_step"] == [0, 2, 3] and len(row["val_loss"]) == 3
        assert row["best_val_loss"] == min(row["val_loss"])
        assert row["s_per_100_steps"] == pytest.approx(100 * row["train_time_s"] / 4)
        assert row["steps_per_epoch"] == pytest.approx(4_500 / (4 * 8))  # 90% of 5,000 chars in (B, T) windows
        assert row["source"]["saved"] is None
        assert row["s_per_100_steps_matched"] == min(row["s_per_100_steps_matched_rounds"]) > 0
    assert r["char_lm_config"]["hidden_size"] == 8 and "device" not in r["char_lm_config"]
    assert r["figure"] is not None and "GRU" in lm_compare_table(runs)


def test_lm_compare_reuses_a_saved_run_only_when_its_config_is_exactly_the_same(tmp_path):
    config = _tiny_lm_compare(cells=("gru",), results_dir=str(tmp_path), timing_steps=0)
    cfg = cell_config(config, "gru")
    fake = {"best_val_loss": 1.5, "final_val_loss_full_stream": 1.4, "train_time_s": 2.0, "train_chars": 4_500,
            "vocab_size": 65, "history": {"val_step": [0, 4], "val_loss": [4.0, 1.5]}, "baselines": {"bigram": 2.5}}
    save_results(SAVED_RUNS["gru"], dataclasses.replace(cfg, device="cpu"), fake, device="cpu", directory=tmp_path)
    r = lm_compare(dataclasses.replace(config, reuse_saved=True))
    assert r["runs"]["gru"]["best_val_loss"] == 1.5  # read from the file, device aside
    assert r["runs"]["gru"]["source"]["saved"] == "char_lm_gru"
    assert r["runs"]["gru"]["s_per_100_steps"] == pytest.approx(50.0)
    assert "s_per_100_steps_matched" not in r["runs"]["gru"]  # timing_steps=0 skips the matched timing
    other = dataclasses.replace(config, reuse_saved=True, char_lm=dataclasses.replace(config.char_lm, lr=1e-3))
    assert saved_run(cell_config(other, "gru"), str(tmp_path)) is None  # one field differs: train again
    assert saved_run(cfg, str(tmp_path / "empty")) is None


def test_lstm_gates_trains_the_chapter_2_lstm_and_reads_the_same_model_through_the_scratch_lstm():
    config = SmallGatesConfig(hidden_size=8, embed_dim=4, block=8, batch_size=2, steps=3, passage_length=20)
    assert char_lm_config(config).cell == "lstm" and char_lm_config(config).iters == 3
    r = lstm_gates(config)
    assert r["scratch_vs_torch_max_abs_diff"] < 1e-5
    assert len(r["passage"]) == 20 and len(r["units"]) == 6
    for k in ("i", "f", "g", "o", "c"):
        assert len(r["gates"][k]) == 20 and len(r["gates"][k][0]) == 6
    assert all(0 < v < 1 for v in r["mean_gate"].values())
    assert r["val_step"] == [0, 2] and r["figure"] is not None
