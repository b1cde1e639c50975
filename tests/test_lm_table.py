"""The language-model comparison table of chapter 7 is read from the saved result files."""

import json

import matplotlib
import pytest

from course_lib.experiments.lm_table import REFERENCE_ROWS, best_row, lm_rows, lm_table, where_note

matplotlib.use("Agg")

PROV = {"device": "cpu", "torch_threads": 1, "cpu_count": 2, "load_avg_1m": 0.25}


def _write(d, name, config, results):
    (d / f"{name}.json").write_text(json.dumps({"name": name, "config": config, "provenance": PROV,
                                               "results": results}))


def _char_lm(cell, loss):
    hist = {"elapsed": [0.1, 5.0], "val_loss": [4.1, loss]}
    return ({"cell": cell, "embed_dim": 8, "hidden_size": 8, "num_layers": 1},
            {"best_val_loss": loss, "train_time_s": 5.0, "history": hist})


def test_lm_rows_read_every_saved_run_and_the_table_shows_their_numbers(tmp_path):
    hist = {"elapsed": [0.1, 9.0], "val_loss": [4.2, 1.95]}
    _write(tmp_path, "gpt_shakespeare_small", {"n_layer": 2, "n_embd": 16, "seed": 7},
           {"n_params": 1234, "best_val_loss": 1.95, "train_time_s": 9.0, "history": hist})
    _write(tmp_path, "char_lm", *_char_lm("rnn", 2.01))
    _write(tmp_path, "char_lm_lstm", *_char_lm("lstm", 1.7))
    _write(tmp_path, "lm_compare", {}, {"runs": {"gru": {"best_val_loss": 1.8, "parameters": 99,
                                                          "train_time_s": 3.0}}})
    rows = lm_rows(tmp_path)
    assert len(rows) == len(REFERENCE_ROWS) + 4
    assert [r["best_val_loss"] for r in rows[len(REFERENCE_ROWS):]] == [1.95, 2.01, 1.7, 1.8]
    assert rows[len(REFERENCE_ROWS) + 1]["parameters"] > 0  # counted from the saved config
    assert best_row(rows)["file"] == "char_lm_lstm.json"
    assert best_row(rows, include_references=True)["file"] == "char_lm_lstm.json"
    table = lm_table(rows)
    assert "1.9500" in table and "1.8857" in table and "1,234" in table and "load 0.2" in table
    from course_lib.plotting.transformer import plot_val_loss_vs_time

    fig = plot_val_loss_vs_time(rows)
    assert len(fig.axes[0].get_lines()) >= 4


def test_lm_rows_skip_missing_files_and_best_row_needs_a_run(tmp_path):
    rows = lm_rows(tmp_path)
    assert all(r["reference"] for r in rows)
    with pytest.raises(ValueError, match="no saved"):
        best_row(rows)


def test_where_note_says_when_the_load_was_not_recorded():
    assert where_note({"device": "cpu", "torch_threads": 1, "cpu_count": 2}).endswith("load not recorded")
    assert "H100" in where_note({"device": "cuda", "device_name": "H100", "load_avg_1m": 1.0})


def test_the_saved_runs_of_the_book_give_a_table():
    rows = lm_rows()
    assert any(r["file"] == "gpt_shakespeare_small.json" for r in rows)
    assert lm_table(rows).count("\n") == len(rows) + 1
