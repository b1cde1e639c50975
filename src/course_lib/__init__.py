"""course_lib: the one implementation behind the course "Sequence Models, from RNNs to Transformers".

The book's chapters, the labs, the checks and the tests all import from here; nothing is defined
twice. Modules follow the chapters: ``utils`` and ``data`` (chapter 0), ``functional``,
``gradcheck``, ``rnn``, ``lm`` and ``train`` (chapters 1-2), ``lstm`` and ``gru`` (3-4),
``attention``, ``seq2seq`` and ``decoding`` (5-6), ``transformer`` (7), and the tooling:
``experiments``, ``plotting``, ``checks`` and ``grading``. A lab starts with
``device = course_lib.setup_lab()`` (:mod:`course_lib.labs`).
"""

import os as _os
import sys as _sys

from course_lib.errors import ChecksumError, DataFileError, DTypeError, ShapeError, VocabError

__version__ = "0.1.0"
__all__ = ["ChecksumError", "DataFileError", "DTypeError", "ShapeError", "VocabError", "__version__", "setup_lab"]


def __getattr__(name: str):
    # ``from course_lib import setup_lab`` without importing torch on ``import course_lib``.
    if name == "setup_lab":
        from course_lib.labs import setup_lab

        return setup_lab
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def _bilingual_figures() -> None:
    # While the book builds (COURSE_BILINGUAL_FIGURES=1, set by `make book`), figures drawn in a
    # notebook's kernel carry a Korean twin for the Korean edition (course_lib.plotting.bilingual).
    # Students never set it: nothing is registered and nothing more is imported.
    if _os.environ.get("COURSE_BILINGUAL_FIGURES") != "1" or "IPython" not in _sys.modules:
        return
    from course_lib.plotting import bilingual

    bilingual.enable()


_bilingual_figures()
