"""The latest measurement of each standard, as the CLI and the API show it: suppressed figures
never leave this module as numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from django.utils import timezone

from careloop.journeys.models import MeasureKind, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.engine import NO_DATA, NO_SURVEY_DATA
from careloop.measures.models import Measurement
from careloop.measures.periods import Period, is_complete, local_date
from careloop.measures.recompute import active_standards


@dataclass(frozen=True)
class MeasurementView:
    period: str
    period_label: str
    period_start: date
    period_end: date
    complete: bool
    breakdown: str
    breakdown_value: str
    n: int
    # None when suppressed: "not enough data" is said in words, never as a number.
    n_met: int | None
    share: float | None
    # Survey standards scored as a mean (0-100) or an NPS (-100..100); None otherwise.
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    goal_met: bool | None
    suppressed: bool


@dataclass
class StandardLatest:
    key: str
    name: str
    touchpoint: str
    owner: str
    kind: str
    goal: float
    direction: str
    min_n: int
    # Survey standards: top_box (a share), mean (0-100) or nps; '' for the other kinds.
    score: str = ""
    notice: str = ""
    measurements: list[MeasurementView] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def view_of(measurement: Measurement, today: date) -> MeasurementView:
    period = Period(measurement.period_kind, measurement.period_start, measurement.period_end)
    suppressed = measurement.suppressed
    return MeasurementView(
        period=measurement.period_kind,
        period_label=period.label(),
        period_start=measurement.period_start,
        period_end=measurement.period_end,
        complete=is_complete(period, today),
        breakdown=measurement.breakdown,
        breakdown_value=measurement.breakdown_value,
        n=measurement.n,
        n_met=None if suppressed else measurement.n_met,
        share=None if suppressed else measurement.share,
        mean=None if suppressed else measurement.mean,
        ci_low=None if suppressed else measurement.ci_low,
        ci_high=None if suppressed else measurement.ci_high,
        goal_met=None if suppressed else measurement.goal_met,
        suppressed=suppressed,
    )


def _latest_start(rows: list[Measurement], today: date) -> date | None:
    """The latest complete period; the current one only when none is complete yet."""
    complete = [m.period_start for m in rows if m.period_end <= today]
    if complete:
        return max(complete)
    return max((m.period_start for m in rows), default=None)


def latest_for(standard: Standard, period_kind: str, breakdown: str, today: date) -> StandardLatest:
    owner = standard.touchpoint.owner
    entry = StandardLatest(
        key=standard.key,
        name=standard.name,
        touchpoint=standard.touchpoint.name,
        owner=owner.key if owner is not None else "",
        kind=standard.kind,
        goal=standard.goal,
        direction=standard.direction,
        min_n=standard.min_n,
        score=str(standard.definition.get("score", "")),
    )
    rows = list(Measurement.objects.filter(standard=standard, period_kind=period_kind, breakdown=breakdown))
    start = _latest_start(rows, today)
    if start is None:
        entry.notice = NO_SURVEY_DATA if standard.kind == MeasureKind.SURVEY else NO_DATA
        return entry
    chosen = sorted((m for m in rows if m.period_start == start), key=lambda m: m.breakdown_value)
    entry.measurements = [view_of(m, today) for m in chosen]
    return entry


def latest_measurements(period_kind: str, breakdown: str = "", standard_key: str = "") -> list[StandardLatest]:
    today = local_date(timezone.now(), practice_zone())
    standards = [s for s in active_standards() if not standard_key or s.key == standard_key]
    return [latest_for(s, period_kind, breakdown, today) for s in standards]
