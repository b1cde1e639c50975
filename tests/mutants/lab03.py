"""Lab 03 mutants: the LSTM's gate order, activations, cell-state path and their gradients."""

from mutants.harness import mutant, variant

LAB = "lab03_lstm"

GO = "g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])"

MUTANTS = [
    mutant("gate order i, f, o, g (NumPy)", "lstm_step_forward", GO,
           "o, g = sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])",
           target="test_lstm_step_forward", hint="the gate order i, f, o, g"),
    mutant("sigmoid for the candidate", "lstm_step_forward", GO,
           "g, o = sigmoid(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])",
           target="test_lstm_step_forward", hint="a sigmoid for the candidate g"),
    mutant("no f * c_prev", "lstm_step_forward", "c_next = f * c_prev + i * g", "c_next = i * g",
           target="test_lstm_step_forward", hint="without f * c_prev"),
    mutant("h = o * c without tanh", "lstm_step_forward", "h_next = o * tanh_c", "h_next = o * c_next",
           target="test_lstm_step_forward", hint="h_next = o * c_next; it should be o * tanh(c_next)"),
    mutant("dc_prev without the forget factor", "lstm_step_backward", "dc_prev = dc * f", "dc_prev = dc",
           target="test_lstm_step_backward", hint="the only factor between c_t and c_{t-1}"),
    mutant("dc misses the path through h", "lstm_step_backward",
           "dc = dc_next + dh_next * o * (1 - tanh_c**2)", "dc = dc_next",
           target="test_lstm_step_backward", hint="c_t receives gradient from two places"),
    mutant("sigmoid derivative for the candidate", "lstm_step_backward",
           "dg * (1 - g**2)", "dg * g * (1 - g)",
           target="test_lstm_step_backward", hint="its derivative is 1 - g**2"),
    mutant("da stacked in order i, f, o, g", "lstm_step_backward",
           "dg * (1 - g**2), do * o * (1 - o)]", "do * o * (1 - o), dg * (1 - g**2)]",
           target="test_lstm_step_backward", hint="gate order i, f, g, o"),
    mutant("db summed over the wrong axis", "lstm_step_backward", "da.sum(axis=0)", "da.sum(axis=1)",
           target="test_lstm_step_backward", hint="print the shapes"),
    mutant("PyTorch cell with the gate order i, f, o, g", "lstm_cell",
           "a_i, a_f, a_g, a_o = a.chunk(4, dim=-1)", "a_i, a_f, a_o, a_g = a.chunk(4, dim=-1)",
           target="test_lstm_cell", hint="the gate order i, f, o, g"),
    mutant("PyTorch cell that forgets the cell state", "lstm_cell",
           "torch.sigmoid(a_f) * c_prev + ", "",
           target="test_lstm_cell", hint="without f * c_prev"),
    mutant("W_x stored as (4H, D)", "lstm_cell",
           "torch.empty(input_size, 4 * hidden_size)", "torch.empty(4 * hidden_size, input_size)",
           target="test_lstm_cell", hint="W_x is (D, 4H)",
           also=[("lstm_cell", "a = x_t @ self.W_x", "a = x_t @ self.W_x.T")]),
    mutant("PyTorch cell that detaches its state", "lstm_cell",
           "return h_t, c_t", "return h_t, c_t.detach()",
           target="test_lstm_cell", hint="use only differentiable torch operations"),
]

VARIANTS = [
    variant("np.split and einsum forward", "lstm_step_forward",
            "a = x @ W_x + h_prev @ W_h + b  # (B, 4H)\n    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])\n"
            "    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])",
            "a = np.einsum('nd,dk->nk', x, W_x) + np.einsum('nh,hk->nk', h_prev, W_h) + b\n"
            "    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)\n"
            "    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)"),
    variant("backward with hstack and a stored derivative", "lstm_step_backward",
            "da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)",
            "ds = lambda s: s - s * s  # noqa: E731\n"
            "    da = np.hstack([di * ds(i), df * ds(f), dg * (1 - np.square(g)), do * ds(o)])"),
    variant("PyTorch cell with split and addmm", "lstm_cell",
            "a = x_t @ self.W_x + h_prev @ self.W_h + self.b  # (B, 4H)\n"
            "        a_i, a_f, a_g, a_o = a.chunk(4, dim=-1)",
            "a = torch.addmm(self.b, x_t, self.W_x) + torch.mm(h_prev, self.W_h)\n"
            "        a_i, a_f, a_g, a_o = a.split(self.hidden_size, dim=1)"),
]
