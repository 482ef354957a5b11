"""The Wilson score interval for a share (Wilson 1927, JASA 22:209).

Newcombe (1998, Statistics in Medicine 17:857, "method 3") recommends it over the textbook Wald
interval p ± z·√(p(1-p)/n): Wald collapses to zero width at 0/n and n/n and overshoots [0, 1] for
small n, exactly the small monthly counts a practice has per provider. Wilson never leaves [0, 1]
and stays honest at 0 and 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

# Φ⁻¹(0.975): the two-sided 95 % normal quantile, to full double precision.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(met: int, n: int, z: float = Z_95) -> Interval:
    """The Wilson score interval (without continuity correction) for `met` successes in `n`.

    Newcombe's Table I gives, for 81/263, 0.2553 to 0.3662 and for 0/20, 0 to 0.1611
    (tests/measures/test_wilson.py pins all four of its examples)."""
    if n <= 0:
        raise ValueError("a Wilson interval needs at least one event (n ≥ 1)")
    if not 0 <= met <= n:
        raise ValueError(f"met must be between 0 and n ({n}), not {met}")
    share = met / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (share + z2 / (2 * n)) / denominator
    half_width = z / denominator * sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    # At 0/n and n/n the bound is exactly 0 or 1; floating point would give ±1e-17.
    low = 0.0 if met == 0 else max(0.0, centre - half_width)
    high = 1.0 if met == n else min(1.0, centre + half_width)
    return Interval(low, high)
