"""Data: vocabularies, corpora shipped with checksums, and batching.

Synthetic tasks (adding problem, copy, reverse, dates) live in submodules of this package.
"""

from course_lib.data.corpus import CORPORA, CorpusInfo, data_dir, load_corpus, split_text
from course_lib.data.dates import DateDataset, Seq2SeqBatch, encode_pairs, make_date_dataset, make_date_pairs
from course_lib.data.seq_tasks import SeqTask
from course_lib.data.synthetic import ADDING_BASELINE_MSE, CopyMemoryTask, adding_problem, copy_memory
from course_lib.data.vocab import BOS, END, PAD, SPECIALS, UNK, Vocab

__all__ = [
    "ADDING_BASELINE_MSE",
    "BOS",
    "CORPORA",
    "CopyMemoryTask",
    "CorpusInfo",
    "DateDataset",
    "END",
    "PAD",
    "SPECIALS",
    "Seq2SeqBatch",
    "SeqTask",
    "UNK",
    "Vocab",
    "adding_problem",
    "copy_memory",
    "data_dir",
    "encode_pairs",
    "load_corpus",
    "make_date_dataset",
    "make_date_pairs",
    "split_text",
]
