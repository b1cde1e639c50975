"""Korean result figures: redrawn from the saved JSON, every label translated, no glyph missing."""

from __future__ import annotations

import functools
import json
import shutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course_lib.plotting.fonts as fonts  # noqa: E402
from course_lib.experiments import replot  # noqa: E402
from course_lib.experiments.cli import add_arguments  # noqa: E402
from course_lib.experiments.cli import main as cli_main  # noqa: E402
from course_lib.experiments.results import load_results, results_dir  # noqa: E402
from course_lib.plotting import labels, labels_plots  # noqa: E402
from course_lib.plotting.labels import MissingFontError, tr  # noqa: E402
from course_lib.plotting.localized import GlyphMissingError, figure_language, save_figure  # noqa: E402


def needs_hangul(test):
    """A Korean figure needs a Hangul font: without one the test fails and says what to install
    (CI installs it; nothing is skipped)."""
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        assert fonts.hangul_font() is not None, "no Hangul font installed (apt-get install fonts-noto-cjk)"
        return test(*args, **kwargs)
    return wrapper


def _record_lookups(monkeypatch) -> set[str]:
    """Every English label the Korean table is asked for, from now on."""
    asked: set[str] = set()

    class Recording(dict):
        def get(self, key, default=None):
            asked.add(key)
            return super().get(key, default)

    monkeypatch.setattr(labels, "translations", lambda lang="ko": Recording(labels_plots.KO))
    return asked


@needs_hangul
def test_a_hangul_label_renders_with_no_glyph_missing_when_the_font_is_present(tmp_path):
    with figure_language("ko"):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0], label=tr("validation"))
        ax.set_xlabel(tr("training step"))
        ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")  # mathematics: DejaVu's math fonts
        ax.legend()
        assert matplotlib.rcParams["font.family"][0] == fonts.hangul_font()
        save_figure(fig, tmp_path / "ko.png")
    assert ax.get_xlabel() == "학습 스텝"
    assert (tmp_path / "ko.png").stat().st_size > 0


def test_a_missing_hangul_font_is_a_clear_error_naming_the_package(monkeypatch):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    with pytest.raises(MissingFontError, match="fonts-noto-cjk"), figure_language("ko"):
        pass


def test_a_glyph_no_font_has_fails_the_figure_instead_of_drawing_a_box(tmp_path):
    with pytest.raises(GlyphMissingError, match=r"missing from font.*DejaVu Sans.*fonts-noto-cjk"), \
            figure_language("en"), matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("학습 스텝")  # Hangul with DejaVu Sans only
        save_figure(fig, tmp_path / "boxes.png")


def _saved_with_figures() -> list[str]:
    return [n for n in replot.REPLOTS if (results_dir() / f"{n}.json").is_file()]


@pytest.mark.parametrize("name", ["adding", "gradient_norms", "attention_dates"])
def test_an_english_redraw_is_pixel_identical_to_the_saved_figure(name, tmp_path):
    shutil.copy(results_dir() / f"{name}.json", tmp_path)
    out = replot.replot(name, "en", tmp_path)
    assert out.name == f"{name}.en.png" and not (tmp_path / f"{name}.en.json").exists()
    saved, redrawn = plt.imread(results_dir() / f"{name}.png"), plt.imread(out)
    assert saved.shape == redrawn.shape and np.array_equal(saved, redrawn)


@needs_hangul
def test_every_label_of_every_result_figure_has_a_korean_entry(monkeypatch):
    asked = _record_lookups(monkeypatch)
    for name in _saved_with_figures():
        with figure_language("ko"):
            plt.close(replot.figure_from_saved(name, load_results(name), "ko"))
    missing = sorted(asked - set(labels_plots.KO))
    assert asked and not missing, f"labels with no Korean entry in plotting/labels_plots.py: {missing}"


def test_every_figure_with_words_has_an_up_to_date_korean_version():
    stale, absent = [], []
    for name in _saved_with_figures():
        if name in replot.WORDLESS or not (results_dir() / f"{name}.png").is_file():
            continue
        png, record = results_dir() / f"{name}.ko.png", results_dir() / f"{name}.ko.json"
        if not (png.is_file() and record.is_file()):
            absent.append(name)
            continue
        made = json.loads(record.read_text(encoding="utf-8"))
        assert made["figure"] == png.name and made["font"] and made["made_from"] == f"{name}.json"
        if made["made_from_sha256"] != replot.source_digest(results_dir() / f"{name}.json"):
            stale.append(name)
    assert not absent and not stale, (f"no Korean figure: {absent}; drawn from an older results file: {stale}; "
                                      "run `python -m course_lib experiment replot NAME --lang ko`")


@needs_hangul
def test_the_command_writes_the_korean_figure_and_its_record(tmp_path, capsys):
    import argparse

    shutil.copy(results_dir() / "gradient_norms.json", tmp_path)
    p = argparse.ArgumentParser()
    add_arguments(p)
    assert cli_main(p.parse_args(["replot", "gradient_norms", "lstm_gates", "--out", str(tmp_path)])) == 0
    record = json.loads((tmp_path / "gradient_norms.ko.json").read_text(encoding="utf-8"))
    assert record["language"] == "ko" and record["font"] == fonts.hangul_font()
    assert (tmp_path / "gradient_norms.ko.png").is_file() and not (tmp_path / "lstm_gates.ko.png").exists()
    assert "no words to translate" in capsys.readouterr().out
    with pytest.raises(KeyError, match="redrawable"):
        replot.replot("no_such_figure", "ko", tmp_path)


@needs_hangul
def test_a_diagram_is_simply_drawn_again_in_korean(tmp_path):
    png = replot.replot("unrolled_graph_diagram", "ko", tmp_path)
    record = json.loads((tmp_path / "unrolled_graph_diagram.ko.json").read_text(encoding="utf-8"))
    assert png.is_file() and record["made_from"] is None and "replot unrolled_graph_diagram" in record["how"]


@needs_hangul
def test_the_figures_notebooks_draw_live_have_korean_labels_too(monkeypatch, tmp_path):
    import torch

    from course_lib.plotting import gates, rnn, transformer

    asked = _record_lookups(monkeypatch)
    values = {k: np.linspace(-1, 1, 4) for row in gates.LSTM_STEPS.values() for k, _ in row}
    with figure_language("ko"):
        figures = [transformer.plot_positional_encoding(T=20, d_model=8, dims=(0, 1)),
                   transformer.plot_attention_heads(torch.full((2, 3, 3), 1 / 3), list("abc")),
                   transformer.plot_dot_product_variance(transformer.dot_product_variance([4, 16], n=640)),
                   rnn.plot_clipping([3.0, 1.0], 1.0),
                   *(gates.plot_lstm_step(values, step) for step in gates.LSTM_STEPS)]
        for i, fig in enumerate(figures):
            save_figure(fig, tmp_path / f"{i}.png")
    missing = sorted(asked - set(labels_plots.KO))
    assert not missing, f"labels with no Korean entry in plotting/labels_plots.py: {missing}"
