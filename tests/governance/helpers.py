"""Hand-made weekly measurements for governance and brief tests."""

from __future__ import annotations

from datetime import date, timedelta

from careloop.journeys.models import Standard
from careloop.measures.models import Measurement
from tests.measures.engine_events import make_standard

FIRST_MONDAY = date(2025, 1, 6)


def standard(key: str = "calls-answered", direction: str = "higher_is_better", goal: float = 0.9) -> Standard:
    definition = {"table": "calls", "start": "started_at", "end": "answered_at", "unit": "seconds"}
    return make_standard(key, "duration", definition, threshold=30, goal=goal, direction=direction, min_n=10)


def weeks(std: Standard, met_counts: list[int], n: int = 100, first: date = FIRST_MONDAY) -> None:
    """One whole-practice week per count, from `first`, n events each."""
    for i, met in enumerate(met_counts):
        start = first + timedelta(weeks=i)
        Measurement.objects.create(
            standard=std, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
            n=n, n_met=met, share=met / n, goal_met=met / n >= std.goal,
        )
