"""Checks for lab 02 (a character LM in PyTorch): TBPTT batching, the training step with
clipping, the loss bar, and sampling with temperature. They run on CPU, CUDA or MPS."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from course_lib.checks.core import as_numpy, check_array, fail, passed

__all__ = ["check_batchify", "check_get_chunk", "check_train_step", "check_loss_below", "check_sample_next"]


def check_batchify(batchify: Callable, n: int = 103, batch_size: int = 4) -> None:
    """batchify(data, B) -> (B, N // B) contiguous rows: row b continues where row b-1's text left off."""
    data = torch.arange(n)
    rows = batchify(data, batch_size)
    want = data[: (n // batch_size) * batch_size].view(batch_size, -1)

    def hint(got, exp):
        if got.shape == exp.shape and (as_numpy(got) == as_numpy(data[: got.size].view(-1, batch_size).T)).all():
            return "your rows interleave the text (every B-th id); each row must be one contiguous piece."
        return "drop the tail that does not fit, then .view(B, -1)."

    check_array("batchify", f"batchify(arange({n}), {batch_size})", rows, want, tol=1e-12, hint=hint)
    passed("batchify", f"{n} ids -> {tuple(want.shape)} contiguous rows")


def check_get_chunk(get_chunk: Callable, batchify: Callable) -> None:
    """get_chunk(rows, i, T) -> (x, y) = (rows[:, i:i+T], rows[:, i+1:i+1+T])."""
    rows = batchify(torch.arange(200), 4)
    x, y = get_chunk(rows, 10, 8)
    check_array("get_chunk", "x", x, rows[:, 10:18], tol=1e-12, hint="x is columns i .. i+T-1 of every row.")
    check_array("get_chunk", "y", y, rows[:, 11:19], tol=1e-12,
                hint="y is x shifted one to the right: the character that follows each input.")
    x2, _ = get_chunk(rows, 18, 8)
    if not torch.equal(torch.as_tensor(x2)[:, 0], torch.as_tensor(y)[:, -1]):
        fail("get_chunk", "chunk i+T does not continue the text where chunk i stopped")
    passed("get_chunk", "x and y have shape (B, T); y is x shifted by one; chunks are consecutive")


def check_train_step(train_step: Callable, make_model: Callable[[], torch.nn.Module], vocab_size: int,
                     device: torch.device | str = "cpu", clip_norm: float = 0.1) -> None:
    """train_step(model, optimizer, x, y, state, clip_norm) -> (loss: float, state detached).

    Checked: the returned loss is the cross-entropy before the update; the state is detached;
    gradients were clipped to ``clip_norm`` before the step (using plain SGD, lr 1, to see it);
    the parameters changed.
    """
    torch.manual_seed(0)
    model = make_model().to(device)
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    x = torch.randint(0, vocab_size, (3, 7), device=device)
    y = torch.randint(0, vocab_size, (3, 7), device=device)
    with torch.no_grad():
        logits, _ = model(x)
        want = float(F.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1)))
    out = train_step(model, opt, x, y, None, clip_norm)
    if not isinstance(out, tuple) or len(out) != 2:
        fail("train_step", f"should return (loss, state), got {type(out).__name__}")
    loss, state = out
    if isinstance(loss, torch.Tensor):
        if loss.requires_grad:
            fail("train_step", "the returned loss still holds the graph",
                 "return loss.item() (a float), so the graph of this chunk can be freed.")
        loss = float(loss)
    if abs(loss - want) > 1e-4 * max(1.0, abs(want)):
        fail("train_step", f"loss is {loss:.5f}, expected {want:.5f} (cross-entropy before the update)",
             "use F.cross_entropy(logits.reshape(-1, V), y.reshape(-1)), computed before optimizer.step().")
    tensors = [state] if isinstance(state, torch.Tensor) else list(state or [])
    if not tensors:
        fail("train_step", "the returned state is empty", "return the recurrent state the model gave back.")
    if any(t.requires_grad for t in tensors):
        fail("train_step", "the returned state is not detached",
             "return state.detach() (or detach each tensor of an LSTM's (h, c)): truncated BPTT stops here.")
    step_sq = sum(float(((v.float() - before[k].float().to(v.device)) ** 2).sum())
                  for k, v in model.state_dict().items())
    if step_sq == 0:
        fail("train_step", "the parameters did not change", "call loss.backward() then optimizer.step().")
    if step_sq ** 0.5 > clip_norm * (1 + 1e-3):
        fail("train_step", f"the update has norm {step_sq ** 0.5:.3f} > clip_norm = {clip_norm} with SGD lr=1",
             "clip with torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm) after backward, "
             "before optimizer.step(); and zero the gradients first.")
    passed("train_step", "right loss, detached state, clipped update")


def check_loss_below(val_loss: float, bar: float, baseline: float | None = None) -> None:
    """The validation loss a student's training reached must be below ``bar`` (nats/char)."""
    if not val_loss < bar:
        extra = f" (the bigram baseline is {baseline:.3f})" if baseline is not None else ""
        fail("training", f"validation loss {val_loss:.3f} is not below the bar {bar:.3f}{extra}",
             "check that y is x shifted by one, that the state is carried and detached, and that the "
             "optimizer steps after clipping.")
    passed("training", f"validation loss {val_loss:.3f} < {bar:.3f}")


def check_sample_next(sample_next: Callable, seed: int = 0, device: torch.device | str = "cpu") -> None:
    """sample_next(logits (B, V), temperature, generator) -> ids (B,): argmax at temperature 0,
    softmax frequencies at 1, sharper below 1, flatter above."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.tensor([[1.0, 3.0, 0.0, 2.0], [0.5, -1.0, 2.5, 0.0]], device=device)
    got = sample_next(logits, 0.0, g)
    check_array("sample_next", "ids at temperature 0", got, logits.argmax(-1), tol=1e-12,
                hint="temperature 0 means greedy: return logits.argmax(dim=-1) (do not divide by 0).")
    n = 4000
    big = logits[:1].expand(n, 4)
    freq = {}
    for t in (0.5, 1.0, 3.0):
        ids = torch.as_tensor(sample_next(big, t, g)).cpu()
        if ids.shape != (n,):
            fail("sample_next", f"returned shape {tuple(ids.shape)} for logits of shape {(n, 4)}, expected ({n},)",
                 "one id per row: torch.multinomial(probs, 1).squeeze(-1).")
        freq[t] = torch.bincount(ids, minlength=4).float() / n
        want = torch.softmax(logits[0].cpu() / t, -1)
        if (freq[t] - want).abs().max() > 0.04:
            fail("sample_next", f"at temperature {t} the frequencies {freq[t].numpy().round(2)} differ from "
                 f"softmax(logits / T) = {want.numpy().round(2)}",
                 "divide the logits by the temperature, softmax, then draw with torch.multinomial.")
    if not freq[0.5][1] > freq[1.0][1] > freq[3.0][1]:
        fail("sample_next", "the most likely id is not drawn less often as the temperature rises")
    passed("sample_next", "argmax at T=0; frequencies follow softmax(z/T) at T=0.5, 1, 3")
