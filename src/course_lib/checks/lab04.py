"""Checks for lab 04 (GRU and long-range memory): a PyTorch GRU cell equal to nn.GRUCell, and a
trained model that beats the adding problem's baseline within the CPU budget."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from course_lib.checks.core import as_numpy, check_array, fail, passed, rel_error
from course_lib.data.synthetic import ADDING_BASELINE_MSE, adding_problem

__all__ = ["check_gru_cell", "check_beats_adding_baseline", "check_which_beats_baseline", "evaluate_adding"]


def _gru_variants(x, h, W_x, W_h, b_x, b_h) -> dict[str, torch.Tensor]:
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
    return out


GRU_HINTS = {
    "zrn": "your numbers match the gate order z, r, n; PyTorch's is r, z, n (columns 0:H are the reset gate).",
    "swapped_z": "your numbers match h = z * n + (1 - z) * h_prev; PyTorch uses h = (1 - z) * n + z * h_prev.",
    "cho": "your numbers match the reset gate applied before the product, (r * h_prev) @ W_hn, as in Cho et al.; "
           "PyTorch applies it after: r * (h_prev @ W_hn + b_hn).",
}


def check_gru_cell(cell_class: Callable[[int, int], nn.Module], seed: int = 0,
                   sizes: tuple[int, int, int] = (4, 3, 5)) -> None:
    """Your ``cell_class(input_size, hidden_size)`` with parameters ``W_x (D, 3H)``, ``W_h (H, 3H)``,
    ``b_x (3H,)``, ``b_h (3H,)`` against ``nn.GRUCell`` after loading its weights: output and gradients."""
    B, D, H = sizes
    torch.manual_seed(seed)
    ref = nn.GRUCell(D, H)
    cell = cell_class(D, H)
    weights = {"W_x": ref.weight_ih.T, "W_h": ref.weight_hh.T, "b_x": ref.bias_ih, "b_h": ref.bias_hh}
    with torch.no_grad():
        for name, value in weights.items():
            param = getattr(cell, name, None)
            if param is None:
                fail("GRU cell", f"your cell has no parameter {name}",
                     "define W_x (D, 3H), W_h (H, 3H), b_x (3H,) and b_h (3H,) as nn.Parameter in __init__.")
            if tuple(param.shape) != tuple(value.shape):
                fail("GRU cell", f"{name} has shape {tuple(param.shape)}, expected {tuple(value.shape)}")
            param.copy_(value)
    x, h0 = torch.randn(B, D), torch.randn(B, H)
    h = cell(x, h0)
    h_ref = ref(x, h0)

    def hint(got, expected):
        with torch.no_grad():
            for key, alt in _gru_variants(x, h0, *(w.detach() for w in weights.values())).items():
                if key != "rzn" and rel_error(got, as_numpy(alt)) < 1e-5:
                    return GRU_HINTS[key]
        return "r and z use sigmoid, n uses tanh; h = (1 - z) * n + z * h_prev."

    check_array("GRU cell", "h_t (vs nn.GRUCell)", h, h_ref, tol=1e-5, hint=hint)
    h.pow(2).sum().backward()
    h_ref.pow(2).sum().backward()
    check_array("GRU cell", "the gradient of b_h", cell.b_h.grad, ref.bias_hh.grad, tol=1e-4,
                hint="use only differentiable torch operations (no .detach(), .numpy() or in-place edits).")
    passed("GRU cell", f"equal to nn.GRUCell (output and gradients) for (B, D, H) = {sizes}")


@torch.no_grad()
def evaluate_adding(model: nn.Module, T: int, n: int = 1024, seed: int = 12345) -> float:
    """MSE of ``model`` (x (B, T, 2) -> (B,)) on ``n`` fresh adding-problem sequences, on the CPU."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    x, y = adding_problem(n, T, torch.Generator().manual_seed(seed))
    mse = float(nn.functional.mse_loss(model(x.to(device)).reshape(-1).cpu(), y))
    model.train(was_training)
    return mse


def check_beats_adding_baseline(model: nn.Module, T: int, train_seconds: float, budget_s: float = 60.0,
                                factor: float = 0.5, min_T: int = 20) -> None:
    """The trained model's MSE on held-out sequences is below ``factor`` times the baseline 1/6,
    at ``T >= min_T``, after at most ``budget_s`` seconds of training."""
    if T < min_T:
        fail("adding problem", f"T = {T} is too short; use T >= {min_T}", "long-range memory is the point.")
    if train_seconds > budget_s:
        fail("adding problem", f"training took {train_seconds:.0f} s, the budget is {budget_s:.0f} s",
             "train for fewer steps, or with a smaller hidden size.")
    mse = evaluate_adding(model, T)
    goal = factor * ADDING_BASELINE_MSE
    if not mse < goal:
        fail("adding problem", f"held-out MSE {mse:.4f}, want < {goal:.4f} ({factor:g} x the baseline 1/6)",
             "train longer (more steps) or with a larger learning rate (e.g. 3e-3 with Adam), and clip gradients.")
    passed("adding problem", f"held-out MSE {mse:.4f} < {goal:.4f} at T = {T} in {train_seconds:.0f} s")


def check_which_beats_baseline(answer: str, mse: dict[str, float]) -> None:
    """``answer`` names the cell(s) whose MSE in ``mse`` is below half the baseline, e.g. ``"gru"``."""
    winners = sorted(k for k, v in mse.items() if v < 0.5 * ADDING_BASELINE_MSE)
    given = sorted(a.strip().lower() for a in str(answer).replace("and", ",").split(",") if a.strip())
    if given != winners:
        fail("which beats the baseline", f"you answered {given}, but by your own numbers {mse} it is {winners}",
             "compare each MSE with the baseline 1/6 = 0.1667 (beating it means well below, here < 0.083).")
    passed("which beats the baseline", f"{', '.join(winners) or 'none'} (MSE vs baseline 0.1667: {mse})")
