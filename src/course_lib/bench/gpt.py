"""Tiny-GPT training throughput (tokens/s): nanoGPT's CPU setting on CPU, and on CUDA when there is one."""

from __future__ import annotations

import time

import torch
from torch.nn import functional as F

from course_lib.transformer import GPT, GPTConfig

__all__ = ["throughput", "bench"]


def throughput(device: str, steps: int = 20, warmup: int = 3, batch_size: int = 12, block_size: int = 64,
               n_layer: int = 4, n_head: int = 4, n_embd: int = 128, vocab_size: int = 65) -> float:
    """Training tokens per second (forward, backward, AdamW step) on random ids."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size, block_size, n_layer, n_head, n_embd)).to(device)
    opt = model.configure_optimizer(1e-3)
    x = torch.randint(0, vocab_size, (batch_size, block_size + 1), device=device)  # (B, T + 1)
    elapsed = 0.0
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        logits = model(x[:, :-1])  # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1), x[:, 1:].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if i >= warmup:
            elapsed += time.perf_counter() - t0
    return steps * batch_size * block_size / elapsed


def bench() -> list[str]:
    lines = [f"tiny GPT (4x4x128, block 64, batch 12) on cpu ({torch.get_num_threads()} threads): "
             f"{throughput('cpu'):,.0f} tokens/s"]
    if torch.cuda.is_available():
        lines.append(f"tiny GPT (4x4x128, block 64, batch 12) on cuda: {throughput('cuda', steps=50):,.0f} tokens/s")
        big = throughput("cuda", steps=20, batch_size=64, block_size=256, n_layer=6, n_head=6, n_embd=384)
        lines.append(f"GPT 6x6x384, block 256, batch 64 on cuda: {big:,.0f} tokens/s")
    else:
        lines.append("cuda: not available here (no GPU), skipped")
    return lines
