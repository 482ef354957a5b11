"""Reading a patient's timeline through the API: GET /api/events/patients/{ref}/timeline."""

from __future__ import annotations

import pytest

from careloop.accounts.models import AuditEntry
from tests.conftest import Cast, client_for
from tests.events.patient_events import make_patient

URL = "/api/events/patients/P-1001/timeline"


def test_it_returns_the_events_in_the_practice_time_zone(cast: Cast) -> None:
    make_patient("P-1001")
    response = client_for(cast.bill).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["patient_ref"] == "P-1001"
    assert body["time_zone"] == "America/New_York"
    assert [e["record_id"] for e in body["entries"]] == ["V-P-1001", "R-P-1001", "M-P-1001", "B-P-1001"]
    visit = body["entries"][0]
    # 14:30 UTC = 09:30 EST (UTC-05:00); arrival 10 minutes before, checkout 40 after.
    assert visit["at"] == "2025-01-15T09:30:00-05:00"
    assert {"label": "Arrived", "value": "2025-01-15T09:20:00-05:00"} in visit["details"]
    assert {"label": "Checked out", "value": "2025-01-15T10:10:00-05:00"} in visit["details"]


def test_it_writes_one_audit_entry(cast: Cast) -> None:
    make_patient("P-1001")
    client_for(cast.maria).get(URL)
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.record_kind, entry.patient_ref, entry.path) == (
        cast.maria,
        "patient_timeline",
        "P-1001",
        URL,
    )
    assert entry.fields == ["billing_inquiry", "message", "patient_ref", "referral", "visit"]


def test_it_answers_401_to_anonymous_callers(cast: Cast) -> None:
    make_patient("P-1001")
    assert client_for(None).get(URL).status_code == 401
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("name", ["ada", "cora", "sam"])
def test_it_answers_404_to_roles_without_patient_access(cast: Cast, name: str) -> None:
    make_patient("P-1001")
    response = client_for(cast.all()[name]).get(URL)
    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


def test_it_answers_404_and_writes_nothing_for_an_unknown_patient(cast: Cast) -> None:
    assert client_for(cast.maria).get("/api/events/patients/P-404/timeline").status_code == 404
    assert AuditEntry.objects.count() == 0


def test_it_rejects_delete(cast: Cast) -> None:
    make_patient("P-1001")
    assert client_for(cast.maria).delete(URL).status_code == 405
    assert AuditEntry.objects.count() == 0
