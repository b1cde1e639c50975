"""The training loop: truncated BPTT detaches the state; clipping by norm vs value; checkpoints."""

import pytest
import torch

from course_lib.lm import CharLM, TBPTTBatches, lm_loss_fn
from course_lib.train import TrainConfig, clip_gradients, detach_state, fit, load_checkpoint, save_checkpoint


def test_truncated_bptt_detaches_hidden_state_between_chunks():
    torch.manual_seed(0)
    m = CharLM(7, 4, 6, cell="lstm")
    states = []

    def loss_fn(model, batch, state):
        if state is not None:
            states.append(state)
        return lm_loss_fn(model, batch, state)

    data = torch.arange(200) % 7
    fit(m, TBPTTBatches({"train": data, "val": data}, 2, 5), loss_fn,
        TrainConfig(steps=4, eval_every=0, carry_state=True, progress=False))
    assert len(states) == 3  # the first chunk starts from None, the next three get a carried state
    assert all(not s.requires_grad and s.grad_fn is None for st in states for s in st)


def test_detach_state_keeps_values_and_cuts_the_graph():
    h = torch.ones(2, requires_grad=True) * 3
    out = detach_state((h, [h]))
    assert out[0].grad_fn is None and torch.equal(out[1][0], h.detach())


def test_clipping_by_norm_keeps_direction_by_value_does_not():
    m = torch.nn.Linear(2, 1, bias=False)
    m.weight.grad = torch.tensor([[3.0, 0.5]])
    norm = clip_gradients(m, clip_norm=1.0)
    g = m.weight.grad.flatten()
    assert abs(norm - (3.0**2 + 0.5**2) ** 0.5) < 1e-6
    assert torch.allclose(g.norm(), torch.tensor(1.0)) and torch.allclose(g[0] / g[1], torch.tensor(6.0))
    m.weight.grad = torch.tensor([[3.0, 0.5]])
    clip_gradients(m, clip_value=1.0)
    assert torch.equal(m.weight.grad, torch.tensor([[1.0, 0.5]]))  # ratio changed from 6 to 2


def test_checkpoint_round_trip_restores_weights_and_optimizer(tmp_path):
    torch.manual_seed(0)
    a, b = CharLM(5, 3, 4), CharLM(5, 3, 4)
    opt = torch.optim.AdamW(a.parameters())
    a(torch.zeros(1, 2, dtype=torch.long))[0].sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c.pt", a, opt, step=7, extra={"val_loss": 1.5})
    opt_b = torch.optim.AdamW(b.parameters())
    info = load_checkpoint(tmp_path / "c.pt", b, opt_b)
    assert info == {"step": 7, "val_loss": 1.5}
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    assert opt_b.state_dict()["state"][0]["step"] == 1


def test_fit_lowers_the_loss_of_a_char_lm_on_a_repeating_text():
    data = torch.arange(600) % 5
    m = CharLM(5, 8, 16)
    h = fit(m, TBPTTBatches({"train": data, "val": data}, 4, 8), lm_loss_fn,
            TrainConfig(steps=60, lr=1e-2, eval_every=59, eval_batches=2, carry_state=True, progress=False))
    assert h.val_loss[-1] < 0.5 * h.val_loss[0]


def test_eval_first_follows_nanogpts_loop_and_random_stream_exactly():
    """fit(eval_first, eval_train, seed=None) on RandomWindows(seed=None) is nanoGPT's train.py loop:
    batch 0 is drawn first; at every evaluation 20 train then 20 val batches; each step's batch is
    drawn before that step's evaluation; val_step counts the updates made, the last included."""
    import math

    import torch.nn.functional as F

    from course_lib.data.chars import RandomWindows
    from course_lib.lm import lm_loss_fn
    from course_lib.train import TrainConfig, fit
    from course_lib.transformer import GPT, GPTConfig

    ids = torch.randint(0, 7, (500,), generator=torch.Generator().manual_seed(0))
    splits = {"train": ids[:400], "val": ids[400:]}
    steps, every, n_eval, B, T = 6, 3, 2, 4, 8

    def lr_at(s):
        return 1e-2 * (s + 1) / 3 if s < 2 else 1e-2 * (0.1 + 0.45 * (1 + math.cos(math.pi * (s - 2) / (steps - 2))))

    def model_and_optimizer():
        torch.manual_seed(5)
        model = GPT(GPTConfig(vocab_size=7, block_size=T, n_layer=1, n_head=2, n_embd=8))
        return model, model.configure_optimizer(1e-2, 0.1, (0.9, 0.99))

    model, opt = model_and_optimizer()  # fit's run
    history = fit(model, RandomWindows(splits, B, T, seed=None), lm_loss_fn,
                  TrainConfig(steps=steps, lr_at=lr_at, eval_every=every, eval_batches=n_eval, eval_first=True,
                              eval_train=True, seed=None, progress=False, device="cpu"), optimizer=opt)

    model, opt = model_and_optimizer()  # nanoGPT's loop, transcribed
    def get_batch(split):
        data = splits[split]
        ix = torch.randint(len(data) - T, (B,))
        return torch.stack([data[i:i + T] for i in ix]), torch.stack([data[i + 1:i + 1 + T] for i in ix])

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        out = {}
        for split in ("train", "val"):
            out[split] = sum(float(F.cross_entropy(model(x).flatten(0, 1), y.flatten()))
                             for x, y in (get_batch(split) for _ in range(n_eval))) / n_eval
        model.train()
        return out

    val, train_est, losses = [], [], []
    X, Y = get_batch("train")
    for it in range(steps + 1):
        for group in opt.param_groups:
            group["lr"] = lr_at(it)
        if it % every == 0:
            est = estimate_loss()
            train_est.append(est["train"])
            val.append(est["val"])
        if it == steps:
            break
        loss = F.cross_entropy(model(X).flatten(0, 1), Y.flatten())
        X, Y = get_batch("train")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())

    assert history.val_step == [0, 3, 6]
    assert history.train_loss == pytest.approx(losses, rel=1e-6)
    assert history.val_loss == pytest.approx(val, rel=1e-6)
    assert history.train_estimate == pytest.approx(train_est, rel=1e-6)
