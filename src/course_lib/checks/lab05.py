"""Checks for lab 05 (seq2seq on dates): masked loss, encoder, decoder, greedy decoding, accuracy.

Each check is a *measure* (runs the student's code, returns what came out) and a *judge* (rebuilds
the inputs from the case, computes the reference, compares): see :mod:`course_lib.checks.protocol`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from course_lib.checks.core import check_array, check_close, fail, seeded
from course_lib.checks.protocol import register
from course_lib.data.dates import DateDataset, make_date_pairs
from course_lib.decoding import greedy_decode as ref_greedy_decode
from course_lib.decoding import translate
from course_lib.metrics import exact_match, token_accuracy
from course_lib.seq2seq import Memory, Seq2Seq, make_seq2seq
from course_lib.seq2seq import sequence_loss as ref_sequence_loss

__all__ = ["check_date_accuracy", "check_decoder", "check_encoder", "check_greedy_decode", "check_sequence_loss",
           "check_shape_of", "predict_dates"]


def _padded_batch(seed: int, B: int = 3, S: int = 7, V: int = 11) -> tuple[torch.Tensor, torch.Tensor]:
    """src (B, S) ids in [4, V) with row 0 full and the other rows padded (id 0) at random lengths."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([S] + torch.randint(2, S, (B - 1,), generator=g).tolist())
    mask = torch.arange(S)[None, :] < lengths[:, None]  # (B, S)
    src = torch.randint(4, V, (B, S), generator=g).masked_fill(~mask, 0)  # (B, S)
    return src, mask


def check_shape_of(name: str, what: str, got, want: tuple, hint: str) -> None:
    """Fail with "expected vs got" when ``got`` (a tensor or array) does not have shape ``want``."""
    shape = tuple(getattr(got, "shape", ()))
    if not hasattr(got, "shape") or shape != tuple(want):
        fail(name, f"{what} has shape {shape if hasattr(got, 'shape') else type(got).__name__}, "
                   f"expected {tuple(want)}", hint)


# --- the masked loss --------------------------------------------------------------------------------

def _loss_inputs(seed: int, B: int, T: int, V: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """logits (B, T, V), targets (B, T) padded (id 0) at random lengths (row 0 full), and noisy logits."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, V, generator=g, dtype=torch.float64)
    tgt = torch.randint(1, V, (B, T), generator=g)
    lengths = torch.tensor([T] + torch.randint(1, T, (B - 1,), generator=g).tolist())  # (B,)
    tgt = tgt.masked_fill(torch.arange(T)[None, :] >= lengths[:, None], 0)
    noisy = logits.clone()
    noisy[tgt == 0] += 100 * torch.randn(noisy[tgt == 0].shape, generator=g, dtype=torch.float64)
    return logits, tgt, noisy


def _measure_sequence_loss(sequence_loss: Callable, *, seed: int, B: int, T: int, V: int) -> dict:
    logits, tgt, noisy = _loss_inputs(seed, B, T, V)
    x = logits.clone().requires_grad_(True)
    got = sequence_loss(x, tgt, 0)
    is_scalar = isinstance(got, torch.Tensor) and got.dim() == 0
    return {"loss": got, "kind": type(got).__name__, "scalar_tensor": is_scalar,
            "differentiable": bool(is_scalar and got.requires_grad), "noisy": sequence_loss(noisy, tgt, 0)}


def _judge_sequence_loss(m: dict, *, seed: int, B: int, T: int, V: int) -> str:
    """Values against the reference, and that logits at ``<pad>`` positions do not change the loss."""
    logits, tgt, _ = _loss_inputs(seed, B, T, V)
    want = ref_sequence_loss(logits, tgt, 0)
    if not m["scalar_tensor"]:
        shape = tuple(getattr(m["loss"], "shape", ()))
        fail("sequence_loss", f"must return a scalar tensor, got {m['kind']} {shape}",
             "average the masked token losses into one number (a 0-d tensor; no .item()).")
    if not m["differentiable"]:
        fail("sequence_loss", "the loss does not require grad, so training cannot backpropagate through it",
             "compute it with torch operations on logits (no .detach(), .item() or NumPy).")
    unmasked = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tgt)
    got = float(np.asarray(m["loss"]))
    nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tgt, reduction="none")  # (B, T)
    mask = (tgt != 0).double()
    per_row = float(((nll * mask).sum(1) / mask.sum(1)).mean())
    if abs(got - float(unmasked)) < 1e-9:
        hint = "you averaged over <pad> positions too: multiply by the mask and divide by the number of real tokens."
    elif abs(got - float((nll * mask).sum() / nll.numel())) < 1e-9:
        hint = "you masked the sum but divided by every position: divide by the number of real tokens, mask.sum()."
    elif abs(got - per_row) < 1e-9:
        hint = ("you averaged each row, then the rows: rows of different lengths must weigh by their tokens; "
                "divide the masked sum by mask.sum() over the whole batch.")
    else:
        hint = "the mean negative log-probability of the correct token, over positions where tgt_out != pad_id."
    check_array("sequence_loss", "the loss", m["loss"], want, tol=1e-6, hint=hint)
    check_array("sequence_loss", "the loss after changing logits at <pad> positions", m["noisy"], want, tol=1e-6,
                hint="padding must not contribute: mask it out (tgt_out != pad_id).")
    return "matches the reference and ignores <pad> positions"


check_sequence_loss = register("sequence_loss", _measure_sequence_loss, _judge_sequence_loss,
                               seed=0, B=4, T=6, V=9)


# --- the encoder ------------------------------------------------------------------------------------

def _measure_encoder(Encoder: type, *, seed: int, V: int, E: int, H: int) -> dict:
    with seeded(seed):
        enc = Encoder(V, E, H)
    src, mask = _padded_batch(seed, V=V)
    with torch.no_grad():
        mem = enc(src, mask)
        if not isinstance(mem, tuple) or len(mem) != 3:
            return {"kind": type(mem).__name__}
        outputs, state = mem[0], mem[1]
        alone = []
        for b in range(src.shape[0]):
            L = int(mask[b].sum())
            one = enc(src[b:b + 1, :L], mask[b:b + 1, :L])
            alone.append({"state": one[1], "outputs": one[0]})
    return {"kind": "Memory", "outputs": outputs, "state": state, "alone": alone}


def _judge_encoder(m: dict, *, seed: int, V: int, E: int, H: int) -> str:
    """Shapes of the memory, and that each row's final state (and outputs) are those of the row alone."""
    if m["kind"] != "Memory":
        fail("Encoder", f"forward must return Memory(outputs, state, mask), got {m['kind']}")
    src, mask = _padded_batch(seed, V=V)
    B, S = src.shape
    outputs, state = m["outputs"], m["state"]
    check_shape_of("Encoder", "outputs", outputs, (B, S, H), hint="batch_first=True gives outputs of shape (B, S, H).")
    check_shape_of("Encoder", "state", state, (1, B, H), hint="nn.GRU returns its last state as (num_layers=1, B, H).")
    for b in range(B):
        L = int(mask[b].sum())
        alone = m["alone"][b]
        check_shape_of("Encoder", f"the state of row {b} encoded alone", alone["state"], (1, 1, H),
                       hint="nn.GRU returns its last state as (num_layers=1, B, H).")
        check_close("Encoder", f"final state of row {b} (length {L} of {S})", state[:, b], alone["state"][:, 0],
                    tol=1e-5, hint="the state after the <pad> tokens is not the context: use "
                    "pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False).")
        check_close("Encoder", f"outputs of row {b} at its {L} real positions", outputs[b, :L],
                    np.asarray(alone["outputs"])[0, :L], tol=1e-5,
                    hint="undo the packing with pad_packed_sequence(out, batch_first=True, total_length=S).")
    return f"memory of shapes (B, S, H)={tuple(outputs.shape)}, state taken at each row's length"


check_encoder = register("encoder", _measure_encoder, _judge_encoder, seed=0, V=11, E=5, H=8)


# --- the decoder ------------------------------------------------------------------------------------

def _decoder_inputs(seed: int, V: int, H: int, B: int, T: int):
    g = torch.Generator().manual_seed(seed + 1)
    S = 5
    mem = Memory(torch.randn(B, S, H, generator=g), torch.randn(1, B, H, generator=g),
                 torch.ones(B, S, dtype=torch.bool))
    other = Memory(mem.outputs, torch.randn(1, B, H, generator=g), mem.mask)  # only the context changes
    tgt_in = torch.randint(1, V, (B, T), generator=g)
    changed = tgt_in.clone()
    changed[:, T // 2:] = (changed[:, T // 2:] % (V - 1)) + 1
    return mem, other, tgt_in, changed


def _measure_decoder(Decoder: type, *, seed: int, V: int, E: int, H: int, B: int, T: int) -> dict:
    with seeded(seed):
        dec = Decoder(V, E, H)
    mem, other, tgt_in, changed = _decoder_inputs(seed, V, H, B, T)
    with torch.no_grad():
        logits = dec(tgt_in, mem)[0]
        h0, h0_other = dec.init_state(mem), dec.init_state(other)
        state, steps, states, inputs_react = h0, [], [], []
        for t in range(T):
            lt, new_state, _ = dec.step(tgt_in[:, t], state, mem)
            # the same step from the same state with another context: only the input [E y; c] can react
            lt_other, _, _ = dec.step(tgt_in[:, t], state, other)
            steps.append(lt)
            inputs_react.append(lt_other)
            states.append(new_state if isinstance(new_state, torch.Tensor) else None)
            state = new_state
        return {"logits": logits, "h0": h0, "h0_other": h0_other, "steps": steps, "steps_other_context": inputs_react,
                "logits_changed_future": dec(changed, mem)[0], "logits_other_context": dec(tgt_in, other)[0]}


def _judge_decoder(m: dict, *, seed: int, V: int, E: int, H: int, B: int, T: int) -> str:
    """Shapes; ``init_state(memory)`` is the context; every step's input reacts to the context (same state,
    another context); teacher-forced ``forward`` == ``step`` run T times; no peeking at future tokens."""
    mem, other, _, _ = _decoder_inputs(seed, V, H, B, T)
    name = "Decoder"
    check_shape_of(name, "logits", m["logits"], (B, T, V),
                   hint="one distribution over the V target tokens per position: (B, T, V).")
    check_shape_of(name, "init_state(memory)", m["h0"], (1, B, H),
                   hint="h_0 = c has shape (1, B, H): memory.state[-1:].")
    if np.allclose(m["h0"], 0):
        fail(name, "init_state(memory) is all zeros: the initial state ignores the context",
             "condition it twice: init_state returns h_0 = c = memory.state[-1:], and every input is [E y; c].")
    check_array(name, "init_state(memory) (h_0 = c)", m["h0"], mem.state[-1:], tol=1e-6,
                hint="h_0 is the context itself: return memory.state[-1:] (shape (1, B, H)).")
    check_array(name, "init_state for another context", m["h0_other"], other.state[-1:], tol=1e-6,
                hint="h_0 is the context itself: return memory.state[-1:] (shape (1, B, H)).")
    for t in range(T):
        diff = float(np.max(np.abs(np.asarray(m["steps"][t]) - np.asarray(m["steps_other_context"][t]))))
        if not diff > 1e-6:
            fail(name, f"at step {t}, from the same state, the logits do not change when the context changes",
                 "condition it twice: the input at every step is [E y_{t-1}; c], the embedding concatenated "
                 "with c = memory.state[-1] (not only the initial state).")
    check_close(name, "logits of step() run T times vs forward()", np.stack(m["steps"], 1), m["logits"], tol=1e-4,
                hint="step and forward must compute the same thing: same inputs, same initial state.")
    k = T // 2
    check_close(name, f"logits before t={k} after changing tgt_in[:, {k}:]", m["logits_changed_future"][:, :k],
                m["logits"][:, :k], tol=1e-5, hint="the decoder must not see future target tokens.")
    if np.allclose(m["logits_other_context"], m["logits"]):
        fail(name, "the logits do not change when the context vector (memory.state) changes",
             "condition the decoder on the context: its initial state and its input at every step.")
    return "shapes, h_0 = c, every step's input reads c, forward == step by step, causal"


check_decoder = register("decoder", _measure_decoder, _judge_decoder, seed=0, V=11, E=5, H=8, B=3, T=6)


# --- greedy decoding --------------------------------------------------------------------------------

_END, _BOS = 2, 1


def _greedy_case(seed: int, end_bias: float | None, B: int, max_len: int):
    """A random model (sharpened, so feeding back the wrong token shows) and a padded batch."""
    with seeded(seed):
        model = make_seq2seq(11, 9).eval()
    with torch.no_grad():
        model.decoder.W_hy.weight *= 4
        if end_bias is not None:
            model.decoder.W_hy.bias[_END] += end_bias
    return model, *_padded_batch(seed, B=B)


def _greedy_models(seed: int, B: int, max_len: int):
    """Two cases: rows that end at different steps (an <end> bias), and rows that run to ``max_len``.

    The first model seed is searched deterministically from ``seed`` until the reference's rows end
    at different steps, so that every seed tests stopping.
    """
    cases = []
    for k in range(50):
        model, src, mask = _greedy_case(seed * 100 + k, 0.3, B, max_len)
        ids, _ = ref_greedy_decode(model, src, mask, _BOS, _END, max_len)
        ends = {row.index(_END) if _END in row else max_len for row in ids.tolist()}
        if len(ends) > 1 and min(ends) < max_len - 1:
            cases.append((model, src, mask))
            break
    cases.append(_greedy_case(seed, None, B, max_len))
    return cases


def _measure_greedy(greedy_decode: Callable, *, seed: int, B: int, max_len: int) -> dict:
    return {"ids": [greedy_decode(model, src, mask, _BOS, _END, max_len)
                    for model, src, mask in _greedy_models(seed, B, max_len)]}


def _upto_end(row: list[int]) -> list[int]:
    return row[:row.index(_END) + 1] if _END in row else row


def _prefix_of(a: list[int], b: list[int]) -> bool:
    return a == b[:len(a)]


def _judge_greedy(m: dict, *, seed: int, B: int, max_len: int) -> str:
    """Ids against the reference greedy search on random models (compared up to each row's <end>):
    one where rows end at different steps, one where they run to ``max_len``."""
    name = "greedy_decode"
    for (model, src, mask), got in zip(_greedy_models(seed, B, max_len), m["ids"], strict=True):
        want, _ = ref_greedy_decode(model, src, mask, _BOS, _END, max_len)
        if not isinstance(got, np.ndarray) or got.ndim != 2 or got.shape[0] != B:
            fail(name, f"must return ids of shape (B={B}, L), got {getattr(got, 'shape', type(got).__name__)}",
                 "stack the chosen ids of every step along dim 1: torch.stack(out, dim=1).")
        if got.dtype.kind not in "iu":
            fail(name, f"returned {got.dtype} values, expected integer token ids",
                 "take logits.argmax(dim=-1) at each step, not the probabilities.")
        if got.shape[1] >= 1 and not bool((want[:, 0] == _BOS).all()) and all(
                row[0] == _BOS and _prefix_of(_upto_end(row[1:]), _upto_end(want[b].tolist()))
                for b, row in enumerate(got.tolist())):  # <bos>, then the right tokens (not a wrong model's)
            fail(name, f"every row starts with <bos> (id {_BOS}): got {got[0].tolist()}, expected "
                       f"{_upto_end(want[0].tolist())} for row 0",
                 "do not return <bos>: the output starts with the first predicted token.")
        if got.shape[1] > max_len:
            fail(name, f"returned {got.shape[1]} steps, more than max_len={max_len}")
        for b in range(B):
            g_row, w_row = _upto_end(got[b].tolist()), _upto_end(want[b].tolist())
            if g_row != w_row:
                if g_row[:1] == [_BOS] and _upto_end(g_row[1:]) == w_row:
                    hint = "do not return <bos>: the output starts with the first predicted token."
                else:
                    hint = ("start from <bos> and the decoder's init_state, feed back the argmax each step, "
                            "stop at <end>.")
                fail(name, f"row {b}: got {g_row}, expected {w_row}", hint)
    return "matches the reference on rows that end at different steps and rows that run to max_len"


check_greedy_decode = register("greedy_decode", _measure_greedy, _judge_greedy, seed=0, B=3, max_len=8)


# --- accuracy of the trained model, on dates drawn for this run --------------------------------------

def _fresh_dates(seed: int, n: int) -> list[tuple[str, str]]:
    return make_date_pairs(n, seed=seed)


def predict_dates(model: Seq2Seq, data: DateDataset, sources: list[str]) -> list[str]:
    """The model's greedy ISO strings for ``sources`` (the vocabularies of ``data``)."""
    return translate(model, sources, data.src_vocab, data.tgt_vocab, max_len=12)


def _measure_accuracy(model: Seq2Seq, data: DateDataset, *, bar: float, n: int, seed: int) -> dict:
    return {"preds": predict_dates(model, data, [s for s, _ in _fresh_dates(seed, n)])}


def judge_date_predictions(name: str, preds: object, *, bar: float, n: int, seed: int) -> tuple[float, float]:
    """Exact match and token accuracy of ``preds`` on the ``n`` dates of ``seed``; fails below ``bar``."""
    refs = [t for _, t in _fresh_dates(seed, n)]
    if not isinstance(preds, list) or len(preds) != n or not all(isinstance(p, str) for p in preds):
        fail(name, f"expected {n} predicted strings, got {type(preds).__name__}")
    em, acc = exact_match(preds, refs), token_accuracy(preds, refs)
    if em < bar:
        fail(name, f"exact match {em:.1%} (token accuracy {acc:.1%}) on {n} fresh dates, want >= {bar:.0%}",
             "train longer, or check the loss masking and the decoder's conditioning.")
    return em, acc


def _judge_accuracy(m: dict, *, bar: float, n: int, seed: int) -> str:
    """Exact match of greedy decoding on ``n`` dates drawn for this run must be at least ``bar``."""
    em, acc = judge_date_predictions("date accuracy", m["preds"], bar=bar, n=n, seed=seed)
    return f"exact match {em:.1%}, token accuracy {acc:.1%} on {n} fresh dates"


check_date_accuracy = register("date_accuracy", _measure_accuracy, _judge_accuracy, bar=0.3, n=500, seed=0)
