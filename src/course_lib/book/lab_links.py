r"""The ``{lab}`` role and the released labs on the site.

A chapter's "Lab" box writes ``{lab}`lab03_lstm``` and gets

- a download link to ``labs/lab03_lstm.ipynb`` *on the built site*: after an HTML build every
  ``labs/lab*.ipynb`` of the repository is copied, byte for byte, to ``_build/html/labs/``;
- when ``_config.yml`` names the course's repository (``repository.url``, the one place the URL
  is written), "Open in Colab" and "Launch on Binder" links to that lab in the repository. With
  the URL unset (the default: an offline copy of the course) no external link appears.

In a translated edition (``language = "ko"``) the same link leads to the translated release of the
lab, ``labs/ko/lab03_lstm.ipynb`` (:mod:`course_lib.grading.lab_translation`), where it exists: the
Korean site's ``labs/lab03_lstm.ipynb`` is that file (same name, so a submission is graded as usual),
and the launch links open ``labs/ko/...`` in the repository.

An unknown lab is a build error (the book builds with warnings as errors).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

from docutils import nodes

__all__ = ["LAB_FOLDER", "launch_links", "setup"]

LAB_FOLDER = "labs"  # in the repository and on the site
COLAB = "https://colab.research.google.com/github/{repo}/blob/{branch}/{path}"
BINDER = "https://mybinder.org/v2/gh/{repo}/{branch}?labpath={path}"
#: The launch links' labels in each edition (Sphinx ``language``; English for any other).
LAUNCH_LABELS = {"en": ("Open in Colab", "Launch on Binder"), "ko": ("Colab에서 열기", "Binder에서 실행")}


def launch_links(repository_url: str | None, branch: str | None, lab: str,
                 folder: str = LAB_FOLDER, language: str | None = None) -> list[tuple[str, str]]:
    """``[(label, url), ...]`` for a lab: Colab and Binder for a GitHub repository, nothing without one.

    ``folder`` is the lab's folder in the repository (``labs/ko`` for the Korean release);
    ``language`` the edition whose labels to use (:data:`LAUNCH_LABELS`).

    Raises:
        ValueError: for a repository URL that is not ``https://github.com/OWNER/REPO``.
    """
    url = (repository_url or "").strip().rstrip("/").removesuffix(".git")
    if not url:
        return []
    prefix = "https://github.com/"
    repo = url.removeprefix(prefix)
    if not url.startswith(prefix) or repo.count("/") != 1:
        raise ValueError(f"repository.url must look like https://github.com/OWNER/REPO for launch links, got {url!r}")
    path = f"{folder}/{lab}.ipynb"
    fields = {"repo": repo, "branch": quote(branch or "main"), "path": path}
    colab, binder = LAUNCH_LABELS.get(language or "en", LAUNCH_LABELS["en"])
    return [(colab, COLAB.format(**fields)), (binder, BINDER.format(**fields))]


def _lab_file(app, lab: str) -> Path:
    return Path(app.srcdir) / LAB_FOLDER / f"{lab}.ipynb"


def edition_folder(srcdir: str | Path, language: str | None, lab: str) -> str:
    """The repository folder of the lab this edition ships: ``labs/<language>`` when that
    translated release exists, else ``labs`` (the English edition, or an untranslated lab)."""
    if language and language != "en" and (Path(srcdir) / LAB_FOLDER / language / f"{lab}.ipynb").is_file():
        return f"{LAB_FOLDER}/{language}"
    return LAB_FOLDER


class lab_download(nodes.Inline, nodes.TextElement):  # noqa: N801 - docutils names its nodes in lower case
    """A link that downloads ``labs/<lab>.ipynb`` from the site."""


def lab_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ARG001 - Sphinx's role signature
    env = inliner.document.settings.env
    lab = text.strip().removesuffix(".ipynb")
    if not _lab_file(env.app, lab).is_file():
        known = sorted(p.stem for p in (Path(env.app.srcdir) / LAB_FOLDER).glob("lab*.ipynb"))
        msg = inliner.reporter.error(f"{{lab}}`{text}`: no {LAB_FOLDER}/{lab}.ipynb; known labs: {known}",
                                     line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    node = lab_download(rawtext, lab=lab, docname=env.docname)
    node += nodes.literal(text=f"{lab}.ipynb")
    return [node], []


def visit_lab_download_html(self, node) -> None:
    from sphinx.util.osutil import relative_uri

    href = relative_uri(self.builder.get_target_uri(node["docname"]), f"{LAB_FOLDER}/{node['lab']}.ipynb")
    self.body.append(self.starttag(node, "a", "", href=href, download="",
                                   CLASS="reference download internal course-lab"))


def depart_lab_download_html(self, node) -> None:
    """Close the download link, then add the launch links. They are made here, when the page is
    written, so that a changed ``repository.url`` shows on the next build even from a cached read."""
    import html

    from sphinx.util import logging

    self.body.append("</a>")
    options = self.builder.config.html_theme_options or {}
    try:
        folder = edition_folder(self.builder.srcdir, self.builder.config.language, node["lab"])
        links = launch_links(options.get("repository_url"), options.get("repository_branch"), node["lab"], folder,
                             self.builder.config.language)
    except ValueError as exc:
        logging.getLogger(__name__).warning(f"{{lab}}`{node['lab']}`: {exc}", location=node)
        return
    for label, url in links:
        self.body.append(f' · <a class="reference external course-launch" href="{html.escape(url)}">'
                         f"{html.escape(label)}</a>")


def _skip(self, node) -> None:  # noqa: ARG001 - other builders show the file name only
    pass


def copy_labs(app, exception) -> None:
    """After an HTML build, put every released lab at ``<outdir>/labs/`` (byte for byte): the
    edition's translated release where there is one (:func:`edition_folder`), else the English."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / LAB_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for lab in sorted((Path(app.srcdir) / LAB_FOLDER).glob("lab*.ipynb")):
        folder = edition_folder(app.srcdir, app.config.language, lab.stem)
        shutil.copyfile(Path(app.srcdir) / folder / lab.name, target / lab.name)


def setup(app):
    app.add_node(lab_download, html=(visit_lab_download_html, depart_lab_download_html),
                 latex=(_skip, _skip), text=(_skip, _skip))
    app.add_role("lab", lab_role)
    app.connect("build-finished", copy_labs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
