r"""How a check is split so that a grade is decided where student code cannot reach.

Every graded check is two functions, registered together with :func:`register`:

``measure(*student_objects, **case) -> dict``
    Runs the student's code on inputs built from ``case`` (a seed, sizes...) and returns what
    came out as *plain data*: NumPy arrays (tensors are converted), numbers, booleans, strings,
    ``None``, and lists / tuples / dicts of those. It never decides anything.

``judge(measured, **case) -> str``
    Rebuilds the same inputs from ``case``, computes the reference itself, compares, and either
    returns a one-line detail for the ``✓`` line or raises :class:`~course_lib.checks.core.CheckFailed`
    with the message and the hint. It never calls student code.

In a student's notebook (and under real nbgrader), ``check_x(student_fn, seed=7)`` runs
``judge(roundtrip(measure(student_fn, seed=7)), seed=7)`` in the kernel: the measurement takes
the very path it takes when grading (:func:`encode` then :func:`decode`), so what passes here
passes in the grader. Under the course's autograder (``COURSE_GRADER`` set by the grader's
runner before any student code runs), the kernel only *measures*: the record
``{"check", "case", "measured"}`` is written as a JSON file into ``$COURSE_GRADER_RECORDS``; the
grader collects the records of each graded cell and judges them in its own process, with the case
read from the instructor's copy of the cell (never from the kernel), and with every ``seed``
mixed with a per-run secret salt (:func:`effective_seed`), so that no output can be prepared in
advance. Replacing the check functions, NumPy's or PyTorch's comparison functions, or the record
files in the kernel therefore changes nothing the grader believes: only measured values equal to
the grader's own reference, on inputs drawn for this run, earn the points.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Check", "CHECKS", "register", "encode", "decode", "roundtrip", "effective_seed", "Unreadable",
           "grader_mode", "GRADER_ENV", "SALT_ENV", "RECORDS_ENV"]

GRADER_ENV = "COURSE_GRADER"  # "1" inside a submission graded by the course's autograder
SALT_ENV = "COURSE_GRADER_SALT"  # hex secret of this grading run, mixed into every seed
RECORDS_ENV = "COURSE_GRADER_RECORDS"  # folder where measurements are written, one JSON file each
MAX_RECORD_BYTES = 4 * 2**20


class Unreadable:
    """Stands in for a value a measurement could not turn into data (a student returned a module...)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unreadable {self.type_name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unreadable) and other.type_name == self.type_name

    __hash__ = None  # type: ignore[assignment]


def encode(value: Any) -> Any:
    """Plain data -> JSON-able data. Arrays keep dtype and shape bit for bit (base64 of the bytes)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if np.isfinite(v) else {"__float__": repr(v)}
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor on any device
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        value = value.numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return {"__unreadable__": f"ndarray of {value.dtype}"}
        arr = np.ascontiguousarray(value)  # (makes a 0-d array 1-d: keep the shape of value)
        return {"__nd__": list(value.shape), "dtype": arr.dtype.str,
                "data": base64.b64encode(arr.tobytes()).decode("ascii")}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {"__unreadable__": "dict with non-string keys"}
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    return {"__unreadable__": type(value).__name__}


def decode(data: Any) -> Any:
    """The inverse of :func:`encode`; anything malformed becomes :class:`Unreadable`."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        return Unreadable(type(data).__name__)
    if "__nd__" in data:
        try:
            dtype = np.dtype(data["dtype"])
            if dtype.kind not in "biuf":
                return Unreadable(f"ndarray of {dtype}")
            raw = base64.b64decode(data["data"], validate=True)
            return np.frombuffer(raw, dtype=dtype).reshape(data["__nd__"]).copy()
        except (KeyError, TypeError, ValueError):
            return Unreadable("malformed array")
    if "__float__" in data:
        try:
            return float(data["__float__"])
        except (TypeError, ValueError):
            return Unreadable("malformed float")
    if "__tuple__" in data and isinstance(data["__tuple__"], list):
        return tuple(decode(v) for v in data["__tuple__"])
    if "__dict__" in data and isinstance(data["__dict__"], dict):
        return {str(k): decode(v) for k, v in data["__dict__"].items()}
    if "__unreadable__" in data:
        return Unreadable(str(data["__unreadable__"]))
    return Unreadable("malformed value")


def roundtrip(value: Any) -> Any:
    """``decode(encode(value))`` through JSON text: what the grader would receive."""
    return decode(json.loads(json.dumps(encode(value))))


def grader_mode() -> bool:
    return os.environ.get(GRADER_ENV) == "1"


def effective_seed(seed: int, salt: str | None = None) -> int:
    """``seed`` itself in a notebook; under the grader, ``seed`` mixed with the run's secret salt."""
    salt = os.environ.get(SALT_ENV, "") if salt is None else salt
    if not salt:
        return int(seed)
    digest = hashlib.sha256(f"{salt}:{int(seed)}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


@dataclass(frozen=True)
class Check:
    """One registered check: ``name``, its measure and judge, the defaults of its case.

    ``case`` parameters are literals that the instructor writes in the test cell (seed, sizes,
    bars): the grader reads them from its own copy of the cell. ``options`` are keyword
    arguments that only steer where or how the measurement runs (``device``) and are never
    judged; anything else passed to the check is a student object (a function, a class, a model).
    """

    name: str
    func_name: str
    measure: Callable[..., dict]
    judge: Callable[..., str]
    case_defaults: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    def full_case(self, case: dict[str, Any]) -> dict[str, Any]:
        unknown = set(case) - set(self.case_defaults)
        if unknown:
            raise TypeError(f"{self.func_name}() got unknown case argument(s) {sorted(unknown)}; "
                            f"it takes {sorted(self.case_defaults)}")
        merged = {**self.case_defaults, **case}
        if "seed" in merged:
            merged["seed"] = int(merged["seed"])
        return merged

    def judge_case(self, case: dict[str, Any], salt: str | None) -> dict[str, Any]:
        """The case as the judge sees it: defaults filled in, the seed mixed with ``salt``."""
        merged = self.full_case(case)
        if "seed" in merged:
            merged["seed"] = effective_seed(merged["seed"], salt)
        return merged


CHECKS: dict[str, Check] = {}  # by the public function's name, e.g. "check_softmax"
_counter = itertools.count()


def _normalise(value: Any) -> Any:
    """Tuples as lists, for comparing a case from the kernel with one from the cell's source."""
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def same_case(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _normalise(a) == _normalise(b)


def _emit(check: Check, case: dict[str, Any], measured: Any) -> None:
    folder = os.environ.get(RECORDS_ENV)
    if not folder:
        return
    record = {"check": check.func_name, "case": encode(case), "measured": encode(measured)}
    text = json.dumps(record)
    if len(text) > MAX_RECORD_BYTES:
        raise ValueError(f"{check.name}: measurement of {len(text)} bytes exceeds {MAX_RECORD_BYTES}")
    path = Path(folder) / f"{os.getpid()}-{next(_counter):05d}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def register(name: str, measure: Callable[..., dict], judge: Callable[..., str], *,
             options: dict[str, Any] | None = None, func_name: str | None = None,
             **case_defaults: Any) -> Callable[..., None]:
    """Make the public check ``check_<name>(*student_objects, **case_and_options)``.

    Returns a function that, in a notebook, measures, round-trips the measurement, judges and
    prints ``✓ name: detail`` (raising :class:`CheckFailed` otherwise); under the grader it
    measures and hands the record to the grader. It always returns ``None``, so a graded cell
    that ends with it has no value (nbgrader would read a number as partial credit).
    """
    from course_lib.checks.core import passed

    options = dict(options or {})
    func_name = func_name or f"check_{name}"
    spec = Check(name, func_name, measure, judge, dict(case_defaults), options)

    def check(*students: Any, **kwargs: Any) -> None:
        opts = {k: kwargs.pop(k) for k in list(kwargs) if k in options}
        case = spec.full_case(kwargs)
        run_case = dict(case)
        if "seed" in run_case:
            run_case["seed"] = effective_seed(run_case["seed"])
        measured = measure(*students, **run_case, **{**options, **opts})
        if grader_mode():
            _emit(spec, case, measured)
            print(f"• {name}: measured; the grader judges it")
            return None
        detail = judge(roundtrip(measured), **run_case)
        passed(name, detail)
        return None

    check.__name__ = check.__qualname__ = func_name
    check.__doc__ = (judge.__doc__ or measure.__doc__ or "").strip() or f"Check {name}."
    params = [inspect.Parameter("students", inspect.Parameter.VAR_POSITIONAL)]
    params += [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
               for k, v in {**case_defaults, **options}.items()]
    check.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    check.spec = spec  # type: ignore[attr-defined]
    CHECKS[func_name] = spec
    return check


# --- the grader's half: what a graded cell must have measured, and the verdict on it -------------

class CellSpecError(ValueError):
    """A graded test cell in the instructor's notebook is not a list of check calls."""


def expected_calls(source: str) -> list[tuple[str, dict[str, Any]]]:
    """``[(check function name, case), ...]`` called by a graded test cell, read from its source.

    A graded cell may contain only imports and calls ``check_x(student objects..., case=literal...,
    option=anything)``; the case keywords must be literals (the grader reads them here, never
    from the kernel).

    Raises:
        CellSpecError: for any other statement, an unknown check or a non-literal case argument.
    """
    import ast

    import course_lib.checks  # noqa: F401 - registers every lab's checks

    calls = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)):
            raise CellSpecError(f"line {node.lineno}: a graded cell holds only imports and check calls, "
                                f"got {ast.unparse(node)[:80]!r}")
        name = node.value.func.id
        spec = CHECKS.get(name)
        if spec is None:
            raise CellSpecError(f"line {node.lineno}: {name} is not a registered check")
        case = {}
        for kw in node.value.keywords:
            if kw.arg is None:
                raise CellSpecError(f"line {node.lineno}: **kwargs are not allowed in a graded cell")
            if kw.arg in spec.options:
                continue
            try:
                case[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise CellSpecError(f"line {node.lineno}: {name}({kw.arg}=...) must be a literal") from None
        calls.append((name, spec.full_case(case)))
    return calls


@dataclass
class Verdict:
    ok: bool
    messages: list[str]


def judge_cell(source: str, records: list[dict], salt: str) -> Verdict:
    """Judge one graded cell: every expected call needs a record with its name and case, judged here.

    ``records`` are the raw JSON dicts the kernel wrote while the cell ran, in order. Records that
    match no expected call are ignored; an expected call without a record fails.
    """
    from course_lib.checks.core import CheckFailed

    pending = list(records)
    messages, ok = [], True
    for func_name, case in expected_calls(source):
        spec = CHECKS[func_name]
        found = None
        for k, rec in enumerate(pending):
            if isinstance(rec, dict) and rec.get("check") == func_name:
                try:
                    got_case = decode(rec.get("case"))
                except RecursionError:  # a forged, absurdly nested record: not this call's
                    continue
                if isinstance(got_case, dict) and same_case(got_case, case):
                    found = pending.pop(k)
                    break
        if found is None:
            ok = False
            messages.append(f"✗ {spec.name}: no measurement reached the grader (the check did not run to the end)")
            continue
        try:
            detail = spec.judge(decode(found.get("measured")), **spec.judge_case(case, salt))
            messages.append(f"✓ {spec.name}" + (f": {detail}" if detail else ""))
        except CheckFailed as exc:
            ok = False
            messages.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - malformed measurements fail, never crash the grader
            ok = False
            messages.append(f"✗ {spec.name}: the measurement could not be judged ({type(exc).__name__}: {exc})")
    return Verdict(ok, messages)
