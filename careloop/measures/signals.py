"""Signals: what a manager and the governance committee should look at (DESIGN.md, issue 4 item 4).

Two rules, run on every week and month series of every standard, for the whole practice and each
provider (series.py):

- **special cause in the concerning direction**: consecutive charted periods whose SPC point type
  is `special_cause_concern` (outside the limits, trend, 2 of 3, run, as spc.py classifies them with
  NHS Making Data Count's rules and the standard's direction) make one episode. Its rule is the
  strongest rule among its points (spc.py's precedence: outside limits > trend > 2 of 3 > run);
- **goal missed repeatedly** (whole practice only): the goal missed in `settings.SIGNAL_MISSED_PERIODS`
  (default 3) consecutive periods; a suppressed period or one with no events breaks the run, since
  nobody can say whether it met the goal.

An episode is identified by (standard, period kind, breakdown, kind, first period of the run): the
unique constraint on Signal and get_or_create make detection idempotent and safe to run twice at
once; a run that grows only moves `last_period`. A signal is never reopened or withdrawn by
detection: once raised, people acknowledge it and close it with a note. A new signal sends the
Django signal `signal_raised` (sender=Signal, instance=the new row) for recovery and governance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import django.dispatch
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from careloop.accounts.models import User
from careloop.journeys.models import Journey, Standard
from careloop.measures import spc
from careloop.measures.models import Breakdown, Signal, SignalKind, SignalRule, SignalStatus
from careloop.measures.series import StandardSeries, all_series, today_in_practice

# Sent once per new Signal row, inside the transaction that created it.
signal_raised = django.dispatch.Signal()

# Signals are looked for in the whole practice and per provider: provider series are what a
# manager acts on (one provider running late), location and visit type add noise for little.
DETECTED_BREAKDOWNS = (Breakdown.PRACTICE.value, Breakdown.PROVIDER.value)

# spc.Rule in precedence order, as stored on a signal.
RULE_PRECEDENCE = (spc.Rule.OUTSIDE_LIMITS, spc.Rule.TREND, spc.Rule.TWO_OF_THREE, spc.Rule.RUN)


@dataclass(frozen=True)
class Episode:
    """A run of periods that makes one signal; indices into the series' points."""

    kind: str
    rule: str
    first: int
    triggered: int
    last: int


@dataclass
class DetectionReport:
    created: int = 0
    extended: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "extended": self.extended, "unchanged": self.unchanged}


def missed_periods() -> int:
    value = int(getattr(settings, "SIGNAL_MISSED_PERIODS", 3))
    if value < 1:
        raise ValueError(f"CARELOOP_SIGNAL_MISSED_PERIODS must be 1 or more, not {value}")
    return value


# --- the rules, on plain sequences (tests feed them hand-made series) -------------------------------


def _triggered(first: int, last: int, rule: spc.Rule, flagged: Sequence[tuple[int, spc.Rule]], rules: spc.RunRules) -> int:
    """The period in which the episode's rule fired: the n-th point of a run or trend (the rule
    needs that many), else the first point the rule flagged."""
    length = {spc.Rule.RUN: rules.run, spc.Rule.TREND: rules.trend}.get(rule)
    if length is not None:
        return min(first + length - 1, last)
    return next(index for index, point_rule in flagged if point_rule == rule)


def _is_two_of_three_concern(point: spc.Point | spc.LaneyPoint) -> bool:
    return point.point_type is spc.PointType.SPECIAL_CAUSE_CONCERN and point.rule is spc.Rule.TWO_OF_THREE


def _inside_two_of_three(points: Sequence[spc.Point | spc.LaneyPoint], index: int) -> bool:
    """The middle point of a "2 of 3" window (flagged, not flagged, flagged) is not flagged itself,
    but the two flagged points are one finding: the episode runs through it."""
    if index == 0 or index + 1 >= len(points):
        return False
    before, after = points[index - 1], points[index + 1]
    return (
        _is_two_of_three_concern(before)
        and _is_two_of_three_concern(after)
        and before.segment == after.segment == points[index].segment
    )


def concern_episodes(
    points: Sequence[spc.Point | spc.LaneyPoint], rules: spc.RunRules = spc.RULES_NHS
) -> list[Episode]:
    """Episodes of consecutive concern points within one segment, in chart indices."""
    episodes: list[Episode] = []
    stretch: list[tuple[int, spc.Rule]] = []

    def close() -> None:
        if stretch:
            rule = next(r for r in RULE_PRECEDENCE if any(point_rule == r for _, point_rule in stretch))
            first, last = stretch[0][0], stretch[-1][0]
            episodes.append(
                Episode(SignalKind.SPECIAL_CAUSE, rule.value, first, _triggered(first, last, rule, stretch, rules), last)
            )
            stretch.clear()

    for point in points:
        concern = point.point_type is spc.PointType.SPECIAL_CAUSE_CONCERN and point.rule is not None
        if not concern and _inside_two_of_three(points, point.index):
            continue
        if stretch and (not concern or points[stretch[-1][0]].segment != point.segment):
            close()
        if concern and point.rule is not None:
            stretch.append((point.index, point.rule))
    close()
    return episodes


def missed_goal_episodes(goal_met: Sequence[bool | None], needed: int) -> list[Episode]:
    """Runs of `needed` or more periods in a row with the goal missed (False); None breaks a run."""
    episodes = []
    start = 0
    while start < len(goal_met):
        end = start
        while goal_met[start] is False and end + 1 < len(goal_met) and goal_met[end + 1] is False:
            end += 1
        if goal_met[start] is False and end - start + 1 >= needed:
            episodes.append(Episode(SignalKind.MISSED_GOAL, SignalRule.MISSED_GOAL, start, start + needed - 1, end))
        start = end + 1
    return episodes


# --- on a standard's series --------------------------------------------------------------------------


def episodes_in(series: StandardSeries, needed: int) -> list[Episode]:
    """Both rules on one series, in indices of series.points."""
    found: list[Episode] = []
    if series.chart is not None:
        by_chart_index = {p.chart_index: i for i, p in enumerate(series.points) if p.chart_index is not None}
        for episode in concern_episodes(series.chart.points, series.chart.rules):
            found.append(
                Episode(
                    episode.kind,
                    episode.rule,
                    by_chart_index[episode.first],
                    by_chart_index[episode.triggered],
                    by_chart_index[episode.last],
                )
            )
    if series.breakdown != Breakdown.PRACTICE.value:
        # Goal misses are signalled for the whole practice only: per provider and per week they made
        # most of the demo's signals (166 of 218), drowning the special causes a manager must see.
        # A provider below goal shows in the standard page's breakdown table.
        return found
    goal_met = [p.measurement.goal_met if p.measurement is not None and not p.is_gap else None for p in series.points]
    found.extend(missed_goal_episodes(goal_met, needed))
    return found


def _store(series: StandardSeries, episode: Episode, report: DetectionReport) -> None:
    first = series.points[episode.first]
    triggered = series.points[episode.triggered]
    last = series.points[episode.last]
    signal, created = Signal.objects.get_or_create(
        standard=series.standard,
        period_kind=series.period_kind,
        breakdown=series.breakdown,
        breakdown_value=series.breakdown_value,
        kind=episode.kind,
        first_period=first.period.start,
        defaults={
            "rule": episode.rule,
            "triggered_period": triggered.period.start,
            "last_period": last.period.start,
            "value": triggered.value,
            "detected_at": timezone.now(),
        },
    )
    if created:
        report.created += 1
        signal_raised.send(sender=Signal, instance=signal)
        return
    if signal.last_period < last.period.start or signal.rule != episode.rule:
        # A run that grew (or whose strongest rule changed) is the same episode, not a new signal.
        Signal.objects.filter(pk=signal.pk).update(
            last_period=max(signal.last_period, last.period.start), rule=episode.rule
        )
        report.extended += 1
    else:
        report.unchanged += 1


def detect_signals_for(standard: Standard, today: date | None = None) -> DetectionReport:
    report = DetectionReport()
    needed = missed_periods()
    with transaction.atomic():
        for series in all_series(standard, DETECTED_BREAKDOWNS, today=today or today_in_practice()):
            for episode in episodes_in(series, needed):
                _store(series, episode, report)
    return report


def detect_signals(standards: Iterable[Standard] | None = None, *, today: date | None = None) -> DetectionReport:
    """Look for signals in the measurements of `standards` (default: the active journey's)."""
    if standards is None:
        journey = Journey.objects.filter(is_active=True).first()
        standards = list(journey.standards.all()) if journey is not None else []
    total = DetectionReport()
    for standard in standards:
        part = detect_signals_for(standard, today)
        total.created += part.created
        total.extended += part.extended
        total.unchanged += part.unchanged
    return total


# --- reading and working signals ---------------------------------------------------------------------


def open_signals(standard: Standard | None = None) -> QuerySet[Signal]:
    """Signals nobody has closed yet (open or acknowledged) of the active journey's standards, or
    of one standard; newest first. The public entry point for recovery, governance and the brief."""
    signals = Signal.objects.exclude(status=SignalStatus.CLOSED).select_related("standard", "standard__touchpoint")
    if standard is not None:
        return signals.filter(standard=standard)
    return signals.filter(standard__journey__is_active=True)


class SignalStatusError(ValueError):
    """A status change that is not allowed, said in one sentence."""


ALLOWED_MOVES = {
    SignalStatus.OPEN: {SignalStatus.ACKNOWLEDGED, SignalStatus.CLOSED},
    SignalStatus.ACKNOWLEDGED: {SignalStatus.CLOSED},
    SignalStatus.CLOSED: set(),
}


def change_signal_status(signal: Signal, status: str, note: str, user: User | None) -> Signal:
    """Acknowledge (someone is looking) or close (with a note saying what was found or done).

    The update is conditional on the status read, so two people closing at once cannot both win."""
    new = SignalStatus(status)
    note = note.strip()
    if new not in ALLOWED_MOVES[SignalStatus(signal.status)]:
        raise SignalStatusError(f"A signal that is {signal.get_status_display().lower()} cannot become {new.label.lower()}.")
    if new == SignalStatus.CLOSED and not note:
        raise SignalStatusError("Say why the signal is closed: what was found, or what was done.")
    now = timezone.now()
    changed = Signal.objects.filter(pk=signal.pk, status=signal.status).update(
        status=new, status_note=note, status_changed_at=now, status_changed_by=user
    )
    if changed != 1:
        raise SignalStatusError("Someone else changed this signal a moment ago; reload the page.")
    signal.refresh_from_db()
    return signal
