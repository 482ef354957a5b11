"""The demo's rows behave like a real practice's: checked on rows generated in memory (the same rows
`careloop demo` writes; test_run_demo_command.py checks what lands in the database)."""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from careloop.demo.build import generate_parts, part_random
from careloop.demo.calls import NEW_RECEPTIONIST, NEW_RECEPTIONIST_QUEUE, QUEUES, new_receptionist_starts
from careloop.demo.context import DemoContext
from careloop.demo.practice import LOCATIONS, PROVIDERS
from careloop.demo.visits import generate_visits
from careloop.events.models import VisitStatus

TODAY = date(2025, 1, 13)  # three months back is 13 October 2024: Thanksgiving, Christmas, New Year inside
MONTHS = 3
AUDIT_STANDARDS = {"greeted-by-name": "front-desk-lead", "next-steps-explained": "practice-manager"}
CLOSED_WEEKDAYS = {date(2024, 11, 28), date(2024, 12, 25), date(2025, 1, 1)}


@pytest.fixture(scope="module")
def demo() -> DemoContext:
    ctx = DemoContext(7, TODAY, MONTHS, ZoneInfo(settings.TIME_ZONE), dict(AUDIT_STANDARDS))
    generate_parts(ctx)
    return ctx


def rows(demo: DemoContext, part: str) -> list[Any]:
    return list(demo.rows[part])


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def share(flags: list[bool]) -> float:
    assert flags, "no rows to take a share of"
    return sum(flags) / len(flags)


def test_it_makes_counts_in_plausible_ranges_for_the_months_asked(demo: DemoContext) -> None:
    # Per month, from a 12-month build (docs/demo.md): ~1,650 visits, ~2,480 calls, ~125 referrals,
    # ~635 messages, ~196 billing inquiries.
    ranges = {
        "visits": (1300, 2000),
        "calls": (2000, 3000),
        "referrals": (90, 170),
        "messages": (500, 780),
        "billing": (150, 250),
    }
    counts = {name: len(demo.rows[name]) for name in ranges}
    for name, (low, high) in ranges.items():
        assert low * MONTHS <= counts[name] <= high * MONTHS, (name, counts[name])
    # Mondays from 14 Oct 2024 to 6 Jan 2025: 13 weekly snapshots x 4 providers x 3 visit types.
    assert len(rows(demo, "slots")) == 13 * 4 * 3
    # Two audit standards, about two observations each a week over 13 weeks.
    assert 30 <= len(rows(demo, "audits")) <= 80


def test_it_has_no_visits_or_calls_when_the_practice_is_closed(demo: DemoContext) -> None:
    visit_days = {local(v.scheduled_start).date() for v in rows(demo, "visits")}
    call_days = {local(c.started_at).date() for c in rows(demo, "calls")}
    for days in (visit_days, call_days):
        assert all(d.weekday() < 5 for d in days)
        assert not days & CLOSED_WEEKDAYS
    assert date(2024, 11, 27) in visit_days and date(2024, 11, 29) in visit_days


def test_it_stops_at_the_start_of_today(demo: DemoContext) -> None:
    as_of = datetime.combine(TODAY, time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    stamps: list[datetime] = []
    for name in demo.rows:
        for row in rows(demo, name):
            # A slot snapshot's next available slots are in the future by nature; it was taken in the past.
            values = [row.taken_at] if name == "slots" else list(vars(row).values())
            # So is a survey link's expiry date; it was sent in the past.
            values = [value for key, value in vars(row).items() if key != "expires_at"] if name == "surveys" else values
            stamps += [value for value in values if isinstance(value, datetime)]
    assert len(stamps) > 10_000 and max(stamps) < as_of
    assert all(stamp.microsecond == 0 for stamp in stamps)
    assert min(local(v.scheduled_start).date() for v in rows(demo, "visits")) == date(2024, 10, 14)


def test_it_orders_every_visits_timestamps(demo: DemoContext) -> None:
    for visit in rows(demo, "visits"):
        assert visit.requested_at <= visit.booked_at < visit.scheduled_start, visit.visit_id
        flow = (visit.arrived_at, visit.roomed_at, visit.provider_in_at, visit.checkout_at)
        if visit.status == VisitStatus.COMPLETED:
            assert None not in flow, visit.visit_id
            assert visit.arrived_at <= visit.roomed_at <= visit.provider_in_at <= visit.checkout_at, visit.visit_id
        else:
            assert flow == (None, None, None, None), visit.visit_id


def test_it_uses_the_providers_locations_and_repeat_patients(demo: DemoContext) -> None:
    visits = rows(demo, "visits")
    assert {v.provider for v in visits} == {p.key for p in PROVIDERS}
    assert {v.location for v in visits} == set(LOCATIONS)
    patients = {v.patient_ref for v in visits}
    assert all(ref.startswith("P") and len(ref) == 7 for ref in patients)
    assert len(patients) < len(visits) / 1.5  # many patients come more than once


def lead_days(visit: Any) -> float:
    return float((visit.scheduled_start - visit.booked_at).total_seconds() / 86400)


def test_it_has_more_no_shows_when_booked_further_ahead(demo: DemoContext) -> None:
    visits = rows(demo, "visits")
    short = share([v.status == VisitStatus.NO_SHOW for v in visits if lead_days(v) < 7])
    long = share([v.status == VisitStatus.NO_SHOW for v in visits if lead_days(v) >= 28])
    assert long >= 2 * short
    assert 0.02 <= short <= 0.09 and 0.18 <= long <= 0.35


def test_it_waits_longer_on_mondays_and_in_dr_ramirez_afternoons(demo: DemoContext) -> None:
    completed = [v for v in rows(demo, "visits") if v.status == VisitStatus.COMPLETED]

    def median_wait(weekday: int) -> float:
        return statistics.median(
            minutes(v.arrived_at, v.provider_in_at) for v in completed if local(v.scheduled_start).weekday() == weekday
        )

    assert median_wait(0) > median_wait(2) + 2

    def on_time(afternoon: bool) -> float:
        return share(
            [
                minutes(v.scheduled_start, v.provider_in_at) <= 15
                for v in completed
                if v.provider == "dr-ramirez" and (local(v.scheduled_start).hour >= 12) == afternoon
            ]
        )

    assert on_time(afternoon=True) < on_time(afternoon=False) - 0.05


def test_it_abandons_more_calls_on_monday_mornings(demo: DemoContext) -> None:
    def monday_morning(call: Any) -> bool:
        started = local(call.started_at)
        return started.weekday() == 0 and 8 <= started.hour < 10

    calls = rows(demo, "calls")
    peak = share([c.abandoned_at is not None for c in calls if monday_morning(c)])
    rest = share([c.abandoned_at is not None for c in calls if not monday_morning(c)])
    assert peak > 2 * rest
    assert 0.01 <= rest <= 0.08


def test_it_answers_or_abandons_every_call_in_order(demo: DemoContext) -> None:
    agents = {q.key: set(q.agents) for q in QUEUES}
    starts = new_receptionist_starts(demo)
    for call in rows(demo, "calls"):
        assert (call.answered_at is None) != (call.abandoned_at is None), call.call_id
        if call.answered_at is not None:
            assert call.started_at <= call.answered_at <= call.ended_at
            # The new receptionist answers only on the appointments line, on Mondays from her start.
            new = call.agent == NEW_RECEPTIONIST
            assert call.agent in agents[call.queue] or (
                new and call.queue == NEW_RECEPTIONIST_QUEUE and call.started_at.date() >= starts and call.started_at.weekday() == 0
            ), (call.call_id, call.agent)
        else:
            assert call.started_at < call.abandoned_at == call.ended_at
            assert call.agent == "" and call.outcome == "abandoned"


def test_it_leaves_some_referral_loops_open(demo: DemoContext) -> None:
    as_of = datetime.combine(TODAY, time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    referrals = rows(demo, "referrals")
    old = [r for r in referrals if r.sent_at < as_of - timedelta(days=60)]
    assert 0.10 <= share([r.closed_at is None for r in old]) <= 0.35
    completed = {v.visit_id: v for v in rows(demo, "visits") if v.status == VisitStatus.COMPLETED}
    for referral in referrals:
        visit = completed[referral.visit_id]
        assert referral.patient_ref == visit.patient_ref and referral.sent_at >= visit.checkout_at
        steps = [s for s in (referral.scheduled_at, referral.report_received_at, referral.closed_at) if s]
        assert steps == sorted(steps) and all(referral.sent_at <= s for s in steps)


def test_it_answers_messages_and_billing_after_they_arrive(demo: DemoContext) -> None:
    for message in rows(demo, "messages"):
        if message.first_response_at is not None:
            assert message.received_at <= message.first_response_at
        if message.closed_at is not None:
            assert message.first_response_at is not None and message.first_response_at <= message.closed_at
    for inquiry in rows(demo, "billing"):
        if inquiry.first_response_at is not None:
            assert inquiry.opened_at <= inquiry.first_response_at
        if inquiry.resolved_at is not None:
            assert inquiry.first_response_at is not None and inquiry.first_response_at <= inquiry.resolved_at
    # A tail: some portal messages wait more than two days for a first answer.
    waits = [m.first_response_at - m.received_at for m in rows(demo, "messages") if m.first_response_at]
    assert 0.02 <= share([w > timedelta(days=2) for w in waits]) <= 0.25


def test_it_audits_the_journeys_audit_standards(demo: DemoContext) -> None:
    audits = rows(demo, "audits")
    assert {a.standard for a in audits} == set(AUDIT_STANDARDS)
    assert 0.7 <= share([a.passed for a in audits]) < 1.0


def test_it_snapshots_three_ordered_slots_after_the_snapshot(demo: DemoContext) -> None:
    for snapshot in rows(demo, "slots"):
        assert local(snapshot.taken_at).weekday() == 0
        assert snapshot.taken_at < snapshot.next_available_1 <= snapshot.next_available_2 <= snapshot.next_available_3


def test_it_draws_each_part_from_its_own_random_stream(demo: DemoContext) -> None:
    """Adding or changing another part never changes the visits: they depend on their own stream only."""
    alone = DemoContext(7, TODAY, MONTHS, ZoneInfo(settings.TIME_ZONE))
    visits_alone = generate_visits(part_random(7, "visits"), alone)

    def key_fields(visits: list[Any]) -> list[tuple[Any, ...]]:
        return [(v.visit_id, v.patient_ref, v.scheduled_start, v.status, v.checkout_at) for v in visits]

    assert key_fields(visits_alone) == key_fields(rows(demo, "visits"))
