"""Checks for lab 05 (seq2seq on dates): masked loss, encoder, decoder, greedy decoding, accuracy."""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.checks.core import check_array, fail, passed
from course_lib.data.dates import DateDataset
from course_lib.decoding import greedy_decode as ref_greedy_decode
from course_lib.decoding import translate
from course_lib.metrics import exact_match, token_accuracy
from course_lib.seq2seq import Memory, Seq2Seq, make_seq2seq
from course_lib.seq2seq import sequence_loss as ref_sequence_loss

__all__ = ["check_date_accuracy", "check_decoder", "check_encoder", "check_greedy_decode", "check_sequence_loss"]


def _padded_batch(seed: int, B: int = 3, S: int = 7, V: int = 11) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([S] + torch.randint(2, S, (B - 1,), generator=g).tolist())
    mask = torch.arange(S)[None, :] < lengths[:, None]  # (B, S)
    src = torch.randint(4, V, (B, S), generator=g).masked_fill(~mask, 0)  # (B, S)
    return src, mask


def check_shape_of(name: str, what: str, got, want: tuple, hint: str) -> None:
    """Fail with "expected vs got" when ``got`` (a tensor) does not have shape ``want``."""
    shape = tuple(getattr(got, "shape", ()))
    if shape != tuple(want):
        fail(name, f"{what} has shape {shape}, expected {tuple(want)}", hint)


def check_sequence_loss(sequence_loss: Callable, seed: int = 0, B: int = 4, T: int = 6, V: int = 9) -> None:
    """Values against the reference, and that logits at ``<pad>`` positions do not change the loss."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, V, generator=g, dtype=torch.float64)
    tgt = torch.randint(1, V, (B, T), generator=g)
    tgt[1:, T - 2:] = 0  # padding at the end of rows 1..B-1
    got = sequence_loss(logits, tgt, 0)
    want = ref_sequence_loss(logits, tgt, 0)
    if not isinstance(got, torch.Tensor) or got.dim() != 0:
        fail("sequence_loss", f"must return a scalar tensor, got {type(got).__name__} "
             f"{tuple(getattr(got, 'shape', ()))}", "average the masked token losses into one number.")
    unmasked = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tgt)
    hint = ("you averaged over <pad> positions too: multiply by the mask and divide by the number of real tokens."
            if abs(float(got) - float(unmasked)) < 1e-9 else
            "the mean negative log-probability of the correct token, over positions where tgt_out != pad_id.")
    check_array("sequence_loss", "the loss", got, want, tol=1e-6, hint=hint)
    noisy = logits.clone()
    noisy[tgt == 0] += 100 * torch.randn_like(noisy[tgt == 0])
    check_array("sequence_loss", "the loss after changing logits at <pad> positions", sequence_loss(noisy, tgt, 0),
                want, tol=1e-6, hint="padding must not contribute: mask it out (tgt_out != pad_id).")
    passed("sequence_loss", "matches the reference and ignores <pad> positions")


def check_encoder(Encoder: type, seed: int = 0, V: int = 11, E: int = 5, H: int = 8) -> None:
    """Shapes of the memory, and that each row's final state is taken at its own length."""
    torch.manual_seed(seed)
    enc = Encoder(V, E, H)
    src, mask = _padded_batch(seed, V=V)
    B, S = src.shape
    mem = enc(src, mask)
    if not isinstance(mem, tuple) or len(mem) != 3:
        fail("Encoder", f"forward must return Memory(outputs, state, mask), got {type(mem).__name__}")
    outputs, state, _ = mem
    check_shape_of("Encoder", "outputs", outputs, (B, S, H),
                hint="batch_first=True gives outputs of shape (B, S, H).")
    check_shape_of("Encoder", "state", state, (1, B, H),
                hint="nn.GRU returns its last state as (num_layers=1, B, H).")
    with torch.no_grad():
        for b in range(B):
            L = int(mask[b].sum())
            alone = enc(src[b:b + 1, :L], mask[b:b + 1, :L]).state[:, 0]
            check_array("Encoder", f"final state of row {b} (length {L} of {S})", state[:, b].detach(), alone,
                        tol=1e-5, hint="the state after the <pad> tokens is not the context: use "
                        "pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False).")
    passed("Encoder", f"memory of shapes (B, S, H)={tuple(outputs.shape)}, state taken at each row's length")


def check_decoder(Decoder: type, seed: int = 0, V: int = 11, E: int = 5, H: int = 8) -> None:
    """Shapes, teacher-forced forward == step-by-step, causality, and use of the context."""
    torch.manual_seed(seed)
    dec = Decoder(V, E, H)
    g = torch.Generator().manual_seed(seed)
    B, S, T = 3, 5, 6
    mem = Memory(torch.randn(B, S, H, generator=g), torch.randn(1, B, H, generator=g),
                 torch.ones(B, S, dtype=torch.bool))
    tgt_in = torch.randint(1, V, (B, T), generator=g)
    with torch.no_grad():
        logits, _ = dec(tgt_in, mem)
        check_shape_of("Decoder", "logits", logits, (B, T, V),
                    hint="one distribution over the V target tokens per position: (B, T, V).")
        state = dec.init_state(mem)
        steps = []
        for t in range(T):
            lt, state, _ = dec.step(tgt_in[:, t], state, mem)
            steps.append(lt)
        check_array("Decoder", "logits of step() run T times vs forward()", torch.stack(steps, 1), logits, tol=1e-4,
                    hint="step and forward must compute the same thing: same inputs, same initial state.")
        changed = tgt_in.clone()
        changed[:, 3:] = (changed[:, 3:] % (V - 1)) + 1
        check_array("Decoder", "logits before t=3 after changing tgt_in[:, 3:]", dec(changed, mem)[0][:, :3],
                    logits[:, :3], tol=1e-6, hint="the decoder must not see future target tokens.")
        other = Memory(mem.outputs, torch.randn(1, B, H, generator=g), mem.mask)
        if torch.allclose(dec(tgt_in, other)[0], logits):
            fail("Decoder", "the logits do not change when the context vector (memory.state) changes",
                 "condition the decoder on the context: its initial state and/or its input at every step.")
    passed("Decoder", "shapes, forward == step by step, causal, conditioned on the context")


def _greedy_case(seed: int, end_bias: float | None):
    torch.manual_seed(seed)
    model = make_seq2seq(11, 9).eval()
    with torch.no_grad():  # sharper distributions, so that feeding back the wrong token shows
        model.decoder.W_hy.weight *= 4
        if end_bias is not None:
            model.decoder.W_hy.bias[2] += end_bias
    return model, *_padded_batch(seed)


def check_greedy_decode(greedy_decode: Callable, seed: int = 0) -> None:
    """Ids against the reference greedy search on random models (compared up to each row's <end>):
    one where rows end at different steps, one where they run to ``max_len``."""
    end_id, max_len = 2, 8

    def upto_end(row: list[int]) -> list[int]:
        return row[:row.index(end_id) + 1] if end_id in row else row

    for model_seed, bias in ((4, 0.3), (seed, None)):
        model, src, mask = _greedy_case(model_seed, bias)
        got = greedy_decode(model, src, mask, 1, end_id, max_len)
        want, _ = ref_greedy_decode(model, src, mask, 1, end_id, max_len)
        if not isinstance(got, torch.Tensor) or got.dim() != 2 or got.shape[0] != src.shape[0]:
            fail("greedy_decode", f"must return ids of shape (B={src.shape[0]}, L), got {getattr(got, 'shape', got)}")
        if got.shape[1] > max_len:
            fail("greedy_decode", f"returned {got.shape[1]} steps, more than max_len={max_len}")
        for b in range(src.shape[0]):
            g_row, w_row = upto_end(got[b].tolist()), upto_end(want[b].tolist())
            if g_row != w_row:
                fail("greedy_decode", f"row {b}: got {g_row}, expected {w_row}",
                     "start from <bos> and the decoder's init_state, feed back the argmax each step, stop at <end>.")
    passed("greedy_decode", "matches the reference on rows that end at different steps and rows that run to max_len")


def check_date_accuracy(model: Seq2Seq, data: DateDataset, bar: float = 0.3, n: int = 500) -> float:
    """Exact match of greedy decoding on the first ``n`` test dates must be at least ``bar``."""
    pairs = data.test[:n]
    preds = translate(model, [s for s, _ in pairs], data.src_vocab, data.tgt_vocab, max_len=12)
    refs = [t for _, t in pairs]
    em, acc = exact_match(preds, refs), token_accuracy(preds, refs)
    if em < bar:
        fail("date accuracy", f"exact match {em:.1%} (token accuracy {acc:.1%}) on {len(pairs)} test dates, "
             f"want >= {bar:.0%}", "train longer, or check the loss masking and the decoder's conditioning.")
    passed("date accuracy", f"exact match {em:.1%}, token accuracy {acc:.1%} on {len(pairs)} test dates")
    return em
