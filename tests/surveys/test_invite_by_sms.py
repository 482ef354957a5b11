"""Sending invitations by text message: the JSON-over-HTTP provider against a local fake server
(no live calls), its one retry on a server error, its clear refusal on a 4xx, and the due-work run."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from careloop.surveys.invitations import invitation_token, plan_invitation
from careloop.surveys.models import Invitation
from careloop.surveys.sms import JsonHttpSmsProvider, SmsError, configured_sms_provider
from careloop.surveys.tasks import send_due_invitations
from tests.surveys.fake_sms_server import FakeSmsServer, fake_sms_server
from tests.surveys.invite_cases import NOW, completed_visit, contact, visit_survey

SEND_TIME = NOW + timedelta(hours=1)


@pytest.fixture
def fake() -> Any:
    with fake_sms_server() as server:
        yield server


def provider(fake: FakeSmsServer, **options: Any) -> JsonHttpSmsProvider:
    return JsonHttpSmsProvider(fake.url, "key-123", "+15550109999", retry_pause=0, **options)


def test_it_posts_json_with_the_api_key_and_returns_the_message_id(fake: FakeSmsServer) -> None:
    fake.answers.append((201, '{"id": "SM42"}'))
    assert provider(fake).send("+15550100001", "Hello") == "SM42"
    [request] = fake.requests
    assert request.path == "/messages"
    assert request.headers["authorization"] == "Bearer key-123"
    assert request.headers["content-type"] == "application/json"
    assert request.body == {"to": "+15550100001", "from": "+15550109999", "body": "Hello"}


def test_it_retries_once_on_a_server_error(fake: FakeSmsServer) -> None:
    fake.answers += [(503, '{"error": "failing over"}'), (200, '{"id": "SM43"}')]
    assert provider(fake).send("+15550100001", "Hello") == "SM43"
    assert len(fake.requests) == 2


def test_it_gives_up_after_the_second_server_error_and_says_it_may_work_later(fake: FakeSmsServer) -> None:
    fake.answers += [(500, "oops"), (502, "still down"), (200, '{"id": "never"}')]
    with pytest.raises(SmsError, match=r"the SMS provider failed \(HTTP 502\): still down") as caught:
        provider(fake).send("+15550100001", "Hello")
    assert caught.value.retryable and len(fake.requests) == 2


def test_it_reports_a_refusal_at_once_without_retrying(fake: FakeSmsServer) -> None:
    fake.answers.append((400, '{"error": "invalid number"}'))
    with pytest.raises(SmsError, match=r'refused the message \(HTTP 400\): \{"error": "invalid number"\}') as caught:
        provider(fake).send("+1555", "Hello")
    assert not caught.value.retryable and len(fake.requests) == 1


def test_it_refuses_an_answer_without_a_message_id(fake: FakeSmsServer) -> None:
    fake.answers.append((200, '{"status": "queued"}'))
    with pytest.raises(SmsError, match="no message id"):
        provider(fake).send("+15550100001", "Hello")


def test_it_says_when_the_provider_cannot_be_reached() -> None:
    with fake_sms_server() as gone:
        url = gone.url
    started = time.monotonic()
    with pytest.raises(SmsError, match="could not be reached") as caught:
        JsonHttpSmsProvider(url, "k", "+1", retry_pause=0, timeout=2).send("+15550100001", "Hello")
    assert caught.value.retryable and time.monotonic() - started < 5


def test_it_builds_the_provider_from_settings_only_when_configured(settings: Any) -> None:
    settings.SMS_PROVIDER_URL = ""
    assert configured_sms_provider() is None
    settings.SMS_PROVIDER_URL, settings.SMS_API_KEY, settings.SMS_FROM = "http://127.0.0.1:1/m", "k", "+1555"
    made = configured_sms_provider()
    assert isinstance(made, JsonHttpSmsProvider) and (made.url, made.api_key, made.sender) == ("http://127.0.0.1:1/m", "k", "+1555")


@pytest.mark.django_db
def test_it_texts_due_invitations_in_the_patients_language_and_keeps_the_message_id(fake: FakeSmsServer, settings: Any) -> None:
    settings.PUBLIC_URL = "https://s.example.org"
    contact(email="", phone="+15550100001", language="es", consent_email=False, consent_sms=True)
    plan_invitation(completed_visit(), visit_survey(), NOW)
    fake.answers.append((200, '{"id": "SM77"}'))
    report = send_due_invitations(SEND_TIME, provider=provider(fake))
    invitation = Invitation.objects.get()
    assert (report.sent, invitation.channel, invitation.provider_message_id) == (1, "sms", "SM77")
    link = f"https://s.example.org/s/{invitation_token(invitation)}/"
    assert fake.requests[0].body["to"] == "+15550100001"
    assert fake.requests[0].body["body"] == f"¿Cómo fue su visita? Encuesta de 3 minutos: {link} Responda STOP para no recibir más."


@pytest.mark.django_db
def test_it_gives_up_on_a_refused_number_without_retrying(fake: FakeSmsServer) -> None:
    contact(email="", phone="+15550100001", consent_email=False, consent_sms=True)
    plan_invitation(completed_visit(), visit_survey(), NOW)
    fake.answers.append((422, '{"error": "not a mobile number"}'))
    report = send_due_invitations(SEND_TIME, provider=provider(fake))
    invitation = Invitation.objects.get()
    assert (report.failed, invitation.send_after, invitation.sent_at, invitation.send_attempts) == (1, None, None, 1)
    assert "HTTP 422" in invitation.last_error
