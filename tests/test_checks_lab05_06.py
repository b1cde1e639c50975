"""The lab 05/06 checks pass right answers and explain wrong ones."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_lib.attention import additive_score, attend, masked_softmax
from course_lib.checks import (
    CheckFailed,
    check_additive_attention,
    check_attentional_output,
    check_date_accuracy,
    check_decoder,
    check_encoder,
    check_greedy_decode,
    check_masked_softmax,
    check_sequence_loss,
)
from course_lib.data.dates import make_date_dataset
from course_lib.decoding import greedy_decode
from course_lib.seq2seq import Decoder, Encoder, Memory, make_seq2seq, sequence_loss


def _additive(q, keys, mask, W_q, W_k, v_a):
    c, a = attend(additive_score(q[:, None], keys, W_q, W_k, v_a), keys, mask)
    return c[:, 0], a[:, 0]


def test_checks_pass_the_library_implementations(capsys):
    check_sequence_loss(sequence_loss)
    check_encoder(Encoder)
    check_decoder(Decoder)
    check_greedy_decode(lambda *a: greedy_decode(*a)[0])
    check_masked_softmax(masked_softmax)
    check_additive_attention(_additive)
    check_attentional_output(lambda h, c, W: torch.tanh(torch.cat([c, h], -1) @ W))
    assert capsys.readouterr().out.count("✓") == 7


def test_loss_averaged_over_padding_is_told_so():
    def unmasked(logits, tgt, pad_id):
        return F.cross_entropy(logits.transpose(1, 2), tgt)

    with pytest.raises(CheckFailed, match="averaged over <pad>"):
        check_sequence_loss(unmasked)


class UnpackedEncoder(nn.Module):
    """Runs the GRU over the padding: the last state is wrong for short rows."""

    def __init__(self, V, E, H):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(V, E), nn.GRU(E, H, batch_first=True)

    def forward(self, src, src_mask):
        out, h = self.rnn(self.embed(src))
        return Memory(out, h, src_mask)


def test_encoder_that_reads_the_padding_fails_with_a_packing_hint():
    with pytest.raises(CheckFailed, match="pack_padded_sequence"):
        check_encoder(UnpackedEncoder)


class DeafDecoder(Decoder):
    """Ignores the context: zero initial state, no context in the input."""

    def __init__(self, V, E, H):
        super().__init__(V, E, H, condition="input")

    def _inputs(self, y, memory):
        x = self.embed(y)
        return torch.cat([x, torch.zeros(*x.shape[:2], self.context_size)], -1)


def test_decoder_that_ignores_the_context_fails():
    with pytest.raises(CheckFailed, match="ignores the context"):
        check_decoder(DeafDecoder)


class ZeroInitDecoder(Decoder):
    """Reads c at every input but starts from a zero state (issue 14: init_state returning zeros)."""

    def init_state(self, memory):
        return torch.zeros_like(memory.state[-1:])


class InitOnlyDecoder(nn.Module):
    """h0 = c but plain E y inputs: conditioned once, not twice."""

    def __init__(self, V, E, H):
        super().__init__()
        self.embed, self.rnn, self.W_hy = nn.Embedding(V, E), nn.GRU(E, H, batch_first=True), nn.Linear(H, V)

    def init_state(self, memory):
        return memory.state[-1:]

    def forward(self, tgt_in, memory):
        h, _ = self.rnn(self.embed(tgt_in), self.init_state(memory))
        return self.W_hy(h), None

    def step(self, y_prev, state, memory):
        h, state = self.rnn(self.embed(y_prev[:, None]), state)
        return self.W_hy(h[:, 0]), state, None


def test_decoder_with_a_zero_initial_state_or_no_context_input_fails_with_condition_twice():
    with pytest.raises(CheckFailed, match="(?s)all zeros.*condition it twice"):
        check_decoder(ZeroInitDecoder)
    with pytest.raises(CheckFailed, match="(?s)context changes.*\\[E y_\\{t-1\\}; c\\]"):
        check_decoder(InitOnlyDecoder, seed=3, B=2, T=4)


def test_decoder_with_wrong_logit_shape_fails_with_expected_vs_got():
    class Transposed(Decoder):
        def forward(self, tgt_in, memory):
            logits, _ = super().forward(tgt_in, memory)
            return logits.transpose(1, 2), None

    with pytest.raises(CheckFailed, match=r"logits has shape \(3, 11, 6\), expected \(3, 6, 11\)"):
        check_decoder(Transposed)


def test_greedy_decode_that_never_feeds_back_its_prediction_fails():
    @torch.no_grad()
    def always_bos(model, src, src_mask, bos_id, end_id, max_len):
        memory = model.encode(src, src_mask)
        state = model.init_state(memory)
        y0 = torch.full((src.shape[0],), bos_id)
        out = []
        for _ in range(max_len):
            logits, state, _ = model.step(y0, state, memory)
            out.append(logits.argmax(-1))
        return torch.stack(out, 1)

    with pytest.raises(CheckFailed, match="row"):
        check_greedy_decode(always_bos)


def test_masked_softmax_with_minus_infinity_fails_on_the_fully_masked_row():
    def naive(scores, mask):
        return torch.softmax(scores.masked_fill(~mask, float("-inf")), -1)

    with pytest.raises(CheckFailed, match="NaN"):
        check_masked_softmax(naive)


def test_softmax_that_ignores_the_mask_fails():
    with pytest.raises(CheckFailed, match="alpha"):
        check_masked_softmax(lambda s, m: torch.softmax(s, -1))


def test_additive_attention_without_the_mask_fails():
    def unmasked(q, keys, mask, W_q, W_k, v_a):
        return _additive(q, keys, torch.ones_like(mask), W_q, W_k, v_a)

    with pytest.raises(CheckFailed, match="alpha differs"):
        check_additive_attention(unmasked)


def test_attentional_output_with_swapped_concatenation_is_told_the_order():
    with pytest.raises(CheckFailed, match="context first"):
        check_attentional_output(lambda h, c, W: torch.tanh(torch.cat([h, c], -1) @ W[: h.shape[1] + c.shape[1]]))


def test_untrained_model_fails_the_accuracy_bar():
    data = make_date_dataset(300, seed=0)
    model = make_seq2seq(len(data.src_vocab), len(data.tgt_vocab))
    with pytest.raises(CheckFailed, match="exact match"):
        check_date_accuracy(model, data, bar=0.3, n=30)


def test_date_accuracy_returns_nothing_so_the_graded_cell_has_no_value(capsys):
    data = make_date_dataset(300, seed=0)
    model = make_seq2seq(len(data.src_vocab), len(data.tgt_vocab))
    assert check_date_accuracy(model, data, bar=0.0, n=20, seed=7) is None
    assert "✓ date_accuracy" in capsys.readouterr().out
