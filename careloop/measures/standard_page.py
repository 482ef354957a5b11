"""What the standard page shows, in words and numbers: the SPC chart, its verdicts as Making Data
Count phrases them, the table of values behind the chart, the latest period broken down by provider,
location and visit type, the standard's signals and recorded process changes.

Suppressed figures never leave this module as numbers: the page says "not enough data".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Journey, Standard
from careloop.measures import spc
from careloop.measures.models import Breakdown, Measurement, ProcessChange, Signal, SignalStatus
from careloop.measures.series import StandardSeries, standard_series
from careloop.measures.spc_chart import POINT_LOOKS, ChartDrawing, draw_chart, format_figure, is_share_series
from careloop.measures.wilson import wilson_interval

# NHS England, Making Data Count: the words of the assurance icons.
ASSURANCE_WORDS = {
    spc.Assurance.CONSISTENTLY_PASSING: "Consistently passing: the goal lies outside the limits on the good side, so the process as it is will meet it period after period.",
    spc.Assurance.CONSISTENTLY_FAILING: "Consistently failing: the goal lies outside the limits on the wrong side, so the process will miss it until the process itself changes.",
    spc.Assurance.HIT_AND_MISS: "Hit and miss: the goal lies between the limits, so the process will meet it in some periods and miss it in others by chance.",
}
NO_ASSURANCE = "No assurance verdict yet: the chart needs at least two periods with enough data."
# And of the variation icons.
VARIATION_WORDS = {
    spc.PointType.COMMON_CAUSE: "Common cause variation: nothing in the latest period stands out from the process as it is.",
    spc.PointType.SPECIAL_CAUSE_IMPROVEMENT: "Special cause variation, improvement: the latest period is a signal in the good direction.",
    spc.PointType.SPECIAL_CAUSE_CONCERN: "Special cause variation, concern: the latest period is a signal in the wrong direction. Ask what changed.",
    spc.PointType.SPECIAL_CAUSE_NEUTRAL: "Special cause variation: the latest period is a signal.",
}
NO_VARIATION = "No variation verdict yet: no complete period has enough data."
BREAKDOWN_ORDER: dict[str, int] = {Breakdown.PROVIDER: 0, Breakdown.LOCATION: 1, Breakdown.VISIT_TYPE: 2}
# Breakdowns whose values are staff keys, shown by the staff member's name as the scorecard names
# owners: providers of visits, and the owner of a recovery standard's cases (recovery/case_counts.py).
NAMED_BY_STAFF = (Breakdown.PROVIDER, "owner")
# Words for the breakdowns that are not Measurement.Breakdown choices (a recovery standard's owner, a call's queue).
DIMENSION_WORDS = {"owner": "Owner", "queue": "Queue", "agent": "Agent"}


@dataclass(frozen=True)
class ValueRow:
    """One row of the table under the chart (its text alternative)."""

    period: str
    period_start: date
    n: int | None
    figure: str
    mean: str
    lower: str
    upper: str
    point: str
    suppressed: bool


@dataclass(frozen=True)
class BreakdownRow:
    breakdown: str
    value: str
    n: int
    figure: str
    interval: str
    goal_met: bool | None
    suppressed: bool
    # The stored dimension and value, for the link to this row's failures (?by=…&value=…).
    dimension: str = ""
    key: str = ""


def active_standard_or_404(key: str) -> Standard:
    journey = Journey.objects.filter(is_active=True).first()
    standard = (
        Standard.objects.select_related("touchpoint", "touchpoint__owner").filter(journey=journey, key=key).first()
        if journey is not None
        else None
    )
    if standard is None:
        raise Http404("No such standard in the active journey.")
    return standard


def assurance_words(series: StandardSeries) -> str:
    if series.chart is None or series.chart.assurance is None:
        return NO_ASSURANCE
    return ASSURANCE_WORDS[series.chart.assurance]


def variation_words(series: StandardSeries) -> str:
    if series.chart is None or series.chart.variation is None:
        return NO_VARIATION
    return VARIATION_WORDS[series.chart.variation]


def _limit(value: float | None, as_share: bool) -> str:
    return "—" if value is None else format_figure(value, as_share)


def value_rows(series: StandardSeries) -> list[ValueRow]:
    as_share = is_share_series(series)
    rows = []
    for point in series.points:
        spc_point = series.spc_point(point)
        measurement = point.measurement
        if spc_point is None or point.value is None:
            rows.append(
                ValueRow(point.period.label(), point.period.start, measurement.n if measurement else 0,
                         "not enough data", "", "", "", "", True)
            )
            continue
        look = POINT_LOOKS[spc_point.point_type]
        why = f" ({spc_point.rule.value.replace('_', ' ')})" if spc_point.rule is not None else ""
        rows.append(
            ValueRow(
                point.period.label(),
                point.period.start,
                measurement.n if measurement else None,
                format_figure(point.value, as_share),
                format_figure(spc_point.mean, as_share),
                _limit(spc_point.lower, as_share),
                _limit(spc_point.upper, as_share),
                look.label + why,
                False,
            )
        )
    return rows


def _interval_words(measurement: Measurement, as_share: bool) -> str:
    low, high = measurement.ci_low, measurement.ci_high
    if low is None or high is None:
        if measurement.share is None:
            return ""
        interval = wilson_interval(measurement.n_met, measurement.n)
        low, high = interval.low, interval.high
    return f"{format_figure(low, as_share)} – {format_figure(high, as_share)}"


def _dimension_words(dimension: str) -> str:
    return DIMENSION_WORDS.get(dimension) or str(dict(Breakdown.choices).get(dimension, dimension))


def breakdown_value_name(dimension: str, value: str) -> str:
    """E.g. "Owner Fran Front-desk": the staff member's name where the value is a staff key, else
    the value itself (plain text: the template escapes it)."""
    name = value
    if dimension in NAMED_BY_STAFF:
        name = StaffMember.objects.filter(key=value).values_list("name", flat=True).first() or value
    return f"{_dimension_words(dimension)} {name}"


def breakdown_rows(standard: Standard, period_kind: str, period_start: date | None) -> list[BreakdownRow]:
    """The latest charted period, by provider, location and visit type (or owner, queue, agent)."""
    if period_start is None:
        return []
    rows = Measurement.objects.filter(standard=standard, period_kind=period_kind, period_start=period_start).exclude(
        breakdown=Breakdown.PRACTICE
    )
    staff_keys = [m.breakdown_value for m in rows if m.breakdown in NAMED_BY_STAFF]
    names = dict(StaffMember.objects.filter(key__in=staff_keys).values_list("key", "name"))
    result = []
    for m in sorted(rows, key=lambda m: (BREAKDOWN_ORDER.get(m.breakdown, 9), m.breakdown, m.breakdown_value)):
        as_share = m.share is not None or m.mean is None
        shown = names.get(m.breakdown_value, m.breakdown_value) if m.breakdown in NAMED_BY_STAFF else m.breakdown_value
        words = _dimension_words(m.breakdown)
        if m.suppressed:
            result.append(BreakdownRow(words, shown, m.n, "not enough data", "", None, True, m.breakdown, m.breakdown_value))
            continue
        figure = m.share if m.share is not None else m.mean
        result.append(
            BreakdownRow(
                words,
                shown,
                m.n,
                format_figure(figure, as_share) if figure is not None else "",
                _interval_words(m, as_share),
                m.goal_met,
                False,
                m.breakdown,
                m.breakdown_value,
            )
        )
    return result


@dataclass
class StandardPage:
    standard: Standard
    period_kind: str
    series: StandardSeries
    chart: ChartDrawing
    assurance: str
    variation: str
    values: list[ValueRow]
    breakdown_period: str
    breakdowns: list[BreakdownRow]
    signals: list[Signal]
    changes: list[ProcessChange]
    latest_period_start: date | None

    @property
    def goal_words(self) -> str:
        sign = "≥" if self.standard.direction == "higher_is_better" else "≤"
        as_share = self.standard.kind != "survey" or self.standard.definition.get("score", "top_box") == "top_box"
        return f"{sign} {format_figure(self.standard.goal, as_share)}"


def build_standard_page(standard: Standard, period_kind: str, today: date | None = None) -> StandardPage:
    series = standard_series(standard, period_kind, today=today)
    charted = series.charted
    latest = charted[-1] if charted else None
    title = f"{standard.name}: {'weekly' if period_kind == 'week' else 'monthly'} SPC chart"
    signals = list(
        Signal.objects.filter(standard=standard)
        .order_by("status", "-triggered_period")
        .exclude(status=SignalStatus.CLOSED)[:20]
    ) + list(Signal.objects.filter(standard=standard, status=SignalStatus.CLOSED).order_by("-triggered_period")[:10])
    return StandardPage(
        standard=standard,
        period_kind=period_kind,
        series=series,
        chart=draw_chart(series, title),
        assurance=assurance_words(series),
        variation=variation_words(series),
        values=value_rows(series),
        breakdown_period=latest.period.label() if latest else "",
        breakdowns=breakdown_rows(standard, period_kind, latest.period.start if latest else None),
        signals=signals,
        changes=list(ProcessChange.objects.filter(standard=standard).select_related("recorded_by").order_by("-changed_on")),
        latest_period_start=latest.period.start if latest else None,
    )
