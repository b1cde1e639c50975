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

__all__ = ["TITLE", "TITLES", "PHRASES", "describe", "config_summary", "reproduce_command", "figure_note", "setup"]

TITLE = "How this was measured"
#: The note's title in each edition (Sphinx ``language``; English for any other).
TITLES = {"en": TITLE, "ko": "측정 방법"}
#: Each piece of the note: (English, Korean); ``{fields}`` are filled by :func:`describe` and the directive.
_PIECES: dict[str, tuple[str, str]] = {
    "gpu": ("on a GPU ({name})", "GPU({name})에서"),
    "mps": ("on Apple MPS", "Apple MPS에서"),
    "cpu": ("on the CPU", "CPU에서"),
    "cores": ("{n} cores", "코어 {n}개"),
    "threads": ("{n} PyTorch thread{s}", "PyTorch 스레드 {n}개"),
    "load": ("1-minute load average {load} at the start", "시작 시 1분 부하 평균 {load}"),
    "produced": ("{stem}.json was produced {where}", "{stem}.json은 {where}"),
    "parts": (" ({parts})", "({parts})"),
    "in": (" in {duration}", " {duration} 동안"),
    "seconds": ("{s} s", "{s}초"),
    "minutes": ("{s} s ({m} min)", "{s}초({m}분)"),
    "seed": ("seed {seed}", "시드 {seed}"),
    "commit": ("commit {commit}", "커밋 {commit}"),
    "end": (".", " 만들어졌다"),
    "config": ("Configuration: ", "설정: "),
    "reproduce": ("Reproduce it with ", "다시 만드는 명령: "),
    "figure": ("The Korean edition's figure {png} was redrawn from {stem}.json without training: ",
               "한국어판의 그림은 학습 없이 {stem}.json에서 다시 그렸다({png}): "),
}
#: The note's phrases in each edition (Sphinx ``language``; English for any other).
PHRASES: dict[str, dict[str, str]] = {lang: {key: pair[i] for key, pair in _PIECES.items()}
                                      for i, lang in enumerate(("en", "ko"))}


def _edition(language: str | None) -> str:
    return language if language in PHRASES else "en"


def _duration(seconds: float, language: str | None = None) -> str:
    say = PHRASES[_edition(language)]
    if seconds < 90:
        return say["seconds"].format(s=f"{seconds:.0f}" if seconds >= 1 else f"{seconds:.2f}")
    return say["minutes"].format(s=f"{seconds:.0f}", m=f"{seconds / 60:.1f}")


def _date(iso: str) -> str:
    try:
        return _dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(iso)


def describe(stem: str, language: str | None = None) -> str:
    """One sentence on where, how and when ``<stem>.json`` was produced, in ``language``
    (``"ko"``: Korean; anything else: English).

    Raises:
        FileNotFoundError: if the file does not exist.
    """
    say = PHRASES[_edition(language)]
    data = load(stem)
    prov: dict[str, Any] = data.get("provenance") or {}
    dev = str(prov.get("device", "cpu"))
    if dev.startswith("cuda"):
        where = say["gpu"].format(name=prov.get("device_name", dev))
    elif dev.startswith("mps"):
        where = say["mps"]
    else:
        where = say["cpu"]
    parts = []
    if prov.get("cpu_count"):
        parts.append(say["cores"].format(n=prov["cpu_count"]))
    if prov.get("torch_threads"):
        n = prov["torch_threads"]
        parts.append(say["threads"].format(n=n, s="s" if n != 1 else ""))
    if prov.get("load_avg_1m") is not None:
        parts.append(say["load"].format(load=prov["load_avg_1m"]))
    text = say["produced"].format(stem=stem, where=where) + (say["parts"].format(parts=", ".join(parts))
                                                             if parts else "")
    if data.get("wall_time_s") is not None:
        text += say["in"].format(duration=_duration(float(data["wall_time_s"]), language))
    extra = []
    if data.get("seed") is not None:
        extra.append(say["seed"].format(seed=data["seed"]))
    if prov.get("torch"):
        extra.append(f"PyTorch {prov['torch']}")
    if prov.get("python"):
        extra.append(f"Python {prov['python']}")
    if prov.get("commit"):
        extra.append(say["commit"].format(commit=prov["commit"]))
    if prov.get("date"):
        extra.append(_date(prov["date"]))
    if _edition(language) == "en":
        return text + ("; " + ", ".join(extra) if extra else "") + say["end"]
    return text + say["end"] + ("(" + ", ".join(extra) + ")" if extra else "") + "."


def figure_note(stem: str, language: str | None = None) -> tuple[str, str] | None:
    """For a translated edition whose figure of ``stem`` was redrawn in its language (the record
    ``<stem>.<language>.json`` of :mod:`course_lib.experiments.replot` exists): the sentence that says so
    and the command that redraws it; else None."""
    import json

    from course_lib.experiments.results import results_dir

    lang = _edition(language)
    record = results_dir() / f"{stem}.{lang}.json"
    if lang == "en" or not record.is_file():
        return None
    made = json.loads(record.read_text(encoding="utf-8"))
    return (PHRASES[lang]["figure"].format(png=made["figure"], stem=stem),
            f"python -m course_lib experiment replot {stem} --lang {lang}")


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
            env = getattr(self.state.document.settings, "env", None)
            language = _edition(getattr(env.config, "language", None) if env is not None else None)
            say = PHRASES[language]
            note = nodes.admonition(classes=["note", "dropdown", "course-provenance"])
            note += nodes.title(text=TITLES[language])
            for stem in self.arguments:
                try:
                    sentence, config = describe(stem, language), config_summary(stem)
                    command, figure = reproduce_command(stem), figure_note(stem, language)
                except (FileNotFoundError, ValueError) as exc:
                    return [self.state.document.reporter.error(f"provenance {stem!r}: {exc}", line=self.lineno)]
                para = nodes.paragraph(text=sentence + " ")
                if config:
                    para += nodes.Text(say["config"])
                    para += nodes.literal(text=config)
                    para += nodes.Text(". ")
                if command:
                    para += nodes.Text(say["reproduce"])
                    para += nodes.literal(text=command)
                    para += nodes.Text(". " if figure else ".")
                if figure:
                    para += nodes.Text(figure[0])
                    para += nodes.literal(text=figure[1])
                    para += nodes.Text(".")
                note += para
            if self.content:
                self.state.nested_parse(self.content, self.content_offset, note)
            return [note]

    return ProvenanceDirective


def setup(app):
    app.add_directive("provenance", _directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
