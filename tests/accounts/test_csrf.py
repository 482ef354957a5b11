"""Unsafe requests without a CSRF token: refused on the sign-in form and in the API."""

from __future__ import annotations

from django.test import Client

from careloop.accounts.models import AuditEntry
from tests.conftest import PASSWORD, Cast
from tests.events.patient_events import make_patient


def test_it_refuses_a_login_post_without_a_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": cast.maria.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_it_accepts_a_login_post_with_the_form_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    response = client.post("/login/", {"username": cast.maria.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_it_refuses_an_api_post_without_a_token(cast: Cast) -> None:
    make_patient("P-1001")
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.maria)
    response = client.post("/api/events/patients/search", {"patient_ref": "P-1001"}, content_type="application/json")
    assert response.status_code == 403
    assert AuditEntry.objects.count() == 0


def test_it_accepts_an_api_post_with_the_token_header(cast: Cast) -> None:
    make_patient("P-1001")
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.maria)
    client.get("/events/patients/")  # any page with the sign-out form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/events/patients/search", {"patient_ref": "P-1001"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_it_refuses_a_logout_post_without_a_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.maria)
    assert client.post("/logout/").status_code == 403
    assert client.session["_auth_user_id"] == str(cast.maria.pk)
