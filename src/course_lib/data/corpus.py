"""Corpora shipped inside the package (``course_lib/data/files/``), verified by size and SHA-256.

They travel as package data, so ``load_corpus`` works the same from a clone, from an installed
wheel and from any working folder (Colab, a plain Jupyter).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from course_lib.errors import ChecksumError, DataFileError

__all__ = ["CorpusInfo", "CORPORA", "DATA_ENV", "data_dir", "load_corpus", "split_text"]

#: Environment variable naming another folder that holds the corpora.
DATA_ENV = "COURSE_DATA_DIR"
#: The package folder that holds the shipped corpora (package data, see pyproject.toml).
PACKAGE_DATA = Path(__file__).resolve().with_name("files")


@dataclass(frozen=True)
class CorpusInfo:
    filename: str
    n_bytes: int
    sha256: str
    source: str


CORPORA: dict[str, CorpusInfo] = {
    "tinyshakespeare": CorpusInfo(
        filename="tinyshakespeare.txt",
        n_bytes=1_115_394,
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        source="Karpathy's char-rnn 'tiny Shakespeare' (public domain plays), see data/README.md in the repository",
    ),
}


def data_dir() -> Path:
    """The folder holding the corpora: ``$COURSE_DATA_DIR`` if set, else the package's ``data/files/``."""
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else PACKAGE_DATA


def load_corpus(name: str = "tinyshakespeare", root: str | os.PathLike | None = None) -> str:
    """Read a shipped corpus as text after checking its size and SHA-256.

    Raises:
        KeyError: unknown corpus name (the message lists the known ones).
        DataFileError: the file is missing (says where it looked and how to fix it).
        ChecksumError: the file's size or SHA-256 is not the expected one.
    """
    if name not in CORPORA:
        raise KeyError(f"unknown corpus {name!r}; known corpora: {sorted(CORPORA)}")
    info = CORPORA[name]
    path = Path(root) / info.filename if root is not None else data_dir() / info.filename
    if not path.is_file():
        raise DataFileError(
            f"corpus {name!r} not found at {path}. It ships inside course_lib (course_lib/data/files/"
            f"{info.filename}); reinstall the package, or set ${DATA_ENV} to a folder that holds it."
        )
    raw = path.read_bytes()
    if len(raw) != info.n_bytes:
        raise ChecksumError(f"{path} has {len(raw):,} bytes, expected {info.n_bytes:,}: the file is damaged")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != info.sha256:
        raise ChecksumError(f"{path} has SHA-256 {digest}, expected {info.sha256}: the file was modified")
    return raw.decode("utf-8")


def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split a text at the character level: the first ``1 - val_fraction`` for training, the rest
    for validation (the split nanoGPT uses for Shakespeare: 90/10).

    Raises:
        ValueError: if ``val_fraction`` is not in (0, 1) or the text is empty.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    if not text:
        raise ValueError("cannot split an empty text")
    n_train = int(len(text) * (1.0 - val_fraction))
    return text[:n_train], text[n_train:]
