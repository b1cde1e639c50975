"""The GPT is causal, generates with temperature/top-k, its KV cache changes nothing, and it learns."""

import pytest
import torch

from course_lib.data.chars import RandomWindows, shakespeare
from course_lib.errors import DTypeError
from course_lib.experiments.gpt import LiveConfig, from_nanogpt, nanogpt_lr, run_gpt
from course_lib.lm import bigram_loss
from course_lib.transformer import GPT, GPTConfig


def _gpt(block_size=8, dtype=torch.float64):
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=11, block_size=block_size, n_layer=2, n_head=2, n_embd=16)).to(dtype).eval()


def test_gpt_logits_at_a_position_do_not_depend_on_later_tokens():
    model = _gpt()
    idx = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(1))
    idx2 = idx.clone()
    idx2[:, 5] = (idx2[:, 5] + 1) % 11
    torch.testing.assert_close(model(idx)[:, :5], model(idx2)[:, :5])
    assert not torch.allclose(model(idx)[:, 5:], model(idx2)[:, 5:])


def test_gpt_ties_output_weights_to_token_embedding():
    model = _gpt()
    assert model.lm_head.weight is model.tok_emb.weight


@pytest.mark.parametrize("temperature,top_k", [(0.0, None), (1.0, None), (0.8, 3)])
def test_kv_cache_generates_the_same_tokens_as_no_cache(temperature, top_k):
    model = _gpt(block_size=8)
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    # 20 new tokens > block_size: covers the cache being rebuilt when the window slides
    a = model.generate(prompt, 20, temperature, top_k, use_cache=False, generator=torch.Generator().manual_seed(0))
    b = model.generate(prompt, 20, temperature, top_k, use_cache=True, generator=torch.Generator().manual_seed(0))
    assert a.shape == (2, 23)
    assert torch.equal(a, b)


def test_top_k_one_is_greedy_and_samples_stay_in_the_top_k():
    model = _gpt()
    prompt = torch.tensor([[1, 2]])
    greedy = model.generate(prompt, 6, temperature=0.0)
    assert torch.equal(model.generate(prompt, 6, temperature=1.0, top_k=1), greedy)
    logits = model(prompt)[0, -1]
    allowed = set(torch.topk(logits, 3).indices.tolist())
    for s in range(20):
        tok = model.generate(prompt, 1, top_k=3, generator=torch.Generator().manual_seed(s))[0, -1].item()
        assert tok in allowed


def test_gpt_rejects_float_ids_and_too_long_input():
    model = _gpt()
    with pytest.raises(DTypeError):
        model(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(ValueError):
        model.generate(torch.zeros(1, 2, dtype=torch.long), 3, temperature=-1.0)


def test_shakespeare_batches_are_shifted_by_one_and_vocab_has_65_chars():
    data = shakespeare()
    x, y = RandomWindows(data.splits, batch_size=4, block=16, seed=0)("train")
    assert len(data.vocab) == 65 and x.shape == y.shape == (4, 16)
    assert (len(data.train), len(data.val)) == (1_003_854, 111_540)  # nanoGPT's prepare.py split
    assert torch.equal(x[:, 1:], y[:, :-1])
    assert 2.3 < bigram_loss(data.train, data.val, 65) < 2.6


def test_short_gpt_run_beats_the_bigram_baseline():
    r = run_gpt(LiveConfig(steps=250, eval_every=125, sample_chars=20))
    assert r["best_val_loss"] < r["bigram_val_loss"]
    assert len(r["samples"]["T=0.8"]) == 21


def test_experiment_configs_are_nanogpts_cpu_and_gpu_settings():
    from course_lib.experiments.gpt import CPUConfig, GPUConfig
    from course_lib.experiments.registry import get_experiment

    cpu, gpu = CPUConfig(), GPUConfig()
    assert (cpu.n_layer, cpu.n_head, cpu.n_embd, cpu.block_size, cpu.batch_size, cpu.steps, cpu.dropout) == \
        (4, 4, 128, 64, 12, 2000, 0.0)
    assert (gpu.n_layer, gpu.n_head, gpu.n_embd, gpu.block_size, gpu.batch_size, gpu.steps, gpu.dropout) == \
        (6, 6, 384, 256, 64, 5000, 0.2)
    exp = get_experiment("gpt_shakespeare")
    assert exp.small is CPUConfig and exp.full is GPUConfig


def test_split_loss_predicts_every_character_after_the_first_once_within_its_window():
    from course_lib.lm import split_loss

    model = _gpt(block_size=8)
    ids = torch.randint(0, 11, (3 * 8 + 1 + 5,), generator=torch.Generator().manual_seed(2))  # 3 windows + tail
    total, count = 0.0, 0
    for start in (0, 8, 16, 24):
        window = ids[start:start + 9]
        logits = model(window[None, :-1])[0]  # (T, V)
        total += float(torch.nn.functional.cross_entropy(logits, window[1:], reduction="sum").detach())
        count += len(window) - 1
    assert count == len(ids) - 1
    assert split_loss(model, ids, block_size=8, batch_size=2) == pytest.approx(total / count, rel=1e-9)


def test_nanogpt_log_gives_best_val_loss_and_throughput_without_the_evaluation_iterations():
    from course_lib.experiments.gpt import parse_nanogpt_log

    log = "\n".join(["step 0: train loss 4.2000, val loss 4.1900", "iter 0: loss 4.2, time 900.00ms, mfu -100.00%",
                     "iter 1: loss 4.0, time 40.00ms, mfu 0.01%", "iter 2: loss 3.9, time 60.00ms, mfu 0.01%",
                     "step 250: train loss 2.0000, val loss 2.1000", "iter 250: loss 2.0, time 700.00ms, mfu 0.01%",
                     "iter 251: loss 2.0, time 50.00ms, mfu 0.01%"])
    r = parse_nanogpt_log(log, tokens_per_iter=768)
    assert (r["best_val_loss"], r["best_step"], r["iters_timed"]) == (2.1, 250, 3)
    assert r["tokens_per_s"] == pytest.approx(768 / 0.05)
    with pytest.raises(ValueError, match="nanoGPT log"):
        parse_nanogpt_log("nothing here", 768)


def test_seeded_nanogpt_copy_differs_from_the_checkout_only_in_its_seed_constant(tmp_path):
    from course_lib.experiments.gpt import NANOGPT_SEED_LINE, seeded_nanogpt

    checkout = tmp_path / "nanoGPT"
    (checkout / "data").mkdir(parents=True)
    source = f"import torch\nseed_offset = 0\n{NANOGPT_SEED_LINE}\nprint('train')\n"
    (checkout / "train.py").write_text(source)
    (checkout / "data" / "val.bin").write_bytes(b"\x01\x02")
    assert seeded_nanogpt(checkout, 1337, tmp_path / "runs") == checkout  # its own seed: the checkout itself
    copy = seeded_nanogpt(checkout, 7, tmp_path)
    assert copy != checkout and (copy / "data" / "val.bin").read_bytes() == b"\x01\x02"
    changed = [(a, b) for a, b in zip(source.splitlines(), (copy / "train.py").read_text().splitlines(), strict=True)
               if a != b]
    assert changed == [(NANOGPT_SEED_LINE, "torch.manual_seed(7 + seed_offset)")]
    assert (checkout / "train.py").read_text() == source  # the checkout is untouched
    (checkout / "train.py").write_text("torch.manual_seed(42)\n")
    with pytest.raises(ValueError, match="found it 0 times"):
        seeded_nanogpt(checkout, 7, tmp_path / "again")


def test_references_file_holds_the_four_measured_reference_runs():
    from course_lib.experiments.gpt import reference

    assert reference("nanogpt_cpu")["best_val_loss"] == 1.8857 and reference("lstm_gpu")["time_s"] == 40.0
    assert all(reference(k)["where"] for k in ("nanogpt_cpu", "nanogpt_gpu", "lstm_cpu", "lstm_gpu"))
    with pytest.raises(KeyError, match="known"):
        reference("nanogpt_tpu")


def test_nanogpt_schedule_warms_up_to_lr_then_decays_to_a_tenth():
    from course_lib.experiments.gpt import CPUConfig

    lr_at = nanogpt_lr(CPUConfig())
    assert lr_at(0) == pytest.approx(1e-3 / 101) and lr_at(99) == pytest.approx(1e-3 * 100 / 101)
    assert lr_at(100) == pytest.approx(1e-3) and lr_at(2000) == pytest.approx(1e-4)
    assert all(lr_at(s) >= lr_at(s + 1) for s in range(100, 2000))


def test_from_nanogpt_maps_every_weight_and_splits_c_attn_into_queries_keys_values():
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
    torch.manual_seed(0)
    source = GPT(config)
    D, sd = 16, {}
    sd["transformer.wte.weight"] = sd["lm_head.weight"] = source.tok_emb.weight
    sd["transformer.wpe.weight"], sd["transformer.ln_f.weight"] = source.pos_emb.weight, source.ln_f.weight
    for i, b in enumerate(source.blocks):
        h = f"_orig_mod.transformer.h.{i}." if i else f"transformer.h.{i}."  # a compiled model's prefix too
        sd[h + "attn.c_attn.weight"] = torch.cat([b.attn.W_q.weight, b.attn.W_k.weight, b.attn.W_v.weight])  # (3D, D)
        sd[h + "attn.c_proj.weight"], sd[h + "ln_1.weight"], sd[h + "ln_2.weight"] = \
            b.attn.W_o.weight, b.ln_1.weight, b.ln_2.weight
        sd[h + "mlp.c_fc.weight"], sd[h + "mlp.c_proj.weight"] = b.mlp.W_1.weight, b.mlp.W_2.weight
    assert sd["transformer.h.0.attn.c_attn.weight"].shape == (3 * D, D)
    copy = from_nanogpt(sd, config)
    idx = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(copy(idx), source(idx), rtol=0, atol=0)
    with pytest.raises(KeyError):
        from_nanogpt({k: v for k, v in sd.items() if "c_fc" not in k}, config)


def test_speed_experiment_measures_both_attentions_without_nanogpt(monkeypatch):
    from course_lib.experiments.gpt import SpeedConfig, gpt_speed

    monkeypatch.delenv("NANOGPT_DIR", raising=False)
    out = gpt_speed(SpeedConfig(steps=3, rounds=1))
    assert set(out["mean_tokens_per_s"]) == {"readable", "fused"} and out["mean_tokens_per_s"]["fused"] > 0
    assert "readable_over_nanogpt" not in out
