"""Rate, audit and access standards on hand-counted events; survey standards say there is no data yet."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from careloop.events.models import Audit, Call, SlotSnapshot
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import local, make_standard, visit

AS_OF = local("2025-04-15 12:00")


def week_of_3_march() -> Measurement:
    return Measurement.objects.get(period_kind="week", period_start=date(2025, 3, 3), breakdown="")


def test_it_measures_a_rate_with_a_list_of_values(db: Any) -> None:
    condition = {"field": "status", "in": ["no-show", "late-cancel"]}
    make_standard("no-show-rate", "rate", {"table": "visits", "condition": condition}, goal=0.1, direction="lower_is_better")
    statuses = ["completed"] * 6 + ["no-show", "late-cancel", "cancelled"]
    for hour, status in enumerate(statuses, start=8):
        visit(local(f"2025-03-04 {hour:02d}:00"), 5, status=status)
    recompute_measurements(as_of=AS_OF)
    week = week_of_3_march()
    # 2 of 9 visits missed (cancelled in time is not a miss): 22.2 % > the 10 % ceiling.
    assert (week.n, week.n_met, week.goal_met) == (9, 2, False)


def test_it_measures_a_rate_of_a_field_being_set(db: Any) -> None:
    make_standard(
        "call-abandonment", "rate", {"table": "calls", "condition": {"field": "abandoned_at", "is_set": True}},
        goal=0.05, direction="lower_is_better", touchpoint="phone-call",
    )
    for number in range(20):
        started = local("2025-03-05 09:00") + timedelta(minutes=number)
        abandoned = started + timedelta(seconds=40) if number < 1 else None
        Call.objects.create(call_id=f"C-{number}", queue="appointments", started_at=started, abandoned_at=abandoned)
    recompute_measurements(as_of=AS_OF)
    week = week_of_3_march()
    assert (week.n, week.n_met, week.share, week.goal_met) == (20, 1, 0.05, True)  # 5 % ≤ 5 %


def test_it_measures_an_audit_checklist_and_only_its_own_observations(db: Any) -> None:
    make_standard("greeted-by-name", "audit", {"checklist": "greeted-by-name", "question": "Greeted?"}, goal=0.9, touchpoint="check-in")
    for number in range(10):
        Audit.objects.create(
            audit_id=f"A-{number}", standard="greeted-by-name", observed_at=local("2025-03-06 10:00"),
            observer="maria", passed=number < 7,
        )
    Audit.objects.create(audit_id="A-other", standard="next-steps-explained", observed_at=local("2025-03-06 10:00"), observer="maria", passed=False)
    recompute_measurements(as_of=AS_OF)
    week = week_of_3_march()
    assert (week.n, week.n_met, week.share, week.goal_met) == (10, 7, 0.7, False)


def test_it_measures_third_next_available_in_days_from_slot_snapshots(db: Any) -> None:
    definition = {"visit_type": "established", "rank": 3, "unit": "days"}
    make_standard("third-next-available", "access", definition, threshold=7, min_n=1, touchpoint="appointment-booking")
    taken = local("2025-03-03 07:00")
    for offset, (provider, third) in enumerate([("dr-okafor", 7), ("dr-ramirez", 8), ("np-chen", None)]):
        SlotSnapshot.objects.create(
            taken_at=taken + timedelta(minutes=offset), provider=provider, visit_type="established",
            next_available_1=taken + timedelta(days=1),
            next_available_3=None if third is None else local("2025-03-03 16:00") + timedelta(days=third),
        )
    # Another visit type is another standard's business.
    SlotSnapshot.objects.create(taken_at=taken, provider="dr-okafor", visit_type="new", next_available_3=taken)
    recompute_measurements(as_of=AS_OF)
    week = week_of_3_march()
    # 7 days later is within 7; 8 is not; no third slot in the horizon is not met.
    assert (week.n, week.n_met) == (3, 1)
    by_provider = dict(
        Measurement.objects.filter(period_kind="week", breakdown="provider").values_list("breakdown_value", "n_met")
    )
    assert by_provider == {"dr-okafor": 1, "dr-ramirez": 0, "np-chen": 0}


def test_it_says_survey_standards_have_no_survey_data_yet(db: Any) -> None:
    definition = {"instrument": "nps", "items": ["likely-to-recommend"], "score": "nps"}
    make_standard("net-promoter-score", "survey", definition, goal=50, touchpoint="visit")
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == []
    assert report.notices == {"net-promoter-score": "no survey data yet"}
    assert not Measurement.objects.exists()
