"""A duration standard measured by week and month: hand-counted shares, pinned Wilson intervals,
the practice's time zone, missing ends, breakdowns and suppression."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import five_visits_three_within_fifteen_minutes, local, rooming_standard, visit

AS_OF = local("2025-04-15 12:00")


def whole(kind: str, start: date) -> Measurement:
    return Measurement.objects.get(period_kind=kind, period_start=start, breakdown="")


def test_it_counts_three_of_five_visits_within_fifteen_minutes(db: Any) -> None:
    rooming_standard()
    five_visits_three_within_fifteen_minutes()
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == []
    week = whole("week", date(2025, 3, 3))
    assert (week.period_end, week.n, week.n_met, week.share) == (date(2025, 3, 10), 5, 3, 0.6)
    # Wilson 95 % for 3/5 (tests/measures/test_wilson.py works it by hand).
    assert week.ci_low == pytest.approx(0.230724, abs=1e-6)
    assert week.ci_high == pytest.approx(0.882379, abs=1e-6)
    assert week.goal_met is False  # 60 % against a goal of 80 %
    month = whole("month", date(2025, 3, 1))
    assert (month.period_end, month.n, month.n_met) == (date(2025, 4, 1), 5, 3)


def test_it_puts_a_sunday_evening_visit_in_its_local_week(db: Any) -> None:
    rooming_standard(min_n=1)
    # Sunday 9 March 2025 23:30 in New York is Monday 03:30 UTC (daylight saving began at 2:00
    # that morning): the visit belongs to the week of 3 March, not the week of 10 March.
    visit(local("2025-03-09 23:30"), 5)
    # Monday 31 March 21:00 local is 1 April UTC: March, not April.
    visit(local("2025-03-31 21:00"), 5)
    recompute_measurements(as_of=AS_OF)
    assert whole("week", date(2025, 3, 3)).n == 1
    assert whole("week", date(2025, 3, 31)).n == 1
    assert not Measurement.objects.filter(period_kind="week", period_start=date(2025, 3, 10)).exists()
    assert whole("month", date(2025, 3, 1)).n == 2
    assert not Measurement.objects.filter(period_kind="month", period_start=date(2025, 4, 1)).exists()


def test_it_fails_a_missing_end_only_once_the_threshold_has_passed(db: Any) -> None:
    rooming_standard(min_n=1)
    visit(local("2025-03-03 09:00"), 5)
    visit(local("2025-03-03 10:00"), None)  # never roomed: 15 minutes have long passed
    visit(local("2025-03-03 11:50"), None)  # arrived 10 minutes before as_of: still waiting
    recompute_measurements(as_of=local("2025-03-03 12:00"))
    week = whole("week", date(2025, 3, 3))
    assert (week.n, week.n_met) == (2, 1)


def test_it_leaves_out_missing_ends_when_the_standard_says_exclude(db: Any) -> None:
    standard = rooming_standard(min_n=1)
    standard.definition["missing_end"] = "exclude"
    standard.save()
    visit(local("2025-03-03 09:00"), 5)
    visit(local("2025-03-03 10:00"), None)
    recompute_measurements(as_of=AS_OF)
    assert (whole("week", date(2025, 3, 3)).n, whole("week", date(2025, 3, 3)).n_met) == (1, 1)


def test_it_filters_events_with_where_and_ignores_events_after_as_of(db: Any) -> None:
    standard = rooming_standard(min_n=1)
    standard.definition["where"] = {"status": ["completed"]}
    standard.save()
    visit(local("2025-03-03 09:00"), 5)
    visit(local("2025-03-03 10:00"), 50, status="no-show")
    visit(local("2025-03-05 10:00"), 50)  # after as_of: not measured yet
    recompute_measurements(as_of=local("2025-03-04 12:00"))
    assert (whole("week", date(2025, 3, 3)).n, whole("week", date(2025, 3, 3)).n_met) == (1, 1)


def test_it_breaks_measurements_down_by_provider_location_and_visit_type(db: Any) -> None:
    rooming_standard(min_n=2)
    visit(local("2025-03-03 09:00"), 5, provider="dr-okafor", visit_type="new")
    visit(local("2025-03-03 10:00"), 30, provider="dr-okafor")
    visit(local("2025-03-04 09:00"), 5, provider="np-chen", location="riverside")
    recompute_measurements(as_of=AS_OF)
    rows = {
        (m.breakdown, m.breakdown_value): (m.n, m.n_met, m.suppressed, m.share)
        for m in Measurement.objects.filter(period_kind="week")
    }
    assert rows == {
        ("", ""): (3, 2, False, pytest.approx(2 / 3)),
        ("provider", "dr-okafor"): (2, 1, False, 0.5),
        # One visit is below min_n 2: suppressed, no share stored.
        ("provider", "np-chen"): (1, 1, True, None),
        ("location", "main-street"): (2, 1, False, 0.5),
        ("location", "riverside"): (1, 1, True, None),
        ("visit_type", "new"): (1, 1, True, None),
        ("visit_type", "established"): (2, 1, False, 0.5),
    }
    suppressed = Measurement.objects.get(period_kind="week", breakdown_value="np-chen")
    assert (suppressed.ci_low, suppressed.ci_high, suppressed.goal_met) == (None, None, None)


def test_it_judges_a_lower_is_better_goal_as_a_ceiling(db: Any) -> None:
    rooming_standard(direction="lower_is_better", goal=0.6)
    five_visits_three_within_fifteen_minutes()
    recompute_measurements(as_of=AS_OF)
    assert whole("week", date(2025, 3, 3)).goal_met is True  # 0.6 ≤ 0.6
