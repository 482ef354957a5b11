"""A manager finding a patient by reference: /events/patients/?ref= and POST /api/events/patients/search."""

from __future__ import annotations

import pytest

from careloop.accounts.models import AuditEntry
from tests.conftest import Cast, client_for
from tests.events.patient_events import make_patient


def test_it_opens_the_timeline_of_an_exact_match_and_audits_both_reads(cast: Cast) -> None:
    make_patient("P-1001")
    response = client_for(cast.maria).get("/events/patients/", {"ref": " P-1001 "}, follow=True)
    assert response.redirect_chain == [("/events/patients/P-1001/", 302)]
    assert response.status_code == 200
    kinds = sorted(AuditEntry.objects.values_list("record_kind", flat=True))
    assert kinds == ["patient_search", "patient_timeline"]
    search = AuditEntry.objects.get(record_kind="patient_search")
    assert (search.user, search.patient_ref, search.fields) == (cast.maria, "P-1001", ["patient_ref"])


@pytest.mark.parametrize("partial", ["P-100", "p-1001", "1001", "P-1001%"])
def test_it_finds_nothing_without_an_exact_match_and_audits_nothing(cast: Cast, partial: str) -> None:
    make_patient("P-1001")
    response = client_for(cast.maria).get("/events/patients/", {"ref": partial})
    assert response.status_code == 200
    assert b"No patient with the reference" in response.content
    assert b"/events/patients/P-1001/" not in response.content
    assert AuditEntry.objects.count() == 0


def test_it_shows_an_empty_form_without_a_search(cast: Cast) -> None:
    response = client_for(cast.maria).get("/events/patients/")
    assert response.status_code == 200
    assert b'name="ref"' in response.content
    assert b"No patient with the reference" not in response.content


@pytest.mark.parametrize("name", ["ada", "fran", "bill", "cora", "sam"])
def test_it_is_for_managers_only(cast: Cast, name: str) -> None:
    make_patient("P-1001")
    response = client_for(cast.all()[name]).get("/events/patients/", {"ref": "P-1001"})
    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


def test_it_rejects_post_on_the_page(cast: Cast) -> None:
    assert client_for(cast.maria).post("/events/patients/", {"ref": "P-1001"}).status_code == 405


def test_the_api_finds_an_exact_match_and_audits_it(cast: Cast) -> None:
    make_patient("P-1001")
    response = client_for(cast.maria).post(
        "/api/events/patients/search", {"patient_ref": "P-1001"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"patient_ref": "P-1001"}
    assert AuditEntry.objects.get().record_kind == "patient_search"


def test_the_api_answers_404_for_no_match_and_for_other_roles(cast: Cast) -> None:
    make_patient("P-1001")
    miss = client_for(cast.maria).post(
        "/api/events/patients/search", {"patient_ref": "P-100"}, content_type="application/json"
    )
    denied = client_for(cast.fran).post(
        "/api/events/patients/search", {"patient_ref": "P-1001"}, content_type="application/json"
    )
    assert miss.status_code == denied.status_code == 404
    assert miss.content == denied.content
    assert AuditEntry.objects.count() == 0


def test_the_api_rejects_a_body_without_patient_ref(cast: Cast) -> None:
    response = client_for(cast.maria).post("/api/events/patients/search", {"ref": "x"}, content_type="application/json")
    assert response.status_code == 422
