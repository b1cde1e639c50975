"""Why attention scales: recall a marked token across a distance you choose, RNN vs LSTM vs Transformer.

The task (*marked recall*): a sequence of ``T`` random symbols out of ``K``; exactly one of them,
in the first quarter of the sequence, carries a marker. After reading the whole sequence the model
must say which symbol was marked. The answer lies between ``3T/4`` and ``T`` steps back, so ``T``
is the length of the dependency. Chance is ``1/K``.

* A recurrent model must carry the symbol in its state through every later step; its gradient
  travels back through a product of up to ``T`` Jacobians (chapter 2).
* A Transformer's last position attends to every position directly: one step, whatever ``T``.

Each model (about the same number of parameters) trains for the same number of steps on the same
batches at every length; the experiment records the test accuracy and the mean time of one training
step (forward, backward, update), all in one run on one machine.

``python -m course_lib experiment long_context --full`` writes
``book/_static/results/long_context.json/.png``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.errors import check_shape
from course_lib.experiments.registry import experiment
from course_lib.lm import make_recurrent
from course_lib.plotting.transformer import plot_long_context
from course_lib.transformer.blocks import TransformerBlock
from course_lib.transformer.positional import SinusoidalPositionalEncoding
from course_lib.utils import count_parameters, get_device, seed_everything

__all__ = ["LongContextConfig", "RecallRNN", "RecallTransformer", "make_model", "marked_recall_batch", "run"]

MODELS = ("rnn", "lstm", "transformer")


def marked_recall_batch(batch_size: int, T: int, K: int, generator: torch.Generator | None = None,
                        distractors: str = "random") -> tuple[Tensor, Tensor]:
    """A batch of the marked-recall task.

    Returns ``(x, y)``: x (B, T) ids in ``[0, 2K]``: symbol ``s`` unmarked is ``s``, marked is
    ``K + s``, and ``2K`` is a blank; one marked position per row, uniform in the first
    ``max(1, T // 4)`` positions; the other positions hold random unmarked symbols
    (``distractors="random"``) or blanks (``"blank"``). y (B,) is the marked symbol in ``[0, K)``.

    Raises:
        ValueError: if ``T < 2``, ``K < 2`` or ``distractors`` is neither "random" nor "blank".
    """
    if T < 2 or K < 2 or distractors not in ("random", "blank"):
        raise ValueError(f"need T >= 2, K >= 2, distractors 'random' or 'blank', got T={T}, K={K}, "
                         f"distractors={distractors!r}")
    if distractors == "blank":
        x = torch.full((batch_size, T), 2 * K)  # (B, T)
        symbols = torch.randint(K, (batch_size,), generator=generator)  # (B,)
    else:
        x = torch.randint(K, (batch_size, T), generator=generator)  # (B, T)
    pos = torch.randint(max(1, T // 4), (batch_size,), generator=generator)  # (B,)
    rows = torch.arange(batch_size)  # (B,)
    if distractors == "blank":
        x[rows, pos] = symbols
    y = x[rows, pos].clone()  # (B,)
    x[rows, pos] = y + K  # (B, T): the marked symbol
    return x, y


class RecallRNN(nn.Module):
    """Embedding, a recurrent layer (``nn.RNN`` or ``nn.LSTM``), a linear read-out of the last state.
    An LSTM's forget-gate bias starts at ``forget_bias`` (chapter 3: f near 1 keeps the cell state).

    Shapes: x (B, T) ids -> logits (B, K).
    """

    def __init__(self, cell: str, K: int, emb_size: int, hidden_size: int, forget_bias: float = 1.0) -> None:
        super().__init__()
        self.emb = nn.Embedding(2 * K + 1, emb_size)
        self.rnn = make_recurrent(cell, emb_size, hidden_size)
        if cell == "lstm":
            with torch.no_grad():  # PyTorch's gate order i, f, g, o; two bias vectors, one set to 0
                self.rnn.bias_ih_l0[hidden_size:2 * hidden_size].fill_(forget_bias)
                self.rnn.bias_hh_l0[hidden_size:2 * hidden_size].zero_()
        self.out = nn.Linear(hidden_size, K)

    def forward(self, x: Tensor) -> Tensor:
        check_shape("x", x, ("B", "T"))
        h, _ = self.rnn(self.emb(x))  # (B, T, H)
        return self.out(h[:, -1])  # (B, K)


class RecallTransformer(nn.Module):
    """Embedding plus sinusoidal positions, pre-LN Transformer blocks (no mask: the whole sequence is
    read), a final layer norm and a linear read-out at the last position.

    Shapes: x (B, T) ids -> logits (B, K).
    """

    def __init__(self, K: int, d_model: int, n_heads: int, n_layers: int, d_ff: int, max_len: int,
                 fast_attention: bool = False) -> None:
        super().__init__()
        self.emb = nn.Embedding(2 * K + 1, d_model)
        nn.init.normal_(self.emb.weight, std=d_model ** -0.5)  # scaled by sqrt(d_model) below
        self.scale = d_model ** 0.5
        self.pos = SinusoidalPositionalEncoding(d_model, max_len)
        self.blocks = nn.ModuleList(TransformerBlock(d_model, n_heads, d_ff, fast_attention=fast_attention)
                                    for _ in range(n_layers))
        self.ln = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, K)

    def forward(self, x: Tensor) -> Tensor:
        check_shape("x", x, ("B", "T"))
        z = self.pos(self.emb(x) * self.scale)  # (B, T, D)
        for block in self.blocks:
            z = block(z)  # (B, T, D)
        return self.out(self.ln(z[:, -1]))  # (B, K)


@dataclass
class LongContextConfig:
    lengths: tuple[int, ...] = (16, 32, 128)
    K: int = 8
    distractors: str = "blank"
    steps: int = 200
    batch_size: int = 32
    lr: float = 3e-3  # the RNN and the LSTM (the full run's tuned rates)
    transformer_lr: float = 1e-3
    test_size: int = 256
    emb_size: int = 16
    rnn_hidden: int = 128  # about as many parameters as the LSTM and the Transformer
    lstm_hidden: int = 64
    d_model: int = 32
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 64
    models: tuple[str, ...] = MODELS
    fast_attention: bool = True  # PyTorch's fused attention kernel (tested equal to the readable one)
    forget_bias: float = 5.0  # the LSTM's initial forget-gate bias (tuned in the full run)
    lr_grid: tuple[float, ...] = ()  # if given: each model's lr is tuned on it first (see tune_lengths)
    forget_bias_grid: tuple[float, ...] = ()  # if given: the LSTM's forget bias is tuned with its lr
    tune_lengths: tuple[int, ...] = ()  # the lengths the tuning averages over
    parallel: bool = False  # one process per model, all at once (their step times then share the machine)
    seed: int = 0
    device: str | None = None


def _full() -> LongContextConfig:
    return LongContextConfig(lengths=(16, 32, 64, 128, 256, 512), steps=500, test_size=512, parallel=False,
                             lr_grid=(1e-3, 3e-3, 1e-2, 3e-2), forget_bias_grid=(1.0, 3.0, 5.0),
                             tune_lengths=(16, 32, 64))


def make_model(name: str, config: LongContextConfig, forget_bias: float | None = None) -> nn.Module:
    """``"rnn"``, ``"lstm"`` or ``"transformer"`` at the configured sizes, seeded with ``config.seed``.

    Raises:
        ValueError: for another name.
    """
    seed_everything(config.seed)
    if name == "rnn":
        return RecallRNN("rnn", config.K, config.emb_size, config.rnn_hidden)
    if name == "lstm":
        return RecallRNN("lstm", config.K, config.emb_size, config.lstm_hidden,
                         config.forget_bias if forget_bias is None else forget_bias)
    if name == "transformer":
        return RecallTransformer(config.K, config.d_model, config.n_heads, config.n_layers, config.d_ff,
                                 max((*config.lengths, *config.tune_lengths)), config.fast_attention)
    raise ValueError(f"model must be one of {MODELS}, got {name!r}")


def _train_one(model: nn.Module, T: int, config: LongContextConfig, device: torch.device, lr: float,
               tuning: bool = False) -> dict:
    """Train on ``config.steps`` batches of length ``T`` and test on fresh sequences. ``tuning`` draws
    the training and test sequences from other seeds than the measured runs, so the choice of the
    learning rate never sees the test sequences."""
    offset = 50_000 if tuning else 0
    gen = torch.Generator().manual_seed(config.seed + T + offset)  # the same batches for every model at this length
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    step_times, losses = [], []
    for _ in range(config.steps):
        x, y = marked_recall_batch(config.batch_size, T, config.K, gen, config.distractors)
        x, y = x.to(device), y.to(device)  # (B, T), (B,)
        t0 = time.perf_counter()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        step_times.append(time.perf_counter() - t0)
        losses.append(loss.item())
    model.eval()
    test_gen = torch.Generator().manual_seed(10_000 + T + offset)
    x, y = marked_recall_batch(config.test_size, T, config.K, test_gen, config.distractors)
    with torch.no_grad():
        correct = sum(int((model(xb.to(device)).argmax(-1).cpu() == yb).sum())
                      for xb, yb in zip(x.split(128), y.split(128), strict=True))
    # the first steps include one-off costs (allocations); the median is the typical step
    return {"accuracy": correct / config.test_size, "step_time_s": float(torch.tensor(step_times).median()),
            "train_time_s": sum(step_times), "final_loss": sum(losses[-20:]) / len(losses[-20:])}


def _default_lr(name: str, config: LongContextConfig) -> float:
    return config.transformer_lr if name == "transformer" else config.lr


def tune(name: str, config: LongContextConfig, device: str) -> dict:
    """The setting with the best mean accuracy over ``config.tune_lengths`` (on tuning sequences,
    never the test ones): the learning rate of ``config.lr_grid`` and, for the LSTM, the initial
    forget-gate bias of ``config.forget_bias_grid`` (chapter 3: a forget gate that starts near 1
    keeps the cell state over more steps). Returns ``{"grid", "lengths", "accuracy": {setting:
    [per length]}, "chosen_lr", "chosen_forget_bias"}``; ties go to the smaller rate and bias."""
    biases = config.forget_bias_grid if name == "lstm" and config.forget_bias_grid else (None,)
    grid = [(lr, fb) for lr in config.lr_grid for fb in biases]
    acc = {(lr, fb): [_train_one(make_model(name, config, fb), T, config, torch.device(device), lr,
                                 tuning=True)["accuracy"] for T in config.tune_lengths] for lr, fb in grid}
    lr, fb = max(grid, key=lambda k: (sum(acc[k]) / len(acc[k]), -k[0], -(k[1] or 0.0)))

    def label(k: tuple) -> str:
        return f"lr={k[0]:g}" + ("" if k[1] is None else f", forget bias={k[1]:g}")

    return {"grid": [label(k) for k in grid], "lengths": list(config.tune_lengths),
            "accuracy": {label(k): a for k, a in acc.items()}, "chosen_lr": lr, "chosen_forget_bias": fb}


def _train_lengths(name: str, config: LongContextConfig, device: str) -> dict:
    if config.parallel:
        torch.set_num_threads(1)
    tuning = tune(name, config, device) if config.lr_grid else None
    lr = tuning["chosen_lr"] if tuning else _default_lr(name, config)
    fb = tuning["chosen_forget_bias"] if tuning else None
    rows = [{"T": T, **_train_one(make_model(name, config, fb), T, config, torch.device(device), lr)}
            for T in config.lengths]
    return {"rows": rows, "lr": lr, "forget_bias": fb, "tuning": tuning}


@experiment("long_context", small=LongContextConfig, full=_full)
def run(config: LongContextConfig) -> dict:
    """Marked recall at growing lengths: accuracy and time per step of an RNN, an LSTM and a Transformer."""
    device = get_device(config.device)
    out: dict = {"lengths": list(config.lengths), "K": config.K, "steps": config.steps,
                 "batch_size": config.batch_size, "parameters": {}, "models": {}}
    for name in config.models:
        out["parameters"][name] = count_parameters(make_model(name, config))
    if config.parallel:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(len(config.models), mp_context=mp.get_context("spawn")) as pool:
            futures = {name: pool.submit(_train_lengths, name, config, str(device)) for name in config.models}
            done = {name: f.result() for name, f in futures.items()}
    else:
        done = {name: _train_lengths(name, config, str(device)) for name in config.models}
    out["models"] = {name: d["rows"] for name, d in done.items()}
    out["lr"] = {name: d["lr"] for name, d in done.items()}
    out["lstm_forget_bias"] = done["lstm"]["forget_bias"] if "lstm" in done else None
    out["tuning"] = {name: d["tuning"] for name, d in done.items() if d["tuning"]}
    out["fast_attention"] = config.fast_attention
    out["figure"] = plot_long_context(out)
    return out
