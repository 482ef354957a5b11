"""Tracking invitations per channel: invited, sent, delivered, opened (the answer page first shown),
answered, and the response rate, counted by hand below."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from careloop.surveys.invitations import channel_counts
from careloop.surveys.models import Invitation
from careloop.surveys.tokens import hash_token
from tests.surveys.invite_cases import NOW, visit_survey

pytestmark = pytest.mark.django_db


def invitation(channel: str, n: int, **stamps: Any) -> Invitation:
    made = Invitation.objects.create(
        token_hash=hash_token(f"{channel}-{n}".ljust(32, "0")), instrument_version=visit_survey(), patient_ref=f"P-{channel}-{n}",
        channel=channel, created_at=NOW, expires_at=NOW + timedelta(days=14),
    )
    Invitation.objects.filter(pk=made.pk).update(**stamps)
    return made


def test_it_counts_each_channels_funnel_and_response_rate() -> None:
    sent, later = NOW + timedelta(hours=1), NOW + timedelta(hours=5)
    # Email: 4 invited, 3 sent, 2 opened, 1 answered → 1/3 of those sent.
    invitation("email", 1, sent_at=sent, opened_at=later, used_at=later)
    invitation("email", 2, sent_at=sent, opened_at=later)
    invitation("email", 3, sent_at=sent)
    invitation("email", 4)
    # SMS: 2 sent, both delivered, 1 opened and answered → 1/2.
    invitation("sms", 1, sent_at=sent, delivered_at=sent, opened_at=later, used_at=later)
    invitation("sms", 2, sent_at=sent, delivered_at=sent)
    # QR: handed out, never sent; 1 of 2 answered → 1/2 of those invited.
    invitation("qr", 1, opened_at=later, used_at=later)
    invitation("qr", 2)
    counts = {c.channel: c for c in channel_counts()}
    email, sms, qr, link = counts["email"], counts["sms"], counts["qr"], counts["link"]
    assert (email.invited, email.sent, email.delivered, email.opened, email.answered) == (4, 3, None, 2, 1)
    assert email.response_rate == pytest.approx(1 / 3)
    assert (sms.invited, sms.sent, sms.delivered, sms.opened, sms.answered) == (2, 2, 2, 1, 1)
    assert sms.response_rate == 0.5
    assert (qr.invited, qr.sent, qr.answered, qr.response_rate) == (2, 0, 1, 0.5)
    assert (link.invited, link.response_rate) == (0, None)


def test_it_counts_only_invitations_created_in_the_period() -> None:
    invitation("email", 1, created_at=NOW - timedelta(days=40), sent_at=NOW)
    invitation("email", 2, sent_at=NOW)
    counts = {c.channel: c for c in channel_counts(since=NOW - timedelta(days=30), until=NOW + timedelta(seconds=1))}
    assert (counts["email"].invited, counts["email"].sent) == (1, 1)


def test_it_marks_an_invitation_opened_when_the_answer_page_is_first_shown() -> None:
    made = invitation("email", 1, expires_at=timezone.now() + timedelta(days=14))
    token = "email-1".ljust(32, "0")
    assert made.opened_at is None
    assert Client().get(f"/s/{token}/").status_code == 200
    made.refresh_from_db()
    first = made.opened_at
    assert first is not None and first <= timezone.now()
    Client().get(f"/s/{token}/")
    made.refresh_from_db()
    assert made.opened_at == first
