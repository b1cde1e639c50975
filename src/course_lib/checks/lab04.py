"""Checks for lab 04 (GRU and long-range memory): a PyTorch GRU cell equal to nn.GRUCell, a training
loop that zeroes and clips its gradients, and trained models judged on fresh adding-problem sequences.

Each check is a *measure* (runs the student's code, returns what came out) and a *judge* (rebuilds
the inputs from the case, computes the reference, compares): see :mod:`course_lib.checks.protocol`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from course_lib.checks.core import check_close, fail, norm_rel_error, seeded
from course_lib.checks.protocol import register
from course_lib.data.synthetic import ADDING_BASELINE_MSE, adding_problem

__all__ = ["check_gru_cell", "check_adding_train", "check_beats_adding_baseline", "check_which_beats_baseline",
           "evaluate_adding"]

# --- the GRU cell ---------------------------------------------------------------------------------

_GRU_PARAMS = ("W_x", "W_h", "b_x", "b_h")


def _gru_inputs(seed: int, sizes: tuple[int, int, int]) -> dict[str, torch.Tensor]:
    """nn.GRUCell's weights in the lab's layout, and x (B, D), h0 (B, H), all from ``seed``."""
    B, D, H = sizes
    with seeded(seed):
        ref = nn.GRUCell(D, H)
    g = torch.Generator().manual_seed(seed + 1)
    weights = {"W_x": ref.weight_ih.detach().T.contiguous(), "W_h": ref.weight_hh.detach().T.contiguous(),
               "b_x": ref.bias_ih.detach().clone(), "b_h": ref.bias_hh.detach().clone()}
    return {**weights, "x": torch.randn(B, D, generator=g), "h0": torch.randn(B, H, generator=g)}


def _gru_reference(inp: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """nn.GRUCell's h_t and the gradients of sum(h_t^2) w.r.t. the lab's four parameters."""
    D, H = inp["W_x"].shape[0], inp["W_h"].shape[0]
    ref = nn.GRUCell(D, H)
    with torch.no_grad():
        ref.weight_ih.copy_(inp["W_x"].T)
        ref.weight_hh.copy_(inp["W_h"].T)
        ref.bias_ih.copy_(inp["b_x"])
        ref.bias_hh.copy_(inp["b_h"])
    h = ref(inp["x"], inp["h0"])
    h.pow(2).sum().backward()
    return {"h": h.detach(), "W_x": ref.weight_ih.grad.T, "W_h": ref.weight_hh.grad.T, "b_x": ref.bias_ih.grad,
            "b_h": ref.bias_hh.grad}


def _gru_variants(x, h, W_x, W_h, b_x, b_h) -> dict[str, torch.Tensor]:
    """The usual wrong GRUs, to recognise a student's output by its values."""
    H = h.shape[1]
    u, v = x @ W_x + b_x, h @ W_h + b_h
    out = {}
    for order in ("rzn", "zrn"):
        k = {g: slice(i * H, (i + 1) * H) for i, g in enumerate(order)}
        r = torch.sigmoid(u[:, k["r"]] + v[:, k["r"]])
        z = torch.sigmoid(u[:, k["z"]] + v[:, k["z"]])
        n = torch.tanh(u[:, k["n"]] + r * v[:, k["n"]])
        out[order] = (1 - z) * n + z * h
        if order == "rzn":
            out["swapped_z"] = z * n + (1 - z) * h
            n_cho = torch.tanh(u[:, k["n"]] + (r * h) @ W_h[:, k["n"]] + b_h[k["n"]])
            out["cho"] = (1 - z) * n_cho + z * h
            out["sigmoid_n"] = (1 - z) * torch.sigmoid(u[:, k["n"]] + r * v[:, k["n"]]) + z * h
            out["no_reset"] = (1 - z) * torch.tanh(u[:, k["n"]] + v[:, k["n"]]) + z * h
    return out


GRU_HINTS = {
    "zrn": "your numbers match the gate order z, r, n; PyTorch's is r, z, n (columns 0:H are the reset gate).",
    "swapped_z": "your numbers match h = z * n + (1 - z) * h_prev; PyTorch uses h = (1 - z) * n + z * h_prev.",
    "cho": "your numbers match the reset gate applied before the product, (r * h_prev) @ W_hn, as in Cho et al.; "
           "PyTorch applies it after: r * (h_prev @ W_hn + b_hn).",
    "sigmoid_n": "your numbers match a sigmoid for the candidate n; n uses tanh (r and z use sigmoid).",
    "no_reset": "your numbers match a candidate without the reset gate: n = tanh(u_n + r * v_n).",
}


def _measure_gru_cell(cell_class: Callable, *, seed: int, sizes: tuple[int, int, int]) -> dict:
    inp = _gru_inputs(seed, tuple(sizes))
    B, D, H = sizes
    with seeded(seed):
        cell = cell_class(D, H)
    params = {}
    for name in _GRU_PARAMS:
        p = getattr(cell, name, None)
        params[name] = None if not isinstance(p, torch.Tensor) else list(p.shape)
    if any(s is None or tuple(s) != tuple(inp[n].shape) for n, s in params.items()):
        return {"params": params}
    with torch.no_grad():
        for name in _GRU_PARAMS:
            getattr(cell, name).copy_(inp[name])
    h = cell(inp["x"], inp["h0"])
    grads = {}
    if isinstance(h, torch.Tensor) and h.requires_grad:
        h.pow(2).sum().backward()
        grads = {n: getattr(cell, n).grad for n in _GRU_PARAMS}
    return {"params": params, "h": h, "grads": grads}


def _judge_gru_cell(m: dict, *, seed: int, sizes: tuple[int, int, int]) -> str:
    """Your ``cell_class(input_size, hidden_size)`` with parameters ``W_x (D, 3H)``, ``W_h (H, 3H)``,
    ``b_x (3H,)``, ``b_h (3H,)`` against ``nn.GRUCell`` after loading its weights: output and gradients."""
    inp = _gru_inputs(seed, tuple(sizes))
    for name, shape in m["params"].items():
        if shape is None:
            fail("GRU cell", f"your cell has no parameter {name}",
                 "define W_x (D, 3H), W_h (H, 3H), b_x (3H,) and b_h (3H,) as nn.Parameter in __init__.")
        if tuple(shape) != tuple(inp[name].shape):
            fail("GRU cell", f"{name} has shape {tuple(shape)}, expected {tuple(inp[name].shape)}")
    ref = _gru_reference(inp)

    def hint(got, expected):
        alts = _gru_variants(inp["x"], inp["h0"], *(inp[n] for n in _GRU_PARAMS))
        for key, alt in alts.items():
            if key != "rzn" and got.shape == alt.shape and norm_rel_error(got, alt.numpy()) < 1e-4:
                return GRU_HINTS[key]
        return "r and z use sigmoid, n uses tanh; h = (1 - z) * n + z * h_prev."

    check_close("GRU cell", "h_t (vs nn.GRUCell)", m["h"], ref["h"], tol=1e-5, hint=hint)
    for name in ("b_h", "W_h", "W_x", "b_x"):
        check_close("GRU cell", f"the gradient of {name}", m["grads"].get(name), ref[name], tol=1e-4,
                    hint="use only differentiable torch operations (no .detach(), .numpy() or in-place edits).")
    return f"equal to nn.GRUCell (output and gradients) for (B, D, H) = {tuple(sizes)}"


check_gru_cell = register("gru_cell", _measure_gru_cell, _judge_gru_cell, seed=0, sizes=(4, 3, 5))


# --- the training loop: zero_grad, clipping, one Adam step per batch ------------------------------

_CLIP = 1.0  # the lab asks for clip_grad_norm_(model.parameters(), 1.0)


class _AddingProbe(nn.Module):
    """A GRU regressor whose output is scaled by 100, so that every gradient is far above the clip.

    It records each input it is given, so that the judge can recompute the first step's gradient.
    """

    def __init__(self, hidden_size: int = 8, scale: float = 100.0) -> None:
        super().__init__()
        self.recurrent = nn.GRU(2, hidden_size, batch_first=True)
        self.readout = nn.Linear(hidden_size, 1)
        self.scale = scale
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, 2) -> (B,)
        self.seen.append(x.detach().cpu().clone())
        out, _ = self.recurrent(x)  # (B, T, H)
        return self.scale * self.readout(out[:, -1]).squeeze(-1)


def _probe(seed: int) -> _AddingProbe:
    with seeded(seed):
        return _AddingProbe()


def _stale_grads(seed: int, model: nn.Module) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed + 2)
    return {n: 10.0 * torch.randn(p.shape, generator=g) for n, p in model.named_parameters()}


def _flat(grads: dict[str, object], names: list[str]) -> np.ndarray | None:
    if any(grads.get(n) is None for n in names):
        return None
    return np.concatenate([np.asarray(grads[n], dtype=np.float64).ravel() for n in names])


def _measure_adding_train(train: Callable, *, seed: int, T: int, steps: int, lr: float, batch_size: int) -> dict:
    model = _probe(seed)
    names = [n for n, _ in model.named_parameters()]
    for n, p in model.named_parameters():  # stale gradients from "an earlier step": must not reach opt.step()
        p.grad = _stale_grads(seed, model)[n].clone()
    fresh: dict[str, torch.Tensor] = {}
    backwards = [0]
    handles = []
    for n, p in model.named_parameters():
        def keep(grad, n=n):
            if n == names[0]:
                backwards[0] += 1
            fresh[n] = grad.detach().clone()
        handles.append(p.register_hook(keep))
    records: list[dict] = []

    def before_step(optimizer, args, kwargs):
        owned = {id(p) for group in optimizer.param_groups for p in group["params"]}
        params = dict(model.named_parameters())
        if not any(id(p) in owned for p in params.values()):
            return
        lrs = [group.get("lr") for group in optimizer.param_groups]
        records.append({"grad": {n: (None if p.grad is None else p.grad.detach().clone()) for n, p in params.items()},
                        "fresh": dict(fresh), "x": model.seen[-1] if model.seen else None,
                        "lr": float(lrs[0]) if lrs and isinstance(lrs[0], (int, float)) else None,
                        "optimizer": type(optimizer).__name__, "backwards": backwards[0]})

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    hook = register_optimizer_step_pre_hook(before_step)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + 3)
            returned = train(model, T, steps, lr, batch_size)
    finally:
        hook.remove()
        for h in handles:
            h.remove()
    return {"names": names, "steps": records, "forwards": len(model.seen), "returned_model": returned is model}


def _probe_gradient(seed: int, x: np.ndarray) -> dict[str, torch.Tensor]:
    """The gradient of the MSE of the freshly built probe on the batch ``x`` (targets from x itself)."""
    model = _probe(seed)
    x_t = torch.as_tensor(x, dtype=torch.float32)
    y = (x_t[..., 0] * x_t[..., 1]).sum(1)  # (B,) the adding problem's target: the two marked values
    nn.functional.mse_loss(model(x_t), y).backward()
    return {n: p.grad for n, p in model.named_parameters()}


def _is_adding_batch(x: object, batch_size: int, T: int) -> bool:
    if not isinstance(x, np.ndarray) or x.shape != (batch_size, T, 2):
        return False
    markers = x[..., 1]
    return bool(np.all((markers == 0) | (markers == 1)) and np.all(markers.sum(1) == 2))


def _judge_adding_train(m: dict, *, seed: int, T: int, steps: int, lr: float, batch_size: int) -> str:
    """``train(model, T, steps, lr, batch_size)`` on a model whose gradients are far above 1 and whose
    parameters hold stale gradients: every ``opt.step()`` must see this step's MSE gradient (zeroed
    before backward), clipped to norm 1, with the given lr; one step per batch, a fresh batch each."""
    name = "train (adding problem)"
    recs, names = m["steps"], m["names"]
    if not recs:
        fail(name, "train() took no optimizer step",
             "create torch.optim.Adam(model.parameters(), lr=lr) and call opt.step() once per training step.")
    if len(recs) != steps:
        fail(name, f"train(model, T, steps={steps}, ...) took {len(recs)} optimizer steps, expected {steps}",
             "one batch, one backward and one opt.step() per step: loop `for _ in range(steps)`.")
    for k, rec in enumerate(recs, start=1):
        if rec["lr"] is None or abs(rec["lr"] - lr) > 1e-12 * max(1.0, abs(lr)):
            fail(name, f"step {k} used the learning rate {rec['lr']}, expected lr={lr}",
                 "pass lr to the optimizer: torch.optim.Adam(model.parameters(), lr=lr).")
        if not _is_adding_batch(rec["x"], batch_size, T):
            shape = None if not isinstance(rec["x"], np.ndarray) else tuple(rec["x"].shape)
            fail(name, f"step {k} trained on an input of shape {shape}, expected an adding-problem batch "
                       f"({batch_size}, {T}, 2)", "draw x, y = adding_problem(batch_size, T) inside the loop.")
        if k > 1 and np.array_equal(rec["x"], recs[k - 2]["x"]):
            fail(name, f"steps {k - 1} and {k} trained on the same batch",
                 "draw a fresh batch with adding_problem(batch_size, T) at every step.")
    first = _flat(_probe_gradient(seed, recs[0]["x"]), names)
    got_first = _flat(recs[0]["fresh"], names)
    if got_first is None or norm_rel_error(got_first, first) > 1e-3:
        fail(name, "the gradient of your loss on the first batch is not that of the mean squared error",
             "loss = nn.functional.mse_loss(model(x), y), then loss.backward().")
    for k, rec in enumerate(recs, start=1):
        fresh, used = _flat(rec["fresh"], names), _flat(rec["grad"], names)
        if used is None or not np.any(used):
            fail(name, f"opt.step() at step {k} found no gradient (all zero or None)",
                 "call opt.zero_grad() before loss.backward(), not between backward and opt.step().")
        norm = float(np.linalg.norm(fresh))
        want = fresh * min(1.0, _CLIP / (norm + 1e-6))
        if norm_rel_error(used, want) < 1e-4:
            continue
        scale = float(np.dot(used, fresh) / max(1e-30, np.dot(fresh, fresh)))
        if norm_rel_error(used, scale * fresh) < 1e-4:  # parallel: this step's gradient, wrong length
            got = float(np.linalg.norm(used))
            if got > _CLIP * (1 + 1e-4):
                fail(name, f"opt.step() at step {k} used a gradient of norm {got:.3g}, above the clip of {_CLIP:g}",
                     "clip the gradient norm to 1 after loss.backward() and before opt.step(): "
                     "nn.utils.clip_grad_norm_(model.parameters(), 1.0).")
            fail(name, f"opt.step() at step {k} used a gradient of norm {got:.3g}, expected {_CLIP:g} "
                       f"(the gradient of norm {norm:.3g} clipped to {_CLIP:g})",
                 "clip to a norm of exactly 1: nn.utils.clip_grad_norm_(model.parameters(), 1.0).")
        if norm_rel_error(used, np.clip(fresh, -_CLIP, _CLIP)) < 1e-4:
            fail(name, f"opt.step() at step {k} used a gradient clipped value by value",
                 "clip the norm of the whole gradient, nn.utils.clip_grad_norm_, not each value.")
        fail(name, f"opt.step() at step {k} did not use this step's gradient: older gradients were added to it",
             "zero the gradients first: opt.zero_grad() before loss.backward() (gradients accumulate in .grad).")
    return f"{steps} steps: each opt.step() sees this step's gradient, clipped to norm {_CLIP:g}, at lr={lr:g}"


check_adding_train = register("adding_train", _measure_adding_train, _judge_adding_train,
                              seed=0, T=10, steps=3, lr=3e-3, batch_size=8)


# --- trained models, judged on fresh sequences -----------------------------------------------------

@torch.no_grad()
def _predict_adding(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``model``'s predictions (B,) for x (B, T, 2), in eval mode (restored), on the model's device."""
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    try:
        return model(x.to(device)).reshape(-1).cpu()
    finally:
        model.train(was_training)


def evaluate_adding(model: nn.Module, T: int, n: int = 1024, seed: int = 12345) -> float:
    """MSE of ``model`` (x (B, T, 2) -> (B,)) on ``n`` fresh adding-problem sequences."""
    x, y = adding_problem(n, T, torch.Generator().manual_seed(seed))
    return float(nn.functional.mse_loss(_predict_adding(model, x), y))


def _adding_eval_set(seed: int, T: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    return adding_problem(n, T, torch.Generator().manual_seed(seed))


def _mse(pred: object, y: torch.Tensor, name: str, who: str) -> float:
    if not isinstance(pred, np.ndarray) or pred.size != y.numel():
        shape = pred.shape if isinstance(pred, np.ndarray) else type(pred).__name__
        fail(name, f"{who} returned predictions of shape {shape} for {y.numel()} sequences, expected ({y.numel()},)",
             "the model maps x (B, T, 2) to one prediction per sequence, (B,).")
    p = pred.reshape(-1).astype(np.float64)
    if not np.all(np.isfinite(p)):
        fail(name, f"{who} predicts NaN or inf", "the training diverged: clip the gradients and lower the lr.")
    return float(np.mean((p - y.numpy().astype(np.float64)) ** 2))


def _measure_beats(model: nn.Module, *, T: int, seed: int, n: int, factor: float, min_T: int, budget_s: float,
                   train_seconds: float | None = None) -> dict:
    x, _ = _adding_eval_set(seed, T, n)
    return {"pred": _predict_adding(model, x), "train_seconds": train_seconds}


def _judge_beats(m: dict, *, T: int, seed: int, n: int, factor: float, min_T: int, budget_s: float) -> str:
    """The trained model's MSE on ``n`` fresh sequences of length ``T`` (drawn for this run) is below
    ``factor`` times the baseline 1/6; a training time you report above ``budget_s`` fails."""
    name = "adding problem"
    if T < min_T:
        fail(name, f"T = {T} is too short; use T >= {min_T}", "long-range memory is the point.")
    secs = m.get("train_seconds")
    if isinstance(secs, (int, float)) and secs > budget_s:
        fail(name, f"training took {secs:.0f} s, the budget is {budget_s:.0f} s",
             "train for fewer steps, or with a smaller hidden size.")
    _, y = _adding_eval_set(seed, T, n)
    mse = _mse(m["pred"], y, name, "the model")
    goal = factor * ADDING_BASELINE_MSE
    if not mse < goal:
        fail(name, f"held-out MSE {mse:.4f}, want < {goal:.4f} ({factor:g} x the baseline 1/6)",
             "train longer (more steps) or with a larger learning rate (e.g. 3e-3 with Adam), and clip gradients.")
    return f"held-out MSE {mse:.4f} < {goal:.4f} on {n} fresh sequences of length T = {T}"


check_beats_adding_baseline = register("beats_adding_baseline", _measure_beats, _judge_beats,
                                       options={"train_seconds": None}, T=25, seed=0, n=1024, factor=0.5,
                                       min_T=20, budget_s=60.0)


def _parse_answer(answer: object) -> list[str] | None:
    if not isinstance(answer, str):
        return None
    return sorted(a.strip().lower() for a in answer.replace(" and ", ",").split(",") if a.strip())


def _measure_which(answer: object, models: object, *, T: int, seed: int, n: int,
                   names: tuple[str, ...]) -> dict:
    x, _ = _adding_eval_set(seed, T, n)
    preds = {}
    if isinstance(models, dict):
        preds = {str(k): _predict_adding(v, x) for k, v in models.items() if str(k) in names}
    return {"answer": answer if isinstance(answer, str) else None, "preds": preds}


def _judge_which(m: dict, *, T: int, seed: int, n: int, names: tuple[str, ...]) -> str:
    """``answer`` names the model(s) whose MSE, measured here on ``n`` fresh sequences, is below half
    the baseline, e.g. ``"gru"``; ``models`` maps each name to the trained model."""
    name = "which beats the baseline"
    for k in names:
        if k not in m["preds"]:
            fail(name, f"there is no trained model {k!r} in models (got {sorted(m['preds'])})",
                 "train both models in the cell above first: models = {'rnn': ..., 'gru': ...}.")
    _, y = _adding_eval_set(seed, T, n)
    mse = {k: _mse(m["preds"][k], y, name, f"models[{k!r}]") for k in names}
    winners = sorted(k for k, v in mse.items() if v < 0.5 * ADDING_BASELINE_MSE)
    given = _parse_answer(m["answer"])
    shown = {k: round(v, 4) for k, v in mse.items()}
    if given is None:
        fail(name, "answer must be a string such as \"gru\"", "set answer = \"rnn\", \"gru\", \"rnn, gru\" or \"\".")
    if given != winners:
        fail(name, f"you answered {given}, but the MSEs of your models on fresh sequences are {shown}: "
                   f"it is {winners}",
             "compare each MSE with the baseline 1/6 = 0.1667 (beating it means well below, here < 0.083).")
    return f"{', '.join(winners) or 'none'} (MSE on fresh sequences vs baseline 0.1667: {shown})"


check_which_beats_baseline = register("which_beats_baseline", _measure_which, _judge_which,
                                      T=25, seed=0, n=1024, names=("rnn", "gru"))
