"""course_lib: the one implementation behind the course "Sequence Models, from RNNs to Transformers".

The book's chapters, the labs, the checks and the tests all import from here; nothing is defined
twice. Modules follow the chapters: ``utils`` and ``data`` (chapter 0), ``functional``,
``gradcheck``, ``rnn``, ``lm`` and ``train`` (chapters 1-2), ``lstm`` and ``gru`` (3-4),
``attention``, ``seq2seq`` and ``decoding`` (5-6), ``transformer`` (7), and the tooling:
``experiments``, ``plotting``, ``checks`` and ``grading``.
"""

from course_lib.errors import ChecksumError, DataFileError, DTypeError, ShapeError, VocabError

__version__ = "0.1.0"
__all__ = ["ChecksumError", "DataFileError", "DTypeError", "ShapeError", "VocabError", "__version__"]
