"""Sending due invitations by email (Django's locmem backend in tests: mail.outbox), the one
reminder, retries, and the conditional UPDATE that stops two workers sending the same row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from careloop.surveys.invitations import Rules, invitation_token, opt_out, plan_invitation
from careloop.surveys.models import Invitation
from careloop.surveys.tasks import SendReport, send_due_invitations, send_one
from tests.surveys.invite_cases import NOW, completed_visit, contact, visit_survey

pytestmark = pytest.mark.django_db
SEND_TIME = NOW + timedelta(hours=1)  # 16:00 UTC, 11:00 in New York


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.PUBLIC_URL = "https://survey.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def planned(language: str = "en") -> Invitation:
    contact(language=language)
    plan_invitation(completed_visit(), visit_survey(), NOW)
    return Invitation.objects.get(visit_id="V-1")


def test_it_sends_nothing_before_the_send_time() -> None:
    planned()
    report = send_due_invitations(SEND_TIME - timedelta(minutes=1))
    assert (report.sent, len(mail.outbox)) == (0, 0)


def test_it_emails_the_link_and_an_opt_out_link_in_text_and_html() -> None:
    invitation = planned()
    report = send_due_invitations(SEND_TIME)
    assert report.sent == 1
    [message] = mail.outbox
    link = f"https://survey.example.org/s/{invitation_token(invitation)}/"
    assert message.to == ["pat@example.test"]
    assert message.subject == "How was your visit? A short survey"
    assert link in message.body and f"{link}opt-out/" in message.body
    html, kind = message.alternatives[0]  # type: ignore[attr-defined]
    assert kind == "text/html" and f'href="{link}"' in html and f'href="{link}opt-out/"' in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}opt-out/>"
    invitation.refresh_from_db()
    assert (invitation.sent_at, invitation.send_after, invitation.send_attempts) == (SEND_TIME, None, 1)
    # Reminder 3 days later at the same hour (11:00 in New York: not quiet).
    assert invitation.reminder_after == SEND_TIME + timedelta(days=3)


def test_it_writes_in_the_patients_language() -> None:
    planned(language="es")
    send_due_invitations(SEND_TIME)
    assert mail.outbox[0].subject == "¿Cómo fue su visita? Una encuesta breve"
    assert "Responder la encuesta" in mail.outbox[0].body


def test_it_sends_each_invitation_once_even_when_run_twice() -> None:
    planned()
    send_due_invitations(SEND_TIME)
    send_due_invitations(SEND_TIME + timedelta(minutes=5))
    assert len(mail.outbox) == 1


def test_it_lets_only_one_worker_claim_a_row_read_by_both() -> None:
    invitation = planned()
    stale_copy = Invitation.objects.get(pk=invitation.pk)
    send_due_invitations(SEND_TIME)
    # A second worker that read the row before the first claimed it: its conditional UPDATE
    # (WHERE send_after = the value it read) changes nothing, so it sends nothing.
    report = SendReport()
    send_one(stale_copy, None, Rules.from_settings(), SEND_TIME, report)
    assert (report.sent, report.skipped, len(mail.outbox)) == (0, 1, 1)


def test_it_reminds_once_unless_answered() -> None:
    invitation = planned()
    send_due_invitations(SEND_TIME)
    send_due_invitations(SEND_TIME + timedelta(days=3))
    send_due_invitations(SEND_TIME + timedelta(days=6))
    assert [m.subject for m in mail.outbox] == ["How was your visit? A short survey", "Reminder: how was your visit?"]
    invitation.refresh_from_db()
    assert invitation.reminded_at == SEND_TIME + timedelta(days=3)


def test_it_does_not_remind_a_patient_who_answered() -> None:
    invitation = planned()
    send_due_invitations(SEND_TIME)
    Invitation.objects.filter(pk=invitation.pk).update(used_at=SEND_TIME + timedelta(days=1))
    report = send_due_invitations(SEND_TIME + timedelta(days=3))
    assert (report.reminded, len(mail.outbox)) == (0, 1)


def test_it_sends_nothing_to_a_patient_who_opted_out_after_planning() -> None:
    invitation = planned()
    opt_out("P-1", "link", NOW)
    report = send_due_invitations(SEND_TIME)
    assert (report.sent, len(mail.outbox)) == (0, 0)
    invitation.refresh_from_db()
    assert (invitation.send_after, invitation.last_error) == (None, "the patient opted out")


def test_it_waits_out_quiet_hours_when_the_worker_catches_up_late() -> None:
    invitation = planned()
    late = NOW.replace(hour=2, minute=0) + timedelta(days=1)  # 21:00 in New York
    report = send_due_invitations(late)
    assert (report.deferred, len(mail.outbox)) == (1, 0)
    invitation.refresh_from_db()
    assert invitation.send_after == NOW.replace(hour=14, minute=0) + timedelta(days=1)  # 09:00 the next morning


def test_it_retries_a_failing_mail_server_later_then_gives_up(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: nothing listens, connection refused
    invitation = planned()
    first = send_due_invitations(SEND_TIME)
    invitation.refresh_from_db()
    assert first.failed == 1
    assert invitation.send_after == SEND_TIME + timedelta(hours=1)
    assert invitation.last_error.startswith("the email server refused or failed")
    send_due_invitations(SEND_TIME + timedelta(hours=1))
    send_due_invitations(SEND_TIME + timedelta(hours=3))
    invitation.refresh_from_db()
    assert invitation.send_attempts == 3
    assert invitation.send_after is None and invitation.sent_at is None
