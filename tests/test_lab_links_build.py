"""The {lab} role in a small Sphinx build: a download link to the shipped lab, launch links only
when the repository URL is set, an unknown lab fails the build, the labs copied byte for byte."""

from __future__ import annotations

import io
import shutil

import pytest

pytest.importorskip("sphinx")

from sphinx.application import Sphinx  # noqa: E402


def _build(tmp_path, root, page: str, theme_options: dict):
    src = tmp_path / "src"
    (src / "book" / "03_lstm").mkdir(parents=True)
    (src / "labs").mkdir()
    shutil.copyfile(root / "labs" / "lab03_lstm.ipynb", src / "labs" / "lab03_lstm.ipynb")
    (src / "conf.py").write_text("extensions = ['course_lib.book.lab_links']\nexclude_patterns = ['labs']\n"
                                 f"html_theme_options = {theme_options!r}\n")
    (src / "index.rst").write_text("Home\n====\n\n.. toctree::\n\n   book/03_lstm/index\n")
    (src / "book" / "03_lstm" / "index.rst").write_text(f"LSTM\n====\n\n{page}\n")
    out, warnings = tmp_path / "html", io.StringIO()
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "html",
                 confoverrides={"html_theme": "basic"}, status=None, warning=warnings, freshenv=True)
    app.build()
    return app, src, out, warnings.getvalue()


@pytest.mark.parametrize("url", ["", "https://github.com/owner/course"])
def test_lab_role_links_the_shipped_lab_and_launch_buttons_only_with_a_url(tmp_path, root, url):
    options = {"repository_url": url, "repository_branch": "main"} if url else {}
    app, src, out, warnings = _build(tmp_path, root, "Download :lab:`lab03_lstm`.", options)
    assert app.statuscode == 0 and "lab03_lstm" not in warnings
    html = (out / "book" / "03_lstm" / "index.html").read_text()
    assert 'href="../../labs/lab03_lstm.ipynb"' in html and "download" in html
    assert (out / "labs" / "lab03_lstm.ipynb").read_bytes() == (src / "labs" / "lab03_lstm.ipynb").read_bytes()
    colab = "https://colab.research.google.com/github/owner/course/blob/main/labs/lab03_lstm.ipynb"
    binder = "https://mybinder.org/v2/gh/owner/course/main?labpath=labs/lab03_lstm.ipynb"
    if url:
        assert colab in html and binder in html
    else:
        assert "colab" not in html and "mybinder" not in html


def test_unknown_lab_is_a_build_error(tmp_path, root):
    _, _, out, warnings = _build(tmp_path, root, "Download :lab:`lab99_nothing`.", {})
    html = (out / "book" / "03_lstm" / "index.html").read_text()
    assert "lab99_nothing" in html and "problematic" in html
    assert "no labs/lab99_nothing.ipynb; known labs: ['lab03_lstm']" in warnings


def test_a_repository_url_that_is_not_github_is_a_build_warning(tmp_path, root):
    _, _, out, warnings = _build(tmp_path, root, "Download :lab:`lab03_lstm`.",
                                 {"repository_url": "https://example.org/course"})
    assert "must look like https://github.com/OWNER/REPO" in warnings
    assert "example.org" not in (out / "book" / "03_lstm" / "index.html").read_text()
