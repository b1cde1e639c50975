"""The {provenance} directive: a collapsed note built from a results file's provenance."""

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import directives

from course_lib.book.facts import load
from course_lib.book.provenance import TITLE, _directive, config_summary, describe, reproduce_command


def test_describe_names_device_threads_cores_and_time_from_the_file():
    prov = load("adding")["provenance"]
    text = describe("adding")
    assert "on the CPU" in text
    assert f"{prov['cpu_count']} cores" in text
    assert f"{prov['torch_threads']} PyTorch thread" in text
    assert f"{load('adding')['wall_time_s']:.0f} s" in text
    assert prov["commit"] in text
    assert "steps=3000" in config_summary("adding")
    assert reproduce_command("adding") == "python -m course_lib experiment adding --full"
    assert reproduce_command("gpt_shakespeare_small_seed0") is None  # not an experiment name


def test_directive_renders_a_dropdown_admonition_and_fails_on_a_missing_file():
    directives.register_directive("provenance", _directive())
    tree = publish_doctree(".. provenance:: adding gradient_norms\n\n   Extra *words*.\n",
                           settings_overrides={"report_level": 5})
    (note,) = tree.findall(nodes.admonition)
    assert "dropdown" in note["classes"]
    assert note.next_node(nodes.title).astext() == TITLE
    body = note.astext()
    assert "adding.json was produced" in body and "gradient_norms.json was produced" in body
    assert "Extra words." in body
    with pytest.raises(FileNotFoundError):
        describe("no_such_results_file")
    bad = publish_doctree(".. provenance:: no_such_results_file\n", settings_overrides={"report_level": 5})
    assert any("no_such_results_file" in m.astext() for m in bad.findall(nodes.system_message))
