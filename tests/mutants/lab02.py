"""Lab 02 mutants: TBPTT batching, the training step (zero, backward, clip, step, detach), sampling."""

from mutants.harness import mutant, variant

LAB = "lab02_char_lm"

MUTANTS = [
    mutant("batchify interleaves the text", "batchify",
           "return data[: n * batch_size].view(batch_size, n)", "return data[: n * batch_size].view(n, batch_size).T",
           target="test_batchify", hint="interleave"),
    mutant("batchify keeps the tail", "batchify",
           "return data[: n * batch_size].view(batch_size, n)", "return data.view(batch_size, -1)",
           target="test_batchify", hint="drop the tail"),
    mutant("targets not shifted", "get_chunk",
           "rows[:, i + 1:i + 1 + T]", "rows[:, i:i + T]",
           target="test_get_chunk", hint="shifted one to the right"),
    mutant("train_step without optimizer.zero_grad()", "train_step",
           "    optimizer.zero_grad()\n", "",
           target="test_train_step", hint="zero the gradients first"),
    mutant("zero_grad after the step instead of before", "train_step",
           "    optimizer.zero_grad()\n    loss.backward()\n"
           "    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)\n    optimizer.step()\n",
           "    loss.backward()\n    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)\n"
           "    optimizer.step()\n    optimizer.zero_grad()\n",
           target="test_train_step", hint="zero the gradients first"),
    mutant("no gradient clipping", "train_step",
           "    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)\n", "",
           target="test_train_step", hint="clip with torch.nn.utils.clip_grad_norm_"),
    mutant("clipping after the optimizer step", "train_step",
           "    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)\n    optimizer.step()\n",
           "    optimizer.step()\n    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)\n",
           target="test_train_step", hint="before optimizer.step()"),
    mutant("state not detached", "train_step",
           "return loss.item(), state.detach()", "return loss.item(), state",
           target="test_train_step", hint="not detached"),
    mutant("loss returned as a tensor with its graph", "train_step",
           "return loss.item(), state.detach()", "return loss, state.detach()",
           target="test_train_step", hint="still holds the graph"),
    mutant("the incoming state is ignored", "train_step",
           "logits, state = model(x, state)", "logits, state = model(x)",
           target="test_train_step", hint="run the model from the state passed in"),
    mutant("sample_next ignores its generator", "sample_next",
           "torch.multinomial(probs, 1, generator=generator)", "torch.multinomial(probs, 1)",
           target="test_sample_next", hint="pass the generator"),
    mutant("sample_next ignores the temperature", "sample_next",
           "logits.float().cpu() / temperature", "logits.float().cpu()",
           target="test_sample_next", hint="divide the logits by the temperature"),
    mutant("temperature multiplies the logits", "sample_next",
           "logits.float().cpu() / temperature", "logits.float().cpu() * temperature",
           target="test_sample_next", hint="divide the logits by the temperature"),
    mutant("temperature 0 divides by zero", "sample_next",
           "    if temperature == 0:\n        return logits.argmax(dim=-1)\n", "",
           target="test_sample_next", hint="temperature 0 means greedy"),
]

VARIANTS = [
    variant("batchify with narrow/reshape, get_chunk with narrow", "batchify",
            "return data[: n * batch_size].view(batch_size, n)",
            "return data.narrow(0, 0, n * batch_size).reshape(batch_size, -1)",
            also=[("get_chunk", "return rows[:, i:i + T], rows[:, i + 1:i + 1 + T]",
                   "return rows.narrow(1, i, T), rows.narrow(1, i + 1, T)")]),
    variant("model.zero_grad(set_to_none=False), nll_loss of log_softmax, float()", "train_step",
            "    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))\n"
            "    optimizer.zero_grad()\n",
            "    logp = F.log_softmax(logits, dim=-1)\n"
            "    loss = F.nll_loss(logp.flatten(0, 1), y.flatten())\n"
            "    model.zero_grad(set_to_none=False)\n",
            also=[("train_step", "return loss.item(), state.detach()", "return float(loss), state.detach()")]),
    variant("Gumbel-max sampling with the generator", "sample_next",
            "    probs = torch.softmax(logits.float().cpu() / temperature, dim=-1)\n"
            "    return torch.multinomial(probs, 1, generator=generator).squeeze(-1).to(logits.device)",
            "    z = logits.float().cpu() / temperature\n"
            "    u = torch.rand(z.shape, generator=generator).clamp_min(1e-20)\n"
            "    return (z - torch.log(-torch.log(u))).argmax(dim=-1).to(logits.device)"),
]
