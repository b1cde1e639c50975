"""Every page of the built site, opened in headless Chromium, reads as it should offline.

For each HTML page under _build/html (chapters are picked up as they are added) the test checks
that the page loads; that nothing is logged to the console as an error; that no request fails or
leaves 127.0.0.1; that every image loaded; that MathJax typeset every formula (no raw `$$` or
`\\(` left, no MathJax error boxes); that every embedded ipywidget was rendered by the local widget
manager; and that every internal link (and its #anchor) points at something that exists.
It saves a screenshot of each chapter's first page under _build/screenshots/.

Both editions are walked: the English site and the Korean one under _build/html/ko/. Every page
has a language switch to the same page in the other edition; each Korean page listed in
locale/ko/translated.txt is mostly Hangul prose, and any other Korean page says that it is not
translated yet; and Korean text renders with real glyphs (no tofu), checked by drawing the page's
own Hangul in the page's own font and comparing it with the missing-glyph box.

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

from course_lib.book.i18n import translated_docs
from course_lib.book.language_switch import EDITIONS, UNTRANSLATED_NOTE

# Build outputs that are not pages a reader navigates to.
NOT_PAGES = ("_static/", "_images/", "_sources/", "_downloads/", "_sphinx_design_static/")
#: The folders of the translated editions under _build/html ("ko/").
EDITION_FOLDERS = tuple(f"{folder}/" for folder, _label, _title in EDITIONS.values() if folder)


def split_edition(page: str) -> tuple[str, str]:
    """("ko", "book/index.html") for "ko/book/index.html"; ("en", page) for an English page."""
    for name, (folder, _label, _title) in EDITIONS.items():
        if folder and page.startswith(f"{folder}/"):
            return name, page[len(folder) + 1:]
    return "en", page


def site_pages() -> list[str]:
    """Every HTML page of both editions, relative to _build/html ("index.html" if unbuilt)."""
    pages = sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not split_edition(p.relative_to(SITE).as_posix())[1].startswith(NOT_PAGES)
    )
    return pages or ["index.html"]


def is_chapter_front(page: str) -> bool:
    """The landing page and the first page of each chapter (book/NN_slug/index.html, appendix)."""
    page = split_edition(page)[1]
    return page == "book/index.html" or re.fullmatch(
        r"book/[^/]+/index\.html|book/appendix/[^/]+\.html", page) is not None


@cache
def book_docnames() -> frozenset[str]:
    """The docnames of the book's pages (_toc.yml), e.g. "book/03_lstm/index"."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = {toc["root"]}
    stack = list(toc.get("parts", []))
    while stack:
        entry = stack.pop()
        if "file" in entry:
            names.add(entry["file"])
        stack += entry.get("chapters", []) + entry.get("sections", [])
    return frozenset(names)


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

# The language switch: where it points, resolved against the page's own URL.
SWITCH_JS = """
() => [...document.querySelectorAll('a.course-language-switch')].map(a => a.href)
"""

# Runs in a Korean page: how much of its prose (outside code, math and outputs) is Hangul, whether
# it shows the "not translated yet" note, and whether its Hangul renders with real glyphs. For the
# glyph check it draws the page's own Hangul syllables in the computed font of the element that
# holds them, and compares each bitmap with that of a code point no font has (the missing-glyph
# box, "tofu"): a syllable drawn as that box, or all syllables drawn alike, is tofu.
KOREAN_JS = """
() => {
  const article = document.querySelector('article') || document.querySelector('main') || document.body;
  const skip = 'pre, code, script, style, mjx-container, .math, .cell_output, .output, .highlight, '
             + '.course-untranslated';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let hangul = 0, latin = 0; const holders = new Map();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.textContent, el = n.parentElement;
    const hs = t.match(/[\\uac00-\\ud7a3]/g) || [];
    // prose: the article's text outside tables (the glossary's English column is English by
    // design) and the list of references (titles of English papers)
    if (article.contains(el) && !el.closest('table, .citation-list, .bibliography')) {
      hangul += hs.length; latin += (t.match(/[A-Za-z]/g) || []).length;
    }
    // glyphs: any Hangul on the page (sidebar, header, article), each in its own element's font
    for (const ch of hs) if (!holders.has(ch) && holders.size < 40) holders.set(ch, el);
  }
  const canvas = document.createElement('canvas'); canvas.width = 48; canvas.height = 48;
  const g = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, font) => {
    g.clearRect(0, 0, 48, 48); g.font = font; g.fillStyle = '#000'; g.fillText(ch, 4, 38);
    const d = g.getImageData(0, 0, 48, 48).data; let h = 0, ink = 0;
    for (let i = 3; i < d.length; i += 4) { h = (h * 31 + d[i]) >>> 0; ink += d[i] > 0; }
    return {hash: h, ink};
  };
  const tofu = []; const seen = new Set(); const fonts = new Set();
  for (const [ch, el] of holders) {
    const st = getComputedStyle(el);
    const font = `${st.fontStyle} ${st.fontWeight} 32px ${st.fontFamily}`;
    fonts.add(st.fontFamily);
    const glyph = draw(ch, font), missing = draw('\\u{10FFFD}', font);
    if (glyph.ink === 0 || glyph.hash === missing.hash) tofu.push(ch);
    seen.add(glyph.hash);
  }
  const note = document.querySelector('.course-untranslated');
  return {hangul, latin, tested: holders.size, distinct: seen.size, tofu, fonts: [...fonts],
          note: note ? note.textContent.trim() : null, lang: document.documentElement.lang};
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


def language_switch_problems(page, site_url: str, page_path: str) -> list[str]:
    """The page links, by a relative URL, to the same page in each other edition."""
    edition, inner = split_edition(page_path)
    expected = sorted(f"{folder}/{inner}" if folder else inner
                      for name, (folder, _l, _t) in EDITIONS.items() if name != edition)
    hrefs = page.evaluate(SWITCH_JS)
    raw = page.eval_on_selector_all("a.course-language-switch", "as => as.map(a => a.getAttribute('href'))")
    got = sorted(unquote(urlsplit(h).path)[len(urlsplit(site_url).path):] for h in hrefs)
    problems = [f"language switch is not a relative URL: {r}" for r in raw
                if r.startswith(("/", "http:", "https:"))]
    if got != expected:
        problems.append(f"language switch points at {got}, expected {expected}")
    return problems


# A translated page's prose (outside code, maths, outputs, tables and the reference list): more than
# half of its letters are Hangul. English terms in parentheses at first use, citations, identifiers
# and the generated "How this was measured" details keep it below 1: the translated pages measured
# 64-100 % (the notebooks with saved-run details lowest); an untranslated page measures 0-1 %.
MIN_HANGUL_SHARE = 0.5


def translated_edition_problems(page, edition: str, inner: str) -> list[str]:
    """A page of a translated edition: its language, its prose, its glyphs, its note."""
    info = page.evaluate(KOREAN_JS)
    problems = []
    if info["lang"] != edition:
        problems.append(f'<html lang="{info["lang"]}">, expected "{edition}"')
    problems += [f"Hangul drawn as missing glyphs (tofu) in {info['fonts']}: {''.join(info['tofu'])}"
                 ] if info["tofu"] else []
    if info["tested"] > 1 and info["distinct"] < 2:
        problems.append(f"{info['tested']} Hangul syllables all render alike (tofu) in {info['fonts']}")
    docname = inner.removesuffix(".html")
    if docname not in book_docnames():
        return problems  # search, index of terms: the theme's pages, no prose of ours
    letters = info["hangul"] + info["latin"]
    share = info["hangul"] / letters if letters else 0.0
    if docname in translated_docs(edition):
        if share < MIN_HANGUL_SHARE:
            problems.append(f"translated page is only {share:.0%} Hangul "
                            f"({info['hangul']} Hangul, {info['latin']} Latin letters)")
        if info["note"] is not None:
            problems.append(f"translated page shows the untranslated note: {info['note']!r}")
    elif info["note"] != UNTRANSLATED_NOTE:
        problems.append(f"untranslated page lacks the note {UNTRANSLATED_NOTE!r} (got {info['note']!r})")
    return problems


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
        problems += language_switch_problems(page, site_url, page_path)
        edition, inner = split_edition(page_path)
        if edition != "en":
            problems += translated_edition_problems(page, edition, inner)
        if is_chapter_front(page_path):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = ("index" if inner == "book/index.html" else
                    inner.split("/")[1] if inner.endswith("/index.html") else
                    "appendix-" + Path(inner).stem)
            prefix = "" if edition == "en" else f"{edition}-"
            page.screenshot(path=str(SCREENSHOTS / f"{prefix}{name}.png"))
        page.wait_for_timeout(50)  # let late console messages arrive
    finally:
        page.close()
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("start", ["book/03_lstm/index.html", "ko/book/03_lstm/index.html"])
def test_language_switch_opens_the_same_page_in_the_other_edition_and_back(browser, site_url, start):
    """Clicking the switch twice comes back: English -> Korean -> English, and the reverse."""
    page, problems = open_page(browser, site_url + start)
    try:
        visited = [(split_edition(start)[0], page.evaluate("document.documentElement.lang"))]
        for _ in range(2):
            with page.expect_navigation():
                page.locator("a.course-language-switch").first.click()
            rel = unquote(urlsplit(page.url).path)[len(urlsplit(site_url).path):]
            visited.append((split_edition(rel)[0], page.evaluate("document.documentElement.lang")))
            assert split_edition(rel)[1] == split_edition(start)[1], f"switched to {rel}"
        final = unquote(urlsplit(page.url).path)[len(urlsplit(site_url).path):]
    finally:
        page.close()
    assert final == start, f"two switches from {start} ended at {final}"
    editions = [e for e, _lang in visited]
    assert editions[0] != editions[1] and editions[2] == editions[0], f"editions visited: {editions}"
    for edition, lang in visited:
        assert lang == ("en" if edition == "en" else edition), visited
    assert not problems, problems


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
