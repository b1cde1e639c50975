"""Derived numbers of chapters 0-3: computed from the saved files, and formatted as prose."""

import math

import pytest

from course_lib.book.facts import FACTS, Sci, load


def test_sci_formats_e_specs_as_a_power_of_ten_and_others_as_a_float():
    assert format(Sci(2.5355e-13), ".1e") == "2.5 × 10⁻¹³"
    assert format(Sci(9.57e4), ".1e") == "9.6 × 10⁴"
    assert format(Sci(3.0), ".1e") == "3.0"
    assert format(Sci(0.18791), ".2f") == "0.19"


def test_gradient_norm_facts_read_the_curves_and_ratios_of_the_saved_file():
    res = load("gradient_norms")["results"]
    assert FACTS["gradnorm_ratio_tanh_11"]() == pytest.approx(res["ratio_last_to_first"]["tanh"]["1.1"])
    end = FACTS["gradnorm_end_tanh_11"]()
    assert end / FACTS["gradnorm_start"]() == pytest.approx(res["ratio_last_to_first"]["tanh"]["1.1"], rel=1e-9)
    assert FACTS["gradnorm_ratio_tanh_11"]() < 1  # with tanh even rho = 1.1 shrinks


def test_forget_bias_3_curve_falls_first_then_rises():
    start, low, far = FACTS["flow_identity_norm"](), FACTS["flow_b3_min"](), FACTS["flow_b3_far"]()
    assert start == pytest.approx(math.sqrt(load("gradient_flow")["config"]["hidden_size"]))
    assert low < start < far
    assert 0 < FACTS["flow_b3_min_distance"]() < FACTS["flow_far_distance"]()
    assert FACTS["flow_b3_drop"]() == pytest.approx(1 - low / start)


def test_lstm_gate_facts_slice_the_first_speech_line_of_the_passage():
    passage = load("lstm_gates")["results"]["passage"]
    assert FACTS["gates_passage_length"]() == len(passage)
    # the final value and the minimum of a counter are different numbers, and the text uses both
    assert FACTS["gates_c_final_0"]() != FACTS["gates_c_min_0"]()
    assert FACTS["gates_c_min_0"]() <= FACTS["gates_c_final_0"]() <= FACTS["gates_c_max_0"]()


def test_lstm_step_time_experiment_times_both_models_and_restores_the_thread_count():
    import torch

    from course_lib.experiments.lstm_step_time import _small, run

    before = torch.get_num_threads()
    r = run(_small())
    assert torch.get_num_threads() == before
    assert len(r["torch_ms"]) == len(r["scratch_ms"]) == len(r["ratios"]) == 1
    assert all(t > 0 for t in r["torch_ms"] + r["scratch_ms"])
    assert r["median_ratio"] == pytest.approx(r["scratch_ms"][0] / r["torch_ms"][0])
