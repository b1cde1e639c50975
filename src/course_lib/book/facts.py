"""Derived numbers for the book's prose (``{result}`@name```): each is computed from saved files.

Add a fact with ``@fact`` on a function of no arguments that reads what it needs with :func:`load`.
Keep each one small and named after the sentence it serves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from course_lib.experiments.results import load_results

__all__ = ["FACTS", "Phrase", "fact", "load"]

FACTS: dict[str, Callable[[], Any]] = {}


class Phrase(str):
    """A word a fact returns ("above", "meets"), with its rendering in each other edition of the book.

    ``Phrase("above", ko="보다 높다")`` prints as ``above`` in English and as ``보다 높다`` in the
    Korean edition (the ``{result}`` role picks the build's language), so a translated sentence
    never shows an English word in the middle.
    """

    def __new__(cls, text: str, **languages: str) -> Phrase:
        obj = super().__new__(cls, text)
        obj.languages = languages
        return obj

    def in_language(self, language: str | None) -> str:
        return self.languages.get(language or "en", str(self))


@cache
def load(stem: str) -> dict:
    """``book/_static/results/<stem>.json`` as a dict (cached for one build)."""
    return load_results(stem)


def fact(func: Callable[[], Any]) -> Callable[[], Any]:
    """Register ``func`` under its name."""
    FACTS[func.__name__] = func
    return func


@fact
def adding_orders_below_baseline() -> float:
    """How many orders of magnitude the best final MSE on the adding problem sits below the baseline."""
    import math

    res = load("adding")["results"]
    best = min(run["val_loss"][-1] for run in res["runs"].values())
    return math.log10(res["baseline_mse"] / best)


# chapters 0-3 ---------------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class Sci(float):
    """A float whose ``e`` format reads as prose: ``format(Sci(2.5e-13), ".1e")`` is ``2.5 × 10⁻¹³``
    (other format specs behave as for a float)."""

    def __format__(self, spec: str) -> str:
        if not spec.endswith("e"):
            return format(float(self), spec)
        mantissa, _, exponent = format(float(self), spec).partition("e")
        power = int(exponent)
        return mantissa if power == 0 else f"{mantissa} × 10{str(power).translate(_SUPERSCRIPT)}"


_RADII = {"09": "0.9", "10": "1.0", "11": "1.1"}


def _register(name: str, func: Callable[[], Any], doc: str) -> None:
    func.__name__ = name
    func.__doc__ = doc
    fact(func)


def _gradient_norm_facts() -> None:
    """``gradnorm_end_<act>_<r>`` (the norm at the largest distance) and ``gradnorm_ratio_<act>_<r>``
    (that norm over the norm at the loss), for act in linear/tanh and r in 09/10/11; keys of the file
    contain dots, which a dotted path cannot name."""
    for act in ("linear", "tanh"):
        for short, radius in _RADII.items():
            _register(f"gradnorm_end_{act}_{short}",
                      lambda a=act, r=radius: Sci(load("gradient_norms")["results"]["curves"][a][r][-1]),
                      f"||dL/dh_t|| at the largest distance, {act} RNN, rho = {radius}.")
            _register(f"gradnorm_ratio_{act}_{short}",
                      lambda a=act, r=radius: Sci(load("gradient_norms")["results"]["ratio_last_to_first"][a][r]),
                      f"||dL/dh_1|| / ||dL/dh_T||, {act} RNN, rho = {radius}.")


_gradient_norm_facts()


@fact
def gradnorm_start() -> float:
    """||dL/dh_T|| at the loss (distance 0): the same for every curve (same seeds and readout)."""
    return load("gradient_norms")["results"]["curves"]["tanh"]["1.0"][0]


@fact
def gradnorm_max_distance() -> int:
    """The largest distance T - t drawn in the gradient-norm figure."""
    return len(load("gradient_norms")["results"]["curves"]["tanh"]["1.0"]) - 1


_FLOW = {"rnn": "RNN (tanh)", "b0": "LSTM, forget bias 0", "b1": "LSTM, forget bias 1", "b3": "LSTM, forget bias 3"}


def _flow_curve(key: str) -> list[float]:
    """Jacobian norm of one gradient-flow curve by distance 0, 1, ... (the file stores it from the far end)."""
    res = load("gradient_flow")["results"]
    by_distance = dict(zip(res["distance"], res["norms"][_FLOW[key]], strict=True))
    return [by_distance[d] for d in sorted(by_distance)]


def _gradient_flow_facts() -> None:
    """``flow_at50_<k>`` (norm at the saved distance, 50) and ``flow_decades_per_step_<k>`` (mean
    log10 decay per step over that distance) for k in rnn/b0/b1/b3."""
    import math

    for key, name in _FLOW.items():
        _register(f"flow_at50_{key}", lambda n=name: Sci(load("gradient_flow")["results"]["norm_at_distance"][n]),
                  f"Jacobian norm at the saved distance for {name}.")

        def decades(k=key):
            d = load("gradient_flow")["results"]["norm_at_distance"]["distance"]
            curve = _flow_curve(k)
            return math.log10(curve[0] / curve[d]) / d

        _register(f"flow_decades_per_step_{key}", decades, f"log10 decay per step over the first steps, {name}.")


_gradient_flow_facts()


@fact
def flow_log10_mean_f0() -> float:
    """log10 of the mean forget gate with forget bias 0 (what a decay by the mean gate would give)."""
    import math

    return math.log10(load("gradient_flow")["results"]["mean_forget_gate"]["0"])


@fact
def flow_log10_mean_f1() -> float:
    """log10 of the mean forget gate with forget bias 1."""
    import math

    return math.log10(load("gradient_flow")["results"]["mean_forget_gate"]["1"])


@fact
def flow_b3_min() -> float:
    """The smallest Jacobian norm of the forget-bias-3 curve."""
    return min(_flow_curve("b3"))


@fact
def flow_b3_min_distance() -> int:
    """The distance at which the forget-bias-3 curve is smallest."""
    curve = _flow_curve("b3")
    return curve.index(min(curve))


@fact
def flow_b3_drop() -> float:
    """How far the forget-bias-3 curve falls below its value at distance 0, as a fraction."""
    curve = _flow_curve("b3")
    return 1 - min(curve) / curve[0]


@fact
def flow_b3_at100() -> float:
    """The forget-bias-3 norm at distance 100."""
    return _flow_curve("b3")[100]


@fact
def flow_b3_far() -> float:
    """The forget-bias-3 norm at the largest distance."""
    return _flow_curve("b3")[-1]


@fact
def flow_far_distance() -> int:
    """The largest distance of the gradient-flow curves."""
    return len(_flow_curve("b3")) - 1


@fact
def flow_identity_norm() -> float:
    """||I||_F = sqrt(H) at distance 0."""
    return _flow_curve("b3")[0]


def _first_speech_line() -> slice:
    """Characters of the first line of speech in the saved passage (after the first name line)."""
    passage = load("lstm_gates")["results"]["passage"]
    name_end = passage.index(":\n") + 2
    return slice(name_end, passage.index("\n", name_end))


def _first_name_line() -> slice:
    passage = load("lstm_gates")["results"]["passage"]
    name_end = passage.index(":\n") + 1
    return slice(passage.rindex("\n", 0, name_end) + 1, name_end)


def _unit_series(gate: str, k: int) -> list[float]:
    """Gate (or cell state) ``gate`` of the k-th saved unit along the passage."""
    return [row[k] for row in load("lstm_gates")["results"]["gates"][gate]]


def _lstm_gates_facts() -> None:
    """Per saved unit k = 0..3 (the units of the figure): mean forget gate over the first speech
    line, over the first name line and over the passage; cell state at the end of the first
    speech line, its mean change per character along that line, its minimum, maximum and final value."""
    for k in range(4):
        _register(f"gates_f_speech_{k}",
                  lambda k=k: _mean(_unit_series("f", k)[_first_speech_line()]),
                  f"Mean forget gate of saved unit {k} over the first line of speech.")
        _register(f"gates_f_name_{k}", lambda k=k: _mean(_unit_series("f", k)[_first_name_line()]),
                  f"Mean forget gate of saved unit {k} over the first name line.")
        _register(f"gates_f_mean_{k}", lambda k=k: _mean(_unit_series("f", k)),
                  f"Mean forget gate of saved unit {k} over the passage.")
        _register(f"gates_c_speech_end_{k}", lambda k=k: _unit_series("c", k)[_first_speech_line().stop - 1],
                  f"Cell state of saved unit {k} at the end of the first line of speech.")

        def slope(k=k):
            s = _first_speech_line()
            c = _unit_series("c", k)
            return (c[s.stop - 1] - c[s.start - 1]) / (s.stop - s.start)

        _register(f"gates_c_slope_{k}", slope, f"Mean change per character of unit {k}'s cell state on that line.")
        _register(f"gates_c_min_{k}", lambda k=k: min(_unit_series("c", k)), f"Minimum cell state of unit {k}.")
        _register(f"gates_c_max_{k}", lambda k=k: max(_unit_series("c", k)), f"Maximum cell state of unit {k}.")
        _register(f"gates_c_final_{k}", lambda k=k: _unit_series("c", k)[-1], f"Final cell state of unit {k}.")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


_lstm_gates_facts()


@fact
def gates_passage_length() -> int:
    """Characters in the saved passage."""
    return len(load("lstm_gates")["results"]["passage"])


def _step_time_facts() -> None:
    """``lstm_<what>_<min|max>`` over the rounds of ``lstm_step_time``: what in scratch_ms, torch_ms, ratios."""
    for key, short in (("scratch_ms", "scratch_ms"), ("torch_ms", "torch_ms"), ("ratios", "ratio")):
        _register(f"lstm_{short}_min", lambda k=key: min(load("lstm_step_time")["results"][k]),
                  f"Smallest {key} over the rounds of the LSTM step timing.")
        _register(f"lstm_{short}_max", lambda k=key: max(load("lstm_step_time")["results"][k]),
                  f"Largest {key} over the rounds of the LSTM step timing.")


_step_time_facts()


# chapters 4-6 ---------------------------------------------------------------------------------

#: The adding problem's validation MSE below which a cell has clearly left the baseline (which is
#: about 0.18 on the fixed validation set) and the g_1/g_T ratio above which the gradient reaching
#: the first step is "of order one" (chapter 4).
ADDING_LEFT_BASELINE = 0.15
ADDING_RATIO_ORDER_ONE = 0.1
_CELLS = ("rnn", "lstm", "gru")


def _adding_run(cell: str) -> dict:
    return load("adding")["results"]["runs"][cell]


def _adding_escape(cell: str) -> int:
    r = _adding_run(cell)
    return next(s for s, v in zip(r["val_step"], r["val_loss"], strict=True) if s > 0 and v < ADDING_LEFT_BASELINE)


def _adding_rise(cell: str) -> int:
    r = _adding_run(cell)
    return next(s for s, v in zip(r["grad_step"], r["grad_ratio_first_last"], strict=True)
                if v > ADDING_RATIO_ORDER_ONE)


def _adding_facts() -> None:
    """Per cell c in rnn/lstm/gru: ``adding_goal_<c>`` (first step with MSE < 0.01, or "never"),
    ``adding_final_<c>`` (final MSE), ``adding_orders_<c>`` (orders of magnitude below the baseline),
    ``adding_escape_<c>`` (first step below 0.15), ``adding_rise_<c>`` (first step with g_1/g_T > 0.1),
    ``adding_ratio_plateau_<c>`` (median g_1/g_T before that), ``adding_ratio_after_<c>`` (median after)."""
    import math
    import statistics

    for c in _CELLS:
        _register(f"adding_goal_{c}",
                  lambda c=c: Phrase("never", ko="도달하지 못함") if _adding_run(c)["first_step_below_0.01"] is None
                  else f"{_adding_run(c)['first_step_below_0.01']:,d}",
                  f"First step with validation MSE < 0.01, {c}.")
        _register(f"adding_final_{c}", lambda c=c: Sci(_adding_run(c)["final_val_mse"]), f"Final MSE, {c}.")
        _register(f"adding_orders_{c}",
                  lambda c=c: math.log10(load("adding")["results"]["baseline_mse"] / _adding_run(c)["final_val_mse"]),
                  f"Orders of magnitude between the baseline 1/6 and the final MSE, {c}.")
        _register(f"adding_escape_{c}", lambda c=c: _adding_escape(c), f"First step with MSE < 0.15, {c}.")
        _register(f"adding_rise_{c}", lambda c=c: _adding_rise(c), f"First step with g_1/g_T > 0.1, {c}.")

        def plateau(c=c):
            r = _adding_run(c)
            return Sci(statistics.median(v for s, v in zip(r["grad_step"], r["grad_ratio_first_last"], strict=True)
                                         if s < _adding_rise(c)))

        def after(c=c):
            r = _adding_run(c)
            return statistics.median(v for s, v in zip(r["grad_step"], r["grad_ratio_first_last"], strict=True)
                                     if s >= _adding_rise(c))

        _register(f"adding_ratio_plateau_{c}", plateau, f"Median g_1/g_T before it rises above 0.1, {c}.")
        _register(f"adding_ratio_after_{c}", after, f"Median g_1/g_T from the step it rises above 0.1, {c}.")


_adding_facts()


@fact
def adding_lstm_after_gru() -> int:
    """How many steps after the GRU the LSTM first reaches MSE < 0.01."""
    return _adding_run("lstm")["first_step_below_0.01"] - _adding_run("gru")["first_step_below_0.01"]


@fact
def adding_rnn_plateau_mse() -> float:
    """The RNN's median validation MSE while it sits at the baseline (steps 100 to its escape)."""
    import statistics

    r = _adding_run("rnn")
    return statistics.median(v for s, v in zip(r["val_step"], r["val_loss"], strict=True)
                             if 0 < s < _adding_escape("rnn"))


@fact
def adding_max_rise_escape_gap() -> int:
    """The largest distance, over the three cells, between the step at which g_1/g_T rises above 0.1
    and the step at which the MSE leaves the baseline."""
    return max(abs(_adding_escape(c) - _adding_rise(c)) for c in _CELLS)


def _lm(cell: str) -> dict:
    return load("lm_compare")["results"]["runs"][cell]


@fact
def lm_gain_lstm() -> float:
    """Nats per character by which the LSTM beats the RNN on the whole validation stream."""
    return _lm("rnn")["final_val_loss_full_stream"] - _lm("lstm")["final_val_loss_full_stream"]


@fact
def lm_gain_gru() -> float:
    """Nats per character by which the GRU beats the RNN on the whole validation stream."""
    return _lm("rnn")["final_val_loss_full_stream"] - _lm("gru")["final_val_loss_full_stream"]


@fact
def lm_gru_below_lstm() -> float:
    """Nats per character by which the GRU ends below the LSTM (whole validation stream)."""
    return _lm("lstm")["final_val_loss_full_stream"] - _lm("gru")["final_val_loss_full_stream"]


@fact
def lm_gru_fewer_parameters() -> float:
    """The GRU language model's parameter saving relative to the LSTM's (a fraction)."""
    return 1 - _lm("gru")["parameters"] / _lm("lstm")["parameters"]


@fact
def lm_time_lstm_over_rnn() -> float:
    """Time per 100 steps of the LSTM over the RNN's, timed in turn under the same load."""
    return _lm("lstm")["s_per_100_steps_matched"] / _lm("rnn")["s_per_100_steps_matched"]


@fact
def lm_time_gru_over_rnn() -> float:
    """Time per 100 steps of the GRU over the RNN's, timed in turn under the same load."""
    return _lm("gru")["s_per_100_steps_matched"] / _lm("rnn")["s_per_100_steps_matched"]


@fact
def lm_time_gru_over_lstm() -> float:
    """Time per 100 steps of the GRU over the LSTM's, timed in turn under the same load."""
    return _lm("gru")["s_per_100_steps_matched"] / _lm("lstm")["s_per_100_steps_matched"]


def _beam_example() -> dict:
    return load("seq2seq_dates")["results"]["beam_search"]["example"]


@fact
def s2s_beam_example_rank() -> int:
    """Where (1 = best) the reference sits among the beams of chapter 5's beam-search example."""
    ex = _beam_example()
    return 1 + [b["output"] for b in ex["beams"]].index(ex["reference"])


@fact
def s2s_beam_example_reference_score() -> float:
    """The normalised score of the reference's beam in chapter 5's beam-search example."""
    ex = _beam_example()
    return next(b["score"] for b in ex["beams"] if b["output"] == ex["reference"])


@fact
def s2s_bleu_100() -> float:
    """BLEU of chapter 5's plain seq2seq on the test dates, out of 100."""
    return 100 * load("seq2seq_dates")["results"]["bleu"]


@fact
def attn_dates_bleu_100() -> float:
    """BLEU of chapter 6's attention model on the test dates, out of 100."""
    return 100 * load("attention_dates")["results"]["bleu"]


@fact
def attn_dates_last_day() -> str:
    """The day (two characters) that chapter 6's attention model writes for its last heat-map example."""
    return load("attention_dates")["results"]["examples"][-1]["output"][8:10]


@fact
def bottleneck_plain_none_from() -> int:
    """The shortest length from which the plain seq2seq copies no string exactly (at every longer length too)."""
    r = load("bottleneck")["results"]
    lengths, em = r["lengths"], r["plain"]["exact_match"]
    return next(L for i, L in enumerate(lengths) if all(e == 0 for e in em[i:]))


def _copy_errors_at_longest() -> dict:
    return load("copy_errors")["results"]["errors"][-1]


def _copy_error_facts() -> None:
    """``copy_errors_<key>_40`` for the attention model's failed copies at the longest length."""
    for key, name in (("mean_position_errors", "position_errors"), ("mean_edit_distance", "edit_distance"),
                      ("share_one_edit", "one_edit"), ("share_at_most_two_edits", "two_edits"),
                      ("share_wrong_length", "wrong_length")):
        _register(f"copy_errors_{name}_40", lambda k=key: _copy_errors_at_longest()[k],
                  f"{key} of the failed copies at the longest length.")
    for op in ("deletions", "insertions", "substitutions"):
        def share(op=op):
            e = _copy_errors_at_longest()
            return e[op] / (e["deletions"] + e["insertions"] + e["substitutions"])

        _register(f"copy_errors_{op}_40", share, f"Share of {op} among the edits of the failed copies, longest length.")


_copy_error_facts()


def _skip_to_same_letter(ref: str, pred: str) -> bool:
    """Does ``pred`` leave ``ref`` by skipping from a letter to just after a later occurrence of it?"""
    i = next((j for j, (a, b) in enumerate(zip(ref, pred, strict=False)) if a != b), min(len(ref), len(pred)))
    for k in range(1, len(ref) - i + 1):
        rest = ref[i + k:]
        if i > 0 and ref[i + k - 1] == ref[i - 1] and pred[i:i + 3] == rest[:3] and rest[:3]:
            return True
    return False


@fact
def copy_errors_examples_same_letter() -> int:
    """How many of the saved failed copies skip from a letter to a later occurrence of the same letter."""
    return sum(_skip_to_same_letter(e["ref"], e["pred"]) for e in load("copy_errors")["results"]["examples"])


@fact
def copy_errors_examples() -> int:
    """How many failed copies the copy_errors file keeps as examples."""
    return len(load("copy_errors")["results"]["examples"])


@fact
def longer_plain_substitutions_40() -> float:
    """Share of substitutions among the edits of the plain model's copies at the longest length
    (its first round, the model of the bottleneck figure)."""
    e = load("bottleneck_longer")["results"]["rounds"][0]["errors"][-1]
    return e["substitutions"] / (e["substitutions"] + e["deletions"] + e["insertions"])


@fact
def longer_steps_factor() -> int:
    """How many times the bottleneck run's steps the longer control trains the plain model."""
    r = load("bottleneck_longer")["results"]["rounds"]
    return r[-1]["steps"] // r[0]["steps"]


# chapter 7


@fact
def dates_transformer_gain_points() -> float:
    """Exact-match gain (percentage points) of the fixed Transformer over the same model with N(0, 1) embeddings."""
    m = load("transformer_dates")["results"]["models"]
    return 100 * (m["transformer"]["exact_match"] - m["transformer_n01"]["exact_match"])


#: Test accuracy at which the long-context figure counts a length as solved.
LONG_CONTEXT_SOLVED = 0.9


def _longest_solved(model: str) -> int:
    """The longest length T at which ``model`` (and at every shorter length) reached 90 % accuracy; 0 if none."""
    longest = 0
    for r in load("long_context")["results"]["models"][model]:
        if r["accuracy"] < LONG_CONTEXT_SOLVED:
            break
        longest = r["T"]
    return longest


@fact
def long_context_rnn_longest() -> int:
    """Longest length the RNN recalls at 90 % or more (0: none)."""
    return _longest_solved("rnn")


@fact
def long_context_lstm_longest() -> int:
    """Longest length the LSTM recalls at 90 % or more (0: none)."""
    return _longest_solved("lstm")


@fact
def long_context_transformer_longest() -> int:
    """Longest length the Transformer recalls at 90 % or more (0: none)."""
    return _longest_solved("transformer")


@fact
def long_context_lr_grid() -> str:
    """The learning rates the long-context tuning tried: '0.001, 0.003, 0.01, 0.03'."""
    return ", ".join(f"{lr:g}" for lr in load("long_context")["config"]["lr_grid"])


@fact
def long_context_tune_lengths() -> str:
    """The lengths the long-context tuning averaged over: '16, 32, 64'."""
    return ", ".join(str(T) for T in load("long_context")["config"]["tune_lengths"])


@fact
def long_context_forget_bias_grid() -> str:
    """The LSTM forget-gate biases the tuning tried: '1, 3, 5'."""
    return ", ".join(f"{b:g}" for b in load("long_context")["config"]["forget_bias_grid"])


@fact
def long_context_lstm_bias1_best_at_32() -> float:
    """The LSTM's best tuning accuracy at T = 32 with its forget-gate bias at 1, over every learning rate."""
    t = load("long_context")["results"]["tuning"]["lstm"]
    k = t["lengths"].index(32)
    return max(a[k] for name, a in t["accuracy"].items() if name.endswith("forget bias=1"))


def _ms_at_longest(model: str) -> float:
    return 1000 * load("long_context")["results"]["models"][model][-1]["step_time_s"]


@fact
def long_context_rnn_ms_longest() -> float:
    """The RNN's training step at the longest length, in milliseconds."""
    return _ms_at_longest("rnn")


@fact
def long_context_transformer_ms_longest() -> float:
    """The Transformer's training step at the longest length, in milliseconds."""
    return _ms_at_longest("transformer")


@fact
def long_context_transformer_growth_vs_rnn() -> Phrase:
    """How the Transformer's step time grows with T compared with the RNN's; in Korean it follows "RNN"."""
    ratio = _step_time_growth("transformer") / _step_time_growth("rnn")
    if ratio < 0.5:
        return Phrase("much more slowly than the RNN's", ko="보다 훨씬 완만하게")
    if ratio <= 2:
        return Phrase("about as fast as the RNN's", ko="과 비슷하게")
    return Phrase("faster than the RNN's", ko="보다 가파르게")


def _step_time_growth(model: str) -> float:
    runs = load("long_context")["results"]["models"][model]
    return runs[-1]["step_time_s"] / runs[0]["step_time_s"]


@fact
def long_context_rnn_time_growth() -> float:
    """How many times longer an RNN training step is at the longest length than at the shortest."""
    return _step_time_growth("rnn")


@fact
def long_context_transformer_time_growth() -> float:
    """How many times longer a Transformer training step is at the longest length than at the shortest."""
    return _step_time_growth("transformer")


@fact
def long_context_length_growth() -> int:
    """Longest over shortest length of the long-context run."""
    lengths = load("long_context")["results"]["lengths"]
    return lengths[-1] // lengths[0]


def _gpt_cpu_runs() -> list[dict]:
    """Our GPT's runs at nanoGPT's CPU setting, one ``{"results": {...}}`` per seed: the seeds of
    ``gpt_vs_nanogpt.json`` when it exists, else the single-seed files ``gpt_shakespeare_small*.json``."""
    from course_lib.experiments.results import results_dir

    if (results_dir() / "gpt_vs_nanogpt.json").is_file():
        return [{"results": o} for o in load("gpt_vs_nanogpt")["results"]["ours"]]
    return [load(p.stem) for p in sorted(results_dir().glob("gpt_shakespeare_small*.json"))
            if "." not in p.stem]  # not a translated figure's record (gpt_shakespeare_small.ko.json)


@fact
def gpt_seeds() -> int:
    """How many seeds of our GPT have been run at nanoGPT's CPU setting."""
    return len(_gpt_cpu_runs())


@fact
def gpt_evaluations() -> int:
    """How many validation estimates each GPT run made (every 250 steps, the first before any update)."""
    return len(_gpt_cpu_runs()[0]["results"]["val_step"])


@fact
def gpt_mean_best_val_loss() -> float:
    """Mean over the seeds of our GPT's best validation loss (nanoGPT's 20-batch estimate)."""
    runs = _gpt_cpu_runs()
    return sum(r["results"]["best_val_loss"] for r in runs) / len(runs)


def _at_or_below(yes: bool) -> Phrase:
    """A loss compared with a reference; in Korean the phrase follows "<reference>": "기준값보다 높다"."""
    return Phrase("at or below", ko="보다 낮거나 같다") if yes else Phrase("above", ko="보다 높다")


@fact
def gpt_mean_vs_nanogpt() -> str:
    """'at or below' or 'above': our GPT's mean best validation loss against nanoGPT's reference."""
    return _at_or_below(gpt_mean_best_val_loss() <= load("references")["runs"]["nanogpt_cpu"]["best_val_loss"])


@fact
def gpt_mean_minus_nanogpt() -> float:
    """Our GPT's mean best validation loss minus nanoGPT's reference (nats/char)."""
    return gpt_mean_best_val_loss() - load("references")["runs"]["nanogpt_cpu"]["best_val_loss"]


@fact
def gpt_seed_spread() -> float:
    """Largest minus smallest best validation loss over our GPT's seeds."""
    losses = [r["results"]["best_val_loss"] for r in _gpt_cpu_runs()]
    return max(losses) - min(losses)


def _nanogpt_runs() -> list[dict]:
    """nanoGPT's runs beside ours in ``gpt_vs_nanogpt.json``, one per seed."""
    return load("gpt_vs_nanogpt")["results"]["nanogpt"]


def _per_seed(runs: list[dict]) -> Phrase:
    def text(seed_word: str) -> str:
        return ", ".join(f"{r['best_val_loss']:.4f} ({seed_word} {r.get('seed', 1337)})" for r in runs)

    return Phrase(text("seed"), ko=text("시드"))


@fact
def gpt_per_seed() -> str:
    """Our GPT's best validation loss per seed, as text: '1.9215 (seed 1337), ...'."""
    return _per_seed([r["results"] for r in _gpt_cpu_runs()])


@fact
def gpt_nanogpt_seeds() -> int:
    """How many seeds of nanoGPT were run beside ours."""
    return len(_nanogpt_runs())


@fact
def gpt_nanogpt_per_seed() -> str:
    """nanoGPT's best validation loss per seed, as text: '1.8857 (seed 1337), ...'."""
    return _per_seed(_nanogpt_runs())


@fact
def gpt_nanogpt_seed_spread() -> float:
    """Largest minus smallest best validation loss over nanoGPT's seeds."""
    losses = [r["best_val_loss"] for r in _nanogpt_runs()]
    return max(losses) - min(losses)


@fact
def gpt_nanogpt_mean_vs_reference() -> str:
    """'at or below' or 'above': nanoGPT's own mean over its seeds against its one-seed reference."""
    return _at_or_below(load("gpt_vs_nanogpt")["results"]["summary"]["nanogpt_best_val_loss"]
                        <= load("references")["runs"]["nanogpt_cpu"]["best_val_loss"])


@fact
def gpt_meets_target() -> str:
    """'meets' or 'does not meet': our GPT's mean best validation loss against nanoGPT's reference."""
    if load("gpt_vs_nanogpt")["results"]["summary"]["meets_target"]:
        return Phrase("meets", ko="달성한다")
    return Phrase("does not meet", ko="달성하지 못한다")


@fact
def gpt_mean_vs_nanogpt_mean() -> str:
    """'at or below' or 'above': our GPT's mean best validation loss against nanoGPT's mean over its seeds."""
    s = load("gpt_vs_nanogpt")["results"]["summary"]
    return _at_or_below(s["mean_best_val_loss"] <= s["nanogpt_best_val_loss"])


@fact
def gpt_time_at_nanogpt_speed() -> float:
    """Our GPT's 2000 steps at the speed of nanoGPT's reference run: its reference time x nanoGPT's
    tokens/s / ours, both measured side by side in ``gpt_vs_nanogpt``."""
    s = load("gpt_vs_nanogpt")["results"]["summary"]
    return load("references")["runs"]["nanogpt_cpu"]["time_s"] * s["nanogpt_tokens_per_s"] / s["mean_tokens_per_s"]


@fact
def gpt_params_over_rnn() -> float:
    """Parameters of the 4x128 GPT over those of chapter 2's vanilla RNN."""
    ours = _gpt_cpu_runs()[0]["results"]["n_params"]
    return ours / load("lm_protocol")["results"]["runs"]["rnn"]["parameters"]
