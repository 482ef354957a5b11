"""The special-cause rules of careloop.measures.spc, one by one, then their precedence.

Most series start with the same baseline of twelve points, 2 0 2 0 … (mean 1, every moving range 2),
and fix the limits on it (baseline=12), so every figure below is worked out once, by hand:
    limits       1 ± 2.66 × 2        = -4.32 and 6.32
    two thirds   1 ± 2 × 2.66/3 × 2  = -2.5467 and 4.5467   (beyond it: "close" to a limit)
The twelfth baseline point is 0, below the mean, so a run starts with the first added point.
"""

from __future__ import annotations

import pytest

from careloop.measures.spc import (
    PRESETS,
    RULES_HEALTH_CARE_DATA_GUIDE,
    RULES_NELSON,
    RULES_NHS,
    RULES_WESTERN_ELECTRIC,
    PointType,
    Rule,
    RunRules,
    XmrResult,
    rules_preset,
    trend_members,
    xmr,
)

BASELINE = [2.0, 0.0] * 6
FIRST = len(BASELINE)

IMPROVEMENT = PointType.SPECIAL_CAUSE_IMPROVEMENT
CONCERN = PointType.SPECIAL_CAUSE_CONCERN
COMMON = PointType.COMMON_CAUSE


def chart_after_baseline(added: list[float], **kwargs: object) -> XmrResult:
    return xmr(BASELINE + added, baseline=FIRST, **kwargs)  # type: ignore[arg-type]


def flagged(chart: XmrResult) -> dict[int, tuple[Rule | None, str | None]]:
    """Special-cause points: index → (rule, side)."""
    return {p.index: (p.rule, p.side) for p in chart.points if p.point_type is not COMMON}


def test_the_shared_baseline_has_the_limits_worked_out_above() -> None:
    chart = chart_after_baseline([1.0])

    assert chart.mean == 1
    assert chart.lower == pytest.approx(-4.32) and chart.upper == pytest.approx(6.32)
    assert flagged(chart) == {}


# --- a point outside the limits ----------------------------------------------------------------------


def test_it_flags_a_point_above_the_upper_limit() -> None:
    chart = chart_after_baseline([6.4, 0.0])

    assert flagged(chart) == {FIRST: (Rule.OUTSIDE_LIMITS, "high")}
    assert chart.points[FIRST].point_type is IMPROVEMENT


def test_it_flags_a_point_below_the_lower_limit() -> None:
    chart = chart_after_baseline([-4.4, 0.0])

    assert flagged(chart) == {FIRST: (Rule.OUTSIDE_LIMITS, "low")}
    assert chart.points[FIRST].point_type is CONCERN


def test_it_does_not_flag_a_point_just_inside_the_limits() -> None:
    assert flagged(chart_after_baseline([6.3, 0.0, -4.3])) == {}


def test_it_turns_improvement_into_concern_when_lower_is_better() -> None:
    chart = chart_after_baseline([6.4, 0.0, -4.4], direction="lower_is_better")

    assert chart.points[FIRST].point_type is CONCERN
    assert chart.points[FIRST + 2].point_type is IMPROVEMENT


def test_it_calls_special_causes_neutral_with_their_side_when_no_direction_is_better() -> None:
    chart = chart_after_baseline([6.4, 0.0, -4.4], direction="neutral")

    assert chart.points[FIRST].point_type is PointType.SPECIAL_CAUSE_NEUTRAL
    assert chart.points[FIRST].side == "high"
    assert chart.points[FIRST + 2].point_type is PointType.SPECIAL_CAUSE_NEUTRAL
    assert chart.points[FIRST + 2].side == "low"


# --- a run on one side of the mean -------------------------------------------------------------------

SEVEN_ABOVE = [2.0, 3.0, 2.0, 3.0, 2.0, 3.0, 2.0]  # all above 1, none beyond 4.5467, no trend


def test_it_flags_every_point_of_a_run_of_seven_above_the_mean() -> None:
    chart = chart_after_baseline(SEVEN_ABOVE + [0.0])

    assert flagged(chart) == {FIRST + i: (Rule.RUN, "high") for i in range(7)}


def test_it_flags_a_run_below_the_mean_as_concern() -> None:
    chart = chart_after_baseline([2.0] + [0.0, -1.0] * 3 + [0.0, 2.0])

    assert flagged(chart) == {FIRST + i: (Rule.RUN, "low") for i in range(1, 8)}
    assert {chart.points[FIRST + i].point_type for i in range(1, 8)} == {CONCERN}


def test_it_does_not_flag_a_run_of_six() -> None:
    assert flagged(chart_after_baseline(SEVEN_ABOVE[:6] + [0.0])) == {}


def test_it_breaks_a_run_at_a_point_exactly_on_the_mean() -> None:
    assert flagged(chart_after_baseline([2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 0.0])) == {}


def test_it_needs_eight_for_a_run_under_the_health_care_data_guide() -> None:
    assert flagged(chart_after_baseline(SEVEN_ABOVE + [0.0], rules=RULES_HEALTH_CARE_DATA_GUIDE)) == {}
    eight = chart_after_baseline(SEVEN_ABOVE + [3.0, 0.0], rules=RULES_HEALTH_CARE_DATA_GUIDE)
    assert set(flagged(eight)) == set(range(FIRST, FIRST + 8))


# --- a trend -----------------------------------------------------------------------------------------

SEVEN_RISING = [-1.0, -0.5, 0.0, 0.5, 1.5, 2.0, 2.5]  # crosses the mean, stays within two thirds


def test_it_flags_every_point_of_a_seven_point_rising_trend_even_below_the_mean() -> None:
    chart = chart_after_baseline(SEVEN_RISING + [0.0])

    assert flagged(chart) == {FIRST + i: (Rule.TREND, "high") for i in range(7)}
    # A rising trend is improvement on both sides of the mean (NHSRplotthedots issues #167, #171).
    assert {chart.points[FIRST + i].point_type for i in range(7)} == {IMPROVEMENT}


def test_it_flags_a_falling_trend_as_concern() -> None:
    chart = chart_after_baseline([3.0] + [2.5, 2.0, 1.5, 0.5, 0.0, -0.5, -1.0] + [0.0])

    assert flagged(chart) == {FIRST + i: (Rule.TREND, "low") for i in range(8)}


def test_it_does_not_flag_a_six_point_trend_but_the_health_care_data_guide_does() -> None:
    six = SEVEN_RISING[1:] + [0.0]

    assert flagged(chart_after_baseline([3.0] + six)) == {}
    assert set(flagged(chart_after_baseline([3.0] + six, rules=RULES_HEALTH_CARE_DATA_GUIDE))) == set(
        range(FIRST + 1, FIRST + 7)
    )


def test_it_breaks_a_trend_at_an_equal_value() -> None:
    assert flagged(chart_after_baseline([-1.0, -0.5, 0.0, 0.0, 0.5, 1.5, 2.0, 0.0])) == {}


def test_it_gives_a_peak_the_direction_of_the_trend_that_follows() -> None:
    # 1..7 rises, 7..1 falls: the 7 at the top belongs to both, and takes the later (falling) one, as
    # NHSRplotthedots does ("if a point is part of a trend either side, use right side").
    assert trend_members([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], 7) == [1] * 6 + [-1] * 7


def test_it_keeps_the_direction_of_a_trend_that_ends_on_a_flat_step() -> None:
    # 1..7 rises, then 7 again starts a fall to 1: the first 7 belongs only to the rising trend.
    # (NHSRplotthedots reads the flat step after it and calls it decreasing; see docs/spc.md.)
    assert trend_members([1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1], 7) == [1] * 7 + [-1] * 7


def test_it_has_no_trend_rule_under_western_electric() -> None:
    assert flagged(chart_after_baseline(SEVEN_RISING + [0.0], rules=RULES_WESTERN_ELECTRIC)) == {}


# --- 2 of 3 beyond two thirds of the way to a limit --------------------------------------------------


def test_it_flags_two_of_three_points_close_to_the_upper_limit() -> None:
    # 5 and 5 are beyond 4.5467 (and inside 6.32); 2 between them is above the mean but not close.
    chart = chart_after_baseline([5.0, 2.0, 5.0, 0.0])

    assert flagged(chart) == {FIRST: (Rule.TWO_OF_THREE, "high"), FIRST + 2: (Rule.TWO_OF_THREE, "high")}


def test_it_flags_two_of_three_points_close_to_the_lower_limit() -> None:
    chart = chart_after_baseline([-3.0, -3.0, 2.0])

    assert flagged(chart) == {FIRST: (Rule.TWO_OF_THREE, "low"), FIRST + 1: (Rule.TWO_OF_THREE, "low")}
    assert chart.points[FIRST].point_type is CONCERN


def test_it_needs_all_three_points_on_the_same_side_of_the_mean() -> None:
    # NHSRplotthedots issue #143: 5 (close, above), 2 (above), -3 (close, below) is no signal.
    assert flagged(chart_after_baseline([5.0, 2.0, -3.0, 0.0])) == {}


def test_it_needs_two_close_points_within_three() -> None:
    assert flagged(chart_after_baseline([5.0, 2.0, 2.0, 5.0, 0.0])) == {}


def test_it_can_turn_the_two_of_three_rule_off() -> None:
    rules = RunRules(name="no 2 of 3", run=7, trend=7, two_of_three=False)

    assert flagged(chart_after_baseline([5.0, 2.0, 5.0, 0.0], rules=rules)) == {}


# --- precedence: outside > trend > 2 of 3 > run ------------------------------------------------------


def test_outside_the_limits_wins_over_a_trend() -> None:
    chart = chart_after_baseline([-1.0, 0.0, 1.5, 2.0, 3.0, 4.0, 7.0, 0.0])

    rules = flagged(chart)
    assert rules[FIRST + 6] == (Rule.OUTSIDE_LIMITS, "high")
    assert [rules[FIRST + i][0] for i in range(6)] == [Rule.TREND] * 6


def test_a_trend_wins_over_two_of_three() -> None:
    # 4.6 and 5 are close to the upper limit and on the same side: 2 of 3 would fire, the trend comes first.
    chart = chart_after_baseline([-1.0, 0.0, 1.5, 2.0, 3.0, 4.6, 5.0, 0.0])

    assert flagged(chart) == {FIRST + i: (Rule.TREND, "high") for i in range(7)}
    without_trend = chart_after_baseline(
        [-1.0, 0.0, 1.5, 2.0, 3.0, 4.6, 5.0, 0.0], rules=RunRules(name="no trend", trend=None)
    )
    assert flagged(without_trend) == {FIRST + 5: (Rule.TWO_OF_THREE, "high"), FIRST + 6: (Rule.TWO_OF_THREE, "high")}


def test_two_of_three_wins_over_a_run() -> None:
    chart = chart_after_baseline([2.0, 5.0, 2.0, 5.0, 2.0, 3.0, 2.0, 0.0])

    assert {i - FIRST: rule for i, (rule, _) in flagged(chart).items()} == {
        0: Rule.RUN,
        1: Rule.TWO_OF_THREE,
        2: Rule.RUN,
        3: Rule.TWO_OF_THREE,
        4: Rule.RUN,
        5: Rule.RUN,
        6: Rule.RUN,
    }


def test_outside_the_limits_wins_over_a_run() -> None:
    chart = chart_after_baseline([2.0, 3.0, 7.0, 3.0, 2.0, 3.0, 2.0, 0.0])

    assert {i - FIRST: rule for i, (rule, _) in flagged(chart).items()} == {
        0: Rule.RUN,
        1: Rule.RUN,
        2: Rule.OUTSIDE_LIMITS,
        3: Rule.RUN,
        4: Rule.RUN,
        5: Rule.RUN,
        6: Rule.RUN,
    }


def test_no_rule_looks_across_a_change_point() -> None:
    # 1..7 is a seven-point trend (and 1, 7 fall outside 4 ± 2.66); split at index 4, each part is short
    # and sits inside its own limits (2.5 ± 2.66 and 6 ± 2.66).
    assert set(flagged(xmr([1, 2, 3, 4, 5, 6, 7]))) == set(range(7))
    assert flagged(xmr([1, 2, 3, 4, 5, 6, 7], change_points=[4])) == {}


# --- presets -----------------------------------------------------------------------------------------


def test_it_names_the_presets() -> None:
    assert rules_preset("nhs") is RULES_NHS
    assert (RULES_NHS.run, RULES_NHS.trend, RULES_NHS.two_of_three) == (7, 7, True)
    assert (RULES_HEALTH_CARE_DATA_GUIDE.run, RULES_HEALTH_CARE_DATA_GUIDE.trend) == (8, 6)
    assert (RULES_WESTERN_ELECTRIC.run, RULES_WESTERN_ELECTRIC.trend) == (8, None)
    assert (RULES_NELSON.run, RULES_NELSON.trend) == (9, 6)
    assert set(PRESETS) == {"nhs", "health_care_data_guide", "western_electric", "nelson"}


def test_it_rejects_an_unknown_preset_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown SPC rules preset 'strict'.*nhs"):
        rules_preset("strict")


@pytest.mark.parametrize("kwargs", [{"run": 1}, {"trend": 2}])
def test_it_rejects_rule_lengths_that_make_no_sense(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least"):
        RunRules(name="odd", **kwargs)  # type: ignore[arg-type]


def test_it_takes_custom_rule_lengths() -> None:
    five = RunRules(name="five", run=5, trend=None, two_of_three=False)

    chart = chart_after_baseline(SEVEN_ABOVE[:5] + [0.0], rules=five)

    assert flagged(chart) == {FIRST + i: (Rule.RUN, "high") for i in range(5)}
    assert chart.rules is five
