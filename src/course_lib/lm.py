r"""Character language models: the model, batching for training, sampling, and baselines.

A language model predicts the next token from the ones before it,

.. math:: p(x_1, \dots, x_T) = \prod_{t} p(x_{t+1} \mid x_{\le t}), \qquad
          L = -\frac{1}{BT} \sum_{b,t} \log p_\theta(x_{b,t+1} \mid x_{b,\le t}),

and is trained with *teacher forcing*: the input at step t is the true character, not the model's
own guess. Two ways to cut a long id stream into batches are here: contiguous chunks for truncated
BPTT (:class:`TBPTTBatches`, so a carried state continues the same text) and random windows
(:func:`get_batch`, nanoGPT style, no state carried); both live in :mod:`course_lib.data.chars`
and are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from course_lib.data import Vocab
from course_lib.data.chars import RandomWindows, TBPTTBatches, as_ids, batchify, random_windows
from course_lib.errors import VocabError, check_dtype, check_nonempty, check_shape

__all__ = [
    "CELLS",
    "make_recurrent",
    "CharLM",
    "check_ids",
    "next_token_loss",
    "lm_loss_fn",
    "get_batch",
    "random_windows",
    "RandomWindows",
    "batchify",
    "TBPTTBatches",
    "sample",
    "sample_next",
    "evaluate_stream",
    "split_loss",
    "bigram_log_probs",
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


def next_token_loss(logits: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
    r"""The language-model loss: mean cross-entropy of the next token over every position,
    :math:`L = -\frac{1}{BT} \sum_{b,t} \log \operatorname{softmax}(z_{b,t})_{y_{b,t}}` (nats per token).

    Shapes: logits (B, T, V), targets (B, T) ids -> scalar (``reduction="sum"``: the sum, not the mean).

    Raises:
        ShapeError: if targets is not (B, T) of the logits.
    """
    check_shape("targets", targets, tuple(logits.shape[:-1]))
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           reduction=reduction)  # (B*T, V) vs (B*T,)


def lm_loss_fn(model: nn.Module, batch: tuple[Tensor, Tensor], state=None):
    """:func:`next_token_loss` in :func:`course_lib.train.fit`'s form: ``(loss, state)``.

    ``batch = (x, y)`` with y the inputs shifted by one. ``model(x)`` may return logits (B, T, V)
    (a GPT) or ``(logits, state)`` (a recurrent model, given the carried ``state`` when there is one).
    """
    x, y = batch
    out = model(x) if state is None else model(x, state)
    logits, state = out if isinstance(out, tuple) else (out, None)  # (B, T, V)
    return next_token_loss(logits, y), state


def get_batch(data: Tensor | Sequence[int], batch_size: int, block: int, generator: torch.Generator | None = None
              ) -> tuple[Tensor, Tensor]:
    """B random windows of length T from a 1-D id stream (nanoGPT style); see
    :func:`course_lib.data.chars.random_windows`. Shapes: data (N,) -> x (B, T), y (B, T)."""
    return random_windows(data, batch_size, block, generator)


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
        total += float(next_token_loss(logits, y, reduction="sum"))
        count += y.numel()
    model.train(was_training)
    return total / count


@torch.no_grad()
def split_loss(model: nn.Module, ids: Tensor, block_size: int, batch_size: int = 128) -> float:
    r"""Mean next-token cross-entropy over a **whole** split: cut ``ids`` into consecutive windows of
    ``block_size + 1`` characters overlapping by one (window ``w`` predicts ``ids[w*T+1 .. (w+1)*T]``
    from ``ids[w*T .. (w+1)*T - 1]``), so every character after the first is predicted exactly once,
    from a context of 0 to ``block_size - 1`` earlier characters as in training. A recurrent model
    starts each window from a zero state.

    .. math:: \mathcal L = -\frac{1}{N} \sum_{t} \log p(x_{t+1} \mid \text{its window up to } t)

    ``model(x)`` may return logits (B, T, V) or ``(logits, state)``. The last, shorter window is
    included. Returns nats per character.
    """
    ids = as_ids(ids)
    was = model.training
    model.eval()
    device = next(model.parameters()).device
    n = (len(ids) - 1) // block_size  # full windows
    offsets = (torch.arange(n) * block_size)[:, None] + torch.arange(block_size + 1)  # (n, T + 1)
    pieces = list(ids[offsets].split(batch_size))  # (b, T + 1) each
    rest = ids[n * block_size:]  # the tail, shorter than a window
    if len(rest) > 1:
        pieces.append(rest[None])  # (1, T_rest + 1)
    total, count = 0.0, 0
    for chunk in pieces:
        chunk = chunk.to(device)
        out = model(chunk[:, :-1])
        logits = out[0] if isinstance(out, tuple) else out  # (b, T, V)
        total += float(next_token_loss(logits, chunk[:, 1:], reduction="sum"))
        count += chunk[:, 1:].numel()
    model.train(was)
    return total / count


def uniform_loss(vocab_size: int) -> float:
    r"""Loss of a model that knows nothing: :math:`\ln V` nats per character."""
    return math.log(vocab_size)


def bigram_log_probs(train: Tensor, vocab_size: int, alpha: float = 1.0) -> Tensor:
    r"""The count-based bigram model fitted on ``train`` with add-:math:`\alpha` smoothing, as a table
    of log-probabilities (row: the current character, column: the next):

    .. math:: \log p(b \mid a) = \log \frac{c(a, b) + \alpha}{c(a) + \alpha V}

    Shapes: train (N,) ids -> (V, V) float64.
    """
    train = as_ids(train)
    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)  # (V, V)
    counts.index_put_((train[:-1], train[1:]), torch.ones(len(train) - 1, dtype=torch.float64), accumulate=True)
    return torch.log((counts + alpha) / (counts.sum(1, keepdim=True) + alpha * vocab_size))  # (V, V)


def bigram_loss(train: Tensor, val: Tensor, vocab_size: int, alpha: float = 1.0) -> float:
    """Validation cross-entropy (nats/char) of :func:`bigram_log_probs`: the bar any model that looks
    further back than one character must beat."""
    val = as_ids(val)
    return float(-bigram_log_probs(train, vocab_size, alpha)[val[:-1], val[1:]].mean())


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
