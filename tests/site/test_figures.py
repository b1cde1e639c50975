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
