"""Opening a patient's timeline page: /events/patients/<patient_ref>/."""

from __future__ import annotations

import pytest

from careloop.accounts.models import AuditEntry
from careloop.events.models import Visit
from tests.conftest import Cast, client_for
from tests.events.patient_events import make_patient


def test_it_lists_every_kind_of_event_in_the_practice_time_zone(cast: Cast) -> None:
    make_patient("P-1001")
    make_patient("P-2002", specialty="Dermatology")  # someone else's events must not appear
    response = client_for(cast.maria).get("/events/patients/P-1001/")
    assert response.status_code == 200
    html = response.content.decode()
    for record_id in ("V-P-1001", "R-P-1001", "M-P-1001", "B-P-1001"):
        assert record_id in html
    assert "P-2002" not in html and "Dermatology" not in html
    # 14:30 UTC is 09:30 in America/New_York in January (UTC-5); arrival 10 minutes earlier.
    assert "2025-01-15 09:30" in html
    assert "Arrived: 2025-01-15 09:20" in html
    assert "14:30" not in html
    assert "America/New_York" in html


def test_it_lists_events_oldest_first(cast: Cast) -> None:
    make_patient("P-1001")
    html = client_for(cast.fran).get("/events/patients/P-1001/").content.decode()
    positions = [html.index(ref) for ref in ("V-P-1001", "R-P-1001", "M-P-1001", "B-P-1001")]
    assert positions == sorted(positions)


def test_it_writes_one_audit_entry_naming_reader_patient_path_and_fields(cast: Cast) -> None:
    make_patient("P-1001")
    client_for(cast.fran).get("/events/patients/P-1001/", REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.get()
    assert entry.user == cast.fran
    assert entry.action == "read"
    assert entry.record_kind == "patient_timeline"
    assert entry.record_id == "P-1001"
    assert entry.patient_ref == "P-1001"
    assert entry.path == "/events/patients/P-1001/"
    assert entry.ip_address == "10.1.2.3"
    assert entry.fields == ["billing_inquiry", "message", "patient_ref", "referral", "visit"]


def test_it_writes_no_patient_data_values_into_the_audit_entry(cast: Cast) -> None:
    make_patient("P-1001")
    client_for(cast.maria).get("/events/patients/P-1001/")
    entry = AuditEntry.objects.get()
    stored = " ".join(str(v) for v in (entry.record_kind, entry.record_id, entry.fields, entry.path))
    for value in ("dr-okafor", "main-street", "Cardiology", "copay", "V-P-1001", "2025"):
        assert value not in stored


def test_it_writes_an_entry_for_every_read(cast: Cast) -> None:
    make_patient("P-1001")
    client = client_for(cast.maria)
    client.get("/events/patients/P-1001/")
    client.get("/events/patients/P-1001/")
    assert AuditEntry.objects.filter(patient_ref="P-1001", user=cast.maria).count() == 2


def test_it_gives_404_and_writes_nothing_for_an_unknown_patient(cast: Cast) -> None:
    make_patient("P-1001")
    response = client_for(cast.maria).get("/events/patients/P-9999/")
    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("name", ["ada", "cora", "sam"])
def test_it_gives_404_and_writes_nothing_for_roles_without_patient_access(cast: Cast, name: str) -> None:
    make_patient("P-1001")
    response = client_for(cast.all()[name]).get("/events/patients/P-1001/")
    assert response.status_code == 404
    assert b"P-1001" not in response.content
    assert AuditEntry.objects.count() == 0


def test_it_sends_anonymous_visitors_to_sign_in(cast: Cast) -> None:
    make_patient("P-1001")
    response = client_for(None).get("/events/patients/P-1001/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert AuditEntry.objects.count() == 0


def test_it_refuses_a_deactivated_owner(cast: Cast) -> None:
    make_patient("P-1001")
    client = client_for(cast.fran)
    cast.fran.is_active = False
    cast.fran.save()
    response = client.get("/events/patients/P-1001/")
    # An inactive user's session no longer authenticates: back to the sign-in page.
    assert response.status_code == 302
    assert AuditEntry.objects.count() == 0


def test_it_rejects_post(cast: Cast) -> None:
    make_patient("P-1001")
    response = client_for(cast.maria).post("/events/patients/P-1001/")
    assert response.status_code == 405
    assert AuditEntry.objects.count() == 0


def test_it_renders_script_in_a_patient_ref_and_a_field_escaped(cast: Cast) -> None:
    script = "<script>alert(1)</script>"
    make_patient(script)
    Visit.objects.filter(patient_ref=script).update(provider=script)
    response = client_for(cast.maria).get("/events/patients/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    assert response.status_code == 200
    html = response.content.decode()
    assert script not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert AuditEntry.objects.get().patient_ref == script


def test_it_names_the_provider_as_the_practice_knows_them(cast: Cast) -> None:
    from careloop.accounts.models import StaffMember

    make_patient("P-1001")
    StaffMember.objects.create(key="dr-okafor", name="Dr. Adaeze Okafor", is_provider=True)
    html = client_for(cast.maria).get("/events/patients/P-1001/").content.decode()
    assert "visit with Dr. Adaeze Okafor at main-street" in html


def test_it_shows_only_the_steps_that_happened(cast: Cast) -> None:
    make_patient("P-1001")
    Visit.objects.filter(patient_ref="P-1001").update(
        status="cancelled", arrived_at=None, roomed_at=None, provider_in_at=None, checkout_at=None
    )
    html = client_for(cast.maria).get("/events/patients/P-1001/").content.decode()
    assert "Arrived:" not in html
    # No dangling separator after the last step shown.
    assert "· </td>" not in html and "·\n</td>" not in html
