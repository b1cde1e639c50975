"""Data: vocabularies, corpora shipped with checksums, and batching.

Synthetic tasks (adding problem, copy, reverse, dates) live in submodules of this package.
"""

from course_lib.data.corpus import CORPORA, CorpusInfo, data_dir, load_corpus, split_text
from course_lib.data.synthetic import ADDING_BASELINE_MSE, CopyMemoryTask, adding_problem, copy_memory
from course_lib.data.vocab import BOS, END, PAD, SPECIALS, UNK, Vocab

__all__ = [
    "ADDING_BASELINE_MSE",
    "CopyMemoryTask",
    "adding_problem",
    "copy_memory",
    "BOS",
    "CORPORA",
    "END",
    "PAD",
    "SPECIALS",
    "UNK",
    "CorpusInfo",
    "Vocab",
    "data_dir",
    "load_corpus",
    "split_text",
]
