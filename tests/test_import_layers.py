"""course_lib's layers: a module imports only from its own layer or the layers below it.

base -> data / NumPy layers -> models -> training -> experiments / views -> checks / grading -> CLI.
The graph is read from each module's top-level imports (imports inside a function are lazy and run
only when that function is called, e.g. a plotting helper inside an experiment's ``run``).
"""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS = [
    ("base", {"", "errors", "paths", "utils", "arrays", "metrics", "notebooks", "labs"}),
    ("data and NumPy layers", {"data", "functional", "gradcheck"}),
    ("models", {"stacked", "torch_weights", "rnn", "lstm", "gru", "attention", "seq2seq", "decoding",
                "transformer", "lm"}),
    ("training", {"train", "distributed"}),
    ("experiments and views", {"experiments", "plotting", "book"}),
    ("checks and grading", {"checks", "grading"}),
    ("command line", {"__main__", "bench", "cli", "nbguard", "selfcheck"}),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for k, (_, names) in enumerate(LAYERS):
        if top in names:
            return k
    raise AssertionError(f"{module} belongs to no layer: add '{top}' to LAYERS in {Path(__file__).name}")


def _top_level_imports(path: Path) -> set[str]:
    deps: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for n in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("course_lib"):
                deps.add(n.module)
            elif isinstance(n, ast.Import):
                deps.update(a.name for a in n.names if a.name.startswith("course_lib"))
    return deps


def test_every_module_imports_only_from_its_layer_or_below():
    bad = []
    for path in sorted((SRC / "course_lib").rglob("*.py")):
        module = _module_name(path)
        for dep in sorted(_top_level_imports(path)):
            if _layer(dep) > _layer(module):
                bad.append(f"{module} ({LAYERS[_layer(module)][0]}) imports {dep} ({LAYERS[_layer(dep)][0]})")
    assert not bad, "lower layers must not reach up:\n" + "\n".join(bad)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(m for m in sys.modules if m.startswith('course_lib')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    return set(out.stdout.split())


def test_importing_gradcheck_loads_no_checks_experiments_or_models():
    loaded = _loaded_after("import course_lib.gradcheck")
    assert not {m for m in loaded if m.startswith(("course_lib.checks", "course_lib.experiments",
                                                   "course_lib.transformer", "course_lib.data"))}, loaded


def test_importing_the_student_checks_loads_no_experiment_code():
    loaded = _loaded_after("import course_lib.checks")
    assert not {m for m in loaded if m.startswith("course_lib.experiments")}, sorted(loaded)
