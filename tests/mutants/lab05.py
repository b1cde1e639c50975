"""Lab 05 mutants: a loss over padding, an encoder that reads its padding, a decoder conditioned once (zero
initial state, or no context in the inputs), greedy decoding that never feeds back or returns <bos>."""

from mutants.harness import mutant, variant

LAB = "lab05_seq2seq_dates"

_PACK = ("packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)\n"
         "        out, state = self.rnn(packed)\n"
         "        outputs, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (B, S, H)")

MUTANTS = [
    mutant("loss averaged over <pad> too", "sequence_loss",
           "return (nll * mask).sum() / mask.sum()", "return nll.mean()",
           target="test_sequence_loss", hint="averaged over <pad>"),
    mutant("loss masked but divided by every position", "sequence_loss",
           "return (nll * mask).sum() / mask.sum()", "return (nll * mask).sum() / mask.numel()",
           target="test_sequence_loss", hint="divided by every position"),
    mutant("loss as the mean of per-row means", "sequence_loss",
           "return (nll * mask).sum() / mask.sum()", "return ((nll * mask).sum(1) / mask.sum(1)).mean()",
           target="test_sequence_loss", hint="weigh by their tokens"),
    mutant("loss returned as a Python float", "sequence_loss",
           "return (nll * mask).sum() / mask.sum()", "return ((nll * mask).sum() / mask.sum()).item()",
           target="test_sequence_loss", hint="must return a scalar tensor"),
    mutant("encoder that runs over its padding", "encoder", _PACK, "outputs, state = self.rnn(x)",
           target="test_encoder", hint="pack_padded_sequence"),
    mutant("decoder init_state returning zeros", "decoder",
           "return memory.state[-1:]  # (1, B, H)", "return torch.zeros_like(memory.state[-1:])",
           target="test_decoder", hint="condition it twice"),
    mutant("decoder conditioned through h0 only, no [E y; c] input", "decoder",
           "return torch.cat([self.embed(y), c], dim=-1)  # (B, T, E + H)", "return self.embed(y)",
           also=[("decoder", "nn.GRU(emb_size + hidden_size, hidden_size", "nn.GRU(emb_size, hidden_size")],
           target="test_decoder", hint="[E y_{t-1}; c]"),
    mutant("greedy decoding that always feeds <bos>", "greedy_decode",
           "        y = logits.argmax(dim=-1)  # (B,)\n        out.append(y)\n        done |= y == end_id",
           "        pred = logits.argmax(dim=-1)  # (B,)\n        out.append(pred)\n        done |= pred == end_id",
           target="test_greedy_decode", hint="feed back the argmax"),
    mutant("greedy decoding that returns <bos> first", "greedy_decode",
           "    out = []\n", "    out = [y]\n",
           target="test_greedy_decode", hint="do not return <bos>"),
    mutant("greedy decoding from a zero state", "greedy_decode",
           "state = model.init_state(memory)", "state = torch.zeros_like(model.init_state(memory))",
           target="test_greedy_decode", hint="init_state"),
]

VARIANTS = [
    variant("loss with ignore_index on flattened logits", "sequence_loss",
            "    mask = tgt_out != pad_id  # (B, T)\n"
            "    nll = F.cross_entropy(logits.transpose(1, 2), tgt_out, reduction=\"none\")  # (B, T)\n"
            "    return (nll * mask).sum() / mask.sum()",
            "    V = logits.shape[-1]\n"
            "    return F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=pad_id)"),
    variant("loss by log_softmax and gather; context repeated instead of expanded", "sequence_loss",
            "    nll = F.cross_entropy(logits.transpose(1, 2), tgt_out, reduction=\"none\")  # (B, T)",
            "    nll = -logits.log_softmax(-1).gather(-1, tgt_out[..., None])[..., 0]  # (B, T)",
            also=[("decoder", "memory.state[-1][:, None, :].expand(-1, y.shape[1], -1)",
                   "memory.state[-1].unsqueeze(1).repeat(1, y.shape[1], 1)")]),
    variant("greedy decoding that always runs max_len steps", "greedy_decode",
            "        if done.all():\n            break\n", ""),
]
