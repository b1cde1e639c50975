"""Checks for lab 02 (a character LM in PyTorch): TBPTT batching, the training step with
clipping, the trained model's validation loss, and sampling with temperature.

Each check is a *measure* (runs the student's code on inputs drawn from the case and returns what
came out: ids, parameters after each step, per-token log-probabilities...) and a *judge* (rebuilds
the inputs and computes the reference itself): see :mod:`course_lib.checks.protocol`. Measures run
on the lab's device (``device=``, default :func:`course_lib.utils.get_device`); judges on the CPU.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from course_lib.checks.core import as_numpy, attempt, check_array, fail, raised, require_value
from course_lib.checks.protocol import register

__all__ = ["check_batchify", "check_get_chunk", "check_train_step", "check_loss_below", "check_sample_next"]


def _device(device) -> torch.device:
    from course_lib.utils import get_device

    return get_device(device)


# --- batching -----------------------------------------------------------------------------------

def _ref_batchify(data: torch.Tensor, batch_size: int) -> torch.Tensor:
    n = len(data) // batch_size
    return data[: n * batch_size].view(batch_size, n)  # (B, N // B)


def _measure_batchify(batchify: Callable, *, n: int, batch_size: int) -> dict:
    return {"rows": attempt(batchify, torch.arange(n), batch_size)}


def _judge_batchify(m: dict, *, n: int, batch_size: int) -> str:
    """batchify(data, B) -> (B, N // B) contiguous rows: row b continues where row b-1's text left off."""
    data = torch.arange(n)
    want = _ref_batchify(data, batch_size)
    require_value("batchify", f"batchify(arange({n}), {batch_size})", m["rows"],
                  "drop the tail that does not fit, then .view(B, -1).")

    def hint(got, exp):
        if got.shape == exp.shape and (as_numpy(got) == as_numpy(data[: got.size].view(-1, batch_size).T)).all():
            return "your rows interleave the text (every B-th id); each row must be one contiguous piece."
        return "drop the tail that does not fit, then .view(B, -1)."

    check_array("batchify", f"batchify(arange({n}), {batch_size})", m["rows"], want, tol=1e-12, hint=hint)
    return f"{n} ids -> {tuple(want.shape)} contiguous rows"


check_batchify = register("batchify", _measure_batchify, _judge_batchify, n=103, batch_size=4)


def _measure_get_chunk(get_chunk: Callable, batchify: Callable, *, n: int, batch_size: int, i: int, T: int) -> dict:
    rows = attempt(batchify, torch.arange(n), batch_size)
    if raised(rows) or not isinstance(rows, torch.Tensor):
        return {"rows": rows}
    first, second = attempt(get_chunk, rows, i, T), attempt(get_chunk, rows, i + T, T)
    return {"rows": rows, "first": tuple(first) if isinstance(first, (tuple, list)) else first,
            "second": tuple(second) if isinstance(second, (tuple, list)) else second}


def _xy(m: dict, key: str, call: str) -> tuple:
    out = require_value("get_chunk", call, m[key])
    if not isinstance(out, tuple) or len(out) != 2:
        fail("get_chunk", f"should return (x, y), got {type(out).__name__}", "return x, y")
    return out


def _judge_get_chunk(m: dict, *, n: int, batch_size: int, i: int, T: int) -> str:
    """get_chunk(rows, i, T) -> (x, y) = (rows[:, i:i+T], rows[:, i+1:i+1+T])."""
    rows = _ref_batchify(torch.arange(n), batch_size)
    check_array("get_chunk", f"your batchify(arange({n}), {batch_size}) (get_chunk's rows)", m["rows"], rows,
                tol=1e-12, hint="make batchify pass its own check first.")
    x, y = _xy(m, "first", f"get_chunk(rows, {i}, {T})")
    check_array("get_chunk", "x", x, rows[:, i:i + T], tol=1e-12, hint="x is columns i .. i+T-1 of every row.")
    check_array("get_chunk", "y", y, rows[:, i + 1:i + 1 + T], tol=1e-12,
                hint="y is x shifted one to the right: the character that follows each input.")
    x2, _ = _xy(m, "second", f"get_chunk(rows, {i + T}, {T})")
    if not np.array_equal(as_numpy(x2)[:, 0], as_numpy(y)[:, -1]):
        fail("get_chunk", "chunk i+T does not continue the text where chunk i stopped")
    return "x and y have shape (B, T); y is x shifted by one; chunks are consecutive"


check_get_chunk = register("get_chunk", _measure_get_chunk, _judge_get_chunk, n=200, batch_size=4, i=10, T=8)


# --- one training step --------------------------------------------------------------------------

def _model(seed: int, sizes):
    """The course's CharLM (V, E, H), initialised from ``seed`` without touching the global RNG."""
    from course_lib.lm import CharLM

    V, E, H = sizes
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return CharLM(V, E, H)


def _step_case(seed: int, sizes, shape) -> dict:
    """Two consecutive chunks (x, y) and the stale gradients the model holds before the first step."""
    V = sizes[0]
    B, T = shape
    g = torch.Generator().manual_seed(seed + 1)
    ids = torch.randint(0, V, (B, 2 * T + 1), generator=g)  # (B, 2T + 1): one stream per row
    chunks = [(ids[:, k * T:(k + 1) * T], ids[:, k * T + 1:(k + 1) * T + 1]) for k in range(2)]
    stale = {name: 3.0 * torch.randn(p.shape, generator=g) for name, p in _model(seed, sizes).named_parameters()}
    return {"chunks": chunks, "stale": stale}


def _state_info(state) -> dict:
    tensors = [state] if isinstance(state, torch.Tensor) else list(state) if isinstance(state, (tuple, list)) else []
    if not all(isinstance(t, torch.Tensor) for t in tensors):
        tensors = []
    return {"n": len(tensors), "requires_grad": [bool(t.requires_grad) for t in tensors]}


def _measure_train_step(train_step: Callable, *, seed: int, sizes, shape, clip_norm: float, device=None) -> dict:
    dev = _device(device)
    case = _step_case(seed, sizes, shape)
    model = _model(seed, sizes).to(dev)
    for name, p in model.named_parameters():  # gradients left over from an earlier step
        p.grad = case["stale"][name].to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    steps, state = [], None
    for x, y in case["chunks"]:
        out = attempt(train_step, model, opt, x.to(dev), y.to(dev), state, clip_norm)
        rec = {"kind": "raised" if raised(out) else "pair" if isinstance(out, tuple) and len(out) == 2
               else type(out).__name__, "raised": raised(out)}
        if rec["kind"] == "pair":
            loss, state = out
            rec["loss_requires_grad"] = bool(isinstance(loss, torch.Tensor) and loss.requires_grad)
            number = isinstance(loss, (int, float)) or (isinstance(loss, torch.Tensor) and loss.numel() == 1)
            rec["loss"] = float(loss.detach() if isinstance(loss, torch.Tensor) else loss) if number else None
            rec["state"] = _state_info(state)
        rec["params"] = {k: v.detach().clone() for k, v in model.named_parameters()}
        steps.append(rec)
        if rec["kind"] != "pair":
            break
    return {"steps": steps, "device": dev.type}


def _reference_steps(seed: int, sizes, shape, clip_norm: float, zero_grad: bool = True) -> list[dict]:
    """What two right (or, with ``zero_grad=False``, stale-gradient) steps give, on the CPU."""
    case = _step_case(seed, sizes, shape)
    model = _model(seed, sizes)
    for name, p in model.named_parameters():
        p.grad = case["stale"][name].clone()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    out, state = [], None
    V = sizes[0]
    for x, y in case["chunks"]:
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        if zero_grad:
            opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        opt.step()
        state = state.detach()
        out.append({"loss": float(loss.detach()), "state": state.clone(),
                    "params": {k: v.detach().clone() for k, v in model.named_parameters()}})
    return out


def _flat(params: dict) -> np.ndarray:
    return np.concatenate([as_numpy(params[k]).astype(np.float64).ravel() for k in sorted(params)])


def _judge_train_step(m: dict, *, seed: int, sizes, shape, clip_norm: float) -> str:
    """train_step(model, optimizer, x, y, state, clip_norm) -> (loss: float, state detached).

    Run twice (plain SGD, lr 1, so that the update is the clipped gradient) on a model whose
    parameters hold stale gradients, the second step from the first one's state. Checked: each
    loss is the cross-entropy before the update; the state is detached and carried; the gradients
    were zeroed, then clipped to ``clip_norm`` before the step; the parameters equal the reference's.
    """
    refs = _reference_steps(seed, sizes, shape, clip_norm)
    stale = _reference_steps(seed, sizes, shape, clip_norm, zero_grad=False)
    before = _flat({k: v for k, v in _model(seed, sizes).named_parameters()})
    steps = m["steps"]
    # the reference runs on the CPU; a GPU's reduced-precision kernels (TF32 in cuDNN) move the numbers a little
    loss_tol, step_tol = (1e-4, 1e-3) if m.get("device", "cpu") == "cpu" else (2e-3, 2e-2)
    for k, (rec, ref) in enumerate(zip(steps, refs, strict=False)):
        which = "the first call" if k == 0 else "the second call (from the first call's state)"
        if rec["kind"] == "raised":
            fail("train_step", f"{which} raised {rec['raised']}")
        if rec["kind"] != "pair":
            fail("train_step", f"should return (loss, state), got {rec['kind']}")
        if rec["loss_requires_grad"]:
            fail("train_step", "the returned loss still holds the graph",
                 "return loss.item() (a float), so the graph of this chunk can be freed.")
        loss, want = rec["loss"], ref["loss"]
        if loss is None:
            fail("train_step", "the returned loss is not a number", "return loss.item().")
        if abs(loss - want) > loss_tol * max(1.0, abs(want)):
            hint = ("use F.cross_entropy(logits.reshape(-1, V), y.reshape(-1)), computed before optimizer.step()."
                    if k == 0 else "run the model from the state passed in: logits, state = model(x, state).")
            fail("train_step", f"{which}: loss is {loss:.5f}, expected {want:.5f} (cross-entropy before the update)",
                 hint)
        st = rec["state"]
        if st["n"] == 0:
            fail("train_step", "the returned state is empty", "return the recurrent state the model gave back.")
        if any(st["requires_grad"]):
            fail("train_step", "the returned state is not detached",
                 "return state.detach() (or detach each tensor of an LSTM's (h, c)): truncated BPTT stops here.")
        got = _flat(rec["params"])
        start = before if k == 0 else _flat(steps[k - 1]["params"])
        step = got - start
        if not np.any(step):
            fail("train_step", "the parameters did not change", "call loss.backward() then optimizer.step().")
        norm = float(np.linalg.norm(step))
        if norm > clip_norm * (1 + 1e-3):
            fail("train_step", f"the update has norm {norm:.3f} > clip_norm = {clip_norm} with SGD lr=1",
                 "clip with torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm) after backward, "
                 "before optimizer.step(); and zero the gradients first.")
        want_step = _flat(ref["params"]) - (before if k == 0 else _flat(refs[k - 1]["params"]))
        err = float(np.linalg.norm(step - want_step) / max(1e-12, np.linalg.norm(step) + np.linalg.norm(want_step)))
        if not err < step_tol:
            stale_step = _flat(stale[k]["params"]) - (before if k == 0 else _flat(stale[k - 1]["params"]))
            if k == 0 and np.linalg.norm(step - stale_step) < 1e-3 * np.linalg.norm(stale_step):
                hint = ("the gradients already in the model (from an earlier step) were added to this chunk's: "
                        "zero the gradients first, optimizer.zero_grad() before loss.backward().")
            else:
                hint = ("zero the gradients first, then loss.backward(), clip_grad_norm_(model.parameters(), "
                        "clip_norm), optimizer.step(): in that order, once per call.")
            fail("train_step", f"{which}: the update differs from one step on the clipped gradient of this chunk "
                 f"(relative error {err:.2g})", hint)
    return "right loss, detached state, zeroed and clipped update, twice in a row"


check_train_step = register("train_step", _measure_train_step, _judge_train_step, options={"device": None},
                            seed=0, sizes=(11, 8, 16), shape=(3, 7), clip_norm=0.1)


# --- the trained model's validation loss --------------------------------------------------------

def _val_windows(seed: int, windows: int, length: int, corpus_chars: int):
    """``windows`` random windows (inputs, targets) of ``length`` characters from the validation text."""
    from course_lib.experiments.char_lm import prepare_data

    vocab, train_ids, val_ids = prepare_data(corpus_chars=corpus_chars)
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(val_ids) - length - 1, (windows,), generator=g)
    x = torch.stack([val_ids[s:s + length] for s in starts])  # (W, L)
    y = torch.stack([val_ids[s + 1:s + length + 1] for s in starts])  # (W, L)
    return vocab, train_ids, val_ids, x, y


@torch.no_grad()
def _measure_loss_below(model, *, bar: float, seed: int, windows: int, length: int, corpus_chars: int) -> dict:
    _, _, _, x, y = _val_windows(seed, windows, length, corpus_chars)
    if not isinstance(model, torch.nn.Module):
        return {"kind": type(model).__name__}
    was_training = model.training
    model.eval()
    try:
        dev = next(model.parameters()).device
        out = attempt(model, x.to(dev))
        logits = out[0] if isinstance(out, tuple) else out
        if raised(out) or not isinstance(logits, torch.Tensor) or logits.shape[:2] != x.shape:
            return {"kind": "module", "logits": raised(out) or f"output of shape {tuple(getattr(logits, 'shape', ()))}"}
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, y.to(dev)[..., None])[..., 0]  # (W, L)
        return {"kind": "module", "log_probs": logp}
    finally:
        model.train(was_training)


def _judge_loss_below(m: dict, *, bar: float, seed: int, windows: int, length: int, corpus_chars: int) -> str:
    """The trained model's mean cross-entropy (nats/char) on random validation windows must be below ``bar``."""
    from course_lib.lm import bigram_loss

    vocab, train_ids, val_ids, x, _ = _val_windows(seed, windows, length, corpus_chars)
    if m.get("kind") != "module":
        fail("training", f"check_loss_below needs your trained model (an nn.Module), got {m.get('kind')}",
             "pass the model you trained: check_loss_below(model, ...).")
    if "log_probs" not in m:
        fail("training", f"your model could not be run on validation windows ({m.get('logits')})",
             "model(ids) must return (logits (B, T, V), state).")
    logp = np.asarray(m["log_probs"], dtype=np.float64)
    if logp.shape != tuple(x.shape) or not np.all(np.isfinite(logp)) or np.any(logp > 1e-6):
        fail("training", "the model's log-probabilities on the validation windows are not finite",
             "the loss became nan during training: check the clipping and the learning rate.")
    val_loss = float(-logp.mean())
    if not val_loss < bar:
        baseline = bigram_loss(train_ids, val_ids, len(vocab))
        fail("training", f"validation loss {val_loss:.3f} is not below the bar {bar:.3f} "
             f"(the bigram baseline is {baseline:.3f})",
             "check that y is x shifted by one, that the state is carried and detached, and that the "
             "optimizer steps after clipping.")
    return f"validation loss {val_loss:.3f} < {bar:.3f} on {windows} windows of {length} characters"


check_loss_below = register("training", _measure_loss_below, _judge_loss_below, func_name="check_loss_below",
                            bar=2.25, seed=0, windows=16, length=256, corpus_chars=200_000)


# --- sampling with a temperature ----------------------------------------------------------------

def _sample_logits(seed: int, vocab: int) -> torch.Tensor:
    """Two rows of well-separated logits (V,), from ``seed``: the first one is sampled from."""
    rng = np.random.default_rng(seed)
    rows = [rng.permutation(np.linspace(-1.5, 1.5, vocab)) + rng.normal(size=vocab) * 0.05 for _ in range(2)]
    return torch.tensor(np.stack(rows), dtype=torch.float32)  # (2, V)


def _generators(seed: int) -> tuple[torch.Generator, torch.Generator, torch.Generator]:
    s = 1000 + 2 * seed
    return (torch.Generator().manual_seed(s), torch.Generator().manual_seed(s),
            torch.Generator().manual_seed(s + 1))


def _ids(out) -> object:
    return out if raised(out) or not isinstance(out, torch.Tensor) else out.detach().cpu()


def _measure_sample_next(sample_next: Callable, *, seed: int, vocab: int, n: int, temperatures, device=None) -> dict:
    dev = _device(device)
    logits = _sample_logits(seed, vocab).to(dev)
    m = {"greedy": _ids(attempt(sample_next, logits, 0.0, _generators(seed)[0]))}
    big = logits[:1].expand(n, vocab)  # (n, V)
    for t in temperatures:
        m[f"T={t}"] = [_ids(attempt(sample_next, big, t, g)) for g in _generators(seed)]
    return m


def _judge_sample_next(m: dict, *, seed: int, vocab: int, n: int, temperatures) -> str:
    """sample_next(logits (B, V), temperature, generator) -> ids (B,): argmax at temperature 0,
    softmax frequencies at other temperatures, reproducible with the generator."""
    logits = _sample_logits(seed, vocab)
    greedy = "temperature 0 means greedy: return logits.argmax(dim=-1) (do not divide by 0)."
    require_value("sample_next", "sample_next(logits, 0.0, generator)", m["greedy"], greedy)
    check_array("sample_next", "ids at temperature 0", m["greedy"], logits.argmax(-1), tol=1e-12, hint=greedy)
    freq = {}
    for t in temperatures:
        same, again, other = (require_value("sample_next", f"sample_next(logits, {t}, generator)", v)
                              for v in m[f"T={t}"])
        for ids in (same, again, other):
            if np.shape(ids) != (n,):
                fail("sample_next", f"returned shape {tuple(np.shape(ids))} for logits of shape {(n, vocab)}, "
                     f"expected ({n},)", "one id per row: torch.multinomial(probs, 1).squeeze(-1).")
        if not np.array_equal(same, again):
            fail("sample_next", f"two generators with the same seed gave different samples at temperature {t}",
                 "pass the generator to torch.multinomial(probs, 1, generator=generator), so that a seeded "
                 "generator makes the samples reproducible.")
        if np.array_equal(same, other):
            fail("sample_next", f"generators with different seeds gave the same {n} samples at temperature {t}",
                 "draw with the generator you are given (not a new one of your own).")
        ids = np.asarray(same).astype(np.int64)
        if ids.min() < 0 or ids.max() >= vocab:
            fail("sample_next", f"ids outside [0, {vocab}) at temperature {t}", "return indices into the vocabulary.")
        freq[t] = np.bincount(ids, minlength=vocab) / n
        want = torch.softmax(logits[0] / t, -1).numpy()
        if np.abs(freq[t] - want).max() > 0.04:
            fail("sample_next", f"at temperature {t} the frequencies {freq[t].round(2)} differ from "
                 f"softmax(logits / T) = {want.round(2)}",
                 "divide the logits by the temperature, softmax, then draw with torch.multinomial.")
    top = int(logits[0].argmax())
    ts = sorted(temperatures)
    if not all(freq[a][top] > freq[b][top] for a, b in zip(ts, ts[1:], strict=False)):
        fail("sample_next", "the most likely id is not drawn less often as the temperature rises")
    return (f"argmax at T=0; frequencies follow softmax(z/T) at T={', '.join(f'{t:g}' for t in temperatures)}; "
            "reproducible with a seeded generator")


check_sample_next = register("sample_next", _measure_sample_next, _judge_sample_next, options={"device": None},
                             seed=0, vocab=4, n=4000, temperatures=(0.5, 1.0, 3.0))
