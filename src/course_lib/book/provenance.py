r"""The ``{provenance}`` directive: a collapsed "How this was measured" note under a figure.

A chapter writes, under a figure made from saved results (MyST Markdown)::

    ```{provenance} adding
    ```

or, for a figure drawn from several files, ``{provenance} char_lm char_lm_lstm char_lm_gru``.
Optional content (Markdown) is added to the note, for what the files cannot say.

The note is read from each file's ``provenance``, ``wall_time_s``, ``seed`` and ``config``
(:func:`course_lib.experiments.results.save_results` writes them): device, threads, cores,
time, versions, commit, date, the configuration and the command that reproduces the file. It is
an admonition with the ``dropdown`` class, which the book's toggle-button extension collapses.
A missing file is a build error, as with the ``{result}`` role.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from course_lib.book.facts import load

__all__ = ["TITLE", "describe", "config_summary", "reproduce_command", "setup"]

TITLE = "How this was measured"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.2f} s"
    return f"{seconds:.0f} s ({seconds / 60:.1f} min)"


def _date(iso: str) -> str:
    try:
        return _dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(iso)


def describe(stem: str) -> str:
    """One sentence on where, how and when ``<stem>.json`` was produced.

    Raises:
        FileNotFoundError: if the file does not exist.
    """
    data = load(stem)
    prov: dict[str, Any] = data.get("provenance") or {}
    dev = str(prov.get("device", "cpu"))
    if dev.startswith("cuda"):
        where = f"on a GPU ({prov.get('device_name', dev)})"
    elif dev.startswith("mps"):
        where = "on Apple MPS"
    else:
        where = "on the CPU"
    parts = []
    if prov.get("cpu_count"):
        parts.append(f"{prov['cpu_count']} cores")
    if prov.get("torch_threads"):
        n = prov["torch_threads"]
        parts.append(f"{n} PyTorch thread{'s' if n != 1 else ''}")
    if prov.get("load_avg_1m") is not None:
        parts.append(f"1-minute load average {prov['load_avg_1m']} at the start")
    text = f"{stem}.json was produced {where}" + (f" ({', '.join(parts)})" if parts else "")
    if data.get("wall_time_s") is not None:
        text += f" in {_duration(float(data['wall_time_s']))}"
    extra = []
    if data.get("seed") is not None:
        extra.append(f"seed {data['seed']}")
    if prov.get("torch"):
        extra.append(f"PyTorch {prov['torch']}")
    if prov.get("python"):
        extra.append(f"Python {prov['python']}")
    if prov.get("commit"):
        extra.append(f"commit {prov['commit']}")
    if prov.get("date"):
        extra.append(_date(prov["date"]))
    if extra:
        text += "; " + ", ".join(extra)
    return text + "."


def config_summary(stem: str, limit: int = 16) -> str:
    """The file's configuration as ``key=value`` pairs (scalars and short lists; at most ``limit``)."""
    config = load(stem).get("config") or {}
    if not isinstance(config, dict):
        return ""
    pairs = []
    for key, value in config.items():
        if isinstance(value, (int, float, str, bool)) or value is None:
            pairs.append(f"{key}={value}")
        elif isinstance(value, list) and len(value) <= 10 and all(isinstance(v, (int, float, str)) for v in value):
            pairs.append(f"{key}={value}")
    return ", ".join(pairs[:limit]) + (", ..." if len(pairs) > limit else "")


def reproduce_command(stem: str) -> str | None:
    """``python -m course_lib experiment <stem> --full`` if ``stem`` is a registered experiment."""
    from course_lib.experiments.registry import discover

    return f"python -m course_lib experiment {stem} --full" if stem in discover() else None


def _directive():
    from docutils import nodes
    from docutils.parsers.rst import Directive

    class ProvenanceDirective(Directive):
        required_arguments = 1
        optional_arguments = 12
        has_content = True

        def run(self):
            note = nodes.admonition(classes=["note", "dropdown", "course-provenance"])
            note += nodes.title(text=TITLE)
            for stem in self.arguments:
                try:
                    sentence, config, command = describe(stem), config_summary(stem), reproduce_command(stem)
                except (FileNotFoundError, ValueError) as exc:
                    return [self.state.document.reporter.error(f"provenance {stem!r}: {exc}", line=self.lineno)]
                para = nodes.paragraph(text=sentence + " ")
                if config:
                    para += nodes.Text("Configuration: ")
                    para += nodes.literal(text=config)
                    para += nodes.Text(". ")
                if command:
                    para += nodes.Text("Reproduce it with ")
                    para += nodes.literal(text=command)
                    para += nodes.Text(".")
                note += para
            if self.content:
                self.state.nested_parse(self.content, self.content_offset, note)
            return [note]

    return ProvenanceDirective


def setup(app):
    app.add_directive("provenance", _directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
