"""XmR charts (careloop.measures.spc.xmr): limits computed by hand, edge cases, assurance, properties.

The rules themselves are in test_spc_rules.py; published NHSRplotthedots values in test_spc_reference.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.measures.spc import Assurance, Direction, PointType, Rule, assurance, xmr

COMMON = PointType.COMMON_CAUSE


def test_it_computes_mean_and_limits_of_a_ten_point_series_as_on_paper() -> None:
    # values 5 7 6 8 7 9 6 7 8 7: sum 70, mean 7.
    # moving ranges 2 1 2 1 2 3 1 1 1: sum 14, mean 14/9 = 1.5556; none ≥ 3.267 × 1.5556 = 5.08.
    # limits 7 ± 2.66 × 14/9 = 7 ± 4.1378 → 2.8622 and 11.1378.
    chart = xmr([5, 7, 6, 8, 7, 9, 6, 7, 8, 7])

    assert chart.mean == 7
    assert chart.segments[0].mean_moving_range == pytest.approx(14 / 9, rel=1e-15)
    assert chart.lower == pytest.approx(7 - 37.24 / 9, rel=1e-12)
    assert chart.upper == pytest.approx(7 + 37.24 / 9, rel=1e-12)
    assert chart.segments[0].screened == ()
    assert chart.point_types == (COMMON,) * 10
    assert [point.index for point in chart.points] == list(range(10))
    assert [point.value for point in chart.points] == [5, 7, 6, 8, 7, 9, 6, 7, 8, 7]


def test_it_screens_a_huge_moving_range_out_of_the_limits() -> None:
    # values 3 5 4 6 5 30 5 4 6 5: sum 73, mean 7.3.
    # moving ranges 2 1 2 1 25 25 1 2 1: mean 60/9 = 6.667; 3.267 × 6.667 = 21.78, so both 25s go.
    # kept 2 1 2 1 1 2 1: mean 10/7; limits 7.3 ± 2.66 × 10/7 = 7.3 ± 3.8 → 3.5 and 11.1.
    chart = xmr([3, 5, 4, 6, 5, 30, 5, 4, 6, 5])

    assert chart.segments[0].screened == (5, 6)
    assert chart.segments[0].mean_moving_range == pytest.approx(10 / 7, rel=1e-15)
    assert chart.lower == pytest.approx(3.5, rel=1e-12)
    assert chart.upper == pytest.approx(11.1, rel=1e-12)
    # 3 is below 3.5 and 30 above 11.1; nothing else fires.
    assert chart.points[0].point_type is PointType.SPECIAL_CAUSE_CONCERN
    assert chart.points[0].rule is Rule.OUTSIDE_LIMITS
    assert chart.points[5].point_type is PointType.SPECIAL_CAUSE_IMPROVEMENT
    assert [p.index for p in chart.points if p.point_type is not COMMON] == [0, 5]


def test_it_keeps_every_moving_range_when_screening_is_off() -> None:
    # Same series, every moving range kept: mean 60/9, limits 7.3 ± 2.66 × 60/9 = 7.3 ± 17.7333.
    chart = xmr([3, 5, 4, 6, 5, 30, 5, 4, 6, 5], screen=False)

    assert chart.segments[0].screened == ()
    assert chart.lower == pytest.approx(7.3 - 17.7333333333, rel=1e-9)
    assert chart.upper == pytest.approx(7.3 + 17.7333333333, rel=1e-9)
    # The wider limits still catch 30 (> 25.03) but no longer 3 (> -10.43).
    assert [p.index for p in chart.points if p.point_type is not COMMON] == [5]


def test_it_returns_an_empty_chart_for_no_values() -> None:
    chart = xmr([])

    assert chart.points == ()
    assert chart.segments == ()
    assert (chart.mean, chart.lower, chart.upper, chart.variation) == (None, None, None, None)
    assert xmr([], goal=0.9).assurance is None


def test_it_gives_one_point_a_mean_but_no_limits() -> None:
    chart = xmr([4.5], goal=3)

    assert chart.mean == 4.5
    assert (chart.lower, chart.upper) == (None, None)
    assert chart.point_types == (COMMON,)
    assert chart.assurance is None


def test_it_computes_limits_from_two_points() -> None:
    # mean 2, one moving range of 2 (not ≥ 3.267 × 2), limits 2 ± 5.32.
    chart = xmr([1, 3])

    assert chart.mean == 2
    assert chart.lower == pytest.approx(-3.32)
    assert chart.upper == pytest.approx(7.32)
    assert chart.segments[0].trial_limits


def test_it_collapses_the_limits_onto_the_mean_when_all_values_are_equal() -> None:
    chart = xmr([0.8] * 12)

    assert chart.mean == pytest.approx(0.8)
    assert chart.lower == chart.upper == chart.mean
    assert chart.segments[0].mean_moving_range == 0
    # Points on the mean are on neither side: no run, no trend, nothing outside.
    assert chart.point_types == (COMMON,) * 12


def test_it_restarts_mean_and_limits_at_a_change_point() -> None:
    # Before the change: 1 2 1 2 1 (mean 1.4, moving ranges all 1); after: 11 12 11 12 11 (mean 11.4).
    # The jump of 9 between the two is nobody's moving range: each segment has mean moving range 1.
    chart = xmr([1, 2, 1, 2, 1, 11, 12, 11, 12, 11], change_points=[5])

    first, second = chart.segments
    assert (first.start, first.end, second.start, second.end) == (0, 5, 5, 10)
    assert first.mean == pytest.approx(1.4) and second.mean == pytest.approx(11.4)
    assert first.mean_moving_range == second.mean_moving_range == 1
    assert first.lower == pytest.approx(1.4 - 2.66) and first.upper == pytest.approx(1.4 + 2.66)
    assert chart.mean == pytest.approx(11.4) and chart.upper == pytest.approx(11.4 + 2.66)
    assert [p.segment for p in chart.points] == [0] * 5 + [1] * 5
    assert chart.point_types == (COMMON,) * 10


def test_it_flags_the_shift_that_a_change_point_would_explain() -> None:
    # Without the change point the same series is one process that jumped: special cause.
    chart = xmr([1, 2, 1, 2, 1, 11, 12, 11, 12, 11])

    assert COMMON not in {chart.points[i].point_type for i in (0, 9)}


def test_it_fixes_the_limits_on_a_baseline_shorter_than_the_series() -> None:
    # Baseline 1 2 1 2 1 2: mean 1.5, moving ranges all 1, limits 1.5 ± 2.66 = -1.16 and 4.16.
    # The later values are judged against those limits, not included in them.
    chart = xmr([1, 2, 1, 2, 1, 2, 10, 10, 10], baseline=6)

    assert chart.segments[0].baseline_end == 6
    assert chart.mean == pytest.approx(1.5)
    assert chart.lower == pytest.approx(-1.16) and chart.upper == pytest.approx(4.16)
    assert [p.rule for p in chart.points[6:]] == [Rule.OUTSIDE_LIMITS] * 3
    assert chart.point_types[:6] == (COMMON,) * 6


def test_it_uses_the_whole_series_when_the_baseline_is_longer() -> None:
    assert xmr([5, 7, 6, 8], baseline=12) == xmr([5, 7, 6, 8])


def test_it_applies_the_baseline_within_each_segment() -> None:
    # Segment 1: baseline 1 2 1 → mean 4/3; segment 2 (from index 4): baseline 7 8 7 → mean 22/3.
    chart = xmr([1, 2, 1, 50, 7, 8, 7, 50], baseline=3, change_points=[4])

    assert [s.mean for s in chart.segments] == pytest.approx([4 / 3, 22 / 3])
    assert [s.baseline_end for s in chart.segments] == [3, 7]
    assert chart.points[3].rule is Rule.OUTSIDE_LIMITS and chart.points[7].rule is Rule.OUTSIDE_LIMITS


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"values": [1, float("nan"), 2]}, "values[1] is nan"),
        ({"values": [1, float("inf")]}, "values[1] is inf"),
        ({"values": [1, 2, 3], "change_points": [0]}, "change points"),
        ({"values": [1, 2, 3], "change_points": [3]}, "change points"),
        ({"values": [1, 2, 3, 4], "change_points": [2, 2]}, "change points"),
        ({"values": [1, 2, 3], "baseline": 0}, "baseline"),
    ],
)
def test_it_rejects_bad_input_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        xmr(**kwargs)  # type: ignore[arg-type]


def test_it_rejects_an_unknown_direction() -> None:
    with pytest.raises(ValueError, match="sideways"):
        xmr([1, 2, 3], direction="sideways")


def test_it_accepts_direction_as_text_or_enum() -> None:
    assert xmr([1, 2], direction="lower_is_better").direction is Direction.LOWER_IS_BETTER
    assert xmr([1, 2], direction=Direction.NEUTRAL).direction is Direction.NEUTRAL


def test_it_marks_short_segments_as_trial_limits() -> None:
    # NHSRplotthedots warns below 13 points (R/ptd_add_short_group_warnings.R): 7 and 12 are trial.
    chart = xmr(list(range(20)), change_points=[7])

    assert [s.trial_limits for s in chart.segments] == [True, False]
    assert chart.segments[1].n == 13
    assert xmr([1] * 12).segments[0].trial_limits is True


# --- assurance: goal against the limits --------------------------------------------------------------
# The 10-point series above has limits 2.8622 and 11.1378.


@pytest.mark.parametrize(
    "goal, direction, verdict",
    [
        (2.5, "higher_is_better", Assurance.CONSISTENTLY_PASSING),  # goal below the lower limit
        (12, "higher_is_better", Assurance.CONSISTENTLY_FAILING),  # goal above the upper limit
        (7, "higher_is_better", Assurance.HIT_AND_MISS),
        (2.5, "lower_is_better", Assurance.CONSISTENTLY_FAILING),
        (12, "lower_is_better", Assurance.CONSISTENTLY_PASSING),
        (11, "lower_is_better", Assurance.HIT_AND_MISS),
        (12, "neutral", None),
        (None, "higher_is_better", None),
    ],
)
def test_it_gives_an_assurance_verdict_from_goal_and_limits(
    goal: float | None, direction: str, verdict: Assurance | None
) -> None:
    chart = xmr([5, 7, 6, 8, 7, 9, 6, 7, 8, 7], goal=goal, direction=direction)

    assert chart.assurance == verdict
    assert chart.goal == goal


def test_it_judges_assurance_on_the_latest_segment_only() -> None:
    # Before the change the goal of 8 was out of reach (limits -1.26..4.06); after it (8.74..14.06) it
    # is always met.
    chart = xmr([1, 2, 1, 2, 1, 11, 12, 11, 12, 11], change_points=[5], goal=8)

    assert chart.assurance is Assurance.CONSISTENTLY_PASSING
    assert assurance(8, chart.segments[0].lower, chart.segments[0].upper, "higher_is_better") is (
        Assurance.CONSISTENTLY_FAILING
    )


def test_it_calls_a_goal_on_a_limit_hit_and_miss() -> None:
    assert assurance(5.0, 1.0, 5.0, Direction.HIGHER_IS_BETTER) is Assurance.HIT_AND_MISS
    assert assurance(1.0, 1.0, 5.0, Direction.LOWER_IS_BETTER) is Assurance.HIT_AND_MISS


# --- properties ---------------------------------------------------------------------------------------

series = st.lists(st.integers(min_value=-1000, max_value=1000), min_size=2, max_size=40)


@settings(max_examples=150, deadline=None)
@given(values=series)
def test_it_puts_the_limits_symmetrically_about_the_mean(values: list[int]) -> None:
    chart = xmr(values)

    assert chart.upper is not None and chart.lower is not None and chart.mean is not None
    assert chart.upper - chart.mean == pytest.approx(chart.mean - chart.lower, rel=1e-9, abs=1e-9)
    assert chart.lower <= chart.mean <= chart.upper


@settings(max_examples=150, deadline=None)
@given(values=series, shift=st.integers(min_value=-10_000, max_value=10_000))
def test_it_shifts_everything_when_a_constant_is_added(values: list[int], shift: int) -> None:
    chart = xmr(values)
    shifted = xmr([v + shift for v in values])

    assert shifted.mean == pytest.approx(chart.mean + shift, abs=1e-7)  # type: ignore[operator]
    assert shifted.lower == pytest.approx(chart.lower + shift, abs=1e-7)  # type: ignore[operator]
    assert shifted.upper == pytest.approx(chart.upper + shift, abs=1e-7)  # type: ignore[operator]
    assert shifted.point_types == chart.point_types


@settings(max_examples=150, deadline=None)
@given(values=series, direction=st.sampled_from(list(Direction)))
def test_it_calls_every_point_outside_the_limits_special_cause(values: list[int], direction: Direction) -> None:
    chart = xmr(values, direction=direction)

    for point in chart.points:
        assert point.lower is not None and point.upper is not None
        if point.value > point.upper or point.value < point.lower:
            assert point.point_type is not COMMON
            assert point.rule is Rule.OUTSIDE_LIMITS
            assert point.side == ("high" if point.value > point.upper else "low")
    assert len(chart.points) == len(values)
