"""Every page of the built site, opened in headless Chromium, reads as it should offline.

For each HTML page under _build/html (chapters are picked up as they are added) the test checks
that the page loads; that nothing is logged to the console as an error; that no request fails or
leaves 127.0.0.1; that every image loaded; that MathJax typeset every formula (no raw `$$` or
`\\(` left, no MathJax error boxes); that every embedded ipywidget was rendered by the local widget
manager; and that every internal link (and its #anchor) points at something that exists.
It saves a screenshot of each chapter's first page under _build/screenshots/.

Fixtures (server, browser, what happens without Chromium) are in conftest.py.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import yaml
from conftest import ROOT, SCREENSHOTS, SITE

# Build outputs that are not pages a reader navigates to.
NOT_PAGES = ("_static/", "_images/", "_sources/", "_downloads/", "_sphinx_design_static/")


def site_pages() -> list[str]:
    """Every HTML page of the built site, relative to _build/html ("index.html" if unbuilt)."""
    pages = sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(NOT_PAGES)
    )
    return pages or ["index.html"]


def is_chapter_front(page: str) -> bool:
    """The landing page and the first page of each chapter (book/NN_slug/index.html, appendix)."""
    return page == "book/index.html" or re.fullmatch(
        r"book/[^/]+/index\.html|book/appendix/[^/]+\.html", page) is not None


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.IGNORECASE)


def redirect_target(page: str) -> str | None:
    """Where a redirect-only page (Jupyter Book's root index.html) sends the reader, if it is one."""
    match = REDIRECT.search((SITE / page).read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


@cache
def anchors_in(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


# Runs in the page: waits for MathJax's first typeset, then reports what is left untypeset.
MATH_JS = """
async () => {
  const maths = [...document.querySelectorAll('.math')];
  let state = 'no math on this page';
  if (maths.length) {
    for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise; state = 'typeset';
    } else state = 'MathJax never started';
  }
  const untypeset = maths.filter(e => !e.querySelector('mjx-container'))
                         .map(e => e.textContent.slice(0, 80));
  const errors = [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80));
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .math')
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  const pattern = /\\$\\$|\\\\\\(|\\\\\\[|\\\\begin\\{|\\$[^$\\n]*[\\\\^_][^$\\n]*\\$/;
  for (let n = walker.nextNode(); n; n = walker.nextNode())
    if (pattern.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 80));
  return {state, count: maths.length, untypeset, errors, raw};
}
"""

IMAGES_JS = """
async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r);
                         setTimeout(r, 5000); })));
  return imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc || i.src);
}
"""

WIDGETS_JS = """
async () => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const rendered = () => [...views].filter(s => {
      const box = s.previousElementSibling;
      return box && box.classList.contains('widget-subarea') && box.children.length > 0
             && box.getBoundingClientRect().height > 0; }).length;
  for (let i = 0; i < 200 && rendered() < views.length; i++) await new Promise(r => setTimeout(r, 50));
  return {views: views.length, rendered: rendered()};
}
"""


def open_page(browser, url: str):
    """Open url; return (page, problems) where problems collects console/request failures."""
    page = browser.new_page()
    problems: list[str] = []
    origin = url.split("/", 3)[:3]
    site_root = "/".join(origin) + "/"
    page.on("console", lambda m: m.type == "error"
            and problems.append(f"console error: {m.text} [{m.location.get('url')}]"))
    page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))

    def on_request(req) -> None:
        if req.url.startswith(("data:", "blob:", "about:")):
            return
        if not req.url.startswith(site_root):
            problems.append(f"external request: {req.url}")

    page.on("request", on_request)
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400
            and problems.append(f"HTTP {r.status}: {r.url}"))
    response = page.goto(url, wait_until="load", timeout=30_000)
    if response is None or not response.ok:
        problems.append(f"page did not load: {response and response.status}")
    return page, problems


def broken_internal_links(page, site_url: str) -> list[str]:
    broken = []
    hrefs = page.eval_on_selector_all("a[href]", "as => [...new Set(as.map(a => a.href))]")
    for href in hrefs:
        if not href.startswith(site_url):
            continue  # links to other sites are fine; only requests must stay local
        target, fragment = urldefrag(href)
        rel = unquote(urlsplit(target).path)[1:]
        path = SITE / rel
        if rel == "" or rel.endswith("/"):
            path = path / "index.html"
        if not path.is_file():
            broken.append(f"{href}: no such file")
        elif fragment and path.suffix == ".html" and unquote(fragment) not in anchors_in(path):
            broken.append(f"{href}: no anchor #{fragment}")
    return broken


@pytest.mark.parametrize("page_path", site_pages())
def test_page_renders_offline_with_math_images_widgets_and_links(browser, site_url, page_path):
    target = redirect_target(page_path) if (SITE / page_path).exists() else None
    if target is not None:  # a redirect: its target is a page of its own, tested on its own
        assert (SITE / page_path).parent.joinpath(target).is_file(), f"redirects to missing {target}"
        return
    page, problems = open_page(browser, site_url + page_path)
    try:
        math = page.evaluate(MATH_JS)
        if math["state"] == "MathJax never started":
            problems.append(f"{math['count']} formulas but MathJax never started")
        problems += [f"formula not typeset: {t!r}" for t in math["untypeset"]]
        problems += [f"MathJax error: {t!r}" for t in math["errors"]]
        problems += [f"raw LaTeX left in the text: {t!r}" for t in math["raw"]]
        problems += [f"image did not load: {src}" for src in page.evaluate(IMAGES_JS)]
        widgets = page.evaluate(WIDGETS_JS)
        if widgets["rendered"] < widgets["views"]:
            problems.append(f"only {widgets['rendered']} of {widgets['views']} widgets rendered")
        problems += [f"broken link: {b}" for b in broken_internal_links(page, site_url)]
        if is_chapter_front(page_path):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = ("index" if page_path == "book/index.html" else
                    page_path.split("/")[1] if page_path.endswith("/index.html") else
                    "appendix-" + Path(page_path).stem)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        page.wait_for_timeout(50)  # let late console messages arrive
    finally:
        page.close()
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


def test_embedded_widget_renders_from_the_sites_own_widget_manager(browser, site_url):
    """A real ipywidgets state, embedded with the scripts _config.yml names, renders offline.

    No chapter needs a widget to exist for this to be checked: the probe page is written into the
    built site for the duration of the test.
    """
    import ipywidgets
    from ipywidgets.embed import embed_data

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    scripts = config["sphinx"]["config"]["nb_ipywidgets_js"]
    slider = ipywidgets.IntSlider(value=7, min=0, max=10, description="probe")
    data = embed_data(views=[slider])
    tags = "\n".join(f'<script src="_static/{path}"></script>' for path in scripts)
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">{tags}
<script type="application/vnd.jupyter.widget-state+json">{json.dumps(data["manager_state"])}</script>
</head><body><script type="application/vnd.jupyter.widget-view+json">{json.dumps(data["view_specs"][0])}</script>
</body></html>"""
    probe = SITE / "_widget_probe.html"
    probe.write_text(html, encoding="utf-8")
    try:
        page, problems = open_page(browser, site_url + probe.name)
        widgets = page.evaluate(WIDGETS_JS)
        label = page.locator(".widget-readout").first.inner_text(timeout=10_000)
        page.close()
    finally:
        probe.unlink()
    assert widgets == {"views": 1, "rendered": 1}, widgets
    assert label.strip() == "7"
    assert not problems, problems
