"""Random draws the generators share, in the terms a practice manager would describe them
("a median of 4 minutes with a long tail") rather than distribution parameters."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def poisson(rng: random.Random, mean: float) -> int:
    """Number of events in an interval (Knuth's method below 30, a rounded normal above)."""
    if mean <= 0:
        return 0
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def skewed(rng: random.Random, median: float, spread: float = 0.5) -> float:
    """A positive duration with the given median and a long right tail (log-normal; `spread` is the
    standard deviation of its logarithm: 0.3 tight, 0.5 typical, 1.0 very long tail)."""
    return median * math.exp(rng.gauss(0.0, spread))


def pick(rng: random.Random, weights: dict[T, float]) -> T:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def pick_frequent(rng: random.Random, items: Sequence[T]) -> T:
    """An item biased towards the start of the list: a few patients visit often, most rarely."""
    return items[int(len(items) * rng.random() ** 2)]
