"""Tiny runs of the chapter 5-6 experiments and their controls: they return what the chapters quote."""

from __future__ import annotations

import torch

from course_lib.data.dates import make_date_dataset
from course_lib.experiments.bottleneck import (
    BottleneckConfig,
    CopyErrorsConfig,
    LongerConfig,
    error_summary,
    run,
    run_copy_errors,
    run_longer,
)
from course_lib.experiments.seq2seq_dates import Seq2SeqDatesConfig, free_running_gap
from course_lib.experiments.seq2seq_dates import run as seq2seq_dates
from course_lib.seq2seq import Seq2SeqConfig, make_seq2seq

TINY = dict(min_len=3, max_len=6, eval_lengths=[3, 6], eval_per_length=6, steps=6, plain_hidden=8,
            attention_hidden=8, emb_size=4, batch_size=8)


def test_the_longer_control_continues_the_bottleneck_run_so_its_first_round_is_that_model():
    base = BottleneckConfig(**TINY)
    saved = run(BottleneckConfig(**TINY))
    longer = run_longer(LongerConfig(base=base, rounds=2, loss_every=3))
    assert [r["steps"] for r in longer["rounds"]] == [6, 12]
    assert longer["rounds"][0]["token_accuracy"] == saved["plain"]["token_accuracy"]
    assert len(longer["train_loss"]) == len(longer["loss_step"]) == 4
    assert longer["rounds"][1]["errors"][0]["failed"] <= 6


def test_error_summary_tells_a_skipped_character_from_substitutions():
    s = error_summary(["abdefghij", "abcdefghij", "xbcdefghij"], ["abcdefghij"] * 3)
    assert s["failed"] == 2
    assert s["deletions"] == 1 and s["substitutions"] == 1 and s["insertions"] == 0
    assert s["mean_position_errors"] == (8 + 1) / 2 and s["mean_edit_distance"] == 1
    assert s["share_one_edit"] == 1 and s["share_wrong_length"] == 0.5
    assert error_summary(["ab"], ["ab"])["mean_edit_distance"] is None


def test_copy_errors_reports_one_summary_per_length():
    r = run_copy_errors(CopyErrorsConfig(base=BottleneckConfig(**TINY)))
    assert r["lengths"] == [3, 6] and len(r["errors"]) == 2
    assert all(e["pred"] != e["ref"] for e in r["examples"])


def test_free_running_and_teacher_forcing_make_their_first_mistake_at_the_same_place():
    data = make_date_dataset(200, seed=0)
    torch.manual_seed(0)
    model = make_seq2seq(len(data.src_vocab), len(data.tgt_vocab), Seq2SeqConfig(8, 16))
    gap = free_running_gap(model, data.encode(data.test), data.tgt_vocab.bos_id)
    assert gap["share_rows_same_first_error"] == 1.0  # until its first error, free running reads the true inputs
    assert gap["tokens"] == int(data.encode(data.test).tgt_mask.sum())
    assert 0 <= gap["share_free_running_errors_after_an_earlier_error"] <= 1


def test_seq2seq_dates_reports_metrics_and_beam_search():
    r = seq2seq_dates(Seq2SeqDatesConfig(n=300, steps=3, beam_examples=5))
    assert r["test_size"] == 30 and 0 <= r["exact_match"] <= 1
    b = r["beam_search"]
    assert b["n"] == 5 and b["beam_size"] == 5 and b["greedy_wrong"] <= 5
