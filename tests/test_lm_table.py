"""The language-model comparison table of chapter 7 is read from the saved result files, one protocol."""

import json
import shutil

import matplotlib
import pytest

from course_lib.experiments.lm_table import _small, best_row, lm_rows, lm_table, run_protocol, where_note
from course_lib.experiments.results import results_dir

matplotlib.use("Agg")

PROV = {"device": "cpu", "torch_threads": 1, "cpu_count": 2}


def _write(d, name, results):
    (d / f"{name}.json").write_text(json.dumps({"name": name, "config": {}, "provenance": PROV,
                                               "results": results}))


def _run(loss, whole, **extra):
    return {"best_val_loss": loss, "val_loss_whole_split": whole, "train_time_s": 9.0, "tokens_per_s": 1000.0,
            "elapsed": [0.1, 9.0], "val_loss": [4.2, loss], **extra}


def test_lm_rows_read_every_saved_run_and_the_table_shows_their_numbers(tmp_path):
    shutil.copy(results_dir() / "references.json", tmp_path)
    _write(tmp_path, "gpt_vs_nanogpt", {
        "ours": [_run(1.95, 1.93, seed=7, n_params=1234), _run(1.90, 1.91, seed=8, n_params=1234)],
        "nanogpt": [{"best_val_loss": 1.89, "val_loss_whole_split": 1.92, "train_time_s": 80.0},
                    {"best_val_loss": 1.93, "val_loss_whole_split": 1.94, "train_time_s": 81.0, "seed": 5,
                     "tokens_per_s": 1900.0}],
        "summary": {"nanogpt_tokens_per_s": 2000.0}})
    setting = {"hidden_size": 128, "embed_dim": 128, "lr": 2e-3, "block": 64, "batch_size": 12}
    _write(tmp_path, "lm_protocol", {"runs": {"rnn": _run(2.01, 2.0, parameters=50, setting=setting),
                                              "lstm": _run(1.70, 1.72, parameters=150, setting=setting)}})
    rows = lm_rows(tmp_path)
    assert [r["best_val_loss"] for r in rows] == [1.8857, 1.7872, 1.89, 1.93, 1.95, 1.90, 2.01, 1.70]
    assert best_row(rows)["model"] == "course_lib LSTM 1×128"  # nanoGPT's rows are not ours
    assert [r["model"] for r in rows[2:4]] == ["nanoGPT, run here beside ours, seed 1337",
                                               "nanoGPT, run here beside ours, seed 5"]
    assert best_row(rows, key="val_loss_whole_split")["val_loss_whole_split"] == 1.72
    table = lm_table(rows)
    assert "1.9500" in table and "1.8857" in table and "1,234" in table and "2,000" in table
    assert table.count("\n") == len(rows) + 1
    from course_lib.plotting.transformer import plot_val_loss_vs_time

    fig = plot_val_loss_vs_time(rows)
    assert len(fig.axes[0].get_lines()) >= 4


def test_lm_rows_skip_missing_files_and_best_row_needs_a_run(tmp_path):
    assert lm_rows(tmp_path) == []
    with pytest.raises(ValueError, match="no saved"):
        best_row(lm_rows(tmp_path))


def test_where_note_names_device_and_threads():
    assert where_note({"device": "cpu", "torch_threads": 1, "cpu_count": 2}) == "cpu, 1 thread(s) of 2 cores"
    assert "H100" in where_note({"device": "cuda", "device_name": "H100"})


def test_lm_protocol_scores_a_recurrent_model_on_20_batches_and_the_whole_split():
    cfg = _small()
    out = run_protocol(cfg)
    r = out["runs"]["rnn"]
    assert r["val_step"] == [0, 30, 60] and r["parameters"] > 0  # updates made: eval_first
    assert 1.0 < r["val_loss_whole_split"] < 4.5 and r["tokens_per_s"] > 0


def test_lm_rows_fall_back_to_the_single_seed_gpt_runs(tmp_path):
    hist = {"elapsed": [0.1, 9.0], "val_loss": [4.2, 1.95]}
    for name, seed in (("gpt_shakespeare_small", 1337), ("gpt_shakespeare_small_seed0", 0)):
        (tmp_path / f"{name}.json").write_text(json.dumps({
            "name": name, "config": {"n_layer": 4, "n_embd": 128, "seed": seed}, "provenance": PROV,
            "results": {"n_params": 1234, "best_val_loss": 1.9 + seed / 1e4, "train_time_s": 9.0, "history": hist}}))
    rows = lm_rows(tmp_path)
    assert [r["model"] for r in rows] == ["course_lib GPT 4×128, seed 1337", "course_lib GPT 4×128, seed 0"]
    assert rows[0]["val_loss_whole_split"] is None and "—" in lm_table(rows)
