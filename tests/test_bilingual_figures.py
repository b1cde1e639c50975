"""Figures a notebook draws while the book builds carry an English and a Korean image
(course_lib.plotting.bilingual). Like the Korean diagrams, a missing Hangul font fails here: CI
installs fonts-noto-cjk."""

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from course_lib.plotting import bilingual  # noqa: E402
from course_lib.plotting.fonts import hangul_font  # noqa: E402
from course_lib.plotting.labels import MissingFontError  # noqa: E402
from course_lib.plotting.labels_plots import KO  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
IMG = re.compile(r'<img class="course-fig-(en|ko)" lang="\1"(?: style="display: none")? '
                 r'src="data:image/png;base64,([^"]+)" alt="([^"]*)"/>')
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _state(fig):
    return [(t.get_text(), tuple(t.get_fontfamily())) for t in fig.findobj(Text) if t.get_text()]


@pytest.fixture
def curve():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([3.0, 2.0, 1.5], label="val")
    ax.set_xlabel("step")
    ax.set_title("GRU (1,234 params)")
    ax.legend()
    fig.canvas.draw()  # the tick labels get their texts
    yield fig
    plt.close(fig)


def test_a_figure_with_labels_gets_an_english_and_a_korean_image_and_keeps_its_english_texts(curve):
    assert KO["step"] == "스텝" and KO["val"] == "검증"
    before = _state(curve)
    drawn = []

    def png(fig):
        drawn.append(_state(fig))
        return print_figure(fig, "png", bbox_inches="tight")

    out = bilingual.figure_html(curve, png=png)
    assert out.startswith('<div class="course-figure">') and out.endswith("</div>")
    images = {lang: (base64.b64decode(data), alt) for lang, data, alt in IMG.findall(out)}
    assert sorted(images) == ["en", "ko"], out[:200]
    assert all(data.startswith(b"\x89PNG") for data, _ in images.values())
    assert images["en"][0] != images["ko"][0]
    assert images["en"][1] == "Figure: GRU (1,234 params)"
    assert images["ko"][1] == "그림: GRU (파라미터 1,234개)"
    # The first drawing is the figure as it is; the second has the Korean labels in the Hangul font.
    assert drawn[0] == before
    ko = dict((t, f) for t, f in drawn[1])
    assert {"스텝", "검증", "GRU (파라미터 1,234개)"} <= set(ko), sorted(ko)
    assert "step" not in ko and "val" not in ko
    assert all(f[0] == hangul_font() for t, f in drawn[1] if HANGUL.search(t))
    assert _state(curve) == before  # English again, in its own fonts
    curve.canvas.draw()
    assert _state(curve) == before  # and no tick label kept the Hangul font


def test_the_korean_image_is_a_different_drawing_of_the_same_size(curve):
    out = bilingual.figure_html(curve, png=lambda f: print_figure(f, "png", bbox_inches="tight", base64=True))
    sizes = {}
    for lang, data, _alt in IMG.findall(out):
        png = base64.b64decode(data)
        sizes[lang] = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert set(sizes) == {"en", "ko"}
    (w_en, h_en), (w_ko, h_ko) = sizes["en"], sizes["ko"]
    assert abs(w_en - w_ko) < 0.2 * w_en and abs(h_en - h_ko) < 0.2 * h_en, sizes


def test_a_figure_without_translatable_text_keeps_its_plain_png():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    ax.set_xlabel("$x_t$")
    try:
        assert bilingual.figure_html(fig, png=lambda f: pytest.fail("nothing to draw twice")) is None
    finally:
        plt.close(fig)


def test_a_glyph_no_font_has_is_refused_and_the_figure_restored(curve, monkeypatch):
    before = _state(curve)
    monkeypatch.setattr(bilingual, "korean_text", lambda s: "\ue000" if s == "step" else s)
    with pytest.raises(MissingFontError):
        bilingual.figure_html(curve, png=lambda f: print_figure(f, "png", bbox_inches="tight"))
    assert _state(curve) == before


@pytest.mark.parametrize("text, korean", [
    ("training step", "학습 스텝"),
    ("seq2seq, 3,000 steps", "seq2seq, 3,000 스텝"),
    ("forget step", "망각 단계"),  # the template's piece goes through the labels too
    ("dim 2 (sin)", "차원 2 (sin)"),
    ("0.25", "0.25"),
    ("$h_t$", "$h_t$"),
    ("", ""),
])
def test_korean_text_reads_labels_and_filled_templates(text, korean):
    assert bilingual.korean_text(text) == korean


SHELL = """
import sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
import course_lib
bundle = shell.display_formatter.mimebundle_formatter
print(("matplotlib.figure", "Figure") in bundle.deferred_printers, "matplotlib" in sys.modules)
"""


@pytest.mark.parametrize("env, expected", [({}, "False False"), ({bilingual.ENV_VAR: "1"}, "True")])
def test_import_course_lib_registers_the_formatter_only_when_the_book_builds(env, expected):
    """Students (no variable) get the ordinary figure and import no plotting; the book build does."""
    environ = {k: v for k, v in os.environ.items() if k != bilingual.ENV_VAR}
    environ.update(env, PYTHONPATH=str(SRC), MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-c", SHELL], capture_output=True, text=True, env=environ, check=True)
    assert out.stdout.startswith(expected), out.stdout + out.stderr


def test_enable_outside_ipython_registers_nothing():
    assert bilingual.enable() is False


def test_a_notebook_kernel_outputs_both_images_beside_the_plain_png(tmp_path, monkeypatch):
    """End to end in a real kernel: matplotlib-inline configures its backend on the first figure and
    drops every per-mime formatter registered for Figure before then; the bilingual one survives."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import course_lib\nimport matplotlib.pyplot as plt\n"
                                          "fig, ax = plt.subplots(figsize=(3, 2))\nax.set_xlabel('step')"),
                nbformat.v4.new_code_cell("plt.plot([1, 2]);")]
    monkeypatch.setenv(bilingual.ENV_VAR, "1")  # the kernel inherits the environment
    monkeypatch.setenv("PYTHONPATH", str(SRC))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    labelled, plain = ([o for o in cell.outputs if o.output_type == "display_data"] for cell in nb.cells)
    assert len(labelled) == 1 and {"image/png", "text/html"} <= set(labelled[0].data), labelled
    assert sorted(lang for lang, _, _ in IMG.findall(labelled[0].data["text/html"])) == ["en", "ko"]
    assert len(plain) == 1 and "text/html" not in plain[0].data  # no label to translate: the plain PNG


def test_enable_without_a_hangul_font_warns_and_registers_nothing(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # a shell it must not touch
    monkeypatch.setattr("course_lib.plotting.fonts.hangul_font", lambda: None)
    with pytest.warns(UserWarning, match="fonts-noto-cjk"):
        assert bilingual.enable() is False
