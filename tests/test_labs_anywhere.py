"""The labs run anywhere: data inside the package, one set-up cell, links from each chapter."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
import torch

import course_lib
from course_lib import labs as labs_mod
from course_lib.book.lab_links import launch_links
from course_lib.data import corpus
from course_lib.labs import INSTALL_MARK, install_line, repository_from_config, set_install_line


def test_corpus_is_package_data_and_loads_from_any_working_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(corpus.DATA_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert corpus.data_dir() == corpus.PACKAGE_DATA
    assert corpus.PACKAGE_DATA.parent.name == "data" and corpus.PACKAGE_DATA.parent.parent.name == "course_lib"
    assert corpus.load_corpus("tinyshakespeare").startswith("First Citizen")


def test_the_repository_keeps_one_copy_of_the_corpus(root):
    copies = [p for p in root.rglob("tinyshakespeare.txt")
              if not any(part in {".venv", "_build", "node_modules", "build", "dist"} or part.endswith(".egg-info")
                         for part in p.relative_to(root).parts)]
    assert [p.relative_to(root).as_posix() for p in copies] == ["src/course_lib/data/files/tinyshakespeare.txt"]


def test_pyproject_ships_the_corpus_and_setup_ships_the_released_labs(root):
    text = (root / "pyproject.toml").read_text()
    assert '"course_lib.data" = ["files/*.txt"]' in text
    assert "released_labs" in (root / "setup.py").read_text()
    assert "include labs/lab*.ipynb" in (root / "MANIFEST.in").read_text()


def _lab_paths(root):
    return sorted((root / "solutions").glob("lab*.ipynb")) + sorted((root / "labs").glob("lab*.ipynb"))


def test_every_lab_starts_with_the_same_set_up_lines_and_the_configured_install_line(root):
    url, branch = repository_from_config(root / "_config.yml")
    want = install_line(url, branch)
    paths = _lab_paths(root)
    assert len(paths) == 16
    for path in paths:
        first = labs_mod.first_code_cell(nbformat.read(path, as_version=4)).source.split("\n")
        installs = [ln for ln in first if ln.startswith(INSTALL_MARK)]
        assert installs == [want], f"{path}: install line {installs}, expected [{want!r}] " \
                                   "(run `python -m course_lib lab-setup`)"
        assert "from course_lib import setup_lab" in first and "device = setup_lab()" in " ".join(first), path
        assert not any(ln.lstrip().startswith(("%", "!")) for ln in first), f"{path}: an uncommented magic"


def test_install_line_with_and_without_a_repository():
    assert install_line("") == f"{INSTALL_MARK}course_lib-{course_lib.__version__}-py3-none-any.whl"
    assert install_line("https://github.com/a/b/", "dev") == f'{INSTALL_MARK}"course_lib @ git+https://github.com/a/b@dev"'


def test_set_install_line_rewrites_only_that_line(root, tmp_path):
    path = tmp_path / "lab.ipynb"
    shutil.copyfile(root / "solutions" / "lab00_warmup.ipynb", path)
    before = nbformat.read(path, as_version=4)
    line = install_line("https://github.com/someone/course")
    assert set_install_line(path, line) is True
    assert set_install_line(path, line) is False
    after = nbformat.read(path, as_version=4)
    first = labs_mod.first_code_cell(before)
    old, new = first.source, labs_mod.first_code_cell(after).source
    diff = [(a, b) for a, b in zip(old.split("\n"), new.split("\n"), strict=True) if a != b]
    assert len(diff) == 1 and diff[0][0].startswith(INSTALL_MARK) and diff[0][1] == line
    k = before.cells.index(first)
    assert [c.source for i, c in enumerate(before.cells) if i != k] == \
           [c.source for i, c in enumerate(after.cells) if i != k]


def test_setup_lab_returns_the_device_and_says_what_runs_where(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    from course_lib import setup_lab

    device = setup_lab()
    assert device == torch.device("cpu")
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"course_lib \S+ · torch \S+ · device cpu \(\d+ CPU threads\)", line), line
    with pytest.raises(RuntimeError, match="not available"):
        setup_lab("mps" if not torch.backends.mps.is_available() else "cuda:99")


def test_import_course_lib_alone_does_not_import_torch():
    code = "import sys, course_lib; assert 'torch' not in sys.modules; print(callable(course_lib.setup_lab))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_launch_links_only_with_a_github_repository():
    assert launch_links("", "main", "lab03_lstm") == []
    assert launch_links(None, None, "lab03_lstm") == []
    links = dict(launch_links("https://github.com/owner/course.git", "main", "lab03_lstm"))
    assert links == {
        "Open in Colab": "https://colab.research.google.com/github/owner/course/blob/main/labs/lab03_lstm.ipynb",
        "Launch on Binder": "https://mybinder.org/v2/gh/owner/course/main?labpath=labs/lab03_lstm.ipynb"}
    with pytest.raises(ValueError, match="OWNER/REPO"):
        launch_links("https://gitlab.com/owner/course", "main", "lab03_lstm")


def test_the_default_config_leaves_the_repository_unset(root):
    assert repository_from_config(root / "_config.yml") == ("", "main")


LAB_ROLE = re.compile(r"\{lab\}`([^`]+)`")


def test_each_chapter_with_a_lab_links_exactly_its_lab_right_after_its_learning_goals(root):
    labs = sorted(p.stem for p in (root / "labs").glob("lab*.ipynb"))
    assert labs
    for lab in labs:
        chapters = sorted((root / "book").glob(f"{lab[3:5]}_*/index.md"))
        assert len(chapters) == 1, f"{lab}: no single chapter book/{lab[3:5]}_*/index.md"
        text = chapters[0].read_text(encoding="utf-8")
        assert LAB_ROLE.findall(text) == [lab], f"{chapters[0]} links {LAB_ROLE.findall(text)}, expected [{lab!r}]"
        goals_end = text.index("\n:::\n", text.index(":::{admonition} Learning goals"))
        after_goals = text[goals_end + len("\n:::\n"):].lstrip("\n")
        assert after_goals.startswith(":::{admonition} Lab\n"), chapters[0]
    for page in (root / "book").rglob("*.md"):
        for lab in LAB_ROLE.findall(page.read_text(encoding="utf-8")):
            assert lab in labs, f"{page}: {{lab}}`{lab}` names no released lab"


def test_lab_setup_writes_the_configured_repository_into_every_lab_and_releases(root, tmp_path, capsys):
    from course_lib.__main__ import main as cli
    from course_lib.grading.release import check_sync

    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    for name in ("lab00_warmup", "lab03_lstm"):
        shutil.copyfile(root / "solutions" / f"{name}.ipynb", solutions / f"{name}.ipynb")
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/someone/course\n  branch: spring\n")
    assert cli(["lab-setup", "--config", str(config), "--solutions", str(solutions), "--labs", str(labs)]) == 0
    want = '# %pip install "course_lib @ git+https://github.com/someone/course@spring"'
    for path in [*solutions.glob("*.ipynb"), *labs.glob("*.ipynb")]:
        assert want in labs_mod.first_code_cell(nbformat.read(path, as_version=4)).source.split("\n"), path
    assert check_sync(solutions, labs) == []
    assert "lab03_lstm.ipynb" in capsys.readouterr().out
