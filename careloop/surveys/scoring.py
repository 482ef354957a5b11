"""Survey scoring: pure functions on plain lists, no database. docs/scoring.md explains every method.

- top_box: the share of answers in the item's top box, with a Wilson 95 % interval.
- composite: the mean of its items' top-box shares (CAHPS composite scoring).
- linear_mean: the mean on the 0-100 linear scale (lowest answer 0, highest 100, equal steps).
- nps: % promoters (9-10) minus % detractors (0-6), with a 95 % interval from the trinomial variance.
- case_mix_adjust: unit scores adjusted for who answered (age, education, self-rated general and
  mental health) by linear regression within units, the CAHPS method.
- breakdown: any of the above per provider, location, visit type or language.

Below `min_n` answers a score is suppressed: n is reported, the figure is not (never show a
percentage of 3 patients as a fact, DESIGN.md "Measures").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

# The 97.5th percentile of the standard normal distribution: two-sided 95 % intervals.
Z_95 = 1.959963984540054
DEFAULT_MIN_N = 10
PROMOTER_MIN = 9
DETRACTOR_MAX = 6

T = TypeVar("T")


@dataclass(frozen=True)
class Score:
    """One figure with its sample size and 95 % interval. `value`, `low` and `high` are None when
    the score is suppressed (n below the minimum) or there are no answers at all."""

    n: int
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool
    # Answers in the top box, for top-box shares (None when suppressed: a count and n give the share).
    count: int | None = None


@dataclass(frozen=True)
class NpsScore(Score):
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None


def _suppressed(n: int, min_n: int) -> bool:
    return n == 0 or n < min_n


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a share (Wilson 1927; recommended over the Wald interval for the
    small n and shares near 0 or 1 that practice surveys have: Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        raise ValueError("a Wilson interval needs at least one answer")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n ({n}), not {successes}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def top_box(
    values: Iterable[Hashable | None], top: Collection[Hashable] = (True,), *, min_n: int = DEFAULT_MIN_N
) -> Score:
    """The share of answers in the top box. `values` are answers (None = not answered, left out);
    by default they are top-box flags (True/False), or pass the top-box answers as `top`."""
    answered = [value for value in values if value is not None]
    n = len(answered)
    count = sum(1 for value in answered if value in top)
    if _suppressed(n, min_n):
        return Score(n=n, value=None, low=None, high=None, suppressed=True)
    low, high = wilson_interval(count, n)
    return Score(n=n, value=count / n, low=low, high=high, suppressed=False, count=count)


def composite(items: Sequence[Iterable[bool | None]], *, min_n: int = DEFAULT_MIN_N) -> Score:
    """The mean of the items' top-box shares, each item weighted equally whatever its n (CAHPS
    composite scoring). `items` holds one list of top-box flags per item.

    n is the mean of the items' n, rounded down (items behind skip logic are answered by fewer
    people); the interval treats the items as independent, var = sum(p_i (1 - p_i) / n_i) / k^2,
    which is narrower than the truth when items move together (docs/scoring.md)."""
    shares: list[tuple[float, int]] = []
    for flags in items:
        answered = [flag for flag in flags if flag is not None]
        if answered:
            shares.append((sum(1 for flag in answered if flag) / len(answered), len(answered)))
    if not shares:
        return Score(n=0, value=None, low=None, high=None, suppressed=True)
    k = len(shares)
    n = sum(item_n for _, item_n in shares) // k
    if _suppressed(n, min_n):
        return Score(n=n, value=None, low=None, high=None, suppressed=True)
    value = sum(share for share, _ in shares) / k
    half = Z_95 * math.sqrt(sum(share * (1 - share) / item_n for share, item_n in shares)) / k
    return Score(n=n, value=value, low=max(0.0, value - half), high=min(1.0, value + half), suppressed=False)


def linear_score(answer: str, worst_to_best: Sequence[str]) -> float:
    """An answer on the 0-100 linear scale: the worst answer 0, the best 100, equal steps between
    (CAHPS "linear mean" scoring: never/sometimes/usually/always = 0/33.3/66.7/100)."""
    if len(worst_to_best) < 2:
        raise ValueError("a linear score needs at least two ordered answers")
    return 100 * worst_to_best.index(answer) / (len(worst_to_best) - 1)


def linear_mean(scores: Iterable[float | None], *, min_n: int = DEFAULT_MIN_N) -> Score:
    """The mean of 0-100 scores, with a normal 95 % interval (mean ± 1.96 s / sqrt(n), s the sample
    standard deviation), clipped to 0-100."""
    answered = [float(score) for score in scores if score is not None]
    n = len(answered)
    if _suppressed(n, min_n):
        return Score(n=n, value=None, low=None, high=None, suppressed=True)
    mean = sum(answered) / n
    if n == 1:
        return Score(n=n, value=mean, low=None, high=None, suppressed=False)
    variance = sum((score - mean) ** 2 for score in answered) / (n - 1)
    half = Z_95 * math.sqrt(variance / n)
    return Score(n=n, value=mean, low=max(0.0, mean - half), high=min(100.0, mean + half), suppressed=False)


def nps(ratings: Iterable[int | None], *, min_n: int = DEFAULT_MIN_N) -> NpsScore:
    """Net Promoter Score on -100..100: % promoters (9-10) minus % detractors (0-6) (Reichheld,
    Harvard Business Review 2003). Interval: the Wald interval of a difference of two shares of one
    trinomial sample, var(NPS) = (p + d - (p - d)^2) / n for promoter share p and detractor share d
    (the standard formula, compared with alternatives by Rocks, "Interval Estimation for the 'Net
    Promoter Score'", The American Statistician 70(4), 2016), clipped to -100..100."""
    answered = [int(rating) for rating in ratings if rating is not None]
    for rating in answered:
        if not 0 <= rating <= 10:
            raise ValueError(f"an NPS rating is 0 to 10, not {rating}")
    n = len(answered)
    promoters = sum(1 for rating in answered if rating >= PROMOTER_MIN)
    detractors = sum(1 for rating in answered if rating <= DETRACTOR_MAX)
    if _suppressed(n, min_n):
        return NpsScore(n=n, value=None, low=None, high=None, suppressed=True)
    counts = {"promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors}
    p, d = promoters / n, detractors / n
    value = 100 * (p - d)
    half = 100 * Z_95 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    return NpsScore(
        n=n, value=value, low=max(-100.0, value - half), high=min(100.0, value + half), suppressed=False, **counts
    )


# --- case-mix adjustment ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseMixAdjustment:
    """Unit scores before and after adjustment, with what the regression found."""

    coefficients: dict[str, float]
    overall_means: dict[str, float]
    n: dict[str, int] = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)
    adjusted: dict[str, float] = field(default_factory=dict)
    # Adjusters that did not vary within units, so could not be estimated (coefficient 0).
    dropped: tuple[str, ...] = ()


def case_mix_adjust(
    outcomes: Sequence[float | None],
    adjusters: Sequence[Mapping[str, float | None]],
    units: Sequence[str],
    names: Sequence[str],
) -> CaseMixAdjustment:
    """Adjust each unit's (provider's, location's) mean outcome for differences in who answered,
    as the CAHPS analysis instructions do (AHRQ, "Instructions for Analyzing Data from CAHPS
    Surveys"; method in docs/scoring.md):

    1. regress the outcome (a top-box flag as 0/1, or a 0-100 score) on the adjusters within units
       (each variable centred on its unit mean), which estimates how answers depend on, say, health
       rather than on which provider was seen;
    2. adjusted unit score = raw unit mean - sum over adjusters of b_k * (unit mean of x_k - overall mean of x_k):
       the unit's score had its respondents been like everyone's.

    A missing adjuster answer is replaced by its unit's mean, so that respondent adds nothing to
    the adjustment for it. Respondents without an outcome are left out."""
    if not len(outcomes) == len(adjusters) == len(units):
        raise ValueError("outcomes, adjusters and units must have one entry per respondent")
    rows = [(float(y), x, unit) for y, x, unit in zip(outcomes, adjusters, units) if y is not None]
    if not rows:
        return CaseMixAdjustment(coefficients={name: 0.0 for name in names}, overall_means={})
    by_unit: dict[str, list[int]] = defaultdict(list)
    for index, (_, _, unit) in enumerate(rows):
        by_unit[unit].append(index)
    matrix = _imputed_adjusters(rows, by_unit, names)
    coefficients, dropped = _within_unit_regression([y for y, _, _ in rows], matrix, by_unit, names)
    overall = {name: _mean([row[k] for row in matrix]) for k, name in enumerate(names)}
    raw: dict[str, float] = {}
    adjusted: dict[str, float] = {}
    for unit, members in sorted(by_unit.items()):
        raw[unit] = _mean([rows[i][0] for i in members])
        shift = sum(
            coefficients[name] * (_mean([matrix[i][k] for i in members]) - overall[name]) for k, name in enumerate(names)
        )
        adjusted[unit] = raw[unit] - shift
    return CaseMixAdjustment(
        coefficients=coefficients,
        overall_means=overall,
        n={unit: len(members) for unit, members in sorted(by_unit.items())},
        raw=raw,
        adjusted=adjusted,
        dropped=dropped,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _imputed_adjusters(
    rows: Sequence[tuple[float, Mapping[str, float | None], str]], by_unit: Mapping[str, list[int]], names: Sequence[str]
) -> list[list[float]]:
    matrix: list[list[float | None]] = [[row[1].get(name) for name in names] for row in rows]
    for k in range(len(names)):
        everyone = [value for row in matrix if (value := row[k]) is not None]
        fallback = _mean(everyone) if everyone else 0.0
        for members in by_unit.values():
            known = [value for i in members if (value := matrix[i][k]) is not None]
            unit_mean = _mean(known) if known else fallback
            for i in members:
                if matrix[i][k] is None:
                    matrix[i][k] = unit_mean
    return [[float(value or 0.0) for value in row] for row in matrix]


def _within_unit_regression(
    y: Sequence[float], x: Sequence[Sequence[float]], by_unit: Mapping[str, list[int]], names: Sequence[str]
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Least squares on unit-centred data (the "within" estimator: the same slopes as a regression
    with one indicator per unit), solved by the normal equations; few adjusters, so plain Python."""
    yc = list(y)
    xc = [list(row) for row in x]
    for members in by_unit.values():
        y_mean = _mean([y[i] for i in members])
        x_means = [_mean([x[i][k] for i in members]) for k in range(len(names))]
        for i in members:
            yc[i] -= y_mean
            xc[i] = [x[i][k] - x_means[k] for k in range(len(names))]
    usable = [k for k in range(len(names)) if sum(row[k] ** 2 for row in xc) > 1e-12]
    solution = _solve(
        [[sum(row[a] * row[b] for row in xc) for b in usable] for a in usable],
        [sum(row[a] * yc[i] for i, row in enumerate(xc)) for a in usable],
    )
    coefficients = {name: 0.0 for name in names}
    dropped = [names[k] for k in range(len(names)) if k not in usable]
    if solution is None:
        return coefficients, tuple(names)
    for position, k in enumerate(usable):
        coefficients[names[k]] = solution[position]
    return coefficients, tuple(dropped)


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; None when the system is singular (adjusters that
    are exact combinations of each other)."""
    size = len(b)
    rows = [a[i][:] + [b[i]] for i in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-12:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [rv - factor * cv for rv, cv in zip(rows[r], rows[col])]
    return [rows[i][size] / rows[i][i] for i in range(size)]


# --- breakdowns ---------------------------------------------------------------------------------


def breakdown(rows: Iterable[T], by: Callable[[T], str], score: Callable[[list[T]], Score]) -> dict[str, Score]:
    """`score` applied to the rows of each group (provider, location, visit type, language), groups in
    name order. Each group is suppressed on its own n, so a small group never shows a figure."""
    groups: dict[str, list[T]] = defaultdict(list)
    for row in rows:
        groups[by(row)].append(row)
    return {name: score(groups[name]) for name in sorted(groups)}
