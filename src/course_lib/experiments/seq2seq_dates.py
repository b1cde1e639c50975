r"""The plain encoder-decoder of chapter 5 on the date task: the numbers that chapter quotes.

One model (GRU, context vector as initial state and as input at every step) trained with teacher
forcing, then measured on the test dates:

- exact match, token accuracy and BLEU of greedy decoding;
- token accuracy with teacher forcing against free running on the same dates, and where the
  free-running errors sit: until its first mistake a free-running decoder reads exactly the inputs
  that teacher forcing gives it, so every extra error comes *after* an earlier one of its own
  (:func:`free_running_gap`);
- beam search (``beam_size`` beams, length normalisation :math:`\lambda`) against greedy search.

It has the same sizes and training budget as ``attention_dates`` (chapter 6), so the two files
compare a context vector with attention on the same task. ``python -m course_lib experiment
seq2seq_dates --full`` writes ``book/_static/results/seq2seq_dates.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

from course_lib.data.dates import DateDataset, make_date_dataset
from course_lib.decoding import beam_search, translate
from course_lib.experiments.registry import experiment
from course_lib.metrics import bleu, exact_match, token_accuracy
from course_lib.seq2seq import Seq2Seq, Seq2SeqConfig, make_loss_fn, make_seq2seq
from course_lib.train import History, TrainConfig, fit
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["DateTrainConfig", "Seq2SeqDatesConfig", "DateRun", "train_date_model", "free_running_gap", "beam_vs_greedy",
           "run"]


@dataclass
class DateTrainConfig:
    """Data and training of a date model (the small, live-sized defaults); shared by chapters 5 and 6."""

    n: int = 6000
    steps: int = 150
    batch_size: int = 64
    lr: float = 5e-3
    emb_size: int = 32
    hidden_size: int = 64
    seed: int = 0
    device: str | None = None


@dataclass
class Seq2SeqDatesConfig(DateTrainConfig):
    condition: str = "both"
    beam_size: int = 5
    lam: float = 1.0  # beam search length normalisation exponent
    beam_examples: int = 1000  # test dates decoded by beam search as well


def _full() -> Seq2SeqDatesConfig:
    return Seq2SeqDatesConfig(n=10_000, steps=500)


@torch.no_grad()
def free_running_gap(model, batch, bos_id: int) -> dict:
    """Teacher forcing against free running on one encoded batch (``Seq2SeqBatch`` on the model's device).

    Returns the token accuracy of each, the share of rows whose first wrong position is the same in
    both, and the share of free-running errors that come after an earlier free-running error in
    the same row (error propagation).
    """
    model.eval()
    tf = model(batch.src, batch.src_mask, batch.tgt_in).argmax(-1)  # (B, T)
    fr = model.free_running(batch.src, batch.src_mask, batch.tgt_out.shape[1], bos_id).argmax(-1)  # (B, T)
    m = batch.tgt_mask  # (B, T)
    wrong_tf = (tf != batch.tgt_out) & m  # (B, T)
    wrong_fr = (fr != batch.tgt_out) & m  # (B, T)
    T = m.shape[1]
    pos = torch.arange(T, device=m.device).expand_as(m)  # (B, T)
    first_tf = torch.where(wrong_tf, pos, T).min(dim=1).values  # (B,), T when the row has no error
    first_fr = torch.where(wrong_fr, pos, T).min(dim=1).values  # (B,)
    after_first = wrong_fr & (pos > first_fr[:, None])  # (B, T)
    n_fr = int(wrong_fr.sum())
    return {
        "tokens": int(m.sum()),
        "token_accuracy_teacher_forcing": 1 - int(wrong_tf.sum()) / int(m.sum()),
        "token_accuracy_free_running": 1 - n_fr / int(m.sum()),
        "share_rows_same_first_error": float((first_tf == first_fr).float().mean()),
        "share_free_running_errors_after_an_earlier_error": int(after_first.sum()) / n_fr if n_fr else 0.0,
    }


def beam_vs_greedy(model, pairs, greedy: list[str], src_vocab, tgt_vocab, beam_size: int, lam: float,
                   max_len: int = 12) -> dict:
    """Beam search on ``pairs`` (source, reference) next to the greedy outputs ``greedy``.

    Returns the exact match of the best beam, how often it differs from greedy, and, over the dates
    that greedy search gets wrong, how often the reference is among the beams; plus the first such
    date with its beams as an example.
    """
    from course_lib.data.dates import encode_pairs

    device = next(model.parameters()).device
    model.eval()
    best, differ, greedy_wrong, ref_in_beams, example = [], 0, 0, 0, None
    for (src, ref), g in zip(pairs, greedy, strict=True):
        b = encode_pairs([(src, ref)], src_vocab, tgt_vocab)
        hyps = beam_search(model, b.src.to(device), b.src_mask.to(device), tgt_vocab.bos_id, tgt_vocab.end_id,
                           max_len, beam_size=beam_size, lam=lam)
        outs = [tgt_vocab.decode(h.ids) for h in hyps]
        best.append(outs[0])
        differ += outs[0] != g
        if g != ref:
            greedy_wrong += 1
            if ref in outs:
                ref_in_beams += 1
                if example is None:
                    example = {"source": src, "reference": ref, "greedy": g,
                               "beams": [{"output": o, "score": h.score} for o, h in zip(outs, hyps, strict=True)]}
    refs = [r for _, r in pairs]
    return {
        "n": len(pairs),
        "beam_size": beam_size,
        "lam": lam,
        "exact_match_beam": exact_match(best, refs),
        "exact_match_greedy": exact_match(greedy, refs),
        "share_beam_differs_from_greedy": differ / len(pairs),
        "greedy_wrong": greedy_wrong,
        "share_of_greedy_errors_with_reference_in_beams": ref_in_beams / greedy_wrong if greedy_wrong else None,
        "example": example,
    }


class DateRun(NamedTuple):
    """A model trained on the date task, its data and history, and its greedy outputs on the test dates."""

    data: DateDataset
    model: Seq2Seq
    history: History
    preds: list[str]
    refs: list[str]

    def metrics(self) -> dict:
        """Parameters, test size, exact match, token accuracy, BLEU and training time."""
        return {
            "parameters": count_parameters(self.model),
            "test_size": len(self.refs),
            "exact_match": exact_match(self.preds, self.refs),
            "token_accuracy": token_accuracy(self.preds, self.refs),
            "bleu": bleu(self.preds, self.refs),
            "train_time_s": self.history.train_time,
        }


def train_date_model(config: DateTrainConfig, attention: str | None = None, condition: str = "both") -> DateRun:
    """Train a seq2seq model on the date task, plain (``attention=None``) or with an attention score, and decode the
    test dates greedily. Shared by ``seq2seq_dates`` and ``attention_dates``."""
    device = get_device(config.device)
    data = make_date_dataset(config.n, seed=config.seed)
    seed_everything(config.seed)
    model = make_seq2seq(len(data.src_vocab), len(data.tgt_vocab),
                         Seq2SeqConfig(config.emb_size, config.hidden_size, attention=attention, condition=condition))
    hist = fit(model, lambda split: tuple(data.get_batch(split, config.batch_size)),
               make_loss_fn(data.tgt_vocab.pad_id),
               TrainConfig(steps=config.steps, lr=config.lr, eval_every=0, progress=False, device=str(device),
                           seed=config.seed))
    refs = [t for _, t in data.test]
    preds = translate(model, [s for s, _ in data.test], data.src_vocab, data.tgt_vocab, max_len=12)
    return DateRun(data, model, hist, preds, refs)


@experiment("seq2seq_dates", small=Seq2SeqDatesConfig, full=_full)
def run(config: Seq2SeqDatesConfig) -> dict:
    """Plain seq2seq on dates: exact match, teacher forcing vs free running, greedy vs beam search."""
    trained = train_date_model(config, condition=config.condition)
    data, model, preds = trained.data, trained.model, trained.preds
    device = next(model.parameters()).device
    gap = free_running_gap(model, data.encode(data.test).to(device), data.tgt_vocab.bos_id)
    k = min(config.beam_examples, len(data.test))
    beams = beam_vs_greedy(model, data.test[:k], preds[:k], data.src_vocab, data.tgt_vocab, config.beam_size,
                           config.lam)
    return {**trained.metrics(), "teacher_forcing_vs_free_running": gap, "beam_search": beams}
