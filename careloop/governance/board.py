"""The committee's board: what needs a look (issue 8, item 1). Aggregates only, no patient identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings

from careloop.journeys.models import Journey, Standard
from careloop.measures.models import Breakdown, Measurement, Signal
from careloop.measures.periods import PeriodKind
from careloop.measures.signals import open_signals
from careloop.recovery.root_causes import RepeatedCause, repeated_causes


def off_goal_periods() -> int:
    """Monthly periods in a row off goal before a standard is listed (CARELOOP_GOVERNANCE_OFF_GOAL_MONTHS,
    default 2: shorter than the signal rule's 3, so the board shows what is about to become a signal)."""
    return int(getattr(settings, "GOVERNANCE_OFF_GOAL_MONTHS", 2))


@dataclass(frozen=True)
class OffGoal:
    standard: Standard
    periods: int
    latest: Measurement


@dataclass
class Board:
    signals: list[Signal] = field(default_factory=list)
    off_goal: list[OffGoal] = field(default_factory=list)
    repeated_causes: list[RepeatedCause] = field(default_factory=list)
    urgent_incidents: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.signals or self.off_goal or self.repeated_causes or self.urgent_incidents)


def standards_off_goal(journey: Journey, needed: int, today: date) -> list[OffGoal]:
    """Standards whose latest `needed` complete months, whole practice, all missed the goal."""
    found = []
    for standard in journey.standards.select_related("touchpoint").order_by("order", "id"):
        rows = list(
            Measurement.objects.filter(
                standard=standard, period_kind=PeriodKind.MONTH, breakdown=Breakdown.PRACTICE, period_end__lte=today
            ).order_by("-period_start")[:needed]
        )
        if len(rows) == needed and all(row.goal_met is False for row in rows):
            found.append(OffGoal(standard, needed, rows[0]))
    return found


def open_urgent_incidents() -> int:
    from careloop.recovery.models import OPEN_STATUSES, Case, Trigger

    return Case.objects.filter(status__in=OPEN_STATUSES, trigger=Trigger.URGENT_COMMENT).count()


def build_board(today: date) -> Board:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return Board()
    return Board(
        signals=list(open_signals()),
        off_goal=standards_off_goal(journey, off_goal_periods(), today),
        # Recovery's own rule (recovery/root_causes.py): 3 resolved cases, one cause, one touchpoint, 90 days.
        repeated_causes=repeated_causes(),
        urgent_incidents=open_urgent_incidents(),
    )
