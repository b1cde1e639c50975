"""The {result} role renders saved numbers, and every reference in the book resolves."""

import re
from pathlib import Path

import pytest

from course_lib.book.facts import FACTS
from course_lib.book.results_role import ResultLookupError, lookup, render

BOOK = Path(__file__).resolve().parents[1] / "book"
ROLE = re.compile(r"\{result\}`([^`]+)`")


def test_result_role_reads_a_dotted_path_with_list_indices():
    assert lookup("adding:results.baseline_mse") == pytest.approx(1 / 6)
    steps = lookup("adding:results.runs.gru.val_step")
    assert lookup("adding:results.runs.gru.val_step.-1") == steps[-1]


def test_result_role_formats_with_a_spec_and_defaults_to_three_significant_digits():
    assert render("adding:results.baseline_mse|.2f") == "0.17"
    assert render("adding:results.baseline_mse") == "0.167"
    assert render("adding:config.steps") == "3000"


def test_result_role_refuses_unknown_files_keys_and_facts_with_a_clear_message():
    with pytest.raises(FileNotFoundError):
        lookup("no_such_run:results")
    with pytest.raises(ResultLookupError, match="has no 'nope'"):
        lookup("adding:results.nope")
    with pytest.raises(ResultLookupError, match="no derived number"):
        lookup("@no_such_fact")
    with pytest.raises(ResultLookupError, match="expected"):
        lookup("adding")


def test_every_derived_number_computes():
    for name, func in FACTS.items():
        value = func()
        assert value is not None, name


def _references():
    for page in sorted(BOOK.rglob("*.md")) + sorted(BOOK.rglob("*.ipynb")):
        if "_build" in page.parts:
            continue
        for ref in ROLE.findall(page.read_text(encoding="utf-8")):
            yield page.relative_to(BOOK), ref.replace("\\|", "|")  # a table cell escapes the pipe


def test_every_result_reference_in_the_book_resolves():
    bad = []
    for page, ref in _references():
        try:
            render(ref)
        except (ResultLookupError, FileNotFoundError, ValueError, TypeError) as exc:
            bad.append(f"{page}: {ref}: {exc}")
    assert not bad, "\n".join(bad)


def test_result_roles_in_table_rows_escape_their_format_pipe():
    """In a Markdown table an unescaped | inside the role splits the cell (the table is lost)."""
    bad = []
    for page in sorted(BOOK.rglob("*.md")) + sorted(BOOK.rglob("*.ipynb")):
        for line in page.read_text(encoding="utf-8").splitlines():
            row = line.strip().lstrip('"')
            if row.startswith("|") and re.search(r"\{result\}`[^`]*(?<!\\)\|", row):
                bad.append(f"{page.relative_to(BOOK)}: {row[:90]}")
    assert not bad, "write \\| for the format separator inside a table:\n" + "\n".join(bad)


def test_a_phrase_fact_renders_in_the_language_of_the_edition():
    from course_lib.book.facts import Phrase

    FACTS["_test_phrase"] = lambda: Phrase("above", ko="보다 높다")
    try:
        assert render("@_test_phrase") == "above" and render("@_test_phrase", "en") == "above"
        assert render("@_test_phrase", "ko") == "보다 높다"
    finally:
        del FACTS["_test_phrase"]


def test_word_facts_have_a_korean_rendering():
    from course_lib.book.facts import Phrase

    for name, func in FACTS.items():
        value = func()
        if isinstance(value, str) and value.isascii() and value.replace(" ", "").isalpha():
            assert isinstance(value, Phrase) and "ko" in value.languages, f"{name} returns the word {value!r}"
