"""The built site shows the figures its notebooks draw.

A notebook's figure reaches the page only if the kernel renders it inline; a forced non-interactive
matplotlib backend (e.g. ``MPLBACKEND=Agg`` exported by a Makefile) silently drops every one of
them while the build still succeeds. This reads the built HTML, no browser needed, of both
editions (the Korean one reads the same executed notebooks from the cache).

A figure with labels is drawn twice while the book builds (COURSE_BILINGUAL_FIGURES=1,
course_lib.plotting.bilingual): ``<div class="course-figure">`` holds its English and its Korean
image, and the browser test at the end checks that each edition shows its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"

NOTEBOOKS = sorted((ROOT / "book").glob("*/*.ipynb"))
BILINGUAL_IMG = re.compile(r'<img class="course-fig-(en|ko)" lang="\1"(?: style="display: none")? '
                           r'src="data:image/png;base64,')
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
    text = page.read_text()
    images = re.findall(r"<img [^>]*src=\"[^\"]*_images/", text) + BILINGUAL_IMG.findall(text)
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


def _bilingual_figures(page: Path) -> list[list[str]]:
    """The languages of the images in each ``course-figure`` of a built page, in page order."""
    html = page.read_text()
    return [BILINGUAL_IMG.findall(div) for div in re.findall(r'<div class="course-figure">(.*?)</div>', html, re.S)]


def _notebook_pages(edition: str) -> list[Path]:
    return [SITE / edition / p.relative_to(ROOT).with_suffix(".html") for p in NOTEBOOKS]


def test_figures_that_notebooks_draw_carry_an_english_and_a_korean_image_in_both_editions():
    """The book build draws each labelled figure twice (an English build without the variable, or
    an execution cache from before it, would leave every page with plain PNGs only)."""
    counts = {}
    for en_page, ko_page in zip(_notebook_pages(""), _notebook_pages("ko"), strict=True):
        if not en_page.exists() or not ko_page.exists():
            pytest.fail(f"{en_page} or {ko_page} was not built; run `make book-build` first", pytrace=False)
        en, ko = _bilingual_figures(en_page), _bilingual_figures(ko_page)
        assert all(langs == ["en", "ko"] for langs in en), f"{en_page.name}: {en}"
        assert en == ko, f"{en_page.name}: the two editions differ ({len(en)} and {len(ko)} figures)"
        for page in (en_page, ko_page):
            assert "MissingFontError" not in page.read_text(), f"{page}: a figure's Korean labels lacked a font"
        counts[en_page.name] = len(en)
    assert sum(counts.values()) > 0, f"no bilingual figure on any notebook page: {counts}"


VISIBLE_FIGURES_JS = """
() => [...document.querySelectorAll('.course-figure')].map(div =>
    [...div.querySelectorAll('img')].filter(i => i.getBoundingClientRect().width > 0
                                              && getComputedStyle(i).display !== 'none')
                                     .map(i => i.className))
"""


@pytest.mark.parametrize("edition", ["en", "ko"])
def test_each_edition_shows_the_image_of_its_own_language(browser, site_url, edition):
    """On an English page only img.course-fig-en is visible, on its Korean twin only course-fig-ko."""
    pages = [p for p in _notebook_pages("") if p.exists() and _bilingual_figures(p)]
    if not pages:
        pytest.fail("no notebook page has a bilingual figure; run `make book-build` first", pytrace=False)
    folder = "" if edition == "en" else f"{edition}/"
    for page_path in pages:
        url = site_url + folder + page_path.relative_to(SITE).as_posix()
        page = browser.new_page()
        try:
            page.goto(url, wait_until="load", timeout=30_000)
            assert page.evaluate("document.documentElement.lang") == edition, url
            visible = page.evaluate(VISIBLE_FIGURES_JS)
        finally:
            page.close()
        assert visible and all(v == [f"course-fig-{edition}"] for v in visible), f"{url}: {visible}"
