"""The quick complaint form at the desk or on the phone: anyone who may log complaints (staff too)
opens a case for the touchpoint's owner; without a patient reference it is an incident."""

from __future__ import annotations

import pytest

from careloop.recovery.models import Case, Trigger
from tests.conftest import Cast, client_for
from tests.recovery.cases import make_journey


@pytest.fixture
def practice(cast: Cast) -> Cast:
    make_journey()
    return cast


def test_it_opens_a_case_for_the_touchpoint_owner(practice: Cast) -> None:
    client = client_for(practice.sam)
    response = client.post(
        "/cases/complaint/",
        {"patient_ref": "P-77", "touchpoint": "billing", "what_happened": "Charged twice for one visit", "priority": "normal"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.trigger, case.patient_ref, case.summary, case.is_incident) == (
        Trigger.COMPLAINT, "P-77", "Complaint: Charged twice for one visit", False
    )
    assert case.owner is not None and case.owner.key == "bill-billing"
    assert case.evidence.get().detail == "logged by sam@practice.test"
    page = client.get(response["Location"]).content.decode()
    assert "Complaint logged; Bill Billing will follow it up." in page


def test_it_logs_two_complaints_from_one_patient_as_two_cases(practice: Cast) -> None:
    client = client_for(practice.fran)
    for what in ("Rude on the phone", "Lost my form"):
        client.post("/cases/complaint/", {"patient_ref": "P-77", "touchpoint": "check-in", "what_happened": what, "priority": "normal"})
    assert Case.objects.count() == 2


def test_it_makes_an_incident_when_nobody_is_named(practice: Cast) -> None:
    client_for(practice.sam).post(
        "/cases/complaint/", {"patient_ref": "", "touchpoint": "check-in", "what_happened": "Shouting in the queue", "priority": "high"}
    )
    case = Case.objects.get()
    assert case.is_incident and case.patient_ref == "" and case.dedupe_key.startswith("incident:complaint:")
    assert case.owner is not None and case.owner.key == "maria-manager"


def test_it_rejects_bad_input(practice: Cast) -> None:
    client = client_for(practice.sam)
    response = client.post(
        "/cases/complaint/", {"patient_ref": "P 77", "touchpoint": "nowhere", "what_happened": "x" * 301, "priority": "urgent"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A patient reference has no spaces." in html
    assert html.count("Select a valid choice") == 2
    assert "Ensure this value has at most 300 characters" in html
    assert not Case.objects.exists()
    assert client.put("/cases/complaint/").status_code == 405


def test_it_lets_only_people_who_may_log_complaints_in(practice: Cast) -> None:
    assert client_for(practice.cora).get("/cases/complaint/").status_code == 404
    assert client_for(practice.ada).post("/cases/complaint/", {}).status_code == 404
    assert client_for(practice.sam).get("/cases/complaint/").status_code == 200
    # Staff may log a complaint but not work cases.
    assert client_for(practice.sam).get("/cases/").status_code == 404
