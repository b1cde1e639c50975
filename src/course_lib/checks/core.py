"""The building blocks of every student check: relative error, array comparison, messages.

A check prints one ``✓`` line when it passes and raises :class:`CheckFailed` (an
``AssertionError``) when it does not, so that a graded cell errors and scores 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.arrays import as_numpy, rel_error

__all__ = ["CheckFailed", "rel_error", "passed", "fail", "check_array", "as_numpy", "attempt", "raised",
           "require_value", "check_finite"]


class CheckFailed(AssertionError):
    """A student check did not pass; the message says what, expected vs got, and a hint.

    In Jupyter it shows as its message alone (IPython's ``_render_traceback_`` hook): the student
    needs the ✗ line and the hint, not a traceback through the checking code.
    """

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def passed(name: str, detail: str = "") -> None:
    print(f"✓ {name}" + (f": {detail}" if detail else ""))


def fail(name: str, message: str, hint: str | None = None) -> None:
    """Raise :class:`CheckFailed` with a friendly, two-part message."""
    text = f"✗ {name}: {message}"
    if hint:
        text += f"\n  Hint: {hint}"
    raise CheckFailed(text)


def check_array(
    name: str,
    what: str,
    got: Any,
    expected: Any,
    tol: float = 1e-8,
    hint: str | Callable[[np.ndarray, np.ndarray], str | None] | None = None,
) -> float:
    """Compare ``got`` with ``expected``: type, shape, finiteness, then relative error < ``tol``.

    Args:
        name: the function being checked (``"rnn_step_forward"``).
        what: the value (``"h_next"``).
        hint: a string, or a function ``(got, expected) -> str | None`` that diagnoses the
            usual mistakes (e.g. a transposed weight) from the values.

    Returns:
        The relative error, when the check passes.
    """
    if got is None:
        fail(name, f"{what} is None; did you forget to return it?")
    require_value(name, what, got, hint if isinstance(hint, str) else None)
    try:
        g = as_numpy(got)
    except Exception as exc:  # noqa: BLE001 - any conversion failure is the student's to see
        fail(name, f"{what} could not be read as an array ({type(got).__name__}: {exc})")
    e = as_numpy(expected)
    if g.shape != e.shape:
        extra = " (the transpose of what is expected)" if g.shape == e.shape[::-1] and g.ndim == 2 else ""
        fail(name, f"{what} has shape {g.shape}, expected {e.shape}{extra}",
             "check which dimension is the batch and which the features; print the shapes of your inputs.")
    if not np.issubdtype(g.dtype, np.number) and g.dtype != np.bool_:
        fail(name, f"{what} has dtype {g.dtype}, expected numbers")
    if np.issubdtype(g.dtype, np.floating) and not np.all(np.isfinite(g)):
        fail(name, f"{what} contains NaN or inf ({int(np.sum(~np.isfinite(g)))} entries)",
             "an overflow: subtract the maximum before exponentiating, or check for division by zero.")
    err = rel_error(g, e)
    if not err < tol:
        text = hint(g, e) if callable(hint) else hint
        fail(name, f"{what} differs from the reference (relative error {err:.2g}, want < {tol:.0e})", text)
    return err


# --- helpers for measure/judge checks (appended: labs 00-03) ----------------------------------

RAISED = "__raised__"


def attempt(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, or, when the student's code raises, the data ``{"__raised__": text}``.

    A measure uses it so that an exception in student code reaches the judge as a measurement
    (and the student sees a ✗ line with a hint, not a traceback). ``text`` names the exception
    and the line of the student's code where it was raised.
    """
    import traceback

    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any student error is data for the judge
        frames = traceback.extract_tb(exc.__traceback__)[1:]
        where = f" (line {frames[-1].lineno} of {frames[-1].name})" if frames else ""
        return {RAISED: f"{type(exc).__name__}: {exc}"[:400] + where}


def raised(value: Any) -> str | None:
    """The error text when ``value`` is what :func:`attempt` returned for an exception, else ``None``."""
    if isinstance(value, dict) and set(value) == {RAISED}:
        return str(value[RAISED])
    return None


def require_value(name: str, what: str, value: Any, hint: str | None = None) -> Any:
    """Fail with the student's error (and ``hint``) when computing ``what`` raised; else return ``value``."""
    err = raised(value)
    if err is not None:
        fail(name, f"computing {what} raised {err}", hint)
    return value


def check_finite(name: str, what: str, got: Any, hint: str) -> None:
    """Fail with ``hint`` (instead of check_array's generic overflow hint) when ``got`` has NaN or inf."""
    require_value(name, what, got)
    try:
        g = as_numpy(got)
    except Exception:  # noqa: BLE001 - check_array reports unreadable values
        return
    if np.issubdtype(g.dtype, np.floating) and not np.all(np.isfinite(g)):
        fail(name, f"{what} contains NaN or inf ({int(np.sum(~np.isfinite(g)))} entries)", hint)


# --- helpers added for the measure/judge checks of labs 04-07 ---------------------------------------

def norm_rel_error(got: Any, expected: Any) -> float:
    r"""Relative error of whole arrays, :math:`\lVert g - e \rVert / \max(10^{-12}, \lVert e \rVert)`.

    For gradients and other vectors whose small entries carry float32 noise that
    :func:`rel_error` (elementwise) would blow up.
    """
    g, e = as_numpy(got).astype(np.float64), as_numpy(expected).astype(np.float64)
    return float(np.linalg.norm(g - e) / max(1e-12, float(np.linalg.norm(e))))


def seeded(seed: int):
    """A context in which torch's global generator starts from ``seed``, restored afterwards.

    Module initialisation (``nn.Linear`` ...) then gives the same weights in the kernel's measure
    and in the grader's judge, without touching the notebook's own random stream.
    """
    import contextlib

    import torch

    @contextlib.contextmanager
    def _ctx():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            yield

    return _ctx()


__all__ += ["norm_rel_error", "seeded"]


def check_close(name: str, what: str, got: Any, expected: Any, tol: float,
                hint: str | Callable[[np.ndarray, np.ndarray], str | None] | None = None) -> float:
    r"""Like :func:`check_array` (type, shape, finiteness first), but the error is
    :func:`norm_rel_error`, :math:`\lVert g - e \rVert / \lVert e \rVert`.

    For float32 results (a trained model's weights, PyTorch's recurrent kernels, gradients) whose
    entries near zero carry rounding noise that an elementwise relative error would blow up.
    """
    check_array(name, what, got, expected, tol=np.inf, hint=hint)
    g, e = as_numpy(got), as_numpy(expected)
    err = norm_rel_error(g, e)
    if not err < tol:
        text = hint(g, e) if callable(hint) else hint
        fail(name, f"{what} differs from the reference (relative error {err:.2g}, want < {tol:.0e})", text)
    return err


__all__ += ["check_close"]
