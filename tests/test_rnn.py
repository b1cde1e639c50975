"""The scratch RNN equals torch.nn.RNN after loading its weights."""

import pytest
import torch

from course_lib.errors import DTypeError, ShapeError
from course_lib.functional import rnn_forward
from course_lib.rnn import RNN, RNNCell


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("given_h0", [False, True])
def test_scratch_rnn_matches_torch_rnn(num_layers, bidirectional, given_h0):
    torch.manual_seed(0)
    ref = torch.nn.RNN(3, 5, num_layers, batch_first=True, bidirectional=bidirectional).double()
    ours = RNN.from_torch(ref).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    h0 = torch.randn(num_layers * (2 if bidirectional else 1), 2, 5, dtype=torch.float64) if given_h0 else None
    out_ref, hn_ref = ref(x, h0)
    out, hn = ours(x, h0)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(hn, hn_ref)


def test_scratch_rnn_gradients_match_torch_rnn():
    torch.manual_seed(1)
    ref = torch.nn.RNN(3, 4, 2, batch_first=True, bidirectional=True).double()
    ours = RNN.from_torch(ref).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    ref(x)[0].sum().backward()
    ours(x)[0].sum().backward()
    torch.testing.assert_close(ours.cells[0].W_hh.grad, ref.weight_hh_l0.grad.T)
    torch.testing.assert_close(ours.cells[3].W_xh.grad, ref.weight_ih_l1_reverse.grad.T)


def test_scratch_rnn_equals_numpy_rnn_forward():
    torch.manual_seed(2)
    m = RNN(3, 4).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    c = m.cells[0]
    h_np, _ = rnn_forward(x.numpy(), torch.zeros(2, 4, dtype=torch.float64).numpy(), c.W_xh.detach().numpy(),
                          c.W_hh.detach().numpy(), c.b_h.detach().numpy())
    torch.testing.assert_close(m(x)[0], torch.from_numpy(h_np))


def test_rnn_cell_says_when_h_prev_is_transposed():
    cell = RNNCell(3, 4)
    with pytest.raises(ShapeError, match="transposed"):
        cell(torch.zeros(2, 3), torch.zeros(4, 2))


def test_rnn_refuses_empty_sequences_int_inputs_and_bad_h0():
    m = RNN(3, 4, num_layers=2)
    with pytest.raises(ShapeError):
        m(torch.zeros(2, 0, 3))
    with pytest.raises(DTypeError):
        m(torch.zeros(2, 5, 3, dtype=torch.long))
    with pytest.raises(ShapeError, match="h0"):
        m(torch.zeros(2, 5, 3), torch.zeros(1, 2, 4))
    with pytest.raises(ValueError):
        m.load_from_torch(torch.nn.RNN(3, 4, 1, batch_first=True))


def test_scratch_rnn_stacks_on_the_shared_base_and_matches_torch_time_first():
    from course_lib.stacked import StackedRecurrent

    torch.manual_seed(3)
    ref = torch.nn.RNN(3, 4, 2, batch_first=False, bidirectional=True).double()
    ours = RNN.from_torch(ref)
    assert isinstance(ours, StackedRecurrent)
    x = torch.randn(6, 2, 3, dtype=torch.float64)  # (T, B, D)
    out, h_n = ours(x)
    want, want_h = ref(x)
    torch.testing.assert_close(out, want)
    torch.testing.assert_close(h_n, want_h)
