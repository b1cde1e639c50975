"""course_lib: the one implementation behind the course "Sequence Models, from RNNs to Transformers".

The book's chapters, the labs, the checks and the tests all import from here; nothing is defined
twice. Modules follow the chapters: ``utils`` and ``data`` (chapter 0), ``functional``,
``gradcheck``, ``rnn``, ``lm`` and ``train`` (chapters 1-2), ``lstm`` and ``gru`` (3-4),
``attention``, ``seq2seq`` and ``decoding`` (5-6), ``transformer`` (7), and the tooling:
``experiments``, ``plotting``, ``checks`` and ``grading``. A lab starts with
``device = course_lib.setup_lab()`` (:mod:`course_lib.labs`).
"""

from course_lib.errors import ChecksumError, DataFileError, DTypeError, ShapeError, VocabError

__version__ = "0.1.0"
__all__ = ["ChecksumError", "DataFileError", "DTypeError", "ShapeError", "VocabError", "__version__", "setup_lab"]


def __getattr__(name: str):
    # ``from course_lib import setup_lab`` without importing torch on ``import course_lib``.
    if name == "setup_lab":
        from course_lib.labs import setup_lab

        return setup_lab
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
