"""Rule evaluation is idempotent under concurrency: several workers evaluating the same rules at the
same moment open each case exactly once, with its evidence once (opening.py: the unique dedupe key,
a savepoint around the insert). On PostgreSQL with real concurrent connections; the sequential
twice-run is in test_open_cases_by_rules.py and runs everywhere."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from careloop.accounts.models import StaffMember, User
from careloop.events.models import Visit
from careloop.recovery.escalation import escalate_overdue_cases
from careloop.recovery.models import Case, CaseEvent, CaseEvidence, EscalationNotice
from careloop.recovery.rules import open_cases_by_rules
from tests.recovery.cases import UTC, make_journey

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

NOW = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)
WORKERS = 6
PATIENTS = 20


def _race(work: Any) -> list[BaseException]:
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as error:  # collected: the assertion below shows any
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _practice() -> None:
    for key, name in (("fran-frontdesk", "Fran"), ("bill-billing", "Bill")):
        StaffMember.objects.create(key=key, name=name)
    User.objects.create_user("maria@practice.test", None, role="manager")
    make_journey()
    for n in range(PATIENTS):
        arrived = NOW - timedelta(days=1, minutes=n)
        Visit.objects.create(
            visit_id=f"V-{n}", patient_ref=f"P-{n}", provider="dr-okafor", location="main-street", visit_type="established",
            booking_channel="phone", scheduled_start=arrived, arrived_at=arrived, provider_in_at=arrived + timedelta(minutes=90),
            status="completed",
        )


def test_it_opens_each_case_once_when_workers_race() -> None:
    _practice()
    errors = _race(lambda: open_cases_by_rules(NOW))
    assert errors == []
    assert Case.objects.count() == PATIENTS
    assert CaseEvidence.objects.count() == PATIENTS
    assert CaseEvent.objects.filter(kind="opened").count() == PATIENTS


def test_it_escalates_each_missed_deadline_once_when_workers_race() -> None:
    _practice()
    open_cases_by_rules(NOW)
    errors = _race(lambda: escalate_overdue_cases(NOW + timedelta(days=3)))
    assert errors == []
    assert EscalationNotice.objects.count() == PATIENTS
    assert CaseEvent.objects.filter(kind="escalated").count() == PATIENTS
