"""The built site shows the figures its notebooks draw.

A notebook's figure reaches the page only if the kernel renders it inline; a forced non-interactive
matplotlib backend (e.g. ``MPLBACKEND=Agg`` exported by a Makefile) silently drops every one of
them while the build still succeeds. This reads the built HTML, no browser needed, of both
editions (the Korean one reads the same executed notebooks from the cache).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"

NOTEBOOKS = sorted((ROOT / "book").glob("*/*.ipynb"))
PLOT_CALL = re.compile(r"\b(plot_\w+|plt\.\w+|imshow)\(")


def _draws_a_figure(nb_path: Path) -> bool:
    cells = json.loads(nb_path.read_text())["cells"]
    return any(c["cell_type"] == "code" and PLOT_CALL.search("".join(c["source"])) for c in cells)


@pytest.mark.parametrize("edition", ["", "ko"], ids=["en", "ko"])
@pytest.mark.parametrize("nb_path", [p for p in NOTEBOOKS if _draws_a_figure(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_notebook_that_plots_shows_its_figures_on_the_site(nb_path, edition):
    page = SITE / edition / nb_path.relative_to(ROOT).with_suffix(".html")
    if not page.exists():
        pytest.fail(f"{page} was not built; run `make book-build` first", pytrace=False)
    images = re.findall(r"<img [^>]*src=\"[^\"]*_images/", page.read_text())
    assert images, f"{page.name}: the notebook calls plotting functions but the page has no figure"


RESULT_FIGURE = re.compile(r"_static/results/(\w+)\.png")


def _result_figures(src: Path) -> list[str]:
    """The saved result figures a page includes (``{figure}`` directives and Markdown images)."""
    if src.suffix == ".ipynb":
        cells = json.loads(src.read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = src.read_text(encoding="utf-8")
    return sorted(set(RESULT_FIGURE.findall(text)))


PAGES_WITH_FIGURES = [p for p in sorted((ROOT / "book").rglob("*.md")) + NOTEBOOKS if _result_figures(p)]


@pytest.mark.parametrize("src", PAGES_WITH_FIGURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_korean_edition_shows_the_korean_version_of_each_result_figure(src):
    """figure_language_filename: NAME.png becomes NAME.ko.png in the Korean edition wherever that
    file exists (`python -m course_lib experiment replot NAME --lang ko`); English pages keep NAME.png."""
    results = ROOT / "book" / "_static" / "results"
    html = {}
    for edition in ("", "ko"):
        page = SITE / edition / src.relative_to(ROOT).with_suffix(".html")
        if not page.exists():
            pytest.fail(f"{page} was not built; run `make book-build` first", pytrace=False)
        html[edition] = set(re.findall(r"<img [^>]*src=\"[^\"]*_images/([^\"/]+)\"", page.read_text()))
    for stem in _result_figures(src):
        translated = (results / f"{stem}.ko.png").is_file()
        assert f"{stem}.png" in html[""], f"{src.name}: the English page does not show {stem}.png"
        expected = f"{stem}.ko.png" if translated else f"{stem}.png"
        assert expected in html["ko"], f"{src.name}: the Korean page shows {sorted(html['ko'])}, not {expected}"
        if translated:
            assert f"{stem}.png" not in html["ko"], f"{src.name}: the Korean page still shows {stem}.png"
