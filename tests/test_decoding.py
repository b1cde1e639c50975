"""Greedy and beam search, on a hand-made model whose best sequence greedy search misses."""

import math

import pytest
import torch

from course_lib.decoding import beam_search, greedy_decode, translate
from course_lib.errors import ShapeError
from course_lib.seq2seq import Memory, Seq2SeqConfig, make_seq2seq

PAD, BOS, END, A, B_ = 0, 1, 2, 3, 4
# next-token probabilities given the previous token (rows: previous token)
P = torch.full((5, 5), 1e-9)
P[BOS, A], P[BOS, B_] = 0.6, 0.4
P[A, A], P[A, B_], P[A, END] = 0.34, 0.33, 0.33
P[B_, END], P[B_, A] = 0.99, 0.01


class TableModel:
    """A 'model' whose state is the previous token: greedy says a..., the best sequence is b <end>."""

    def encode(self, src, src_mask):
        return Memory(torch.zeros(src.shape[0], src.shape[1], 1), torch.zeros(1, src.shape[0], 1), src_mask)

    def init_state(self, memory):
        return torch.full((1, memory.outputs.shape[0], 1), float(BOS))

    def step(self, y_prev, state, memory):
        return torch.log(P[y_prev]), y_prev[None, :, None].float(), None


SRC, MASK = torch.tensor([[5]]), torch.tensor([[True]])


def test_beam_search_finds_the_sequence_that_greedy_search_misses():
    greedy, _ = greedy_decode(TableModel(), SRC, MASK, BOS, END, max_len=6)
    assert greedy[0, 0].item() == A
    best = beam_search(TableModel(), SRC, MASK, BOS, END, max_len=6, beam_size=3, lam=0.0)[0]
    assert best.ids == [B_, END]
    assert best.log_prob == pytest.approx(math.log(0.4 * 0.99), rel=1e-5)


def test_beam_trace_records_every_extension_and_which_were_kept():
    trace = []
    beam_search(TableModel(), SRC, MASK, BOS, END, max_len=6, beam_size=2, lam=0.0, trace=trace)
    first = {(tuple(c["prefix"]), c["token"]): c for c in trace[0]}
    assert len(trace[0]) == 5  # one beam, five tokens
    assert first[((), A)]["status"] == first[((), B_)]["status"] == "kept"
    assert first[((), END)]["status"] == "pruned"
    second = {(tuple(c["prefix"]), c["token"]): c for c in trace[1]}
    assert len(trace[1]) == 2 * 5
    assert second[((B_,), END)]["status"] == "finished"
    assert second[((B_,), END)]["log_prob"] == pytest.approx(math.log(0.4 * 0.99), rel=1e-5)


def test_scores_are_length_normalised():
    hyps = beam_search(TableModel(), SRC, MASK, BOS, END, max_len=6, beam_size=3, lam=0.7)
    for h in hyps:
        assert h.score == pytest.approx(h.log_prob / len(h.ids) ** 0.7)
    assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)


def test_beam_of_size_one_is_greedy_search_on_a_trained_shape_model():
    torch.manual_seed(0)
    model = make_seq2seq(11, 9, Seq2SeqConfig(8, 16, attention="general")).eval()
    with torch.no_grad():
        model.decoder.W_s.bias[END] += 1.5
    src, mask = torch.randint(4, 11, (1, 7)), torch.ones(1, 7, dtype=torch.bool)
    greedy, attn = greedy_decode(model, src, mask, BOS, END, max_len=10)
    beam = beam_search(model, src, mask, BOS, END, max_len=10, beam_size=1)[0]
    row = greedy[0].tolist()
    assert beam.ids == row[:row.index(END) + 1] if END in row else row
    torch.testing.assert_close(attn.sum(-1), torch.ones(1, greedy.shape[1]))
    torch.testing.assert_close(beam.attention, attn[0, :len(beam.ids)])


def test_greedy_rows_are_padded_after_their_end():
    greedy, _ = greedy_decode(TableModel(), torch.tensor([[5], [6]]), torch.ones(2, 1, dtype=torch.bool), BOS, END, 8)
    for row in greedy.tolist():
        if END in row:
            assert all(t == PAD for t in row[row.index(END) + 1:])


def test_decoding_refuses_bad_input():
    with pytest.raises(ShapeError, match="B=1"):
        beam_search(TableModel(), torch.ones(2, 1, dtype=torch.long), torch.ones(2, 1, dtype=torch.bool), BOS, END, 3)
    with pytest.raises(ShapeError, match="max_len"):
        greedy_decode(TableModel(), SRC, MASK, BOS, END, max_len=0)
    with pytest.raises(ShapeError, match="src is empty"):
        greedy_decode(TableModel(), torch.zeros(1, 0, dtype=torch.long), torch.zeros(1, 0, dtype=torch.bool),
                      BOS, END, 3)


def test_translate_returns_one_string_per_source():
    from course_lib.data.dates import date_vocabs

    src_vocab, tgt_vocab = date_vocabs()
    model = make_seq2seq(len(src_vocab), len(tgt_vocab), Seq2SeqConfig(8, 16))
    out = translate(model, ["23 Nov 2026", "1/2/03"], src_vocab, tgt_vocab, max_len=5)
    assert len(out) == 2 and all(isinstance(s, str) for s in out)
    with pytest.raises(ShapeError):
        translate(model, [], src_vocab, tgt_vocab, max_len=5)
