"""Deciding who is invited after a visit: the rules one by one (decide() is pure), then planning
writes the invitation as due work with its send time, and reads of contact details are audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from careloop.accounts.models import AuditEntry
from careloop.events.models import Visit
from careloop.surveys.invitations import (
    Contact,
    QuietHours,
    Rules,
    decide,
    invitation_token,
    plan_invitation,
    plan_recent_visits,
)
from careloop.events.models import PatientContact
from careloop.surveys.models import Invitation, VisitDecision
from careloop.surveys.tokens import find_invitation
from tests.surveys.invite_cases import NOW, UTC, completed_visit, contact, visit_survey

NEW_YORK = ZoneInfo("America/New_York")
RULES = Rules(QuietHours(20, 9), 30, NEW_YORK)
EMAIL_OK = Contact("P-1", email="pat@example.test", phone="+15550100001", language="es", consent_email=True)


def visit(checkout: datetime = NOW - timedelta(hours=1), status: str = "completed") -> Visit:
    # Unsaved: decide() reads only its fields.
    return Visit(visit_id="V-1", patient_ref="P-1", scheduled_start=checkout - timedelta(minutes=40), checkout_at=checkout, status=status)


def ask(**changes: Any) -> Any:
    args: dict[str, Any] = {
        "visit": visit(),
        "contact": EMAIL_OK,
        "invited_for_visit": False,
        "last_invited_at": None,
        "languages": ["en", "es"],
        "rules": RULES,
        "now": NOW,
    }
    args.update(changes)
    return decide(args.pop("visit"), args.pop("contact"), **args)


def test_it_invites_a_completed_visit_by_email_in_the_patients_language_two_hours_after_checkout() -> None:
    decision = ask()
    assert (decision.channel, decision.language) == ("email", "es")
    # Check-out 14:00 UTC + 2 h = 16:00 UTC (11:00 in New York: outside quiet hours).
    assert decision.send_after == datetime(2025, 3, 4, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"visit": visit(status="no-show")}, "the visit is no-show: only completed visits are surveyed"),
        ({"invited_for_visit": True}, "this visit already has an invitation"),
        ({"visit": visit(checkout=NOW - timedelta(days=3, minutes=1))}, "the visit ended more than 3 days ago"),
        ({"contact": None}, "no contact details for this patient"),
        ({"contact": Contact("P-1", email="a@b.test", consent_email=True, opted_out_at=NOW - timedelta(days=90))}, "the patient opted out of surveys"),
        ({"last_invited_at": NOW - timedelta(days=29, hours=23)}, "the patient was invited less than 30 days ago"),
        ({"contact": Contact("P-1", email="a@b.test", phone="+15550100001")}, "no consent to survey by email or text message"),
        ({"contact": Contact("P-1", email="", consent_email=True)}, "no consent to survey by email or text message"),
    ],
)
def test_it_does_not_invite_when_a_rule_says_no(changes: dict[str, Any], reason: str) -> None:
    decision = ask(**changes)
    assert (decision.channel, decision.reason) == (None, reason)


def test_it_invites_again_once_the_minimum_days_have_passed() -> None:
    assert ask(last_invited_at=NOW - timedelta(days=30)).channel == "email"


def test_it_uses_sms_when_only_texts_are_consented_and_leaves_an_unknown_language_to_the_browser() -> None:
    decision = ask(contact=Contact("P-1", email="a@b.test", phone="+15550100001", language="fr", consent_sms=True))
    assert (decision.channel, decision.language) == ("sms", "")


@pytest.mark.parametrize(
    ("checkout", "expected"),
    [
        # 18:30 in New York + 2 h = 20:30, quiet: the next morning at 09:00 EST = 14:00 UTC.
        (datetime(2025, 3, 4, 23, 30, tzinfo=UTC), datetime(2025, 3, 5, 14, 0, tzinfo=UTC)),
        # 05:00 in New York + 2 h = 07:00, quiet: the same morning at 09:00 = 14:00 UTC.
        (datetime(2025, 3, 4, 10, 0, tzinfo=UTC), datetime(2025, 3, 4, 14, 0, tzinfo=UTC)),
        # 19:30 EST on 8 March + 2 h = 21:30, quiet; clocks go forward that night, so 09:00 EDT = 13:00 UTC.
        (datetime(2025, 3, 9, 0, 30, tzinfo=UTC), datetime(2025, 3, 9, 13, 0, tzinfo=UTC)),
        # 17:59 + 2 h = 19:59: still allowed.
        (datetime(2025, 3, 4, 22, 59, tzinfo=UTC), datetime(2025, 3, 5, 0, 59, tzinfo=UTC)),
    ],
)
def test_it_moves_the_send_time_out_of_quiet_hours_in_the_practice_time_zone(checkout: datetime, expected: datetime) -> None:
    decision = ask(visit=visit(checkout=checkout), now=checkout)
    assert decision.send_after == expected


def test_it_reads_quiet_hours_and_refuses_nonsense() -> None:
    assert QuietHours.parse("21-8") == QuietHours(21, 8)
    assert not QuietHours(0, 0).is_quiet(datetime(2025, 3, 4, 3, 0))
    assert QuietHours(0, 6).is_quiet(datetime(2025, 3, 4, 3, 0))
    assert not QuietHours(0, 6).is_quiet(datetime(2025, 3, 4, 6, 0))
    with pytest.raises(ValueError, match="must look like 20-9"):
        QuietHours.parse("8pm-9am")
    with pytest.raises(ValueError, match="0 to 23"):
        QuietHours.parse("20-24")


@pytest.mark.django_db
def test_it_plans_an_invitation_as_due_work_with_a_working_single_use_link() -> None:
    version = visit_survey()
    made = completed_visit()
    contact(language="es")
    decision = plan_invitation(made, version, NOW)
    invitation = Invitation.objects.get(visit_id="V-1")
    assert (invitation.channel, invitation.language, invitation.patient_ref) == ("email", "es", "P-1")
    assert invitation.send_after == decision.send_after == datetime(2025, 3, 4, 16, 0, tzinfo=UTC)
    assert invitation.sent_at is None
    token = invitation_token(invitation)
    assert len(token) == 32
    found = find_invitation(token)
    assert found is not None and found.pk == invitation.pk


@pytest.mark.django_db
def test_it_audits_the_contact_read_as_a_system_read() -> None:
    version = visit_survey()
    contact()
    plan_invitation(completed_visit(), version, NOW)
    entry = AuditEntry.objects.get(record_kind="contact:survey-invitation")
    assert (entry.user, entry.action, entry.patient_ref) == (None, "read", "P-1")
    assert entry.fields == ["consent", "email", "language", "phone"]


@pytest.mark.django_db
def test_it_plans_recent_visits_once_and_counts_why_others_were_not_invited() -> None:
    version = visit_survey()
    contact("P-1")
    contact("P-2", consent_email=False)
    completed_visit("V-1", "P-1")
    completed_visit("V-2", "P-2")
    completed_visit("V-3", "P-3")
    completed_visit("V-4", "P-1", checkout=NOW - timedelta(days=4))
    completed_visit("V-5", "P-5", status="no-show")
    first = plan_recent_visits(version, NOW)
    assert first == {
        "invite": 1,
        "no consent to survey by email or text message": 1,
        "no contact details for this patient": 1,
    }
    assert list(Invitation.objects.values_list("visit_id", flat=True)) == ["V-1"]
    reads = AuditEntry.objects.filter(record_kind="contact:survey-invitation").count()
    assert reads == 2  # P-1 and P-2 have contact preferences; P-3 has none to read
    # The next run decides only the new visit (a second one of P-1 the same week: the 30-day
    # rule), without reading anyone's contact preferences again.
    completed_visit("V-6", "P-1", checkout=NOW - timedelta(minutes=30))
    second = plan_recent_visits(version, NOW + timedelta(minutes=5))
    assert second == {"the patient was invited less than 30 days ago": 1}
    assert Invitation.objects.count() == 1
    assert AuditEntry.objects.filter(record_kind="contact:survey-invitation").count() == reads + 1
    assert dict(VisitDecision.objects.values_list("visit_id", "reason")) == {
        "V-1": "invite",
        "V-2": "no consent to survey by email or text message",
        "V-3": "no contact details for this patient",
        "V-6": "the patient was invited less than 30 days ago",
    }
    assert PatientContact.objects.count() == 2


@pytest.mark.django_db
def test_it_decides_a_visit_only_once() -> None:
    version = visit_survey()
    contact()
    made = completed_visit()
    assert plan_invitation(made, version, NOW).reason == "invite"
    assert plan_invitation(made, version, NOW).reason == "this visit was already decided"
    assert Invitation.objects.count() == 1
