r"""Encoder-decoder models (chapters 5-6), built on the concise ``nn.GRU``/``nn.LSTM`` modules.

* :class:`Encoder` reads the source and returns every state :math:`\bar h_1..\bar h_S` and the last
  one, the fixed **context vector** :math:`c = \bar h_S` (taken at each sequence's true length).
* :class:`Decoder` (plain seq2seq) is conditioned on :math:`c` through its initial state
  (:math:`h_0 = c`), through its input at every step (:math:`[y_{t-1}; c]`), or both.
* :class:`AttentionDecoder` (Luong et al. 2015) attends over all encoder states at every step and
  predicts from the attentional output :math:`\tilde h_t = \tanh(W_c [c_t; h_t])`.

All three speak one interface, :class:`Seq2Seq`, that training, decoding (greedy and beam
search) and the experiments use without knowing which decoder is inside:

``encode(src, src_mask) -> Memory``; ``forward(src, src_mask, tgt_in) -> logits``;
``init_state(memory) -> state``; ``step(y_prev, state, memory) -> (logits, state, alpha)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_lib.attention import Attention
from course_lib.errors import ShapeError, check_dtype, check_shape

__all__ = [
    "AttentionDecoder",
    "Decoder",
    "Encoder",
    "Memory",
    "Seq2Seq",
    "Seq2SeqConfig",
    "check_src",
    "make_loss_fn",
    "make_seq2seq",
    "sequence_loss",
]

State = Tensor | tuple[Tensor, Tensor]


class Memory(NamedTuple):
    """What the encoder hands to the decoder: ``outputs`` (B, S, H), the final ``state`` of the RNN
    (``(1, B, H)``, or a pair for an LSTM; None for a Transformer encoder) and the source ``mask`` (B, S)."""

    outputs: Tensor
    state: State | None
    mask: Tensor

    @property
    def context(self) -> Tensor:
        """The fixed context vector c = last hidden state, (B, H)."""
        if self.state is None:
            raise ValueError("this encoder has no final state (a Transformer): there is no context vector")
        h = self.state[0] if isinstance(self.state, tuple) else self.state
        return h[-1]  # (B, H)

    def index(self, idx: Tensor) -> Memory:
        """Select (or repeat) batch entries, e.g. to give each beam of a beam search its copy."""
        return Memory(self.outputs[idx], index_state(self.state, idx), self.mask[idx])


def index_state(state: State | None, idx: Tensor) -> State | None:
    """Select batch entries of an RNN state ``(L, B, H)`` (or an LSTM pair of them; None stays None)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s[:, idx] for s in state)  # type: ignore[return-value]
    return state[:, idx]  # (L, B', H)


def check_src(src: Tensor, src_mask: Tensor) -> Tensor:
    """Check a padded source batch and return its lengths (B,).

    Raises:
        DTypeError: if ``src`` is not integer ids or ``src_mask`` not bool.
        ShapeError: if the batch or the source is empty, the shapes differ (mismatched batch sizes
            or a mask of another length), or the mask is not ``True`` on a prefix of each row.
    """
    check_dtype("src", src, "int")
    check_shape("src", src, ("B", "S"))
    if src.shape[0] == 0:
        raise ShapeError("src is an empty batch (B = 0)")
    if src.shape[1] == 0:
        raise ShapeError("src is empty (S = 0): a seq2seq encoder needs at least one source token")
    if src_mask.dtype != torch.bool:
        raise TypeError(f"src_mask must be a bool tensor (True = real token), got {src_mask.dtype}")
    check_shape("src_mask", src_mask, tuple(src.shape))
    lengths = src_mask.sum(dim=1)  # (B,)
    if int(lengths.min()) == 0:
        raise ShapeError(f"source {int(torch.argmin(lengths))} is empty (its mask is all False)")
    prefix = torch.arange(src.shape[1], device=src.device)[None, :] < lengths[:, None]  # (B, S)
    if not torch.equal(prefix, src_mask):
        raise ShapeError("src_mask must be True on a prefix of each row (right padding)")
    return lengths


def _make_rnn(cell: str, input_size: int, hidden_size: int, num_layers: int = 1) -> nn.RNNBase:
    if cell == "gru":
        return nn.GRU(input_size, hidden_size, num_layers=num_layers, batch_first=True)
    if cell == "lstm":
        return nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
    raise ValueError(f"cell must be 'gru' or 'lstm', got {cell!r}")


class Encoder(nn.Module):
    r"""Embedding + ``nn.GRU``/``nn.LSTM`` over the source; padding is skipped (packed sequences), so
    the final state is :math:`\bar h_{S_b}` at each sequence's own length :math:`S_b`.

    Shapes:
        src (B, S) ids, src_mask (B, S) bool -> Memory(outputs (B, S, H), state (L, B, H), mask)

    Raises:
        ShapeError, DTypeError: see :func:`check_src`.
    """

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, cell: str = "gru",
                 num_layers: int = 1) -> None:
        super().__init__()
        self.hidden_size, self.cell = hidden_size, cell
        self.embed = nn.Embedding(vocab_size, emb_size)
        self.rnn = _make_rnn(cell, emb_size, hidden_size, num_layers)

    def forward(self, src: Tensor, src_mask: Tensor) -> Memory:
        lengths = check_src(src, src_mask)  # (B,)
        x = self.embed(src)  # (B, S, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        outputs, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (B, S, H)
        return Memory(outputs, state, src_mask)


class Decoder(nn.Module):
    r"""Plain seq2seq decoder conditioned on the fixed context vector :math:`c` (Cho et al. 2014).

    .. math::
        h_0 = c \ (\text{``init''}), \quad h_t = \mathrm{RNN}([E y_{t-1}; c], h_{t-1}) \ (\text{``input''}),
        \quad p(y_t \mid y_{<t}, x) = \operatorname{softmax}(h_t W_{hy} + b_y)

    Args:
        condition: ``"init"``, ``"input"`` or ``"both"`` (default).
        context_size: H of the encoder; when it differs from ``hidden_size`` the initial state is
            :math:`\tanh(c W_{init})`.

    Shapes:
        forward: tgt_in (B, T), memory -> (logits (B, T, V), None)
        step: y_prev (B,), state, memory -> (logits (B, V), state, None)
    """

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, context_size: int | None = None,
                 cell: str = "gru", condition: str = "both") -> None:
        super().__init__()
        if condition not in ("init", "input", "both"):
            raise ValueError(f"condition must be 'init', 'input' or 'both', got {condition!r}")
        self.condition, self.cell, self.hidden_size = condition, cell, hidden_size
        self.context_size = context_size or hidden_size
        self.embed = nn.Embedding(vocab_size, emb_size)
        in_size = emb_size + (self.context_size if condition in ("input", "both") else 0)
        self.rnn = _make_rnn(cell, in_size, hidden_size)
        self.W_init = nn.Linear(self.context_size, hidden_size) if self.context_size != hidden_size else None
        self.W_hy = nn.Linear(hidden_size, vocab_size)

    def init_state(self, memory: Memory) -> State:
        c = memory.context  # (B, Hc)
        if self.condition == "input":
            h0 = torch.zeros(c.shape[0], self.hidden_size, device=c.device, dtype=c.dtype)  # (B, H)
        else:
            h0 = torch.tanh(self.W_init(c)) if self.W_init is not None else c  # (B, H)
        h0 = h0[None]  # (1, B, H)
        return (h0, torch.zeros_like(h0)) if self.cell == "lstm" else h0

    def _inputs(self, y: Tensor, memory: Memory) -> Tensor:
        x = self.embed(y)  # (B, T, E)
        if self.condition in ("input", "both"):
            c = memory.context[:, None, :].expand(-1, y.shape[1], -1)  # (B, T, Hc)
            x = torch.cat([x, c], dim=-1)  # (B, T, E + Hc)
        return x

    def forward(self, tgt_in: Tensor, memory: Memory, state: State | None = None) -> tuple[Tensor, None]:
        check_shape("tgt_in", tgt_in, (memory.outputs.shape[0], None))
        h, _ = self.rnn(self._inputs(tgt_in, memory), state if state is not None else self.init_state(memory))
        return self.W_hy(h), None  # (B, T, V)

    def step(self, y_prev: Tensor, state: State, memory: Memory) -> tuple[Tensor, State, None]:
        check_shape("y_prev", y_prev, (memory.outputs.shape[0],))
        h, state = self.rnn(self._inputs(y_prev[:, None], memory), state)  # (B, 1, H)
        return self.W_hy(h[:, 0]), state, None  # (B, V)


class AttentionDecoder(nn.Module):
    r"""Decoder with global attention (Luong et al. 2015), initial state from the encoder.

    .. math::
        h_t = \mathrm{RNN}(E y_{t-1}, h_{t-1}), \quad
        \alpha_t = \operatorname{softmax}(\operatorname{score}(h_t, \bar h_s)), \quad
        c_t = \sum_s \alpha_{t,s} \bar h_s, \quad
        \tilde h_t = \tanh([c_t; h_t] W_c), \quad
        p(y_t \mid y_{<t}, x) = \operatorname{softmax}(\tilde h_t W_s + b_s)

    Shapes:
        forward: tgt_in (B, T), memory -> (logits (B, T, V), alpha (B, T, S))
        step: y_prev (B,), state, memory -> (logits (B, V), state, alpha (B, S))
    """

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, context_size: int | None = None,
                 cell: str = "gru", score: str = "general") -> None:
        super().__init__()
        self.cell, self.hidden_size = cell, hidden_size
        self.context_size = context_size or hidden_size
        self.embed = nn.Embedding(vocab_size, emb_size)
        self.rnn = _make_rnn(cell, emb_size, hidden_size)
        self.attention = Attention(score, hidden_size, self.context_size)
        self.W_init = nn.Linear(self.context_size, hidden_size) if self.context_size != hidden_size else None
        self.W_c = nn.Linear(self.context_size + hidden_size, hidden_size, bias=False)
        self.W_s = nn.Linear(hidden_size, vocab_size)

    init_state = Decoder.init_state
    condition = "init"

    def attentional_output(self, h: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """Steps 1-4 for decoder states h (B, T, H) -> (h_tilde (B, T, H), alpha (B, T, S))."""
        c, alpha = self.attention(h, memory.outputs, memory.mask)  # (B, T, Hc), (B, T, S)
        h_tilde = torch.tanh(self.W_c(torch.cat([c, h], dim=-1)))  # (B, T, H)
        return h_tilde, alpha

    def forward(self, tgt_in: Tensor, memory: Memory, state: State | None = None) -> tuple[Tensor, Tensor]:
        check_shape("tgt_in", tgt_in, (memory.outputs.shape[0], None))
        h, _ = self.rnn(self.embed(tgt_in), state if state is not None else self.init_state(memory))  # (B, T, H)
        h_tilde, alpha = self.attentional_output(h, memory)  # (B, T, H), (B, T, S)
        return self.W_s(h_tilde), alpha  # (B, T, V)

    def step(self, y_prev: Tensor, state: State, memory: Memory) -> tuple[Tensor, State, Tensor]:
        check_shape("y_prev", y_prev, (memory.outputs.shape[0],))
        h, state = self.rnn(self.embed(y_prev[:, None]), state)  # (B, 1, H)
        h_tilde, alpha = self.attentional_output(h, memory)  # (B, 1, H), (B, 1, S)
        return self.W_s(h_tilde[:, 0]), state, alpha[:, 0]  # (B, V), (B, S)


class Seq2Seq(nn.Module):
    """Encoder + decoder behind one interface (see the module docstring)."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def encode(self, src: Tensor, src_mask: Tensor) -> Memory:
        return self.encoder(src, src_mask)

    def init_state(self, memory: Memory) -> State:
        return self.decoder.init_state(memory)

    def step(self, y_prev: Tensor, state: State, memory: Memory) -> tuple[Tensor, State, Tensor | None]:
        """One decoder step: y_prev (B,) -> logits (B, V), new state, attention (B, S) or None."""
        return self.decoder.step(y_prev, state, memory)

    def forward(self, src: Tensor, src_mask: Tensor, tgt_in: Tensor,
                return_attention: bool = False) -> Tensor | tuple[Tensor, Tensor | None]:
        """Teacher forcing: the decoder reads the true previous tokens ``tgt_in`` (B, T) -> logits (B, T, V)."""
        memory = self.encode(src, src_mask)
        check_shape("tgt_in", tgt_in, (src.shape[0], "T"))
        logits, alpha = self.decoder(tgt_in, memory)  # (B, T, V)
        return (logits, alpha) if return_attention else logits

    def free_running(self, src: Tensor, src_mask: Tensor, steps: int, bos_id: int) -> Tensor:
        """Free running: the decoder reads its own previous argmax; logits (B, steps, V).

        Differentiable through the logits (not through the argmax choice).
        """
        memory = self.encode(src, src_mask)
        state = self.init_state(memory)
        y = torch.full((src.shape[0],), bos_id, dtype=torch.long, device=src.device)  # (B,)
        out = []
        for _ in range(steps):
            logits, state, _ = self.step(y, state, memory)  # (B, V)
            out.append(logits)
            y = logits.argmax(dim=-1)  # (B,)
        return torch.stack(out, dim=1)  # (B, steps, V)


def sequence_loss(logits: Tensor, tgt_out: Tensor, pad_id: int) -> Tensor:
    r"""Mean cross-entropy over the real (non-``<pad>``) target tokens, ``<end>`` included.

    .. math:: \mathcal L = -\frac{1}{\sum_{b,t} m_{b,t}} \sum_{b,t} m_{b,t} \log p(y_{b,t})

    Shapes: logits (B, T, V), tgt_out (B, T) -> scalar.

    Raises:
        ShapeError: if the shapes disagree or there is no real target token.
    """
    check_shape("logits", logits, ("B", "T", None))
    check_shape("tgt_out", tgt_out, (logits.shape[0], logits.shape[1]))
    mask = tgt_out != pad_id  # (B, T)
    if not bool(mask.any()):
        raise ShapeError("tgt_out has no real token (everything is <pad>)")
    nll = F.cross_entropy(logits.transpose(1, 2), tgt_out, reduction="none")  # (B, T)
    return (nll * mask).sum() / mask.sum()


def make_loss_fn(pad_id: int, bos_id: int | None = None, teacher_forcing: bool = True):
    """A ``loss_fn(model, batch, state)`` for :func:`course_lib.train.fit`.

    ``batch`` is ``tuple(Seq2SeqBatch)``. With ``teacher_forcing=False`` the model runs free (reads
    its own predictions), which needs ``bos_id``.
    """
    if not teacher_forcing and bos_id is None:
        raise ValueError("free running needs bos_id")

    def loss_fn(model: Seq2Seq, batch, state=None):
        src, src_mask, tgt_in, tgt_out, _ = batch
        if teacher_forcing:
            logits = model(src, src_mask, tgt_in)  # (B, T, V)
        else:
            logits = model.free_running(src, src_mask, tgt_out.shape[1], bos_id)  # (B, T, V)
        return sequence_loss(logits, tgt_out, pad_id), None

    return loss_fn


@dataclass
class Seq2SeqConfig:
    """Sizes of a seq2seq model. ``attention`` = None (plain) or a score ("dot", "general", "additive")."""

    emb_size: int = 32
    hidden_size: int = 64
    cell: str = "gru"
    attention: str | None = None
    condition: str = "both"  # plain decoder only


def make_seq2seq(src_vocab_size: int, tgt_vocab_size: int, config: Seq2SeqConfig | None = None) -> Seq2Seq:
    """A :class:`Seq2Seq` with a plain or an attention decoder, as ``config`` says."""
    c = config or Seq2SeqConfig()
    enc = Encoder(src_vocab_size, c.emb_size, c.hidden_size, c.cell)
    if c.attention is None:
        dec: nn.Module = Decoder(tgt_vocab_size, c.emb_size, c.hidden_size, cell=c.cell, condition=c.condition)
    else:
        dec = AttentionDecoder(tgt_vocab_size, c.emb_size, c.hidden_size, cell=c.cell, score=c.attention)
    return Seq2Seq(enc, dec)
