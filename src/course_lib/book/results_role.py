r"""The ``{result}`` role: numbers in the book's prose, read from the saved result files.

A chapter never types a measured number. It writes, in MyST Markdown (pages and notebook cells)::

    the GRU reaches {result}`adding:results.runs.gru.final_mse|.2g` after ...
    ... {result}`@adding_orders_below_baseline|.1f` orders of magnitude ...

- ``stem:dotted.path`` reads ``book/_static/results/<stem>.json`` and walks the path; an integer
  part indexes a list (``val_loss.-1`` is the last entry).
- ``@name`` is a *derived* number, computed from the saved files by a function registered in
  :mod:`course_lib.book.facts` (ratios, orders of magnitude, percentages...), so that the
  arithmetic is code that can be tested, not a sum done by hand.
- ``|fmt`` is a Python format spec (``.3f``, ``.1%``, ``,d``); without it an int prints as is and a
  float with ``.3g``.

A missing file, key or fact is a build error (the book build runs with warnings as errors), so
prose and files cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

from course_lib.book.facts import FACTS, Phrase, load

__all__ = ["ResultLookupError", "lookup", "render", "setup"]


class ResultLookupError(KeyError):
    """A ``{result}`` reference names a file, key or fact that does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; this one reads as a sentence
        return str(self.args[0])


def lookup(ref: str) -> Any:
    """The value that ``ref`` (``stem:dotted.path`` or ``@fact``) names."""
    ref = ref.strip()
    if ref.startswith("@"):
        name = ref[1:]
        if name not in FACTS:
            raise ResultLookupError(f"no derived number {name!r}; known: {', '.join(sorted(FACTS))}")
        return FACTS[name]()
    stem, sep, path = ref.partition(":")
    if not sep or not path:
        raise ResultLookupError(f"expected 'stem:dotted.path' or '@fact', got {ref!r}")
    value: Any = load(stem)
    walked = stem
    for part in path.split("."):
        try:
            value = value[int(part)] if isinstance(value, list) else value[part]
        except (KeyError, IndexError, ValueError, TypeError):
            keys = sorted(value) if isinstance(value, dict) else f"a {type(value).__name__}"
            raise ResultLookupError(f"{walked} has no {part!r} (it has {keys})") from None
        walked += f".{part}"
    return value


def render(text: str, language: str | None = None) -> str:
    """``ref|fmt`` -> the formatted value (a :class:`~course_lib.book.facts.Phrase` in ``language``)."""
    ref, _, spec = text.partition("|")
    value = lookup(ref)
    if isinstance(value, Phrase):
        return value.in_language(language)
    if spec:
        return format(value, spec)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return str(value) if isinstance(value, int) else format(value, ".3g")


def result_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ARG001 - Sphinx's role signature
    from docutils import nodes

    try:
        value = render(text, getattr(inliner.document.settings.env.config, "language", None))
    except (ResultLookupError, FileNotFoundError, ValueError, TypeError) as exc:
        msg = inliner.reporter.error(f"{{result}}`{text}`: {exc}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    return [nodes.inline(rawtext, value, classes=["course-result"])], []


def setup(app):
    app.add_role("result", result_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
