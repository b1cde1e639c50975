"""One feedback page per student (Markdown, and HTML when markdown-it is installed).

A graded cell's message is the judge's: one ``✓ name: detail`` line per check that passed, the
``✗`` line and its ``Hint:`` for one that did not, or the error the cell raised.
"""

from __future__ import annotations

__all__ = ["first_line", "fmt", "feedback_markdown", "feedback_html"]


def first_line(text: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = " / ".join(lines[:2]) if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def fmt(x: float) -> str:
    return f"{x:g}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def feedback_markdown(r: dict) -> str:
    lines = [f"# {r['lab']}: feedback for {r['student']}", "",
             f"**Score: {fmt(r['total'])} / {fmt(r['max'])}**, status `{r['status']}`", ""]
    if r["notes"]:
        lines += ["## Notes", "", *(f"- {n}" for n in r["notes"]), ""]
    if r.get("uses_reference"):
        lines += ["## Uses course_lib's reference implementation", "",
                  "Graded as written; your instructor may look at these answers:", "",
                  *(f"- {n}" for n in r["uses_reference"]), ""]
    lines += ["## Graded cells", "", "| cell | points | result |", "|---|---|---|"]
    for c in r["cells"]:
        lines.append(f"| `{c['grade_id']}` | {fmt(c['score'])} / {fmt(c['points'])} | "
                     f"{_md_cell(first_line(c['message']))} |")
    if r.get("manual"):
        lines += ["", "## Manually graded (pending)", "",
                  "Your instructor grades these answers by hand; they are not in the score above.", ""]
        for m in r["manual"]:
            answer = m["answer"].strip() or "(no answer)"
            lines += [f"### `{m['grade_id']}` ({fmt(m['points'])} point(s), pending)", "", "```text",
                      answer.replace("```", "'''"), "```", ""]
    failed = [c for c in r["cells"] if c["score"] < c["points"]]
    if failed:
        lines += ["", "## What went wrong", ""]
        for c in failed:
            lines += [f"### `{c['grade_id']}` ({fmt(c['score'])} / {fmt(c['points'])})", "", "```text",
                      c["message"].replace("```", "'''"), "```", ""]
    if r["errors"]:
        lines += ["## Errors in your other cells", ""]
        lines += [f"- cell {e['cell']}: `{_md_cell(e['error']).replace('`', chr(39))}`" for e in r["errors"]]
    return "\n".join(lines).rstrip() + "\n"


def feedback_html(markdown: str, title: str) -> str | None:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    import html

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
            "td,th{border:1px solid #ccc;padding:.3em}table{border-collapse:collapse}</style>"
            f"</head><body>\n{body}</body></html>\n")
