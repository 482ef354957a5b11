"""Statistical process control (SPC) in pure Python, from the published rules.

Two charts:

- ``xmr(values, ...)``: the XmR (individuals) chart of NHS England's "Making Data Count", computed the
  way NHSRplotthedots computes it (nhs-r-community/NHSRplotthedots, R/ptd_spc_standard.R and
  R/ptd_calculate_point_type.R), so that its published test snapshots reproduce exactly
  (tests/measures/test_spc_reference.py).
- ``laney_p(numerators, denominators, ...)``: Laney's p′ chart for shares whose denominators vary
  (Laney, D. B. 2002, "Improved control charts for attributes", Quality Engineering 14(4): 531-537).

Both return frozen dataclasses: one ``Point`` per value (its limits, its point type, the rule that
fired and on which side), one ``Segment`` per stretch between change points, and an assurance verdict
when a goal is given. docs/spc.md explains each rule, its source, the presets and how to read a chart.

Only the standard library is used: the module is called from the standards engine, the API, the
weekly brief and tests alike, and must give the same numbers everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = [
    "Assurance",
    "Direction",
    "LaneyPoint",
    "LaneyResult",
    "LaneySegment",
    "Point",
    "PointType",
    "PRESETS",
    "RULES_HEALTH_CARE_DATA_GUIDE",
    "RULES_NELSON",
    "RULES_NHS",
    "RULES_WESTERN_ELECTRIC",
    "Rule",
    "RunRules",
    "Segment",
    "XmrResult",
    "assurance",
    "laney_p",
    "rules_preset",
    "run_members",
    "trend_members",
    "two_of_three_members",
    "xmr",
]

# Scaling constants of the XmR chart. 2.66 = 3 / d2 with d2 = 1.128 for moving ranges of two points;
# 3.267 = D4, the upper limit of a moving-range chart. Both as used by Making Data Count and by
# NHSRplotthedots (R/ptd_spc_standard.R: `limit <- 2.66`, `mr < 3.267 * amr`).
XMR_LIMIT = 2.66
# Two thirds of the way from the mean to a limit (the "2 of 3" rule's band), computed exactly as
# NHSRplotthedots does (`limitclose <- 2 * (limit / 3)`) so that borderline points agree bit for bit.
XMR_NEAR_LIMIT = 2 * (XMR_LIMIT / 3)
MOVING_RANGE_SCREEN = 3.267
# d2 for moving ranges of two points; Laney (2002) estimates sigma_z as mean moving range / 1.128.
D2 = 1.128
# NHSRplotthedots flags limits from short segments as "trial limits" (R/ptd_add_short_group_warnings.R:
# `n() < 13`; its deviations vignette shows 12-point segments flagged).
TRIAL_LIMITS_BELOW = 13

Side = Literal["high", "low"]


class Direction(StrEnum):
    """Which way is better for the measure (NHSRplotthedots' `improvement_direction`)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
    SPECIAL_CAUSE_CONCERN = "special_cause_concern"
    # NHSRplotthedots says special_cause_neutral_high / _low; the side is kept in Point.side.
    SPECIAL_CAUSE_NEUTRAL = "special_cause_neutral"


class Rule(StrEnum):
    """The rule that made a point special cause, in order of precedence (first wins)."""

    OUTSIDE_LIMITS = "outside_limits"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"
    RUN = "run"


class Assurance(StrEnum):
    """Will the process meet its goal? (NHSRplotthedots: consistent_pass / consistent_fail / inconsistent.)"""

    CONSISTENTLY_PASSING = "consistently_passing"
    CONSISTENTLY_FAILING = "consistently_failing"
    HIT_AND_MISS = "hit_and_miss"


@dataclass(frozen=True)
class RunRules:
    """Lengths of the run rules. A point outside the limits is always special cause.

    run: that many consecutive points or more on one side of the mean (None: rule off).
    trend: that many consecutive points or more, each strictly higher (or lower) than the one before
        (None: rule off).
    two_of_three: 2 of 3 consecutive points on the same side of the mean, beyond two thirds of the way
        to a limit.
    """

    name: str
    run: int | None = 7
    trend: int | None = 7
    two_of_three: bool = True

    def __post_init__(self) -> None:
        if self.run is not None and self.run < 2:
            raise ValueError(f"RunRules {self.name!r}: run must be at least 2 points, not {self.run}")
        if self.trend is not None and self.trend < 3:
            raise ValueError(f"RunRules {self.name!r}: trend must be at least 3 points, not {self.trend}")


# Making Data Count (NHS England, 2019) as implemented by NHSRplotthedots: 7-point shift, 7-point trend.
RULES_NHS = RunRules(name="nhs", run=7, trend=7, two_of_three=True)
# Provost & Murray, The Health Care Data Guide (2011), Shewhart chart rules: shift of 8, trend of 6,
# 2 of 3 in the outer third.
RULES_HEALTH_CARE_DATA_GUIDE = RunRules(name="health_care_data_guide", run=8, trend=6, two_of_three=True)
# Western Electric Statistical Quality Control Handbook (1956): 8 on one side, 2 of 3 beyond 2 sigma;
# no trend rule.
RULES_WESTERN_ELECTRIC = RunRules(name="western_electric", run=8, trend=None, two_of_three=True)
# Nelson, L. S. (1984) "The Shewhart control chart - tests for special causes", Journal of Quality
# Technology 16(4): 9 on one side, 6 in a row steadily increasing or decreasing, 2 of 3 beyond 2 sigma.
RULES_NELSON = RunRules(name="nelson", run=9, trend=6, two_of_three=True)

PRESETS: dict[str, RunRules] = {
    rules.name: rules
    for rules in (RULES_NHS, RULES_HEALTH_CARE_DATA_GUIDE, RULES_WESTERN_ELECTRIC, RULES_NELSON)
}


def rules_preset(name: str) -> RunRules:
    """The named preset (``"nhs"``, ``"health_care_data_guide"``, ``"western_electric"``, ``"nelson"``)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown SPC rules preset {name!r}; choose one of {', '.join(PRESETS)}") from None


@dataclass(frozen=True)
class Point:
    """One value on an XmR chart, with the limits of its segment."""

    index: int
    value: float
    mean: float
    lower: float | None
    upper: float | None
    point_type: PointType
    rule: Rule | None
    side: Side | None
    segment: int


@dataclass(frozen=True)
class Segment:
    """A stretch of points sharing one set of limits: from the start (or a change point) to the next.

    Limits come from the first ``baseline`` points of the segment (all of them when no baseline was
    given). ``screened`` lists the indices (into the series) of points whose moving range from the
    point before was left out as ≥ 3.267 × the mean moving range.
    """

    start: int
    end: int
    baseline_end: int
    mean: float
    lower: float | None
    upper: float | None
    mean_moving_range: float | None
    screened: tuple[int, ...]

    @property
    def n(self) -> int:
        return self.end - self.start

    @property
    def trial_limits(self) -> bool:
        return self.n < TRIAL_LIMITS_BELOW


@dataclass(frozen=True)
class XmrResult:
    points: tuple[Point, ...]
    segments: tuple[Segment, ...]
    direction: Direction
    rules: RunRules
    goal: float | None
    assurance: Assurance | None

    @property
    def mean(self) -> float | None:
        """The mean of the current (last) segment."""
        return self.segments[-1].mean if self.segments else None

    @property
    def lower(self) -> float | None:
        return self.segments[-1].lower if self.segments else None

    @property
    def upper(self) -> float | None:
        return self.segments[-1].upper if self.segments else None

    @property
    def point_types(self) -> tuple[PointType, ...]:
        return tuple(point.point_type for point in self.points)

    @property
    def variation(self) -> PointType | None:
        """The latest point's type: the variation icon Making Data Count shows beside a chart."""
        return self.points[-1].point_type if self.points else None


@dataclass(frozen=True)
class LaneyPoint:
    """One share on a p′ chart. Limits are per point: they widen as the denominator shrinks."""

    index: int
    numerator: float
    denominator: float
    value: float
    z: float | None
    mean: float
    lower: float | None
    upper: float | None
    point_type: PointType
    rule: Rule | None
    side: Side | None
    segment: int


@dataclass(frozen=True)
class LaneySegment:
    start: int
    end: int
    baseline_end: int
    mean: float
    sigma_z: float | None
    screened: tuple[int, ...]

    @property
    def n(self) -> int:
        return self.end - self.start

    @property
    def trial_limits(self) -> bool:
        return self.n < TRIAL_LIMITS_BELOW


@dataclass(frozen=True)
class LaneyResult:
    points: tuple[LaneyPoint, ...]
    segments: tuple[LaneySegment, ...]
    direction: Direction
    rules: RunRules
    goal: float | None
    assurance: Assurance | None

    @property
    def mean(self) -> float | None:
        return self.segments[-1].mean if self.segments else None

    @property
    def lower(self) -> float | None:
        """The latest point's lower limit (p′ limits differ from point to point)."""
        return self.points[-1].lower if self.points else None

    @property
    def upper(self) -> float | None:
        return self.points[-1].upper if self.points else None

    @property
    def point_types(self) -> tuple[PointType, ...]:
        return tuple(point.point_type for point in self.points)

    @property
    def variation(self) -> PointType | None:
        return self.points[-1].point_type if self.points else None


# --- the rules, as building blocks ------------------------------------------------------------------


def run_members(sides: Sequence[int], length: int) -> list[bool]:
    """Which points belong to a run of ``length`` or more consecutive points on one side of the mean.

    ``sides`` holds +1 (above the mean), -1 (below) or 0 (exactly on it: breaks a run, as in
    NHSRplotthedots' `ptd_seven_point_one_side_mean`). Every point of a long enough run is flagged.
    """
    flags = [False] * len(sides)
    start = 0
    while start < len(sides):
        end = start
        while end + 1 < len(sides) and sides[end + 1] == sides[start]:
            end += 1
        if sides[start] != 0 and end - start + 1 >= length:
            flags[start : end + 1] = [True] * (end - start + 1)
        start = end + 1
    return flags


def trend_members(values: Sequence[float], length: int) -> list[int]:
    """The direction (+1 rising, -1 falling, 0 none) of the trend each point belongs to.

    A trend is ``length`` or more consecutive points each strictly above (or below) the one before;
    an equal value breaks it. A trend may cross the mean (NHSRplotthedots issue #171). A point at a
    peak or trough ends one trend and starts the next; it takes the direction of the later one, as
    NHSRplotthedots does ("if a point is part of a trend either side, use right side").
    """
    directions = [0] * len(values)
    steps = [_sign(values[i + 1] - values[i]) for i in range(len(values) - 1)]
    first = 0
    while first < len(steps):
        last = first
        while last + 1 < len(steps) and steps[last + 1] == steps[first]:
            last += 1
        points_in_stretch = last - first + 2
        if steps[first] != 0 and points_in_stretch >= length:
            directions[first : last + 2] = [steps[first]] * points_in_stretch
        first = last + 1
    return directions


def two_of_three_members(close: Sequence[bool], sides: Sequence[int]) -> list[bool]:
    """Which points fire the "2 of 3" rule: at least 2 of 3 consecutive points beyond two thirds of the
    way to a limit, all three on the same side of the mean (NHSRplotthedots issue #143). Only the points
    beyond the two-thirds line are flagged, not the third point of the window; a point outside the limits
    does not count as "close" (it is special cause by the first rule anyway)."""
    flags = [False] * len(close)
    for window_start in range(len(close) - 2):
        window = range(window_start, window_start + 3)
        same_side = sides[window_start] != 0 and all(sides[i] == sides[window_start] for i in window)
        if same_side and sum(close[i] for i in window) >= 2:
            for i in window:
                flags[i] = flags[i] or close[i]
    return flags


def assurance(
    goal: float | None, lower: float | None, upper: float | None, direction: Direction | str
) -> Assurance | None:
    """Compare a goal with the process limits (NHSRplotthedots R/ptd_calculate_assurance_type.R).

    If the whole band between the limits is on the good side of the goal, the process will consistently
    pass; if it is all on the bad side, it will consistently fail; if the goal lies between the limits
    (or on one), whether a period meets it is down to common-cause variation: hit and miss.
    No verdict without a goal, without limits, or for a neutral measure.
    """
    direction = Direction(direction)
    if goal is None or lower is None or upper is None or direction is Direction.NEUTRAL:
        return None
    higher_is_better = direction is Direction.HIGHER_IS_BETTER
    if goal > upper:
        return Assurance.CONSISTENTLY_FAILING if higher_is_better else Assurance.CONSISTENTLY_PASSING
    if goal < lower:
        return Assurance.CONSISTENTLY_PASSING if higher_is_better else Assurance.CONSISTENTLY_FAILING
    return Assurance.HIT_AND_MISS


# --- XmR ----------------------------------------------------------------------------------------------


def xmr(
    values: Iterable[float],
    *,
    screen: bool = True,
    baseline: int | None = None,
    direction: Direction | str = Direction.HIGHER_IS_BETTER,
    change_points: Iterable[int] = (),
    rules: RunRules = RULES_NHS,
    goal: float | None = None,
) -> XmrResult:
    """An XmR chart of ``values`` (in time order, one per period, no gaps).

    - Mean and limits per segment: mean ± 2.66 × mean moving range, where moving ranges
      ≥ 3.267 × their mean are left out of the mean moving range when ``screen`` is true
      (Nelson 1982; turn it off to match the Making Data Count Excel tools).
    - ``baseline``: fix the limits on the first ``baseline`` points of each segment (NHSRplotthedots'
      ``fix_after_n_points``); later points are judged against them.
    - ``change_points``: indices where a recorded change took effect; mean and limits are recalculated
      from that point on (NHSRplotthedots' ``rebase``). No rule looks across a change point.
    - ``direction``: ``"higher_is_better"``, ``"lower_is_better"`` or ``"neutral"``.
    - ``rules``: the run-rule lengths (default ``RULES_NHS``); see ``PRESETS``.
    - ``goal``: when given, the assurance verdict compares it with the last segment's limits.

    With fewer than 2 points in a segment's baseline there is no moving range: the points get a mean
    but no limits (the run and trend rules still apply). When every moving range is 0 (all values equal),
    the limits equal the mean.
    """
    series = _finite_floats(values, "values")
    direction = Direction(direction)
    _check_baseline(baseline)
    points: list[Point] = []
    segments: list[Segment] = []
    for number, (start, end) in enumerate(_segment_bounds(len(series), change_points)):
        segment = _xmr_segment(series, start, end, baseline, screen)
        segments.append(segment)
        points.extend(_xmr_points(series, segment, number, rules, direction))
    verdict = assurance(goal, segments[-1].lower, segments[-1].upper, direction) if segments else None
    return XmrResult(tuple(points), tuple(segments), direction, rules, goal, verdict)


def _xmr_segment(series: Sequence[float], start: int, end: int, baseline: int | None, screen: bool) -> Segment:
    baseline_end = end if baseline is None else min(end, start + baseline)
    fixed = series[start:baseline_end]
    mean = _mean(fixed)
    moving_ranges = [abs(fixed[i] - fixed[i - 1]) for i in range(1, len(fixed))]
    if not moving_ranges:
        return Segment(start, end, baseline_end, mean, None, None, None, ())
    kept, screened = _screen(moving_ranges, screen)
    mean_moving_range = _mean(kept)
    return Segment(
        start,
        end,
        baseline_end,
        mean,
        mean - XMR_LIMIT * mean_moving_range,
        mean + XMR_LIMIT * mean_moving_range,
        mean_moving_range,
        tuple(start + 1 + i for i in screened),
    )


def _xmr_points(
    series: Sequence[float], segment: Segment, number: int, rules: RunRules, direction: Direction
) -> list[Point]:
    chunk = series[segment.start : segment.end]
    size = len(chunk)
    verdicts = _classify(
        chunk,
        mean=segment.mean,
        lowers=[segment.lower] * size,
        uppers=[segment.upper] * size,
        near_lowers=[_near(segment, -1)] * size,
        near_uppers=[_near(segment, +1)] * size,
        rules=rules,
        direction=direction,
    )
    return [
        Point(segment.start + offset, value, segment.mean, segment.lower, segment.upper, *verdict, segment=number)
        for offset, (value, verdict) in enumerate(zip(chunk, verdicts, strict=True))
    ]


def _near(segment: Segment, sign: int) -> float | None:
    if segment.mean_moving_range is None:
        return None
    return segment.mean + sign * (XMR_NEAR_LIMIT * segment.mean_moving_range)


def _screen(moving_ranges: Sequence[float], screen: bool) -> tuple[list[float], list[int]]:
    """Moving ranges kept for the mean moving range, and the positions of those screened out.

    Screening (Nelson 1982, J. Quality Technology 14(3); Provost & Murray 2011) drops every moving range
    ≥ 3.267 × the mean of all moving ranges, once, then the mean is taken again. When the mean is 0
    (all values equal) nothing is dropped: there is no variation to be an outlier from. (NHSRplotthedots
    drops every zero range there and returns NaN limits.)
    """
    first_mean = _mean(moving_ranges)
    if not screen or first_mean == 0:
        return list(moving_ranges), []
    threshold = MOVING_RANGE_SCREEN * first_mean
    kept = [mr for mr in moving_ranges if mr < threshold]
    return kept, [i for i, mr in enumerate(moving_ranges) if mr >= threshold]


# --- Laney p′ -----------------------------------------------------------------------------------------


def laney_p(
    numerators: Iterable[float],
    denominators: Iterable[float],
    *,
    screen: bool = True,
    baseline: int | None = None,
    direction: Direction | str = Direction.HIGHER_IS_BETTER,
    change_points: Iterable[int] = (),
    rules: RunRules = RULES_NHS,
    goal: float | None = None,
) -> LaneyResult:
    """A Laney p′ chart of the shares ``numerators[i] / denominators[i]``.

    Per segment (Laney 2002, Quality Engineering 14(4)):
    p̄ = Σ numerators / Σ denominators over the baseline; σ_pi = √(p̄(1 − p̄)/n_i);
    z_i = (p_i − p̄)/σ_pi; σ_z = mean moving range of the baseline z-scores / 1.128;
    limits p̄ ± 3 · σ_pi · σ_z, kept within [0, 1].

    σ_z measures how much more (or less) the shares vary than binomial sampling alone explains: with
    large denominators a plain p chart flags almost every point; p′ does not. ``screen`` drops z moving
    ranges ≥ 3.267 × their mean before σ_z is taken, as ``xmr`` does (Nelson 1982); ``baseline``,
    ``change_points``, ``direction``, ``rules`` and ``goal`` work as in ``xmr``. The rules use each
    point's own limits and the two-thirds band p̄ ± 2 · σ_pi · σ_z; the assurance verdict uses the
    latest point's limits. When p̄ is 0 or 1 there is no variation to scale: the limits equal p̄.
    """
    tops = _finite_floats(numerators, "numerators")
    bottoms = _finite_floats(denominators, "denominators")
    if len(tops) != len(bottoms):
        raise ValueError(f"laney_p needs as many numerators as denominators ({len(tops)} ≠ {len(bottoms)})")
    for index, (top, bottom) in enumerate(zip(tops, bottoms, strict=True)):
        if bottom <= 0 or not 0 <= top <= bottom:
            raise ValueError(
                f"laney_p point {index}: need 0 ≤ numerator ≤ denominator and denominator > 0, got {top}/{bottom}"
            )
    direction = Direction(direction)
    _check_baseline(baseline)
    points: list[LaneyPoint] = []
    segments: list[LaneySegment] = []
    for number, (start, end) in enumerate(_segment_bounds(len(tops), change_points)):
        segment = _laney_segment(tops, bottoms, start, end, baseline, screen)
        segments.append(segment)
        points.extend(_laney_points(tops, bottoms, segment, number, rules, direction))
    latest = points[-1] if points else None
    verdict = assurance(goal, latest.lower, latest.upper, direction) if latest else None
    return LaneyResult(tuple(points), tuple(segments), direction, rules, goal, verdict)


def _laney_segment(
    tops: Sequence[float], bottoms: Sequence[float], start: int, end: int, baseline: int | None, screen: bool
) -> LaneySegment:
    baseline_end = end if baseline is None else min(end, start + baseline)
    # Counts are whole numbers, so both sums are exact and the share is rounded once.
    mean = math.fsum(tops[start:baseline_end]) / math.fsum(bottoms[start:baseline_end])
    if mean in (0.0, 1.0):
        return LaneySegment(start, end, baseline_end, mean, None, ())
    z = [_z_score(tops[i] / bottoms[i], mean, bottoms[i]) for i in range(start, baseline_end)]
    moving_ranges = [abs(z[i] - z[i - 1]) for i in range(1, len(z))]
    if not moving_ranges:
        return LaneySegment(start, end, baseline_end, mean, None, ())
    kept, screened = _screen(moving_ranges, screen)
    sigma_z = _mean(kept) / D2
    return LaneySegment(start, end, baseline_end, mean, sigma_z, tuple(start + 1 + i for i in screened))


def _z_score(share: float, mean: float, denominator: float) -> float:
    return (share - mean) / _binomial_sigma(mean, denominator)


def _binomial_sigma(mean: float, denominator: float) -> float:
    return math.sqrt(mean * (1 - mean) / denominator)


def _laney_points(
    tops: Sequence[float],
    bottoms: Sequence[float],
    segment: LaneySegment,
    number: int,
    rules: RunRules,
    direction: Direction,
) -> list[LaneyPoint]:
    indices = range(segment.start, segment.end)
    shares = [tops[i] / bottoms[i] for i in indices]
    sigma_z = segment.sigma_z
    sigmas = [None if sigma_z is None else _binomial_sigma(segment.mean, bottoms[i]) * sigma_z for i in indices]
    lowers = [None if s is None else max(0.0, segment.mean - 3 * s) for s in sigmas]
    uppers = [None if s is None else min(1.0, segment.mean + 3 * s) for s in sigmas]
    near_lowers = [None if s is None else segment.mean - 2 * s for s in sigmas]
    near_uppers = [None if s is None else segment.mean + 2 * s for s in sigmas]
    if segment.mean in (0.0, 1.0):
        lowers = uppers = [segment.mean] * len(shares)
    verdicts = _classify(shares, segment.mean, lowers, uppers, near_lowers, near_uppers, rules, direction)
    return [
        LaneyPoint(
            index=i,
            numerator=tops[i],
            denominator=bottoms[i],
            value=share,
            z=None if segment.mean in (0.0, 1.0) else _z_score(share, segment.mean, bottoms[i]),
            mean=segment.mean,
            lower=lower,
            upper=upper,
            point_type=point_type,
            rule=rule,
            side=side,
            segment=number,
        )
        for i, share, lower, upper, (point_type, rule, side) in zip(
            indices, shares, lowers, uppers, verdicts, strict=True
        )
    ]


# --- shared machinery ---------------------------------------------------------------------------------


def _classify(
    values: Sequence[float],
    mean: float,
    lowers: Sequence[float | None],
    uppers: Sequence[float | None],
    near_lowers: Sequence[float | None],
    near_uppers: Sequence[float | None],
    rules: RunRules,
    direction: Direction,
) -> list[tuple[PointType, Rule | None, Side | None]]:
    """Point type, rule and side of each point of one segment, with precedence
    outside limits > trend > 2 of 3 > run (NHSRplotthedots `ptd_special_cause_type`)."""
    sides = [_sign(value - mean) for value in values]
    outside = [_outside(value, lower, upper) for value, lower, upper in zip(values, lowers, uppers, strict=True)]
    close = [
        not out and _beyond(value, near_lower, near_upper)
        for value, out, near_lower, near_upper in zip(values, outside, near_lowers, near_uppers, strict=True)
    ]
    trends = trend_members(values, rules.trend) if rules.trend is not None else [0] * len(values)
    two_of_three = two_of_three_members(close, sides) if rules.two_of_three else [False] * len(values)
    runs = run_members(sides, rules.run) if rules.run is not None else [False] * len(values)
    verdicts: list[tuple[PointType, Rule | None, Side | None]] = []
    for i in range(len(values)):
        if outside[i]:
            rule, sign = Rule.OUTSIDE_LIMITS, sides[i]
        elif trends[i]:
            rule, sign = Rule.TREND, trends[i]
        elif two_of_three[i]:
            rule, sign = Rule.TWO_OF_THREE, sides[i]
        elif runs[i]:
            rule, sign = Rule.RUN, sides[i]
        else:
            verdicts.append((PointType.COMMON_CAUSE, None, None))
            continue
        side: Side = "high" if sign > 0 else "low"
        verdicts.append((_point_type(sign, direction), rule, side))
    return verdicts


def _point_type(sign: int, direction: Direction) -> PointType:
    if direction is Direction.NEUTRAL:
        return PointType.SPECIAL_CAUSE_NEUTRAL
    good = sign if direction is Direction.HIGHER_IS_BETTER else -sign
    return PointType.SPECIAL_CAUSE_IMPROVEMENT if good > 0 else PointType.SPECIAL_CAUSE_CONCERN


def _outside(value: float, lower: float | None, upper: float | None) -> bool:
    return lower is not None and upper is not None and (value > upper or value < lower)


def _beyond(value: float, near_lower: float | None, near_upper: float | None) -> bool:
    return near_lower is not None and near_upper is not None and (value < near_lower or value > near_upper)


def _mean(values: Sequence[float]) -> float:
    """The mean, with R's correction pass. Summing and dividing rounds twice, which puts about one mean
    in four one unit in the last place away from R's `mean()` (sum, divide, then add the mean residual),
    and a point exactly on a limit would then change sides. With the pass, the ae_all snapshots of
    NHSRplotthedots reproduce to the last bit (tests/measures/test_spc_reference.py)."""
    count = len(values)
    first = math.fsum(values) / count
    return first + math.fsum([*values, *([-first] * count)]) / count


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def _check_baseline(baseline: int | None) -> None:
    if baseline is not None and (not isinstance(baseline, int) or baseline < 1):
        raise ValueError(f"baseline must be a number of points (1 or more), not {baseline!r}")


def _segment_bounds(length: int, change_points: Iterable[int]) -> list[tuple[int, int]]:
    if length == 0:
        return []
    starts = [0, *change_points]
    for previous, current in zip(starts, starts[1:]):
        if not isinstance(current, int) or not previous < current < length:
            raise ValueError(
                f"change points must be increasing indices between 1 and {length - 1}; got {starts[1:]}"
            )
    return list(zip(starts, [*starts[1:], length]))


def _finite_floats(values: Iterable[float], name: str) -> list[float]:
    series = [float(value) for value in values]
    for index, value in enumerate(series):
        if not math.isfinite(value):
            raise ValueError(f"{name}[{index}] is {value}: SPC needs a finite number for every period")
    return series
