"""URLs of the measures app."""

from __future__ import annotations

from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from tests.accounts.url_rules.kinds import ApiRule

# The walk's one signal (a fixed id so the real value is known before seeding).
SIGNAL_ID = "5b0c7e3e-8d7a-4c55-9a51-2f4f0c6f1a01"

API_RULES: dict[str, ApiRule] = {
    "api/measures/latest": ApiRule(CAN_VIEW_AGGREGATES),
}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "standard_key": ("walk-greeted", "no-such-standard"),
    "signal_id": (SIGNAL_ID, "00000000-0000-4000-8000-000000000000"),
    "owner_key": ("fran-frontdesk", "no-such-owner"),
}


def seed() -> None:
    """A standard at the walk's check-in touchpoint (core.seed made it), with a few weeks of
    measurements and one open signal, so every measures page has something to show."""
    from datetime import date, timedelta

    from careloop.journeys.models import Standard, Touchpoint
    from careloop.measures.models import Measurement, Signal

    touchpoint = Touchpoint.objects.get(journey__is_active=True, key="check-in")
    standard = Standard.objects.create(
        journey=touchpoint.journey, touchpoint=touchpoint, key="walk-greeted", name="Greeted by name",
        kind="audit", definition={"kind": "audit", "checklist": "walk-greeted"}, goal=0.9, source="walk", min_n=5,
    )
    monday = date(2025, 1, 6)
    for week, met in enumerate([9, 10, 8, 9, 3]):
        start = monday + timedelta(weeks=week)
        Measurement.objects.create(
            standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
            n=10, n_met=met, share=met / 10, goal_met=met >= 9,
        )
    Signal.objects.create(
        external_id=SIGNAL_ID, standard=standard, period_kind="week", kind="missed_goal", rule="missed_goal",
        first_period=monday + timedelta(weeks=4), triggered_period=monday + timedelta(weeks=4),
        last_period=monday + timedelta(weeks=4), value=0.3,
    )
