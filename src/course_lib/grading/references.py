"""Flag an answer that hands back course_lib's own implementation: :func:`uses_reference`.

``course_lib`` ships the reference implementation of most functions a lab asks for (the book
needs them), so an answer cell can be ``def softmax(z): return course_lib.functional.softmax(z)``.
It is graded as written, but the gradebook marks it ``uses_reference`` for the instructor. The
check is static (the AST of the student's answer cells), and flags

- an import of, or an attribute path through, a ``course_lib`` module other than the helpers a
  lab may use (:data:`ALLOWED`);
- a call to a ``course_lib`` function with the name of a function or class the cell defines.

It does not see through ``getattr``/``importlib`` with computed names (see README: what the
grader does not protect against).
"""

from __future__ import annotations

import ast

__all__ = ["ALLOWED", "uses_reference"]

#: course_lib modules an answer may use: helpers, not answers.
ALLOWED = ("course_lib.utils", "course_lib.data", "course_lib.train", "course_lib.plotting",
           "course_lib.paths", "course_lib.errors", "course_lib.checks")


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def uses_reference(source: str) -> list[str]:
    """Reasons why an answer cell looks like it returns course_lib's reference (empty: none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    aliases: dict[str, str] = {}  # local name -> course_lib dotted path
    reasons: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "course_lib" or a.name.startswith("course_lib."):
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases[a.name.split(".")[0]] = a.name.split(".")[0]
                    if a.name != "course_lib" and not _allowed(a.name):
                        reasons.append(f"imports {a.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and (node.module == "course_lib" or node.module.startswith("course_lib.")):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                aliases[a.asname or a.name] = full
                if not (_allowed(full) or _allowed(node.module)):
                    reasons.append(f"imports {full}")
                elif a.name in defined:
                    reasons.append(f"imports {full}, the very name it defines")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)) and not isinstance(getattr(node, "ctx", None), ast.Store):
            dotted = _dotted(node)
            if not dotted:
                continue
            head, _, rest = dotted.partition(".")
            if head not in aliases:
                continue
            full = aliases[head] + ("." + rest if rest else "")
            if isinstance(node, ast.Attribute) and not _allowed(full) and full.count(".") >= 1:
                reasons.append(f"uses {full}")
            elif full.rsplit(".", 1)[-1] in defined and "." in full:
                reasons.append(f"uses {full}, the very name it defines")
    unique = list(dict.fromkeys(reasons))  # inner nodes of a.b.c repeat a.b: keep the longest path
    return [r for r in unique if not any(o != r and o.startswith(r + ".") for o in unique)]
