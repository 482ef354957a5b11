"""Escalation: a missed SLA tells the managers, in one digest per person per hour, and survives a
worker that fails or dies mid-way (retried, not lost, not sent twice)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail

from careloop.accounts.roles import Role
from careloop.recovery.escalation import escalate_overdue_cases, send_escalation_digests
from careloop.recovery.models import Case, EscalationDigest, EscalationNotice
from careloop.recovery.tasks import work_recovery_once
from careloop.recovery.working import log_contact
from tests.conftest import Cast, _user
from tests.recovery.cases import NEW_YORK, make_case, make_journey

# make_case opens on Wednesday 15 Jan 2025 at 10:00 EST: first contact due Friday 17 Jan 00:00 EST.
FIRST_DUE = datetime(2025, 1, 17, 0, 0, tzinfo=NEW_YORK)
AFTER = FIRST_DUE + timedelta(minutes=5)


@pytest.fixture
def practice(cast: Cast) -> Cast:
    make_journey()
    return cast


def test_it_escalates_nothing_before_the_deadline(practice: Cast, mailoutbox: list[Any]) -> None:
    make_case()
    report = escalate_overdue_cases(FIRST_DUE - timedelta(seconds=1))
    assert report.escalated == 0 and not EscalationNotice.objects.exists()


def test_it_tells_every_manager_once_in_one_digest(practice: Cast, mailoutbox: list[Any]) -> None:
    second_manager = _user("mo@practice.test", Role.MANAGER, "Mo Manager")
    make_case("P-1", episode="visit:V-1")
    make_case("P-2", episode="visit:V-2")
    report = work_recovery_once(AFTER)
    assert (report["escalated"], report["notices"], report["digests_sent"]) == (2, 4, 2)
    assert sorted(m.to[0] for m in mailoutbox) == ["maria@practice.test", second_manager.email]
    body = mailoutbox[0].body
    assert body.startswith("2 recovery case deadlines missed:")
    assert "first contact due Fri 17 Jan 2025 00:00 · Check-in · owner Fran Frontdesk" in body
    # No patient reference in an email.
    assert "P-1" not in body and "P-2" not in body
    # Running again, by a second worker or after a restart, sends nothing more.
    again = work_recovery_once(AFTER + timedelta(minutes=1))
    assert (again["escalated"], again["notices"], again["digests_sent"]) == (0, 0, 0)
    assert len(mailoutbox) == 2


def test_it_sends_at_most_one_digest_per_person_per_hour(practice: Cast, mailoutbox: list[Any]) -> None:
    make_case("P-1", episode="visit:V-1")
    work_recovery_once(AFTER)
    # A second case misses its first contact 20 minutes later, in the same hour: it waits for the next hour.
    late = make_case("P-2", episode="visit:V-2")
    Case.objects.filter(pk=late.pk).update(first_contact_due=AFTER + timedelta(minutes=20), escalate_after=AFTER + timedelta(minutes=20))
    work_recovery_once(AFTER + timedelta(minutes=25))
    assert len(mailoutbox) == 1
    waiting = EscalationNotice.objects.get(digest__isnull=True)
    assert (waiting.case_id, waiting.what) == (late.pk, "first contact")
    # 05:05 UTC was the first digest's hour; at 06:05 UTC the next hour's digest takes it.
    work_recovery_once(AFTER + timedelta(minutes=60))
    assert len(mailoutbox) == 2
    assert [d.hour.hour for d in EscalationDigest.objects.order_by("hour")] == [5, 6]
    assert mailoutbox[1].body.startswith("1 recovery case deadline missed:")


def test_it_retries_a_digest_whose_send_failed(practice: Cast, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    make_case()

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("careloop.recovery.escalation.send_mail", refuse)
    report = work_recovery_once(AFTER)
    assert (report["escalated"], report["digests_failed"]) == (1, 1)
    digest = EscalationDigest.objects.get()
    assert digest.sent_at is None and digest.last_error == "ConnectionRefusedError: mail server down"
    monkeypatch.undo()
    # Too early: the retry waits RETRY_DELAY (15 minutes).
    assert work_recovery_once(AFTER + timedelta(minutes=10))["digests_sent"] == 0
    assert work_recovery_once(AFTER + timedelta(minutes=16))["digests_sent"] == 1
    assert len(mail.outbox) == 1


def test_it_sends_a_digest_a_dead_worker_claimed_once_its_lease_runs_out(practice: Cast, mailoutbox: list[Any]) -> None:
    make_case()
    escalate_overdue_cases(AFTER)
    send_escalation_digests(AFTER)
    assert len(mailoutbox) == 1
    # Simulate a worker that claimed a digest and died before sending it.
    make_case("P-2", episode="visit:V-2")
    Case.objects.filter(dedupe_key="P-2:visit:V-2").update(escalate_after=AFTER + timedelta(hours=1))
    escalate_overdue_cases(AFTER + timedelta(hours=1))
    stuck = EscalationDigest.objects.create(
        recipient="maria@practice.test", hour=datetime(2025, 1, 17, 6, 0, tzinfo=NEW_YORK), claimed_until=AFTER + timedelta(hours=1, minutes=10), attempts=1
    )
    EscalationNotice.objects.filter(digest__isnull=True).update(digest=stuck)
    assert send_escalation_digests(AFTER + timedelta(hours=1, minutes=5)).digests_sent == 0
    assert send_escalation_digests(AFTER + timedelta(hours=1, minutes=11)).digests_sent == 1
    assert len(mailoutbox) == 2
    stuck.refresh_from_db()
    assert stuck.sent_at is not None


def test_it_escalates_the_resolution_deadline_after_the_first_contact_one(practice: Cast, mailoutbox: list[Any]) -> None:
    case = make_case()
    escalate_overdue_cases(AFTER)
    case.refresh_from_db()
    assert case.escalate_after == case.resolution_due
    log_contact(case, by=practice.fran, method="phone", said="Spoke", outcome="reached", at=AFTER + timedelta(hours=1))
    case.refresh_from_db()
    assert case.escalate_after == case.resolution_due
    report = escalate_overdue_cases(case.resolution_due + timedelta(minutes=1))
    assert report.escalated == 1
    assert sorted(EscalationNotice.objects.values_list("what", flat=True)) == ["first contact", "resolution"]
    case.refresh_from_db()
    assert case.escalate_after is None
