"""What a lab needs to start anywhere: :func:`setup_lab`, the released labs, the install line.

A lab's first code cell is the same in a clone (``make lab``), in a plain Jupyter with the course
package installed (``pip install course_lib-*.whl``) and on Colab (uncomment one ``%pip install``
line; PyTorch is already there)::

    # Colab, or a Jupyter without course_lib: uncomment the next line and run this cell.
    # %pip install "course_lib @ git+https://github.com/OWNER/REPO@main"
    from course_lib import setup_lab

    device = setup_lab()

The install line is derived from the one repository URL in ``_config.yml`` (:func:`install_line`);
``tests/test_labs_anywhere.py`` fails when a lab's line disagrees with it, and
``python -m course_lib lab-setup`` rewrites the lines in ``solutions/`` (then ``make release``).

The released labs (``labs/labNN_*.ipynb``, their public test cells) travel inside the wheel as
``course_lib/released_labs/`` (copied there by ``setup.py`` at build time, so the repository keeps
one copy): ``course check`` grades against them without a clone.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

__all__ = ["setup_lab", "device_line", "released_labs_dir", "released_lab", "lab_names", "install_line",
           "INSTALL_MARK", "LABS_ENV"]

#: Environment variable naming another folder of released labs (``labNN_*.ipynb``).
LABS_ENV = "COURSE_LABS_DIR"
#: The start of the commented install line in each lab's first code cell.
INSTALL_MARK = "# %pip install "
_LAB_NAME = re.compile(r"^lab\d\d_[a-z0-9_]+$")


def device_line(device) -> str:
    """``course_lib 0.1.0 · torch 2.13.0 · device cuda (NVIDIA A100-SXM4-40GB)``: what runs where."""
    import torch

    from course_lib import __version__

    where = str(device)
    if device.type == "cuda":
        where += f" ({torch.cuda.get_device_name(device)})"
    elif device.type == "cpu":
        where += f" ({torch.get_num_threads()} CPU threads)"
    return f"course_lib {__version__} · torch {torch.__version__} · device {where}"


def setup_lab(prefer: str | None = None):
    """Pick the device for a lab (CUDA, then Apple MPS, then the CPU; ``$COURSE_DEVICE`` or
    ``prefer`` chooses), print one line saying what runs where, and return the ``torch.device``.

    Raises:
        RuntimeError: if the requested device is not available (see :func:`course_lib.utils.get_device`).
    """
    from course_lib.utils import get_device

    device = get_device(prefer)
    print(device_line(device))
    return device


def released_labs_dir() -> Path:
    """The folder of released labs: ``$COURSE_LABS_DIR``, else the copy inside an installed wheel
    (``course_lib/released_labs/``), else the clone's ``labs/``.

    Raises:
        FileNotFoundError: when none of them holds a lab.
    """
    from course_lib.paths import repo_path

    override = os.environ.get(LABS_ENV)
    candidates = [Path(override)] if override else [Path(str(resources.files("course_lib") / "released_labs")),
                                                     repo_path(LABS_ENV, "labs")]
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("lab*.ipynb")):
            return folder
    raise FileNotFoundError("no released labs found (looked in " + ", ".join(map(str, candidates))
                            + f"); reinstall course_lib or set ${LABS_ENV} to the folder that holds labNN_*.ipynb")


def lab_names(folder: Path | None = None) -> list[str]:
    """``["lab00_warmup", "lab01_rnn_numpy", ...]``: every released lab, in order."""
    folder = folder or released_labs_dir()
    return sorted(p.stem for p in folder.glob("lab*.ipynb") if _LAB_NAME.match(p.stem))


def released_lab(name: str, folder: Path | None = None) -> Path:
    """The released notebook ``<name>.ipynb`` (``name`` as in ``lab03_lstm``).

    Raises:
        KeyError: for an unknown lab (the message lists the known ones).
    """
    folder = folder or released_labs_dir()
    name = name.removesuffix(".ipynb")
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        raise KeyError(f"no released lab {name!r} in {folder}; known labs: {lab_names(folder)}")
    return path


def install_line(repository_url: str | None, branch: str = "main") -> str:
    """The commented ``%pip install`` line of a lab's first cell, for the course's repository URL.

    With a URL: install from the repository (what Colab needs). Without one (an offline copy of
    the course): install the wheel that ``make dist`` builds, put next to the notebook.
    """
    from course_lib import __version__

    url = (repository_url or "").strip().rstrip("/")
    if url:
        return f'{INSTALL_MARK}"course_lib @ git+{url}@{branch or "main"}"'
    return f"{INSTALL_MARK}course_lib-{__version__}-py3-none-any.whl"


def repository_from_config(config: str | os.PathLike) -> tuple[str, str]:
    """``(url, branch)`` from a Jupyter Book ``_config.yml`` (``repository.url``, ``repository.branch``);
    ``("", "main")`` when the URL is unset."""
    import yaml

    data = yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}
    repo = data.get("repository") or {}
    return str(repo.get("url") or "").strip(), str(repo.get("branch") or "main").strip()


def first_code_cell(nb):
    """The first code cell of a notebook (the lab's set-up cell)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            return cell
    raise ValueError("the notebook has no code cell")


def set_install_line(path: str | os.PathLike, line: str) -> bool:
    """Make the install line of the notebook's first code cell ``line``; True if the file changed.

    Raises:
        ValueError: if the first code cell has no line starting with :data:`INSTALL_MARK`.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cell = first_code_cell(nb)
    lines = cell.source.split("\n")
    hits = [i for i, text in enumerate(lines) if text.startswith(INSTALL_MARK)]
    if len(hits) != 1:
        raise ValueError(f"{path}: the first code cell must have exactly one line starting with "
                         f"{INSTALL_MARK!r}, found {len(hits)}")
    if lines[hits[0]] == line:
        return False
    lines[hits[0]] = line
    cell.source = "\n".join(lines)
    nbformat.write(nb, path)
    return True
