import os

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib.errors import DTypeError, ShapeError, check_dtype, check_nonempty, check_shape
from course_lib.utils import count_parameters, get_device, seed_everything


def test_check_shape_binds_symbolic_dims_and_returns_them():
    dims = check_shape("x", np.zeros((4, 7, 16)), ("B", "T", "D"), D=16)
    assert dims == {"D": 16, "B": 4, "T": 7}


def test_check_shape_message_says_expected_and_got():
    with pytest.raises(ShapeError, match=r"x must have shape \(B, T, D=16\), got \(4, 16\)"):
        check_shape("x", np.zeros((4, 16)), ("B", "T", "D"), D=16)


def test_check_shape_suggests_transpose_for_swapped_2d_input():
    want = r"h_prev must have shape \(B=4, H=32\), got \(32, 4\)\. Did you pass it transposed\?"
    with pytest.raises(ShapeError, match=want):
        check_shape("h_prev", torch.zeros(32, 4), ("B", "H"), B=4, H=32)


def test_check_shape_requires_repeated_symbol_to_agree():
    with pytest.raises(ShapeError):
        check_shape("W_hh", np.zeros((3, 4)), ("H", "H"))


def test_shape_and_dtype_errors_are_builtin_subclasses():
    assert issubclass(ShapeError, ValueError) and issubclass(DTypeError, TypeError)


@given(st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_check_shape_accepts_any_array_matching_a_fully_symbolic_spec(shape):
    spec = tuple(f"d{i}" for i in range(len(shape)))
    assert check_shape("x", np.zeros(shape), spec) == dict(zip(spec, shape, strict=True))


def test_check_dtype_refuses_float_ids_and_int_inputs():
    with pytest.raises(DTypeError, match="integer"):
        check_dtype("ids", torch.zeros(3), "int")
    with pytest.raises(DTypeError, match="floating"):
        check_dtype("x", np.zeros(3, dtype=np.int64), "float")
    check_dtype("ids", torch.zeros(3, dtype=torch.long), "int")


def test_check_nonempty_refuses_zero_time_steps():
    with pytest.raises(ShapeError, match="at least one"):
        check_nonempty("x", torch.zeros(2, 0, 3))


def test_seed_everything_makes_torch_and_numpy_repeatable():
    seed_everything(3)
    a, na = torch.rand(4), np.random.rand(4)  # noqa: NPY002 - the global generator is what is seeded
    seed_everything(3)
    assert torch.equal(a, torch.rand(4)) and np.array_equal(na, np.random.rand(4))  # noqa: NPY002


def test_get_device_defaults_to_an_available_device_and_honours_override(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    dev = get_device()
    assert dev.type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        assert dev.type in ("cpu", "mps")
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    assert get_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_get_device_names_available_devices_when_request_is_impossible():
    with pytest.raises(RuntimeError, match="not available here"):
        get_device("cuda")


def test_count_parameters_counts_trainable_scalars():
    layer = torch.nn.Linear(3, 2)  # 3*2 weights + 2 biases
    assert count_parameters(layer) == 8
    layer.bias.requires_grad_(False)
    assert count_parameters(layer) == 6 and count_parameters(layer, trainable_only=False) == 8
    assert os.environ.get("PYTHONHASHSEED") in (None, "0")
