"""Typed errors and the one shape/dtype checker that every module uses.

Every error here subclasses a built-in (``ValueError``, ``TypeError``, ``FileNotFoundError``) so
that ordinary ``except`` clauses keep working, and every message says what was expected and what
came instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ShapeError",
    "DTypeError",
    "VocabError",
    "DataFileError",
    "ChecksumError",
    "check_shape",
    "check_dtype",
    "check_nonempty",
]


class ShapeError(ValueError):
    """A tensor or array does not have the shape the equation needs."""


class DTypeError(TypeError):
    """A tensor or array has the wrong dtype (e.g. float ids, or int inputs to a layer)."""


class VocabError(ValueError):
    """A token is not in the vocabulary, or an id is outside ``[0, len(vocab))``."""


class DataFileError(FileNotFoundError):
    """A data file the course needs is missing."""


class ChecksumError(ValueError):
    """A data file exists but its content is not the expected one (size or SHA-256 differ)."""


def _shape_of(x: Any) -> tuple[int, ...]:
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"expected a tensor or array with a .shape, got {type(x).__name__}")
    return tuple(int(s) for s in shape)


def _fmt_dim(dim: int | str, bound: Mapping[str, int]) -> str:
    if isinstance(dim, str):
        return f"{dim}={bound[dim]}" if dim in bound else dim
    return str(dim)


def check_shape(name: str, x: Any, shape: Sequence[int | str | None], **sizes: int) -> dict[str, int]:
    """Check that ``x`` has ``shape``; return the sizes bound to the symbolic dimensions.

    ``shape`` holds one entry per dimension: an ``int`` (that exact size), a ``str`` naming a
    dimension (``"B"``, ``"T"``...) or ``None`` (any size). A named dimension must match the value
    given in ``sizes`` if there is one, and must have the same size wherever it appears.

    >>> import numpy as np
    >>> check_shape("x", np.zeros((4, 7, 16)), ("B", "T", "D"), D=16)
    {'D': 16, 'B': 4, 'T': 7}

    Raises:
        ShapeError: ``x must have shape (B, T, D=16), got (4, 16)``; when a 2-D input has its two
            dimensions swapped, the message asks whether it was passed transposed.
    """
    got = _shape_of(x)
    bound: dict[str, int] = dict(sizes)
    ok = len(got) == len(shape)
    if ok:
        for dim, g in zip(shape, got, strict=True):
            if dim is None:
                continue
            if isinstance(dim, str):
                if dim in bound and bound[dim] != g:
                    ok = False
                    break
                bound.setdefault(dim, g)
            elif int(dim) != g:
                ok = False
                break
    if ok:
        return bound
    want = "(" + ", ".join(_fmt_dim(d, sizes) if d is not None else "*" for d in shape) + ")"
    msg = f"{name} must have shape {want}, got {got}."
    concrete = [sizes.get(d) if isinstance(d, str) else d for d in shape]
    if len(got) == 2 and len(shape) == 2 and None not in concrete and tuple(concrete[::-1]) == got \
            and concrete[0] != concrete[1]:
        msg += " Did you pass it transposed?"
    elif len(got) != len(shape):
        msg += f" Expected {len(shape)} dimensions, got {len(got)}."
    raise ShapeError(msg)


def check_dtype(name: str, x: Any, kind: str) -> None:
    """Check the dtype family of a torch tensor or NumPy array.

    Args:
        kind: ``"float"`` (floating point) or ``"int"`` (integer ids; bool is not accepted).

    Raises:
        DTypeError: e.g. ``ids must be an integer tensor (token ids), got torch.float32``.
    """
    dtype = getattr(x, "dtype", None)
    is_float = getattr(x, "is_floating_point", None)
    if is_float is not None:  # torch
        import torch

        floating = bool(is_float())
        integer = (not floating) and dtype not in (torch.bool, torch.complex64, torch.complex128)
    else:
        import numpy as np

        floating = np.issubdtype(dtype, np.floating)
        integer = np.issubdtype(dtype, np.integer)
    if kind == "float" and not floating:
        raise DTypeError(f"{name} must be a floating-point tensor, got {dtype}")
    if kind == "int" and not integer:
        raise DTypeError(f"{name} must be an integer tensor (token ids), got {dtype}")
    if kind not in ("float", "int"):
        raise ValueError(f"kind must be 'float' or 'int', got {kind!r}")


def check_nonempty(name: str, x: Any, dim: int = 1, what: str = "time steps") -> None:
    """Raise ``ShapeError`` if ``x`` has size 0 along ``dim`` (e.g. a sequence with T = 0)."""
    got = _shape_of(x)
    if len(got) <= dim or got[dim] == 0:
        raise ShapeError(f"{name} must have at least one of its {what} (dimension {dim}), got shape {got}")
