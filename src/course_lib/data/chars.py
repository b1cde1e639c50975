r"""Character language-model data, in one place: corpus -> ids -> train/val split -> batches.

* :class:`CharCorpus` reads a shipped corpus, builds its character vocabulary (the distinct
  characters, sorted) and encodes the first ``1 - val_fraction`` as the training ids, the rest as
  the validation ids (nanoGPT's 90/10 split for Shakespeare).
* :func:`random_windows` / :class:`RandomWindows`: ``B`` random windows of ``T + 1`` characters,
  input and target shifted by one (nanoGPT's ``get_batch``); no state is carried between batches.
* :func:`batchify` / :class:`TBPTTBatches`: the stream cut into ``B`` contiguous rows, read in
  consecutive chunks of ``T``, so that a hidden state carried from one chunk to the next
  continues the same text (truncated BPTT, chapter 2).

For a window starting at :math:`i`, :math:`x_t = \text{ids}[i + t]` and
:math:`y_t = \text{ids}[i + t + 1]` for :math:`0 \le t < T`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import torch
from torch import Tensor

from course_lib.data.corpus import load_corpus, split_text
from course_lib.data.vocab import Vocab
from course_lib.errors import ShapeError, check_dtype

__all__ = ["CharCorpus", "shakespeare", "as_ids", "random_windows", "RandomWindows", "batchify", "TBPTTBatches"]


class CharCorpus:
    """A text as character ids, split for training and validation.

    Args:
        text: the text; by default the shipped corpus ``name``.
        name: a corpus of :func:`course_lib.data.load_corpus` (used when ``text`` is None).
        val_fraction: the share of the text, at its end, kept for validation.
        max_chars: use only the first ``max_chars`` characters (the vocabulary is still the whole
            text's, so ids mean the same in a small run).

    Attributes:
        vocab: the :class:`Vocab` of the text's characters (no special tokens).
        train, val: (N_train,), (N_val,) int64 ids.

    Raises:
        ValueError: an empty text or a ``val_fraction`` outside (0, 1).
    """

    def __init__(self, text: str | None = None, name: str = "tinyshakespeare", val_fraction: float = 0.1,
                 max_chars: int | None = None) -> None:
        text = load_corpus(name) if text is None else text
        self.vocab = Vocab.from_text(text, specials=())
        train, val = split_text(text[:max_chars] if max_chars is not None else text, val_fraction)
        self.train = torch.tensor(self.vocab.encode(train), dtype=torch.long)  # (N_train,)
        self.val = torch.tensor(self.vocab.encode(val), dtype=torch.long)  # (N_val,)

    @property
    def splits(self) -> dict[str, Tensor]:
        """``{"train": ids, "val": ids}``, as the batchers take them."""
        return {"train": self.train, "val": self.val}

    def __repr__(self) -> str:
        return f"CharCorpus(V={len(self.vocab)}, train={len(self.train):,} ids, val={len(self.val):,} ids)"


@cache
def shakespeare(max_chars: int | None = None) -> CharCorpus:
    """The Shakespeare corpus as a :class:`CharCorpus` (read and encoded once per process)."""
    return CharCorpus(name="tinyshakespeare", max_chars=max_chars)


def as_ids(data: Tensor | Sequence[int]) -> Tensor:
    """A 1-D int64 id stream.

    Raises:
        DTypeError: not integers. ShapeError: not 1-D.
    """
    data = torch.as_tensor(data)
    check_dtype("data", data, "int")
    if data.dim() != 1:
        raise ShapeError(f"data must be a 1-D stream of ids, got shape {tuple(data.shape)}")
    return data.long()


def random_windows(data: Tensor | Sequence[int], batch_size: int, block: int,
                   generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """``batch_size`` random windows of length ``block`` from a 1-D id stream (nanoGPT's ``get_batch``:
    the starts are ``torch.randint(N - T, (B,))``, from ``generator`` or, when it is None, from
    PyTorch's global generator).

    Shapes: data (N,) -> x (B, T), y (B, T) with ``y[:, t] = x[:, t + 1]`` in the stream.

    Raises:
        ShapeError: if the stream is shorter than ``block + 1`` or ``block < 1``.
    """
    data = as_ids(data)
    if block < 1 or len(data) < block + 1:
        raise ShapeError(f"need a stream of at least block + 1 = {block + 1} ids and block >= 1, got {len(data)}")
    starts = torch.randint(len(data) - block, (batch_size,), generator=generator)  # (B,)
    offsets = starts[:, None] + torch.arange(block)  # (B, T)
    return data[offsets], data[offsets + 1]  # (B, T), (B, T)


class RandomWindows:
    """``get_batch(split)`` for :func:`course_lib.train.fit`: random windows of each split.

    ``seed`` seeds a generator of its own; ``seed=None`` draws from PyTorch's global generator, so
    the batches continue the random stream that initialised the model (as nanoGPT's script does).
    """

    def __init__(self, splits: dict[str, Tensor], batch_size: int, block: int, seed: int | None = 0) -> None:
        self.splits = {k: as_ids(v) for k, v in splits.items()}
        self.batch_size, self.block = batch_size, block
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def __call__(self, split: str) -> tuple[Tensor, Tensor]:
        if split not in self.splits:
            raise KeyError(f"no split {split!r}; this batcher has {sorted(self.splits)}")
        return random_windows(self.splits[split], self.batch_size, self.block, self.generator)


def batchify(data: Tensor | Sequence[int], batch_size: int) -> Tensor:
    """Cut a stream into B contiguous rows (the tail that does not fit is dropped).

    Row b holds ids ``[b*N', (b+1)*N')``, so consecutive chunks of a row continue the same text,
    and a hidden state carried from one chunk to the next is meaningful.
    Shapes: data (N,) -> (B, N // B).

    Raises:
        ShapeError: if the rows would be shorter than 2 ids.
    """
    data = as_ids(data)
    n = len(data) // batch_size
    if n < 2:
        raise ShapeError(f"a stream of {len(data)} ids is too short for {batch_size} rows of >= 2 ids")
    return data[: n * batch_size].view(batch_size, n)  # (B, N // B)


class TBPTTBatches:
    """``get_batch(split)`` for truncated BPTT: consecutive (B, T) chunks of :func:`batchify` rows.

    Call ``k`` returns columns ``[kT, (k+1)T)`` of the rows (and the targets one to the right);
    after the last full chunk it starts again from column 0 (``reset`` also does).
    Use with ``TrainConfig(carry_state=True)``.
    """

    def __init__(self, splits: dict[str, Tensor], batch_size: int, block: int) -> None:
        self.rows = {k: batchify(v, batch_size) for k, v in splits.items()}
        for k, r in self.rows.items():
            if r.shape[1] < block + 1:
                raise ShapeError(f"split {k!r}: rows of {r.shape[1]} ids are too short for block {block}")
        self.block = block
        self.cursor = dict.fromkeys(self.rows, 0)

    def reset(self) -> None:
        self.cursor = dict.fromkeys(self.rows, 0)

    def __call__(self, split: str) -> tuple[Tensor, Tensor]:
        rows, i = self.rows[split], self.cursor[split]
        if i + self.block + 1 > rows.shape[1]:
            i = 0
        self.cursor[split] = i + self.block
        return rows[:, i:i + self.block], rows[:, i + 1:i + 1 + self.block]  # (B, T), (B, T)
