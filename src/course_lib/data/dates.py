"""Synthetic date translation: human-written dates -> ISO ``YYYY-MM-DD``.

A task readers can see into: the input ``"Monday, November 23, 2026"`` must become ``"2026-11-23"``,
so an attention heat map shows at once which input characters produced the year, the month and
the day. Everything is generated from a seed with the standard library (no download).

The API, used by chapters 5-7:

* :func:`make_date_pairs` ``(n, seed) -> [(source, target), ...]``;
* :func:`make_date_dataset` ``(n, seed, ...) -> DateDataset`` with ``train``/``val``/``test`` pair lists
  (disjoint dates) and the two character vocabularies;
* :func:`encode_pairs` ``(pairs, src_vocab, tgt_vocab) -> Seq2SeqBatch`` pads a list of pairs into
  tensors with masks (``<bos>`` before the decoder input, ``<end>`` after the target);
* :meth:`DateDataset.batches` / :meth:`DateDataset.get_batch` draw random batches for training.

Example:
    >>> data = make_date_dataset(1000, seed=0)
    >>> batch = data.get_batch("train", batch_size=4)
    >>> batch.src.shape[0], batch.tgt_in[:, 0].tolist()
    (4, [1, 1, 1, 1])
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from course_lib.data.vocab import Vocab
from course_lib.errors import ShapeError

__all__ = [
    "DATE_FORMATS",
    "DateDataset",
    "Seq2SeqBatch",
    "date_vocabs",
    "encode_pairs",
    "format_date",
    "lengths_to_mask",
    "make_date_dataset",
    "make_date_pairs",
]

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: name -> function(date) -> human-written string. Order is fixed (seeded sampling depends on it).
DATE_FORMATS: dict[str, Callable[[_dt.date], str]] = {
    "d MMM yyyy": lambda d: f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}",  # 23 Nov 2026
    "dd MMMM yyyy": lambda d: f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}",  # 23 November 2026
    "MMMM d, yyyy": lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",  # November 23, 2026
    "EEEE, MMMM d, yyyy": lambda d: f"{_DAYS[d.weekday()]}, {_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "EEE d MMM yy": lambda d: f"{_DAYS[d.weekday()][:3]} {d.day} {_MONTHS[d.month - 1][:3]} {d.year % 100:02d}",
    "MM/dd/yy": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",  # 11/23/26
    "M/d/yyyy": lambda d: f"{d.month}/{d.day}/{d.year}",  # 11/23/2026
    "dd.MM.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",  # 23.11.2026
    "yyyy/MM/dd": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",  # 2026/11/23
    "the dth of MMMM yyyy": lambda d: f"the {_ordinal(d.day)} of {_MONTHS[d.month - 1]} {d.year}",
    "MMM dth, yyyy": lambda d: f"{_MONTHS[d.month - 1][:3]} {_ordinal(d.day)}, {d.year}",  # Nov 23rd, 2026
    "korean": lambda d: f"{d.year}년 {d.month}월 {d.day}일",  # 2026년 11월 23일
    "lower d MMMM yyyy": lambda d: f"{d.day} {_MONTHS[d.month - 1].lower()} {d.year}",
    "upper d MMM yyyy": lambda d: f"{d.day} {_MONTHS[d.month - 1][:3].upper()} {d.year}",
}

START, END_DATE = _dt.date(1950, 1, 1), _dt.date(2049, 12, 31)


def format_date(d: _dt.date, fmt: str) -> str:
    """Write ``d`` in the format named ``fmt`` (a key of :data:`DATE_FORMATS`).

    >>> format_date(_dt.date(2026, 11, 23), "EEEE, MMMM d, yyyy")
    'Monday, November 23, 2026'

    Raises:
        KeyError: for an unknown format, listing the known ones.
    """
    if fmt not in DATE_FORMATS:
        raise KeyError(f"unknown date format {fmt!r}; known: {list(DATE_FORMATS)}")
    return DATE_FORMATS[fmt](d)


def _random_dates(n: int, rng: random.Random) -> list[_dt.date]:
    span = (END_DATE - START).days
    if n > span + 1:
        raise ValueError(f"at most {span + 1} distinct dates exist between {START} and {END_DATE}, asked {n}")
    return [START + _dt.timedelta(days=k) for k in rng.sample(range(span + 1), n)]


def make_date_pairs(n: int, seed: int = 0, formats: Sequence[str] | None = None,
                    min_len: int = 0, max_len: int | None = None) -> list[tuple[str, str]]:
    """``n`` pairs ``(human date, ISO date)`` with distinct dates, drawn with ``random.Random(seed)``.

    Args:
        formats: names from :data:`DATE_FORMATS` to draw from uniformly (default: all).
        min_len, max_len: keep only sources whose length (in characters) is in ``[min_len, max_len]``
            (length control); dates are drawn until ``n`` pairs fit.

    Raises:
        ValueError: if ``n`` < 1 or no format can produce a source within the length bounds.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    fmts = list(formats) if formats is not None else list(DATE_FORMATS)
    for f in fmts:
        format_date(START, f)  # raises KeyError early for unknown names
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    dates = _random_dates((END_DATE - START).days + 1, rng)  # a seeded permutation of all dates
    for d in dates:
        src = format_date(d, rng.choice(fmts))
        if min_len <= len(src) and (max_len is None or len(src) <= max_len):
            pairs.append((src, d.isoformat()))
            if len(pairs) == n:
                return pairs
    raise ValueError(f"only {len(pairs)} of {n} sources have a length in [{min_len}, {max_len}]")


def date_vocabs() -> tuple[Vocab, Vocab]:
    """The fixed source and target character vocabularies (every character any format can write)."""
    chars: set[str] = set()
    d = START
    for _ in range(400):  # every month, weekday and ordinal appears within 400 days
        for f in DATE_FORMATS:
            chars.update(format_date(d, f))
        d += _dt.timedelta(days=1)
    chars.update("0123456789")
    return Vocab(sorted(chars)), Vocab(list("0123456789-"))


def lengths_to_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """Boolean mask ``(B, T)``, True at real positions ``t < lengths[b]``.

    Raises:
        ShapeError: if ``lengths`` is not 1-D, has a length < 1, or one longer than ``max_len``.
    """
    lengths = torch.as_tensor(lengths)
    check = lengths.dim() == 1
    if not check:
        raise ShapeError(f"lengths must be 1-D (B,), got shape {tuple(lengths.shape)}")
    if lengths.numel() and int(lengths.min()) < 1:
        raise ShapeError(f"every sequence must have at least one token, got length {int(lengths.min())}")
    T = int(lengths.max()) if max_len is None else max_len
    if lengths.numel() and int(lengths.max()) > T:
        raise ShapeError(f"a length of {int(lengths.max())} is longer than the mask (T={T})")
    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]  # (B, T)


@dataclass
class Seq2SeqBatch:
    """A padded batch. ``src``: (B, S) ids, ``src_mask``: (B, S) bool (True = real token);
    ``tgt_in``: (B, T) = ``<bos> y_1 .. y_n`` (decoder input), ``tgt_out``: (B, T) = ``y_1 .. y_n <end>``
    (what the decoder must predict), padded with ``<pad>``; ``tgt_mask``: (B, T) bool."""

    src: torch.Tensor
    src_mask: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor
    tgt_mask: torch.Tensor

    def to(self, device: torch.device | str) -> Seq2SeqBatch:
        return Seq2SeqBatch(*(getattr(self, k).to(device) for k in ("src", "src_mask", "tgt_in", "tgt_out",
                                                                    "tgt_mask")))

    def __iter__(self):
        """``src, src_mask, tgt_in, tgt_out, tgt_mask = batch`` (and ``tuple(batch)`` for ``train.fit``)."""
        return iter((self.src, self.src_mask, self.tgt_in, self.tgt_out, self.tgt_mask))

    @property
    def src_lengths(self) -> torch.Tensor:
        return self.src_mask.sum(dim=1)  # (B,)


def _pad(seqs: list[list[int]], pad_id: int) -> torch.Tensor:
    T = max(len(s) for s in seqs)
    return torch.tensor([s + [pad_id] * (T - len(s)) for s in seqs], dtype=torch.long)  # (B, T)


def encode_pairs(pairs: Sequence[tuple[Sequence, Sequence]], src_vocab: Vocab, tgt_vocab: Vocab,
                 allow_unk: bool = True) -> Seq2SeqBatch:
    """Pad ``[(source, target), ...]`` into a :class:`Seq2SeqBatch` (sources are not reversed).

    Raises:
        ShapeError: for an empty list or an empty source.
    """
    if len(pairs) == 0:
        raise ShapeError("encode_pairs needs at least one (source, target) pair, got 0")
    srcs, tins, touts = [], [], []
    for i, (s, t) in enumerate(pairs):
        if len(s) == 0:
            raise ShapeError(f"source {i} is empty: a seq2seq encoder needs at least one token")
        srcs.append(src_vocab.encode(s, allow_unk=allow_unk))
        ids = tgt_vocab.encode(t, allow_unk=allow_unk)
        tins.append([tgt_vocab.bos_id, *ids])
        touts.append([*ids, tgt_vocab.end_id])
    src = _pad(srcs, src_vocab.pad_id)  # (B, S)
    tgt_in, tgt_out = _pad(tins, tgt_vocab.pad_id), _pad(touts, tgt_vocab.pad_id)  # (B, T)
    return Seq2SeqBatch(src, src != src_vocab.pad_id, tgt_in, tgt_out, tgt_out != tgt_vocab.pad_id)


@dataclass
class DateDataset:
    """Train/val/test lists of ``(source, target)`` pairs (disjoint dates) and the two vocabularies."""

    train: list[tuple[str, str]]
    val: list[tuple[str, str]]
    test: list[tuple[str, str]]
    src_vocab: Vocab
    tgt_vocab: Vocab
    seed: int = 0

    def split(self, name: str) -> list[tuple[str, str]]:
        if name not in ("train", "val", "test"):
            raise KeyError(f"split must be 'train', 'val' or 'test', got {name!r}")
        return getattr(self, name)

    def encode(self, pairs: Sequence[tuple[str, str]]) -> Seq2SeqBatch:
        return encode_pairs(pairs, self.src_vocab, self.tgt_vocab)

    def get_batch(self, split: str, batch_size: int = 64, generator: random.Random | None = None) -> Seq2SeqBatch:
        """A random batch of ``split`` (drawn with ``generator``, default a module-level seeded one)."""
        rng = generator or self._rng
        return self.encode(rng.choices(self.split(split), k=batch_size))

    def batches(self, split: str, batch_size: int = 256):
        """Iterate over ``split`` in order, in padded batches (for evaluation)."""
        data = self.split(split)
        for i in range(0, len(data), batch_size):
            yield self.encode(data[i:i + batch_size])

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed + 1)


def make_date_dataset(n: int = 10_000, seed: int = 0, val_frac: float = 0.1, test_frac: float = 0.1,
                      formats: Sequence[str] | None = None, min_len: int = 0,
                      max_len: int | None = None) -> DateDataset:
    """``n`` date pairs split into train/val/test (no date appears in two splits).

    Raises:
        ValueError: if the fractions leave no training data.
    """
    if not (0 <= val_frac and 0 <= test_frac and val_frac + test_frac < 1):
        raise ValueError(f"val_frac + test_frac must be in [0, 1), got {val_frac} + {test_frac}")
    pairs = make_date_pairs(n, seed, formats=formats, min_len=min_len, max_len=max_len)
    n_val, n_test = int(n * val_frac), int(n * test_frac)
    src_vocab, tgt_vocab = date_vocabs()
    return DateDataset(pairs[n_val + n_test:], pairs[:n_val], pairs[n_val:n_val + n_test], src_vocab, tgt_vocab,
                       seed=seed)
