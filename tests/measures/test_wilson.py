"""The Wilson score interval against published values."""

from __future__ import annotations

import pytest

from careloop.measures.wilson import wilson_interval


# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Statistics in Medicine 1998;17:857-872, Table I, method 3 (score method without
# continuity correction), to the four decimals the paper prints.
@pytest.mark.parametrize(
    ("met", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_it_reproduces_newcombes_table_one(met: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(met, n)
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


def test_it_reaches_exactly_one_when_every_event_met_the_standard() -> None:
    # 29/29 is the mirror of Newcombe's 0/29: upper bound 1, lower bound 1 - 0.1170 (by hand:
    # centre (1 + z²/58)/(1 + z²/29) = 0.94150, half width 0.05850).
    interval = wilson_interval(29, 29)
    assert interval.high == 1.0
    assert round(interval.low, 4) == 0.8830


def test_it_matches_a_hand_computed_interval_for_three_of_five() -> None:
    # z = 1.959964, z² = 3.841459: centre (0.6 + 0.384146)/1.768292 = 0.556552,
    # half width 1.959964/1.768292 × √(0.048 + 0.038415) = 0.325827.
    interval = wilson_interval(3, 5)
    assert interval.low == pytest.approx(0.230724, abs=1e-6)
    assert interval.high == pytest.approx(0.882379, abs=1e-6)


def test_it_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(6, 5)
