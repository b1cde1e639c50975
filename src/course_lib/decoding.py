r"""Decoding a :class:`~course_lib.seq2seq.Seq2Seq` model: greedy search and beam search.

Greedy search takes :math:`\hat y_t = \arg\max_y p(y \mid \hat y_{<t}, x)` at each step. Beam search
keeps the ``beam_size`` best partial outputs by total log-probability and, since every extra token
lowers that total, ranks finished outputs by the length-normalised score
:math:`\frac{1}{|y|^{\lambda}} \sum_t \log p(y_t \mid y_{<t}, x)` (``lam`` :math:`= \lambda = 0`: no
normalisation, :math:`\lambda = 1`: mean log-probability per token).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from course_lib.errors import ShapeError
from course_lib.seq2seq import check_src, index_state

__all__ = ["Hypothesis", "beam_search", "greedy_decode", "ids_to_strings", "translate"]


@torch.no_grad()
def greedy_decode(model, src: Tensor, src_mask: Tensor, bos_id: int, end_id: int, max_len: int,
                  pad_id: int = 0) -> tuple[Tensor, Tensor | None]:
    """Greedy decoding of a batch, stopping each row at its ``<end>``.

    Shapes: src (B, S), src_mask (B, S) -> ids (B, L) with L <= max_len (``<end>`` kept, then ``pad_id``),
    attention (B, L, S) or None for a decoder without attention.

    Raises:
        ShapeError: for bad sources (see :func:`course_lib.seq2seq.check_src`) or ``max_len < 1``.
    """
    check_src(src, src_mask)
    if max_len < 1:
        raise ShapeError(f"max_len must be >= 1, got {max_len}")
    memory = model.encode(src, src_mask)
    state = model.init_state(memory)
    B = src.shape[0]
    y = torch.full((B,), bos_id, dtype=torch.long, device=src.device)  # (B,)
    done = torch.zeros(B, dtype=torch.bool, device=src.device)  # (B,)
    ids, alphas = [], []
    for _ in range(max_len):
        logits, state, alpha = model.step(y, state, memory)  # (B, V), (B, S)
        y = logits.argmax(dim=-1).masked_fill(done, pad_id)  # (B,)
        ids.append(y)
        if alpha is not None:
            alphas.append(alpha)
        done = done | (y == end_id)
        if bool(done.all()):
            break
    attn = torch.stack(alphas, dim=1) if alphas else None  # (B, L, S)
    return torch.stack(ids, dim=1), attn  # (B, L)


@dataclass
class Hypothesis:
    """A finished beam: token ids (``<end>`` included if produced), total log-probability, the
    length-normalised score used for ranking, and the attention (L, S) when the model has one."""

    ids: list[int]
    log_prob: float
    score: float
    attention: Tensor | None = None


@torch.no_grad()
def beam_search(model, src: Tensor, src_mask: Tensor, bos_id: int, end_id: int, max_len: int,
                beam_size: int = 4, lam: float = 1.0, trace: list | None = None) -> list[Hypothesis]:
    """Beam search for ONE source (batch of 1); returns up to ``beam_size`` hypotheses, best first.

    A hypothesis ends when it produces ``<end>``; the search stops when ``beam_size`` have ended or
    after ``max_len`` steps (unfinished beams are then ranked too).

    ``trace``, if a list, receives one list per step of every candidate extension
    ``{"prefix": [ids], "token": id, "log_prob": float, "status": "kept" | "finished" | "pruned"}``
    (all beams times all tokens: meant for small vocabularies, e.g. to draw the search tree).

    Raises:
        ShapeError: if the batch is not of size 1, for bad sources, or for ``beam_size < 1``.
    """
    check_src(src, src_mask)
    if src.shape[0] != 1:
        raise ShapeError(f"beam_search decodes one source at a time: src must have B=1, got B={src.shape[0]}")
    if beam_size < 1 or max_len < 1:
        raise ShapeError(f"beam_size and max_len must be >= 1, got {beam_size} and {max_len}")
    memory = model.encode(src, src_mask)
    state = model.init_state(memory)

    memory_k = memory
    y = torch.full((1,), bos_id, dtype=torch.long, device=src.device)  # (k,)
    seqs: list[list[int]] = [[]]
    attns: list[list[Tensor]] = [[]]
    log_p = torch.zeros(1, device=src.device)  # (k,)
    finished: list[Hypothesis] = []

    def norm(lp: float, n: int) -> float:
        return lp / max(1, n) ** lam  # length normalisation |y|^lambda

    for _ in range(max_len):
        logits, state, a = model.step(y, state, memory_k)  # (k, V), (k, S)
        V = logits.shape[-1]
        total = (log_p[:, None] + torch.log_softmax(logits, dim=-1)).reshape(-1)  # (k * V,)
        top_lp, top_idx = total.topk(min(2 * beam_size, total.numel()))  # (2k,)
        keep_beam, keep_tok, keep_lp = [], [], []
        ended_now: set[tuple[int, int]] = set()
        for lp, idx in zip(top_lp.tolist(), top_idx.tolist(), strict=True):
            b, tok = divmod(idx, V)
            seq = seqs[b] + [tok]
            att = attns[b] + ([a[b]] if a is not None else [])
            if tok == end_id:
                finished.append(Hypothesis(seq, lp, norm(lp, len(seq)),
                                           torch.stack(att) if att else None))
                ended_now.add((b, tok))
            else:
                keep_beam.append(b)
                keep_tok.append(tok)
                keep_lp.append(lp)
            if len(keep_beam) == beam_size:
                break
        if trace is not None:
            chosen = set(zip(keep_beam, keep_tok, strict=True))
            trace.append([{"prefix": list(seqs[b]), "token": tok, "log_prob": float(total[b * V + tok]),
                           "status": "kept" if (b, tok) in chosen else "finished" if (b, tok) in ended_now
                           else "pruned"}
                          for b in range(len(seqs)) for tok in range(V)])
        if len(finished) >= beam_size or not keep_beam:
            break
        sel = torch.tensor(keep_beam, device=src.device)
        seqs = [seqs[b] + [t] for b, t in zip(keep_beam, keep_tok, strict=True)]
        attns = [attns[b] + ([a[b]] if a is not None else []) for b in keep_beam]
        state = index_state(state, sel)
        memory_k = memory.index(torch.zeros(len(keep_beam), dtype=torch.long, device=src.device))
        y = torch.tensor(keep_tok, device=src.device)  # (k,)
        log_p = torch.tensor(keep_lp, device=src.device)  # (k,)
    else:
        for s, lp, att in zip(seqs, log_p.tolist(), attns, strict=True):
            finished.append(Hypothesis(s, lp, norm(lp, len(s)), torch.stack(att) if att else None))
    finished.sort(key=lambda h: h.score, reverse=True)
    return finished[:beam_size]


def ids_to_strings(ids: Tensor, vocab) -> list[str]:
    """Decode each row of ids (B, L) with ``vocab`` (stopping at ``<end>``)."""
    return [vocab.decode(row) for row in ids.tolist()]


@torch.no_grad()
def translate(model, sources, src_vocab, tgt_vocab, max_len: int, batch_size: int = 256) -> list[str]:
    """Greedy-decode a list of source strings into strings (model put in eval mode, then restored).

    Raises:
        ShapeError: for an empty list or an empty source.
    """
    from course_lib.data.dates import encode_pairs

    if len(sources) == 0:
        raise ShapeError("translate needs at least one source, got 0")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out: list[str] = []
    for i in range(0, len(sources), batch_size):
        chunk = sources[i:i + batch_size]
        batch = encode_pairs([(s, "") for s in chunk], src_vocab, tgt_vocab).to(device)
        ids, _ = greedy_decode(model, batch.src, batch.src_mask, tgt_vocab.bos_id, tgt_vocab.end_id, max_len,
                               pad_id=tgt_vocab.pad_id)
        out.extend(ids_to_strings(ids.cpu(), tgt_vocab))
    model.train(was_training)
    return out
