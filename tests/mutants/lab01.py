"""Lab 01 mutants: the vanilla RNN's usual forward and backpropagation-through-time mistakes."""

from mutants.harness import mutant, variant

LAB = "lab01_rnn_numpy"

STEP = "h_next = np.tanh(x @ W_xh + h_prev @ W_hh + b)"

MUTANTS = [
    mutant("W_hh transposed", "rnn_step_forward", STEP, "h_next = np.tanh(x @ W_xh + h_prev @ W_hh.T + b)",
           target="test_rnn_step_forward", hint="W_hh is used transposed"),
    mutant("no tanh", "rnn_step_forward", STEP, "h_next = x @ W_xh + h_prev @ W_hh + b",
           target="test_rnn_step_forward", hint="the tanh is missing"),
    mutant("no bias", "rnn_step_forward", STEP, "h_next = np.tanh(x @ W_xh + h_prev @ W_hh)",
           target="test_rnn_step_forward", hint="the bias b is missing"),
    mutant("tanh derivative from h_prev", "rnn_step_backward",
           "da = dh_next * (1 - h_next**2)", "da = dh_next * (1 - h_prev**2)",
           target="test_rnn_step_backward", hint="not 1 - h_prev**2"),
    mutant("no tanh derivative", "rnn_step_backward",
           "da = dh_next * (1 - h_next**2)", "da = dh_next",
           target="test_rnn_step_backward", hint="the tanh derivative is missing"),
    mutant("db not summed over the batch", "rnn_step_backward",
           "db = x.T @ da, h_prev.T @ da, da.sum(axis=0)", "db = x.T @ da, h_prev.T @ da, da.mean(axis=0)",
           target="test_rnn_step_backward", hint="db = da.sum(axis=0)"),
    mutant("h never fed back", "rnn_forward",
           "rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)", "rnn_step_forward(x[:, t], h0, W_xh, W_hh, b)",
           target="test_rnn_forward", hint="feed each new h back"),
    mutant("h stored one step late (h0 in h)", "rnn_forward",
           "h_prev, c = rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)\n        h[:, t] = h_prev",
           "h[:, t] = h_prev\n        h_prev, c = rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)",
           target="test_rnn_forward", hint="h0 itself is not in h"),
    mutant("BPTT forgets the gradient carried from step t+1", "rnn_backward",
           "rnn_step_backward(dh[:, t] + dh_prev, cache[t])", "rnn_step_backward(dh[:, t], cache[t])",
           target="test_rnn_backward", hint="the gradient carried back from step t+1 is missing"),
    mutant("dW_xh not summed over steps", "rnn_backward", "dW_xh += dWx", "dW_xh = dWx",
           target="test_rnn_backward", hint="sum it over all steps"),
    mutant("dW_hh not summed over steps", "rnn_backward", "dW_hh += dWh", "dW_hh = dWh",
           target="test_rnn_backward", hint="sum it over all steps"),
]

VARIANTS = [
    variant("einsum step, pre-activation in the cache", "rnn_step_forward",
            "h_next = np.tanh(x @ W_xh + h_prev @ W_hh + b)\n    cache = (x, h_prev, W_xh, W_hh, h_next)",
            "a = np.einsum('nd,dh->nh', x, W_xh) + np.einsum('nk,kh->nh', h_prev, W_hh) + b\n"
            "    h_next = np.tanh(a)\n    cache = (x, h_prev, W_xh, W_hh, a)",
            also=[("rnn_step_backward", "da = dh_next * (1 - h_next**2)", "da = dh_next / np.cosh(h_next)**2")]),
    variant("list of states stacked, BPTT with a running dh_next", "rnn_forward",
            "h = np.zeros((B, T, h0.shape[1]))\n    caches = []\n    h_prev = h0\n    for t in range(T):\n"
            "        h_prev, c = rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)\n        h[:, t] = h_prev\n"
            "        caches.append(c)\n    return h, caches",
            "hs, caches, h_prev = [], [], h0\n    for t in range(T):\n"
            "        h_prev, c = rnn_step_forward(x[:, t], h_prev, W_xh, W_hh, b)\n"
            "        hs.append(h_prev)\n        caches.append(c)\n    return np.stack(hs, axis=1), caches",
            also=[("rnn_backward",
                   "dh_prev = np.zeros((B, H))\n    for t in reversed(range(T)):\n"
                   "        dx[:, t], dh_prev, dWx, dWh, dbt = rnn_step_backward(dh[:, t] + dh_prev, cache[t])",
                   "dh_prev = np.zeros((B, H))\n    for t in range(T - 1, -1, -1):\n"
                   "        dh_next = dh[:, t] + dh_prev\n"
                   "        dx[:, t], dh_prev, dWx, dWh, dbt = rnn_step_backward(dh_next, cache[t])")]),
]
