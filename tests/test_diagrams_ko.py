"""The diagrams' Korean edition: every diagram draws in Korean with no missing glyph (a missing Hangul
font fails here with MissingFontError, it is not skipped: CI installs fonts-noto-cjk), every English
word goes through the Korean table with the glossary's terms, and every saved ``*_diagram.png`` has
its ``*_diagram.ko.png``."""

import matplotlib

matplotlib.use("Agg")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from course_lib.experiments.registry import discover  # noqa: E402
from course_lib.plotting import labels  # noqa: E402
from course_lib.plotting.diagram_style import render_diagram  # noqa: E402
from course_lib.plotting.labels import MissingFontError  # noqa: E402
from course_lib.plotting.labels_diagrams import KO  # noqa: E402
from course_lib.plotting.localized import check_glyphs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "_static" / "results"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CODE_NAMES = {"LayerNorm", "MLP"}  # PyTorch module names, the same in both editions


def _diagrams():
    discover()
    from course_lib.experiments.diagrams import DIAGRAMS

    return DIAGRAMS


def _texts(fig):
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _words(text: str) -> set[str]:
    """English words outside the mathematics of a label."""
    return set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\$[^$]*\$", "", text))) - CODE_NAMES


@pytest.mark.parametrize("name", sorted(_diagrams()))
def test_each_diagram_draws_in_korean_with_every_glyph(name):
    fig = render_diagram(_diagrams()[name], "ko")  # raises MissingFontError on a missing glyph or font
    texts = _texts(fig)
    if name != "unrolled_graph_diagram":  # the only diagram without words (symbols only)
        assert any(HANGUL.search(t) for t in texts), texts
    plt.close(fig)
    english = render_diagram(_diagrams()[name], "en")
    assert not any(HANGUL.search(t) for t in _texts(english))
    plt.close(english)


def test_every_english_label_of_a_diagram_has_a_korean_entry(monkeypatch):
    asked: set[str] = set()
    real = labels.translations

    class Recording(dict):
        def get(self, key, default=None):
            asked.add(key)
            return super().get(key, default)

    monkeypatch.setattr(labels, "translations", lambda lang="ko": Recording(real(lang)))
    for draw in _diagrams().values():
        plt.close(render_diagram(draw, "ko"))
    missing = sorted(k for k in asked if k not in KO and _words(k))
    assert not missing, f"add these diagram labels to course_lib/plotting/labels_diagrams.py: {missing}"
    assert len(asked) > 50


def test_korean_labels_use_the_glossary_terms_and_keep_math_and_placeholders():
    terms = yaml.safe_load((ROOT / "book" / "appendix" / "glossary_terms.yml").read_text())["terms"]
    strip = re.compile(r"\s*\(.*\)$")
    checked = 0
    for term in terms:
        en, ko = strip.sub("", term["en"]), strip.sub("", term["ko"])
        if en in KO:
            assert KO[en] == ko, f"{en!r}: the glossary says {ko!r}, labels_diagrams.py {KO[en]!r}"
            checked += 1
    assert checked >= 5
    for en, ko in KO.items():
        assert sorted(re.findall(r"\$[^$]*\$", en)) == sorted(re.findall(r"\$[^$]*\$", ko)), en
        assert sorted(re.findall(r"\{[a-z:.0-9]*\}", re.sub(r"\$[^$]*\$", "", en))) == \
            sorted(re.findall(r"\{[a-z:.0-9]*\}", re.sub(r"\$[^$]*\$", "", ko))), en
        assert en.count("\n") >= ko.count("\n"), en  # a Korean label never takes more lines than its box


def test_a_missing_glyph_is_refused_in_plain_text_and_next_to_math():
    for text in ("망각 게이트", "상태: $z_t$"):
        with plt.rc_context({"font.family": ["DejaVu Sans"]}):
            fig, ax = plt.subplots()
            ax.text(0.5, 0.5, text)
        with pytest.raises(MissingFontError, match="missing"):
            check_glyphs(fig)
        plt.close(fig)


def test_every_saved_diagram_has_a_korean_sibling_with_its_provenance():
    english = sorted(RESULTS.glob("*_diagram.png"))
    assert len(english) >= 13
    assert set(_diagrams()) == {p.stem for p in english}
    for png in english:
        ko = png.with_name(png.stem + ".ko.png")
        assert ko.is_file(), f"{ko.name} is missing: run `make diagrams`"
        saved = json.loads(png.with_name(png.stem + ".ko.json").read_text())
        assert saved["name"] == png.stem + ".ko" and saved["config"]["lang"] == "ko"
        assert saved["provenance"]["commit"] and saved["results"]["fonts"][-1] == "DejaVu Sans"
        facts = json.loads(png.with_suffix(".json").read_text())["results"]
        assert {k: v for k, v in saved["results"].items() if k != "fonts"} == facts


def test_the_experiment_command_writes_the_korean_file_and_refuses_lang_where_there_is_none(tmp_path, capsys):
    from course_lib.experiments import cli

    def run(name, lang):
        return cli.main(argparse.Namespace(name=name, list=False, full=True, device=None, out=str(tmp_path),
                                           lang=lang, figures=[]))

    assert run("gru_cell_diagram", "ko") == 0
    assert (tmp_path / "gru_cell_diagram.ko.png").is_file() and (tmp_path / "gru_cell_diagram.ko.json").is_file()
    assert not (tmp_path / "gru_cell_diagram.png").exists()
    assert run("adding", "ko") == 2
    assert "English only" in capsys.readouterr().err
    plt.close("all")
