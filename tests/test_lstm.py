"""The scratch LSTM equals torch.nn.LSTM / nn.LSTMCell after loading their weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_lib.errors import DTypeError, ShapeError
from course_lib.lstm import LSTM, LSTMCell


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_scratch_lstm_matches_torch_lstm_with_given_initial_state(num_layers, bidirectional, batch_first):
    torch.manual_seed(0)
    ref = nn.LSTM(3, 5, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    ours = LSTM(3, 5, num_layers, bidirectional, batch_first=batch_first).load_from_torch(ref)
    dirs = 2 if bidirectional else 1
    x = torch.randn((2, 7, 3) if batch_first else (7, 2, 3))
    h0, c0 = torch.randn(num_layers * dirs, 2, 5), torch.randn(num_layers * dirs, 2, 5)
    out_ref, (h_ref, c_ref) = ref(x, (h0, c0))
    out, (h, c) = ours(x, (h0, c0))
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)


def test_scratch_lstm_gradients_match_torch_lstm():
    torch.manual_seed(1)
    ref = nn.LSTM(4, 6, num_layers=2, batch_first=True)
    ours = LSTM(4, 6, 2).load_from_torch(ref)
    x = torch.randn(3, 5, 4)
    ref(x)[0].pow(2).sum().backward()
    ours(x)[0].pow(2).sum().backward()
    torch.testing.assert_close(ours.cells[0].W_h.grad, ref.weight_hh_l0.grad.T)
    torch.testing.assert_close(ours.cells[1].W_x.grad, ref.weight_ih_l1.grad.T)
    torch.testing.assert_close(ours.cells[1].b.grad, ref.bias_ih_l1.grad)


def test_scratch_lstm_cell_matches_torch_lstm_cell():
    torch.manual_seed(2)
    ref = nn.LSTMCell(3, 4)
    ours = LSTMCell(3, 4).load_from_torch(ref)
    x, h, c = torch.randn(5, 3), torch.randn(5, 4), torch.randn(5, 4)
    h_ref, c_ref = ref(x, (h, c))
    h_ours, c_ours = ours(x, (h, c))
    torch.testing.assert_close(h_ours, h_ref)
    torch.testing.assert_close(c_ours, c_ref)
    torch.testing.assert_close(ours(x)[0], ref(x)[0])  # zero initial state by default


def test_forget_bias_is_added_to_the_forget_block_only():
    torch.manual_seed(3)
    a = LSTMCell(2, 3, forget_bias=0.0)
    torch.manual_seed(3)
    b = LSTMCell(2, 3, forget_bias=1.0)
    diff = b.b.detach() - a.b.detach()
    torch.testing.assert_close(diff, torch.tensor([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0.0]))


def test_return_gates_gives_gates_in_range_and_cell_state_consistent():
    torch.manual_seed(4)
    lstm = LSTM(3, 4)
    out, (h, c), gates = lstm(torch.randn(2, 6, 3), return_gates=True)
    for k in ("i", "f", "o"):
        assert gates[k].shape == (2, 6, 4) and gates[k].min() > 0 and gates[k].max() < 1
    torch.testing.assert_close(gates["c"][:, -1], c[0])
    torch.testing.assert_close(out, gates["o"] * torch.tanh(gates["c"]))


def test_lstm_rejects_bad_shapes_and_dtypes_with_clear_errors():
    lstm = LSTM(3, 4)
    with pytest.raises(ShapeError, match=r"x must have shape \(B, T, D=3\)"):
        lstm(torch.randn(2, 6, 5))
    with pytest.raises(ShapeError, match="at least one"):
        lstm(torch.randn(2, 0, 3))
    with pytest.raises(DTypeError):
        lstm(torch.ones(2, 6, 3, dtype=torch.long))
    with pytest.raises(ShapeError, match="h_0"):
        lstm(torch.randn(2, 6, 3), (torch.zeros(2, 2, 4), torch.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match="num_layers"):
        LSTM(3, 4, num_layers=2).load_from_torch(nn.LSTM(3, 4))


def test_lstm_parameter_count_equals_torch():
    ours, ref = LSTM(10, 20, 2, True), nn.LSTM(10, 20, 2, bidirectional=True)
    n_ours = sum(p.numel() for p in ours.parameters())
    n_ref = sum(p.numel() for p in ref.parameters())
    # torch keeps two bias vectors per layer-direction (b_ih, b_hh); we keep their sum
    assert n_ref - n_ours == 4 * 20 * 4
