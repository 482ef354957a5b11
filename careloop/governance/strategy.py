"""Strategic goals and the state of the standards that support them (issue 8, item 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from careloop.governance.models import StrategicGoal
from careloop.journeys.models import Standard
from careloop.measures.models import Breakdown, Measurement
from careloop.measures.periods import PeriodKind
from careloop.measures.signals import open_signals


class StandardState(StrEnum):
    MET = "met"
    OFF_GOAL = "off_goal"
    SIGNAL = "signal"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return {"met": "Met", "off_goal": "Off goal", "signal": "Signal", "no_data": "Not enough data"}[self.value]


AT_RISK_STATES = (StandardState.OFF_GOAL, StandardState.SIGNAL)


@dataclass(frozen=True)
class StandardOnGoal:
    standard: Standard
    state: StandardState
    latest: Measurement | None


@dataclass
class GoalView:
    goal: StrategicGoal
    standards: list[StandardOnGoal] = field(default_factory=list)

    @property
    def at_risk(self) -> bool:
        return any(s.state in AT_RISK_STATES for s in self.standards)

    @property
    def reasons(self) -> list[StandardOnGoal]:
        return [s for s in self.standards if s.state in AT_RISK_STATES]


def standard_state(standard: Standard, signalling: set[int], today: date) -> tuple[StandardState, Measurement | None]:
    """An open signal first (something changed), else the latest complete month against the goal."""
    latest = (
        Measurement.objects.filter(
            standard=standard, period_kind=PeriodKind.MONTH, breakdown=Breakdown.PRACTICE, period_end__lte=today
        )
        .order_by("-period_start")
        .first()
    )
    if standard.pk in signalling:
        return StandardState.SIGNAL, latest
    if latest is None or latest.goal_met is None:
        return StandardState.NO_DATA, latest
    return (StandardState.MET if latest.goal_met else StandardState.OFF_GOAL), latest


def goal_views(today: date) -> list[GoalView]:
    signalling = set(open_signals().values_list("standard_id", flat=True))
    views = []
    for goal in StrategicGoal.objects.prefetch_related("standards__touchpoint", "touchpoints"):
        view = GoalView(goal)
        linked = {s.pk: s for s in goal.standards.all()}
        # A linked touchpoint brings all its standards in the active journey.
        for touchpoint in goal.touchpoints.all():
            linked.update({s.pk: s for s in touchpoint.standards.all()})
        for standard in sorted(linked.values(), key=lambda s: (s.touchpoint.order, s.order, s.pk)):
            state, latest = standard_state(standard, signalling, today)
            view.standards.append(StandardOnGoal(standard, state, latest))
        views.append(view)
    return views
