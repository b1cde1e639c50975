r"""Character language models: the model, batching for training, sampling, and baselines.

A language model predicts the next token from the ones before it,

.. math:: p(x_1, \dots, x_T) = \prod_{t} p(x_{t+1} \mid x_{\le t}), \qquad
          L = -\frac{1}{BT} \sum_{b,t} \log p_\theta(x_{b,t+1} \mid x_{b,\le t}),

and is trained with *teacher forcing*: the input at step t is the true character, not the model's
own guess. Two ways to cut a long id stream into batches are here: contiguous chunks for truncated
BPTT (:class:`TBPTTBatches`, so a carried state continues the same text) and random windows
(:func:`get_batch`, nanoGPT style, no state carried).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from course_lib.data import Vocab
from course_lib.errors import ShapeError, VocabError, check_dtype, check_nonempty, check_shape

__all__ = [
    "CELLS",
    "make_recurrent",
    "CharLM",
    "check_ids",
    "lm_loss_fn",
    "get_batch",
    "RandomWindows",
    "batchify",
    "TBPTTBatches",
    "sample",
    "sample_next",
    "evaluate_stream",
    "bigram_loss",
    "uniform_loss",
    "unit_activations",
    "most_correlated_unit",
]

CELLS = ("rnn", "lstm", "gru")


def make_recurrent(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0,
                   scratch: bool = False) -> nn.Module:
    """The one place where a cell name becomes a module (batch first, ``forward(x, state)``).

    ``scratch=False`` gives ``nn.RNN``/``nn.LSTM``/``nn.GRU`` (concise); ``scratch=True`` gives the
    course's own loop-over-time modules with the same call and state layout (``course_lib.rnn.RNN``,
    ``course_lib.lstm.LSTM`` of chapter 3, ``course_lib.gru.GRU`` of chapter 4). Each scratch module
    has ``load_from_torch`` to copy the weights of its ``torch.nn`` twin.

    Raises:
        ValueError: unknown cell, or dropout between scratch layers (they have none).
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    if scratch:
        if dropout and num_layers > 1:
            raise ValueError("the scratch modules have no dropout between layers; use dropout=0.0")
        if cell == "rnn":
            from course_lib.rnn import RNN

            return RNN(input_size, hidden_size, num_layers)
        if cell == "lstm":
            from course_lib.lstm import LSTM

            return LSTM(input_size, hidden_size, num_layers)
        from course_lib.gru import GRU

        return GRU(input_size, hidden_size, num_layers)
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
    return cls(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0)


def check_ids(name: str, ids: Tensor, vocab_size: int) -> dict[str, int]:
    """Check a (B, T) integer tensor of ids with T >= 1 and every id in ``[0, vocab_size)``.

    Raises:
        DTypeError, ShapeError (also for T = 0), VocabError.
    """
    check_dtype(name, ids, "int")
    s = check_shape(name, ids, ("B", "T"))
    check_nonempty(name, ids, dim=1)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise VocabError(f"{name} must be in [0, V={vocab_size}), got values in [{int(ids.min())}, {int(ids.max())}]")
    return s


class CharLM(nn.Module):
    r"""Embedding -> recurrent layers -> linear read-out to the vocabulary.

    .. math:: e_t = E[x_t],\quad h_t = f(e_t, h_{t-1}),\quad z_t = h_t W_{hy} + b_y,\quad
              p(x_{t+1} \mid x_{\le t}) = \operatorname{softmax}(z_t)

    Args:
        vocab_size: V. embed_dim: E. hidden_size: H. num_layers: L.
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"`` (see :func:`make_recurrent`).
        dropout: on the embeddings, between layers and before the read-out.
        scratch: use the course's scratch module instead of ``torch.nn``'s.

    Shapes:
        ids: (B, T) int64 -> logits (B, T, V), state (the recurrent module's: (L, B, H), or a
        pair of them for an LSTM).

    Raises:
        DTypeError, ShapeError (also T = 0), VocabError for ids outside ``[0, V)``.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 1, cell: str = "rnn",
                 dropout: float = 0.0, scratch: bool = False) -> None:
        super().__init__()
        self.vocab_size, self.cell = vocab_size, cell
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = make_recurrent(cell, embed_dim, hidden_size, num_layers, dropout, scratch)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def hidden_states(self, ids: Tensor, state=None):
        """Top layer's hidden state at every step: (B, T, H), and the final state."""
        check_ids("ids", ids, self.vocab_size)
        e = self.drop(self.embedding(ids))  # (B, T, E)
        return self.rnn(e, state)  # (B, T, H)

    def forward(self, ids: Tensor, state=None):
        h, state = self.hidden_states(ids, state)  # (B, T, H)
        return self.head(self.drop(h)), state  # (B, T, V)


def lm_loss_fn(model: nn.Module, batch: tuple[Tensor, Tensor], state=None):
    """Mean next-token cross-entropy (nats per character) for :func:`course_lib.train.fit`.

    ``batch = (x, y)`` with y the inputs shifted by one. Returns ``(loss, state)``.
    """
    x, y = batch
    logits, state = model(x, state)  # (B, T, V)
    check_shape("y", y, tuple(x.shape))
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def _as_ids(data: Tensor | Sequence[int]) -> Tensor:
    data = torch.as_tensor(data)
    check_dtype("data", data, "int")
    if data.dim() != 1:
        raise ShapeError(f"data must be a 1-D stream of ids, got shape {tuple(data.shape)}")
    return data.long()


def get_batch(data: Tensor, batch_size: int, block: int, generator: torch.Generator | None = None
              ) -> tuple[Tensor, Tensor]:
    """B random windows of length T from a 1-D id stream (nanoGPT style).

    Shapes: data (N,) -> x (B, T), y (B, T) with ``y[:, t] = x[:, t + 1]`` in the stream.

    Raises:
        ShapeError: if the stream is shorter than ``block + 1``.
    """
    data = _as_ids(data)
    if block < 1 or len(data) < block + 1:
        raise ShapeError(f"need a stream of at least block + 1 = {block + 1} ids and block >= 1, got {len(data)}")
    ix = torch.randint(len(data) - block, (batch_size,), generator=generator)  # (B,)
    x = torch.stack([data[i:i + block] for i in ix.tolist()])  # (B, T)
    y = torch.stack([data[i + 1:i + 1 + block] for i in ix.tolist()])  # (B, T)
    return x, y


class RandomWindows:
    """``get_batch(split)`` for :func:`course_lib.train.fit`: random windows of each split."""

    def __init__(self, splits: dict[str, Tensor], batch_size: int, block: int, seed: int = 0) -> None:
        self.splits = {k: _as_ids(v) for k, v in splits.items()}
        self.batch_size, self.block = batch_size, block
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, split: str) -> tuple[Tensor, Tensor]:
        return get_batch(self.splits[split], self.batch_size, self.block, self.generator)


def batchify(data: Tensor, batch_size: int) -> Tensor:
    """Cut a stream into B contiguous rows (the tail that does not fit is dropped).

    Row b holds ids ``[b*N', (b+1)*N')``, so consecutive chunks of a row continue the same text,
    and a hidden state carried from one chunk to the next is meaningful.
    Shapes: data (N,) -> (B, N // B).
    """
    data = _as_ids(data)
    n = len(data) // batch_size
    if n < 2:
        raise ShapeError(f"a stream of {len(data)} ids is too short for {batch_size} rows of >= 2 ids")
    return data[: n * batch_size].view(batch_size, n)  # (B, N // B)


class TBPTTBatches:
    """``get_batch(split)`` for truncated BPTT: consecutive (B, T) chunks of :func:`batchify` rows.

    Call ``k`` returns columns ``[kT, (k+1)T)`` of the rows (and the targets one to the right);
    after the last full chunk it starts again from column 0 (``reset`` also does).
    Use with ``TrainConfig(carry_state=True)``.
    """

    def __init__(self, splits: dict[str, Tensor], batch_size: int, block: int) -> None:
        self.rows = {k: batchify(v, batch_size) for k, v in splits.items()}
        for k, r in self.rows.items():
            if r.shape[1] < block + 1:
                raise ShapeError(f"split {k!r}: rows of {r.shape[1]} ids are too short for block {block}")
        self.block = block
        self.cursor = dict.fromkeys(self.rows, 0)

    def reset(self) -> None:
        self.cursor = dict.fromkeys(self.rows, 0)

    def __call__(self, split: str) -> tuple[Tensor, Tensor]:
        rows, i = self.rows[split], self.cursor[split]
        if i + self.block + 1 > rows.shape[1]:
            i = 0
        self.cursor[split] = i + self.block
        return rows[:, i:i + self.block], rows[:, i + 1:i + 1 + self.block]  # (B, T), (B, T)


def sample_next(logits: Tensor, temperature: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    r"""Draw one id per row from :math:`\operatorname{softmax}(z / \tau)`; :math:`\tau = 0` is argmax.

    Shapes: logits (B, V) -> ids (B,).

    Raises:
        ValueError: negative temperature.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    check_shape("logits", logits, ("B", "V"))
    if temperature == 0:
        return logits.argmax(dim=-1)  # (B,)
    probs = torch.softmax(logits.float() / temperature, dim=-1)  # (B, V)
    gen_device = generator.device if generator is not None else probs.device
    return torch.multinomial(probs.to(gen_device), 1, generator=generator).squeeze(-1).to(logits.device)  # (B,)


@torch.no_grad()
def sample(model: nn.Module, vocab: Vocab, prompt: str, n: int, temperature: float = 1.0,
           generator: torch.Generator | None = None) -> str:
    """Continue ``prompt`` by ``n`` characters, feeding each sample back in (no teacher forcing).

    Returns the prompt followed by the ``n`` new characters.

    Raises:
        ValueError: empty prompt or negative n/temperature. VocabError: a prompt character the
        vocabulary lacks.
    """
    if not prompt:
        raise ValueError("prompt must have at least one character to condition on")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    ids = torch.tensor([vocab.encode(prompt)], device=device)  # (1, P)
    logits, state = model(ids)  # (1, P, V)
    out: list[int] = []
    for _ in range(n):
        nxt = sample_next(logits[:, -1], temperature, generator)  # (1,)
        out.append(int(nxt))
        logits, state = model(nxt.view(1, 1), state)  # (1, 1, V)
    model.train(was_training)
    return prompt + vocab.decode(out, strip_specials=False, stop_at_end=False)


@torch.no_grad()
def evaluate_stream(model: nn.Module, data: Tensor, batch_size: int = 32, block: int = 256) -> float:
    """Exact mean loss (nats per character) over a whole stream, carrying the state across chunks."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    rows = batchify(data, batch_size).to(device)  # (B, N')
    total, count, state = 0.0, 0, None
    for i in range(0, rows.shape[1] - 1, block):
        x, y = rows[:, i:i + block], rows[:, i + 1:i + 1 + block]
        x = x[:, : y.shape[1]]
        logits, state = model(x, state)  # (B, t, V)
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"))
        count += y.numel()
    model.train(was_training)
    return total / count


def uniform_loss(vocab_size: int) -> float:
    r"""Loss of a model that knows nothing: :math:`\ln V` nats per character."""
    return math.log(vocab_size)


def bigram_loss(train: Tensor, val: Tensor, vocab_size: int, alpha: float = 1.0) -> float:
    r"""Val cross-entropy of the count-based bigram model fitted on train, add-:math:`\alpha`:

    .. math:: p(b \mid a) = \frac{c(a, b) + \alpha}{c(a) + \alpha V}
    """
    train, val = _as_ids(train), _as_ids(val)
    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)  # (V, V)
    counts.index_put_((train[:-1], train[1:]), torch.ones(len(train) - 1, dtype=torch.float64), accumulate=True)
    logp = torch.log((counts + alpha) / (counts.sum(1, keepdim=True) + alpha * vocab_size))  # (V, V)
    return float(-logp[val[:-1], val[1:]].mean())


@torch.no_grad()
def unit_activations(model: CharLM, vocab: Vocab, text: str) -> Tensor:
    """Top-layer hidden state while reading ``text``: (T, H), on the CPU (for colouring text)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    h, _ = model.hidden_states(torch.tensor([vocab.encode(text)], device=device))  # (1, T, H)
    model.train(was_training)
    return h[0].float().cpu()  # (T, H)


def most_correlated_unit(activations: Tensor, indicator: Sequence[bool]) -> tuple[int, float]:
    """The unit whose activation (T, H) correlates most (in absolute value) with a 0/1 feature of
    the text, e.g. "inside quotes" or "next char is a newline"; returns ``(unit, correlation)``."""
    a = activations - activations.mean(0)  # (T, H)
    f = torch.as_tensor(indicator, dtype=a.dtype)
    f = f - f.mean()  # (T,)
    corr = (a * f[:, None]).sum(0) / (a.norm(dim=0) * f.norm() + 1e-12)  # (H,)
    unit = int(corr.abs().argmax())
    return unit, float(corr[unit])
