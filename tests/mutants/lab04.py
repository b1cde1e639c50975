"""Lab 04 mutants: GRU-cell mistakes (gate order, z vs 1 - z, Cho's reset, activations, detached gates), a
training loop without zero_grad or clipping (or clipping to the wrong norm), a wrong answer; correct variants."""

from mutants.harness import mutant, variant

LAB = "lab04_gru_long_range"

_H = "self.hidden_size"

MUTANTS = [
    mutant("GRU gates in the order z, r, n", "gru_cell",
           "u_r, u_z, u_n = (x_t @ self.W_x + self.b_x).chunk(3, dim=-1)\n"
           "        v_r, v_z, v_n = (h_prev @ self.W_h + self.b_h).chunk(3, dim=-1)",
           "u_z, u_r, u_n = (x_t @ self.W_x + self.b_x).chunk(3, dim=-1)\n"
           "        v_z, v_r, v_n = (h_prev @ self.W_h + self.b_h).chunk(3, dim=-1)",
           target="test_gru_cell", hint="gate order z, r, n"),
    mutant("GRU update with z and 1 - z swapped (the notes' convention)", "gru_cell",
           "h_t = (1 - z) * n + z * h_prev", "h_t = z * n + (1 - z) * h_prev",
           target="test_gru_cell", hint="h = z * n + (1 - z) * h_prev"),
    mutant("GRU reset gate before the product (Cho et al.)", "gru_cell",
           "n = torch.tanh(u_n + r * v_n)",
           f"n = torch.tanh(u_n + (r * h_prev) @ self.W_h[:, 2 * {_H}:] + self.b_h[2 * {_H}:])",
           target="test_gru_cell", hint="Cho et al."),
    mutant("GRU candidate with a sigmoid", "gru_cell",
           "n = torch.tanh(u_n + r * v_n)", "n = torch.sigmoid(u_n + r * v_n)",
           target="test_gru_cell", hint="sigmoid for the candidate"),
    mutant("GRU without the reset gate", "gru_cell",
           "n = torch.tanh(u_n + r * v_n)", "n = torch.tanh(u_n + v_n)",
           target="test_gru_cell", hint="without the reset gate"),
    mutant("GRU with a detached update gate (no gradient through z)", "gru_cell",
           "h_t = (1 - z) * n + z * h_prev", "z = z.detach()\n        h_t = (1 - z) * n + z * h_prev",
           target="test_gru_cell", hint="only differentiable torch operations"),
    mutant("train without zero_grad", "train_adding",
           "        opt.zero_grad()\n", "",
           target="test_train_adding", hint="zero the gradients first"),
    mutant("train with zero_grad after the step (stale gradients at the first step)", "train_adding",
           "        opt.zero_grad()\n        loss.backward()\n"
           "        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n        opt.step()\n",
           "        loss.backward()\n        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n        opt.step()\n"
           "        opt.zero_grad()\n",
           target="test_train_adding", hint="zero the gradients first"),
    mutant("train without gradient clipping", "train_adding",
           "        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n", "",
           target="test_train_adding", hint="above the clip"),
    mutant("train clipping to norm 5", "train_adding",
           "clip_grad_norm_(model.parameters(), 1.0)", "clip_grad_norm_(model.parameters(), 5.0)",
           target="test_train_adding", hint="above the clip"),
    mutant("train clipping before backward (a no-op)", "train_adding",
           "        loss.backward()\n        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n",
           "        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n        loss.backward()\n",
           target="test_train_adding", hint="above the clip"),
    mutant("train clipping by value", "train_adding",
           "nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
           "nn.utils.clip_grad_value_(model.parameters(), 1.0)",
           target="test_train_adding", hint="not each value"),
    mutant("train ignoring the lr argument", "train_adding",
           "torch.optim.Adam(model.parameters(), lr=lr)", "torch.optim.Adam(model.parameters())",
           target="test_train_adding", hint="pass lr to the optimizer"),
    mutant("the RNN named as the model that remembers", "which_beats",
           'answer = "gru"', 'answer = "rnn"',
           target="test_which_beats", hint="on fresh sequences"),
]

VARIANTS = [
    variant("GRU update with torch.lerp and slicing instead of chunk", "gru_cell",
            "u_r, u_z, u_n = (x_t @ self.W_x + self.b_x).chunk(3, dim=-1)\n"
            "        v_r, v_z, v_n = (h_prev @ self.W_h + self.b_h).chunk(3, dim=-1)",
            f"u, v = x_t @ self.W_x + self.b_x, h_prev @ self.W_h + self.b_h\n        H = {_H}\n"
            "        u_r, u_z, u_n = u[:, :H], u[:, H:2 * H], u[:, 2 * H:]\n"
            "        v_r, v_z, v_n = v[:, :H], v[:, H:2 * H], v[:, 2 * H:]",
            also=[("gru_cell", "h_t = (1 - z) * n + z * h_prev", "h_t = torch.lerp(n, h_prev, z)")]),
    variant("train with model.zero_grad(set_to_none=False) and a hand-written norm clip", "train_adding",
            "        opt.zero_grad()\n        loss.backward()\n"
            "        nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n",
            "        model.zero_grad(set_to_none=False)\n        loss.backward()\n"
            "        total = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))\n"
            "        if total > 1.0:\n            for p in model.parameters():\n"
            "                p.grad.mul_(1.0 / (total + 1e-6))\n"),
    variant("answer written as 'GRU' with spaces", "which_beats", 'answer = "gru"', 'answer = " GRU "'),
]
