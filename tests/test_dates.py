"""The date translation data set and the copy/reverse tasks."""

import datetime as dt

import pytest
import torch

from course_lib.data.dates import (
    DATE_FORMATS,
    date_vocabs,
    encode_pairs,
    format_date,
    lengths_to_mask,
    make_date_dataset,
    make_date_pairs,
)
from course_lib.data.seq_tasks import SeqTask, make_pairs
from course_lib.errors import ShapeError

D = dt.date(2026, 11, 23)


def test_formats_write_the_examples_of_the_chapter():
    assert format_date(D, "d MMM yyyy") == "23 Nov 2026"
    assert format_date(D, "EEEE, MMMM d, yyyy") == "Monday, November 23, 2026"
    assert format_date(D, "MM/dd/yy") == "11/23/26"
    assert format_date(D, "korean") == "2026년 11월 23일"
    assert format_date(dt.date(2026, 11, 1), "the dth of MMMM yyyy") == "the 1st of November 2026"
    assert format_date(dt.date(2026, 11, 12), "MMM dth, yyyy") == "Nov 12th, 2026"


def test_every_target_is_the_iso_date_of_its_source():
    for src, tgt in make_date_pairs(300, seed=1):
        y, m, d = map(int, tgt.split("-"))
        date = dt.date(y, m, d)
        assert src in {format_date(date, f) for f in DATE_FORMATS}


def test_pairs_are_reproducible_from_the_seed_and_differ_between_seeds():
    assert make_date_pairs(50, seed=3) == make_date_pairs(50, seed=3)
    assert make_date_pairs(50, seed=3) != make_date_pairs(50, seed=4)


def test_splits_are_disjoint_in_dates_and_have_the_requested_sizes():
    data = make_date_dataset(1000, seed=0, val_frac=0.1, test_frac=0.2)
    assert (len(data.train), len(data.val), len(data.test)) == (700, 100, 200)
    dates = [{t for _, t in split} for split in (data.train, data.val, data.test)]
    assert not (dates[0] & dates[1]) and not (dates[0] & dates[2]) and not (dates[1] & dates[2])


def test_length_control_keeps_sources_within_bounds():
    pairs = make_date_pairs(200, seed=0, min_len=20, max_len=25)
    assert all(20 <= len(s) <= 25 for s, _ in pairs)
    with pytest.raises(ValueError, match="have a length"):
        make_date_pairs(10, seed=0, max_len=3)


def test_vocabularies_cover_every_character_and_put_specials_first():
    src_vocab, tgt_vocab = date_vocabs()
    assert src_vocab.itos[:4] == ["<pad>", "<bos>", "<end>", "<unk>"]
    for s, _ in make_date_pairs(500, seed=2):
        assert src_vocab.unk_id not in src_vocab.encode(s, allow_unk=True)
    assert tgt_vocab.itos[4:] == list("0123456789-")


def test_encode_pairs_puts_bos_before_and_end_after_the_target_with_masks():
    src_vocab, tgt_vocab = date_vocabs()
    b = encode_pairs([("23 Nov 2026", "2026-11-23"), ("1/2/2003", "2003-01-02")], src_vocab, tgt_vocab)
    assert b.src.shape == (2, 11) and b.src_mask.sum(1).tolist() == [11, 8]
    assert b.tgt_in[:, 0].tolist() == [tgt_vocab.bos_id] * 2
    assert b.tgt_out[:, -1].tolist() == [tgt_vocab.end_id] * 2
    assert torch.equal(b.tgt_in[:, 1:], b.tgt_out[:, :-1])
    assert src_vocab.decode(b.src[1]) == "1/2/2003" and not b.src_mask[1, 8:].any()


def test_empty_source_or_empty_batch_raises_a_shape_error():
    src_vocab, tgt_vocab = date_vocabs()
    with pytest.raises(ShapeError, match="source 1 is empty"):
        encode_pairs([("1/2/2003", "2003-01-02"), ("", "2003-01-02")], src_vocab, tgt_vocab)
    with pytest.raises(ShapeError, match="at least one"):
        encode_pairs([], src_vocab, tgt_vocab)


def test_lengths_to_mask_refuses_lengths_longer_than_the_mask():
    assert lengths_to_mask(torch.tensor([2, 3]), 4).tolist() == [[True, True, False, False], [True] * 3 + [False]]
    with pytest.raises(ShapeError, match="longer than the mask"):
        lengths_to_mask(torch.tensor([2, 5]), 4)
    with pytest.raises(ShapeError, match="at least one token"):
        lengths_to_mask(torch.tensor([0, 2]))


def test_get_batch_and_batches_cover_the_split():
    data = make_date_dataset(300, seed=0)
    assert data.get_batch("train", 8).src.shape[0] == 8
    assert sum(b.src.shape[0] for b in data.batches("test", 7)) == len(data.test)
    with pytest.raises(KeyError):
        data.split("dev")


def test_copy_and_reverse_tasks_have_controlled_lengths():
    g = torch.Generator().manual_seed(0)
    for s, t in make_pairs("reverse", 50, 3, 6, generator=g):
        assert 3 <= len(s) <= 6 and t == s[::-1]
    batch = SeqTask("copy").get_batch(16, 5, 5, generator=g)
    assert batch.src.shape == (16, 5) and torch.equal(batch.tgt_out[:, :5], batch.src)
    with pytest.raises(ValueError):
        make_pairs("sort", 1, 1, 2)
