"""Character LM: shapes, errors, batching, sampling and baselines."""

import math

import pytest
import torch

from course_lib.data import Vocab
from course_lib.errors import DTypeError, ShapeError, VocabError
from course_lib.lm import (
    CharLM,
    RandomWindows,
    TBPTTBatches,
    batchify,
    bigram_loss,
    evaluate_stream,
    get_batch,
    lm_loss_fn,
    make_recurrent,
    sample,
    sample_next,
    uniform_loss,
)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_char_lm_gives_logits_for_every_step(cell):
    m = CharLM(11, 8, 16, num_layers=2, cell=cell)
    logits, state = m(torch.randint(0, 11, (3, 7)))
    assert logits.shape == (3, 7, 11)
    logits2, _ = m(torch.randint(0, 11, (3, 2)), state)  # the state is accepted back
    assert logits2.shape == (3, 2, 11)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_scratch_char_lm_equals_concise_after_loading_weights(cell, num_layers):
    torch.manual_seed(0)
    a = CharLM(9, 4, 6, num_layers=num_layers, cell=cell)
    b = CharLM(9, 4, 6, num_layers=num_layers, cell=cell, scratch=True)
    assert type(b.rnn).__module__ == f"course_lib.{cell}"  # really the scratch module
    b.embedding.load_state_dict(a.embedding.state_dict())
    b.head.load_state_dict(a.head.state_dict())
    b.rnn.load_from_torch(a.rnn)
    ids = torch.randint(0, 9, (2, 5))
    logits_a, state_a = a(ids)
    logits_b, state_b = b(ids)
    torch.testing.assert_close(logits_a, logits_b)
    torch.testing.assert_close(state_a, state_b)  # same state layout, so it can be carried across chunks
    more = torch.randint(0, 9, (2, 3))
    torch.testing.assert_close(a(more, state_a)[0], b(more, state_b)[0])


def test_unknown_cells_and_dropout_between_scratch_layers_are_refused():
    with pytest.raises(ValueError, match="cell must be one of"):
        make_recurrent("transformer", 4, 4)
    with pytest.raises(ValueError, match="no dropout"):
        make_recurrent("lstm", 4, 4, num_layers=2, dropout=0.1, scratch=True)


def test_char_lm_refuses_bad_ids():
    m = CharLM(5, 4, 4)
    with pytest.raises(VocabError):
        m(torch.tensor([[0, 5]]))
    with pytest.raises(VocabError):
        m(torch.tensor([[-1, 0]]))
    with pytest.raises(ShapeError):
        m(torch.zeros(2, 0, dtype=torch.long))
    with pytest.raises(DTypeError):
        m(torch.zeros(2, 3))
    with pytest.raises(ShapeError):
        m(torch.zeros(3, dtype=torch.long))


def test_random_windows_targets_are_inputs_shifted_by_one():
    data = torch.arange(100)
    x, y = get_batch(data, 4, 10, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 10)
    assert torch.equal(y, x + 1)
    with pytest.raises(ShapeError):
        get_batch(torch.arange(5), 2, 10)
    x2, _ = RandomWindows({"train": data}, 3, 5)("train")
    assert x2.shape == (3, 5)


def test_tbptt_batches_are_contiguous_chunks_of_each_row():
    data = torch.arange(100)
    rows = batchify(data, 4)
    assert rows.shape == (4, 25) and torch.equal(rows[1], torch.arange(25, 50))
    b = TBPTTBatches({"train": data}, 4, 5)
    x1, y1 = b("train")
    x2, _ = b("train")
    assert torch.equal(x2[:, 0], y1[:, -1])  # the next chunk continues the text where the last one stopped
    assert torch.equal(x1[:, 0], torch.tensor([0, 25, 50, 75]))


def test_temperature_zero_is_argmax_and_high_temperature_flattens():
    logits = torch.tensor([[0.0, 2.0, 1.0]])
    assert int(sample_next(logits, 0.0)) == 1
    g = torch.Generator().manual_seed(0)
    draws = torch.stack([sample_next(logits.expand(2000, 3), 100.0, g)]).flatten()
    freq = torch.bincount(draws, minlength=3).float() / draws.numel()
    assert torch.all((freq - 1 / 3).abs() < 0.05)
    with pytest.raises(ValueError):
        sample_next(logits, -1.0)


def test_sample_returns_prompt_plus_n_chars_deterministic_at_temperature_zero():
    v = Vocab.from_text("hello world", specials=())
    m = CharLM(len(v), 4, 8)
    s1, s2 = sample(m, v, "he", 10, 0.0), sample(m, v, "he", 10, 0.0)
    assert s1 == s2 and len(s1) == 12 and s1.startswith("he")
    with pytest.raises(ValueError):
        sample(m, v, "", 3)
    with pytest.raises(VocabError):
        sample(m, v, "xyz", 3)


def test_loss_of_untrained_model_is_near_uniform_and_bigram_beats_uniform():
    torch.manual_seed(0)
    V = 13
    m = CharLM(V, 8, 8)
    with torch.no_grad():
        m.head.weight.zero_()
        m.head.bias.zero_()
    data = torch.randint(0, V, (300,))
    loss, _ = lm_loss_fn(m, get_batch(data, 4, 16))
    assert float(loss.detach()) == pytest.approx(math.log(V), abs=1e-6)
    assert evaluate_stream(m, data, batch_size=2, block=7) == pytest.approx(uniform_loss(V), abs=1e-6)
    periodic = torch.arange(400) % V  # each char determines the next: bigram loss near 0
    assert bigram_loss(periodic, periodic, V, alpha=0.01) < 0.05 < uniform_loss(V)


def test_hidden_unit_tools_find_a_planted_unit_and_refuse_mismatched_text():
    from course_lib.lm import most_correlated_unit, unit_activations
    from course_lib.plotting.rnn import hidden_unit_html

    v = Vocab.from_text("ab\n", specials=())
    m = CharLM(len(v), 4, 6)
    acts = unit_activations(m, v, "ab\nab")
    assert acts.shape == (5, 6)
    feature = [True, False, True, False, True]
    planted = torch.randn(5, 3)
    planted[:, 2] = torch.tensor(feature, dtype=torch.float32) * 2 - 1
    assert most_correlated_unit(planted, feature)[0] == 2
    assert hidden_unit_html("ab", [0.5, -0.5]).count("<span") == 2
    with pytest.raises(ValueError):
        hidden_unit_html("abc", [0.1])


def test_linear_rnn_gradient_norm_scales_as_spectral_radius_to_the_distance():
    import numpy as np

    from course_lib.experiments.gradient_norms import gradient_norm_curve

    for rho in (0.9, 1.0, 1.1):
        c = gradient_norm_curve(rho, steps=20, hidden_size=8, activation="linear")
        np.testing.assert_allclose(c / c[0], rho ** np.arange(20), rtol=1e-9)
    tanh = gradient_norm_curve(1.0, steps=20, hidden_size=8, activation="tanh")
    assert tanh[-1] < tanh[0]
