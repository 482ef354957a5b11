"""A standard's measurements as an SPC series: every complete week or month in order, with the
chart spc.py computes over the periods that have enough data.

One function builds the series for the chart on the standard page, the signals and the owner's
scorecard, so all three judge a standard the same way:

- operational standards (duration, rate, audit, access) are shares whose denominators change from
  period to period: a Laney p′ chart of met / n (Laney 2002; docs/spc.md);
- survey standards are scores (a composite of top-box shares, a 0-100 mean, an NPS): an XmR chart
  of the score, as Making Data Count charts any indicator.

A suppressed period (fewer events than the standard's min_n) and a period with no events at all
are gaps: "not enough data", left out of the calculation rather than charted as a number. Only
complete periods are charted: a week half over is not a point yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from django.utils import timezone

from careloop.journeys.models import MeasureKind, Standard
from careloop.measures import spc
from careloop.measures.business_time import practice_zone
from careloop.measures.models import Measurement, ProcessChange
from careloop.measures.periods import Period, PeriodKind, local_date, period_containing
from careloop.measures.phases import change_points

ChartKind = Literal["laney_p", "xmr"]
Chart = spc.XmrResult | spc.LaneyResult
ChartPoint = spc.Point | spc.LaneyPoint


@dataclass(frozen=True)
class SeriesPoint:
    period: Period
    measurement: Measurement | None
    # The charted figure (share 0-1, mean or NPS); None for a gap.
    value: float | None
    # Index into the chart's points; None for a gap.
    chart_index: int | None

    @property
    def is_gap(self) -> bool:
        return self.chart_index is None


@dataclass
class StandardSeries:
    standard: Standard
    period_kind: str
    breakdown: str
    breakdown_value: str
    points: list[SeriesPoint] = field(default_factory=list)
    chart: Chart | None = None
    chart_kind: ChartKind = "laney_p"
    # Chart indices where recorded process changes start new limits.
    change_points: list[int] = field(default_factory=list)
    changes: list[ProcessChange] = field(default_factory=list)

    def spc_point(self, point: SeriesPoint) -> ChartPoint | None:
        if self.chart is None or point.chart_index is None:
            return None
        return self.chart.points[point.chart_index]

    @property
    def charted(self) -> list[SeriesPoint]:
        return [p for p in self.points if p.chart_index is not None]

    @property
    def latest(self) -> SeriesPoint | None:
        return self.points[-1] if self.points else None


def today_in_practice() -> date:
    return local_date(timezone.now(), practice_zone())


def chart_kind_for(standard: Standard) -> ChartKind:
    return "xmr" if standard.kind == MeasureKind.SURVEY else "laney_p"


def figure_of(measurement: Measurement) -> float | None:
    """The measurement's figure as the standard states its goal; None when suppressed."""
    if measurement.suppressed:
        return None
    return measurement.share if measurement.share is not None else measurement.mean


def _periods_between(first: date, last: date, kind: str) -> list[Period]:
    periods = []
    period = period_containing(first, kind)
    while period.start <= last:
        periods.append(period)
        period = period_containing(period.end, kind)
    return periods


def build_series(
    standard: Standard,
    period_kind: str,
    measurements: Iterable[Measurement],
    changes: list[ProcessChange],
    today: date,
    breakdown: str = "",
    breakdown_value: str = "",
) -> StandardSeries:
    """The series of one group's measurements (already filtered to one kind and breakdown value)."""
    series = StandardSeries(standard, period_kind, breakdown, breakdown_value, chart_kind=chart_kind_for(standard))
    series.changes = changes
    by_start = {m.period_start: m for m in measurements if m.period_end <= today}
    if not by_start:
        return series
    values: list[float] = []
    tops: list[float] = []
    bottoms: list[float] = []
    starts: list[date] = []
    for period in _periods_between(min(by_start), max(by_start), period_kind):
        measurement = by_start.get(period.start)
        value = figure_of(measurement) if measurement is not None else None
        index = None
        if measurement is not None and value is not None:
            index = len(values)
            values.append(value)
            tops.append(float(measurement.n_met))
            bottoms.append(float(measurement.n))
            starts.append(period.start)
        series.points.append(SeriesPoint(period, measurement, value, index))
    if not values:
        return series
    series.change_points = change_points(starts, [c.changed_on for c in changes])
    direction = spc.Direction(standard.direction)
    if series.chart_kind == "laney_p":
        series.chart = spc.laney_p(
            tops, bottoms, direction=direction, change_points=series.change_points, goal=standard.goal
        )
    else:
        series.chart = spc.xmr(values, direction=direction, change_points=series.change_points, goal=standard.goal)
    return series


def standard_series(
    standard: Standard, period_kind: str, breakdown: str = "", breakdown_value: str = "", today: date | None = None
) -> StandardSeries:
    today = today or today_in_practice()
    rows = Measurement.objects.filter(
        standard=standard, period_kind=period_kind, breakdown=breakdown, breakdown_value=breakdown_value
    )
    changes = list(ProcessChange.objects.filter(standard=standard).order_by("changed_on", "recorded_at"))
    return build_series(standard, period_kind, rows, changes, today, breakdown, breakdown_value)


def all_series(
    standard: Standard, breakdowns: Iterable[str] = ("",), today: date | None = None
) -> list[StandardSeries]:
    """Every week and month series of the standard for the given breakdowns ('' is the whole
    practice), from one query: what signal detection walks through."""
    today = today or today_in_practice()
    wanted = list(breakdowns)
    groups: dict[tuple[str, str, str], list[Measurement]] = defaultdict(list)
    for row in Measurement.objects.filter(standard=standard, breakdown__in=wanted):
        groups[(row.period_kind, row.breakdown, row.breakdown_value)].append(row)
    changes = list(ProcessChange.objects.filter(standard=standard).order_by("changed_on", "recorded_at"))
    return [
        build_series(standard, kind, rows, changes, today, breakdown, value)
        for (kind, breakdown, value), rows in sorted(groups.items())
        if kind in PeriodKind.values
    ]
