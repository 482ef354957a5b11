"""Measurements stored and kept current: counts per day (engine.py) rolled up into weeks and
months, for the whole practice and each breakdown, then upserted so re-running changes nothing.

Incremental: `since` is the earliest moment of an event that is new or changed (an import passes
the earliest event time of its file). Every week and month from the one containing `since` is
recomputed in full; earlier periods are left alone. A standard with no measurements yet (a new
journey version) is always computed from its first event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pyarrow as pa  # type: ignore[import-untyped]
from django.db import transaction
from django.utils import timezone

from careloop.journeys.models import Direction, Journey, MeasureKind, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.engine import (
    AnalyticsSource,
    MeasureError,
    StandardCounts,
    SurveyAnswers,
    analytics,
    count_standards,
)
from careloop.measures.models import Measurement
from careloop.measures.periods import (
    PeriodKind,
    day_to_date,
    earliest_period_start,
    local_date,
    local_midnight,
    period_containing,
)
from careloop.measures.signals import detect_signals
from careloop.measures.wilson import wilson_interval
from careloop.surveys import scoring

# (period kind, period start, breakdown, breakdown value)
Key = tuple[str, date, str, str]
COMPARED_FIELDS = ("period_end", "n", "n_met", "share", "mean", "ci_low", "ci_high", "goal_met", "suppressed")


@dataclass(frozen=True)
class SurveyScore:
    """A survey standard over one group of responses. A top-box score is a `share` (0-1); a mean
    (0-100) or an NPS (-100..100) is in `mean`, as the Measurement model keeps it; the interval
    is on the same scale as the figure."""

    n: int
    n_met: int
    share: float | None
    mean: float | None
    low: float | None
    high: float | None


@dataclass
class RecomputeReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    # Standard key → why it has no measurements ("no survey data yet", "no data").
    notices: dict[str, str] = field(default_factory=dict)
    # One sentence per standard that could not be measured.
    errors: list[str] = field(default_factory=list)
    # New and extended signals (signals.detect_signals).
    signals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "notices": self.notices,
            "errors": self.errors,
            "signals": self.signals,
        }


def roll_up(counts: StandardCounts) -> dict[Key, tuple[int, int]]:
    """(n, met) for every week and month, whole practice and each breakdown value: as the database
    rolled them up (count_events(grain="period")), or summed here from counts by day."""
    if counts.periods is not None:
        return rolled_up_in_database(counts.periods)
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in counts.days:
        day = day_to_date(row.day)
        for kind in PeriodKind.values:
            start = period_containing(day, kind).start
            groups = [("", "")] + [(name, row.breakdown[name]) for name in counts.dimensions]
            for breakdown, value in groups:
                total = totals[(kind, start, breakdown, value)]
                total[0] += row.n
                total[1] += row.met
    return {key: (n, met) for key, (n, met) in totals.items()}


def rolled_up_in_database(periods: pa.Table) -> dict[Key, tuple[int, int]]:
    """StandardCounts.periods as roll_up's keys (column-wise: a health system's year is a few hundred
    thousand rows per standard)."""
    columns = periods.to_pydict()
    dates: dict[int, date] = {}
    rolled: dict[Key, tuple[int, int]] = {}
    for kind, start, breakdown, value, n, met in zip(
        columns["period_kind"], columns["period_start"], columns["breakdown"], columns["breakdown_value"],
        columns["n"], columns["met"], strict=True,
    ):
        day = dates.get(start)
        if day is None:
            day = dates[start] = day_to_date(int(start))
        rolled[(str(kind), day, str(breakdown), str(value))] = (int(n), int(met or 0))
    return rolled


def goal_is_met(standard: Standard, share: float) -> bool:
    """Judged on the share itself, as the goal is written; the interval says how sure that is."""
    if standard.direction == Direction.LOWER_IS_BETTER:
        return share <= standard.goal
    return share >= standard.goal


def measurement_for(standard: Standard, key: Key, n: int, met: int) -> Measurement:
    kind, start, breakdown, value = key
    suppressed = n < standard.min_n
    measurement = Measurement(
        standard=standard,
        period_kind=kind,
        period_start=start,
        period_end=period_containing(start, kind).end,
        breakdown=breakdown,
        breakdown_value=value,
        n=n,
        n_met=met,
        suppressed=suppressed,
    )
    if not suppressed:
        share = met / n
        interval = wilson_interval(met, n)
        measurement.share = share
        measurement.ci_low, measurement.ci_high = interval.low, interval.high
        measurement.goal_met = goal_is_met(standard, share)
    return measurement


# --- survey standards -------------------------------------------------------------------------


def group_responses(counts: StandardCounts) -> dict[Key, list[SurveyAnswers]]:
    """The responses of every week and month, whole practice and each breakdown value."""
    groups: dict[Key, list[SurveyAnswers]] = defaultdict(list)
    for response in counts.responses:
        day = day_to_date(response.day)
        for kind in PeriodKind.values:
            start = period_containing(day, kind).start
            for breakdown, value in [("", "")] + [(name, response.breakdown[name]) for name in counts.dimensions]:
                groups[(kind, start, breakdown, value)].append(response)
    return groups


def survey_score(standard: Standard, responses: list[SurveyAnswers]) -> SurveyScore:
    """A survey standard's score over some responses, by scoring.py's functions (computed in full
    here; suppression below the standard's min_n is applied by the caller, as for the other kinds).

    - top_box, one item: the share of its answers in the top box (n_met: those answers);
    - top_box, several items: the CAHPS composite, the mean of the items' top-box shares; n is the
      mean of the items' n (scoring.composite), n_met that share of n, rounded;
    - mean: the 0-100 linear mean of one item; of several, the mean of the item means (each item
      weighted equally, as a composite) with no interval; n_met: top-box answers;
    - nps: % promoters minus % detractors on -100..100 (n_met: promoters)."""
    score = str(standard.definition.get("score", "top_box"))
    items = range(len(responses[0].top_box)) if responses else range(0)
    flags = [[r.top_box[i] for r in responses] for i in items]
    if score == "nps":
        net = scoring.nps([r.rating for r in responses], min_n=1)
        return SurveyScore(net.n, net.promoters or 0, None, net.value, net.low, net.high)
    if score == "mean":
        means = [scoring.linear_mean([r.score_100[i] for r in responses], min_n=1) for i in items]
        answered = [m for m in means if m.value is not None]
        top = sum(scoring.top_box(f, min_n=1).count or 0 for f in flags)
        if len(answered) == 1:
            only = answered[0]
            return SurveyScore(only.n, top, None, only.value, only.low, only.high)
        n = sum(m.n for m in answered) // len(answered) if answered else 0
        value = sum(m.value or 0.0 for m in answered) / len(answered) if answered else None
        return SurveyScore(n, top, None, value, None, None)
    if len(flags) == 1:
        result = scoring.top_box(flags[0], min_n=1)
        return SurveyScore(result.n, result.count or 0, result.value, None, result.low, result.high)
    result = scoring.composite(flags, min_n=1)
    met = round((result.value or 0.0) * result.n)
    return SurveyScore(result.n, met, result.value, None, result.low, result.high)


def survey_measurements(standard: Standard, counts: StandardCounts) -> dict[Key, Measurement]:
    """Every week and month of a survey standard; a group where nobody answered its items has none."""
    measurements = {}
    for key, responses in group_responses(counts).items():
        score = survey_score(standard, responses)
        if score.n == 0:
            continue
        kind, start, breakdown, value = key
        suppressed = score.n < standard.min_n
        measurement = Measurement(
            standard=standard,
            period_kind=kind,
            period_start=start,
            period_end=period_containing(start, kind).end,
            breakdown=breakdown,
            breakdown_value=value,
            n=score.n,
            n_met=score.n_met,
            suppressed=suppressed,
        )
        figure = score.share if score.share is not None else score.mean
        if not suppressed and figure is not None:
            measurement.share, measurement.mean = score.share, score.mean
            measurement.ci_low, measurement.ci_high = score.low, score.high
            measurement.goal_met = goal_is_met(standard, figure)
        measurements[key] = measurement
    return measurements


def _changed(old: Measurement, new: Measurement) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in COMPARED_FIELDS)


def store(standard: Standard, counts: StandardCounts, scope_start: date | None, report: RecomputeReport) -> None:
    """Upsert the standard's measurements for every period starting on or after `scope_start`
    (all periods when None); rows in that scope that no longer have events are deleted."""
    if standard.kind == MeasureKind.SURVEY:
        fresh = survey_measurements(standard, counts)
    else:
        fresh = {key: measurement_for(standard, key, n, met) for key, (n, met) in roll_up(counts).items()}
    if scope_start is not None:
        fresh = {key: m for key, m in fresh.items() if key[1] >= scope_start}
    existing_rows = Measurement.objects.filter(standard=standard)
    if scope_start is not None:
        existing_rows = existing_rows.filter(period_start__gte=scope_start)
    existing = {(m.period_kind, m.period_start, m.breakdown, m.breakdown_value): m for m in existing_rows}
    now = timezone.now()
    to_create, to_update = [], []
    for key, new in fresh.items():
        old = existing.pop(key, None)
        if old is None:
            new.computed_at = now
            to_create.append(new)
        elif _changed(old, new):
            for name in COMPARED_FIELDS:
                setattr(old, name, getattr(new, name))
            old.computed_at = now
            to_update.append(old)
        else:
            report.unchanged += 1
    with transaction.atomic():
        Measurement.objects.bulk_create(to_create, batch_size=500)
        Measurement.objects.bulk_update(to_update, [*COMPARED_FIELDS, "computed_at"], batch_size=500)
        if existing:
            Measurement.objects.filter(pk__in=[m.pk for m in existing.values()]).delete()
    report.created += len(to_create)
    report.updated += len(to_update)
    report.deleted += len(existing)


def active_standards() -> list[Standard]:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return []
    return list(journey.standards.select_related("touchpoint", "touchpoint__owner").order_by("touchpoint__order", "order", "key"))


def _scope_start(standard: Standard, since: datetime | None) -> date | None:
    if since is None or not Measurement.objects.filter(standard=standard).exists():
        return None
    return earliest_period_start(local_date(since, practice_zone()))


def _event_since(scope_start: date | None) -> datetime | None:
    return local_midnight(scope_start, practice_zone()) if scope_start is not None else None


def _store_counted(standard: Standard, counts: StandardCounts | MeasureError, scope_start: date | None, report: RecomputeReport) -> None:
    if isinstance(counts, MeasureError):
        report.errors.append(str(counts))
        return
    if counts.notice:
        report.notices[standard.key] = counts.notice
    store(standard, counts, scope_start, report)


def recompute_all(standards: list[Standard], source: AnalyticsSource, since: datetime | None, as_of: datetime, report: RecomputeReport) -> None:
    """Count and store each standard's weeks and months from its scope on (all of them when it has no
    measurements yet), the standards that share a table and start counted in one query
    (engine.count_standards): the same measurements as one by one, with fewer passes over the events."""
    scope_starts = [_scope_start(standard, since) for standard in standards]
    requests = [(standard, _event_since(scope_start)) for standard, scope_start in zip(standards, scope_starts, strict=True)]
    counted = count_standards(requests, source, as_of=as_of)
    for standard, scope_start, counts in zip(standards, scope_starts, counted, strict=True):
        _store_counted(standard, counts, scope_start, report)


def recompute_measurements(
    since: datetime | None = None,
    *,
    standards: Iterable[Standard] | None = None,
    as_of: datetime | None = None,
    analytics_url: str | None = None,
) -> RecomputeReport:
    """Recompute the active journey's measurements (or `standards`') from `since` (None: all).

    A wrong analytics URL raises AnalyticsUnavailable; a standard that cannot be measured is
    reported in `errors` and the others are still measured."""
    report = RecomputeReport()
    as_of = as_of or timezone.now()
    chosen = list(standards) if standards is not None else active_standards()
    with analytics(analytics_url) as source:
        recompute_all(chosen, source, since, as_of, report)
    # Signals come from the stored measurements, so they are looked for once these are in.
    report.signals = detect_signals(chosen, today=local_date(as_of, practice_zone())).as_dict()
    return report


def pending_window(standards: Iterable[Standard]) -> timedelta:
    """How far back a measurement can still change without new data: an event with no end is
    pending until its threshold passes, then counts as not met. Business days are at most 7/5 of
    calendar days, plus up to two holidays in a row (Thanksgiving)."""
    longest = timedelta(days=1)
    for standard in standards:
        if standard.kind != MeasureKind.DURATION or standard.threshold is None:
            continue
        unit = standard.definition.get("unit", "")
        threshold = float(standard.threshold)
        if unit == "business_days":
            window = timedelta(days=threshold * 7 / 5 + 3)
        elif unit == "days":
            window = timedelta(days=threshold + 1)
        else:
            window = timedelta(seconds=threshold * {"seconds": 1, "minutes": 60, "hours": 3600}.get(unit, 86400))
        longest = max(longest, window)
    return longest + timedelta(days=1)
