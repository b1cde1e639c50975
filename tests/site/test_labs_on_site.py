"""The built site ships every released lab and each chapter page links its own for download.

Reads the built HTML (no browser). With ``repository.url`` unset in ``_config.yml`` (the
default), no page may carry a Colab or Binder link; the browser walk (test_browser.py) checks
that every internal link, the lab downloads included, resolves and that no request leaves the site.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from course_lib.labs import repository_from_config

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
LABS = sorted((ROOT / "labs").glob("lab*.ipynb"))
LAB_LINK = re.compile(r'<a [^>]*class="[^"]*course-lab[^"]*"[^>]*>')
HREF = re.compile(r'href="([^"]+)"')


def _page(lab: Path) -> Path:
    chapter = next((ROOT / "book").glob(f"{lab.stem[3:5]}_*"))
    page = SITE / chapter.relative_to(ROOT) / "index.html"
    if not page.exists():
        pytest.fail(f"{page} was not built; run `make book-build` first", pytrace=False)
    return page


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_each_lab_is_on_the_site_byte_for_byte(lab):
    shipped = SITE / "labs" / lab.name
    assert shipped.is_file(), f"{shipped} is missing from the built site"
    assert shipped.read_bytes() == lab.read_bytes(), f"{shipped} differs from {lab}"


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_each_chapter_page_links_exactly_its_lab_for_download(lab):
    page = _page(lab)
    links = LAB_LINK.findall(page.read_text(encoding="utf-8"))
    assert len(links) == 1, f"{page}: {len(links)} lab links"
    assert "download" in links[0]
    href = HREF.search(links[0]).group(1)
    target = urljoin(page.relative_to(SITE).as_posix(), href)
    assert target == f"labs/{lab.name}", f"{page}: links {target}"
    assert (SITE / target).read_bytes() == lab.read_bytes()


def test_no_launch_link_without_a_repository_url():
    url, _ = repository_from_config(ROOT / "_config.yml")
    if url:
        pytest.skip(f"repository.url is set ({url}): launch links are expected")
    for page in sorted(SITE.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for service in ("colab.research.google.com", "mybinder.org", "course-launch"):
            assert service not in text, f"{page.relative_to(SITE)} links {service} with repository.url unset"
