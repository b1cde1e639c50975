"""Chapter 4-6 derived numbers: the helpers behind them compute what the prose says."""

from course_lib.book.facts import FACTS, _skip_to_same_letter, load


def test_a_skip_to_a_later_copy_of_the_same_letter_is_recognised():
    assert _skip_to_same_letter("abcdefcxyz", "abcxyz")  # after c, on from the later c
    assert not _skip_to_same_letter("abcdefgh", "abxdefgh")  # a substitution
    assert not _skip_to_same_letter("abcdefgh", "abcde")  # stopped early


def test_adding_facts_agree_with_the_saved_curves():
    runs = load("adding")["results"]["runs"]
    for cell in ("rnn", "lstm", "gru"):
        escape, rise = FACTS[f"adding_escape_{cell}"](), FACTS[f"adding_rise_{cell}"]()
        val = dict(zip(runs[cell]["val_step"], runs[cell]["val_loss"], strict=True))
        assert val[escape] < 0.15 and all(v >= 0.15 for s, v in val.items() if 0 < s < escape)
        assert abs(escape - rise) <= FACTS["adding_max_rise_escape_gap"]()
        assert FACTS[f"adding_ratio_plateau_{cell}"]() < 0.1 < FACTS[f"adding_ratio_after_{cell}"]()


def test_the_plain_model_copies_nothing_exactly_from_the_length_the_prose_names():
    r = load("bottleneck")["results"]
    start = FACTS["bottleneck_plain_none_from"]()
    em = dict(zip(r["lengths"], r["plain"]["exact_match"], strict=True))
    assert all(e == 0 for L, e in em.items() if L >= start) and any(e > 0 for L, e in em.items() if L < start)


def test_the_controls_are_the_models_of_the_bottleneck_figure_as_chapters_5_and_6_say():
    figure = load("bottleneck")["results"]
    longer = load("bottleneck_longer")["results"]["rounds"][0]
    errors = load("copy_errors")["results"]
    assert longer["token_accuracy"] == figure["plain"]["token_accuracy"]
    assert longer["steps"] == load("bottleneck")["config"]["steps"]
    assert errors["token_accuracy"] == figure["attention"]["token_accuracy"]
    assert errors["exact_match"] == figure["attention"]["exact_match"]
