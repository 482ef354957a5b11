"""Guessing patient references in URLs: a real patient and a made-up one must look the same to
anyone without rights, so the answer leaks nothing about who is a patient here."""

from __future__ import annotations

import secrets

import pytest

from careloop.accounts.models import AuditEntry
from tests.conftest import Cast, client_for
from tests.events.patient_events import make_patient


@pytest.mark.parametrize("name", ["ada", "cora", "sam"])
def test_it_answers_a_real_and_a_random_patient_page_identically(cast: Cast, name: str) -> None:
    make_patient("P-1001")
    client = client_for(cast.all()[name])
    real = client.get("/events/patients/P-1001/")
    guessed = client.get(f"/events/patients/P-{secrets.token_hex(4)}/")
    assert real.status_code == guessed.status_code == 404
    assert real.content == guessed.content
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("name", ["ada", "cora", "sam"])
def test_it_answers_a_real_and_a_random_patient_in_the_api_identically(cast: Cast, name: str) -> None:
    make_patient("P-1001")
    client = client_for(cast.all()[name])
    real = client.get("/api/events/patients/P-1001/timeline")
    guessed = client.get(f"/api/events/patients/P-{secrets.token_hex(4)}/timeline")
    assert real.status_code == guessed.status_code == 404
    assert real.json() == guessed.json()
    assert AuditEntry.objects.count() == 0


def test_it_gives_an_owner_the_same_404_for_a_random_patient_as_other_roles_get(cast: Cast) -> None:
    make_patient("P-1001")
    owner = client_for(cast.fran).get(f"/events/patients/P-{secrets.token_hex(4)}/")
    staff = client_for(cast.sam).get("/events/patients/P-1001/")
    assert owner.status_code == staff.status_code == 404
    assert owner.content == staff.content
