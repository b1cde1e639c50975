"""Copy and reverse tasks of controllable length, for the length studies of chapters 5-6.

The source is a random string of ``length`` symbols from an alphabet; the target is the same
string (``copy``) or the string reversed (``reverse``). Since nothing but the symbols themselves
carries information, a fixed-size context vector must store the whole string: accuracy against
length then measures the capacity of that vector, the *bottleneck*.

Example:
    >>> task = SeqTask("copy", alphabet="abcdef")
    >>> batch = task.get_batch(8, min_len=5, max_len=10, generator=torch.Generator().manual_seed(0))
    >>> batch.src.shape[0]
    8
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import torch

from course_lib.data.dates import Seq2SeqBatch, encode_pairs
from course_lib.data.vocab import Vocab

__all__ = ["SeqTask", "make_pairs"]


def make_pairs(kind: str, n: int, min_len: int, max_len: int, alphabet: str = string.ascii_lowercase[:10],
               generator: torch.Generator | None = None) -> list[tuple[str, str]]:
    """``n`` pairs of the ``copy`` or ``reverse`` task with lengths uniform in ``[min_len, max_len]``.

    Raises:
        ValueError: for an unknown kind, ``min_len < 1`` or ``max_len < min_len``.
    """
    if kind not in ("copy", "reverse"):
        raise ValueError(f"kind must be 'copy' or 'reverse', got {kind!r}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=generator).tolist()
    pairs = []
    for L in lengths:
        ids = torch.randint(0, len(alphabet), (L,), generator=generator).tolist()
        s = "".join(alphabet[i] for i in ids)
        pairs.append((s, s if kind == "copy" else s[::-1]))
    return pairs


@dataclass
class SeqTask:
    """A copy or reverse task; source and target share one character :class:`Vocab`."""

    kind: str = "copy"
    alphabet: str = string.ascii_lowercase[:10]
    vocab: Vocab = field(init=False)

    def __post_init__(self) -> None:
        if self.kind not in ("copy", "reverse"):
            raise ValueError(f"kind must be 'copy' or 'reverse', got {self.kind!r}")
        self.vocab = Vocab(list(self.alphabet))

    def pairs(self, n: int, min_len: int, max_len: int, generator: torch.Generator | None = None):
        return make_pairs(self.kind, n, min_len, max_len, self.alphabet, generator)

    def get_batch(self, batch_size: int, min_len: int, max_len: int,
                  generator: torch.Generator | None = None) -> Seq2SeqBatch:
        """A padded batch with source lengths uniform in ``[min_len, max_len]``."""
        return encode_pairs(self.pairs(batch_size, min_len, max_len, generator), self.vocab, self.vocab)
