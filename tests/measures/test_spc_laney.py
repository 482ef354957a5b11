"""Laney p′ charts (careloop.measures.spc.laney_p), with figures worked out by hand.

Laney, D. B. (2002) "Improved control charts for attributes", Quality Engineering 14(4): 531-537:
p̄ = Σx/Σn, σ_pi = √(p̄(1-p̄)/n_i), z_i = (p_i - p̄)/σ_pi, σ_z = mean moving range of z / 1.128,
limits p̄ ± 3 σ_pi σ_z.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.measures.spc import Assurance, PointType, Rule, laney_p, xmr

COMMON = PointType.COMMON_CAUSE


def test_it_computes_per_point_limits_as_on_paper() -> None:
    # 10/100, 30/200, 20/100, 45/300: p̄ = 105/700 = 0.15, shares 0.10 0.15 0.20 0.15.
    # σ_100 = √(0.15 × 0.85 / 100) = 0.0357071; z = -0.05/σ_100, 0, +0.05/σ_100, 0 = -1.40028 0 1.40028 0.
    # Moving ranges of z: 1.40028 three times (none screened); σ_z = 1.40028 / 1.128 = 1.24138.
    # Half-width for n = 100: 3 σ_100 σ_z = 3 × 0.05 / 1.128 = 0.1329787; n = 200 and 300 divide it by √2, √3.
    chart = laney_p([10, 30, 20, 45], [100, 200, 100, 300])

    assert chart.mean == pytest.approx(0.15, rel=1e-15)
    assert chart.segments[0].sigma_z == pytest.approx(0.05 / math.sqrt(0.1275 / 100) / 1.128, rel=1e-12)
    assert [p.value for p in chart.points] == pytest.approx([0.10, 0.15, 0.20, 0.15])
    assert [p.z for p in chart.points] == pytest.approx([-1.4002801, 0, 1.4002801, 0], abs=1e-6)
    half = 3 * 0.05 / 1.128
    widths = [half, half / math.sqrt(2), half, half / math.sqrt(3)]
    assert [p.upper for p in chart.points] == pytest.approx([0.15 + w for w in widths], rel=1e-12)
    assert [p.lower for p in chart.points] == pytest.approx([0.15 - w for w in widths], rel=1e-12)
    assert (chart.lower, chart.upper) == (chart.points[-1].lower, chart.points[-1].upper)
    assert chart.point_types == (COMMON,) * 4


def test_it_does_not_flag_overdispersed_shares_that_a_p_chart_would() -> None:
    # 10 000 patients a month, shares 0.48 and 0.52 alternating: p̄ = 0.5, σ_pi = √(0.25/10000) = 0.005,
    # so a p chart's limits are 0.5 ± 0.015 and every month is "out of control". But z = ±4, every moving
    # range 8, σ_z = 8 / 1.128 = 7.0922: the p′ limits are 0.5 ± 3 × 0.005 × 7.0922 = 0.5 ± 0.106383.
    chart = laney_p([4800, 5200] * 5, [10_000] * 10)

    assert chart.segments[0].sigma_z == pytest.approx(8 / 1.128, rel=1e-12)
    assert chart.upper == pytest.approx(0.5 + 0.015 * 8 / 1.128, rel=1e-12)
    assert chart.lower == pytest.approx(0.5 - 0.015 * 8 / 1.128, rel=1e-12)
    assert chart.point_types == (COMMON,) * 10


def test_it_flags_a_share_outside_its_own_limits() -> None:
    # Baseline 4800/10000, 5200/10000 … (limits 0.5 ± 0.106383 for n = 10 000). A month with only 400
    # patients has limits √25 = 5 times wider (± 0.531915, clipped to [0, 1]), so 0.9 is inside;
    # the same 0.9 from 10 000 patients is outside.
    chart = laney_p([4800, 5200] * 5 + [360, 9000], [10_000] * 10 + [400, 10_000], baseline=10)

    small, large = chart.points[-2:]
    assert (small.lower, small.upper) == (0.0, 1.0)
    assert small.point_type is COMMON
    assert large.rule is Rule.OUTSIDE_LIMITS
    assert large.point_type is PointType.SPECIAL_CAUSE_IMPROVEMENT
    assert large.upper == pytest.approx(0.5 + 0.015 * 8 / 1.128)


def test_it_keeps_the_limits_between_zero_and_one() -> None:
    # 0 1 0 2 0 out of 10: p̄ = 3/50 = 0.06; the lower limits would be negative.
    chart = laney_p([0, 1, 0, 2, 0], [10] * 5)

    assert {p.lower for p in chart.points} == {0.0}
    assert all(p.upper is not None and 0.06 < p.upper <= 1 for p in chart.points)
    # A share of 0 is on the limit, not beyond it.
    assert chart.point_types == (COMMON,) * 5


def test_it_collapses_the_limits_when_nothing_ever_happens() -> None:
    chart = laney_p([0, 0, 0], [50, 80, 20])

    assert chart.mean == 0
    assert (chart.lower, chart.upper) == (0.0, 0.0)
    assert [p.z for p in chart.points] == [None] * 3
    assert chart.point_types == (COMMON,) * 3


def test_it_gives_one_point_a_mean_but_no_limits() -> None:
    chart = laney_p([3], [10])

    assert chart.mean == pytest.approx(0.3)
    assert (chart.lower, chart.upper) == (None, None)
    assert chart.point_types == (COMMON,)


def test_it_returns_an_empty_chart_for_no_values() -> None:
    chart = laney_p([], [])

    assert (chart.points, chart.mean, chart.lower, chart.assurance) == ((), None, None, None)


def test_it_screens_a_huge_moving_range_of_z() -> None:
    # 0.48 0.52 0.48 0.52 0.90 0.52 0.48 0.52 0.48 0.52 of 10 000 each: p̄ = 54 200/100 000 = 0.542,
    # σ = √(0.542 × 0.458/10 000).
    # z moving ranges: 0.04/σ seven times, 0.38/σ twice (into and out of 0.90); their mean 1.04/(9σ).
    # 0.38/σ ≥ 3.267 × 1.04/(9σ) = 0.3775/σ, so both are screened and σ_z = (0.04/σ)/1.128.
    numerators = [4800, 5200, 4800, 5200, 9000, 5200, 4800, 5200, 4800, 5200]
    screened = laney_p(numerators, [10_000] * 10)
    unscreened = laney_p(numerators, [10_000] * 10, screen=False)

    sigma = math.sqrt(0.542 * 0.458 / 10_000)
    assert screened.segments[0].screened == (4, 5)
    assert screened.segments[0].sigma_z == pytest.approx(0.04 / sigma / 1.128, rel=1e-9)
    assert screened.upper == pytest.approx(0.542 + 3 * 0.04 / 1.128, rel=1e-9)
    assert unscreened.segments[0].screened == ()
    assert unscreened.segments[0].sigma_z == pytest.approx(1.04 / (9 * sigma) / 1.128, rel=1e-9)
    assert unscreened.upper == pytest.approx(0.542 + 3 * 1.04 / 9 / 1.128, rel=1e-9)
    assert screened.points[4].rule is Rule.OUTSIDE_LIMITS


def test_it_restarts_at_a_change_point() -> None:
    chart = laney_p([10, 12, 10, 12, 40, 42, 40, 42], [100] * 8, change_points=[4])

    assert [s.mean for s in chart.segments] == pytest.approx([0.11, 0.41])
    assert [p.mean for p in chart.points] == pytest.approx([0.11] * 4 + [0.41] * 4)
    assert chart.point_types == (COMMON,) * 8


def test_it_gives_an_assurance_verdict_from_the_latest_limits() -> None:
    # Latest limits 0.15 ± 0.0767753 (n = 300), 0.0732 to 0.2268. When lower is better, a goal of "at
    # most 25 %" is always met and "at most 5 %" never.
    chart = laney_p([10, 30, 20, 45], [100, 200, 100, 300], direction="lower_is_better", goal=0.25)

    assert chart.assurance is Assurance.CONSISTENTLY_PASSING
    assert laney_p([10, 30, 20, 45], [100, 200, 100, 300], direction="lower_is_better", goal=0.05).assurance is (
        Assurance.CONSISTENTLY_FAILING
    )
    assert laney_p([10, 30, 20, 45], [100, 200, 100, 300], goal=0.15).assurance is Assurance.HIT_AND_MISS


@pytest.mark.parametrize(
    "numerators, denominators, message",
    [
        ([1, 2], [10], "as many numerators as denominators"),
        ([11], [10], "point 0"),
        ([1, 1], [10, 0], "point 1"),
        ([-1], [10], "point 0"),
        ([float("nan")], [10], "numerators"),
    ],
)
def test_it_rejects_impossible_shares(numerators: list[float], denominators: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        laney_p(numerators, denominators)


@settings(max_examples=100, deadline=None)
@given(
    numerators=st.lists(st.integers(min_value=1, max_value=499), min_size=3, max_size=30),
    denominator=st.integers(min_value=500, max_value=5000),
)
def test_it_matches_an_xmr_chart_of_the_shares_when_denominators_are_equal(
    numerators: list[int], denominator: int
) -> None:
    # With one n, z is a rescaled p, so σ_pi σ_z = mean moving range of p / 1.128 and the p′ limits are
    # p̄ ± (3/1.128) × MR̄: the XmR chart's p̄ ± 2.66 × MR̄, with 3/1.128 = 2.6596 for 2.66.
    chart = laney_p(numerators, [denominator] * len(numerators))
    shares = xmr([x / denominator for x in numerators])

    assert chart.mean == pytest.approx(shares.mean, rel=1e-12)
    assert chart.mean is not None and shares.upper is not None and shares.mean is not None
    xmr_half_width = shares.upper - shares.mean
    for point in chart.points:
        assert point.upper is not None
        if point.upper < 1:  # not clipped
            assert point.upper - chart.mean == pytest.approx(xmr_half_width * (3 / 1.128) / 2.66, rel=1e-9)
