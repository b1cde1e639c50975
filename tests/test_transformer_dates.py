"""The encoder-decoder Transformer on chapter 5-6's date data, through chapter 5-6's interfaces."""

import torch

from course_lib.data.dates import make_date_dataset
from course_lib.decoding import beam_search, greedy_decode, translate
from course_lib.errors import ShapeError
from course_lib.experiments.transformer_dates import TransformerDatesConfig, dates_table, make_models, run
from course_lib.seq2seq import make_loss_fn
from course_lib.transformer import Seq2SeqTransformer, Seq2SeqTransformerConfig

DATA = make_date_dataset(300, seed=0)


def _model(seed=0):
    torch.manual_seed(seed)
    return Seq2SeqTransformer(Seq2SeqTransformerConfig(len(DATA.src_vocab), len(DATA.tgt_vocab), d_model=16,
                                                       n_heads=2, n_enc_layers=1, n_dec_layers=1, d_ff=32)).eval()


def test_transformer_gives_logits_of_shape_batch_target_vocab_on_a_date_batch():
    b = DATA.get_batch("train", 5)
    logits = _model()(b.src, b.src_mask, b.tgt_in)
    assert logits.shape == (5, b.tgt_in.shape[1], len(DATA.tgt_vocab))


def test_transformer_output_for_a_source_does_not_depend_on_padding_or_other_rows():
    model = _model()
    pairs = [DATA.train[0], max(DATA.train, key=lambda p: len(p[0]))]
    alone, padded = DATA.encode(pairs[:1]), DATA.encode(pairs)
    assert padded.src.shape[1] > alone.src.shape[1]  # the first row is padded in the pair batch
    torch.testing.assert_close(model(padded.src, padded.src_mask, padded.tgt_in)[:1],
                               model(alone.src, alone.src_mask, alone.tgt_in), atol=1e-5, rtol=1e-5)


def test_transformer_steps_give_the_same_logits_as_one_teacher_forced_pass():
    model = _model()
    b = DATA.get_batch("train", 3)
    full = model(b.src, b.src_mask, b.tgt_in)  # (B, T, V)
    memory = model.encode(b.src, b.src_mask)
    state = model.init_state(memory)
    for t in range(b.tgt_in.shape[1]):
        logits, state, alpha = model.step(b.tgt_in[:, t], state, memory)
        torch.testing.assert_close(logits, full[:, t], atol=1e-5, rtol=1e-5)
        assert alpha.shape == b.src.shape and torch.all(alpha[~b.src_mask] == 0)
    assert state.shape == (b.tgt_in.shape[1], 3)


def test_transformer_is_causal_in_the_target():
    model = _model()
    b = DATA.get_batch("train", 2)
    tgt2 = b.tgt_in.clone()
    tgt2[:, 5] = (tgt2[:, 5] + 1) % len(DATA.tgt_vocab)
    torch.testing.assert_close(model(b.src, b.src_mask, tgt2)[:, :5], model(b.src, b.src_mask, b.tgt_in)[:, :5])


def test_greedy_decode_and_beam_search_of_chapter_5_decode_the_transformer():
    model = _model()
    b = DATA.encode(DATA.test[:4])
    ids, attn = greedy_decode(model, b.src, b.src_mask, DATA.tgt_vocab.bos_id, DATA.tgt_vocab.end_id, 12)
    assert ids.shape[0] == 4 and ids.shape[1] <= 12 and attn.shape == (4, ids.shape[1], b.src.shape[1])
    hyps = beam_search(model, b.src[:1], b.src_mask[:1], DATA.tgt_vocab.bos_id, DATA.tgt_vocab.end_id, 12,
                       beam_size=3)
    assert 1 <= len(hyps) <= 3 and hyps[0].score >= hyps[-1].score
    assert len(translate(model, [s for s, _ in DATA.test[:4]], DATA.src_vocab, DATA.tgt_vocab, 12)) == 4


def test_transformer_rejects_a_mask_that_is_not_a_prefix():
    b = DATA.get_batch("train", 2)
    bad = b.src_mask.clone()
    bad[0, 0] = False
    try:
        _model().encode(b.src, bad)
    except ShapeError as e:
        assert "prefix" in str(e)
    else:
        raise AssertionError("a mask with a hole must raise ShapeError")


def test_transformer_loss_falls_on_dates_in_a_short_run():
    torch.manual_seed(0)
    model = _model().train()
    loss_fn = make_loss_fn(DATA.tgt_vocab.pad_id)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    fixed = tuple(DATA.get_batch("train", 32))
    first = loss_fn(model, fixed)[0].item()
    for _ in range(60):
        loss = loss_fn(model, tuple(DATA.get_batch("train", 32)))[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss_fn(model, fixed)[0].item() < 0.6 * first


def test_transformer_dates_experiment_compares_two_models_of_similar_size():
    cfg = TransformerDatesConfig(n=400, steps=5, batch_size=8, d_model=16, n_heads=2, d_ff=32, emb_size=8,
                                 hidden_size=16, warmup_steps=2)
    models = make_models(TransformerDatesConfig(), DATA)
    p = {k: sum(x.numel() for x in m.parameters()) for k, m in models.items()}
    assert abs(p["rnn"] - p["transformer"]) < 0.05 * p["rnn"]  # the default sizes are comparable
    out = run(cfg)
    assert set(out["models"]) == {"rnn", "transformer"} and out["test_size"] == 40
    for r in out["models"].values():
        assert 0 <= r["exact_match"] <= r["token_accuracy"] + 1e-9 <= 1 + 1e-9 and len(r["train_loss"]) == 5
    table = dates_table(out)
    assert table.count("\n") == 3 and "Transformer" in table


def test_transformer_embeddings_after_scaling_are_as_large_as_the_positional_code():
    # Vaswani et al.'s sqrt(d_model) factor presumes embeddings of size d_model^-1/2; with nn.Embedding's
    # N(0, 1) start the tokens were sqrt(d_model) times the positions and the date model stalled at ~40 %.
    model = Seq2SeqTransformer(Seq2SeqTransformerConfig(50, 20, d_model=64))
    for emb in (model.src_emb, model.tgt_emb):
        scaled_std = float((emb.weight.detach() * model.scale).std())
        pe_std = float(model.pos.pe[:32].std())  # about 0.7: entries of sines and cosines
        assert 0.5 < scaled_std / pe_std < 2.5, (scaled_std, pe_std)


def test_tiny_transformer_overfits_a_handful_of_date_pairs_exactly():
    # a defect in masks, positions, the target shift or decoding shows up as a model that cannot even
    # memorise eight pairs: teacher-forced training must give greedy outputs equal to the targets
    pairs = DATA.train[:8]
    torch.manual_seed(0)
    model = Seq2SeqTransformer(Seq2SeqTransformerConfig(len(DATA.src_vocab), len(DATA.tgt_vocab), d_model=32,
                                                        n_heads=4, n_enc_layers=1, n_dec_layers=1, d_ff=64))
    loss_fn = make_loss_fn(DATA.tgt_vocab.pad_id)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    batch = tuple(DATA.encode(pairs))
    for _ in range(300):
        loss = loss_fn(model, batch)[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    outputs = translate(model.eval(), [s for s, _ in pairs], DATA.src_vocab, DATA.tgt_vocab, 12)
    assert outputs == [t for _, t in pairs], f"final loss {loss.item():.4f}"
