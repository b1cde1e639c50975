"""What course_lib's Sphinx extensions and configuration put on a Korean page, in a small build:
the Korean version of a result figure (figure_language_filename from _config.yml), a Korean
{provenance} note, Korean lab launch links."""

from __future__ import annotations

import io
import shutil

import pytest
import yaml

pytest.importorskip("sphinx")

from sphinx.application import Sphinx  # noqa: E402

from course_lib.book.lab_links import launch_links  # noqa: E402
from course_lib.book.provenance import TITLES, describe  # noqa: E402

PAGE = """Page
====

.. figure:: _static/results/adding.png

   The adding problem.

.. figure:: _static/results/lstm_gates.png

   Gates.

.. provenance:: adding
"""


def _build(tmp_path, root, language: str):
    src = tmp_path / f"src_{language}"
    (src / "_static" / "results").mkdir(parents=True)
    for name in ("adding.png", "adding.ko.png", "lstm_gates.png"):
        shutil.copyfile(root / "book" / "_static" / "results" / name, src / "_static" / "results" / name)
    sphinx_config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]
    pattern = sphinx_config["figure_language_filename"]
    (src / "conf.py").write_text("extensions = ['course_lib.book.provenance']\n"
                                 f"figure_language_filename = {pattern!r}\n")
    (src / "index.rst").write_text(PAGE)
    out, warnings = tmp_path / f"html_{language}", io.StringIO()
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / f"doctrees_{language}"), "html",
                 confoverrides={"html_theme": "basic", "language": language}, status=None, warning=warnings,
                 freshenv=True)
    app.build()
    assert app.statuscode == 0, warnings.getvalue()
    return (out / "index.html").read_text(encoding="utf-8")


def test_the_korean_page_shows_the_korean_figure_where_there_is_one_and_a_korean_note(tmp_path, root):
    ko, en = _build(tmp_path, root, "ko"), _build(tmp_path, root, "en")
    assert "_images/adding.ko.png" in ko and "_images/adding.png" not in ko
    assert "_images/lstm_gates.png" in ko  # no Korean version: the English figure
    assert "_images/adding.png" in en and "adding.ko.png" not in en
    assert TITLES["ko"] in ko and "만들어졌다" in ko and "다시 그렸다(adding.ko.png)" in ko
    assert '<span class="pre">replot</span>' in ko
    assert "How this was measured" not in ko and "was produced" not in ko
    assert TITLES["en"] in en and "adding.json was produced" in en and ">replot<" not in en


def test_the_provenance_sentence_and_launch_links_in_both_editions():
    en, ko = describe("adding"), describe("adding", "ko")
    assert en.startswith("adding.json was produced on the CPU") and en.endswith(".")
    assert ko.startswith("adding.json은 CPU에서") and "코어" in ko and ko.endswith(").")
    assert describe("adding", "fr") == en  # an edition without phrases reads English
    url = "https://github.com/owner/course"
    assert [label for label, _ in launch_links(url, "main", "lab03_lstm")] == ["Open in Colab", "Launch on Binder"]
    assert [label for label, _ in launch_links(url, "main", "lab03_lstm", "labs/ko", "ko")] == [
        "Colab에서 열기", "Binder에서 실행"]
