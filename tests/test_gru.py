"""The scratch GRU equals torch.nn.GRU / nn.GRUCell after loading their weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_lib.errors import ShapeError
from course_lib.gru import GRU, GRUCell


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_scratch_gru_matches_torch_gru_with_given_initial_state(num_layers, bidirectional, batch_first):
    torch.manual_seed(0)
    ref = nn.GRU(3, 5, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    ours = GRU(3, 5, num_layers, bidirectional, batch_first=batch_first).load_from_torch(ref)
    dirs = 2 if bidirectional else 1
    x = torch.randn((2, 7, 3) if batch_first else (7, 2, 3))
    h0 = torch.randn(num_layers * dirs, 2, 5)
    out_ref, h_ref = ref(x, h0)
    out, h = ours(x, h0)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(h, h_ref)


def test_scratch_gru_cell_matches_torch_gru_cell_and_gradients_agree():
    torch.manual_seed(1)
    ref = nn.GRUCell(3, 4)
    ours = GRUCell(3, 4).load_from_torch(ref)
    x, h = torch.randn(5, 3), torch.randn(5, 4)
    torch.testing.assert_close(ours(x, h), ref(x, h))
    torch.testing.assert_close(ours(x), ref(x))
    ours(x, h).sum().backward()
    ref(x, h).sum().backward()
    torch.testing.assert_close(ours.b_h.grad, ref.bias_hh.grad)
    torch.testing.assert_close(ours.W_x.grad, ref.weight_ih.grad.T)


def test_reset_gate_placement_differs_from_the_original_paper():
    """Reset before the product (Cho et al.) is a different function from PyTorch's, which we follow."""
    torch.manual_seed(2)
    cell = GRUCell(3, 4)
    x, h = torch.randn(5, 3), torch.randn(5, 4)
    H = 4
    u = x @ cell.W_x + cell.b_x
    v = h @ cell.W_h + cell.b_h
    r = torch.sigmoid(u[:, :H] + v[:, :H])
    z = torch.sigmoid(u[:, H:2 * H] + v[:, H:2 * H])
    n_cho = torch.tanh(u[:, 2 * H:] + (r * h) @ cell.W_h[:, 2 * H:] + cell.b_h[2 * H:])
    h_cho = (1 - z) * n_cho + z * h
    assert not torch.allclose(cell(x, h), h_cho, atol=1e-4)


def test_gru_return_gates_and_update_gate_interpolates():
    torch.manual_seed(3)
    gru = GRU(2, 3)
    x = torch.randn(1, 4, 2)
    out, h_n, g = gru(x, return_gates=True)
    h_prev = torch.cat([torch.zeros(1, 1, 3), out[:, :-1]], dim=1)
    torch.testing.assert_close(out, (1 - g["z"]) * g["n"] + g["z"] * h_prev)
    torch.testing.assert_close(h_n[0], out[:, -1])


def test_gru_rejects_bad_state_shape():
    with pytest.raises(ShapeError, match="h_prev must have shape"):
        GRUCell(3, 4)(torch.randn(2, 3), torch.randn(4, 2))
    with pytest.raises(ValueError, match="bidirectional"):
        GRU(3, 4).load_from_torch(nn.GRU(3, 4, bidirectional=True))


def test_parameter_counts_rnn_gru_lstm_are_1_3_4_times():
    D, H = 10, 20
    n = {name: sum(p.numel() for p in m.parameters())
         for name, m in {"rnn": nn.RNN(D, H), "gru": nn.GRU(D, H), "lstm": nn.LSTM(D, H)}.items()}
    per_gate = H * D + H * H + 2 * H
    assert n == {"rnn": per_gate, "gru": 3 * per_gate, "lstm": 4 * per_gate}
