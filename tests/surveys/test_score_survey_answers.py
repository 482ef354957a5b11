"""Scoring survey answers: every expected figure is worked out by hand in the test, with the arithmetic."""

from __future__ import annotations

import math

import pytest

from careloop.surveys import scoring


def test_it_gives_the_wilson_interval_of_a_share() -> None:
    # 8 of 10: z = 1.96, z^2 = 3.8415. centre = (0.8 + 3.8415/20) / (1 + 3.8415/10) = 0.99207 / 1.38415 = 0.71674
    # half = 1.96 * sqrt(0.8*0.2/10 + 3.8415/400) / 1.38415 = 1.96 * 0.16001 / 1.38415 = 0.22658
    low, high = scoring.wilson_interval(8, 10)
    assert low == pytest.approx(0.71674 - 0.22658, abs=1e-4)
    assert high == pytest.approx(0.71674 + 0.22658, abs=1e-4)
    # 0 of 5 keeps the lower bound at 0; the upper is z^2 / (n + z^2) = 3.8415 / 8.8415 = 0.43448.
    assert scoring.wilson_interval(0, 5) == pytest.approx((0.0, 0.43448), abs=1e-4)


def test_it_refuses_an_interval_without_answers() -> None:
    with pytest.raises(ValueError):
        scoring.wilson_interval(0, 0)
    with pytest.raises(ValueError):
        scoring.wilson_interval(4, 3)


def test_it_scores_the_top_box_share_of_an_item() -> None:
    # 3 "always" of 5 answers; the skipped question (None) is not an answer.
    answers = ["always", "usually", "always", None, "never", "always"]
    score = scoring.top_box(answers, ("always",), min_n=1)
    assert (score.n, score.count) == (5, 3)
    assert score.value == pytest.approx(3 / 5)
    assert score.low is not None and score.high is not None
    assert score.low < 0.6 < score.high
    # Top-box flags (as stored with each answer) are the default: 2 True of 4.
    flags = scoring.top_box([True, False, True, False, None], min_n=1)
    assert (flags.n, flags.count, flags.value) == (4, 2, 0.5)


def test_it_suppresses_a_score_below_the_minimum_n() -> None:
    score = scoring.top_box([True] * 9, min_n=10)
    assert score.suppressed
    assert (score.n, score.value, score.low, score.high, score.count) == (9, None, None, None, None)
    shown = scoring.top_box([True] * 10, min_n=10)
    assert not shown.suppressed and shown.value == 1.0
    empty = scoring.top_box([None, None], min_n=0)
    assert empty.suppressed and empty.n == 0


def test_it_scores_a_composite_as_the_mean_of_its_items_top_box_shares() -> None:
    # Item A: 2 of 4 top box = 0.5. Item B: 3 of 4 (one skipped) = 0.75. Mean = (0.5 + 0.75) / 2 = 0.625,
    # not the pooled 5 of 8 = 0.625 by chance only: item C shows the difference below.
    a = [True, True, False, False]
    b = [True, True, True, False, None]
    score = scoring.composite([a, b], min_n=1)
    assert score.value == pytest.approx(0.625)
    assert score.n == 4  # (4 + 4) // 2
    # half width = 1.96 * sqrt(0.5*0.5/4 + 0.75*0.25/4) / 2 = 1.96 * sqrt(0.109375) / 2 = 0.32410
    assert score.low == pytest.approx(0.625 - 0.32410, abs=1e-4)
    assert score.high == pytest.approx(0.625 + 0.32410, abs=1e-4)
    # Item C: 1 of 1. Items weigh equally: (0.5 + 1.0) / 2 = 0.75, whereas pooling would give 3 of 5 = 0.6.
    c = [True, None, None, None]
    unequal = scoring.composite([a, c], min_n=1)
    assert unequal.value == pytest.approx(0.75)
    assert unequal.n == 2  # (4 + 1) // 2


def test_it_suppresses_a_composite_on_its_mean_item_n() -> None:
    # Mean item n = (12 + 6) // 2 = 9 < 10.
    score = scoring.composite([[True] * 12, [False] * 6], min_n=10)
    assert score.suppressed and score.n == 9 and score.value is None
    assert scoring.composite([[None], []], min_n=1).suppressed


def test_it_scores_answers_on_the_0_to_100_linear_scale() -> None:
    scale = ["never", "sometimes", "usually", "always"]
    assert [scoring.linear_score(a, scale) for a in scale] == pytest.approx([0, 100 / 3, 200 / 3, 100])
    # usually, usually, sometimes, sometimes = 66.667, 66.667, 33.333, 33.333: mean 50;
    # s = sqrt(4 * 16.667^2 / 3) = 19.245; half = 1.96 * 19.245 / sqrt(4) = 18.861.
    values = [scoring.linear_score(a, scale) for a in ("usually", "usually", "sometimes", "sometimes")]
    mean = scoring.linear_mean([*values, None], min_n=1)
    assert mean.n == 4
    assert mean.value == pytest.approx(50.0)
    assert mean.low == pytest.approx(50 - 18.861, abs=1e-2)
    assert mean.high == pytest.approx(50 + 18.861, abs=1e-2)
    # always, usually, never: mean 55.556, s = 50.918, half = 1.96 * 50.918 / sqrt(3) = 57.62: clipped to 0-100.
    wide = scoring.linear_mean([scoring.linear_score(a, scale) for a in ("always", "usually", "never")], min_n=1)
    assert wide.value == pytest.approx(55.556, abs=1e-3)
    assert (wide.low, wide.high) == (0.0, 100.0)


def test_it_scores_nps_with_its_trinomial_interval() -> None:
    # Promoters (9-10): 10, 9, 9, 10, 9 = 5. Passives (7-8): 8, 7 = 2. Detractors (0-6): 6, 3, 0 = 3.
    ratings = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0, None]
    score = scoring.nps(ratings, min_n=10)
    assert (score.n, score.promoters, score.passives, score.detractors) == (10, 5, 2, 3)
    # NPS = 100 * (0.5 - 0.3) = 20. var = (0.5 + 0.3 - 0.2^2) / 10 = 0.076; half = 100 * 1.96 * sqrt(0.076) = 54.03
    assert score.value == pytest.approx(20.0)
    assert score.low == pytest.approx(20 - 54.033, abs=1e-2)
    assert score.high == pytest.approx(20 + 54.033, abs=1e-2)


def test_it_clips_the_nps_interval_and_refuses_ratings_off_the_scale() -> None:
    # 9 promoters and 1 passive: NPS 90, var = (0.9 - 0.81) / 10 = 0.009, half = 196 * 0.09487 = 18.59 → clipped at 100.
    score = scoring.nps([10] * 9 + [8], min_n=1)
    assert score.value == pytest.approx(90.0)
    assert score.high == 100.0
    assert score.low == pytest.approx(90 - 18.594, abs=1e-2)
    with pytest.raises(ValueError):
        scoring.nps([11])
    assert scoring.nps([10, 9], min_n=10).suppressed


def test_it_adjusts_unit_scores_for_case_mix_with_one_adjuster() -> None:
    # Unit A: (x=1, y=60), (x=3, y=80), (x missing, y=70). Unit B: (1, 50), (1, 50).
    # The missing x takes A's mean, (1 + 3) / 2 = 2. Centred on unit means, A: x -1, +1, 0; y -10, +10, 0; B: all 0.
    # b = sum(x*y) / sum(x^2) = (10 + 10) / 2 = 10. Overall mean x = (1 + 3 + 2 + 1 + 1) / 5 = 1.6.
    # Adjusted A = 70 - 10 * (2 - 1.6) = 66; adjusted B = 50 - 10 * (1 - 1.6) = 56.
    outcomes = [60, 80, 70, 50, 50]
    adjusters: list[dict[str, float | None]] = [{"general_health": x} for x in (1, 3, None, 1, 1)]
    units = ["A", "A", "A", "B", "B"]
    result = scoring.case_mix_adjust(outcomes, adjusters, units, ["general_health"])
    assert result.coefficients["general_health"] == pytest.approx(10.0)
    assert result.overall_means["general_health"] == pytest.approx(1.6)
    assert result.raw == pytest.approx({"A": 70.0, "B": 50.0})
    assert result.adjusted == pytest.approx({"A": 66.0, "B": 56.0})
    assert result.n == {"A": 3, "B": 2}


def test_it_adjusts_for_several_adjusters_at_once() -> None:
    # y = unit level + 2 * x1 + 3 * x2 exactly, so the within-unit regression finds b1 = 2, b2 = 3.
    # A (level 10): (0,0) 10, (1,0) 12, (0,1) 13, (1,1) 15. B (level 20): (0,0) 20, (2,1) 27.
    # Overall means: x1 = 4/6 = 0.6667, x2 = 3/6 = 0.5.
    # A: raw 12.5, means (0.5, 0.5): 12.5 - 2*(0.5 - 0.6667) - 3*0 = 12.8333.
    # B: raw 23.5, means (1.0, 0.5): 23.5 - 2*(1 - 0.6667) - 0 = 22.8333.
    xs = [(0, 0), (1, 0), (0, 1), (1, 1), (0, 0), (2, 1)]
    outcomes = [10, 12, 13, 15, 20, 27]
    adjusters = [{"age": x1, "education": x2} for x1, x2 in xs]
    result = scoring.case_mix_adjust(outcomes, adjusters, ["A"] * 4 + ["B"] * 2, ["age", "education"])
    assert result.coefficients == pytest.approx({"age": 2.0, "education": 3.0})
    assert result.adjusted == pytest.approx({"A": 12.8333, "B": 22.8333}, abs=1e-4)
    assert result.dropped == ()


def test_it_drops_an_adjuster_that_never_varies_within_a_unit() -> None:
    # Education is constant inside each unit: its effect cannot be told apart from the unit's, so b = 0.
    adjusters = [{"education": 1}, {"education": 1}, {"education": 4}, {"education": 4}]
    result = scoring.case_mix_adjust([1.0, 0.0, 1.0, 1.0], adjusters, ["A", "A", "B", "B"], ["education"])
    assert result.coefficients == {"education": 0.0}
    assert result.dropped == ("education",)
    assert result.adjusted == pytest.approx(result.raw)
    assert result.raw == pytest.approx({"A": 0.5, "B": 1.0})


def test_it_leaves_out_respondents_without_an_outcome() -> None:
    result = scoring.case_mix_adjust([None, 1.0], [{"age": 1}, {"age": 2}], ["A", "A"], ["age"])
    assert result.n == {"A": 1}
    with pytest.raises(ValueError):
        scoring.case_mix_adjust([1.0], [], ["A"], ["age"])


def test_it_breaks_scores_down_by_group_each_suppressed_on_its_own_n() -> None:
    rows = [("dr-okafor", True)] * 3 + [("dr-okafor", False)] + [("np-chen", True)]
    groups = scoring.breakdown(rows, lambda r: r[0], lambda g: scoring.top_box([flag for _, flag in g], min_n=2))
    assert list(groups) == ["dr-okafor", "np-chen"]
    assert groups["dr-okafor"].value == pytest.approx(0.75)  # 3 of 4
    assert groups["np-chen"].suppressed and groups["np-chen"].n == 1
    assert not math.isnan(groups["dr-okafor"].low or math.nan)
