"""Encoder, decoders and the Seq2Seq interface: padding, consistency, loss masking, errors."""

import pytest
import torch

from course_lib.errors import DTypeError, ShapeError
from course_lib.seq2seq import (
    AttentionDecoder,
    Decoder,
    Encoder,
    Seq2Seq,
    Seq2SeqConfig,
    check_src,
    make_seq2seq,
    sequence_loss,
)

V_SRC, V_TGT = 13, 9


def _src():
    g = torch.Generator().manual_seed(0)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4], dtype=torch.bool)
    return torch.randint(4, V_SRC, (3, 6), generator=g).masked_fill(~mask, 0), mask


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_encoder_context_is_the_state_at_each_rows_own_length(cell):
    torch.manual_seed(0)
    enc = Encoder(V_SRC, 5, 8, cell=cell)
    src, mask = _src()
    mem = enc(src, mask)
    assert mem.outputs.shape == (3, 6, 8) and mem.context.shape == (3, 8)
    for b in range(3):
        L = int(mask[b].sum())
        alone = enc(src[b:b + 1, :L], mask[b:b + 1, :L])
        torch.testing.assert_close(mem.context[b], alone.context[0])
        torch.testing.assert_close(mem.outputs[b, :L], alone.outputs[0])
        assert (mem.outputs[b, L:] == 0).all()


@pytest.mark.parametrize("attention", [None, "dot", "general", "additive"])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_teacher_forced_forward_equals_the_decoder_run_step_by_step(cell, attention):
    torch.manual_seed(0)
    model = make_seq2seq(V_SRC, V_TGT, Seq2SeqConfig(emb_size=5, hidden_size=8, cell=cell, attention=attention)).eval()
    src, mask = _src()
    tgt_in = torch.randint(1, V_TGT, (3, 4))
    logits, alpha = model(src, mask, tgt_in, return_attention=True)
    memory = model.encode(src, mask)
    state = model.init_state(memory)
    steps = []
    for t in range(4):
        lt, state, a = model.step(tgt_in[:, t], state, memory)
        steps.append(lt)
        if attention is not None:
            torch.testing.assert_close(a, alpha[:, t])
            assert (a[~mask] == 0).all()
    torch.testing.assert_close(torch.stack(steps, 1), logits)


@pytest.mark.parametrize("condition", ["init", "input", "both"])
def test_plain_decoder_depends_on_the_context_however_it_is_conditioned(condition):
    torch.manual_seed(0)
    model = Seq2Seq(Encoder(V_SRC, 5, 8), Decoder(V_TGT, 5, 8, condition=condition))
    src, mask = _src()
    other = src.clone()
    other[:, 0] = (other[:, 0] % 5) + 4
    tgt_in = torch.ones(3, 3, dtype=torch.long)
    assert not torch.allclose(model(src, mask, tgt_in), model(other, mask, tgt_in))


def test_decoder_with_a_different_hidden_size_bridges_the_context():
    enc, dec = Encoder(V_SRC, 5, 8), AttentionDecoder(V_TGT, 5, 6, context_size=8)
    src, mask = _src()
    assert Seq2Seq(enc, dec)(src, mask, torch.ones(3, 2, dtype=torch.long)).shape == (3, 2, V_TGT)


def test_sequence_loss_ignores_padding_and_counts_end():
    logits = torch.randn(2, 3, 5)
    tgt = torch.tensor([[3, 4, 2], [3, 2, 0]])
    manual = -torch.stack([torch.log_softmax(logits[b, t], -1)[tgt[b, t]] for b, t in
                           [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]]).mean()
    torch.testing.assert_close(sequence_loss(logits, tgt, 0), manual)
    logits[1, 2] += 100.0
    torch.testing.assert_close(sequence_loss(logits, tgt, 0), manual)
    with pytest.raises(ShapeError, match="no real token"):
        sequence_loss(logits, torch.zeros_like(tgt), 0)


def test_free_running_reads_its_own_predictions():
    torch.manual_seed(0)
    model = make_seq2seq(V_SRC, V_TGT).eval()
    src, mask = _src()
    logits = model.free_running(src, mask, 4, bos_id=1)
    fed = torch.cat([torch.ones(3, 1, dtype=torch.long), logits.argmax(-1)[:, :3]], dim=1)
    torch.testing.assert_close(model(src, mask, fed), logits)


def test_bad_sources_raise_clear_typed_errors():
    src, mask = _src()
    with pytest.raises(ShapeError, match="src is empty"):
        check_src(torch.zeros(2, 0, dtype=torch.long), torch.zeros(2, 0, dtype=torch.bool))
    with pytest.raises(ShapeError, match="source 2 is empty"):
        check_src(src, mask & torch.tensor([True, True, False])[:, None])
    with pytest.raises(ShapeError, match=r"src_mask must have shape \(3, 6\), got \(2, 6\)"):
        check_src(src, mask[:2])  # mismatched batch sizes
    with pytest.raises(ShapeError, match=r"src_mask must have shape \(3, 6\), got \(3, 8\)"):
        check_src(src, torch.ones(3, 8, dtype=torch.bool))  # mask longer than the source
    with pytest.raises(ShapeError, match="prefix"):
        check_src(src, ~mask | torch.eye(3, 6, dtype=torch.bool))
    with pytest.raises(DTypeError):
        check_src(src.float(), mask)
    model = make_seq2seq(V_SRC, V_TGT)
    with pytest.raises(ShapeError, match="tgt_in must have shape"):
        model(src, mask, torch.ones(2, 3, dtype=torch.long))


def test_a_tiny_attention_model_learns_to_copy():
    from course_lib.data.seq_tasks import SeqTask

    torch.manual_seed(0)
    task = SeqTask("copy", alphabet="abcd")
    model = make_seq2seq(len(task.vocab), len(task.vocab), Seq2SeqConfig(16, 32, attention="dot"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(60):
        src, mask, tgt_in, tgt_out, _ = task.get_batch(32, 3, 5, generator=g)
        loss = sequence_loss(model(src, mask, tgt_in), tgt_out, task.vocab.pad_id)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.3 * sum(losses[:5]) / 5
