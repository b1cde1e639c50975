"""The training loop: truncated BPTT detaches the state; clipping by norm vs value; checkpoints."""

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
