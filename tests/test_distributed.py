"""DDP with torchrun: two gloo processes on one CPU machine end with identical parameters."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from course_lib.distributed import DDPConfig, lm_loss, load_factory, random_windows, train_ddp

# A stand-in for the chapter-2 language model (any factory vocab_size -> module works): built here so
# that this test depends on nothing but course_lib.distributed.
TINY_MODEL = textwrap.dedent(
    """
    from torch import nn

    def make(vocab_size):
        return nn.Sequential(nn.Embedding(vocab_size, 16), nn.Tanh(), nn.Linear(16, vocab_size))
    """
)


def run_torchrun(tmp_path: Path, steps: int) -> list[dict]:
    (tmp_path / "tiny_model.py").write_text(TINY_MODEL)
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "course_lib.distributed", "--model", "tiny_model:make", "--out", str(tmp_path / "out"),
           "--steps", str(steps), "--batch-size", "4", "--block-size", "16", "--max-chars", "5000",
           "--lr", "0.01", "--backend", "gloo"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return [torch.load(tmp_path / "out" / f"rank{r}.pt") for r in range(2)]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    return run_torchrun(tmp_path_factory.mktemp("ddp"), steps=5)


def test_torchrun_two_gloo_ranks_end_with_identical_parameters(ranks):
    assert [r["rank"] for r in ranks] == [0, 1] and ranks[0]["world_size"] == 2
    a, b = (r["state_dict"] for r in ranks)
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=f"{name} differs between ranks")


def test_ranks_saw_different_batches_so_the_agreement_comes_from_the_all_reduce(ranks):
    assert ranks[0]["losses"] != ranks[1]["losses"]
    assert len(ranks[0]["losses"]) == 5


def test_ddp_training_moved_the_parameters_away_from_their_initialisation(ranks):
    emb = ranks[0]["state_dict"]["0.weight"]
    torch.manual_seed(ranks[0]["config"]["seed"])
    fresh = torch.nn.Embedding(*emb.shape)  # the run's initial embedding: same seed, created first
    assert not torch.allclose(emb, fresh.weight.detach())


def test_train_ddp_refuses_to_run_without_a_process_group():
    model = torch.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="init_distributed"):
        train_ddp(model, lambda step: (torch.zeros(1, 2), torch.zeros(1, 2)),
                  lambda m, b: m(b[0]).sum(), DDPConfig(steps=1), torch.device("cpu"))


def test_random_windows_targets_are_inputs_shifted_by_one():
    ids = torch.arange(100)
    x, y = random_windows(ids, batch_size=3, block=8, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (3, 8)
    torch.testing.assert_close(y, x + 1)


def test_lm_loss_of_uniform_logits_is_log_vocab_size():
    model = torch.nn.Sequential(torch.nn.Embedding(5, 5))
    torch.nn.init.zeros_(model[0].weight)
    x = torch.zeros(2, 3, dtype=torch.long)
    assert lm_loss(model, (x, x)).item() == pytest.approx(torch.log(torch.tensor(5.0)).item())


def test_bad_config_and_model_spec_are_refused_with_a_message():
    with pytest.raises(ValueError, match="backend"):
        DDPConfig(backend="mpi")
    with pytest.raises(ValueError, match="steps"):
        DDPConfig(steps=0)
    with pytest.raises(ValueError, match="package.module:name"):
        load_factory("no_colon")
