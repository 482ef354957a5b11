"""The journey map's colours from measurements: each touchpoint's standards in the latest complete
month, for the whole practice."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from careloop.journeys.models import Journey
from careloop.journeys.standard_status import State
from careloop.measures.business_time import practice_zone
from careloop.measures.models import Measurement
from careloop.measures.periods import PeriodKind, local_date


def touchpoint_state(goal_met: list[bool | None]) -> State:
    """A touchpoint is only as good as its weakest standard: any standard off goal → not met;
    else any standard with too few events → not enough data (we cannot say all are met);
    else met. Standards with no measurement at all (surveys, for now) do not count either way."""
    if not goal_met:
        return State.NO_DATA
    if any(met is False for met in goal_met):
        return State.NOT_MET
    if any(met is None for met in goal_met):
        return State.NOT_ENOUGH_DATA
    return State.MET


def latest_complete_month(journey: Journey) -> Measurement | None:
    today = local_date(timezone.now(), practice_zone())
    return (
        Measurement.objects.filter(
            standard__journey=journey, period_kind=PeriodKind.MONTH, breakdown="", period_end__lte=today
        )
        .order_by("-period_start")
        .first()
    )


def touchpoint_states_from_measurements(journey: Journey) -> dict[int, State]:
    latest = latest_complete_month(journey)
    if latest is None:
        return {}
    by_touchpoint: dict[int, list[bool | None]] = defaultdict(list)
    rows = Measurement.objects.filter(
        standard__journey=journey, period_kind=PeriodKind.MONTH, breakdown="", period_start=latest.period_start
    ).values_list("standard__touchpoint_id", "goal_met")
    for touchpoint_id, goal_met in rows:
        by_touchpoint[touchpoint_id].append(goal_met)
    return {touchpoint_id: touchpoint_state(states) for touchpoint_id, states in by_touchpoint.items()}
