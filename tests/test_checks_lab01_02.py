"""The lab 01/02 checks pass the reference answers and fail wrong ones with a useful message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.checks import (
    CheckFailed,
    check_batchify,
    check_get_chunk,
    check_loss_below,
    check_rnn_backward,
    check_rnn_forward,
    check_rnn_step_backward,
    check_rnn_step_forward,
    check_sample_next,
    check_train_step,
)
from course_lib.functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from course_lib.lm import batchify, sample_next


def test_lab01_checks_pass_the_reference(capsys):
    check_rnn_step_forward(rnn_step_forward)
    check_rnn_step_backward(rnn_step_forward, rnn_step_backward)
    check_rnn_forward(rnn_forward)
    check_rnn_backward(rnn_forward, rnn_backward)
    assert capsys.readouterr().out.count("✓") == 4


def test_transposed_recurrent_weight_is_named_in_the_hint():
    def wrong(x, h_prev, W_xh, W_hh, b):
        h = np.tanh(x @ W_xh + h_prev @ W_hh.T + b)
        return h, None

    with pytest.raises(CheckFailed, match="transposed"):
        check_rnn_step_forward(wrong)


def test_missing_tanh_is_named_in_the_hint():
    with pytest.raises(CheckFailed, match="tanh is missing"):
        check_rnn_step_forward(lambda x, h, W_xh, W_hh, b: (x @ W_xh + h @ W_hh + b, None))


def test_wrong_tanh_derivative_fails_the_backward_check():
    def wrong_backward(dh_next, cache):
        x, h_prev, W_xh, W_hh, h_next = cache
        da = dh_next * (1 - h_prev**2)
        return da @ W_xh.T, da @ W_hh.T, x.T @ da, h_prev.T @ da, da.sum(0)

    with pytest.raises(CheckFailed, match="dx"):
        check_rnn_step_backward(rnn_step_forward, wrong_backward)


def test_bptt_without_the_carried_gradient_fails():
    def no_carry(dh, cache):
        dx, _, dWx, dWh, db = rnn_backward(np.zeros_like(dh), cache)
        out = [rnn_step_backward(dh[:, t], cache[t]) for t in range(dh.shape[1])]
        dx = np.stack([o[0] for o in out], 1)
        return dx, out[0][1], sum(o[2] for o in out), sum(o[3] for o in out), sum(o[4] for o in out)

    with pytest.raises(CheckFailed, match="carried back from step t\\+1 is missing"):
        check_rnn_backward(rnn_forward, no_carry)


def test_rnn_forward_that_never_feeds_back_h_is_told_so():
    def stuck(x, h0, W_xh, W_hh, b):
        return np.stack([np.tanh(x[:, t] @ W_xh + h0 @ W_hh + b) for t in range(x.shape[1])], 1), None

    with pytest.raises(CheckFailed, match="feed each new h back"):
        check_rnn_forward(stuck)


def _get_chunk(rows, i, T):
    return rows[:, i:i + T], rows[:, i + 1:i + 1 + T]


def _train_step(model, optimizer, x, y, state, clip_norm):
    logits, state = model(x, state)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
    optimizer.step()
    return loss.item(), state.detach()


class _Bigram(torch.nn.Module):
    """A count-based bigram model as an nn.Module: validation loss about 2.49 nats/char."""

    def __init__(self, corpus_chars: int = 200_000):
        super().__init__()
        from course_lib.experiments.char_lm import prepare_data

        vocab, train, _ = prepare_data(corpus_chars=corpus_chars)
        V = len(vocab)
        counts = torch.ones(V, V)
        counts.index_put_((train[:-1], train[1:]), torch.ones(len(train) - 1), accumulate=True)
        self.logp = torch.nn.Parameter((counts / counts.sum(1, keepdim=True)).log())

    def forward(self, ids, state=None):
        return self.logp[ids], state


def test_lab02_checks_pass_the_reference(capsys):
    check_batchify(batchify)
    check_get_chunk(_get_chunk, batchify)
    check_train_step(_train_step)
    check_loss_below(_Bigram(), bar=2.6)
    check_sample_next(sample_next)
    assert capsys.readouterr().out.count("✓") == 5


def test_interleaved_batchify_is_told_so():
    with pytest.raises(CheckFailed, match="interleave"):
        check_batchify(lambda d, B: d[: len(d) // B * B].view(-1, B).T)


def test_unshifted_targets_fail_get_chunk():
    with pytest.raises(CheckFailed, match="shifted"):
        check_get_chunk(lambda r, i, T: (r[:, i:i + T], r[:, i:i + T]), batchify)


def test_undetached_state_and_missing_clipping_fail_train_step():
    def keeps_graph(model, optimizer, x, y, state, clip_norm):
        loss, st = _train_step(model, optimizer, x, y, state, clip_norm)
        return loss, st.requires_grad_()

    with pytest.raises(CheckFailed, match="detached"):
        check_train_step(keeps_graph)

    def no_clip(model, optimizer, x, y, state, clip_norm):
        return _train_step(model, optimizer, x, y, state, 1e9)

    with pytest.raises(CheckFailed, match="clip"):
        check_train_step(no_clip)


def test_train_step_without_zero_grad_fails_on_stale_gradients():
    def loss_after_the_step(model, optimizer, x, y, state, clip_norm):
        logits, state = model(x, state)
        F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        with torch.no_grad():
            loss = F.cross_entropy(model(x)[0].reshape(-1, logits.shape[-1]), y.reshape(-1))
        return loss.item(), state.detach()

    with pytest.raises(CheckFailed, match="loss is"):  # a loss after the update is told so
        check_train_step(loss_after_the_step)

    def forgets_zero_grad(model, optimizer, x, y, state, clip_norm):
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        return loss.item(), state.detach()

    with pytest.raises(CheckFailed, match="zero the gradients first, optimizer.zero_grad"):
        check_train_step(forgets_zero_grad, seed=3, sizes=(7, 5, 9), shape=(2, 4))


def test_loss_above_the_bar_fails_and_a_typed_number_is_refused():
    with pytest.raises(CheckFailed, match="not below.*bigram baseline"):
        check_loss_below(_Bigram(), bar=2.3)
    with pytest.raises(CheckFailed, match="needs your trained model"):
        check_loss_below(1.5, bar=2.0)


def test_sampling_that_ignores_the_generator_fails():
    def own_rng(logits, temperature, generator=None):
        if temperature == 0:
            return logits.argmax(-1)
        return torch.multinomial(torch.softmax(logits / temperature, -1), 1).squeeze(-1)

    with pytest.raises(CheckFailed, match="pass the generator"):
        check_sample_next(own_rng)


def test_sampling_that_ignores_temperature_fails():
    def ignores(logits, temperature, generator=None):
        return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(-1)

    with pytest.raises(CheckFailed, match="temperature"):
        check_sample_next(ignores)
