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

from django.db import transaction
from django.utils import timezone

from careloop.journeys.models import Direction, Journey, MeasureKind, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.engine import AnalyticsSource, MeasureError, StandardCounts, analytics, count_events
from careloop.measures.models import Measurement
from careloop.measures.periods import (
    PeriodKind,
    day_to_date,
    earliest_period_start,
    local_date,
    local_midnight,
    period_containing,
)
from careloop.measures.wilson import wilson_interval

# (period kind, period start, breakdown, breakdown value)
Key = tuple[str, date, str, str]
COMPARED_FIELDS = ("period_end", "n", "n_met", "share", "ci_low", "ci_high", "goal_met", "suppressed")


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

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "notices": self.notices,
            "errors": self.errors,
        }


def roll_up(counts: StandardCounts) -> dict[Key, tuple[int, int]]:
    """(n, met) for every week and month, whole practice and each breakdown value."""
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


def _changed(old: Measurement, new: Measurement) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in COMPARED_FIELDS)


def store(standard: Standard, counts: StandardCounts, scope_start: date | None, report: RecomputeReport) -> None:
    """Upsert the standard's measurements for every period starting on or after `scope_start`
    (all periods when None); rows in that scope that no longer have events are deleted."""
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


def recompute_standard(
    standard: Standard, source: AnalyticsSource, since: datetime | None, as_of: datetime, report: RecomputeReport
) -> None:
    scope_start = _scope_start(standard, since)
    event_since = local_midnight(scope_start, practice_zone()) if scope_start is not None else None
    try:
        counts = count_events(standard, source, since=event_since, as_of=as_of)
    except MeasureError as error:
        report.errors.append(str(error))
        return
    if counts.notice:
        report.notices[standard.key] = counts.notice
    store(standard, counts, scope_start, report)


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
        for standard in chosen:
            recompute_standard(standard, source, since, as_of, report)
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
