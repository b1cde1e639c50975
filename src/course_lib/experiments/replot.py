"""Redraw a saved experiment's figure from its JSON, in either language, without training.

``python -m course_lib experiment replot NAME [NAME ...] --lang ko`` reads
``book/_static/results/NAME.json`` and writes ``NAME.ko.png`` beside ``NAME.png``, with the same
plotting function, size and resolution as the experiment, its labels in Korean
(:mod:`course_lib.plotting.labels_plots`) and Noto Sans CJK KR; a glyph missing from the fonts is
an error (:func:`course_lib.plotting.localized.figure_language`). Sphinx's
``figure_language_filename`` (``{root}.{language}{ext}``) makes the Korean edition show
``NAME.ko.png`` wherever a page includes ``NAME.png``. How each Korean figure was made (from which
file, font, versions, commit, date) is written to ``NAME.ko.json`` beside it.

``--lang en`` draws the English figure the same way into ``NAME.en.png`` (for comparing with the
experiment's own ``NAME.png``, which this command never overwrites).

Every result figure of the book can be redrawn, except ``lstm_gates`` in Korean: it has no words
(unit names and characters only), so the Korean edition shows the English file. A diagram
(an experiment named ``*_diagram``) has no data: ``replot NAME_diagram --lang ko`` simply draws it
again with the figure text in Korean.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
from collections.abc import Callable
from pathlib import Path

from course_lib.experiments.results import _git_commit, load_results, results_dir

__all__ = ["REPLOTS", "WORDLESS", "figure_from_saved", "replot", "source_digest", "main"]


def _adding(saved: dict):
    from course_lib.experiments.adding import plot_adding

    return plot_adding(saved["results"])


def _attention_dates(saved: dict):
    from course_lib.experiments.attention_dates import saved_examples
    from course_lib.plotting.attention import plot_attention_grid

    return plot_attention_grid(saved_examples(saved["results"]), ncols=2)


def _bottleneck(saved: dict):
    from course_lib.experiments.bottleneck import plot_bottleneck

    return plot_bottleneck(saved["results"])


def _bottleneck_longer(saved: dict):
    from course_lib.experiments.bottleneck import plot_longer

    return plot_longer(saved["results"])


def _char_lm(saved: dict):
    from course_lib.plotting.rnn import plot_lm_history

    r = saved["results"]
    return plot_lm_history(r["history"], r["baselines"], title=f"{saved['config']['cell']} char LM")


def _gpt_shakespeare_small(saved: dict):
    from course_lib.plotting.transformer import plot_gpt_training

    r = saved["results"]
    return plot_gpt_training(r["history"], "course_lib GPT", r["reference"]["best_val_loss"])


def _gpt_vs_nanogpt(saved: dict):
    from course_lib.plotting.transformer import plot_gpt_vs_nanogpt

    r = saved["results"]
    return plot_gpt_vs_nanogpt(r, r["summary"]["target_best_val_loss"])


def _gradient_flow(saved: dict):
    from course_lib.experiments.gradient_flow import plot_gradient_flow

    return plot_gradient_flow(saved["results"])


def _gradient_norms(saved: dict):
    from course_lib.plotting.rnn import plot_gradient_norms

    return plot_gradient_norms(saved["results"]["curves"])


def _lm_compare(saved: dict):
    from course_lib.plotting.gates import plot_lm_compare

    return plot_lm_compare(saved["results"]["runs"], saved["results"]["baselines"])


def _long_context(saved: dict):
    from course_lib.plotting.transformer import plot_long_context

    return plot_long_context(saved["results"])


def _lstm_gates(saved: dict):
    from course_lib.experiments.lstm_gates import figure

    return figure(saved["results"])


def _transformer_dates(saved: dict):
    from course_lib.experiments.transformer_dates import plot_dates_training

    return plot_dates_training(saved["results"])


#: Saved results file (stem) -> its figure, drawn from the whole saved JSON.
REPLOTS: dict[str, Callable[[dict], object]] = {
    "adding": _adding,
    "attention_dates": _attention_dates,
    "bottleneck": _bottleneck,
    "bottleneck_longer": _bottleneck_longer,
    "char_lm": _char_lm,
    "char_lm_gru": _char_lm,
    "char_lm_lstm": _char_lm,
    "gpt_shakespeare_small": _gpt_shakespeare_small,
    "gpt_vs_nanogpt": _gpt_vs_nanogpt,
    "gradient_flow": _gradient_flow,
    "gradient_norms": _gradient_norms,
    "lm_compare": _lm_compare,
    "long_context": _long_context,
    "lstm_gates": _lstm_gates,
    "transformer_dates": _transformer_dates,
}
#: Figures with no words to translate: no Korean file is made for them.
WORDLESS = ("lstm_gates",)


def figure_from_saved(name: str, saved: dict, lang: str = "en"):
    """The figure of results file ``name`` (its loaded JSON ``saved``) with labels in ``lang``.
    Draw it inside :func:`course_lib.plotting.localized.figure_language` (as :func:`replot` does)
    for the language's fonts.

    Raises:
        KeyError: if ``name`` has no figure to redraw.
    """
    from course_lib.plotting.labels import language

    if name not in REPLOTS:
        raise KeyError(f"no figure to redraw for {name!r}; redrawable: {sorted(REPLOTS)}")
    with language(lang):
        return REPLOTS[name](saved)


def _is_diagram(name: str) -> bool:
    from course_lib.experiments.registry import discover

    return name.endswith("_diagram") and name in discover()


def _draw_diagram(name: str):
    """A diagram experiment's figure, drawn again (deterministic, no data, well under a second)."""
    from course_lib.experiments.registry import get_experiment

    exp = get_experiment(name)
    return exp.run(exp.full())["figure"]


def source_digest(path: str | Path) -> str:
    """SHA-256 of a results file: a translated figure's record keeps it, so that a figure whose
    results were produced again since it was drawn can be told (tests/test_replot.py)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _record(name: str, lang: str, png: Path, font: str | None) -> dict:
    import matplotlib

    return {
        "name": name,
        "language": lang,
        "figure": png.name,
        "made_from": f"{name}.json",
        "made_from_sha256": source_digest(png.parent / f"{name}.json") if name in REPLOTS else None,
        "how": f"redrawn from {name}.json's results (no training) by "
               f"`python -m course_lib experiment replot {name} --lang {lang}`, labels translated by "
               "course_lib.plotting.labels_plots; a missing glyph fails the command",
        "font": font,
        "matplotlib": matplotlib.__version__,
        "python": platform.python_version(),
        "commit": _git_commit(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def replot(name: str, lang: str = "ko", directory: str | Path | None = None) -> Path:
    """Write ``<name>.<lang>.png`` (and, for a translated figure, ``<name>.<lang>.json`` on how it was
    made) from ``<name>.json`` in ``directory`` (default: the book's results folder).

    Raises:
        FileNotFoundError: if the results file is missing.
        KeyError: if ``name`` has no figure to redraw.
        course_lib.plotting.labels.MissingFontError: if a glyph (Hangul) has no installed font.
    """
    from course_lib.plotting.localized import figure_language, save_figure

    diagram = name not in REPLOTS and _is_diagram(name)
    if name not in REPLOTS and not diagram:
        raise KeyError(f"no figure to redraw for {name!r}; redrawable: {sorted(REPLOTS)} and the *_diagram "
                       "experiments")
    folder = Path(directory) if directory is not None else results_dir()
    saved = None if diagram else load_results(name, folder)
    png = folder / f"{name}.{lang}.png"
    with figure_language(lang):
        from matplotlib import rcParams

        font = rcParams["font.family"][0]
        save_figure(_draw_diagram(name) if diagram else figure_from_saved(name, saved, lang), png)
    if lang != "en":
        record = _record(name, lang, png, font)
        if diagram:
            record.update(made_from=None, made_from_sha256=None,
                          how=f"drawn by the {name} experiment's plotting code with the figure text in {lang} "
                              f"(`python -m course_lib experiment replot {name} --lang {lang}`)")
        (folder / f"{name}.{lang}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")
    return png


def main(names: list[str], lang: str = "ko", directory: str | None = None) -> int:
    """Redraw each of ``names`` (``all``: every redrawable figure with words) in ``lang``."""
    if names == ["all"]:
        names = [n for n in REPLOTS if not (lang != "en" and n in WORDLESS)]
    for name in names:
        if lang != "en" and name in WORDLESS:
            print(f"{name}: no words to translate, the {lang} edition shows {name}.png")
            continue
        print(f"{name}: -> {replot(name, lang, directory)}")
    return 0
