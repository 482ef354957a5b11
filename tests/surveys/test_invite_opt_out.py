"""Opting out of surveys: the link in every invitation (GET asks, POST opts out at once), and a STOP
reply through the SMS provider's webhook (shared secret, CSRF-exempt for that view only), which
also takes delivery receipts. Each opt-out is recorded on the contact and in the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from careloop.accounts.models import AuditEntry
from careloop.surveys.invitations import invitation_token, plan_invitation
from careloop.events.models import PatientContact
from careloop.surveys.models import Invitation
from tests.surveys.invite_cases import NOW, completed_visit, contact, visit_survey

pytestmark = pytest.mark.django_db
SECRET = "webhook-secret-for-tests"


@pytest.fixture(autouse=True)
def webhook_secret(settings: Any) -> None:
    settings.SMS_INBOUND_SECRET = SECRET


def planned(**contact_fields: Any) -> Invitation:
    contact(**contact_fields)
    plan_invitation(completed_visit(), visit_survey(), NOW)
    return Invitation.objects.get(visit_id="V-1")


def test_it_asks_before_opting_out_so_a_mail_scanner_opening_the_link_changes_nothing() -> None:
    invitation = planned(language="es")
    response = Client().get(f"/s/{invitation_token(invitation)}/opt-out/")
    assert response.status_code == 200
    assert "Dejar de recibir encuestas" in response.content.decode()
    assert PatientContact.objects.get().opted_out_at is None


def test_it_opts_out_at_once_on_post_records_it_and_stops_the_pending_invitation() -> None:
    invitation = planned()
    response = Client(enforce_csrf_checks=False).post(f"/s/{invitation_token(invitation)}/opt-out/")
    assert response.status_code == 200
    assert "You will not get more surveys" in response.content.decode()
    row = PatientContact.objects.get()
    assert row.opted_out_at is not None and row.opted_out_via == "link"
    invitation.refresh_from_db()
    assert (invitation.send_after, invitation.last_error) == (None, "the patient opted out")
    change = AuditEntry.objects.get(action="change")
    assert (change.user, change.record_kind, change.patient_ref, change.fields) == (None, "contact:opt-out", "P-1", ["consent"])


def test_it_needs_the_csrf_token_on_the_opt_out_form() -> None:
    invitation = planned()
    response = Client(enforce_csrf_checks=True).post(f"/s/{invitation_token(invitation)}/opt-out/")
    assert response.status_code == 403
    assert PatientContact.objects.get().opted_out_at is None


def test_it_answers_an_unknown_token_with_the_friendly_404() -> None:
    response = Client().post("/s/unknown-token-00000000000000000/opt-out/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def inbound(body: dict[str, Any], secret: str | None = SECRET) -> Any:
    headers = {"X-Careloop-Secret": secret} if secret is not None else {}
    return Client(enforce_csrf_checks=True).post("/surveys/sms/inbound", json.dumps(body), content_type="application/json", headers=headers)


def test_it_opts_a_number_out_on_a_stop_reply() -> None:
    invitation = planned(email="", phone="+15550100001", consent_email=False, consent_sms=True)
    response = inbound({"from": "+1 (555) 010-0001", "text": "Stop"})
    assert (response.status_code, response.json()) == (200, {"opted_out": 1})
    row = PatientContact.objects.get()
    assert row.opted_out_at is not None and row.opted_out_via == "sms-stop"
    invitation.refresh_from_db()
    assert invitation.send_after is None


def test_it_ignores_a_reply_that_is_not_a_stop_word() -> None:
    planned(email="", phone="+15550100001", consent_email=False, consent_sms=True)
    response = inbound({"from": "+15550100001", "text": "Stopped by to say thanks"})
    assert response.json() == {"opted_out": 0}
    assert PatientContact.objects.get().opted_out_at is None


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_it_refuses_a_webhook_call_without_the_secret(secret: str | None) -> None:
    planned(email="", phone="+15550100001", consent_email=False, consent_sms=True)
    response = inbound({"from": "+15550100001", "text": "STOP"}, secret)
    assert response.status_code == 403
    assert PatientContact.objects.get().opted_out_at is None


def test_it_turns_the_webhook_off_when_no_secret_is_configured(settings: Any) -> None:
    settings.SMS_INBOUND_SECRET = ""
    assert inbound({"from": "+15550100001", "text": "STOP"}, "").status_code == 404


def test_it_rejects_get_and_bodies_that_are_not_json() -> None:
    assert Client().get("/surveys/sms/inbound").status_code == 405
    response = Client().post("/surveys/sms/inbound", "STOP", content_type="text/plain", HTTP_X_CARELOOP_SECRET=SECRET)
    assert response.status_code == 400


def test_it_records_a_delivery_receipt_once() -> None:
    invitation = planned(email="", phone="+15550100001", consent_email=False, consent_sms=True)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=NOW + timedelta(hours=1), provider_message_id="SM77")
    assert inbound({"message_id": "SM77", "status": "delivered"}).json() == {"delivered": 1}
    assert inbound({"message_id": "SM77", "status": "delivered"}).json() == {"delivered": 0}
    assert inbound({"message_id": "SM78", "status": "delivered"}).json() == {"delivered": 0}
    invitation.refresh_from_db()
    assert invitation.delivered_at is not None
