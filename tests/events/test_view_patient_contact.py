"""Opening one patient's contact card: /events/patients/<patient_ref>/contact/ (can_view_contacts, audited)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.http import Http404

from careloop.accounts.models import AuditEntry
from careloop.events.contacts import contact_for_sending, get_contact_or_404
from careloop.events.models import PatientContact
from tests.conftest import Cast, client_for
from tests.events.patient_events import make_patient


def ana() -> PatientContact:
    return PatientContact.objects.create(
        patient_ref="P-1001", given_name="Ana", family_name="García", email="ana@example.test", phone="+15550100001",
        language="es", consent_email=True, consent_contact=True, opted_out_at=datetime(2026, 1, 5, 15, 0, tzinfo=UTC),
        opted_out_via="sms-stop",
    )


def test_it_shows_name_details_consent_and_opt_out_in_the_practice_time_zone(cast: Cast) -> None:
    ana()
    html = client_for(cast.maria).get("/events/patients/P-1001/contact/").content.decode()
    for text in ("Ana García", "ana@example.test", "+15550100001", "es", "STOP reply to a text message"):
        assert text in html
    assert "2026-01-05 10:00" in html  # 15:00 UTC is 10:00 in New York in January


def test_it_audits_the_read_with_reader_purpose_and_fields_but_no_values(cast: Cast) -> None:
    ana()
    client_for(cast.fran).get("/events/patients/P-1001/contact/")
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.record_kind, entry.patient_ref) == (cast.fran, "read", "contact:contact-card", "P-1001")
    assert entry.fields == ["consent", "email", "language", "name", "phone"]
    assert entry.path == "/events/patients/P-1001/contact/"
    assert "Ana" not in str(entry.fields) + entry.record_kind


@pytest.mark.parametrize("who", ["cora", "sam", "ada"])
def test_it_answers_404_to_roles_without_can_view_contacts_and_writes_nothing(cast: Cast, who: str) -> None:
    ana()
    assert client_for(getattr(cast, who)).get("/events/patients/P-1001/contact/").status_code == 404
    assert not AuditEntry.objects.exists()


def test_it_answers_the_same_404_for_an_unknown_patient(cast: Cast) -> None:
    ana()
    assert client_for(cast.maria).get("/events/patients/P-9999/contact/").status_code == 404
    assert not AuditEntry.objects.exists()


def test_it_refuses_post(cast: Cast) -> None:
    ana()
    assert client_for(cast.maria).post("/events/patients/P-1001/contact/").status_code == 405


def test_it_links_the_card_from_the_timeline(cast: Cast) -> None:
    make_patient("P-1001")
    ana()
    assert 'href="/events/patients/P-1001/contact/"' in client_for(cast.maria).get("/events/patients/P-1001/").content.decode()


def test_it_does_not_open_the_door_without_permission_even_from_code(cast: Cast) -> None:
    ana()
    with pytest.raises(Http404):
        get_contact_or_404(cast.cora, "P-1001", purpose="outreach")
    assert get_contact_or_404(cast.fran, "P-1001", purpose="case outreach").email == "ana@example.test"
    assert AuditEntry.objects.get().record_kind == "contact:case-outreach"


def test_it_audits_a_system_read_for_sending_without_a_user(cast: Cast) -> None:
    ana()
    assert contact_for_sending("P-404", purpose="survey") is None
    contact = contact_for_sending("P-1001", purpose="survey-invitation")
    assert contact is not None and contact.phone == "+15550100001"
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.record_kind, entry.fields) == (None, "contact:survey-invitation", ["consent", "email", "language", "phone"])
