"""The long-context experiment: the marked-recall task, its three models, and a tiny run."""

import matplotlib
import pytest
import torch

from course_lib.experiments.long_context import LongContextConfig, make_model, marked_recall_batch, run

matplotlib.use("Agg")


@pytest.mark.parametrize("distractors", ["random", "blank"])
def test_marked_recall_has_one_marked_symbol_in_the_first_quarter_and_it_is_the_label(distractors):
    K, T = 5, 40
    x, y = marked_recall_batch(64, T, K, torch.Generator().manual_seed(0), distractors)
    marked = x >= K
    marked &= x < 2 * K  # (B, T): ids K..2K-1 are marked symbols
    assert x.shape == (64, T) and torch.equal(marked.sum(1), torch.ones(64, dtype=torch.long))
    pos = marked.float().argmax(1)  # (B,)
    assert int(pos.max()) < T // 4
    assert torch.equal(x[torch.arange(64), pos] - K, y)
    if distractors == "blank":
        assert torch.equal(x[~marked], torch.full_like(x[~marked], 2 * K))
    else:
        assert int(x[~marked].max()) < K


def test_marked_recall_rejects_bad_arguments():
    with pytest.raises(ValueError, match="distractors"):
        marked_recall_batch(2, 8, 4, distractors="noise")


def test_the_three_models_give_logits_over_the_symbols_at_about_the_same_size():
    cfg = LongContextConfig()
    sizes = {}
    for name in ("rnn", "lstm", "transformer"):
        model = make_model(name, cfg)
        assert model(torch.zeros(3, 20, dtype=torch.long)).shape == (3, cfg.K)
        sizes[name] = sum(p.numel() for p in model.parameters())
    assert max(sizes.values()) < 1.3 * min(sizes.values()), sizes
    with pytest.raises(ValueError, match="model must be"):
        make_model("gru", cfg)


def test_long_context_run_reports_accuracy_and_step_time_per_length_and_model():
    cfg = LongContextConfig(lengths=(8, 16), steps=3, batch_size=4, test_size=8, models=("rnn", "transformer"))
    out = run(cfg)
    assert out["lengths"] == [8, 16] and set(out["models"]) == {"rnn", "transformer"}
    for runs in out["models"].values():
        assert [r["T"] for r in runs] == [8, 16]
        assert all(0 <= r["accuracy"] <= 1 and r["step_time_s"] > 0 for r in runs)
    assert len(out["figure"].axes) == 2


def test_learning_rate_is_tuned_per_model_on_tuning_sequences_and_recorded():
    from course_lib.experiments.long_context import tune

    cfg = LongContextConfig(lengths=(8,), steps=3, batch_size=4, test_size=8, models=("rnn", "lstm"),
                            lr_grid=(1e-3, 1e-2), forget_bias_grid=(1.0, 3.0), tune_lengths=(8, 12))
    tuning = tune("rnn", cfg, "cpu")
    assert tuning["chosen_lr"] in (1e-3, 1e-2) and tuning["lengths"] == [8, 12]
    assert tuning["grid"] == ["lr=0.001", "lr=0.01"] and tuning["chosen_forget_bias"] is None
    assert all(len(a) == 2 and all(0 <= x <= 1 for x in a) for a in tuning["accuracy"].values())
    best = max(sum(a) for a in tuning["accuracy"].values())
    assert sum(tuning["accuracy"][f"lr={tuning['chosen_lr']:g}"]) == best
    lstm = tune("lstm", cfg, "cpu")
    assert len(lstm["grid"]) == 4 and lstm["chosen_forget_bias"] in (1.0, 3.0)
    out = run(cfg)
    assert out["lr"]["rnn"] == out["tuning"]["rnn"]["chosen_lr"]
    assert out["lstm_forget_bias"] == out["tuning"]["lstm"]["chosen_forget_bias"]


def test_lstm_forget_bias_sets_the_forget_gates_initial_bias():
    model = make_model("lstm", LongContextConfig(), forget_bias=5.0)
    H = LongContextConfig().lstm_hidden
    assert torch.all(model.rnn.bias_ih_l0[H:2 * H] == 5.0) and torch.all(model.rnn.bias_hh_l0[H:2 * H] == 0.0)


def test_fast_attention_transformer_gives_the_readable_ones_logits():
    cfg = LongContextConfig(lengths=(16,))
    fast = make_model("transformer", cfg).double().eval()
    slow = make_model("transformer", LongContextConfig(lengths=(16,), fast_attention=False)).double().eval()
    x, _ = marked_recall_batch(4, 16, cfg.K, torch.Generator().manual_seed(0))
    torch.testing.assert_close(fast(x), slow(x))
