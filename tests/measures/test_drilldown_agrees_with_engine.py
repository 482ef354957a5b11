"""The drill-down lists exactly the events the engine counted against a standard.

A hand-built week, Monday 19 to Sunday 25 May 2025, in a practice open 08:00-17:00 whose holiday file
closes Friday 23 May (a training day) and Memorial Day, Monday 26 May: so a message's business days
skip Friday, the weekend and Monday, and one received after closing or on a closed day is received on
the next business day (business_time.py). Measured on Wednesday 28 May at noon.

For each kind of standard the listed events are the hand-computed ones, and their number is what the
stored measurement counted against the standard: n − met where higher is better, met where lower is
better (a rate's condition, the no-shows).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from careloop.accounts.models import AuditEntry
from careloop.events.models import Audit, Call, Message, SlotSnapshot, Visit
from careloop.journeys.models import Standard
from careloop.measures.drilldown import failed_events
from careloop.measures.models import Measurement
from careloop.measures.periods import Period
from careloop.measures.recompute import recompute_measurements
from tests.conftest import Cast
from tests.measures.engine_events import local, make_standard

WEEK = Period("week", date(2025, 5, 19), date(2025, 5, 26))
AS_OF = local("2025-05-28 12:00")


@pytest.fixture
def calendar(settings: Any, tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2025-05-23 training day\n2025-05-26 Memorial Day\n", encoding="utf-8")
    settings.HOLIDAYS_FILE = str(holidays)
    settings.OPENING_HOURS = "08:00-17:00"


def counted(standard: Standard, breakdown: str = "", value: str = "") -> tuple[int, int]:
    """(n, met) of the week as the engine measured and stored it."""
    report = recompute_measurements(standards=[standard], as_of=AS_OF)
    assert report.errors == []
    row = Measurement.objects.get(
        standard=standard, period_kind="week", period_start=WEEK.start, breakdown=breakdown, breakdown_value=value
    )
    return row.n, row.n_met


def listed(cast: Cast, standard: Standard, breakdown: tuple[str, str] = ("", "")) -> list[tuple[str, str]]:
    failures = failed_events(cast.maria, standard, WEEK, as_of=AS_OF, breakdown=breakdown)
    assert failures.total == len(failures.events)
    return [(event.event_id, event.what) for event in failures.events]


def message(key: str, received: str, answered: str | None) -> None:
    Message.objects.create(
        message_id=key, channel="portal", patient_ref=f"P-{key}", received_at=local(received),
        first_response_at=local(answered) if answered else None,
    )


def test_it_lists_the_messages_not_answered_within_a_business_day(cast: Cast, calendar: None) -> None:
    standard = make_standard(
        "portal-answered", "duration", {"table": "messages", "start": "received_at", "end": "first_response_at", "unit": "business_days"},
        threshold=1, touchpoint="portal",
    )
    message("M1", "2025-05-19 10:00", "2025-05-20 16:00")  # Mon → Tue: 1, met
    message("M2", "2025-05-19 10:00", "2025-05-21 09:00")  # Mon → Wed: 2, failed
    message("M3", "2025-05-19 17:30", "2025-05-21 09:00")  # after closing: received Tue → Wed: 1, met
    message("M4", "2025-05-22 11:00", "2025-05-27 10:00")  # Thu → Tue over Fri, weekend, holiday: 1, met
    message("M5", "2025-05-22 18:00", "2025-05-27 09:00")  # after closing Thu: received Tue 27 → 0, met
    message("M6", "2025-05-24 09:00", "2025-05-28 11:00")  # Saturday: received Tue 27 → Wed: 1, met
    message("M7", "2025-05-21 09:00", "2025-05-23 10:00")  # Wed → Fri (closed): Thursday only, 1, met
    message("M8", "2025-05-21 09:00", "2025-05-27 08:00")  # Wed → Tue: Thu, Tue, 2, failed
    message("M9", "2025-05-20 09:00", None)  # unanswered, 4 business days by Wednesday 28: failed
    message("M10", "2025-05-24 10:00", None)  # received Tue 27, 1 business day by Wed 28: pending
    message("M11", "2025-05-26 09:00", None)  # the next week: not listed

    n, met = counted(standard)
    events = listed(cast, standard)
    assert (n, met) == (9, 6)
    assert events == [("M2", "took 2 business days"), ("M9", "no end recorded"), ("M8", "took 2 business days")]
    assert len(events) == n - met
    # Maria may see patient events: each patient shown is in the audit log.
    assert {e.patient_ref for e in AuditEntry.objects.filter(record_kind="failed_events")} == {"P-M2", "P-M8", "P-M9"}


def test_it_lists_the_calls_answered_too_late_for_the_practice_and_a_queue(cast: Cast, calendar: None) -> None:
    standard = make_standard(
        "answered-30s", "duration", {"table": "calls", "start": "started_at", "end": "answered_at", "unit": "seconds"},
        threshold=30, touchpoint="phone-call",
    )
    start = local("2025-05-19 09:00")
    Call.objects.create(call_id="C1", queue="appointments", started_at=start, answered_at=start + timedelta(seconds=10))
    Call.objects.create(call_id="C2", queue="appointments", started_at=start + timedelta(minutes=1), answered_at=start + timedelta(minutes=1, seconds=45))
    Call.objects.create(call_id="C3", queue="appointments", started_at=local("2025-05-23 16:00"), abandoned_at=local("2025-05-23 16:01"))
    Call.objects.create(call_id="C4", queue="billing", started_at=local("2025-05-24 10:00"), answered_at=local("2025-05-24 10:00") + timedelta(seconds=31))
    Call.objects.create(call_id="C5", queue="billing", started_at=local("2025-05-25 10:00"), answered_at=local("2025-05-25 10:00") + timedelta(seconds=30))

    n, met = counted(standard)
    assert (n, met) == (5, 2)
    assert listed(cast, standard) == [("C2", "took 45 s"), ("C3", "no end recorded"), ("C4", "took 31 s")]
    n, met = counted(standard, "queue", "billing")
    assert (n, met) == (2, 1)
    assert listed(cast, standard, ("queue", "billing")) == [("C4", "took 31 s")]


def test_it_lists_the_no_shows_for_a_rate_where_lower_is_better(cast: Cast, calendar: None) -> None:
    standard = make_standard(
        "no-shows", "rate", {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}},
        goal=0.1, direction="lower_is_better", touchpoint="visit",
    )
    for number, (status, provider, when) in enumerate(
        [("completed", "dr-okafor", "2025-05-19 09:00"), ("no-show", "dr-okafor", "2025-05-20 09:00"),
         ("no-show", "np-chen", "2025-05-22 14:00"), ("cancelled", "np-chen", "2025-05-23 09:00"),
         ("no-show", "np-chen", "2025-05-27 09:00")],
        start=1,
    ):
        Visit.objects.create(
            visit_id=f"V{number}", patient_ref=f"P-V{number}", provider=provider, location="main-street",
            visit_type="established", booking_channel="phone", scheduled_start=local(when), status=status,
        )
    n, met = counted(standard)
    assert (n, met) == (4, 2)
    assert listed(cast, standard) == [("V2", "no-show"), ("V3", "no-show")]
    assert counted(standard, "provider", "np-chen") == (2, 1)
    assert listed(cast, standard, ("provider", "np-chen")) == [("V3", "no-show")]


def test_it_lists_the_referrals_without_a_report_for_a_rate_where_higher_is_better(cast: Cast, calendar: None) -> None:
    from careloop.events.models import Referral

    standard = make_standard(
        "reports-back", "rate", {"table": "referrals", "condition": {"field": "report_received_at", "is_set": True}},
        goal=0.9, touchpoint="referral",
    )
    sent = local("2025-05-21 10:00")
    Referral.objects.create(referral_id="R1", patient_ref="P-R1", specialty="cardiology", sent_at=sent, report_received_at=sent + timedelta(days=9))
    Referral.objects.create(referral_id="R2", patient_ref="P-R2", specialty="cardiology", sent_at=sent + timedelta(hours=1))
    n, met = counted(standard)
    assert (n, met) == (2, 1)
    assert listed(cast, standard) == [("R2", "not report received")]
    assert len(listed(cast, standard)) == n - met


def test_it_lists_the_audits_not_passed(cast: Cast, calendar: None) -> None:
    standard = make_standard("greeted", "audit", {"checklist": "greeted-by-name"}, goal=0.9, touchpoint="check-in")
    for key, checklist, when, passed in [
        ("A1", "greeted-by-name", "2025-05-19 09:00", True),
        ("A2", "greeted-by-name", "2025-05-20 09:00", False),
        ("A3", "greeted-by-name", "2025-05-21 09:00", True),
        ("A4", "greeted-by-name", "2025-05-24 09:00", False),  # a Saturday clinic
        ("A5", "hand-hygiene", "2025-05-21 09:00", False),  # another checklist
        ("A6", "greeted-by-name", "2025-05-16 09:00", False),  # the week before
    ]:
        Audit.objects.create(audit_id=key, standard=checklist, observed_at=local(when), observer="maria", passed=passed)
    n, met = counted(standard)
    assert (n, met) == (4, 2)
    assert listed(cast, standard) == [("A2", "not passed"), ("A4", "not passed")]


def test_it_lists_the_snapshots_whose_third_slot_was_too_far_by_local_day(cast: Cast, calendar: None) -> None:
    standard = make_standard(
        "tna", "access", {"visit_type": "new", "rank": 3, "unit": "days"}, threshold=7, goal=0.9, touchpoint="booking",
    )

    def snapshot(provider: str, taken: str, third: str | None, visit_type: str = "new") -> None:
        SlotSnapshot.objects.create(
            taken_at=local(taken), provider=provider, visit_type=visit_type, next_available_3=local(third) if third else None
        )

    snapshot("dr-a", "2025-05-19 07:00", "2025-05-26 15:00")  # 7 days: met
    snapshot("dr-b", "2025-05-20 07:00", None)  # no slot at that rank: failed
    snapshot("dr-b", "2025-05-21 23:30", "2025-05-28 01:00")  # 7 local days (6 in UTC): met
    snapshot("dr-a", "2025-05-23 07:00", "2025-05-31 08:00")  # 8 days: failed
    # Sunday 22:00 in New York is Monday in UTC: still this week, and 8 local days.
    snapshot("dr-a", "2025-05-25 22:00", "2025-06-02 09:00")
    snapshot("dr-a", "2025-05-22 07:00", "2025-06-30 07:00", visit_type="established")  # another visit type
    n, met = counted(standard)
    assert (n, met) == (5, 2)
    assert listed(cast, standard) == [
        ("dr-b@2025-05-20", "no open slot"), ("dr-a@2025-05-23", "took 8 days"), ("dr-a@2025-05-25", "took 8 days"),
    ]
    assert counted(standard, "provider", "dr-b") == (2, 1)
    assert listed(cast, standard, ("provider", "dr-b")) == [("dr-b@2025-05-20", "no open slot")]
